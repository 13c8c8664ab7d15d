"""Zip archives, checked before anything is unpacked.

A zip bomb declares its sizes honestly or it fails its own checks: a member
that unpacks to more than `max_compression_ratio` times its packed size, an
archive whose members add up to more than `max_archive_bytes`, or one with
more than `max_archive_members` files is refused whole. Members are read with
a bound of their declared size, so a lying header cannot make one bigger.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

from bot.media.limits import Budget, UnscreenableError

_ENCRYPTED_FLAG = 0x1
_RATIO_CHECK_BYTES = 1024 * 1024  # small members compress however they like
_SKIPPED_PREFIXES = ("__MACOSX/",)


def open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnscreenableError("damaged archive (it cannot be opened)") from None


def check_archive(
    members: Sequence[zipfile.ZipInfo], budget: Budget, what: str = "archive"
) -> None:
    """Refuse an archive that would unpack to too much; count it against the file's budget."""
    limits = budget.limits
    budget.archive_members += len(members)
    if budget.archive_members > limits.max_archive_members:
        raise UnscreenableError(
            f"{what} has too many files ({len(members):,}; the limit is "
            f"{limits.max_archive_members:,})"
        )
    unpacked = sum(member.file_size for member in members)
    budget.archive_bytes += unpacked
    if budget.archive_bytes > limits.max_archive_bytes:
        raise UnscreenableError(
            f"{what} unpacks to too much ({unpacked / 1024 / 1024:,.0f} MB; the limit is "
            f"{limits.max_archive_bytes / 1024 / 1024:,.0f} MB): a possible zip bomb"
        )
    for member in members:
        if member.file_size > _RATIO_CHECK_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise UnscreenableError(
                    f"{what} member {member.filename!r} is compressed {ratio:,.0f} to 1: "
                    "a possible zip bomb"
                )


def archive_members(
    data: bytes, budget: Budget, depth: int
) -> Iterator[tuple[str, bytes | None, str | None]]:
    """(name, bytes, None) for each member that can be read; (name, None, reason) otherwise."""
    if depth > budget.limits.max_archive_depth:
        raise UnscreenableError(
            "archive nested too deeply (an archive inside an archive inside ...)"
        )
    archive = open_archive(data)
    with archive:
        members = [
            member
            for member in archive.infolist()
            if not member.is_dir() and not member.filename.startswith(_SKIPPED_PREFIXES)
        ]
        check_archive(members, budget)
        for member in members:
            budget.check_time()
            if member.flag_bits & _ENCRYPTED_FLAG:
                yield member.filename, None, "encrypted (password-protected)"
                continue
            yield member.filename, *_read_member(archive, member)


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo
) -> tuple[bytes | None, str | None]:
    try:
        with archive.open(member) as stream:
            data = stream.read(member.file_size + 1)
    except NotImplementedError:
        return None, "packed with a compression method the bot cannot unpack"
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, ValueError) as error:
        return None, f"damaged ({type(error).__name__})"
    if len(data) > member.file_size:
        return None, "larger than its archive says: a possible zip bomb"
    return data, None
