"""`staffguard demo`: try the real bot in a terminal, against a simulated Telegram.

A Bot API test server on 127.0.0.1 holds a demo world: the group "Demo ward team",
its admin, and you, a staff member who has started the bot. The real bot runs
against it in this process (a temporary SQLite database, a fresh quarantine key).
Each line you type is posted in the group as you; the terminal then shows what
everyone would see: whether the message stays, what the bot tells you privately,
the admins' alert and any notice in the group.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from bot.app import run_until
from bot.cli.errors import CliError, ExitCode
from bot.config import Settings
from bot.storage.quarantine import generate_key
from bot.testserver.app import TestServer
from bot.testserver.world import World

TOKEN = "7000000099:DEMO-TOKEN"
GROUP, GROUP_TITLE = -100123, "Demo ward team"
ADMIN, ADMIN_NAME = 11, "Priya"
YOU, YOUR_NAME = 22, "Sam"
SETTLE_SECONDS = 0.4  # the bot is done once it has made no call for this long
MOST_SECONDS = 10.0
DECISIONS = ("release", "keep", "escalate", "approve", "decline")
HELP = f"""\
You are {YOUR_NAME}, a member of the Telegram group "{GROUP_TITLE}"; {ADMIN_NAME} is its admin.
Type a message to post it in the group (try a clean one, then one with an NHS number).
  /rules, /help ...   commands work as in Telegram
  :admin release      {ADMIN_NAME} presses a button on the last alert ({", ".join(DECISIONS)})
  :help               this text
  :quit               leave (Ctrl-D and Ctrl-C work too)
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo", help="try the bot in this terminal, against a simulated Telegram group"
    )
    parser.add_argument("--policy", type=Path, help="a policy file to run under (default: none)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # The bot's own log lines would interleave with the chat; only real problems show.
    logging.getLogger().setLevel(logging.ERROR)
    if args.policy is not None and not args.policy.is_file():
        raise CliError(f"no such policy file: {args.policy}", ExitCode.BAD_CONFIG)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(sys.stdin, sys.stdout, args.policy))
    return int(ExitCode.OK)


def demo_world() -> World:
    world = World(bot_username="staffguard_demo_bot")
    world.add_group(GROUP, GROUP_TITLE)
    world.add_user(ADMIN, ADMIN_NAME, username="priya", started_bot=True)
    world.add_user(YOU, YOUR_NAME, username="sam", started_bot=True)
    world.join(GROUP, ADMIN, "administrator")
    world.join(GROUP, YOU)
    return world


async def run_demo(source: TextIO, out: TextIO, policy: Path | None = None) -> None:
    world = demo_world()
    lines = _read_lines_in_background(source)
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, lines.put_nowait, None)
    with tempfile.TemporaryDirectory(prefix="staffguard-demo-") as folder:
        async with TestServer(world, TOKEN) as server:
            settings = demo_settings(server.base_url, Path(folder), policy)
            stop = asyncio.Event()
            bot = asyncio.create_task(run_until(settings, stop))
            try:
                await _wait_until_polling(world, bot)
                chat = TerminalChat(world, out)
                chat.say(HELP)
                await chat.converse(lines, echo=not source.isatty())
            finally:
                stop.set()
                await asyncio.wait_for(bot, 30)
    out.write("Bye.\n")
    out.flush()


def demo_settings(base_url: str, folder: Path, policy: Path | None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TOKEN,  # type: ignore[arg-type]
        telegram_api_base_url=base_url,
        database_url=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        quarantine_keys=[generate_key()],  # type: ignore[list-item]
        policy_file=policy,
        moderation_log_chat_id=None,
        senior_manager_chat_id=None,
        manager_user_ids=[],
        group_notice_seconds=60,
        log_level="ERROR",
    )


async def _wait_until_polling(world: World, bot: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + 60
    while not world.calls_to("getUpdates"):
        if bot.done():
            bot.result()  # raises the reason it stopped
            raise CliError("the bot stopped before it started polling", ExitCode.UNAVAILABLE)
        if time.monotonic() > deadline:
            raise CliError("the bot did not start within a minute", ExitCode.UNAVAILABLE)
        await asyncio.sleep(0.05)


def _read_lines_in_background(source: TextIO) -> asyncio.Queue[str | None]:
    """Lines from `source` as they are typed; None at the end.

    A daemon thread, so a read still waiting when the demo ends never holds up the exit.
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in source:
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()
    return lines


class TerminalChat:
    """Posts what is typed, and prints what each person would see once the bot is done."""

    def __init__(self, world: World, out: TextIO) -> None:
        self.world = world
        self.out = out
        self._shown: dict[tuple[int, int], str] = {}
        self._places = {GROUP: "group", YOU: "you (private)", ADMIN: f"{ADMIN_NAME} (admin)"}
        self._remember_everything()

    def _prompt(self) -> None:
        self.out.write("> ")
        self.out.flush()

    def say(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    async def converse(self, lines: asyncio.Queue[str | None], *, echo: bool = False) -> None:
        """Until :quit or the end of input; `echo` repeats lines read from a pipe or file."""
        self._prompt()
        while (line := await lines.get()) is not None:
            line = line.strip()
            if echo:
                self.say(line)
            if line in (":quit", ":q", ":exit"):
                return
            if line == ":help":
                self.say(HELP)
            elif line.startswith(":admin"):
                await self._press(line.removeprefix(":admin").strip().lower())
            elif line.startswith(":"):
                self.say("Unknown command; :help lists them.")
            elif line:
                await self._post(line)
            self._prompt()
        self.say("")

    async def _post(self, text: str) -> None:
        message = self.world.post(GROUP, YOU, text)
        key = (GROUP, int(message["message_id"]))
        self._shown[key] = text
        await self._settle(self.world.last_update_id)
        stays = not self.world.is_deleted(GROUP, key[1])
        self.say(f"  [group] your message {'stays' if stays else 'was REMOVED'}")
        self._show_changes()

    async def _press(self, decision: str) -> None:
        if decision not in DECISIONS:
            self.say(f"Say which button: :admin {' | :admin '.join(DECISIONS)}")
            return
        found = self._last_button(decision)
        if found is None:
            self.say(f"There is no alert with a {decision!r} button for {ADMIN_NAME} to press.")
            return
        message_id, data = found
        self.say(f"  [{ADMIN_NAME} presses {decision!r}]")
        self.world.press(ADMIN, ADMIN, message_id, data)
        await self._settle(self.world.last_update_id)
        self._show_changes()

    def _last_button(self, decision: str) -> tuple[int, str] | None:
        for message in reversed(self.world.visible(ADMIN)):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    data = str(button.get("callback_data", ""))
                    if data.split(":")[1:2] == [decision]:
                        return int(message["message_id"]), data
        return None

    async def _settle(self, update_id: int) -> None:
        """Wait until the bot has handled the update and gone quiet (or a few seconds)."""
        deadline = time.monotonic() + MOST_SECONDS
        quiet_since, calls = time.monotonic(), self._busy_calls()
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if self._busy_calls() != calls:
                quiet_since, calls = time.monotonic(), self._busy_calls()
            handled = self.world.confirmed(update_id)
            if handled and time.monotonic() - quiet_since >= SETTLE_SECONDS:
                return

    def _busy_calls(self) -> int:
        return sum(1 for call in self.world.calls if call.method != "getUpdates")

    def _show_changes(self) -> None:
        for chat_id, place in self._places.items():
            for message in self.world.chat(chat_id).messages.values():
                self._show(chat_id, place, message)

    def _show(self, chat_id: int, place: str, message: dict[str, Any]) -> None:
        key = (chat_id, int(message["message_id"]))
        text = str(message.get("text", ""))
        if key[1] in self.world.chat(chat_id).deleted:
            return  # gone before anyone needs to read it again (a notice, a removed post)
        previous = self._shown.get(key)
        if previous == text:
            return
        self._shown[key] = text
        if previous is not None and text.startswith(previous):
            self.say(f"  [{place}] (updated) " + _indented(text[len(previous) :].strip()))
        else:
            label = "(edited)" if previous is not None else message["from"]["first_name"] + ":"
            self.say(f"  [{place}] {label} " + _indented(text))
        buttons = _button_labels(message)
        if buttons:
            self.say(f"      buttons: {buttons}")

    def _remember_everything(self) -> None:
        for chat_id in self._places:
            for message in self.world.chat(chat_id).messages.values():
                self._shown[(chat_id, int(message["message_id"]))] = str(message.get("text", ""))


def _indented(text: str) -> str:
    return text.replace("\n", "\n      ")


def _button_labels(message: dict[str, Any]) -> str:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return " ".join(f"[{button.get('text', '')}]" for row in rows for button in row)
