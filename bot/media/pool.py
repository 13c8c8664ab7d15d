"""Screening files off the event loop, in worker processes that can be killed.

`MediaScreener` keeps a few worker processes (spawned, so they share nothing
with the bot's loop), each with its OCR and face engines loaded once. A file
goes to an idle worker; the bot's loop only waits on a pipe, so a 100-page PDF
never delays the screening of text messages.

A worker that overruns the time limit is killed and replaced: the
`concurrent.futures` pools cannot stop a running task, and a file that hangs
a parser must not hold a worker for ever. Each worker also caps its own
memory, so a file that would exhaust it fails alone.

    async with MediaScreener() as media:
        verdict = await media.screen_file(data, "handover.jpg", policy, FacesSetting.FLAG)

Workers are spawned, so a script that starts a `MediaScreener` must guard its
own start with `if __name__ == "__main__":` (the `staffguard` command does).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bot.media import filetypes
from bot.media.limits import DEFAULT_LIMITS, MediaLimits
from bot.media.verdict import FacesSetting, FileVerdict, unscreened
from bot.moderation.policy import ScreeningPolicy

log = logging.getLogger(__name__)

_STARTUP_SECONDS = 120.0  # loading the engines; generous for a busy machine
_STOP_SECONDS = 3.0


def default_workers() -> int:
    """One worker per spare core, one or two: text screening keeps the other core."""
    return max(1, min(2, (os.cpu_count() or 2) - 1))


class MediaScreener:
    """The bot's way to screen photos and documents: `await screen_file(...)`."""

    def __init__(self, workers: int | None = None, limits: MediaLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._size = workers or default_workers()
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: list[_Worker] = []
        self.problems: list[str] = []  # what the engines lack here (warned at start)
        self._started = False
        self._starting = asyncio.Lock()
        self._closed = False

    async def start(self) -> None:
        """Start the workers and wait until their engines are loaded; warn about what is missing."""
        # Files that arrive together all wait for the same start: a worker's first
        # answer (its readiness) must be read once, before any file is sent to it.
        async with self._starting:
            if self._started:
                return
            workers = [_Worker(self._context, self.limits) for _ in range(self._size)]
            self._workers.extend(workers)
            readiness = await asyncio.gather(
                *(asyncio.to_thread(_problems_starting, worker) for worker in workers)
            )
            for worker in workers:
                self._idle.put_nowait(worker)
            self._started = True
        self.problems = sorted({problem for problems in readiness for problem in problems})
        for problem in self.problems:
            log.warning("photo and document screening: %s", problem)

    async def close(self) -> None:
        self._closed = True
        workers, self._workers = self._workers, []
        await asyncio.gather(*(asyncio.to_thread(worker.stop) for worker in workers))

    async def __aenter__(self) -> MediaScreener:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def screen_file(
        self,
        source: bytes | Path | str,
        name: str | None,
        policy: ScreeningPolicy,
        faces: FacesSetting | str = FacesSetting.OFF,
    ) -> FileVerdict:
        """The verdict for a file's bytes, or the file at a path, under a group's policy.

        Never raises for a bad file: one that cannot be read, is too big or
        takes too long comes back `unscreened` (and at least flagged). A path
        that cannot be read raises `OSError`, as reading it would.
        """
        await self.start()
        data = await self._read(source)
        if data is None:
            return unscreened(
                _kind(b"", name),
                f"file too large (over {self.limits.max_file_bytes / 1024 / 1024:.0f} MB)",
            )
        request = (data, name, _portable(policy), FacesSetting(faces))
        worker = await self._idle.get()
        broken = True  # until the worker answers: then it can take the next file
        try:
            verdict = await asyncio.to_thread(worker.screen, request, self._deadline())
            broken = False
            return verdict
        except TimeoutError:
            log.warning("a file (%s) timed out: its worker is replaced", _kind(data, name))
            reason = f"timed out after {self.limits.seconds_per_file:g} s"
        except (EOFError, OSError) as error:
            log.warning("a media worker died (%s): it is replaced", type(error).__name__)
            reason = "the file could not be read (its reader failed)"
        except Exception:  # a bug here must not take the bot down with it
            log.exception("screening a file failed: its worker is replaced")
            reason = "the file could not be screened (an internal error)"
        finally:
            # Also when this task is cancelled: a worker still busy cannot take the next file.
            self._idle.put_nowait(self._replace(worker) if broken else worker)
        return unscreened(_kind(data, name), reason)

    def _deadline(self) -> float:
        return self.limits.seconds_per_file + self.limits.kill_grace_seconds

    def _replace(self, worker: _Worker) -> _Worker:
        """A fresh worker in place of one that hung, died or may still be busy."""
        worker.kill()
        if self._closed:
            return worker
        fresh = _Worker(self._context, self.limits)
        self._workers = [fresh if item is worker else item for item in self._workers]
        return fresh

    async def _read(self, source: bytes | Path | str) -> bytes | None:
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            return data if len(data) <= self.limits.max_file_bytes else None
        path = Path(source)
        if (await asyncio.to_thread(path.stat)).st_size > self.limits.max_file_bytes:
            return None
        return await asyncio.to_thread(path.read_bytes)


def _problems_starting(worker: _Worker) -> list[str]:
    try:
        return worker.wait_ready(_STARTUP_SECONDS)
    except (TimeoutError, EOFError, OSError) as error:
        return [
            f"a media worker failed to start ({type(error).__name__}); files come back unscreened"
        ]


def _portable(policy: ScreeningPolicy) -> ScreeningPolicy:
    """The policy with plain dicts for its read-only mappings, so it can be pickled to a worker."""
    plain = {
        field.name: dict(value)
        for field in dataclasses.fields(policy)
        if isinstance(value := getattr(policy, field.name), Mapping) and not isinstance(value, dict)
    }
    return dataclasses.replace(policy, **plain)


def _kind(data: bytes, name: str | None) -> str:
    return filetypes.kind_label(filetypes.sniff(data, name)) if data else "unknown"


class _Worker:
    """One worker process and its pipe; every method blocks (call them from a thread)."""

    def __init__(self, context: Any, limits: MediaLimits) -> None:
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child, limits), name="staffguard-media", daemon=True
        )
        self._process.start()
        child.close()
        self._problems: list[str] | None = None

    def wait_ready(self, timeout: float) -> list[str]:
        """The engines' problems, once the worker has loaded them."""
        if self._problems is None:
            if not self._connection.poll(timeout):
                raise TimeoutError("the media worker did not start in time")
            self._problems = list(self._connection.recv())
        return self._problems

    def screen(self, request: tuple[Any, ...], timeout: float) -> FileVerdict:
        self.wait_ready(_STARTUP_SECONDS)
        self._connection.send(request)
        if not self._connection.poll(timeout):
            raise TimeoutError
        verdict = self._connection.recv()
        if not isinstance(verdict, FileVerdict):
            raise EOFError("unexpected reply from a media worker")
        return verdict

    def kill(self) -> None:
        """Stop the process at once. The pipe is left to close when no thread is reading it."""
        self._process.kill()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._process.join(_STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(_STOP_SECONDS)
        self._connection.close()


def serve(connection: Connection, limits: MediaLimits) -> None:
    """A worker's life: load the engines once, then screen one file per request."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bot stops its workers itself
    _limit_memory(limits.worker_memory_bytes)
    from bot.media.screening import load_engines, screen_file_data, screeners_for
    from bot.moderation.policy import DEFAULT_POLICY

    engines = load_engines(limits)
    screeners_for(DEFAULT_POLICY)  # loads the detectors' word lists before the first file
    connection.send(engines.problems)
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        data, name, policy, faces = request
        try:
            verdict = screen_file_data(data, name, policy, faces, engines, limits)
        except MemoryError:
            verdict = unscreened("unknown", "too large to open in the memory allowed")
        del data, request
        connection.send(verdict)


def _limit_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform, or a lower hard limit
        log.info("media worker runs without a memory limit")
