"""The original of a removed message: encrypted at rest, shown only with a reason, rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.config import load_settings
from bot.storage.audit import list_audit
from bot.storage.errors import NotFound, OriginalUnavailable, QuarantineKeyError, ReasonRequired
from bot.storage.incidents import record_incident
from bot.storage.models import AuditAction
from bot.storage.quarantine import (
    Quarantine,
    generate_key,
    has_original,
    reveal_original,
    rotate_originals,
    store_new_original,
    store_original,
)
from tests.storage.samples import (
    NHS_NUMBER,
    ORIGINAL,
    PATIENT_NAME,
    REDACTED,
    make_post,
    make_verdict,
)

OLD_KEY = generate_key()
NEW_KEY = generate_key()
REASON = "IG review of complaint 2025-114"


async def _incident_with_original(database, quarantine: Quarantine, text: str = ORIGINAL) -> int:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(text=text), make_verdict())
        await store_original(session, quarantine, incident.id, text)
    return incident.id


async def test_original_is_revealed_with_a_reason_and_the_view_is_audited(database) -> None:
    quarantine = Quarantine([NEW_KEY])
    incident_id = await _incident_with_original(database, quarantine)
    async with database.transaction() as session:
        text = await reveal_original(
            session, quarantine, incident_id, actor="cli:ig-lead", reason=REASON
        )
    async with database.transaction() as session:
        trail = await list_audit(session, incident_id=incident_id)
    assert text == ORIGINAL
    assert [(e.event, e.actor, e.reason) for e in trail] == [
        (AuditAction.ORIGINAL_VIEWED, "cli:ig-lead", REASON)
    ]


@pytest.mark.parametrize("reason", ["", "   ", "because", "look\n"])
async def test_no_reveal_without_a_real_reason_and_nothing_is_audited(database, reason) -> None:
    quarantine = Quarantine([NEW_KEY])
    incident_id = await _incident_with_original(database, quarantine)
    async with database.transaction() as session:
        with pytest.raises(ReasonRequired, match="at least 10 characters"):
            await reveal_original(session, quarantine, incident_id, actor="cli:x", reason=reason)
        assert await list_audit(session, incident_id=incident_id) == []


async def test_reveal_needs_an_actor(database) -> None:
    quarantine = Quarantine([NEW_KEY])
    incident_id = await _incident_with_original(database, quarantine)
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="actor"):
            await reveal_original(session, quarantine, incident_id, actor=" ", reason=REASON)


async def test_unknown_incident_is_not_found(database) -> None:
    quarantine = Quarantine([NEW_KEY])
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await store_original(session, quarantine, 404, ORIGINAL)
        with pytest.raises(NotFound):
            await reveal_original(session, quarantine, 404, actor="cli:x", reason=REASON)


async def test_without_a_key_nothing_original_is_kept_and_it_says_so(database) -> None:
    quarantine = Quarantine()
    assert not quarantine.enabled
    assert "no original is kept" in quarantine.describe()
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        assert await store_original(session, quarantine, incident.id, ORIGINAL) is False
        assert not await has_original(session, incident.id)
        with pytest.raises(OriginalUnavailable):
            await reveal_original(
                session, Quarantine([NEW_KEY]), incident.id, actor="cli:x", reason=REASON
            )
    assert incident.redacted_text == REDACTED


def test_quarantine_reads_keys_from_settings_newest_first() -> None:
    settings = load_settings(quarantine_keys=[SecretStr(NEW_KEY), SecretStr(OLD_KEY)])
    quarantine = Quarantine.from_settings(settings)
    assert quarantine.enabled
    assert quarantine.key_count == 2
    assert "quarantine on" in quarantine.describe()
    sealed = quarantine.seal(ORIGINAL)
    assert Fernet(NEW_KEY).decrypt(sealed).decode() == ORIGINAL


@pytest.mark.parametrize("bad", ["", "not-a-key", NEW_KEY[:-4]])
def test_a_malformed_key_is_named_by_position_not_printed(bad) -> None:
    with pytest.raises(QuarantineKeyError) as caught:
        Quarantine([NEW_KEY, bad])
    message = str(caught.value)
    assert "STAFFGUARD_QUARANTINE_KEYS" in message
    assert "key 2" in message
    assert NEW_KEY not in message
    assert (bad or "\x00") not in message


async def test_rotation_reseals_with_the_newest_key_so_the_old_one_can_go(database) -> None:
    old_only = Quarantine([OLD_KEY])
    first = await _incident_with_original(database, old_only)
    second = await _incident_with_original(database, old_only, "second original")
    both = Quarantine([NEW_KEY, OLD_KEY])
    already_new = await _incident_with_original(database, both, "sealed with the new key")

    async with database.transaction() as session:
        # Before rotation the old key still opens what it sealed.
        assert await reveal_original(session, both, first, actor="cli:x", reason=REASON)
        report = await rotate_originals(session, both, actor="cli:keys")
    assert (report.resealed, report.unreadable) == (2, ())

    new_only = Quarantine([NEW_KEY])
    async with database.transaction() as session:
        assert await reveal_original(session, new_only, first, actor="cli:x", reason=REASON) == (
            ORIGINAL
        )
        assert await reveal_original(session, new_only, second, actor="cli:x", reason=REASON) == (
            "second original"
        )
        assert await reveal_original(
            session, new_only, already_new, actor="cli:x", reason=REASON
        ) == ("sealed with the new key")
        with pytest.raises(QuarantineKeyError, match="none of the keys"):
            await reveal_original(session, old_only, first, actor="cli:x", reason=REASON)
        rotations = await list_audit(session, action=AuditAction.KEYS_ROTATED)
    assert len(rotations) == 1

    async with database.transaction() as session:
        again = await rotate_originals(session, both)
    assert again.resealed == 0


async def test_rotation_reports_originals_no_key_opens(database) -> None:
    lost = await _incident_with_original(database, Quarantine([OLD_KEY]))
    async with database.transaction() as session:
        report = await rotate_originals(session, Quarantine([NEW_KEY]))
    assert report.resealed == 0
    assert report.unreadable == (lost,)


async def test_rotation_without_a_key_is_refused(database) -> None:
    async with database.transaction() as session:
        with pytest.raises(QuarantineKeyError, match="no key"):
            await rotate_originals(session, Quarantine())


async def test_the_database_file_never_holds_the_patient_data_in_plain_form(sqlite_target) -> None:
    database = sqlite_target.open()
    quarantine = Quarantine([NEW_KEY])
    try:
        await _incident_with_original(database, quarantine)
        # Read while the bot would still be running: recent writes sit in the WAL file.
        wal = sqlite_target.path.with_name(sqlite_target.path.name + "-wal")
        live = sqlite_target.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    finally:
        await database.dispose()
    at_rest = sqlite_target.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    for raw in (live, at_rest):
        # The test reads the right bytes: the redacted text is there...
        assert REDACTED.encode() in raw
        # ...and the patient's number (in any spacing) and name are not.
        for secret in (NHS_NUMBER, NHS_NUMBER.replace(" ", ""), PATIENT_NAME, ORIGINAL):
            assert secret.encode() not in raw
            assert secret.encode("utf-16-le") not in raw


async def test_a_new_incidents_original_is_kept_in_one_insert(database) -> None:
    quarantine = Quarantine([NEW_KEY])
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        assert await store_new_original(session, quarantine, incident.id, ORIGINAL)
        assert not await store_new_original(session, Quarantine(), incident.id, ORIGINAL)
    async with database.transaction() as session:
        text = await reveal_original(
            session, quarantine, incident.id, actor="cli:ig", reason=REASON
        )
    assert text == ORIGINAL
