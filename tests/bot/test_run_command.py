"""Starting the bot: a missing or wrong token is a clear message, not a traceback."""

import asyncio
import os
import sys
from pathlib import Path

from bot.testserver.app import TestServer
from tests.bot.harness import TOKEN, staff_world


async def run_command(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        env={**os.environ, **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_no_token_says_how_to_get_one(tmp_path: Path) -> None:
    code, stderr = await run_command(
        {"STAFFGUARD_TELEGRAM_TOKEN": "", "PYTHONPATH": str(Path.cwd())}, tmp_path
    )
    assert code == 4
    assert "@BotFather" in stderr
    assert "STAFFGUARD_TELEGRAM_TOKEN" in stderr
    assert "Traceback" not in stderr


async def test_a_refused_token_is_reported_clearly(tmp_path: Path) -> None:
    async with TestServer(staff_world(), TOKEN) as server:
        code, stderr = await run_command(
            {
                "STAFFGUARD_TELEGRAM_TOKEN": "123:WRONG",
                "STAFFGUARD_TELEGRAM_API_BASE_URL": server.base_url,
                "STAFFGUARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sg.db'}",
                "PYTHONPATH": str(Path.cwd()),
            },
            tmp_path,
        )
    assert code == 4
    assert "Telegram refused the token" in stderr
    assert "Traceback" not in stderr
