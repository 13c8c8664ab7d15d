"""The deadline sweeper: reminders and removals come due from the database, not from memory.

At start it asks anyone the bot recorded but never reached, and asks again
everyone who agreed to an older version of their group's code; then it
sleeps until the next deadline (or until a new one is recorded), does what
is due, and sleeps again. A restart simply finds the same deadlines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.membership.gate import Gatekeeper
from bot.storage.columns import utc_now
from bot.storage.errors import StorageError
from bot.storage.members import due_reminders, due_removals, next_deadline
from bot.storage.models import MemberAgreement

log = logging.getLogger(__name__)

LONGEST_SLEEP_SECONDS = 60.0  # look again at least this often (another process may add some)
AFTER_A_FAILURE_SECONDS = 30.0
AT_ONCE = 8  # members reminded or removed at the same time


class DeadlineSweeper:
    def __init__(self, gatekeeper: Gatekeeper) -> None:
        self.gatekeeper = gatekeeper
        self._woken = asyncio.Event()
        gatekeeper.wake = self._woken.set

    async def run(self) -> None:
        """For as long as the bot runs."""
        await self._start_up()
        while True:
            self._woken.clear()  # a deadline recorded from here on wakes the wait below
            try:
                await self.sweep()
                delay = await self._seconds_to_next()
            except StorageError as error:
                log.error("membership deadlines: %s", error)
                delay = AFTER_A_FAILURE_SECONDS
            except Exception as error:  # keep sweeping; the type only (no member's text)
                log.error("membership deadlines failed: %s", type(error).__name__)
                delay = AFTER_A_FAILURE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), timeout=delay)

    async def _start_up(self) -> None:
        try:
            unasked = await self.gatekeeper.ask_unasked()
            again = await self.gatekeeper.ask_again_after_code_changes()
        except StorageError as error:
            log.error("membership start-up: %s", error)
            return
        if unasked or again:
            log.info(
                "membership: asked %d member(s) the bot had not reached, and %d again after "
                "a change to their group's code of conduct",
                unasked,
                again,
            )

    async def sweep(self) -> None:
        """Every reminder and removal due now."""
        now = utc_now()
        database = self.gatekeeper.services.database
        async with database.transaction() as session:
            reminders = await due_reminders(session, now)
        await self._each(self.gatekeeper.remind, reminders)
        async with database.transaction() as session:
            removals = await due_removals(session, now)
        await self._each(self.gatekeeper.remove, removals)

    async def _each(
        self, step: Callable[[MemberAgreement], Awaitable[None]], rows: list[MemberAgreement]
    ) -> None:
        """A few members at a time: their Telegram calls overlap, within flood limits."""
        limit = asyncio.Semaphore(AT_ONCE)

        async def one(row: MemberAgreement) -> None:
            async with limit:
                await step(row)

        await asyncio.gather(*(one(row) for row in rows))

    async def _seconds_to_next(self) -> float:
        async with self.gatekeeper.services.database.transaction() as session:
            due = await next_deadline(session)
        if due is None:
            return LONGEST_SLEEP_SECONDS
        return min(max((due - utc_now()).total_seconds(), 0.01), LONGEST_SLEEP_SECONDS)
