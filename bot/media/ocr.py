"""Reading the text in an image with Tesseract (the `tesserocr` wheel and a bundled model).

The engine and its English model both ship with the project: `tesserocr`'s
wheel carries libtesseract, and `data/tessdata/eng.traineddata` is the
tessdata_fast English model (Apache-2.0), so nothing is downloaded and no
system package is needed.

Before reading, the image is made grey, scaled, and straightened: a phone
photo of a handover sheet is rarely level, and Tesseract reads skewed lines
badly. Words are then regrouped into rows by their position, so a table's
columns come out on one line per row ("Bed 4 John Smith 943 476 5919") and
the detectors see each patient's details together.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from PIL import Image

from bot.media.images import scaled_to_fit

log = logging.getLogger(__name__)

TESSDATA_DIR = Path(__file__).parent / "data" / "tessdata"
LANGUAGE = "eng"
# Words Tesseract is less sure of than this are noise (texture read as letters).
MIN_WORD_CONFIDENCE = 30.0
# A reading with fewer characters, or less sure than this on average, is tried upside down.
_FEW_CHARACTERS = 12
_GOOD_MEAN_CONFIDENCE = 80.0
_SKEW_RANGE_DEGREES = 15
_SKEW_SAMPLE_POINTS = 30_000
_SMALL_IMAGE_SIDE = 800  # smaller images are enlarged: Tesseract wants letters ~20 px high


@dataclass(frozen=True, slots=True)
class OcrWord:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, right, bottom

    @property
    def middle(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass(frozen=True, slots=True)
class OcrText:
    """The rows of text read from one image, top to bottom."""

    lines: tuple[str, ...]
    skew_degrees: float = 0.0
    turned_degrees: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def ocr_unavailable_reason() -> str | None:
    """Why OCR cannot run here (for the warning at start), or None when it can."""
    try:
        import tesserocr  # noqa: F401
    except ImportError as error:
        return f"the tesserocr package cannot be loaded ({error})"
    if not (TESSDATA_DIR / f"{LANGUAGE}.traineddata").is_file():
        return f"the OCR model {LANGUAGE}.traineddata is missing from {TESSDATA_DIR}"
    return None


class OcrEngine:
    """One Tesseract instance: load it once per process and read many images."""

    def __init__(self, max_side: int = 3000) -> None:
        from tesserocr import OEM, PSM, PyTessBaseAPI

        self._api = PyTessBaseAPI(
            path=str(TESSDATA_DIR), lang=LANGUAGE, psm=PSM.AUTO, oem=OEM.LSTM_ONLY
        )
        self._max_side = max_side

    def read(self, image: Image.Image) -> OcrText:
        grey = _prepared(image, self._max_side)
        turned = 90 if looks_sideways(grey) else 0
        if turned:
            grey = grey.rotate(turned, expand=True)
        skew = estimate_skew(grey)
        if skew:
            grey = grey.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        words = self._words(grey)
        if not _reads_well(words):
            # A poor reading may be of a sheet upside down: try it turned round, keep the better.
            flipped = self._words(grey.rotate(180))
            if _reading_score(flipped) > _reading_score(words) * 1.5:
                words, turned = flipped, (turned + 180) % 360
        return OcrText(lines=rows_of_words(words), skew_degrees=skew, turned_degrees=turned)

    def close(self) -> None:
        self._api.End()

    def _words(self, grey: Image.Image) -> list[OcrWord]:
        from tesserocr import RIL, iterate_level

        self._api.SetImage(grey)
        self._api.Recognize()
        words: list[OcrWord] = []
        iterator = self._api.GetIterator()
        if iterator is None:
            return words
        for item in iterate_level(iterator, RIL.WORD):
            word = _word(item, RIL.WORD)
            if word is not None and word.confidence >= MIN_WORD_CONFIDENCE:
                words.append(word)
        return words


def _word(item: Any, level: int) -> OcrWord | None:
    try:
        text = item.GetUTF8Text(level)
    except RuntimeError:  # an empty word
        return None
    box = item.BoundingBox(level)
    if not text or not text.strip() or box is None:
        return None
    return OcrWord(text.strip(), float(item.Confidence(level)), tuple(box))


def _reading_score(words: Iterable[OcrWord]) -> float:
    return sum(len(word.text) * word.confidence / 100 for word in words)


def _reads_well(words: list[OcrWord]) -> bool:
    """Most of the text read with high confidence: no need to try it the other way up."""
    characters = sum(len(word.text) for word in words)
    if characters < _FEW_CHARACTERS:
        return False
    return _reading_score(words) / characters >= _GOOD_MEAN_CONFIDENCE / 100


def _prepared(image: Image.Image, max_side: int) -> Image.Image:
    grey = scaled_to_fit(image.convert("L"), max_side)
    if max(grey.size) < _SMALL_IMAGE_SIDE:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    return grey


def rows_of_words(words: list[OcrWord]) -> tuple[str, ...]:
    """Words grouped into rows by their vertical middle, each row read left to right."""
    if not words:
        return ()
    typical_height = median(word.height for word in words) or 1
    rows: list[list[OcrWord]] = []
    row_middles: list[float] = []
    for word in sorted(words, key=lambda word: word.middle):
        if rows and abs(word.middle - row_middles[-1]) < typical_height * 0.6:
            rows[-1].append(word)
            row_middles[-1] = sum(w.middle for w in rows[-1]) / len(rows[-1])
        else:
            rows.append([word])
            row_middles.append(word.middle)
    return tuple(_join_row(row, typical_height) for row in rows)


def _join_row(row: list[OcrWord], typical_height: float) -> str:
    """Words left to right; a wide gap (another column) becomes two spaces."""
    ordered = sorted(row, key=lambda word: word.box[0])
    pieces = [ordered[0].text]
    for previous, word in itertools.pairwise(ordered):
        gap = word.box[0] - previous.box[2]
        pieces.append("  " if gap > typical_height * 2 else " ")
        pieces.append(word.text)
    return "".join(pieces)


def looks_sideways(grey: Image.Image) -> bool:
    """Whether the dark pixels line up in columns far more than in rows (text turned 90°)."""
    points = _dark_points(grey)
    if points is None:
        return False
    across = _best_profile_score(points)
    down = _best_profile_score(points[:, ::-1].copy())
    return down > across * 1.3


def _best_profile_score(points: np.ndarray) -> float:
    angles = np.arange(-_SKEW_RANGE_DEGREES, _SKEW_RANGE_DEGREES + 0.01, 3.0)
    return max(_profile_score(points, float(angle)) for angle in angles)


def estimate_skew(grey: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that levels the text lines; 0 when unsure.

    Text lines make the row profile of dark pixels spiky when level; the angle
    whose profile is spikiest (the largest sum of squares) wins.
    """
    points = _dark_points(grey)
    if points is None:
        return 0.0
    coarse = np.arange(-_SKEW_RANGE_DEGREES, _SKEW_RANGE_DEGREES + 0.01, 1.0)
    scores = {float(angle): _profile_score(points, angle) for angle in coarse}
    best = max(scores, key=scores.__getitem__)
    fine = np.arange(best - 0.8, best + 0.81, 0.2)
    scores.update({float(angle): _profile_score(points, angle) for angle in fine})
    best = max(scores, key=scores.__getitem__)
    level = _profile_score(points, 0.0)
    # A small gain is noise (a photo with no lines of text): leave it as it is.
    if abs(best) < 0.3 or scores[best] < level * 1.15:
        return 0.0
    return round(best, 1)


def _dark_points(grey: Image.Image) -> np.ndarray | None:
    small = scaled_to_fit(grey, 1000)
    pixels = np.asarray(small, dtype=np.uint8)
    threshold = _otsu_threshold(pixels)
    ys, xs = np.nonzero(pixels < threshold)
    if len(xs) < 200 or len(xs) > pixels.size * 0.5:
        return None  # nearly blank, or mostly dark: no text lines to level
    if len(xs) > _SKEW_SAMPLE_POINTS:
        chosen = np.random.default_rng(0).choice(len(xs), _SKEW_SAMPLE_POINTS, replace=False)
        xs, ys = xs[chosen], ys[chosen]
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    return points - points.mean(axis=0)


def _otsu_threshold(pixels: np.ndarray) -> int:
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    levels = np.arange(256)
    weight_dark = np.cumsum(histogram)
    weight_light = total - weight_dark
    sum_dark = np.cumsum(histogram * levels)
    mean_dark = np.divide(sum_dark, weight_dark, out=np.zeros(256), where=weight_dark > 0)
    mean_light = np.divide(
        sum_dark[-1] - sum_dark, weight_light, out=np.zeros(256), where=weight_light > 0
    )
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    return int(np.argmax(between)) + 1


def _profile_score(points: np.ndarray, angle: float) -> float:
    radians = np.deg2rad(angle)
    # The row each dark pixel falls on once the image is turned by `angle`.
    rows = points[:, 1] * np.cos(radians) - points[:, 0] * np.sin(radians)
    histogram = np.bincount((rows - rows.min()).astype(np.int64))
    return float(np.square(histogram, dtype=np.float64).sum())
