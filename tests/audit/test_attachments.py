"""Attached files are found inside the export's folder or zip, and never outside it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from bot.audit.attachments import (
    AttachmentUnavailableError,
    FolderFiles,
    ZipFiles,
    inside_path,
)
from bot.audit.detect import open_export
from bot.audit.model import AttachmentStatus
from tests.audit.exports import telegram_chat, telegram_message, write_zip
from tests.media.samples import marked_encrypted

LIMIT = 1000


@pytest.mark.parametrize(
    ("written", "inside"),
    [
        ("photos/photo_1.jpg", "photos/photo_1.jpg"),
        ("./photos/./photo_1.jpg", "photos/photo_1.jpg"),
        ("photos\\photo_1.jpg", "photos/photo_1.jpg"),
        ("IMG-20240115-WA0001.jpg", "IMG-20240115-WA0001.jpg"),
        ("../secret.jpg", None),
        ("photos/../../secret.jpg", None),
        ("..\\..\\secret.jpg", None),
        ("/etc/passwd", None),
        ("\\\\server\\share\\x.jpg", None),
        ("C:\\Users\\x.jpg", None),
        ("c:x.jpg", None),
        ("", None),
        (".", None),
        ("photo\x00.jpg", None),
    ],
)
def test_only_paths_that_stay_inside_the_export_are_accepted(written, inside):
    found = inside_path(written)
    assert (str(found) if found is not None else None) == inside


def unavailable(files: FolderFiles | ZipFiles, written: str) -> AttachmentUnavailableError:
    with pytest.raises(AttachmentUnavailableError) as raised:
        files.read(written, LIMIT)
    assert written not in str(raised.value)  # a file's name may hold personal data
    return raised.value


@pytest.fixture
def export_folder(tmp_path: Path) -> Path:
    """An export folder, with a secret file beside it that no path may reach."""
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(b"inside")
    (folder / "big.pdf").write_bytes(b"x" * (LIMIT + 1))
    (tmp_path / "secret.jpg").write_bytes(b"outside")
    return folder


def test_a_file_in_the_folder_is_read_by_its_relative_path(export_folder):
    files = FolderFiles(export_folder)
    assert files.read("photos/photo_1.jpg", LIMIT) == b"inside"
    assert files.read("photos\\photo_1.jpg", LIMIT) == b"inside"


@pytest.mark.parametrize(
    "written", ["../secret.jpg", "photos/../../secret.jpg", "..\\secret.jpg", "{outside}"]
)
def test_a_path_out_of_the_folder_is_refused_though_a_file_is_there(export_folder, written):
    written = written.format(outside=export_folder.parent / "secret.jpg")
    error = unavailable(FolderFiles(export_folder), written)
    assert error.status is AttachmentStatus.REFUSED
    assert error.reason == "its path leads outside the export"


def test_a_link_in_the_folder_that_leads_out_of_it_is_refused(export_folder):
    (export_folder / "photos" / "photo_2.jpg").symlink_to(export_folder.parent / "secret.jpg")
    (export_folder / "photos" / "photo_3.jpg").symlink_to(export_folder / "photos" / "photo_1.jpg")
    files = FolderFiles(export_folder)
    error = unavailable(files, "photos/photo_2.jpg")
    assert error.status is AttachmentStatus.REFUSED
    assert "link" in error.reason
    assert files.read("photos/photo_3.jpg", LIMIT) == b"inside"  # a link within is fine


def test_missing_too_large_and_unreadable_files_say_why(export_folder):
    files = FolderFiles(export_folder)
    assert unavailable(files, "photos/photo_9.jpg").status is AttachmentStatus.MISSING
    assert unavailable(files, "photos").status is AttachmentStatus.MISSING  # a folder
    too_large = unavailable(files, "big.pdf")
    assert too_large.status is AttachmentStatus.UNREADABLE
    assert too_large.reason.startswith("too large (")
    loop = export_folder / "loop.jpg"
    loop.symlink_to(loop)
    assert unavailable(files, "loop.jpg").status is AttachmentStatus.UNREADABLE
    if os.geteuid() != 0:  # root reads whatever the permissions say
        (export_folder / "photos" / "photo_1.jpg").chmod(0)
        assert unavailable(files, "photos/photo_1.jpg").reason.startswith("cannot be read")


@pytest.fixture
def export_zip(tmp_path: Path) -> Path:
    path = tmp_path / "WhatsApp Chat - Ward 7.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Ward 7/_chat.txt", "chat")
        archive.writestr("Ward 7/IMG-20240115-WA0001.jpg", b"inside")
        archive.writestr("Ward 7/big.pdf", b"x" * (LIMIT + 1))
        archive.writestr("secret.jpg", b"outside the chat's folder")
        archive.writestr("../evil.jpg", b"a member named to escape")
    return path


def test_a_zip_member_is_read_in_place_relative_to_the_chat_file(export_zip):
    files = ZipFiles(export_zip, "Ward 7/_chat.txt")
    try:
        assert files.read("IMG-20240115-WA0001.jpg", LIMIT) == b"inside"
        assert files.read("./IMG-20240115-WA0001.jpg", LIMIT) == b"inside"
        assert unavailable(files, "IMG-20240115-WA0009.jpg").status is AttachmentStatus.MISSING
        assert unavailable(files, "../secret.jpg").status is AttachmentStatus.REFUSED
        assert unavailable(files, "../../evil.jpg").status is AttachmentStatus.REFUSED
        assert unavailable(files, "big.pdf").reason.startswith("too large (")
    finally:
        files.close()


def test_an_encrypted_or_damaged_zip_member_is_unreadable(tmp_path):
    plain = write_zip(tmp_path / "plain.zip", {"_chat.txt": "chat", "a.jpg": b"x" * 500})
    encrypted = tmp_path / "encrypted.zip"
    encrypted.write_bytes(marked_encrypted(plain.read_bytes()))
    assert unavailable(ZipFiles(encrypted, "_chat.txt"), "a.jpg").reason == "encrypted in the zip"
    stored = tmp_path / "stored.zip"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("_chat.txt", "chat")
        archive.writestr("a.jpg", b"x" * 500)
    damaged = tmp_path / "damaged.zip"
    data = bytearray(stored.read_bytes())
    start = data.index(b"x" * 100)
    data[start : start + 100] = b"\xff" * 100  # the member's bytes no longer match its CRC
    damaged.write_bytes(bytes(data))
    assert unavailable(ZipFiles(damaged, "_chat.txt"), "a.jpg").reason == "damaged in the zip"


def test_open_export_finds_files_next_to_the_chat_in_a_folder_or_a_zip(tmp_path):
    folder = tmp_path / "ChatExport"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "p.jpg").write_bytes(b"photo")
    chat = telegram_chat([telegram_message(1, "hi") | {"photo": "photos/p.jpg"}])
    (folder / "result.json").write_text(chat)
    for path in (folder, folder / "result.json"):
        files = open_export(path).attachment_files
        assert files is not None
        assert files.read("photos/p.jpg", LIMIT) == b"photo"
    zipped = write_zip(
        tmp_path / "export.zip", {"ChatExport/result.json": chat, "ChatExport/photos/p.jpg": b"z"}
    )
    files = open_export(zipped).attachment_files
    assert files is not None
    assert files.read("photos/p.jpg", LIMIT) == b"z"
    files.close()
