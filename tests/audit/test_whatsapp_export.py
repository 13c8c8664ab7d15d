"""The WhatsApp reader: headers in every common locale, multi-line posts, system and media lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.audit.model import ExportedMessage, MessageKind
from bot.audit.whatsapp_export import (
    MAX_LINE_BYTES,
    MAX_MESSAGE_CHARS,
    WhatsAppExport,
    is_day_first,
    is_whatsapp_text,
    parse_header,
)
from tests.audit.exports import LRM, NARROW_NBSP, WHATSAPP_LOCALES, WhatsAppLocale, whatsapp_text

JAN_15 = datetime(2024, 1, 15, 9, 30)
FEB_3 = datetime(2024, 2, 3, 14, 5)  # ambiguous on its own: 03/02 or 02/03
DEC_25_PM = datetime(2023, 12, 25, 21, 45)


def read(path: Path) -> tuple[list[ExportedMessage], WhatsAppExport]:
    export = WhatsAppExport(lambda: path.open("rb"), path.name)
    return list(export.messages()), export


def write(tmp_path: Path, content: str | bytes, name: str = "_chat.txt") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def posts(messages: list[ExportedMessage]) -> list[ExportedMessage]:
    return [message for message in messages if message.kind is MessageKind.MESSAGE]


@pytest.mark.parametrize("locale", WHATSAPP_LOCALES, ids=lambda locale: locale.name)
def test_every_locale_gives_authors_texts_and_exact_dates(tmp_path, locale: WhatsAppLocale):
    text = whatsapp_text(
        locale,
        [
            (FEB_3, "Jane Smith: Handover at 2"),
            (JAN_15, "Bob: Morning all\nsecond line: still Bob"),
            (DEC_25_PM, "Dr A. Khan: Happy Christmas"),
        ],
    )
    messages, export = read(write(tmp_path, text))
    assert [(m.author, m.text, m.date) for m in messages] == [
        ("Jane Smith", "Handover at 2", FEB_3),
        ("Bob", "Morning all\nsecond line: still Bob", JAN_15),
        ("Dr A. Khan", "Happy Christmas", DEC_25_PM),
    ]
    assert [m.ref for m in messages] == ["line 1", "line 2", "line 4"]
    assert locale.platform in export.description
    assert export.notes.skipped_lines == 0


def test_a_late_unambiguous_date_decides_the_whole_file_month_first(tmp_path):
    lines = [f"2/3/24, 10:0{minute} AM - Bob: message {minute}" for minute in range(5)]
    lines.append("12/25/24, 10:00 AM - Bob: Christmas")
    messages, export = read(write(tmp_path, "\n".join(lines)))
    assert messages[0].date == datetime(2024, 2, 3, 10, 0)
    assert messages[-1].date == datetime(2024, 12, 25, 10, 0)
    assert "month-first" in export.description


def test_a_file_of_only_ambiguous_dates_is_read_day_first_as_in_the_uk(tmp_path):
    messages, export = read(write(tmp_path, "03/04/2024, 10:00 - Bob: hi\n"))
    assert messages[0].date == datetime(2024, 4, 3, 10, 0)
    assert "day-first" in export.description


def test_is_day_first_looks_at_the_first_field_above_12_or_the_second():
    assert is_day_first(enumerate(["25/01/2024, 10:00 - A: x"]))
    assert not is_day_first(enumerate(["01/25/2024, 10:00 - A: x"]))
    assert is_day_first(enumerate(["not a header 01/25/2024", "2024-12-31, 10:00 - A: x"]))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("15/01/2024, 12:05 AM - A: x", datetime(2024, 1, 15, 0, 5)),
        ("15/01/2024, 12:05 PM - A: x", datetime(2024, 1, 15, 12, 5)),
        ("15/01/2024, 9:30 p.m. - A: x", datetime(2024, 1, 15, 21, 30)),
        ("15/01/2024, 9:30 p. m. - A: x", datetime(2024, 1, 15, 21, 30)),
        (f"15/01/2024, 9:30{NARROW_NBSP}pm - A: x", datetime(2024, 1, 15, 21, 30)),
        ("15/01/2024 09:30 - A: x", datetime(2024, 1, 15, 9, 30)),
        (f"{LRM}[15/01/2024, 09:30:59] A: x", datetime(2024, 1, 15, 9, 30, 59)),
        ("\ufeff15/01/2024, 09:30 - A: x", datetime(2024, 1, 15, 9, 30)),
    ],
)
def test_header_time_variants(line: str, expected: datetime):
    header = parse_header(line, 1, day_first=True)
    assert header is not None
    assert header.date == expected
    assert header.rest == "A: x"


@pytest.mark.parametrize(
    "line",
    [
        "31/02/2024, 09:30 - A: no such day",
        "15/01/2024, 13:30 PM - A: no such hour",
        "15/01/2024 is the deadline - really",
        "Bed 15/01, 09:30 - A: x",
        "",
    ],
)
def test_lines_that_only_look_like_headers_are_not(line: str):
    assert parse_header(line, 1, day_first=True) is None


def test_a_header_like_line_with_an_impossible_date_stays_in_the_message(tmp_path):
    path = write(tmp_path, "15/01/2024, 09:30 - Bob: list\n31/02/2024, 09:31 - note\n")
    messages, _ = read(path)
    assert len(messages) == 1
    assert messages[0].text == "list\n31/02/2024, 09:31 - note"


ANDROID_SYSTEM_LINES = [
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more.",
    'Jane Smith created group "Ward 7: nurses"',
    "Jane Smith added Bob Jones",
    "Jane Smith added Bob Jones, Ann Lee and \u202a+44 7700 900123\u202c",
    "Bob Jones left",
    "Jane Smith removed Bob Jones",
    "\u202a+44 7700 900123\u202c joined using this group's invite link",
    'Jane Smith changed the subject from "Ward 7" to "Ward 7: days"',
    "Jane Smith changed this group's icon",
    "Jane Smith changed the group description",
    "You're now an admin",
    "Bob Jones's security code changed. Tap to learn more.",
    "Jane Smith: This message was deleted",
    "Jane Smith: You deleted this message",
    "Bob Jones: Missed voice call",
]


@pytest.mark.parametrize("line", ANDROID_SYSTEM_LINES)
def test_android_system_lines_are_counted_not_screened(tmp_path, line: str):
    messages, _ = read(write(tmp_path, f"15/01/2024, 09:30 - {line}\n"))
    assert [m.kind for m in messages] == [MessageKind.SERVICE]
    assert messages[0].text == ""
    assert not messages[0].is_screenable


IOS_SYSTEM_LINES = [
    f"Ward 7: {LRM}Messages and calls are end-to-end encrypted. No one outside of this chat, "
    "not even WhatsApp, can read or listen to them.",
    f"Ward 7: {LRM}Jane Smith created group “Ward 7”",
    f"Ward 7: {LRM}Jane Smith added Bob Jones",
    f"Ward 7: {LRM}Bob Jones left",
    f"Ward 7: {LRM}Jane Smith changed the subject to “Ward 7: nights”",
    f"Ward 7: {LRM}Jane Smith changed this group's icon",
    f"Ward 7: {LRM}You joined using this group's invite link",
    f"Jane Smith: {LRM}This message was deleted.",
    f"Jane Smith: {LRM}You deleted this message.",
]


@pytest.mark.parametrize("line", IOS_SYSTEM_LINES)
def test_ios_system_lines_are_counted_not_screened(tmp_path, line: str):
    messages, _ = read(write(tmp_path, f"{LRM}[15/01/2024, 09:30:12] {line}\n"))
    assert [m.kind for m in messages] == [MessageKind.SERVICE]


@pytest.mark.parametrize(
    "rest",
    [
        "Jane Smith: I added Bob to the rota",
        "Jane Smith: left leg dressing done",
        "Jane Smith: Bob left early, Ann covering",
        "Jane Smith: This message was deleted by mistake, reposting: bed 4",
    ],
)
def test_posts_that_mention_system_words_are_still_screened(tmp_path, rest: str):
    messages, _ = read(write(tmp_path, f"15/01/2024, 09:30 - {rest}\n"))
    assert messages[0].kind is MessageKind.MESSAGE
    assert messages[0].author == "Jane Smith"
    assert messages[0].is_screenable


def test_an_ios_post_from_a_person_is_not_mistaken_for_a_system_line(tmp_path):
    messages, _ = read(write(tmp_path, "[15/01/2024, 09:30:12] Jane: Bob added the bloods\n"))
    assert messages[0].kind is MessageKind.MESSAGE
    assert messages[0].text == "Bob added the bloods"


def test_an_unknown_line_without_author_is_screened_rather_than_dropped(tmp_path):
    messages, _ = read(write(tmp_path, "15/01/2024, 09:30 - Jane hat Bob hinzugefügt\n"))
    assert messages[0].kind is MessageKind.MESSAGE
    assert messages[0].author is None
    assert messages[0].text == "Jane hat Bob hinzugefügt"


PHOTO_NAME = "IMG-20240115-WA0001.jpg"
IOS_DOCUMENT = (
    f"{LRM}Smith discharge.pdf • {LRM}3 pages {LRM}<attached: 00000013-Smith discharge.pdf>"
)


IOS_PHOTO = "00000012-PHOTO-2024-01-15-09-30-12.jpg"


@pytest.mark.parametrize(
    ("rest", "text", "attachments"),
    [
        ("Bob: <Media omitted>", "", [("media", None)]),
        (f"Bob: {LRM}image omitted", "", [("photo", None)]),
        (f"Bob: {LRM}video omitted", "", [("video", None)]),
        (f"Bob: {LRM}sticker omitted", "", []),
        (f"Bob: {LRM}<attached: {IOS_PHOTO}>", "", [("photo", IOS_PHOTO)]),
        (f"Bob: {PHOTO_NAME} (file attached)", "", [("photo", PHOTO_NAME)]),
        (f"Bob: {PHOTO_NAME} (file attached)\nbed 4 wound", "bed 4 wound", [("photo", PHOTO_NAME)]),
        (
            "Bob: Smith J letter.pdf (file attached)",
            "Smith J letter.pdf",
            [("document", "Smith J letter.pdf")],
        ),
        (
            f"Bob: {IOS_DOCUMENT}",
            f"{LRM}Smith discharge.pdf • {LRM}3 pages Smith discharge.pdf",
            [("document", "00000013-Smith discharge.pdf")],
        ),
        ("Bob: STK-20240115-WA0003.webp (file attached)", "", []),
        (
            "Bob: ../../secret.jpg (file attached)",
            "../../secret.jpg",
            [("photo", "../../secret.jpg")],
        ),
    ],
)
def test_media_lines_become_attachments_and_chosen_file_names_stay_to_screen(
    tmp_path, rest: str, text: str, attachments: list[tuple[str, str | None]]
):
    """A named file is in the export (its path kept to open it); an omitted one is not."""
    messages, _ = read(write(tmp_path, f"15/01/2024, 09:30 - {rest}\n"))
    (message,) = messages
    assert message.kind is MessageKind.MESSAGE
    assert message.text == text
    assert [(a.kind, a.path) for a in message.attachments] == attachments
    assert [a.included for a in message.attachments] == [
        path is not None for _, path in attachments
    ]


def test_the_edited_mark_is_taken_off_and_remembered(tmp_path):
    path = write(tmp_path, "15/01/2024, 09:30 - Bob: Bed 4 obs <This message was edited>\n")
    (message,) = read(path)[0]
    assert message.text == "Bed 4 obs"
    assert message.edited


def test_authors_keep_their_phone_number_without_direction_marks(tmp_path):
    path = write(tmp_path, "15/01/2024, 09:30 - \u202a+44 7700 900123\u202c: on my way\n")
    (message,) = read(path)[0]
    assert message.author == "+44 7700 900123"


def test_garbage_before_the_first_message_is_skipped_and_counted(tmp_path):
    content = "random words\n\x00\x01binary junk\n15/01/2024, 09:30 - Bob: hello\nmore hello\n"
    messages, export = read(write(tmp_path, content))
    assert [m.text for m in messages] == ["hello\nmore hello"]
    assert export.notes.skipped_lines == 2


def test_bytes_that_are_not_utf8_are_replaced_and_counted_not_fatal(tmp_path):
    content = b"15/01/2024, 09:30 - Bob: caf\xe9 \xff\xfe\n15/01/2024, 09:31 - Bob: fine\n"
    messages, export = read(write(tmp_path, content))
    assert [m.text for m in messages] == ["caf\ufffd \ufffd\ufffd", "fine"]
    assert export.notes.undecodable_lines == 1


def test_windows_line_endings_and_a_byte_order_mark(tmp_path):
    content = "\ufeff15/01/2024, 09:30 - Bob: one\r\ntwo\r\n15/01/2024, 09:31 - Ann: three\r\n"
    messages, _ = read(write(tmp_path, content))
    assert [(m.author, m.text) for m in messages] == [("Bob", "one\ntwo"), ("Ann", "three")]


def test_an_overlong_line_is_cut_and_counted(tmp_path):
    content = b"15/01/2024, 09:30 - Bob: " + b"x" * (MAX_LINE_BYTES * 2) + b"\nafter\n"
    content += b"15/01/2024, 09:31 - Ann: next\n"
    messages, export = read(write(tmp_path, content))
    assert len(messages) == 2
    assert len(messages[0].text) < MAX_LINE_BYTES
    assert messages[1].text == "next"
    assert export.notes.skipped_lines == 2  # the rest of the line, and what followed it


def test_a_message_grows_no_bigger_than_the_cap(tmp_path):
    line = "y" * 1000
    count = MAX_MESSAGE_CHARS // 1000 + 10
    content = "15/01/2024, 09:30 - Bob: start\n" + f"{line}\n" * count
    messages, export = read(write(tmp_path, content))
    assert len(messages[0].text) <= MAX_MESSAGE_CHARS
    assert export.notes.skipped_lines >= 10


def test_an_empty_file_has_no_messages(tmp_path):
    messages, export = read(write(tmp_path, b""))
    assert messages == []
    assert "unknown phone" in export.description


def test_whatsapp_text_is_recognised_by_its_headers_only():
    assert is_whatsapp_text(["some preamble", "15/01/2024, 09:30 - Bob: hi"])
    assert is_whatsapp_text(["[1/15/24, 9:30:12 AM] Bob: hi"])
    assert not is_whatsapp_text(["Dear all,", "the meeting on 15/01/2024 is at 09:30."])
    assert not is_whatsapp_text(["31/02/2024, 09:30 - Bob: impossible date"])
