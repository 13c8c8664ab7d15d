"""Format detection: files, export folders and .zip files, and clear errors for anything else."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from bot.audit import detect
from bot.audit.detect import chat_name_from_file_name, open_export, sniff
from bot.audit.model import ExportError
from bot.audit.telegram_export import TelegramExport
from bot.audit.whatsapp_export import WhatsAppExport
from tests.audit.exports import LRM, telegram_chat, telegram_message, write_zip

WHATSAPP = "15/01/2024, 09:30 - Jane Smith: Morning all\n15/01/2024, 09:31 - Bob: hi\n"
WHATSAPP_IOS = (
    f"{LRM}[15/01/2024, 09:30:12] Ward 7: {LRM}Messages and calls are end-to-end encrypted.\n"
    f"[15/01/2024, 09:31:00] Bob: {LRM}<attached: 00000001-PHOTO-2024-01-15-09-31-00.jpg>\n"
    "[15/01/2024, 09:32:00] Bob: see photo\n"
)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04rest", "zip"),
        (b'{"name": "Ward"}', "telegram"),
        (b'\xef\xbb\xbf\n  {"about": ""}', "telegram"),
        (WHATSAPP.encode(), "whatsapp"),
        (WHATSAPP_IOS.encode(), "whatsapp"),
        (b"Dear all, see you at 9:30.\n", None),
        (b"\x00\x01\x02\xff", None),
        (b"", None),
    ],
)
def test_sniff_names_the_format_from_the_first_bytes(head: bytes, kind: str | None):
    assert sniff(head) == kind


def test_a_telegram_file_is_read_as_telegram(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(telegram_chat([telegram_message(1, "hi")]))
    export = open_export(path)
    assert isinstance(export, TelegramExport)
    assert [m.text for m in export.messages()] == ["hi"]


def test_a_whatsapp_file_takes_its_chat_name_from_the_file_name(tmp_path):
    path = tmp_path / "WhatsApp Chat with Ward 7 nurses.txt"
    path.write_text(WHATSAPP)
    export = open_export(path)
    assert isinstance(export, WhatsAppExport)
    assert {m.chat for m in export.messages()} == {"Ward 7 nurses"}


@pytest.mark.parametrize(
    ("name", "chat"),
    [
        ("WhatsApp Chat with Ward 7.txt", "Ward 7"),
        ("WhatsApp Chat - Theatres.zip", "Theatres"),
        ("_chat.txt", None),
        ("notes.txt", None),
    ],
)
def test_chat_name_from_file_name(name: str, chat: str | None):
    assert chat_name_from_file_name(name) == chat


def test_an_export_folder_is_read_through_its_result_json(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "result.json").write_text(telegram_chat([telegram_message(1, "hi")]))
    assert isinstance(open_export(tmp_path), TelegramExport)


def test_a_folder_with_one_whatsapp_text_file_is_read_through_it(tmp_path):
    (tmp_path / "readme.txt").write_text("not a chat")
    (tmp_path / "_chat.txt").write_text(WHATSAPP)
    (tmp_path / "IMG-20240115-WA0001.jpg").write_bytes(b"\xff\xd8")
    assert isinstance(open_export(tmp_path), WhatsAppExport)


def test_a_folder_with_two_chats_asks_which_one(tmp_path):
    (tmp_path / "a.txt").write_text(WHATSAPP)
    (tmp_path / "b.txt").write_text(WHATSAPP)
    with pytest.raises(ExportError, match="several chat exports"):
        open_export(tmp_path)


def test_a_folder_without_an_export_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match=r"no result\.json and no WhatsApp"):
        open_export(tmp_path)


def test_an_ios_zip_is_read_in_place_with_its_chat_name(tmp_path):
    path = write_zip(
        tmp_path / "WhatsApp Chat - Ward 7.zip",
        {"_chat.txt": WHATSAPP_IOS, "00000001-PHOTO-2024-01-15-09-31-00.jpg": b"\xff\xd8"},
    )
    export = open_export(path)
    messages = list(export.messages())
    assert [m.text for m in messages if m.is_screenable] == ["see photo"]
    assert {m.chat for m in messages} == {"Ward 7"}
    assert sum(len(m.attachments) for m in messages) == 1
    assert "_chat.txt" in export.description


def test_a_zipped_telegram_export_folder_is_read_too(tmp_path):
    content = telegram_chat([telegram_message(1, "hi")])
    path = write_zip(tmp_path / "export.zip", {"ChatExport_2024/result.json": content})
    assert [m.text for m in open_export(path).messages()] == ["hi"]


def test_a_zip_without_a_chat_is_a_clear_error(tmp_path):
    path = write_zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8", "notes.txt": "hello"})
    with pytest.raises(ExportError, match=r"holds no result\.json and no WhatsApp"):
        open_export(path)


def test_a_damaged_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(ExportError, match="not a readable zip"):
        open_export(path)


def test_a_zip_member_bigger_than_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(detect, "MAX_UNPACKED_BYTES", 100)
    path = write_zip(tmp_path / "big.zip", {"_chat.txt": WHATSAPP * 10})
    with pytest.raises(ExportError, match="over the 100-byte limit"):
        open_export(path)


def test_a_zip_whose_data_is_corrupt_fails_as_an_export_error_when_read(tmp_path):
    rng = random.Random(3)
    lines = [f"15/01/2024, 09:{i % 60:02d} - Bob: {rng.getrandbits(256):x}\n" for i in range(4000)]
    path = write_zip(tmp_path / "chat.zip", {"_chat.txt": "".join(lines)})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("_chat.txt")
    start = info.header_offset + 30 + len("_chat.txt")
    middle = start + info.compress_size * 3 // 4
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    export = open_export(path)  # the start of the member is sound
    with pytest.raises(ExportError, match="damaged"):
        list(export.messages())


@pytest.mark.parametrize(
    "content",
    [b"Dear all,\nsee you at 9:30.\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"", b"<html></html>"],
)
def test_a_file_that_is_neither_format_is_a_clear_error(tmp_path, content: bytes):
    path = tmp_path / "export.txt"
    path.write_bytes(content)
    with pytest.raises(ExportError, match="neither a Telegram Desktop export"):
        open_export(path)


def test_telegram_html_exports_get_a_hint_to_export_json(tmp_path):
    (tmp_path / "messages.html").write_text("<html><body>chat</body></html>")
    for path in (tmp_path, tmp_path / "messages.html"):
        with pytest.raises(ExportError, match="Machine-readable JSON"):
            open_export(path)


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="no such file or folder"):
        open_export(tmp_path / "missing.json")


def test_open_export_accepts_a_path_given_as_relative(tmp_path, monkeypatch):
    (tmp_path / "_chat.txt").write_text(WHATSAPP)
    monkeypatch.chdir(tmp_path)
    assert isinstance(open_export(Path("_chat.txt")), WhatsAppExport)
