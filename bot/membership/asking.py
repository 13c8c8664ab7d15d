"""Putting the question to a member: privately with the full rules, or in the group.

Privately (they have started the bot) they get the rules in full with the
buttons; otherwise a short message in the group carries the buttons and a
link that opens the rules privately. Only the sending is here: what is
recorded, and when, is the gatekeeper's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.codeofconduct.texts import Texts
from bot.enforcement.gateway import Attempt, TelegramGateway
from bot.membership.buttons import group_prompt, private_prompt
from bot.storage.models import AskedBecause

TELEGRAM_TEXT_LIMIT = 4096


class Where(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    NOWHERE = ""


@dataclass(frozen=True, slots=True)
class Question:
    """What to ask one member, and how to word it."""

    chat_id: int
    group_title: str
    member_id: int
    member_name: str
    because: AskedBecause
    version: str
    adder_name: str = ""
    time_left: str = ""

    @property
    def consent(self) -> bool:
        return self.because is AskedBecause.ADDED

    def values(self) -> dict[str, object]:
        return {
            "group_title": self.group_title,
            "member_name": self.member_name,
            "adder_name": self.adder_name,
            "time_left": self.time_left,
        }


@dataclass(frozen=True, slots=True)
class Asked:
    where: Where
    group_message_id: int | None = None
    problem: str = ""  # why neither way worked


_PRIVATE_KEYS = {
    AskedBecause.JOINED: "membership.ask",
    AskedBecause.ADDED: "membership.consent",
    AskedBecause.CODE_CHANGED: "membership.ask_again",
}
_GROUP_KEYS = {
    AskedBecause.JOINED: "membership.ask_in_group",
    AskedBecause.ADDED: "membership.consent_in_group",
    AskedBecause.CODE_CHANGED: "membership.ask_again_in_group",
}


class Asker:
    def __init__(self, gateway: TelegramGateway, bot_username: str) -> None:
        self.gateway = gateway
        self.bot_username = bot_username

    async def ask(self, question: Question, texts: Texts, *, reminder: str = "") -> Asked:
        """Privately if they can be reached, else in the group; `reminder` goes first."""
        private = await self.ask_privately(question, texts, reminder=reminder)
        if private.ok:
            return Asked(Where.PRIVATE)
        intro = texts.render(_GROUP_KEYS[question.because], **question.values())
        text = f"{reminder}\n\n{intro}" if reminder else intro
        buttons = group_prompt(
            self.bot_username, question.chat_id, question.version, consent=question.consent
        )
        in_group = await self.gateway.send(question.chat_id, text, buttons=buttons)
        if in_group.ok:
            return Asked(Where.GROUP, in_group.message_id)
        return Asked(Where.NOWHERE, problem=f"{private.detail}; in the group: {in_group.detail}")

    async def ask_privately(
        self, question: Question, texts: Texts, *, reminder: str = ""
    ) -> Attempt:
        """The rules in full with the buttons, in a private chat (fails if never started)."""
        intro = texts.render(_PRIVATE_KEYS[question.because], **question.values())
        if reminder:
            intro = f"{reminder}\n\n{intro}"
        rules = texts.code_of_conduct(question.group_title)
        buttons = private_prompt(question.chat_id, question.version, consent=question.consent)
        whole = f"{intro}\n\n{rules}"
        if len(whole) <= TELEGRAM_TEXT_LIMIT:
            return await self.gateway.send(question.member_id, whole, buttons=buttons)
        first = await self.gateway.send(question.member_id, intro)
        if not first.ok:
            return first
        return await self.gateway.send(question.member_id, rules, buttons=buttons)
