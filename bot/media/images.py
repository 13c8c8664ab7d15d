"""Opening an image safely: size checked before decoding, turned upright, one frame."""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.media.filetypes import is_heif
from bot.media.limits import MediaLimits, UnscreenableError


def open_image(data: bytes, limits: MediaLimits) -> Image.Image:
    """The first frame of an image as RGB, upright as the camera saw it.

    Raises `UnscreenableError` for anything that is not a readable image, or one so
    large in pixels that decoding it is an attack (a decompression bomb).
    """
    if is_heif(data[:16]):
        raise UnscreenableError("HEIC/AVIF images are not supported: send it as a JPEG photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise UnscreenableError(
                    f"image too large ({width}x{height} pixels; the limit is "
                    f"{limits.max_image_pixels:,})"
                )
            image.seek(0)
            image.load()
            image = ImageOps.exif_transpose(image) or image
            return image.convert("RGB")
    except UnscreenableError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnscreenableError("image too large in pixels (a decompression bomb)") from None
    except UnidentifiedImageError:
        raise UnscreenableError("not an image format the bot can read") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as error:
        raise UnscreenableError(f"damaged image ({type(error).__name__})") from None


def scaled_to_fit(image: Image.Image, max_side: int) -> Image.Image:
    """The image scaled down (never up) so its longer side is at most `max_side`."""
    longest = max(image.size)
    if longest <= max_side:
        return image
    factor = max_side / longest
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)
