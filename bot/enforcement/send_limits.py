"""Telegram's limits on sending messages, kept before Telegram has to enforce them.

Telegram asks bots to send no more than about 30 messages a second in all,
20 a minute to one group and about one a second to one private chat; a bot
that goes over is put in flood control (`retry_after`), which would hold up
deletions too. So every message the bot *sends* waits here for its turn.
Deleting a breach, restricting a member, editing an alert after a button press
do not: they are not new messages, and removing a breach must never wait
behind a notice. `retry_after` is still honoured on every call by the gateway.

Each limit is a sliding window (a burst up to the limit, then each message
waits for the oldest in the window to age out), so no stretch of time ever
holds more than the limit: a leaky bucket would allow twice that.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

# Idle chats' windows are forgotten beyond this many, oldest first.
_MAX_CHATS = 10_000
_NETWORK_MARGIN = 0.02


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class SendRates:
    overall: Rate = Rate(30, 1.0)
    group: Rate = Rate(20, 60.0)
    private: Rate = Rate(1, 1.0)


class SlidingWindow:
    """Lets a message through when fewer than `rate.count` went in the last `rate.seconds`."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._sent: deque[float] = deque()
        self._queue = asyncio.Lock()  # first come, first served

    async def wait_turn(self) -> None:
        # A little longer than the window, as messages sent on time may still reach
        # Telegram a few milliseconds apart from when they left.
        window = self.rate.seconds * (1 + _NETWORK_MARGIN)
        async with self._queue:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._sent and now - self._sent[0] >= window:
                    self._sent.popleft()
                if len(self._sent) < self.rate.count:
                    self._sent.append(now)
                    return
                await asyncio.sleep(window - (now - self._sent[0]))


class SendLimiter:
    def __init__(self, rates: SendRates = SendRates()) -> None:
        self.rates = rates
        self._overall = SlidingWindow(rates.overall)
        self._chats: OrderedDict[int, SlidingWindow] = OrderedDict()

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to `chat_id` keeps within every limit, then send it."""
        # The chat's own limit first, so a busy group does not hold a place in the
        # overall allowance while it waits.
        await self._for_chat(chat_id).wait_turn()
        await self._overall.wait_turn()
        yield

    def _for_chat(self, chat_id: int) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            rate = self.rates.group if chat_id < 0 else self.rates.private  # groups are negative
            window = SlidingWindow(rate)
            self._chats[chat_id] = window
            if len(self._chats) > _MAX_CHATS:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return window
