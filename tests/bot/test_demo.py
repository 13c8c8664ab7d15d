"""`staffguard demo`: the real bot in a terminal chat against the test server."""

import asyncio
import os
import signal
import sys
from pathlib import Path

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def start_demo(cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "demo",
        env={**os.environ, "PYTHONPATH": str(Path.cwd())}, cwd=cwd,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def run_demo(lines: list[str], cwd: Path) -> tuple[int, str, str]:
    process = await start_demo(cwd)
    typed = "".join(f"{line}\n" for line in lines).encode()
    stdout, stderr = await asyncio.wait_for(process.communicate(typed), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def after(transcript: str, typed: str) -> str:
    """What the demo printed in answer to one typed line (up to the next prompt)."""
    return transcript.split(f"> {typed}\n", 1)[1].split("\n> ", 1)[0]


async def test_a_clean_message_stays_and_patient_data_is_removed(tmp_path: Path) -> None:
    code, out, err = await run_demo(
        ["Morning all, handover is at 8 today", BREACH, ":admin release", ":quit"], tmp_path
    )
    assert code == 0, err
    assert "Traceback" not in err
    assert "[group] your message stays" in after(out, "Morning all, handover is at 8 today")
    removal = after(out, BREACH)
    assert "[group] your message was REMOVED" in removal
    guidance = [line for line in removal.splitlines() if line.startswith("  [you (private)]")]
    assert (
        "has been removed because it looked like it contained patient information" in (guidance[0])
    )
    alert = removal.split("[Priya (admin)]", 1)[1]
    assert "Redacted text: Can someone ring [name] back, NHS [NHS number]" in alert
    assert "943" not in alert
    assert "Thornbury" not in alert
    assert "[Release (not a breach)]" in alert
    release = after(out, ":admin release")
    assert "Posted on behalf of Sam (approved by Priya)" in release
    assert "released (not a breach) by Priya" in release
    assert out.rstrip().endswith("Bye.")


async def test_it_ends_cleanly_at_the_end_of_input_and_on_ctrl_c(tmp_path: Path) -> None:
    code, out, err = await run_demo([":help", ":admin keep"], tmp_path)
    assert code == 0, err
    assert "no alert with a 'keep' button" in out
    assert out.rstrip().endswith("Bye.")

    process = await start_demo(tmp_path)
    assert process.stdout is not None
    await asyncio.wait_for(process.stdout.readuntil(b"> "), 60)  # running and waiting
    process.send_signal(signal.SIGINT)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert stdout.decode().rstrip().endswith("Bye.")
