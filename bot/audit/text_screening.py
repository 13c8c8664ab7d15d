"""Each message's text screened by the engine, in order: here, or in worker processes.

A staff group says "ok", "thanks" and "👍" all day. A text's verdict under one
policy depends on the text alone (the screener reads nothing else of a
`Post`; a test holds it to that), so a `VerdictCache` screens each short
text once per audit and hands the same verdict to every repeat.

With `jobs` > 1, messages go to worker processes in chunks, each chunk's
texts once, and come back in order; clean texts come back as None, so they
cost no pickling on the way back.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import OrderedDict, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from itertools import chain, islice

from bot.audit.model import ExportedMessage, ExportError
from bot.moderation import Action, Post, Screener, Verdict

# Builds the screener in each process: a class or a module-level function, so
# that it can be sent to worker processes.
ScreenerFactory = Callable[[], Screener]

CHUNK_SIZE = 500
# Messages screened in this process before worker processes are started: a
# short export is done before workers would be ready (each takes a second or
# two to load the detectors). This process goes on screening while they start.
SERIAL_FIRST = 5_000
SCREEN_WHILE_WORKERS_START = True


class VerdictCache:
    """Verdicts of short texts already screened in this audit, the least recently used dropped.

    Only texts up to `max_text_chars` are kept (repeats are short; long texts
    would cost memory for nothing), and never a verdict from a detector that
    failed: that text is screened again, and flagged again if it fails again.
    """

    def __init__(self, max_entries: int = 20_000, max_text_chars: int = 120) -> None:
        self.max_entries = max_entries
        self.max_text_chars = max_text_chars
        self.hits = 0
        self._verdicts: OrderedDict[str, Verdict] = OrderedDict()

    def get(self, text: str) -> Verdict | None:
        if len(text) > self.max_text_chars:
            return None
        verdict = self._verdicts.get(text)
        if verdict is not None:
            self.hits += 1
            self._verdicts.move_to_end(text)
        return verdict

    def put(self, text: str, verdict: Verdict) -> None:
        if len(text) > self.max_text_chars or verdict.failed_detectors:
            return
        self._verdicts[text] = verdict
        self._verdicts.move_to_end(text)
        if len(self._verdicts) > self.max_entries:
            self._verdicts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._verdicts)


def screen_messages(
    messages: Iterable[ExportedMessage],
    screener_factory: ScreenerFactory,
    jobs: int = 1,
    serial_first: int = SERIAL_FIRST,
    cache: VerdictCache | None = None,
) -> Generator[tuple[ExportedMessage, Verdict | None], None, None]:
    """Each message with its verdict (None when there was nothing to screen), in order.

    With `jobs` > 1 the first `serial_first` messages are still screened here:
    worker processes only start once the export proves big enough to repay
    them, and messages go on being screened here until the first is ready.
    """
    remaining = iter(messages)
    screener = screener_factory()
    for message in islice(remaining, None if jobs <= 1 else serial_first):
        yield message, _screen(screener, message, cache)
    if jobs <= 1:
        return
    try:
        following = next(remaining)
    except StopIteration:
        return
    # "spawn": workers start clean, share nothing with this process but the factory.
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(screener_factory,),
    )
    done_before_workers = False
    try:
        ready = pool.submit(_ready)
        remaining = chain([following], remaining)
        while SCREEN_WHILE_WORKERS_START and not ready.done():
            message = next(remaining, None)
            if message is None:
                done_before_workers = True
                return
            yield message, _screen(screener, message, cache)
        yield from _screen_in_pool(remaining, pool, jobs, cache)
    finally:
        # Workers that never took any work are left to finish starting and exit alone.
        pool.shutdown(wait=not done_before_workers, cancel_futures=True)


def post_for(message: ExportedMessage) -> Post:
    return _post(_post_fields(message))


# What a worker needs of a message, as a tuple: it pickles far faster than a Post.
_PostFields = tuple[str, int | None, str | None, datetime | None, bool, bool]


def _post_fields(message: ExportedMessage) -> _PostFields:
    return (
        message.text,
        message.message_id,
        message.author,
        message.date,
        message.edited,
        message.forwarded,
    )


def _post(fields: _PostFields) -> Post:
    text, message_id, author, date, edited, forwarded = fields
    return Post(
        text=text,
        message_id=message_id,
        author_name=author,
        sent_at=date,
        edited=edited,
        forwarded=forwarded,
    )


def _screen(
    screener: Screener, message: ExportedMessage, cache: VerdictCache | None
) -> Verdict | None:
    if not message.is_screenable:
        return None
    if cache is None:
        return screener.screen(post_for(message))
    verdict = cache.get(message.text)
    if verdict is None:
        verdict = screener.screen(post_for(message))
        cache.put(message.text, verdict)
    return verdict


# For each message of a chunk: None (nothing to screen), its verdict (known
# already), or the index of its text among those sent to the worker.
_Plan = list[Verdict | int | None]


def _screen_in_pool(
    messages: Iterable[ExportedMessage],
    pool: ProcessPoolExecutor,
    jobs: int,
    cache: VerdictCache | None,
) -> Iterator[tuple[ExportedMessage, Verdict | None]]:
    pending: deque[tuple[list[ExportedMessage], _Plan, Future[list[Verdict | None]]]] = deque()
    failure: ExportError | None = None
    try:
        for chunk in _chunks(messages, CHUNK_SIZE):
            plan, work = _plan(chunk, cache)
            pending.append((chunk, plan, pool.submit(_screen_chunk, work)))
            if len(pending) > 2 * jobs:  # enough queued to keep every worker busy
                yield from _settle(*pending.popleft(), cache)
    except ExportError as error:
        failure = error
    while pending:
        yield from _settle(*pending.popleft(), cache)
    if failure is not None:
        raise failure


def _plan(
    chunk: list[ExportedMessage], cache: VerdictCache | None
) -> tuple[_Plan, list[_PostFields]]:
    """What to send for a chunk: each text once, and none whose verdict is known."""
    plan: _Plan = []
    work: list[_PostFields] = []
    sent: dict[str, int] = {}
    for message in chunk:
        if not message.is_screenable:
            plan.append(None)
            continue
        text = message.text
        known = cache.get(text) if cache is not None else None
        if known is not None:
            plan.append(known)
        elif cache is not None and text in sent:
            plan.append(sent[text])
        else:
            sent[text] = len(work)
            plan.append(len(work))
            work.append(_post_fields(message))
    return plan, work


def _settle(
    chunk: list[ExportedMessage],
    plan: _Plan,
    future: Future[list[Verdict | None]],
    cache: VerdictCache | None,
) -> Iterator[tuple[ExportedMessage, Verdict | None]]:
    verdicts = future.result()
    for message, planned in zip(chunk, plan, strict=True):
        if not isinstance(planned, int):
            yield message, planned
            continue
        verdict = verdicts[planned]
        if verdict is None:
            verdict = Verdict(Action.ALLOW, redacted_text=message.text)
        if cache is not None:
            cache.put(message.text, verdict)
        yield message, verdict


def _chunks(messages: Iterable[ExportedMessage], size: int) -> Iterator[list[ExportedMessage]]:
    """Lists of `size` messages; when the export breaks off, the part read comes first."""
    chunk: list[ExportedMessage] = []
    try:
        for message in messages:
            chunk.append(message)
            if len(chunk) == size:
                yield chunk
                chunk = []
    except ExportError:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


_worker_screener: Screener | None = None


def _start_worker(screener_factory: ScreenerFactory) -> None:
    global _worker_screener
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker_screener = screener_factory()


def _ready() -> bool:
    """Run by a worker once its screener is built: the pool can take work."""
    return True


def _screen_chunk(work: list[_PostFields]) -> list[Verdict | None]:
    """Verdicts for the posts; None for a plain allow, so clean text is not sent back."""
    screener = _worker_screener
    if screener is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker started without a screener")
    verdicts: list[Verdict | None] = []
    for fields in work:
        verdict = screener.screen(_post(fields))
        plain_allow = (
            verdict.action is Action.ALLOW and not verdict.findings and not verdict.failed_detectors
        )
        verdicts.append(None if plain_allow else verdict)
    return verdicts
