"""The Telegram Desktop reader: both export shapes, text entities, media, service messages."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.audit.model import ExportedMessage, ExportError, MessageKind
from bot.audit.telegram_export import TelegramExport, message_from_json, plain_text
from tests.audit.exports import (
    telegram_account,
    telegram_chat,
    telegram_message,
    telegram_service,
)

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def read_text(tmp_path: Path, content: str | bytes) -> tuple[list[ExportedMessage], TelegramExport]:
    path = tmp_path / "result.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    export = TelegramExport(lambda: path.open("rb"), path.name)
    return list(export.messages()), export


def test_plain_text_joins_strings_and_entity_objects():
    value = [
        "Please review ",
        {"type": "bold", "text": "bed 4"},
        " and ",
        {"type": "text_link", "text": "the rota", "href": "https://example.org"},
        {"type": "mention_name", "text": "Bob", "user_id": 5},
        {"type": "custom_emoji", "text": "👍", "document_id": "x"},
        {"type": "weird"},
        42,
    ]
    assert plain_text(value) == "Please review bed 4 and the rotaBob👍"
    assert plain_text("just a string") == "just a string"
    assert plain_text(None) == ""


def test_a_single_chat_export_gives_every_message_in_order_with_the_chat_name(tmp_path):
    content = telegram_chat(
        [
            telegram_service(1),
            telegram_message(2, "Handover at 2", date="2024-03-01T08:15:00"),
            telegram_message(3, ["Bed ", {"type": "bold", "text": "4"}], author="Bob Jones"),
        ]
    )
    messages, export = read_text(tmp_path, content)
    assert [(m.ref, m.kind, m.author, m.text) for m in messages] == [
        ("#1", MessageKind.SERVICE, "Jane Smith", ""),
        ("#2", MessageKind.MESSAGE, "Jane Smith", "Handover at 2"),
        ("#3", MessageKind.MESSAGE, "Bob Jones", "Bed 4"),
    ]
    assert messages[1].date == datetime(2024, 3, 1, 8, 15)
    assert {m.chat for m in messages} == {"Ward 7 nurses"}
    assert "single chat" in export.description


def test_a_whole_account_export_reads_every_chat_including_left_ones(tmp_path):
    content = telegram_account(
        {"Ward 7": [telegram_message(1, "one")], "Theatres": [telegram_message(1, "two")]},
        left={"Old group": [telegram_message(9, "three")]},
    )
    messages, export = read_text(tmp_path, content)
    assert [(m.chat, m.ref, m.text) for m in messages] == [
        ("Ward 7", "Ward 7 #1", "one"),
        ("Theatres", "Theatres #1", "two"),
        ("Old group", "Old group #9", "three"),
    ]
    assert "whole account" in export.description


def test_replies_edits_and_forwards_are_marked():
    document = telegram_message(5, "see above")
    document |= {"reply_to_message_id": 4, "edited": "2024-01-15T09:31:00", "forwarded_from": None}
    message = message_from_json(document)
    assert message.reply_to == 4
    assert message.edited
    assert message.forwarded
    assert message.text == "see above"


def test_a_photo_caption_is_the_text_and_the_photo_an_attachment():
    document = telegram_message(6, "wound on day 3") | {"photo": "photos/photo_1.jpg"}
    message = message_from_json(document)
    assert message.text == "wound on day 3"
    assert [(a.kind, a.included, a.path) for a in message.attachments] == [
        ("photo", True, "photos/photo_1.jpg")
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"file": "files/letter.pdf", "mime_type": "application/pdf"},
            [("document", True, "files/letter.pdf")],
        ),
        ({"file": NOT_INCLUDED, "media_type": "voice_message"}, [("audio", False, None)]),
        (
            {"file": "video_files/a.mp4", "media_type": "video_file"},
            [("video", True, "video_files/a.mp4")],
        ),
        ({"file": "stickers/s.webp", "media_type": "sticker"}, []),
        ({"photo": NOT_INCLUDED}, [("photo", False, None)]),
        (
            {"photo": "photos/p.jpg", "file": "files/a.xlsx"},
            [("photo", True, "photos/p.jpg"), ("document", True, "files/a.xlsx")],
        ),
    ],
)
def test_files_are_attachments_whether_or_not_downloaded(fields, expected):
    message = message_from_json(telegram_message(7, "") | fields)
    assert [(a.kind, a.included, a.path) for a in message.attachments] == expected
    assert not message.is_screenable


def test_poll_and_contact_card_words_are_screened_too():
    poll = {"question": "Who covers bed 4?", "answers": [{"text": "Ann"}, {"text": "Bob"}]}
    contact = {"first_name": "John", "last_name": "Smith", "phone_number": "+447700900123"}
    assert message_from_json(telegram_message(8, "") | {"poll": poll}).text == (
        "Who covers bed 4?\nAnn\nBob"
    )
    card = message_from_json(telegram_message(9, "") | {"contact_information": contact})
    assert card.text == "John Smith +447700900123"


def test_fields_of_the_wrong_type_are_treated_as_absent():
    message = message_from_json(
        {"id": "x", "type": "message", "date": 5, "from": 7, "text": {"odd": 1}, "photo": 3}
    )
    assert (message.ref, message.date, message.author, message.text) == ("#?", None, None, "")
    assert message.attachments == ()
    assert message_from_json("not an object").kind is MessageKind.SERVICE


def test_service_messages_carry_no_text_even_when_telegram_gives_one():
    service = telegram_service(3, "edit_group_title") | {"title": "Bed 4 John", "text": "x"}
    message = message_from_json(service)
    assert message.kind is MessageKind.SERVICE
    assert message.text == ""


def test_truncated_json_yields_what_was_read_then_a_clear_error_without_content(tmp_path):
    content = telegram_chat(
        [telegram_message(1, "first"), telegram_message(2, "NHS 943 476 5919 second")]
    )
    cut = content[: content.index("second")]
    path = tmp_path / "result.json"
    path.write_text(cut)
    export = TelegramExport(lambda: path.open("rb"), path.name)
    read: list[ExportedMessage] = []
    with pytest.raises(ExportError) as caught:
        read.extend(export.messages())
    assert [m.text for m in read] == ["first"]
    assert "cut short or malformed after 1 messages" in str(caught.value)
    assert "943" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2, 3]", "not a JSON object"),
        ('{"name": "x", "type": "personal_chat"}', "no messages or chats"),
        ("{}", "no messages or chats"),
        ('{"messages": [}', "malformed"),
        ("", "not a JSON object"),
    ],
)
def test_json_that_is_not_a_telegram_export_is_a_clear_error(tmp_path, content, problem):
    with pytest.raises(ExportError, match=problem):
        read_text(tmp_path, content)


def test_an_empty_chat_is_a_valid_export_with_no_messages(tmp_path):
    messages, _ = read_text(tmp_path, telegram_chat([]))
    assert messages == []


def test_messages_stream_out_before_the_file_is_read_to_the_end():
    messages = [telegram_message(i, f"message number {i} " * 5) for i in range(5_000)]
    data = telegram_chat(messages).encode()
    stream = io.BytesIO(data)
    export = TelegramExport(lambda: stream)
    reading = export.messages()  # kept: dropping the generator closes the stream
    assert next(reading).text.startswith("message number 0")
    # How far the stream was consumed, whichever of read() or readinto() the parser calls.
    assert stream.tell() < len(data) / 10


def test_unicode_survives_intact(tmp_path):
    messages, _ = read_text(tmp_path, telegram_chat([telegram_message(1, "Zoë’s ward — 👍")]))
    assert messages[0].text == "Zoë’s ward — 👍"


def test_numbers_in_json_as_floats_do_not_break_ids(tmp_path):
    content = json.dumps({"messages": [{"id": 3.0, "type": "message", "text": "x"}]})
    messages, _ = read_text(tmp_path, content)
    assert messages[0].message_id == 3
