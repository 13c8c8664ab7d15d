"""How much of a file the bot is willing to open, and the budget one file spends.

Every extractor draws on one `Budget` per file: pages, images, cells, bytes
unpacked and time. A file that would go over a hard limit (a zip bomb, an
image of a billion pixels) is not opened at all and raises `UnscreenableError`;
one that is merely long (a 400-page PDF) is screened up to the limit and the
rest is noted, so the admins learn that part of it was not looked at.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaLimits:
    max_file_bytes: int = 20 * MIB  # the Bot API's own download limit
    max_image_pixels: int = 40_000_000  # larger is refused before decoding
    ocr_max_side: int = 3000  # images are scaled down to this before OCR
    max_pdf_pages: int = 100  # pages whose text layer is read
    max_ocr_pages: int = 10  # scanned pages rendered and read by OCR
    pdf_render_dpi: int = 200
    max_images: int = 20  # images read by OCR in one file (archives and documents included)
    max_rows: int = 50_000  # spreadsheet and CSV rows, all sheets together
    max_cells: int = 1_000_000
    max_text_chars: int = 5_000_000  # extracted text screened from one file
    max_archive_members: int = 500
    max_archive_bytes: int = 100 * MIB  # total uncompressed size of an archive
    max_compression_ratio: int = 200  # a larger member is treated as a zip bomb
    max_archive_depth: int = 2  # an archive inside an archive, and no deeper
    seconds_per_file: float = 60.0
    # A worker still busy this long after the time limit (stuck inside a parser) is killed.
    kill_grace_seconds: float = 5.0
    worker_memory_bytes: int = 3 * 1024 * MIB  # address space of one worker process


DEFAULT_LIMITS = MediaLimits()


class UnscreenableError(Exception):
    """The file (or an archive member) cannot be screened; the message says why."""


class BudgetExceededError(Exception):
    """The file's budget ran out part way: what was read so far still counts."""


@dataclass
class Budget:
    """What one file may still spend; extractors take from it as they go."""

    limits: MediaLimits
    started: float = field(default_factory=time.monotonic)
    pages: int = 0
    ocr_pages: int = 0
    images: int = 0
    rows: int = 0
    cells: int = 0
    text_chars: int = 0
    archive_bytes: int = 0
    archive_members: int = 0
    # What was left unscreened, in words for the admins ("pages 101-240: page limit").
    skipped: list[str] = field(default_factory=list)

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.seconds_per_file:
            raise BudgetExceededError(f"time limit of {self.limits.seconds_per_file:g} s reached")

    def take_text(self, chars: int) -> None:
        self.text_chars += chars
        if self.text_chars > self.limits.max_text_chars:
            raise BudgetExceededError(
                f"text limit of {self.limits.max_text_chars:,} characters reached"
            )

    def take_image(self) -> bool:
        """Whether one more image may be read by OCR."""
        if self.images >= self.limits.max_images:
            return False
        self.images += 1
        return True

    def skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)
