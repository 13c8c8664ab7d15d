"""The policy file's `membership:` section and the code of conduct's version."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from bot.codeofconduct.durations import describe_duration, format_duration, parse_duration
from bot.codeofconduct.policy_file import PolicyFile, PolicyFileError, parse_policy
from bot.membership.version import code_version

WARD = -1001111


def _policy(text: str) -> PolicyFile:
    return parse_policy(textwrap.dedent(text), "policy.yaml")


def _problems(text: str) -> list[str]:
    with pytest.raises(PolicyFileError) as caught:
        _policy(text)
    return [str(problem) for problem in caught.value.problems]


def test_the_defaults_gate_newcomers_and_ask_people_who_were_added() -> None:
    membership = _policy("").group().settings.membership
    assert membership.agreement_required
    assert membership.remind_after == timedelta(hours=24)
    assert membership.remove_after == timedelta(days=7)
    assert membership.consent_when_added
    assert membership.consent_timeout == timedelta(hours=48)
    assert membership.code_version is None


def test_a_group_can_have_its_own_timings_and_never_remove() -> None:
    policy = _policy(
        f"""\
        membership:
          remind_after: 2h
        groups:
          {WARD}:
            membership:
              remove_after: never
              agreement_required: false
        """
    )
    trust, ward = policy.group().settings.membership, policy.group(WARD).settings.membership
    assert (trust.remind_after, trust.remove_after) == (timedelta(hours=2), timedelta(days=7))
    assert (ward.remind_after, ward.remove_after) == (timedelta(hours=2), None)
    assert not ward.agreement_required
    assert trust.agreement_required
    assert policy.group(WARD).to_document()["membership"]["remove_after"] == "never"


def test_mistakes_are_reported_at_their_line() -> None:
    problems = _problems(
        f"""\
        membership:
          remind_after: 5
          consent_timeout: never
          code_version: "spring release"
        groups:
          {WARD}:
            membership:
              remove_after: 1h
              remind_after: 3h
        """
    )
    assert problems == [
        "policy.yaml:2 membership.remind_after: give a length of time such as 30m, 24h or 7d "
        "(s, m, h, d or w)",
        "policy.yaml:3 membership.consent_timeout: give a length of time such as 30m, 24h or 7d "
        "(s, m, h, d or w), not 'never'",
        "policy.yaml:4 membership.code_version: a version is up to 20 letters, digits, dots, "
        "dashes or _ (e.g. 2025.1), not 'spring release'",
        f"policy.yaml:8 groups.{WARD}.membership.remove_after: must be more than remind_after (3h)",
    ]


def test_durations_read_and_write_back() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration(" 1.5 h") == timedelta(minutes=90)
    assert parse_duration("2w") == timedelta(days=14)
    assert format_duration(timedelta(hours=36)) == "36h"
    assert format_duration(timedelta(days=14)) == "2w"
    assert describe_duration(timedelta(days=1)) == "1 day"
    assert describe_duration(timedelta(seconds=3)) == "3 seconds"
    for bad in ("24", "a day", "-1h", True):
        with pytest.raises(ValueError, match="length of time"):
            parse_duration(bad)


def test_the_version_follows_the_wording_and_the_trusts_label() -> None:
    default = code_version(_policy("").group())
    new_contact = _policy("contacts: {pals: {email: pals@example.nhs.uk}}")
    assert code_version(new_contact.group()) == default
    reworded = _policy("texts:\n  code_of_conduct: Be kind in {group_title}.\n")
    assert code_version(reworded.group()) != default
    labelled = code_version(_policy("membership:\n  code_version: 2025-04-01\n").group())
    assert labelled == f"2025-04-01/{default}"
    per_group = _policy(f"groups:\n  {WARD}:\n    texts:\n      code_of_conduct: Ward rules\n")
    assert code_version(per_group.group(WARD)) != code_version(per_group.group(-100999))
