"""The roster file a trust imports, and the `verification:` policy section, as admins meet them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.errors import ExitCode
from bot.codeofconduct.policy_file import PolicyFile
from bot.config import load_settings
from bot.membership.roster import RosterError, parse_roster, read_roster
from bot.membership.verification import describe_domains
from bot.storage.migrate import open_database
from bot.storage.verification import RosterPerson
from tests.test_cli_policy import staffguard


def migrated_database(folder: Path) -> str:
    """A database file as the bot leaves it when it first starts."""
    url = f"sqlite+aiosqlite:///{folder / 'staffguard.db'}"

    async def create() -> None:
        database = await open_database(load_settings(database_url=url))
        await database.dispose()

    asyncio.run(create())
    return url


def test_a_roster_reads_addresses_ids_and_usernames_and_skips_blank_lines() -> None:
    roster = parse_roster(
        "Name,Work email,Telegram\n"
        "Ali,ali@trust.nhs.net,\n"
        ",,\n"
        "Kit,,@Kit_K\n"
        "Jo,jo@nhs.net,123456789\n"
    )
    assert roster.people == [
        RosterPerson("ali@trust.nhs.net", None, None),
        RosterPerson(None, None, "Kit_K"),
        RosterPerson("jo@nhs.net", 123456789, None),
    ]
    assert (roster.emails, roster.accounts) == (2, 2)


def test_every_problem_is_reported_with_its_line_and_nothing_is_imported() -> None:
    with pytest.raises(RosterError) as raised:
        parse_roster("email,telegram\nnot-an-address,\nok@nhs.net,@x\n,\nfine@nhs.net,\n,@no way\n")
    assert str(raised.value).splitlines() == [
        "roster, line 2: the email column does not hold an email address",
        "roster, line 3: the telegram column needs a numeric user id or an @username",
        "roster, line 6: the telegram column needs a numeric user id or an @username",
        "Nothing was imported.",
    ]


def test_a_roster_without_a_known_column_or_in_another_encoding_is_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(RosterError, match="line 1: the header row needs an `email` column"):
        parse_roster("name,phone\nAli,0161\n")
    latin = tmp_path / "roster.csv"
    latin.write_bytes("email\nzo\xeb@nhs.net\n".encode("latin-1"))
    with pytest.raises(RosterError, match="not UTF-8"):
        read_roster(latin)
    excel = tmp_path / "excel.csv"
    excel.write_bytes("\ufeffemail\nali@nhs.net\n".encode())  # Excel's byte-order mark
    assert read_roster(excel).emails == 1


def test_roster_import_from_the_command_line_reports_problems_and_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    database = migrated_database(tmp_path)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("email\nali@nhs.net\nbo@nhs.net\n")
    bad.write_text("email\nali@nhs.net\nnonsense\n")
    env = {"STAFFGUARD_DATABASE_URL": database}
    first = staffguard("roster", "import", str(good), "--actor", "ig", settings=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Imported 2 people (2 work email addresses")
    refused = staffguard("roster", "import", str(bad), "--actor", "ig", settings=env)
    assert refused.returncode == ExitCode.BAD_INPUT
    assert f"{bad}, line 3: the email column does not hold an email address" in refused.stderr
    shown = staffguard("roster", "show", settings=env)
    assert shown.stdout.startswith("2 people on the roster (2 work email addresses")


def test_the_verification_section_is_checked_and_shown() -> None:
    policy = PolicyFile.model_validate(
        {"groups": {-100777: {"verification": {"required": True, "email_domains": ["@NHS.net"]}}}}
    )
    rules = policy.group(-100777).settings.verification
    assert rules.required
    assert not policy.group(None).settings.verification.required
    assert rules.allows_domain("jo@trust.nhs.net")
    assert not rules.allows_domain("jo@fakenhs.net")
    assert describe_domains(rules) == "an address ending @nhs.net"
    shown = policy.group(-100777).to_document()["verification"]
    assert shown["methods"] == ["email", "roster"]
    assert shown["code_valid_for"] == "15m"


def test_policy_validate_points_at_a_bad_verification_setting(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "verification:\n"
        "  required: true\n"
        "  methods: [email, sms]\n"
        "  email_domains: [not a domain]\n"
    )
    result = staffguard("policy", "validate", str(path))
    assert result.returncode == ExitCode.BAD_CONFIG
    assert f"{path}:3 verification.methods[1]: Input should be 'email' or 'roster'" in result.stdout
    assert f"{path}:4 verification.email_domains[0]: not an email domain" in result.stdout
