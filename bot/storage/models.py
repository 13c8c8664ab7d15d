"""The tables: groups, members, incidents and what happened to them, quarantine, audit.

Every change to these classes needs an Alembic revision in `alembic/versions/`;
`tests/storage/test_migrations.py` fails while the two disagree.

No column holds a message's original text in plain form: incidents keep the
redacted text, and the original lives only in `quarantined_originals`,
encrypted (see `bot.storage.quarantine`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.storage.columns import UTCDateTime, utc_now

# Explicit constraint names, so migrations can name what they alter on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class IncidentStatus(StrEnum):
    OPEN = "open"  # recorded; nobody has reviewed it yet
    UPHELD = "upheld"  # a reviewer agreed with the bot
    RELEASED = "released"  # a reviewer found it was not a breach
    ESCALATED = "escalated"  # passed to information governance / a manager


class ActionKind(StrEnum):
    """Each step the bot takes on an incident; every attempt's outcome is recorded."""

    DELETE_MESSAGE = "delete_message"
    NOTIFY_POSTER = "notify_poster"
    ALERT_ADMINS = "alert_admins"
    ASK_ADMINS_TO_DELETE = "ask_admins_to_delete"
    HOLD_POST = "hold_post"
    RESTRICT_POSTER = "restrict_poster"
    ESCALATE = "escalate"


class Outcome(StrEnum):
    # About to be tried: a step that must not be repeated is marked before the call,
    # so one interrupted by a crash is not tried again after a restart.
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"  # not attempted (no rights, policy says not to, ...)


class HoldStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AuditAction(StrEnum):
    ORIGINAL_VIEWED = "original.viewed"
    STATUS_CHANGED = "incident.status_changed"
    HOLD_DECIDED = "hold.decided"
    STRIKES_REVOKED = "strikes.revoked"
    KEYS_ROTATED = "quarantine.rotated"
    PURGED = "retention.purged"
    # Membership steps; their detail names the group (chat_id) and the member (user_id).
    MEMBER_RESTRICTED = "member.restricted"
    MEMBER_ASKED = "member.asked"
    MEMBER_REMINDED = "member.reminded"
    MEMBER_AGREED = "member.agreed"
    MEMBER_RELEASED = "member.released"  # the restriction lifted once they agreed
    MEMBER_LEFT = "member.left"
    MEMBER_REMOVED = "member.removed"
    CONSENT_REFUSED = "member.consent_refused"
    # Staff verification; the same detail, never an email address in full.
    JOIN_REQUESTED = "member.join_requested"
    CODE_SENT = "member.code_sent"
    VERIFIED = "member.verified"
    JOIN_APPROVED = "member.join_approved"
    JOIN_DECLINED = "member.join_declined"
    VERIFICATION_EXPIRED = "member.verification_expired"
    VERIFICATION_REVOKED = "member.verification_revoked"
    ROSTER_IMPORTED = "roster.imported"


class AgreementStatus(StrEnum):
    PENDING = "pending"  # restricted until they press "I agree"
    AGREED = "agreed"
    LEFT = "left"  # left the group before agreeing
    REMOVED = "removed"  # removed for not agreeing in time (they may join again)
    DECLINED = "declined"  # said no to being added, and was removed
    EXEMPT = "exempt"  # made an admin while pending: admins are not asked


class AskedBecause(StrEnum):
    JOINED = "joined"
    ADDED = "added"  # someone else added them: they must consent to being a member
    CODE_CHANGED = "code_changed"  # they agreed to an earlier version of the code


class JoinRequestStatus(StrEnum):
    PENDING = "pending"  # waiting for the person to verify
    APPROVED = "approved"
    DECLINED = "declined"  # too many wrong codes, or not verified in time
    CLOSED = "closed"  # handled elsewhere (an admin, or the person withdrew it)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's hook)


class Group(Base):
    """A chat the bot is in, and what the bot is allowed to do there."""

    __tablename__ = "groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(32), default="group")
    # The bot's membership: "administrator", "member", "left", "kicked" (Telegram's words).
    bot_status: Mapped[str] = mapped_column(String(32), default="member")
    can_delete_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    can_restrict_members: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Member(Base):
    """Someone seen posting in a group (staff, not patients)."""

    __tablename__ = "members"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)


class Incident(Base):
    """One screened message that was not simply allowed, with its redacted text."""

    __tablename__ = "incidents"
    __table_args__ = (
        # One index per list filter, each ending in the newest-first order the lists use.
        Index("ix_incidents_occurred_at_id", "occurred_at", "id"),
        Index("ix_incidents_chat_id_occurred_at", "chat_id", "occurred_at"),
        Index("ix_incidents_poster_id_occurred_at", "poster_id", "occurred_at"),
        Index("ix_incidents_status_occurred_at", "status", "occurred_at"),
        Index("ix_incidents_action_occurred_at", "action", "occurred_at"),
        Index("ix_incidents_chat_id_message_id", "chat_id", "message_id"),
        # A message version is handled once, even when Telegram delivers it again.
        Index(
            "uq_incidents_message_revision",
            "chat_id",
            "message_id",
            "message_revision",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE")
    )
    poster_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    message_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.OPEN.value)
    status_changed_at: Mapped[datetime | None]
    redacted_text: Mapped[str] = mapped_column(Text, default="")
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Detectors that raised on this message (it was not fully screened), comma-separated.
    failed_detectors: Mapped[str] = mapped_column(String(500), default="")

    categories: Mapped[list[IncidentCategory]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="IncidentCategory.position",
    )
    findings: Mapped[list[IncidentFinding]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="IncidentFinding.position",
    )

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(row.category for row in self.categories)


class IncidentCategory(Base):
    """The incident's categories, one row each, so lists can filter by category on any database.

    `occurred_at` is the incident's, copied (it never changes) so that one index
    serves "this category, newest first" whether the category is rare or common.
    """

    __tablename__ = "incident_categories"
    __table_args__ = (
        Index(
            "ix_incident_categories_category_occurred_at",
            "category",
            "occurred_at",
            "incident_id",
        ),
    )

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    occurred_at: Mapped[datetime]


class IncidentFinding(Base):
    """Why the incident was raised: a rule that fired, its confidence and redacted evidence."""

    __tablename__ = "incident_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(128))
    confidence: Mapped[float] = mapped_column(Float)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    # Redacted window around the span: never the personal data itself.
    evidence: Mapped[str] = mapped_column(Text, default="")


class ActionOutcome(Base):
    """One attempt at one action on an incident: done, failed (and why) or skipped."""

    __tablename__ = "action_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500), default="")
    attempted_at: Mapped[datetime] = mapped_column(default=utc_now)


class QuarantinedOriginal(Base):
    """The original text of a removed or held message, encrypted (a Fernet token)."""

    __tablename__ = "quarantined_originals"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # Which key sealed it (a short hash of the key, not the key), so rotation can skip it.
    key_fingerprint: Mapped[str] = mapped_column(String(16))
    stored_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)


class HeldPost(Base):
    """A post taken down until an admin approves or rejects it (the original is quarantined)."""

    __tablename__ = "held_posts"
    __table_args__ = (Index("ix_held_posts_status_held_at", "status", "held_at"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.PENDING.value)
    held_at: Mapped[datetime] = mapped_column(default=utc_now)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(128))


class Strike(Base):
    """A mark against a poster for a breach; revoked when the incident is released."""

    __tablename__ = "strikes"
    __table_args__ = (
        Index("ix_strikes_poster_id_chat_id_given_at", "poster_id", "chat_id", "given_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE")
    )
    poster_id: Mapped[int] = mapped_column(BigInteger)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(64), default="")
    given_at: Mapped[datetime] = mapped_column(default=utc_now)
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """Who viewed or changed what, when and why. Outlives the incidents it names."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_incident_id_at", "incident_id", "at"),
        Index("ix_audit_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(64))
    # No foreign key on purpose: the trail stays when retention deletes the incident.
    incident_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class PendingScreening(Base):
    """A message whose photos or documents are still to be screened.

    Written before the update is confirmed, deleted once the message has been
    enforced, so a restart screens it still. It holds what is needed to fetch
    the files again (Telegram's file ids) and nothing readable of the message:
    the caption and file names are sealed like quarantined originals, or, with
    no quarantine key, only the redacted caption and the file extensions are kept.
    """

    __tablename__ = "pending_screenings"
    __table_args__ = (
        Index(
            "uq_pending_screenings_message_revision",
            "chat_id",
            "message_id",
            "message_revision",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    message_revision: Mapped[int] = mapped_column(BigInteger, default=0)
    group_title: Mapped[str] = mapped_column(String(255), default="")
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None]
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON: each attachment's kind, file id, size and MIME type (no names).
    attachments: Mapped[str] = mapped_column(Text)
    # JSON {"caption": ..., "file_names": [...]}, sealed with the quarantine key...
    sealed_details: Mapped[bytes | None] = mapped_column(LargeBinary)
    # ...or, with no key, the caption as redacted when it was first screened.
    redacted_caption: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(default=utc_now)


class MemberAgreement(Base):
    """Whether a member has agreed to the group's code of conduct, and their deadlines if not.

    One row per member the bot has asked; pending rows carry the due times the
    deadline sweeper works through, so a restart loses no reminder or removal.
    """

    __tablename__ = "member_agreements"
    __table_args__ = (
        Index("ix_member_agreements_status_remind_at", "status", "remind_at"),
        Index("ix_member_agreements_status_remove_at", "status", "remove_at"),
    )

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), default=AgreementStatus.PENDING.value)
    asked_because: Mapped[str] = mapped_column(String(16), default=AskedBecause.JOINED.value)
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    # The version of the code they are asked to agree to, and the one they last agreed to.
    asked_version: Mapped[str | None] = mapped_column(String(48))
    agreed_version: Mapped[str | None] = mapped_column(String(48))
    pending_since: Mapped[datetime | None]
    asked_at: Mapped[datetime | None]  # the question reached them (privately or in the group)
    asked_where: Mapped[str] = mapped_column(String(16), default="")
    # The group message with the "I agree" button, deleted once it has done its job.
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    remove_at: Mapped[datetime | None]
    agreed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class JoinRequest(Base):
    """A request to join a group that requires verified staff, and what became of it."""

    __tablename__ = "join_requests"
    __table_args__ = (Index("ix_join_requests_status_decide_by", "status", "decide_by"),)

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), default=JoinRequestStatus.PENDING.value)
    # The private chat Telegram lets the bot write to about the request.
    user_chat_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime]
    decide_by: Mapped[datetime]  # declined if nobody has verified by then
    decided_at: Mapped[datetime | None]


class VerificationCode(Base):
    """The one-time code last emailed to a person, kept only as a salted hash."""

    __tablename__ = "verification_codes"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    email_hash: Mapped[str] = mapped_column(String(64))
    email_shown: Mapped[str] = mapped_column(String(160))  # masked: j***@nhs.net
    method: Mapped[str] = mapped_column(String(16))  # what the address qualified by
    code_salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts_left: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class StaffVerification(Base):
    """A member verified as staff for a group: how, until when, and whether withdrawn.

    A withdrawal (a leaver) is recorded first and carried out by the running bot,
    which removes them from the group and records when (`removed_at`).
    """

    __tablename__ = "staff_verifications"
    __table_args__ = (
        Index("ix_staff_verifications_email_hash", "email_hash"),
        Index("ix_staff_verifications_expires_at", "expires_at"),
    )

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("groups.chat_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    method: Mapped[str] = mapped_column(String(16))  # "email" or "roster"
    email_hash: Mapped[str | None] = mapped_column(String(64))
    email_shown: Mapped[str] = mapped_column(String(160), default="")
    verified_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]  # None: does not expire
    expiry_told_at: Mapped[datetime | None]  # the member was told it ran out
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")
    removed_at: Mapped[datetime | None]  # removed from the group after the withdrawal


class RosterEntry(Base):
    """One person on the staff roster the trust uploads; an address only as a hash."""

    __tablename__ = "staff_roster"
    __table_args__ = (
        Index("ix_staff_roster_email_hash", "email_hash"),
        Index("ix_staff_roster_telegram_user_id", "telegram_user_id"),
        Index("ix_staff_roster_telegram_username", "telegram_username"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_hash: Mapped[str | None] = mapped_column(String(64))
    email_shown: Mapped[str] = mapped_column(String(160), default="")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_username: Mapped[str | None] = mapped_column(String(64))  # lower case, no @
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
