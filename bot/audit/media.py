"""An export's photos and documents, screened in the media worker pool alongside the text.

The audit is synchronous and streams; the media pool (`bot.media.MediaScreener`)
is asynchronous. `AttachmentScreener` runs the pool on an event loop of its
own, in a thread, and hands back a future per file. `with_attachments` keeps
messages in order: a message waits, with those after it, until its files are
screened, and only a bounded number of files and messages wait at once, so
memory stays flat however many photos an export holds.

Only what the audit could hand to the engine gets the engine's verdict (an
unreadable PDF is flagged, as in a group). What it could not hand over (left
out by the app, missing from the folder, refused, too large, a video) is not
a breach: it is counted and listed as not screened, so a person can look.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.audit.attachments import AttachmentFiles, AttachmentUnavailableError
from bot.audit.model import (
    AttachmentStatus,
    ExportedAttachment,
    ExportedMessage,
    ExportError,
)
from bot.media import DEFAULT_LIMITS, FacesSetting, FileVerdict, MediaLimits, MediaScreener
from bot.media.pool import default_workers
from bot.moderation import Action, Screener, Verdict
from bot.moderation.policy import DEFAULT_POLICY, ScreeningPolicy

log = logging.getLogger(__name__)

# Kinds the engine reads; videos, voice notes and contact cards it does not.
SCREENABLE_KINDS = frozenset({"photo", "document", "media"})
_NOT_SCREENABLE_REASON = "videos, voice notes and contact cards are not screened"
_LEFT_OUT_REASON = "the app exported the chat without it"
# Files read or being screened at once, per media worker; messages waiting behind them.
FILES_IN_FLIGHT_PER_WORKER = 4
MAX_WAITING_MESSAGES = 5_000


@dataclass(frozen=True, slots=True)
class AttachmentResult:
    """What became of one attachment; `name` is safe to show (redacted by the engine)."""

    name: str
    kind: str
    status: AttachmentStatus
    reason: str | None = None  # why it was not (fully) screened
    verdict: FileVerdict | None = None

    @property
    def is_listed(self) -> bool:
        """Whether outputs list it as not (fully) screened."""
        return self.status is not AttachmentStatus.SCREENED

    @property
    def found(self) -> bool:
        """Whether the engine found something in it (not merely that it could not read it)."""
        verdict = self.verdict
        if verdict is None:
            return False
        faces = bool(verdict.faces) and verdict.faces_action is not Action.ALLOW
        return bool(verdict.findings or verdict.more_findings or faces)

    @property
    def status_text(self) -> str:
        """'refused: its path leads outside the export', without saying the same thing twice."""
        if not self.reason or self.reason == self.status.value:
            return self.status.value
        return f"{self.status.value}: {self.reason}"


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """How attachments are screened: the group's policy and faces setting, and the pool."""

    policy: ScreeningPolicy = DEFAULT_POLICY
    faces: FacesSetting = FacesSetting.OFF
    workers: int = 0  # 0: the pool's default
    limits: MediaLimits = DEFAULT_LIMITS


class AttachmentScreener:
    """Screens attached files in the media worker pool, which starts at the first file."""

    def __init__(
        self, files: AttachmentFiles | None, settings: MediaSettings, names: Screener
    ) -> None:
        self._files = files
        self._settings = settings
        self._names = names  # redacts file names for the outputs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._media: MediaScreener | None = None
        self._starting: asyncio.Lock | None = None
        self._pending: set[Future[AttachmentResult]] = set()
        self.problems: list[str] = []  # what the media engines lack here
        self.workers = settings.workers or default_workers()

    def submit(self, attachment: ExportedAttachment) -> Future[AttachmentResult] | AttachmentResult:
        """The result now if there is nothing to screen, else a future for it."""
        name = self.display_name(attachment)
        if not attachment.included or attachment.path is None:
            return AttachmentResult(
                name, attachment.kind, AttachmentStatus.LEFT_OUT, _LEFT_OUT_REASON
            )
        if attachment.kind not in SCREENABLE_KINDS:
            return AttachmentResult(
                name, attachment.kind, AttachmentStatus.NOT_SCREENABLE, _NOT_SCREENABLE_REASON
            )
        if self._files is None:
            return AttachmentResult(
                name, attachment.kind, AttachmentStatus.MISSING, "the export has no folder"
            )
        loop = self._running_loop()
        future = asyncio.run_coroutine_threadsafe(
            self._screen(attachment.path, attachment.kind, name), loop
        )
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def display_name(self, attachment: ExportedAttachment) -> str:
        """The path as the export writes it, redacted like message text; the kind if none."""
        if attachment.path is None:
            return f"({attachment.kind})"
        return self._names.screen(attachment.path).redacted_text

    def close(self) -> None:
        """Stop the workers (files still waiting are dropped) and the loop's thread."""
        for future in list(self._pending):
            future.cancel()
        if self._loop is not None and self._thread is not None:
            if self._media is not None:
                asyncio.run_coroutine_threadsafe(self._media.close(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            self._loop = self._thread = None
        if self._files is not None:
            self._files.close()

    def __enter__(self) -> AttachmentScreener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="staffguard-audit-media", daemon=True
            )
            self._thread.start()
        return self._loop

    async def _screen(self, path: str, kind: str, name: str) -> AttachmentResult:
        try:
            return await self._read_and_screen(path, kind, name)
        except Exception as error:  # one file must not end an audit of thousands
            log.error("screening an attachment failed: %s", type(error).__name__)
            reason = "could not be screened (an internal error)"
            return AttachmentResult(name, kind, AttachmentStatus.UNREADABLE, reason)

    async def _read_and_screen(self, path: str, kind: str, name: str) -> AttachmentResult:
        limits = self._settings.limits
        if self._files is None:  # pragma: no cover - submit() answers these itself
            raise RuntimeError("no attachment files")
        try:
            data = await asyncio.to_thread(self._files.read, path, limits.max_file_bytes)
        except AttachmentUnavailableError as error:
            return AttachmentResult(name, kind, error.status, error.reason)
        media = await self._started_media()  # not before a file is found: none may be
        # The file's own name helps tell a CSV from plain text; it never leaves the engine.
        hint = PurePosixPath(path.replace("\\", "/")).name
        verdict = await media.screen_file(data, hint, self._settings.policy, self._settings.faces)
        return result_from_verdict(name, kind, verdict)

    async def _started_media(self) -> MediaScreener:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._media is None:
                media = MediaScreener(workers=self.workers, limits=self._settings.limits)
                await media.start()
                self.problems = list(media.problems)
                self._media = media
        return self._media


def result_from_verdict(name: str, kind: str, verdict: FileVerdict) -> AttachmentResult:
    if verdict.unscreened_reason is None:
        status = AttachmentStatus.SCREENED
    elif verdict.parts_screened or verdict.findings or verdict.faces:
        status = AttachmentStatus.PARTLY_SCREENED
    else:
        status = AttachmentStatus.UNREADABLE
    return AttachmentResult(name, kind, status, verdict.unscreened_reason, verdict)


Screened = tuple[ExportedMessage, Verdict | None]
WithAttachments = tuple[ExportedMessage, Verdict | None, tuple[AttachmentResult, ...]]
_Waiting = tuple[ExportedMessage, Verdict | None, list[Future[AttachmentResult] | AttachmentResult]]


def with_attachments(
    screened: Iterator[Screened], screener: AttachmentScreener
) -> Iterator[WithAttachments]:
    """Each message, its text verdict and its attachments' results, in export order.

    At most `FILES_IN_FLIGHT_PER_WORKER` files per media worker are being
    read or screened at once, and at most `MAX_WAITING_MESSAGES` messages
    wait behind an unfinished one. When the export breaks off, the messages
    read before the break come out first, then the `ExportError`.
    """
    waiting: deque[_Waiting] = deque()
    max_in_flight = FILES_IN_FLIGHT_PER_WORKER * screener.workers
    in_flight: list[Future[AttachmentResult]] = []

    def settle() -> WithAttachments:
        message, verdict, items = waiting.popleft()
        return message, verdict, tuple(_result(item) for item in items)

    try:
        for message, verdict in screened:
            while waiting and (_ready(waiting[0]) or len(waiting) >= MAX_WAITING_MESSAGES):
                yield settle()
            if message.attachments:
                in_flight = [future for future in in_flight if not future.done()]
                while len(in_flight) >= max_in_flight:
                    wait(in_flight, return_when=FIRST_COMPLETED)
                    in_flight = [future for future in in_flight if not future.done()]
            items = [screener.submit(attachment) for attachment in message.attachments]
            in_flight += [item for item in items if isinstance(item, Future)]
            waiting.append((message, verdict, items))
    except ExportError:
        while waiting:
            yield settle()
        raise
    while waiting:
        yield settle()


def _ready(waiting: _Waiting) -> bool:
    return all(not isinstance(item, Future) or item.done() for item in waiting[2])


def _result(item: Future[AttachmentResult] | AttachmentResult) -> AttachmentResult:
    return item.result() if isinstance(item, Future) else item
