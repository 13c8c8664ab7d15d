"""`staffguard incidents` as a manager uses it: list, show, reveal, resolve, and bad input.

The log is seeded through the storage functions (see `seed.py`); commands run
in-process through `bot.cli.main`, and a couple as real processes for their
exit codes. No output may hold the patient data of the originals.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main, reviewing
from bot.cli.errors import CliError, ExitCode
from bot.reporting.incident_report import INCIDENT_CSV_COLUMNS
from bot.storage.audit import list_audit
from bot.storage.database import Database
from bot.storage.migrate import downgrade
from bot.storage.models import AuditAction
from bot.storage.moderation import count_strikes
from tests.review.conftest import use_quarantine_key
from tests.review.seed import (
    ALICE,
    BOB,
    FORMULA_TEXT,
    ORIGINAL,
    REDACTED,
    SECRETS,
    THEATRES,
    WARD,
)

REPO = Path(__file__).resolve().parents[2]
REASON = "IG review of complaint 2025-114"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def table_ids(out: str) -> list[int]:
    """The incident ids of a table's rows, top to bottom."""
    rows = out.split("\n\n")[0].splitlines()[1:]
    return [int(row.split()[0]) for row in rows]


def assert_no_patient_data(*outputs: str) -> None:
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output


# --- list ------------------------------------------------------------------------------------


def test_list_shows_every_incident_newest_first_redacted(review_log, capsys) -> None:
    code, out, err = run(capsys, "incidents", "list")
    ids = review_log.ids
    assert code == ExitCode.OK, err
    assert table_ids(out) == [ids[letter] for letter in "FEDCBAGHI"]
    header = out.splitlines()[0]
    for column in ("ID", "When (UTC)", "Group", "Poster", "Action", "Status", "Removed"):
        assert column in header
    row_b = next(line for line in out.splitlines() if line.lstrip().startswith(f"{ids['B']} "))
    assert "2025-03-10 14:00" in row_b
    assert "Ward 7 nurses" in row_b
    assert "upheld" in row_b
    assert "45 s" in row_b
    row_c = next(line for line in out.splitlines() if line.lstrip().startswith(f"{ids['C']} "))
    assert "FAILED" in row_c  # the message that could not be deleted
    assert "Incidents 1–9 of 9, newest first." in out
    assert_no_patient_data(out, err)


@pytest.mark.parametrize(
    ("filters", "letters"),
    [
        (["--group", "Theatres rota"], "DCH"),
        (["--group", "theatres ROTA"], "DCH"),
        (["--group", str(WARD)], "FEBAGI"),
        (["--since", "2025-03-01", "--until", "2025-03-31"], "EDCBA"),
        (["--since", "2025-03-12T08:30:00Z", "--until", "2025-03-20T23:59"], "C"),
        (["--since", "2025-03-12T09:30+01:00", "--until", "2025-03-12T08:31"], "C"),
        (["--category", "patient.name"], "FBAG"),
        (["--action", "flag"], "D"),
        (["--status", "released"], "ED"),
        (["--poster", str(BOB)], "ECH"),
        (["--poster", str(ALICE), "--category", "patient.name", "--until", "2025-03-31"], "BAG"),
    ],
)
def test_list_filters(review_log, capsys, filters, letters) -> None:
    code, out, err = run(capsys, "incidents", "list", *filters)
    assert code == ExitCode.OK, err
    assert table_ids(out) == [review_log.ids[letter] for letter in letters]


def test_list_pages_with_limit_and_offset(sqlite_log, capsys) -> None:
    ids = sqlite_log.ids
    code, out, _ = run(capsys, "incidents", "list", "--limit", "3")
    assert code == ExitCode.OK
    assert table_ids(out) == [ids["F"], ids["E"], ids["D"]]
    assert "Incidents 1–3 of 9" in out
    assert "Next page: add --offset 3." in out
    code, out, _ = run(capsys, "incidents", "list", "--limit", "3", "--offset", "6")
    assert table_ids(out) == [ids["G"], ids["H"], ids["I"]]
    assert "Next page" not in out


def test_list_says_so_when_nothing_matches(sqlite_log, capsys) -> None:
    code, out, _ = run(capsys, "incidents", "list", "--since", "2030-01-01")
    assert code == ExitCode.OK
    assert out.startswith("No incidents match")


def test_list_json_gives_one_object_per_line_with_outcomes(review_log, capsys) -> None:
    code, out, err = run(capsys, "incidents", "list", "--json", "--until", "2025-03-31")
    assert code == ExitCode.OK, err
    rows = [json.loads(line) for line in out.splitlines()]
    ids = review_log.ids
    assert [row["id"] for row in rows] == [ids[letter] for letter in "EDCBAGHI"]
    b = rows[3]
    assert b["group"] == {"chat_id": WARD, "title": "Ward 7 nurses"}
    assert b["categories"] == ["patient.dob", "patient.name"]
    assert b["rules"] == ["dob.labelled", "names.titled"]
    assert b["outcomes"] == [
        {"action": "delete_message", "outcome": "done"},
        {"action": "notify_poster", "outcome": "failed"},
        {"action": "alert_admins", "outcome": "done"},
    ]
    assert b["seconds_to_removal"] == pytest.approx(45)
    assert b["decision"]["status"] == "upheld"
    assert b["decision"]["note"] == "clear breach, discussed with the poster"
    assert b["redacted_text"] == REDACTED
    assert_no_patient_data(out)


def test_list_csv_has_the_incident_form_columns_and_guards_formulas(review_log, capsys) -> None:
    code, out, err = run(capsys, "incidents", "list", "--csv", "--group", "Ward 7 nurses")
    assert code == ExitCode.OK, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == INCIDENT_CSV_COLUMNS
    by_id = {int(row["incident_id"]): row for row in rows}
    ids = review_log.ids
    assert sorted(by_id) == sorted(ids[letter] for letter in "FEBAGI")
    e = by_id[ids["E"]]
    assert e["redacted_text"] == "'" + FORMULA_TEXT  # shown as text, never run
    assert e["occurred_at_utc"] == "2025-03-31T23:30:00Z"
    assert e["group_title"] == "Ward 7 nurses"
    assert e["group_chat_id"] == str(WARD)  # a number, not guarded
    assert e["outcome_summary"] == "delete done"
    assert e["seconds_to_removal"] == "1200.0"
    assert e["reviewer_decision"].startswith("released by cli:reviewer at 2025-04-01T23:30:00Z")
    b = by_id[ids["B"]]
    assert b["outcome_summary"] == "delete done; notice failed; alert done"
    assert b["categories"] == "patient.dob; patient.name"
    assert by_id[ids["A"]]["reviewer_decision"] == ""
    assert_no_patient_data(out)


def test_list_csv_limit_streams_the_newest(sqlite_log, capsys) -> None:
    code, out, _ = run(capsys, "incidents", "list", "--csv", "--limit", "2")
    assert code == ExitCode.OK
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(row["incident_id"]) for row in rows] == [sqlite_log.ids["F"], sqlite_log.ids["E"]]


# --- show ------------------------------------------------------------------------------------


def test_show_lists_every_action_outcome_and_the_review(review_log, capsys) -> None:
    incident_id = review_log.ids["B"]
    code, out, err = run(capsys, "incidents", "show", incident_id)
    assert code == ExitCode.OK, err
    assert out.startswith(f"Incident {incident_id}\n")
    assert "Ward 7 nurses (chat -1001111)" in out
    assert "Alice Adams (user 1001)" in out
    assert "Status:          upheld" in out
    assert "patient.dob, patient.name" in out
    assert "Removed after:   45 s" in out
    assert "upheld by cli:reviewer" in out
    assert "kept encrypted" in out
    actions = out.split("Actions:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[3:5] for line in actions] == [
        ["delete", "done"],
        ["notice", "failed"],
        ["alert", "done"],
    ]
    assert "Forbidden: bot was blocked by the user" in actions[1]
    assert "incident.status_changed  reason: clear breach" in out
    assert REDACTED in out
    assert_no_patient_data(out, err)


def test_show_marks_a_message_that_was_never_deleted(sqlite_log, capsys) -> None:
    code, out, _ = run(capsys, "incidents", "show", sqlite_log.ids["C"])
    assert code == ExitCode.OK
    assert "Removed after" not in out
    assert "message can't be deleted" in out
    assert "ask admins to delete" in out


def test_show_json(sqlite_log, capsys) -> None:
    code, out, _ = run(capsys, "incidents", "show", sqlite_log.ids["E"], "--json")
    assert code == ExitCode.OK
    shown = json.loads(out)
    assert shown["id"] == sqlite_log.ids["E"]
    assert [(a["action"], a["outcome"]) for a in shown["attempts"]] == [
        ("delete_message", "failed"),
        ("delete_message", "done"),
    ]
    assert shown["original_kept"] is True
    assert shown["audit"][0]["event"] == AuditAction.STATUS_CHANGED
    assert_no_patient_data(out)


@pytest.mark.parametrize(
    ("text", "day_end", "expected"),
    [
        ("2025-03-01", False, datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01", True, datetime(2025, 3, 2, tzinfo=UTC)),
        ("2025-03-01T14:30", True, datetime(2025, 3, 1, 14, 30, tzinfo=UTC)),
        ("2025-03-01T14:30+01:00", False, datetime(2025, 3, 1, 13, 30, tzinfo=UTC)),
        ("7d", False, datetime(2025, 3, 8, 12, tzinfo=UTC)),
        ("12h", False, datetime(2025, 3, 15, tzinfo=UTC)),
        ("2w", False, datetime(2025, 3, 1, 12, tzinfo=UTC)),
    ],
)
def test_times_are_read_as_people_type_them(text, day_end, expected) -> None:
    now = datetime(2025, 3, 15, 12, tzinfo=UTC)
    assert reviewing.parse_when(text, "--since", now=now, day_end=day_end) == expected


def test_an_age_too_large_for_the_calendar_is_bad_input() -> None:
    with pytest.raises(CliError, match="is not a date or time"):
        reviewing.parse_when("999999d", "--since", now=datetime(2025, 3, 15, tzinfo=UTC))


def test_terminal_output_neutralises_control_characters() -> None:
    hostile = "ok\x1b[2J\x07 then \u202eevil\nnext line"
    shown = reviewing.terminal_safe(hostile, one_line=True)
    assert "\x1b" not in shown
    assert "\u202e" not in shown
    assert "\\x1b[2J" in shown
    assert "\n" not in shown


# --- reveal ----------------------------------------------------------------------------------


def _audit_of(url: str, incident_id: int) -> list:
    async def read() -> list:
        database = Database.from_url(url)
        try:
            async with database.transaction() as session:
                return await list_audit(session, incident_id=incident_id)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_reveal_records_the_viewing_then_prints_the_original(
    sqlite_log, capsys, monkeypatch
) -> None:
    use_quarantine_key(monkeypatch)
    incident_id = sqlite_log.ids["A"]
    code, out, err = run(
        capsys, "incidents", "reveal", incident_id, "--reason", REASON, "--actor", "alice"
    )
    assert code == ExitCode.OK, err
    assert out == ORIGINAL + "\n"
    assert "shown to cli:alice" in err
    (event,) = _audit_of(sqlite_log.url, incident_id)
    assert (event.actor, event.event, event.reason) == (
        "cli:alice",
        AuditAction.ORIGINAL_VIEWED,
        REASON,
    )


def test_reveal_names_the_login_user_by_default(sqlite_log, capsys, monkeypatch) -> None:
    use_quarantine_key(monkeypatch)
    monkeypatch.setattr(reviewing.getpass, "getuser", lambda: "bob.smith")
    code, _, _ = run(capsys, "incidents", "reveal", sqlite_log.ids["A"], "--reason", REASON)
    assert code == ExitCode.OK
    assert _audit_of(sqlite_log.url, sqlite_log.ids["A"])[0].actor == "cli:bob.smith"


@pytest.mark.parametrize(
    ("reason", "keyed", "letter", "exit_code", "message"),
    [
        ("too short", True, "A", ExitCode.BAD_INPUT, "at least 10 characters"),
        (REASON, False, "A", ExitCode.BAD_CONFIG, "quarantine is off"),
        (REASON, True, "D", ExitCode.BAD_INPUT, "has no original"),
        (REASON, True, None, ExitCode.BAD_INPUT, "no incident with id 999"),
    ],
)
def test_reveal_refuses_without_recording_anything(
    sqlite_log, capsys, monkeypatch, reason, keyed, letter, exit_code, message
) -> None:
    if keyed:
        use_quarantine_key(monkeypatch)
    incident_id = sqlite_log.ids[letter] if letter else 999
    code, out, err = run(capsys, "incidents", "reveal", incident_id, "--reason", reason)
    assert code == exit_code
    assert message in err
    assert out == ""
    assert_no_patient_data(err)
    viewed = [e for e in _audit_of(sqlite_log.url, incident_id) if e.event == "original.viewed"]
    assert viewed == []


# --- resolve ---------------------------------------------------------------------------------


def _strikes_of(url: str, poster_id: int, chat_id: int) -> int:
    async def read() -> int:
        database = Database.from_url(url)
        try:
            async with database.transaction() as session:
                return await count_strikes(session, poster_id, chat_id=chat_id)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_resolve_releases_with_a_note_and_revokes_the_strike(sqlite_log, capsys) -> None:
    incident_id = sqlite_log.ids["A"]
    strikes_before = _strikes_of(sqlite_log.url, ALICE, WARD)
    code, out, err = run(
        capsys,
        "incidents",
        "resolve",
        incident_id,
        "--status",
        "released",
        "--note",
        "a training scenario",
        "--actor",
        "ig-lead",
    )
    assert code == ExitCode.OK, err
    assert f"Incident {incident_id}: open -> released (recorded as cli:ig-lead)." in out
    assert _strikes_of(sqlite_log.url, ALICE, WARD) == strikes_before - 1
    (event,) = _audit_of(sqlite_log.url, incident_id)
    assert (event.actor, event.reason) == ("cli:ig-lead", "a training scenario")
    code, out, _ = run(capsys, "incidents", "list", "--status", "released")
    assert incident_id in table_ids(out)


def test_resolve_needs_a_note(sqlite_log, capsys) -> None:
    code, _, err = run(
        capsys, "incidents", "resolve", sqlite_log.ids["A"], "--status", "upheld", "--note", " "
    )
    assert code == ExitCode.BAD_INPUT
    assert "--note" in err


# --- bad input and unusable databases -------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "999"], "no incident with id 999"),
        (["show", "abc"], "incident id must be a whole number, not 'abc'"),
        (["show", "0"], "incident id must be 1 or more"),
        (["resolve", "999", "--status", "upheld", "--note", "ok"], "no incident with id 999"),
        (["list", "--since", "2025-02-30"], "--since: '2025-02-30' is not a date or time"),
        (["list", "--until", "last tuesday"], "--until: 'last tuesday' is not a date"),
        (["list", "--since", "2025-03-05", "--until", "2025-03-01"], "is not before --until"),
        (["list", "--category", "patient.nhs"], "did you mean patient.nhs_number?"),
        (["list", "--group", "Ward 8"], "no group is called 'Ward 8' (known: Theatres rota"),
        (["list", "--group", "-5"], f"no group with chat id -5 (known: Theatres rota ({THEATRES})"),
        (["list", "--poster", "alice"], "--poster must be a whole number"),
    ],
)
def test_bad_input_gets_one_clear_line(sqlite_log, capsys, args, message) -> None:
    code, out, err = run(capsys, "incidents", *args)
    assert code == ExitCode.BAD_INPUT
    assert message in err
    assert err.count("\n") == 1
    assert out == ""


def test_a_missing_database_file_is_unavailable_and_not_created(cli_env, capsys, monkeypatch):
    missing = cli_env / "nowhere.db"
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    code, _, err = run(capsys, "incidents", "list")
    assert code == ExitCode.UNAVAILABLE
    assert "does not exist" in err
    assert not missing.exists()


def test_a_missing_database_folder_is_unavailable(cli_env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", f"sqlite+aiosqlite:///{cli_env}/no/such.db")
    code, _, err = run(capsys, "incidents", "show", "1")
    assert code == ExitCode.UNAVAILABLE
    assert "does not exist" in err


def test_an_out_of_date_schema_is_not_upgraded_and_names_the_command(sqlite_log, capsys) -> None:
    async def roll_back() -> None:
        database = Database.from_url(sqlite_log.url)
        try:
            await downgrade(database, "-1")
        finally:
            await database.dispose()

    asyncio.run(roll_back())
    code, _, err = run(capsys, "incidents", "list")
    assert code == ExitCode.UNAVAILABLE
    assert "`staffguard incidents list` does not upgrade databases" in err
    assert "alembic upgrade head" in err
    code, _, _ = run(capsys, "incidents", "list")
    assert code == ExitCode.UNAVAILABLE  # still behind: nothing was migrated


def test_a_locked_database_is_unavailable(sqlite_log, capsys, monkeypatch) -> None:
    monkeypatch.setattr(reviewing, "BUSY_TIMEOUT_MS", 100)
    path = sqlite_log.url.removeprefix("sqlite+aiosqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        code, _, err = run(capsys, "incidents", "list")
    finally:
        holder.close()
    assert code == ExitCode.UNAVAILABLE
    assert "locked" in err


def _staffguard(*args: object, env_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "STAFFGUARD_DATABASE_URL": env_url,
        "STAFFGUARD_QUARANTINE_KEYS": "[]",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_a_real_process_exits_with_the_documented_codes(sqlite_log, cli_env) -> None:
    unknown = _staffguard("incidents", "show", "999", env_url=sqlite_log.url, cwd=cli_env)
    assert unknown.returncode == ExitCode.BAD_INPUT
    assert unknown.stderr == "staffguard: no incident with id 999\n"
    missing = _staffguard(
        "incidents", "list", env_url=f"sqlite+aiosqlite:///{cli_env}/gone.db", cwd=cli_env
    )
    assert missing.returncode == ExitCode.UNAVAILABLE
    assert "Traceback" not in missing.stderr
    assert missing.stderr.startswith("staffguard: database ")
