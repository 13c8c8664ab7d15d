"""The "I agree" buttons, the data they carry, and the link that opens the rules privately."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

_PREFIX = "sgm"
CALLBACK_PATTERN = rf"^{_PREFIX}:"
CODE_LINK_PREFIX = "coc"  # /start coc-100123: the rules of group -100123, privately


class Choice(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"  # someone added by another member says no to being a member


@dataclass(frozen=True, slots=True)
class MemberPressed:
    choice: Choice
    chat_id: int
    version: str  # the version of the code the button was shown with


def callback_data(choice: Choice, chat_id: int, version: str) -> str:
    # Telegram allows 64 bytes: "sgm:decline:" + a chat id + a 29-character version fit.
    return f"{_PREFIX}:{choice.value}:{chat_id}:{version}"


def parse_member_button(data: str | None) -> MemberPressed | None:
    """The button pressed, or None for data that is not ours or is malformed."""
    parts = (data or "").split(":", 3)
    if len(parts) != 4 or parts[0] != _PREFIX:
        return None
    chat_id = parse_chat_id(parts[2])
    if chat_id is None:
        return None
    try:
        return MemberPressed(Choice(parts[1]), chat_id, parts[3])
    except ValueError:
        return None


def parse_chat_id(text: str) -> int | None:
    return int(text) if text.removeprefix("-").isdigit() and len(text) < 24 else None


def code_link_chat(payload: str) -> int | None:
    """The group whose rules a /start payload asks for, if it is such a payload."""
    if not payload.startswith(CODE_LINK_PREFIX):
        return None
    return parse_chat_id(payload.removeprefix(CODE_LINK_PREFIX))


def code_link(bot_username: str, chat_id: int) -> str:
    return f"https://t.me/{bot_username}?start={CODE_LINK_PREFIX}{chat_id}"


def _choices(chat_id: int, version: str, consent: bool) -> list[InlineKeyboardButton]:
    buttons = [
        InlineKeyboardButton("I agree", callback_data=callback_data(Choice.AGREE, chat_id, version))
    ]
    if consent:
        decline = callback_data(Choice.DECLINE, chat_id, version)
        buttons.append(InlineKeyboardButton("No, remove me", callback_data=decline))
    return buttons


def private_prompt(chat_id: int, version: str, *, consent: bool) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_choices(chat_id, version, consent)])


def group_prompt(
    bot_username: str, chat_id: int, version: str, *, consent: bool
) -> InlineKeyboardMarkup:
    read = InlineKeyboardButton("Read the rules", url=code_link(bot_username, chat_id))
    return InlineKeyboardMarkup([[read], _choices(chat_id, version, consent)])
