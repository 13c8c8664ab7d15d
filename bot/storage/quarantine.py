"""Quarantined originals: a removed message's text, kept only encrypted, shown only with a reason.

Keys come from `STAFFGUARD_QUARANTINE_KEYS`, newest first. The newest key
seals new originals; every key opens them, so a new key can be put in front
and `rotate_originals` re-seals what the old ones sealed before they are
dropped. With no key the store keeps no original at all, and says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage.audit import REVEAL_REASON_MIN_LENGTH, record_audit, require_actor, require_reason
from bot.storage.columns import as_utc, utc_now
from bot.storage.errors import NotFound, OriginalUnavailable, QuarantineKeyError
from bot.storage.models import AuditAction, Incident, QuarantinedOriginal

KEYS_SETTING = "STAFFGUARD_QUARANTINE_KEYS"
ROTATION_BATCH = 500


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def fingerprint(key: str) -> str:
    """A short, one-way name for a key: says which key sealed a row without revealing it."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:16]


class Quarantine:
    """Seals and opens originals with the configured keys (none: quarantine is off)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        fernets = [_fernet(key, position) for position, key in enumerate(keys, start=1)]
        self._fernet = MultiFernet(fernets) if fernets else None
        self._fingerprints = tuple(fingerprint(key) for key in keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Quarantine:
        return cls([key.get_secret_value().strip() for key in settings.quarantine_keys])

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    @property
    def key_count(self) -> int:
        return len(self._fingerprints)

    @property
    def newest_fingerprint(self) -> str | None:
        return self._fingerprints[0] if self._fingerprints else None

    def describe(self) -> str:
        """One line for the start-up log: whether originals are kept, and how."""
        if not self.enabled:
            return (
                f"quarantine off: no {KEYS_SETTING}, so incidents are logged redacted "
                "and no original is kept (make a key with `staffguard keys generate`)"
            )
        return f"quarantine on: originals kept encrypted with {self.key_count} key(s), newest first"

    def seal(self, text: str) -> bytes:
        return self._require().encrypt(text.encode("utf-8"))

    def open(self, ciphertext: bytes) -> str:
        try:
            return self._require().decrypt(ciphertext).decode("utf-8")
        except InvalidToken:
            raise QuarantineKeyError(
                f"none of the keys in {KEYS_SETTING} opens this original "
                "(the key that sealed it was removed before rotation?)"
            ) from None

    def reseal(self, ciphertext: bytes) -> bytes:
        try:
            return self._require().rotate(ciphertext)
        except InvalidToken:
            raise QuarantineKeyError(f"none of the keys in {KEYS_SETTING} opens it") from None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise QuarantineKeyError(f"quarantine is off: {KEYS_SETTING} holds no key")
        return self._fernet


def _fernet(key: str, position: int) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise QuarantineKeyError(
            f"setting {KEYS_SETTING} is invalid: key {position} is not a Fernet key "
            "(make one with `staffguard keys generate`)"
        ) from None


async def store_original(
    session: AsyncSession,
    quarantine: Quarantine,
    incident_id: int,
    text: str,
    *,
    now: datetime | None = None,
) -> bool:
    """Keep `text` encrypted for the incident; False (and nothing kept) when quarantine is off."""
    if await session.get(Incident, incident_id) is None:
        raise NotFound("incident", incident_id)
    if not quarantine.enabled:
        return False
    row = await session.get(QuarantinedOriginal, incident_id)
    if row is None:
        row = QuarantinedOriginal(incident_id=incident_id)
        session.add(row)
    row.ciphertext = quarantine.seal(text)
    row.key_fingerprint = quarantine.newest_fingerprint or ""
    row.stored_at = as_utc(now) if now else utc_now()
    await session.flush()
    return True


async def store_new_original(
    session: AsyncSession,
    quarantine: Quarantine,
    incident_id: int,
    text: str,
    *,
    now: datetime | None = None,
) -> bool:
    """`store_original` for an incident recorded earlier in this transaction: one INSERT,
    nothing read first. False (and nothing kept) when quarantine is off."""
    if not quarantine.enabled:
        return False
    await session.execute(
        insert(QuarantinedOriginal).values(
            incident_id=incident_id,
            ciphertext=quarantine.seal(text),
            key_fingerprint=quarantine.newest_fingerprint or "",
            stored_at=as_utc(now) if now else utc_now(),
        )
    )
    return True


async def has_original(session: AsyncSession, incident_id: int) -> bool:
    found = await session.scalar(
        select(QuarantinedOriginal.incident_id).where(
            QuarantinedOriginal.incident_id == incident_id
        )
    )
    return found is not None


async def reveal_original(
    session: AsyncSession,
    quarantine: Quarantine,
    incident_id: int,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> str:
    """The original text, after recording who asked and why in the audit trail."""
    stated = require_reason(
        reason,
        what=f"viewing the original of incident {incident_id}",
        min_length=REVEAL_REASON_MIN_LENGTH,
    )
    require_actor(actor)
    if await session.get(Incident, incident_id) is None:
        raise NotFound("incident", incident_id)
    row = await session.get(QuarantinedOriginal, incident_id)
    if row is None:
        raise OriginalUnavailable(
            f"incident {incident_id} has no original: quarantine was off when it was "
            "recorded, or the original expired"
        )
    text = quarantine.open(row.ciphertext)
    await record_audit(
        session,
        actor=actor,
        action=AuditAction.ORIGINAL_VIEWED,
        incident_id=incident_id,
        reason=stated,
        now=now,
    )
    return text


@dataclass(frozen=True, slots=True)
class RotationReport:
    resealed: int
    # Originals no configured key opens (the key that sealed them is gone).
    unreadable: tuple[int, ...] = ()


async def rotate_originals(
    session: AsyncSession, quarantine: Quarantine, *, actor: str = "system"
) -> RotationReport:
    """Re-seal every original not sealed with the newest key, so older keys can be retired."""
    newest = quarantine.newest_fingerprint
    if newest is None:
        raise QuarantineKeyError(f"cannot rotate: {KEYS_SETTING} holds no key")
    resealed, unreadable, after = 0, [], -1
    while batch := await _originals_to_rotate(session, newest, after):
        for row in batch:
            try:
                row.ciphertext = quarantine.reseal(row.ciphertext)
            except QuarantineKeyError:
                unreadable.append(row.incident_id)
                continue
            row.key_fingerprint = newest
            resealed += 1
        after = batch[-1].incident_id
        await session.flush()
        for row in batch:  # keep memory flat however many originals there are
            session.expunge(row)
    if resealed or unreadable:
        await record_audit(
            session,
            actor=actor,
            action=AuditAction.KEYS_ROTATED,
            detail={"resealed": resealed, "unreadable": len(unreadable)},
        )
    return RotationReport(resealed=resealed, unreadable=tuple(unreadable))


async def _originals_to_rotate(
    session: AsyncSession, newest: str, after: int
) -> list[QuarantinedOriginal]:
    query = (
        select(QuarantinedOriginal)
        .where(
            QuarantinedOriginal.key_fingerprint != newest,
            QuarantinedOriginal.incident_id > after,
        )
        .order_by(QuarantinedOriginal.incident_id)
        .limit(ROTATION_BATCH)
    )
    return list((await session.scalars(query)).all())
