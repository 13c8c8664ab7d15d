"""What screening a photo or document gives: the file's verdict, with each finding's part.

These types are small and picklable: worker processes send them back to the bot.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from bot.moderation.taxonomy import Action
from bot.moderation.types import Finding


class FacesSetting(StrEnum):
    """What a face in a photo does in a group (the policy file's `faces`)."""

    OFF = "off"  # faces are not looked for
    FLAG = "flag"  # keep the photo and ask the admins to look
    HOLD = "hold"  # take the photo down until an admin approves it

    @property
    def action(self) -> Action:
        return {
            FacesSetting.OFF: Action.ALLOW,
            FacesSetting.FLAG: Action.FLAG,
            FacesSetting.HOLD: Action.HOLD,
        }[self]


@dataclass(frozen=True)
class TextPart:
    """Text read from one part of a file, and a label per line for the admins.

    `source` names the part ("page 3", "sheet Patients", "image"); `line_labels`,
    when given, has one label per line of `text` ("row 12", "line 4") so a
    finding can say exactly where it was. `table` marks spreadsheet rows
    rendered as "Header: value | Header: value", which the column detector reads.
    """

    source: str
    text: str
    line_labels: tuple[str, ...] = ()
    table: bool = False
    patient_list: bool = False

    def label_at(self, offset: int) -> str:
        if not self.line_labels:
            return self.source
        line = bisect_right(self._line_starts, offset) - 1
        line = min(max(line, 0), len(self.line_labels) - 1)
        return f"{self.source}, {self.line_labels[line]}"

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(index + 1 for index, char in enumerate(self.text) if char == "\n")
        return starts


@dataclass(frozen=True, slots=True)
class PartFinding:
    """A finding in one part of a file (offsets are within that part's text)."""

    part: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class FaceHit:
    """A face found in an image: which image, and where (x, y, width, height in pixels)."""

    part: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """The outcome for one file.

    `unscreened_reason` says why the file, or part of it, was not screened
    (encrypted, too big, timed out, a page limit); such a file is at least
    flagged, so a person looks at what the bot could not.
    """

    action: Action
    kind: str  # "image", "pdf", "docx", "xlsx", "csv", "text", "zip" or "unknown"
    findings: tuple[PartFinding, ...] = ()
    categories: tuple[str, ...] = ()
    faces: tuple[FaceHit, ...] = ()
    faces_action: Action = Action.ALLOW
    unscreened_reason: str | None = None
    parts_screened: int = 0
    # Findings beyond those kept in `findings` (a long patient list has thousands).
    more_findings: int = 0
    # The redacted text of the parts with findings, cut short: what the bot read.
    redacted_excerpt: str = ""
    failed_detectors: tuple[str, ...] = field(default=())

    @property
    def is_breach(self) -> bool:
        return self.action is not Action.ALLOW

    @property
    def fully_screened(self) -> bool:
        return self.unscreened_reason is None


def unscreened(kind: str, reason: str) -> FileVerdict:
    """The verdict for a file the bot could not open at all: a person must look."""
    return FileVerdict(action=Action.FLAG, kind=kind, unscreened_reason=reason)
