"""The state a Bot API test server holds: people, chats, messages and the bot's inbox.

Tests and the demo act on the world directly (a member posts, an admin presses a
button); the bot sees it only through the Bot API over HTTP, as with Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field, replace
from typing import Any

MESSAGE_DELETE_WINDOW = 48 * 3600  # Telegram refuses to delete older messages in groups


class BotApiError(Exception):
    """An error the Bot API answers with (`ok: false`)."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class PostRefused(Exception):  # noqa: N818 (named for what the person sees)
    """Telegram's app would not let this person send to the chat (restricted or banned)."""


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    started_bot: bool = False  # has opened a private chat with the bot

    def as_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_restrict_members",
    "can_invite_users",
    "can_pin_messages",
    "can_change_info",
    "can_promote_members",
    "can_manage_video_chats",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "is_anonymous",
)


@dataclass
class Membership:
    status: str  # creator | administrator | member | restricted | left | kicked
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0
    can_send_messages: bool = True

    def may_post(self, now: float) -> bool:
        """Whether the member can send messages now (a restriction ends at `until_date`)."""
        if self.status == "kicked":
            return False
        if self.status != "restricted" or self.can_send_messages:
            return True
        return 0 < self.until_date <= now


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    members: dict[int, Membership] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    join_requests: set[int] = field(default_factory=set)  # people waiting to be let in
    next_message_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def as_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        return data

    def visible_messages(self) -> list[dict[str, Any]]:
        return [msg for mid, msg in self.messages.items() if mid not in self.deleted]


@dataclass(frozen=True, slots=True)
class Call:
    """A Bot API call the bot made, and when (monotonic clock) it arrived."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Fault:
    """A failure the next matching calls answer with (flood control, outage...)."""

    method: str | None  # None: every method
    error: BotApiError
    remaining: int


class World:
    """Everything the test server knows, and the update queue the bot polls."""

    def __init__(
        self, bot_id: int = 7_000_000_001, bot_username: str = "staffguard_test_bot"
    ) -> None:
        self.bot = User(bot_id, "StaffGuard", username=bot_username, is_bot=True)
        self.users: dict[int, User] = {bot_id: self.bot}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, bytes] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self.last_update_id = 0
        self._new_update = asyncio.Event()
        self._closing = False
        self._callback_ids = itertools.count(1)
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, str] | None = None  # set by setWebhook

    # --- people and chats -------------------------------------------------

    def add_user(
        self, user_id: int, first_name: str, username: str | None = None, started_bot: bool = False
    ) -> User:
        user = User(user_id, first_name, username=username, started_bot=started_bot)
        self.users[user_id] = user
        if started_bot:
            self.private_chat(user_id)
        return user

    def add_group(
        self, chat_id: int, title: str, bot_rights: dict[str, bool] | None = None
    ) -> Chat:
        chat = Chat(chat_id, "supergroup", title=title)
        self.chats[chat_id] = chat
        rights = {
            "can_delete_messages": True,
            "can_restrict_members": True,
            "can_invite_users": True,
        }
        if bot_rights is not None:
            rights = bot_rights
        chat.members[self.bot.id] = Membership("administrator", rights=rights)
        return chat

    def join(self, chat_id: int, user_id: int, status: str = "member") -> None:
        rights = {right: True for right in ADMIN_RIGHTS if right != "is_anonymous"}
        membership = Membership(
            status, rights=rights if status in ("administrator", "creator") else {}
        )
        self.chats[chat_id].members[user_id] = membership

    def private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = self.users[user_id]
            chat = Chat(user_id, "private")
            chat.members[user_id] = Membership("member")
            self.chats[user_id] = chat
            user.started_bot = True
        return chat

    def membership(self, chat_id: int, user_id: int) -> Membership:
        chat = self.chat(chat_id)
        return chat.members.get(user_id, Membership("left"))

    def snapshot(self, chat_id: int, user_id: int) -> Membership:
        """A copy of the membership as it is now (to compare with after a change)."""
        return replace(self.membership(chat_id, user_id))

    def chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise BotApiError(400, "Bad Request: chat not found")
        return chat

    # --- what people do ---------------------------------------------------

    def post(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        caption: str | None = None,
        photo: bytes | None = None,
        document: tuple[str, bytes] | None = None,
        forward_from: int | None = None,
        reply_to: int | None = None,
        date: int | None = None,
    ) -> dict[str, Any]:
        """A person sends a message to a chat; the bot receives it as an update.

        Raises `PostRefused` when the person may not send there (restricted or banned),
        as Telegram's app would not let them.
        """
        chat = self.chat(chat_id)
        if chat.type != "private" and not self.membership(chat_id, user_id).may_post(time.time()):
            raise PostRefused(f"user {user_id} may not send messages to chat {chat_id}")
        message = self._message(chat, self.users[user_id], date=date)
        if text is not None:
            message["text"] = text
            command = _command_entity(text)
            if command:
                message["entities"] = [command]
        if reply_to is not None:
            message["reply_to_message"] = chat.messages[reply_to]
        if caption is not None:
            message["caption"] = caption
        if photo is not None:
            file_id = self._store_file(photo)
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}
            ]
        if document is not None:
            name, content = document
            file_id = self._store_file(content)
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": name,
                "file_size": len(content),
            }
        if forward_from is not None:
            message["forward_origin"] = {
                "type": "user",
                "date": message["date"],
                "sender_user": self.users[forward_from].as_api(),
            }
        chat.messages[message["message_id"]] = message
        self._push({"message": message})
        return message

    def edit(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        chat = self.chat(chat_id)
        message = dict(chat.messages[message_id])
        message["text"] = text
        message["edit_date"] = int(time.time())
        chat.messages[message_id] = message
        self._push({"edited_message": message})
        return message

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A person presses an inline button; returns the callback query id."""
        message = self.chat(chat_id).messages[message_id]
        query_id = str(next(self._callback_ids))
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id].as_api(),
                    "chat_instance": str(chat_id),
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    def add_member_update(
        self,
        chat_id: int,
        user_id: int,
        old: str,
        new: str,
        by: int | None = None,
        rights: dict[str, bool] | None = None,
    ) -> None:
        """Someone joins, leaves or changes status; the bot sees `chat_member`.

        An administrator gets every right unless `rights` says which.
        """
        chat = self.chat(chat_id)
        before = chat.members.get(user_id)
        was = before if before is not None and before.status == old else Membership(old)
        self.join(chat_id, user_id, new)
        if rights is not None:
            chat.members[user_id].rights = dict(rights)
        self._push_member_change(chat, user_id, was, by or user_id)

    def user_joins(self, chat_id: int, user_id: int) -> None:
        """A person joins the group themselves (an invite link, say)."""
        self.add_member_update(chat_id, user_id, old="left", new="member")

    def user_leaves(self, chat_id: int, user_id: int) -> None:
        self.add_member_update(
            chat_id, user_id, old=self.membership(chat_id, user_id).status, new="left"
        )

    def user_added(self, chat_id: int, user_id: int, by: int) -> None:
        """A member adds another person to the group (sharing their contact details)."""
        self.add_member_update(chat_id, user_id, old="left", new="member", by=by)

    def request_join(self, chat_id: int, user_id: int) -> None:
        """A person asks to join through an invite link that needs an admin's approval."""
        chat = self.chat(chat_id)
        chat.join_requests.add(user_id)
        self._push(
            {
                "chat_join_request": {
                    "chat": chat.as_api(),
                    "from": self.users[user_id].as_api(),
                    "user_chat_id": user_id,
                    "date": int(time.time()),
                }
            }
        )

    def decide_join_request(self, chat_id: int, user_id: int, *, approve: bool) -> None:
        """The bot approves or declines a join request (an approval makes them a member)."""
        self.require_admin_right(chat_id, "can_invite_users")
        chat = self.chat(chat_id)
        if user_id not in chat.join_requests:
            raise BotApiError(400, "Bad Request: HIDE_REQUESTER_MISSING")
        chat.join_requests.discard(user_id)
        if approve:
            was = self.snapshot(chat_id, user_id)
            self.join(chat_id, user_id)
            self._push_member_change(chat, user_id, was, self.bot.id, via_join_request=True)

    def bot_changed_member(self, chat_id: int, user_id: int, before: Membership) -> None:
        """The bot restricted, banned or unbanned someone: Telegram tells it, as for anyone."""
        chat = self.chat(chat_id)
        if chat.members.get(user_id) != before:
            self._push_member_change(chat, user_id, before, self.bot.id)

    # --- what the bot does (called by the Bot API handlers) ---------------

    def send(self, chat_id: int, text: str, extra: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(chat_id)
        if user is not None and not user.started_bot:
            if not self._asked_to_join(chat_id):
                raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
            self.private_chat(chat_id)  # Telegram lets the bot write to someone asking to join
        chat = self.chat(chat_id)
        bot_status = self.membership(chat_id, self.bot.id).status
        if chat.type != "private" and bot_status in ("left", "kicked"):
            raise BotApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        message = self._message(chat, self.bot)
        message["text"] = text
        message.update(extra)
        chat.messages[message["message_id"]] = message
        return message

    def delete(self, chat_id: int, message_id: int) -> None:
        chat = self.chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise BotApiError(400, "Bad Request: message to delete not found")
        from_bot = message["from"]["id"] == self.bot.id
        if chat.type != "private" and not from_bot:
            bot = self.membership(chat_id, self.bot.id)
            if bot.status != "administrator" or not bot.rights.get("can_delete_messages"):
                raise BotApiError(400, "Bad Request: message can't be deleted")
            if time.time() - message["date"] > MESSAGE_DELETE_WINDOW:
                raise BotApiError(400, "Bad Request: message can't be deleted")
        chat.deleted.add(message_id)

    def require_admin_right(self, chat_id: int, right: str) -> None:
        bot = self.membership(chat_id, self.bot.id)
        if bot.status != "administrator" or not bot.rights.get(right):
            raise BotApiError(
                400, "Bad Request: not enough rights to restrict/unrestrict chat member"
            )

    def admins(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chat(chat_id)
        return [
            self._member_api(chat, user_id)
            for user_id, membership in chat.members.items()
            if membership.status in ("creator", "administrator")
        ]

    def member_api(self, chat_id: int, user_id: int) -> dict[str, Any]:
        return self._member_api(self.chat(chat_id), user_id)

    def answer_callback(self, query_id: str, params: dict[str, Any]) -> None:
        self.answered_callbacks[query_id] = params

    # --- the bot's inbox ----------------------------------------------------

    async def updates(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        if not self._updates and timeout > 0 and not self._closing:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return []
        return self._updates[:limit]

    def drop_pending_updates(self) -> None:
        """Forget updates not yet fetched, as `deleteWebhook(drop_pending_updates)` does.

        Tests use it to stand for a bot that confirmed them before it stopped.
        """
        self._updates.clear()

    def close(self) -> None:
        """Answer any waiting long poll at once (the server is shutting down)."""
        self._closing = True
        self._new_update.set()

    def check_faults(self, method: str) -> None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.method in (None, method):
                fault.remaining -= 1
                raise fault.error
        self.faults = [fault for fault in self.faults if fault.remaining > 0]

    def fail(self, method: str | None, error: BotApiError, times: int = 1) -> None:
        """The next `times` calls of `method` (every method when None) fail with `error`."""
        self.faults.append(Fault(method, error, times))

    # --- reading what people see ---------------------------------------------

    def visible(self, chat_id: int) -> list[dict[str, Any]]:
        return self.chat(chat_id).visible_messages()

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        return message_id in self.chat(chat_id).deleted

    def inbox(self, user_id: int) -> list[str]:
        """The texts the bot sent to this person privately."""
        chat = self.chats.get(user_id)
        if chat is None:
            return []
        return [msg.get("text", "") for msg in chat.visible_messages() if msg["from"]["is_bot"]]

    def confirmed(self, update_id: int) -> bool:
        """Whether the bot has confirmed the update (asked for the ones after it)."""
        return any(int(call.get("offset", 0)) > update_id for call in self.calls_to("getUpdates"))

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def record_call(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(method, params, time.monotonic()))

    # --- internals ------------------------------------------------------------

    def _message(self, chat: Chat, sender: User, date: int | None = None) -> dict[str, Any]:
        return {
            "message_id": next(chat.next_message_id),
            "date": int(time.time()) if date is None else date,
            "chat": chat.as_api(),
            "from": sender.as_api(),
        }

    def _member_api(self, chat: Chat, user_id: int) -> dict[str, Any]:
        return self._membership_api(user_id, chat.members.get(user_id, Membership("left")))

    def _membership_api(self, user_id: int, membership: Membership) -> dict[str, Any]:
        data: dict[str, Any] = {"status": membership.status, "user": self.users[user_id].as_api()}
        if membership.status == "administrator":
            data.update({right: membership.rights.get(right, False) for right in ADMIN_RIGHTS})
            data["can_be_edited"] = False
        elif membership.status == "creator":
            data["is_anonymous"] = False
        elif membership.status == "restricted":
            data.update(
                is_member=True,
                can_send_messages=membership.can_send_messages,
                until_date=membership.until_date,
            )
            for right in (
                "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
                "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
                "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag",
                "can_react_to_messages",
            ):  # fmt: skip
                data[right] = membership.can_send_messages
        elif membership.status == "kicked":
            data["until_date"] = membership.until_date
        return data

    def _push_member_change(
        self, chat: Chat, user_id: int, was: Membership, by: int, via_join_request: bool = False
    ) -> None:
        key = "my_chat_member" if user_id == self.bot.id else "chat_member"
        change = {
            "chat": chat.as_api(),
            "from": self.users[by].as_api(),
            "date": int(time.time()),
            "old_chat_member": self._membership_api(user_id, was),
            "new_chat_member": self._member_api(chat, user_id),
        }
        if via_join_request:
            change["via_join_request"] = True
        self._push({key: change})

    def _asked_to_join(self, user_id: int) -> bool:
        return any(user_id in chat.join_requests for chat in self.chats.values())

    def _store_file(self, content: bytes) -> str:
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = content
        return file_id

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._update_ids)
        self.last_update_id = update["update_id"]
        self._updates.append(update)
        self._new_update.set()


def _command_entity(text: str) -> dict[str, Any] | None:
    """A leading /command, marked as Telegram clients mark it (so bots see a command)."""
    if not text.startswith("/"):
        return None
    length = len(text.split(maxsplit=1)[0])
    return {"type": "bot_command", "offset": 0, "length": length} if length > 1 else None
