"""`staffguard check` as a user or a script runs it: a real process, real stdin/stdout."""

import json
import subprocess
import sys

import pytest


def staffguard(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_clean_text_is_allowed() -> None:
    result = staffguard("check", "Rota for August is up on Allocate")
    assert result.returncode == 0
    assert b"action:   allow" in result.stdout


def test_jsonl_streams_one_verdict_per_line_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Training on Tuesday at 2"}),
        "this is not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": "Cake in the staff room"}),
    ]
    result = staffguard("check", "--jsonl", stdin="\n".join(lines).encode())
    assert result.returncode == 0
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [item.get("id") for item in out] == ["a", None, "c", "d"]
    assert out[0]["action"] == "allow"
    assert set(out[0]) == {"id", "action", "categories", "findings", "redacted"}
    assert out[1] == {"id": None, "line": 2, "error": "not a JSON object in UTF-8"}
    assert "error" in out[2]


def test_undecodable_bytes_are_an_error_for_that_line_only() -> None:
    stdin = b'{"id": 1, "text": "\xff\xfe"}\n{"id": 2, "text": "ok"}\n'
    result = staffguard("check", "--jsonl", stdin=stdin)
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert "error" in out[0]
    assert out[1]["id"] == 2
    assert out[1]["action"] == "allow"


def test_unreadable_input_has_its_own_exit_status(tmp_path) -> None:
    result = staffguard("check", "--input", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 3
    assert b"cannot read" in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("check",), ("nonsense",)])
def test_usage_errors_exit_non_zero(args: tuple[str, ...]) -> None:
    result = staffguard(*args)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
