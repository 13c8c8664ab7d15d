"""Which app wrote an export, from its first bytes; folders and .zip files included.

A JSON object is a Telegram Desktop export, text whose lines start with
WhatsApp's date headers is a WhatsApp export, a .zip is searched for either
(read in place, never extracted, with a cap on how much it may unpack).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bot.audit.attachments import FolderFiles, ZipFiles
from bot.audit.model import ChatExport, ExportError, Opener
from bot.audit.telegram_export import TelegramExport
from bot.audit.whatsapp_export import WhatsAppExport, is_whatsapp_text

SNIFF_BYTES = 64 * 1024
# A zip member may unpack to at most this much: a bigger one is a zip bomb or a mistake.
MAX_UNPACKED_BYTES = 4 * 1024**3
_BOM = b"\xef\xbb\xbf"
_HTML_EXPORT_HINT = (
    "{name} is Telegram's HTML export, which cannot be audited: export the chat again "
    "with the format 'Machine-readable JSON'"
)
_WHATSAPP_FILE_NAME = re.compile(r"WhatsApp Chat(?: with| -) (?P<chat>.+?)(?:\.txt|\.zip)?$", re.I)


def open_export(path: Path) -> ChatExport:
    """The export at `path` (a file, an export folder or a .zip), ready to read."""
    if path.is_dir():
        return _from_folder(path)
    if not path.is_file():
        raise ExportError(f"no such file or folder: {path}")
    opener = _file_opener(path)
    kind = sniff(_head(opener))
    if kind == "zip":
        return _from_zip(path)
    files = FolderFiles(path.parent)  # attached files sit next to the chat file
    if kind == "telegram":
        return TelegramExport(opener, path.name, files)
    if kind == "whatsapp":
        return WhatsAppExport(opener, path.name, chat_name_from_file_name(path.name), files)
    if path.suffix.lower() in (".html", ".htm"):
        raise ExportError(_HTML_EXPORT_HINT.format(name=path.name))
    raise ExportError(
        f"{path.name} is neither a Telegram Desktop export (result.json, machine-readable "
        "JSON) nor a WhatsApp chat export (.txt or .zip)"
    )


def sniff(head: bytes) -> str | None:
    """'zip', 'telegram', 'whatsapp' or None, from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.removeprefix(_BOM).lstrip().startswith(b"{"):
        return "telegram"
    if is_whatsapp_text(head.decode("utf-8", "replace").splitlines()):
        return "whatsapp"
    return None


def chat_name_from_file_name(name: str) -> str | None:
    """'WhatsApp Chat with Ward 7.txt' -> 'Ward 7'."""
    match = _WHATSAPP_FILE_NAME.match(name)
    return match["chat"] if match else None


def _from_folder(folder: Path) -> ChatExport:
    telegram = folder / "result.json"
    if telegram.is_file():
        return open_export(telegram)
    chats = [
        path
        for path in sorted(folder.glob("*.txt"))
        if path.is_file() and sniff(_head(_file_opener(path))) == "whatsapp"
    ]
    if len(chats) == 1:
        return open_export(chats[0])
    if chats:
        names = ", ".join(path.name for path in chats[:5])
        raise ExportError(f"{folder} holds several chat exports ({names}): name one of them")
    if (folder / "messages.html").is_file():
        raise ExportError(_HTML_EXPORT_HINT.format(name=folder))
    raise ExportError(f"{folder} holds no result.json and no WhatsApp chat .txt file")


def _from_zip(path: Path) -> ChatExport:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            chosen = _chat_member(archive, members)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise ExportError(f"{path.name} is not a readable zip file") from None
    if chosen is None:
        raise ExportError(f"{path.name} holds no result.json and no WhatsApp chat .txt file")
    kind, info = chosen
    if info.flag_bits & 0x1:
        raise ExportError(f"{path.name} is encrypted: unzip it first")
    if info.file_size > MAX_UNPACKED_BYTES:
        raise ExportError(
            f"{info.filename} in {path.name} would unpack to {info.file_size:,} bytes, "
            f"over the {MAX_UNPACKED_BYTES:,}-byte limit: unzip it and audit the file"
        )
    opener = _zip_member_opener(path, info.filename)
    name = f"{path.name}:{info.filename}"
    files = ZipFiles(path, info.filename)
    if kind == "telegram":
        return TelegramExport(opener, name, files)
    chat = chat_name_from_file_name(Path(info.filename).name) or chat_name_from_file_name(path.name)
    return WhatsAppExport(opener, name, chat, files)


def _chat_member(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> tuple[str, zipfile.ZipInfo] | None:
    for info in members:
        if Path(info.filename).name == "result.json":
            return "telegram", info
    texts = [info for info in members if info.filename.lower().endswith(".txt")]
    texts.sort(key=lambda info: Path(info.filename).name != "_chat.txt")
    for info in texts[:20]:
        if info.flag_bits & 0x1:
            return "whatsapp", info  # refused with a clear reason by the caller
        with archive.open(info) as stream:
            if sniff(stream.read(SNIFF_BYTES)) == "whatsapp":
                return "whatsapp", info
    return None


def _head(opener: Opener) -> bytes:
    try:
        with opener() as stream:
            return stream.read(SNIFF_BYTES)
    except OSError as error:
        raise ExportError(f"cannot read the export: {error.strerror or error}") from None


def _file_opener(path: Path) -> Opener:
    def open_file() -> BinaryIO:
        return path.open("rb")

    return open_file


def _zip_member_opener(path: Path, member: str) -> Opener:
    @contextmanager
    def open_member() -> Iterator[BinaryIO]:
        try:
            with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
                yield stream  # type: ignore[misc]
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise ExportError(f"{path.name} is damaged: {member} cannot be unpacked") from None

    return open_member
