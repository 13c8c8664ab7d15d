"""Telegram messages become the platform-neutral posts the screener reads."""

from datetime import UTC, datetime

from telegram import Bot, Message

from bot.handlers.adapt import post_from_message

BOT = Bot("1:TEST")


def message(**fields) -> Message:
    data = {
        "message_id": 42,
        "date": int(datetime(2026, 11, 24, 9, 30, tzinfo=UTC).timestamp()),
        "chat": {"id": -100123, "type": "supergroup", "title": "DN East"},
        "from": {"id": 7, "is_bot": False, "first_name": "Amira", "last_name": "Khan"},
    } | fields
    return Message.de_json(data, BOT)


def test_text_message() -> None:
    post = post_from_message(message(text="Rota is up"))
    assert post.text == "Rota is up"
    assert (post.chat_id, post.message_id, post.author_id) == (-100123, 42, 7)
    assert post.author_name == "Amira Khan"
    assert post.sent_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert not post.edited
    assert not post.forwarded


def test_caption_is_screened_as_the_text_and_the_photo_is_kept() -> None:
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": "large", "file_unique_id": "l", "width": 900, "height": 600},
    ]
    post = post_from_message(message(caption="handover sheet", photo=photo))
    assert post.text == "handover sheet"
    assert [(a.kind, a.file_id) for a in post.attachments] == [("photo", "large")]


def test_document_attachment() -> None:
    document = {"file_id": "d1", "file_unique_id": "d", "file_name": "list.xlsx", "file_size": 10}
    post = post_from_message(message(document=document))
    assert post.text == "[file: list.xlsx]"  # a file's name is screened with the text
    assert post.attachments[0].file_name == "list.xlsx"
    captioned = post_from_message(message(document=document, caption="caseload"))
    assert captioned.text == "caseload\n[file: list.xlsx]"


def test_edited_and_forwarded_messages_are_marked() -> None:
    origin = {"type": "hidden_user", "date": 1, "sender_user_name": "Someone"}
    post = post_from_message(message(text="x", edit_date=2, forward_origin=origin))
    assert post.edited
    assert post.forwarded
