"""Photos and documents: text read from them (OCR, PDF, Office, CSV, archives) and screened.

The bot calls `MediaScreener.screen_file(...)`, which works in worker
processes; `screen_file_data` does the same work in the calling process.
Importing this package loads no engine: the workers load them.
"""

from bot.media.limits import DEFAULT_LIMITS, MediaLimits
from bot.media.pool import MediaScreener
from bot.media.verdict import FaceHit, FacesSetting, FileVerdict, PartFinding, TextPart

__all__ = [
    "DEFAULT_LIMITS",
    "FaceHit",
    "FacesSetting",
    "FileVerdict",
    "MediaLimits",
    "MediaScreener",
    "PartFinding",
    "TextPart",
]
