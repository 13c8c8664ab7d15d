"""Export files as Telegram Desktop and WhatsApp write them, for the tests to audit."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

LRM = "\u200e"
NARROW_NBSP = "\u202f"

# Patient data the engine removes, and every way it could leak into an output.
NHS_NUMBER_TEXT = "NHS no 943 476 5919"  # passes the NHS check digit
NINO_TEXT = "NI no JT 48 61 93 B"
PATIENT_DATA = ("943 476 5919", "9434765919", "JT 48 61 93 B", "JT486193B")


def assert_no_patient_data(*outputs: str) -> None:
    for output in outputs:
        for secret in PATIENT_DATA:
            assert secret not in output


def telegram_message(
    message_id: int, text: Any, *, author: str = "Jane Smith", date: str = "2024-01-15T09:30:00"
) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "date": date,
        "date_unixtime": "1705311000",
        "from": author,
        "from_id": "user1234",
        "text": text,
        "text_entities": [],
    }


def telegram_service(message_id: int, action: str = "invite_members") -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "service",
        "date": "2024-01-15T09:00:00",
        "actor": "Jane Smith",
        "actor_id": "user1234",
        "action": action,
        "members": ["Bob Jones"],
        "text": "",
    }


def telegram_chat(messages: Sequence[dict[str, Any]], name: str = "Ward 7 nurses") -> str:
    return json.dumps(
        {"name": name, "type": "private_supergroup", "id": 1001, "messages": list(messages)},
        ensure_ascii=False,
        indent=1,
    )


def telegram_account(chats: dict[str, Sequence[dict[str, Any]]], left: Any = None) -> str:
    def chat(name: str, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"name": name, "type": "private_group", "id": 7, "messages": list(messages)}

    document: dict[str, Any] = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Jane", "last_name": "Smith"},
        "contacts": {"about": "contacts", "list": []},
        "chats": {"about": "chats", "list": [chat(n, m) for n, m in chats.items()]},
    }
    if left:
        document["left_chats"] = {"list": [chat(n, m) for n, m in left.items()]}
    return json.dumps(document, ensure_ascii=False)


@dataclass(frozen=True)
class WhatsAppLocale:
    """How one phone writes a header for a date: the part before 'Name: text'."""

    name: str
    header: Callable[[datetime], str]
    platform: str
    day_first: bool = True


def _h12(date: datetime) -> int:
    return date.hour % 12 or 12


WHATSAPP_LOCALES = [
    WhatsAppLocale(
        "android-uk-24h", lambda d: f"{d:%d/%m/%Y, %H:%M} - ", "Android", day_first=True
    ),
    WhatsAppLocale(
        "android-us-12h",
        lambda d: f"{d.month}/{d.day}/{d:%y}, {_h12(d)}:{d:%M} {d:%p} - ",
        "Android",
        day_first=False,
    ),
    WhatsAppLocale(
        "android-uk-12h-narrow-nbsp",
        lambda d: f"{d:%d/%m/%Y}, {_h12(d)}:{d:%M}{NARROW_NBSP}{d:%p}".lower() + " - ",
        "Android",
    ),
    WhatsAppLocale("android-de", lambda d: f"{d:%d.%m.%y, %H:%M} - ", "Android"),
    WhatsAppLocale("android-iso", lambda d: f"{d:%Y-%m-%d, %H:%M} - ", "Android"),
    WhatsAppLocale("ios-uk", lambda d: f"{LRM}[{d:%d/%m/%Y, %H:%M:%S}] ", "iOS"),
    WhatsAppLocale(
        "ios-us-12h",
        lambda d: f"[{d.month}/{d.day}/{d:%y}, {_h12(d)}:{d:%M:%S}{NARROW_NBSP}{d:%p}] ",
        "iOS",
        day_first=False,
    ),
    WhatsAppLocale(
        "ios-uk-2-digit-year-am-pm",
        lambda d: f"[{d:%d/%m/%y}, {_h12(d)}:{d:%M:%S} {d:%p}] ",
        "iOS",
    ),
]


def whatsapp_text(locale: WhatsAppLocale, lines: Iterable[tuple[datetime, str]]) -> str:
    """`lines` are (date, 'Name: text' or a system line); text may hold line breaks."""
    return "".join(f"{locale.header(date)}{rest}\n" for date, rest in lines)


def write_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path
