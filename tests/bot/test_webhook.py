"""Webhook mode: updates posted by Telegram, with its secret token checked on each."""

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.config import SettingsError, load_settings
from bot.testserver.app import TestServer
from tests.bot.harness import GROUP, POSTER, TOKEN, bot_settings, running_bot, staff_world

SECRET = "s3cret-token-for-tests_0123456789"
BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_updates_are_taken_only_with_telegrams_secret_token(tmp_path: Path) -> None:
    world = staff_world()
    port = free_port()
    async with TestServer(world, TOKEN) as server:
        settings = bot_settings(
            server,
            tmp_path,
            webhook_url="https://staffguard.example.nhs.uk",
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        async with running_bot(world, settings), aiohttp.ClientSession() as http:
            for _ in range(200):
                if world.webhook:
                    break
                await asyncio.sleep(0.05)
            assert world.webhook == {
                "url": "https://staffguard.example.nhs.uk/telegram",
                "secret_token": SECRET,
            }
            message = world.post(GROUP, POSTER, BREACH)
            update = {"update_id": 1, "message": message}
            url = f"http://127.0.0.1:{port}/telegram"

            async with http.post(url, json=update) as refused:
                assert refused.status == 403
            assert not world.is_deleted(GROUP, message["message_id"])

            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, json=update, headers=headers) as accepted:
                assert accepted.status == 200
            assert world.is_deleted(GROUP, message["message_id"])


def test_a_webhook_url_needs_a_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="STAFFGUARD_WEBHOOK_SECRET must be set"):
        load_settings(webhook_url="https://staffguard.example.nhs.uk")
    with pytest.raises(SettingsError, match="STAFFGUARD_WEBHOOK_SECRET"):
        load_settings(webhook_url="https://x.example", webhook_secret="short")
