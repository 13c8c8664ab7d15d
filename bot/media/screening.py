"""Screening one file: open it, read its parts, run the detectors, decide.

`screen_file_data` is the whole job for one file and runs wherever it is
called: in a worker process for the bot (see `pool.py`), or directly in
tests. It never raises on a hostile file: whatever cannot be read becomes an
`unscreened_reason`, and such a file is at least flagged for the admins.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from PIL import Image

from bot.media import filetypes
from bot.media.archives import archive_members
from bot.media.documents import (
    ImageItem,
    Item,
    csv_parts,
    decode_text,
    docx_items,
    pdf_items,
    text_parts,
    xlsx_items,
)
from bot.media.faces import FaceDetector, faces_unavailable_reason
from bot.media.images import open_image
from bot.media.limits import (
    DEFAULT_LIMITS,
    Budget,
    BudgetExceededError,
    MediaLimits,
    UnscreenableError,
)
from bot.media.ocr import OcrEngine, ocr_unavailable_reason
from bot.media.tables import ColumnDetector
from bot.media.verdict import (
    FaceHit,
    FacesSetting,
    FileVerdict,
    PartFinding,
    TextPart,
    unscreened,
)
from bot.moderation.policy import ScreeningPolicy
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action, strongest
from bot.moderation.types import Finding, Verdict

log = logging.getLogger(__name__)

MAX_REPORTED_FINDINGS = 50
_EXCERPT_CHARS = 2000
_REASONS_SHOWN = 3


# --- engines -------------------------------------------------------------------------------------


@dataclass
class Engines:
    """The OCR and face engines of one process; either may be missing (see `problems`)."""

    ocr: OcrEngine | None = None
    faces: FaceDetector | None = None
    problems: list[str] = field(default_factory=list)


def engine_problems() -> list[str]:
    """What is missing for photos and scans, in words for the warning at start."""
    problems = []
    if reason := ocr_unavailable_reason():
        problems.append(f"text in photos and scans will not be read: {reason}")
    if reason := faces_unavailable_reason():
        problems.append(f"faces will not be looked for: {reason}")
    return problems


def load_engines(limits: MediaLimits = DEFAULT_LIMITS) -> Engines:
    engines = Engines(problems=engine_problems())
    if ocr_unavailable_reason() is None:
        try:
            engines.ocr = OcrEngine(max_side=limits.ocr_max_side)
        except Exception as error:  # a broken install must not stop the bot
            engines.problems.append(
                f"text in photos will not be read: OCR failed to start ({error})"
            )
    if faces_unavailable_reason() is None:
        try:
            engines.faces = FaceDetector()
        except Exception as error:
            engines.problems.append(f"faces will not be looked for: {error}")
    return engines


# --- screeners -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Screeners:
    text: Screener
    patient_table: Screener
    other_table: Screener

    def for_part(self, part: TextPart) -> Screener:
        if not part.table:
            return self.text
        return self.patient_table if part.patient_list else self.other_table


_SCREENERS: dict[object, _Screeners] = {}
_MAX_CACHED_POLICIES = 16


def _policy_key(policy: ScreeningPolicy) -> object:
    """A hashable copy of every setting in the policy, to find its screeners again."""
    return tuple(_frozen(getattr(policy, field.name)) for field in dataclasses.fields(policy))


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, set):
        return frozenset(value)
    return value


def screeners_for(policy: ScreeningPolicy) -> _Screeners:
    key = _policy_key(policy)
    if key not in _SCREENERS:
        if len(_SCREENERS) >= _MAX_CACHED_POLICIES:
            _SCREENERS.pop(next(iter(_SCREENERS)))
        text = Screener(policy)
        _SCREENERS[key] = _Screeners(
            text=text,
            patient_table=Screener(policy, [*text.detectors, ColumnDetector(patient_list=True)]),
            other_table=Screener(policy, [*text.detectors, ColumnDetector(patient_list=False)]),
        )
    return _SCREENERS[key]


# --- one file ------------------------------------------------------------------------------------


def screen_file_data(
    data: bytes,
    name: str | None,
    policy: ScreeningPolicy,
    faces: FacesSetting = FacesSetting.OFF,
    engines: Engines | None = None,
    limits: MediaLimits = DEFAULT_LIMITS,
) -> FileVerdict:
    """The verdict for one file's bytes; `name` is the sender's file name (a hint only)."""
    kind = filetypes.kind_label(filetypes.sniff(data, name))
    if not data:
        return FileVerdict(action=Action.ALLOW, kind="empty")
    if len(data) > limits.max_file_bytes:
        return unscreened(
            kind,
            f"file too large ({len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{limits.max_file_bytes / 1024 / 1024:.0f} MB)",
        )
    screeners = screeners_for(policy)
    collector = _Collector(screeners)
    budget = Budget(limits)  # started once the detectors are ready: their set-up is not the file's
    extractor = _Extractor(
        engines or Engines(),
        budget,
        look_for_faces=faces is not FacesSetting.OFF,
        redact_name=lambda name: screeners.text.screen(name).redacted_text,
    )
    try:
        for part in extractor.parts(data, name):
            collector.add(part)
            budget.check_time()
    except UnscreenableError as error:
        if not collector.parts:
            return unscreened(kind, str(error))
        budget.skip(str(error))
    except BudgetExceededError as error:
        budget.skip(str(error))
    except MemoryError:
        budget.skip("too large to open in the memory allowed")
    except Exception as error:  # a library's bug on a hostile file must not crash the bot
        log.warning("reading a %s file failed: %s", kind, type(error).__name__)
        budget.skip(f"could not be read ({type(error).__name__})")
    return collector.verdict(kind, extractor.faces, faces, budget.skipped)


class _Extractor:
    """Turns a file, and whatever it contains, into text parts; notes faces on the way."""

    def __init__(
        self,
        engines: Engines,
        budget: Budget,
        look_for_faces: bool,
        redact_name: Callable[[str], str],
    ) -> None:
        self.engines = engines
        self.redact_name = redact_name
        self.budget = budget
        self.look_for_faces = look_for_faces
        self.faces: list[FaceHit] = []

    def parts(
        self, data: bytes, name: str | None, prefix: str = "", depth: int = 0
    ) -> Iterator[TextPart]:
        kind = filetypes.sniff(data, name)
        if kind == filetypes.IMAGE:
            label = prefix.removesuffix(", ") or "image"
            yield from self._image(ImageItem(label=label, data=data), embedded=bool(prefix))
        elif kind == filetypes.PDF:
            yield from self._expand(pdf_items(prefix, data, self.budget))
        elif kind == filetypes.DOCX:
            yield from self._expand(docx_items(prefix, data, self.budget))
        elif kind == filetypes.XLSX:
            yield from self._expand(xlsx_items(prefix, data, self.budget))
        elif kind == filetypes.CSV:
            yield from csv_parts(f"{prefix}CSV", data, self.budget)
        elif kind == filetypes.TEXT:
            yield from text_parts(f"{prefix}text", decode_text(data), self.budget)
        elif kind == filetypes.ZIP:
            yield from self._archive(data, prefix, depth)
        else:
            raise UnscreenableError(_unsupported_reason(kind, data, name))

    def _archive(self, data: bytes, prefix: str, depth: int) -> Iterator[TextPart]:
        for member, member_data, problem in archive_members(data, self.budget, depth + 1):
            # A file's name can name a patient: it is screened, and shown redacted.
            label = f"{prefix}{self.redact_name(member)}"
            yield TextPart(source=f"{label}, file name", text=member)
            if member_data is None:
                self.budget.skip(f"{label}: {problem}")
                continue
            try:
                yield from self.parts(member_data, member, prefix=f"{label}, ", depth=depth + 1)
            except UnscreenableError as error:
                self.budget.skip(f"{label}: {error}")

    def _expand(self, items: Iterable[Item]) -> Iterator[TextPart]:
        for item in items:
            if isinstance(item, TextPart):
                yield item
            else:
                yield from self._image(item, embedded=True)

    def _image(self, item: ImageItem, embedded: bool) -> Iterator[TextPart]:
        self.budget.check_time()
        try:
            image = (
                item.image
                if item.image is not None
                else open_image(item.data or b"", self.budget.limits)
            )
        except UnscreenableError as error:
            if not embedded:
                raise
            self.budget.skip(f"{item.label}: {error}")
            return
        if item.look_for_faces:
            self._find_faces(item.label, image)
        if self.engines.ocr is None:
            self.budget.skip(f"{item.label}: text in images cannot be read here (no OCR)")
            return
        if not self.budget.take_image():
            self.budget.skip(
                f"{item.label}: over the limit of {self.budget.limits.max_images} images"
            )
            return
        try:
            reading = self.engines.ocr.read(image)
        except Exception as error:  # Tesseract failing on one image must not lose the rest
            self.budget.skip(f"{item.label}: OCR failed ({type(error).__name__})")
            return
        if reading.lines:
            self.budget.take_text(len(reading.text))
            labels = tuple(f"line {number}" for number in range(1, len(reading.lines) + 1))
            yield TextPart(item.label, reading.text, labels)

    def _find_faces(self, label: str, image: Image.Image) -> None:
        if not self.look_for_faces:
            return
        if self.engines.faces is None:
            self.budget.skip(f"{label}: faces cannot be looked for here")
            return
        try:
            boxes = self.engines.faces.find(image)
        except Exception as error:
            self.budget.skip(f"{label}: face detection failed ({type(error).__name__})")
            return
        self.faces.extend(FaceHit(part=label, box=box) for box in boxes)


def _unsupported_reason(kind: str, data: bytes, name: str | None) -> str:
    if kind == filetypes.OLE:
        if filetypes.is_encrypted_office(data):
            return "encrypted Office document (it needs a password to open)"
        return "old-style Office file (.doc/.xls): only .docx and .xlsx are read"
    if kind == filetypes.PPTX:
        return "PowerPoint files are not screened"
    if kind == filetypes.OPENDOCUMENT:
        return "OpenDocument files are not screened: save it as .docx or .xlsx"
    shown = filetypes.suffix(name) or "no extension"
    return f"not a kind of file the bot can read ({shown})"


class _Collector:
    """Each part's verdict gathered into the file's."""

    def __init__(self, screeners: _Screeners) -> None:
        self.screeners = screeners
        self.parts = 0
        self.actions: list[Action] = []
        self.findings: list[PartFinding] = []
        self.more_findings = 0
        self.categories: dict[str, None] = {}
        self.failed: dict[str, None] = {}
        self.excerpts: list[str] = []

    def add(self, part: TextPart) -> None:
        self.parts += 1
        verdict = self.screeners.for_part(part).screen(part.text)
        self.actions.append(verdict.action)
        self.failed.update(dict.fromkeys(verdict.failed_detectors))
        if not verdict.findings:
            return
        self.categories.update(dict.fromkeys(verdict.categories))
        if sum(map(len, self.excerpts)) < _EXCERPT_CHARS:
            self.excerpts.append(f"[{part.source}] {verdict.redacted_text}")
        for finding in _distinct(verdict):
            if len(self.findings) < MAX_REPORTED_FINDINGS:
                self.findings.append(
                    PartFinding(part=part.label_at(finding.start), finding=finding)
                )
            else:
                self.more_findings += 1

    def verdict(
        self, kind: str, faces: list[FaceHit], setting: FacesSetting, skipped: list[str]
    ) -> FileVerdict:
        faces_action = setting.action if faces else Action.ALLOW
        actions = [*self.actions, faces_action]
        if skipped or self.failed:
            actions.append(Action.FLAG)
        return FileVerdict(
            action=strongest(actions),
            kind=kind,
            findings=tuple(self.findings),
            categories=tuple(self.categories),
            faces=tuple(faces),
            faces_action=faces_action,
            unscreened_reason=_reason(skipped),
            parts_screened=self.parts,
            more_findings=self.more_findings,
            redacted_excerpt=_excerpt(self.excerpts),
            failed_detectors=tuple(self.failed),
        )


def _distinct(verdict: Verdict) -> list[Finding]:
    """One finding per category and stretch of text (a value two detectors found): the surest."""
    kept: dict[str, list[Finding]] = {}
    for finding in sorted(verdict.findings, key=lambda finding: -finding.confidence):
        same = kept.setdefault(finding.category, [])
        if all(finding.end <= other.start or finding.start >= other.end for other in same):
            same.append(finding)
    return sorted((finding for group in kept.values() for finding in group), key=_start)


def _start(finding: Finding) -> int:
    return finding.start


def _reason(skipped: list[str]) -> str | None:
    if not skipped:
        return None
    shown = "; ".join(skipped[:_REASONS_SHOWN])
    more = len(skipped) - _REASONS_SHOWN
    return f"{shown}; and {more} more" if more > 0 else shown


def _excerpt(excerpts: list[str]) -> str:
    text = "\n".join(excerpts)
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"
