"""What kind of file some bytes are, from their first bytes first and the name second.

The name a sender gives is only a hint: a patient list renamed to `rota.jpg`
is still opened as the spreadsheet it is.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

IMAGE = "image"
PDF = "pdf"
DOCX = "docx"
XLSX = "xlsx"
CSV = "csv"
TEXT = "text"
ZIP = "zip"
OLE = "ole"  # a legacy or password-protected Office file
PPTX = "pptx"
OPENDOCUMENT = "opendocument"
UNKNOWN = "unknown"

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",  # TIFF
    b"MM\x00*",
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_SUFFIXES = frozenset(
    {".txt", ".text", ".md", ".log", ".json", ".xml", ".html", ".htm", ".rtf", ".ini", ".yaml"}
)
_CSV_SUFFIXES = frozenset({".csv", ".tsv"})
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"avif")


_KIND_LABELS = {
    IMAGE: "image",
    PDF: "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    CSV: "csv",
    TEXT: "text",
    ZIP: "zip",
    OLE: "office",
    PPTX: "pptx",
    OPENDOCUMENT: "opendocument",
}


def kind_label(kind: str) -> str:
    """The kind of file as a verdict names it ("pdf", "image", "office", ...)."""
    return _KIND_LABELS.get(kind, "unknown")


def suffix(name: str | None) -> str:
    return PurePosixPath(name or "").suffix.lower()


def sniff(data: bytes, name: str | None = None) -> str:
    """The kind of file `data` is: one of the constants above."""
    head = data[:16]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return PDF
    if head.startswith(_IMAGE_MAGIC) or _is_webp(head):
        return IMAGE
    if head.startswith(_OLE_MAGIC):
        return OLE
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if is_heif(head):
        return IMAGE  # recognised, so the reason it cannot be read is precise
    if _looks_like_text(data) or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return CSV if suffix(name) in _CSV_SUFFIXES else TEXT
    if suffix(name) in _TEXT_SUFFIXES | _CSV_SUFFIXES and b"\x00" not in data[:4096]:
        return TEXT
    return UNKNOWN


def is_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _is_webp(head: bytes) -> bool:
    return head.startswith(b"RIFF") and head[8:12] == b"WEBP"


def _zip_kind(data: bytes) -> str:
    """An Office file is a zip with a known main part; anything else is an archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ZIP  # reported as a corrupt archive when opened
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "mimetype" in names and "content.xml" in names:
        return OPENDOCUMENT
    return ZIP


def _looks_like_text(data: bytes) -> bool:
    sample = data[:8192]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:  # not just a character cut at the sample's end
            return _mostly_printable(sample)
    return True


def _mostly_printable(sample: bytes) -> bool:
    printable = sum(1 for byte in sample if byte >= 32 or byte in (9, 10, 13))
    return printable / len(sample) > 0.95


def is_encrypted_office(data: bytes) -> bool:
    """A password-protected DOCX/XLSX is an OLE file holding an `EncryptedPackage` stream."""
    return "EncryptedPackage".encode("utf-16-le") in data
