"""An export's attached files: found inside its folder or zip, and never outside it.

An export names each file by a path relative to the chat file (Telegram:
`photos/photo_1@15-01-2024_09-30-00.jpg`; WhatsApp: the file's name next to
`_chat.txt`). That path is untrusted: a hostile export may write `../../x`,
`/etc/passwd`, `C:\\x` or ship a link that leads out of the folder. Such a path
is refused, whatever is (or is not) at the place it names.
"""

from __future__ import annotations

import re
import threading
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Protocol

from bot.audit.model import AttachmentStatus

_DRIVE = re.compile(r"^[A-Za-z]:")
_MIB = 1024 * 1024


class AttachmentUnavailableError(Exception):
    """The file cannot be given to the screening engine: the status and reason say why.

    The reason never quotes the path: a file's name may hold personal data.
    """

    def __init__(self, reason: str, status: AttachmentStatus = AttachmentStatus.UNREADABLE) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class AttachmentFiles(Protocol):
    """Where an export's attached files are: read one by the path the export gives."""

    def read(self, written: str, max_bytes: int) -> bytes:
        """The file's bytes; raises `AttachmentUnavailableError` if it cannot be had."""
        ...

    def close(self) -> None: ...


def inside_path(written: str) -> PurePosixPath | None:
    """`written` as a relative path that stays inside the export, or None if it could leave it.

    Backslashes count as separators (an export made on Windows); absolute paths,
    drive letters, `..` anywhere and NUL characters are refused.
    """
    text = written.replace("\\", "/")
    if not text.strip() or "\x00" in text or _DRIVE.match(text):
        return None
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts:
        return None
    parts = [part for part in path.parts if part != "."]
    return PurePosixPath(*parts) if parts else None


def _refused() -> AttachmentUnavailableError:
    return AttachmentUnavailableError("its path leads outside the export", AttachmentStatus.REFUSED)


def _missing() -> AttachmentUnavailableError:
    return AttachmentUnavailableError("not found in the export", AttachmentStatus.MISSING)


def _too_large(size: int, max_bytes: int) -> AttachmentUnavailableError:
    return AttachmentUnavailableError(
        f"too large ({size / _MIB:.1f} MB; the limit is {max_bytes / _MIB:.0f} MB)"
    )


class FolderFiles:
    """Files in the folder that holds the chat file (an unzipped export)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def read(self, written: str, max_bytes: int) -> bytes:
        relative = inside_path(written)
        if relative is None:
            raise _refused()
        root = self._root.resolve()
        try:
            found = root.joinpath(*relative.parts).resolve(strict=True)
        except FileNotFoundError:
            raise _missing() from None
        except (OSError, RuntimeError):  # a link loop, a name too long, no permission
            raise AttachmentUnavailableError("cannot be opened") from None
        if not found.is_relative_to(root):
            raise AttachmentUnavailableError(
                "it is a link leading outside the export", AttachmentStatus.REFUSED
            )
        if not found.is_file():
            raise _missing()
        try:
            with found.open("rb") as stream:
                data = stream.read(max_bytes + 1)
        except OSError as error:
            raise AttachmentUnavailableError(
                f"cannot be read ({error.strerror or type(error).__name__})"
            ) from None
        if len(data) > max_bytes:
            raise _too_large(found.stat().st_size, max_bytes)
        return data

    def close(self) -> None:
        pass


class ZipFiles:
    """Members of the zip that holds the chat file, read in place (never extracted).

    Paths are looked up among the members' own names, relative to the chat
    file's folder in the zip, so no member is ever written anywhere.
    """

    def __init__(self, path: Path, chat_member: str) -> None:
        self._path = path
        self._base = PurePosixPath(chat_member.replace("\\", "/")).parent
        self._lock = threading.Lock()  # one open archive, read by one thread at a time
        self._archive: zipfile.ZipFile | None = None
        self._members: dict[str, zipfile.ZipInfo] = {}

    def read(self, written: str, max_bytes: int) -> bytes:
        relative = inside_path(written)
        if relative is None:
            raise _refused()
        with self._lock:
            archive = self._open()
            info = self._members.get(str(self._base / relative))
            if info is None:
                raise _missing()
            if info.flag_bits & 0x1:
                raise AttachmentUnavailableError("encrypted in the zip")
            if info.file_size > max_bytes:
                raise _too_large(info.file_size, max_bytes)
            try:
                with archive.open(info) as stream:
                    data = stream.read(max_bytes + 1)  # the header's size may lie
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
                raise AttachmentUnavailableError("damaged in the zip") from None
        if len(data) > max_bytes:
            raise _too_large(len(data), max_bytes)
        return data

    def _open(self) -> zipfile.ZipFile:
        if self._archive is None:
            try:
                archive = zipfile.ZipFile(self._path)
            except (zipfile.BadZipFile, OSError, EOFError):
                raise AttachmentUnavailableError("the zip cannot be opened") from None
            self._members = {
                str(PurePosixPath(info.filename.replace("\\", "/"))): info
                for info in archive.infolist()
                if not info.is_dir()
            }
            self._archive = archive
        return self._archive

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None
