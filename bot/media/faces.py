"""Finding faces in photos with OpenCV's Haar cascades (shipped in opencv-python-headless).

A face in a clinical group's photo may be a patient's. The detector is tuned
to miss small, doubtful faces rather than flag every photo: faces smaller
than a twelfth of the image's shorter side (a crowd, a poster in the
background) are not counted.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bot.media.images import scaled_to_fit

log = logging.getLogger(__name__)

_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
_DETECT_SIDE = 640  # faces are looked for on a copy this size: enough, and fast
_MIN_FACE_FRACTION = 1 / 12
_MIN_NEIGHBOURS = 6


def faces_unavailable_reason() -> str | None:
    try:
        import cv2
    except ImportError as error:
        return f"OpenCV cannot be loaded ({error})"
    missing = [name for name in _CASCADES if not (_cascade_dir(cv2) / name).is_file()]
    return f"OpenCV's face models are missing: {', '.join(missing)}" if missing else None


def _cascade_dir(cv2: Any) -> Path:
    return Path(cv2.data.haarcascades)


class FaceDetector:
    """Frontal and profile face cascades, loaded once per process."""

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self._cascades = [
            cv2.CascadeClassifier(str(_cascade_dir(cv2) / name)) for name in _CASCADES
        ]
        if any(cascade.empty() for cascade in self._cascades):
            raise RuntimeError("a face cascade failed to load")

    def find(self, image: Image.Image) -> list[tuple[int, int, int, int]]:
        """Face boxes (x, y, width, height) in the original image's pixels."""
        small = scaled_to_fit(image.convert("L"), _DETECT_SIDE)
        scale = image.width / small.width
        grey = self._cv2.equalizeHist(np.asarray(small, dtype=np.uint8))
        smallest = max(24, int(min(small.size) * _MIN_FACE_FRACTION))
        boxes: list[tuple[int, int, int, int]] = []
        for cascade in self._cascades:
            found = cascade.detectMultiScale(
                grey, scaleFactor=1.15, minNeighbors=_MIN_NEIGHBOURS, minSize=(smallest, smallest)
            )
            for x, y, width, height in found:
                box = (
                    round(x * scale),
                    round(y * scale),
                    round(width * scale),
                    round(height * scale),
                )
                if not any(_overlaps(box, kept) for kept in boxes):
                    boxes.append(box)
        return boxes


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    overlap_w = min(ax + aw, bx + bw) - max(ax, bx)
    overlap_h = min(ay + ah, by + bh) - max(ay, by)
    return overlap_w > 0 and overlap_h > 0 and overlap_w * overlap_h > 0.3 * min(aw * ah, bw * bh)
