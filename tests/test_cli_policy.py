"""`staffguard policy` and `staffguard check --policy` as an admin runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli.check import build_screener
from bot.cli.errors import CliError, ExitCode
from bot.codeofconduct.policy_file import DEFAULT_POLICY_FILE
from bot.moderation import DEFAULT_POLICY
from bot.moderation.registry import default_detectors
from bot.moderation.taxonomy import DEFAULT_ACTIONS

WARD_GROUP = "-1001111"

GOOD_FILE = f"""\
trust_name: Example NHS Trust
contacts:
  pals: {{name: PALS, email: pals@example.nhs.uk}}
categories:
  conduct.political: false
kinds:
  social:
    categories:
      clinical.advice: remove
groups:
  "{WARD_GROUP}":
    name: Ward 7 team
    kind: social
    categories:
      patient.nhs_number: false
      conduct.charity: signpost
"""

BROKEN_FILE = """\
trust_name: Example NHS Trust
categories:
  conduct.politcal: remove
  conduct.charity: hodl
strikes:
  mute_hours: forever
groups:
  -1001111:
    categoris: {}
"""


def staffguard(
    *args: str, cwd: Path | None = None, settings: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`staffguard ...` in a process of its own, with only these STAFFGUARD_ settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("STAFFGUARD_")}
    env.update(settings or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=env,
    )


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    return path


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_FILE, encoding="utf-8")
    return path


def test_validate_says_a_good_file_is_valid(good_file: Path) -> None:
    result = staffguard("policy", "validate", str(good_file))
    assert result.returncode == 0
    assert result.stdout == f"{good_file}: valid\n"


def test_validate_lists_every_problem_with_file_and_line(broken_file: Path) -> None:
    result = staffguard("policy", "validate", str(broken_file))
    assert result.returncode == ExitCode.BAD_CONFIG
    lines = result.stdout.splitlines()
    assert lines == [
        f"{broken_file}:3 categories.conduct.politcal: unknown category "
        "(did you mean conduct.political?)",
        f"{broken_file}:4 categories.conduct.charity: unknown action 'hodl' (did you mean hold?); "
        "use remove, hold, signpost, flag or allow, or false to turn the category off",
        f"{broken_file}:6 strikes.mute_hours: Input should be a valid integer, unable to parse "
        "string as an integer (got 'forever')",
        f"{broken_file}:9 groups.-1001111.categoris: unknown key (did you mean categories?)",
        f"{broken_file}: 4 problems",
    ]
    assert "Traceback" not in result.stderr


def test_validate_reports_a_yaml_syntax_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("trust_name: A\ncategories:\n  conduct.charity: hold\n bad: indent\n")
    result = staffguard("policy", "validate", str(path))
    assert result.returncode == ExitCode.BAD_CONFIG
    assert result.stdout.startswith(f"{path}:4: not valid YAML")


def test_validate_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    result = staffguard("policy", "validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == ExitCode.BAD_CONFIG
    assert "cannot read" in result.stdout


def test_the_shipped_example_validates() -> None:
    result = staffguard("policy", "validate", str(DEFAULT_POLICY_FILE))
    assert result.returncode == 0, result.stdout


def test_show_without_a_file_prints_the_defaults_as_yaml(tmp_path: Path) -> None:
    result = staffguard("policy", "show", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Effective policy: the trust's settings")
    shown = yaml.safe_load(result.stdout)
    assert shown["categories"] == {name: action.value for name, action in DEFAULT_ACTIONS.items()}
    assert shown["group"] == {"chat_id": None, "name": None, "kind": None}


def test_show_for_a_chat_gives_that_groups_effective_policy(good_file: Path) -> None:
    result = staffguard("policy", "show", "--file", str(good_file), "--chat", WARD_GROUP)
    assert result.returncode == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert shown["group"] == {"chat_id": int(WARD_GROUP), "name": "Ward 7 team", "kind": "social"}
    assert shown["categories"]["patient.nhs_number"] is False
    assert shown["categories"]["conduct.political"] is False  # the trust's, not overridden
    assert shown["categories"]["conduct.charity"] == "signpost"
    assert shown["categories"]["clinical.advice"] == "remove"  # from the kind
    assert shown["contacts"]["pals"] == {"name": "PALS", "email": "pals@example.nhs.uk"}


def test_show_for_an_unlisted_chat_gives_the_trusts_settings(good_file: Path) -> None:
    result = staffguard("policy", "show", "--file", str(good_file), "--chat", "-100424242")
    shown = yaml.safe_load(result.stdout)
    assert "not listed" in result.stdout.splitlines()[0]
    assert shown["categories"]["patient.nhs_number"] == "remove"
    assert shown["categories"]["conduct.charity"] == "hold"


def test_show_uses_the_configured_policy_file(good_file: Path, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"STAFFGUARD_POLICY_FILE={good_file}\n", encoding="utf-8")
    result = staffguard("policy", "show", "--chat", WARD_GROUP, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["group"]["name"] == "Ward 7 team"


def test_show_refuses_a_broken_file(broken_file: Path) -> None:
    result = staffguard("policy", "show", "--file", str(broken_file))
    assert result.returncode == ExitCode.BAD_CONFIG
    assert f"{broken_file}:3 categories.conduct.politcal" in result.stderr
    assert f"{broken_file}:9 groups.-1001111.categoris" in result.stderr
    assert result.stdout == ""


def test_check_refuses_a_broken_policy_file_listing_the_problems(broken_file: Path) -> None:
    result = staffguard("check", "--policy", str(broken_file), "Rota for August is up")
    assert result.returncode == ExitCode.BAD_CONFIG
    assert result.stderr.count(str(broken_file)) == 4
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_check_with_a_policy_keeps_its_output_format(good_file: Path) -> None:
    result = staffguard("check", "--policy", str(good_file), "--chat", WARD_GROUP, "Cake at 3")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "action:   allow"
    assert "redacted: Cake at 3" in result.stdout


def test_check_chat_needs_a_policy() -> None:
    result = staffguard("check", "--chat", WARD_GROUP, "Cake at 3")
    assert result.returncode == ExitCode.USAGE
    assert "--policy" in result.stderr


def test_check_builds_its_screener_from_the_groups_policy(good_file: Path) -> None:
    ward = build_screener(good_file, int(WARD_GROUP)).policy
    trust = build_screener(good_file, None).policy
    assert "patient.nhs_number" not in ward.enabled
    assert "patient.nhs_number" in trust.enabled
    assert "conduct.political" not in trust.enabled
    assert build_screener(None, None).policy == DEFAULT_POLICY
    with pytest.raises(CliError) as caught:
        build_screener(good_file.with_name("missing.yaml"), None)
    assert caught.value.exit_code == ExitCode.BAD_CONFIG


_NHS_DETECTED = any(
    "patient.nhs_number" in detector.categories for detector in default_detectors(DEFAULT_POLICY)
)


@pytest.mark.skipif(not _NHS_DETECTED, reason="no NHS number detector registered yet")
def test_check_with_a_policy_that_turns_a_category_off_changes_the_verdict(
    good_file: Path,
) -> None:
    message = "NHS 943 476 5919"
    default = staffguard("check", "--json", message)
    ward = staffguard("check", "--json", "--policy", str(good_file), "--chat", WARD_GROUP, message)
    trust = staffguard("check", "--json", "--policy", str(good_file), message)
    assert json.loads(default.stdout)["action"] == "remove"
    assert json.loads(trust.stdout)["action"] == "remove"
    ward_verdict = json.loads(ward.stdout)
    assert "patient.nhs_number" not in ward_verdict["categories"]
    assert ward_verdict["action"] != "remove"
    assert "[NHS number]" not in ward_verdict["redacted"]


_LOCAL_FORMATS_DETECTED = any(
    "patient.hospital_number" in detector.categories
    for detector in default_detectors(DEFAULT_POLICY)
)


@pytest.mark.skipif(not _LOCAL_FORMATS_DETECTED, reason="no hospital number detector registered")
def test_check_with_a_policy_finds_the_trusts_own_hospital_numbers(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(
        "hospital_numbers:\n"
        "  - name: theatre list number\n"
        "    pattern: 'QX\\d{5}'\n"
        "    examples: [QX12345]\n",
        encoding="utf-8",
    )
    message = "Next on the list is QX12345, ready at 2"
    default = json.loads(staffguard("check", "--json", message).stdout)
    local = json.loads(staffguard("check", "--json", "--policy", str(path), message).stdout)
    assert "patient.hospital_number" not in default["categories"]
    assert local["action"] == "remove"
    assert local["categories"] == ["patient.hospital_number"]
    assert "QX12345" not in local["redacted"]


def test_policy_needs_an_action() -> None:
    result = staffguard("policy")
    assert result.returncode == ExitCode.USAGE


def test_policy_help_lists_validate_and_show() -> None:
    result = staffguard("policy", "--help")
    assert result.returncode == 0
    assert "validate" in result.stdout
    assert "show" in result.stdout


@pytest.mark.parametrize("args", [("policy", "validate"), ("policy", "show", "--chat", "abc")])
def test_policy_usage_errors(args: tuple[str, ...]) -> None:
    result = staffguard(*args)
    assert result.returncode == ExitCode.USAGE
    assert "Traceback" not in result.stderr
