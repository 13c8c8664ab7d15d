"""`staffguard keys`: generate a key; rotate stored originals to the newest key."""

from __future__ import annotations

import asyncio
import json

from cryptography.fernet import Fernet

from bot.cli import main
from bot.cli.errors import ExitCode
from bot.storage.incidents import record_incident
from bot.storage.quarantine import Quarantine, generate_key, reveal_original, store_original
from tests.storage.samples import ORIGINAL, make_post, make_verdict


def test_generate_prints_a_working_key(capsys) -> None:
    assert main(["keys", "generate"]) == ExitCode.OK
    key = capsys.readouterr().out.strip()
    Fernet(key)  # raises if it is not a key
    assert main(["keys", "generate"]) == ExitCode.OK
    assert capsys.readouterr().out.strip() != key


async def _seal_with(target, key: str) -> int:
    database = target.open()
    try:
        async with database.transaction() as session:
            incident = await record_incident(session, make_post(), make_verdict())
            await store_original(session, Quarantine([key]), incident.id, ORIGINAL)
        return incident.id
    finally:
        await database.dispose()


async def _reveal_with(target, key: str, incident_id: int) -> str:
    database = target.open()
    try:
        async with database.transaction() as session:
            return await reveal_original(
                session, Quarantine([key]), incident_id, actor="test", reason="checking rotation"
            )
    finally:
        await database.dispose()


def test_rotate_reseals_originals_so_the_old_key_can_be_dropped(
    sqlite_target, monkeypatch, capsys
) -> None:
    old, new = generate_key(), generate_key()
    incident_id = asyncio.run(_seal_with(sqlite_target, old))
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", sqlite_target.url)
    monkeypatch.setenv("STAFFGUARD_QUARANTINE_KEYS", json.dumps([new, old]))
    assert main(["keys", "rotate"]) == ExitCode.OK
    assert "re-encrypted 1 original(s)" in capsys.readouterr().out
    assert asyncio.run(_reveal_with(sqlite_target, new, incident_id)) == ORIGINAL


def test_rotate_without_keys_is_a_configuration_error(sqlite_target, monkeypatch, capsys) -> None:
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", sqlite_target.url)
    monkeypatch.setenv("STAFFGUARD_QUARANTINE_KEYS", "[]")
    assert main(["keys", "rotate"]) == ExitCode.BAD_CONFIG
    assert "holds no key" in capsys.readouterr().err


def test_rotate_on_a_missing_database_folder_is_unavailable(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/no/db.sqlite")
    monkeypatch.setenv("STAFFGUARD_QUARANTINE_KEYS", json.dumps([generate_key()]))
    assert main(["keys", "rotate"]) == ExitCode.UNAVAILABLE
    assert "does not exist" in capsys.readouterr().err
