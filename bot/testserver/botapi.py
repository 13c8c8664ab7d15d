"""The Bot API methods the test server answers, in Telegram's shapes and errors."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.testserver.world import BotApiError, Membership, World


class Params:
    """Bot API parameters as clients send them: form fields, non-strings JSON-encoded."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def text(self, name: str, default: str | None = None) -> str:
        value = self._raw.get(name, default)
        if value is None:
            raise BotApiError(400, f"Bad Request: parameter {name} is required")
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int:
        value = self._raw.get(name)
        if value is None:
            if default is None:
                raise BotApiError(400, f"Bad Request: parameter {name} is required")
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise BotApiError(400, f"Bad Request: {name} must be an integer") from None

    def structured(self, name: str) -> Any:
        value = self._raw.get(name)
        if value is None or not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise BotApiError(400, f"Bad Request: can't parse {name} JSON object") from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._raw)


Handler = Callable[[World, Params], Awaitable[Any]]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = handler
        return handler

    return register


@method("getMe")
async def get_me(world: World, params: Params) -> Any:
    return world.bot.as_api() | {
        "can_join_groups": True,
        "can_read_all_group_messages": True,
        "supports_inline_queries": False,
    }


@method("getUpdates")
async def get_updates(world: World, params: Params) -> Any:
    timeout = min(params.integer("timeout", 0), 50)
    return await world.updates(params.integer("offset", 0), params.integer("limit", 100), timeout)


@method("deleteWebhook")
async def delete_webhook(world: World, params: Params) -> Any:
    return True


@method("setWebhook")
async def set_webhook(world: World, params: Params) -> Any:
    world.webhook = {"url": params.text("url"), "secret_token": params.text("secret_token", "")}
    return True


@method("setMyCommands")
async def set_my_commands(world: World, params: Params) -> Any:
    return True


@method("sendMessage")
async def send_message(world: World, params: Params) -> Any:
    text = params.text("text")
    if not text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if len(text) > 4096:
        raise BotApiError(400, "Bad Request: message is too long")
    extra: dict[str, Any] = {}
    markup = params.structured("reply_markup")
    if markup:
        extra["reply_markup"] = markup
    reply = params.structured("reply_parameters")
    if reply:
        extra["reply_to_message_id"] = reply.get("message_id")
    return world.send(params.integer("chat_id"), text, extra)


@method("editMessageText")
async def edit_message_text(world: World, params: Params) -> Any:
    chat = world.chat(params.integer("chat_id"))
    message_id = params.integer("message_id")
    message = chat.messages.get(message_id)
    if message is None or message_id in chat.deleted:
        raise BotApiError(400, "Bad Request: message to edit not found")
    message["text"] = params.text("text")
    markup = params.structured("reply_markup")
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    message["edit_date"] = int(time.time())
    return message


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, params: Params) -> Any:
    chat = world.chat(params.integer("chat_id"))
    message = chat.messages.get(params.integer("message_id"))
    if message is None:
        raise BotApiError(400, "Bad Request: message to edit not found")
    markup = params.structured("reply_markup")
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)
    return message


@method("deleteMessage")
async def delete_message(world: World, params: Params) -> Any:
    world.delete(params.integer("chat_id"), params.integer("message_id"))
    return True


@method("getChat")
async def get_chat(world: World, params: Params) -> Any:
    chat = world.chat(params.integer("chat_id"))
    return chat.as_api() | {"accent_color_id": 0, "max_reaction_count": 11}


@method("getChatAdministrators")
async def get_chat_administrators(world: World, params: Params) -> Any:
    return world.admins(params.integer("chat_id"))


@method("getChatMember")
async def get_chat_member(world: World, params: Params) -> Any:
    return world.member_api(params.integer("chat_id"), params.integer("user_id"))


@method("getChatMemberCount")
async def get_chat_member_count(world: World, params: Params) -> Any:
    chat = world.chat(params.integer("chat_id"))
    return sum(1 for m in chat.members.values() if m.status not in ("left", "kicked"))


@method("restrictChatMember")
async def restrict_chat_member(world: World, params: Params) -> Any:
    chat_id, user_id = params.integer("chat_id"), params.integer("user_id")
    world.require_admin_right(chat_id, "can_restrict_members")
    membership = world.membership(chat_id, user_id)
    before = world.snapshot(chat_id, user_id)
    if membership.status in ("creator", "administrator"):
        raise BotApiError(400, "Bad Request: can't restrict self or an administrator")
    permissions = params.structured("permissions") or {}
    can_send = bool(permissions.get("can_send_messages", False))
    membership.status = "member" if can_send else "restricted"
    membership.can_send_messages = can_send
    membership.until_date = params.integer("until_date", 0)
    world.chat(chat_id).members[user_id] = membership
    world.bot_changed_member(chat_id, user_id, before)
    return True


@method("banChatMember")
async def ban_chat_member(world: World, params: Params) -> Any:
    chat_id, user_id = params.integer("chat_id"), params.integer("user_id")
    world.require_admin_right(chat_id, "can_restrict_members")
    membership = world.membership(chat_id, user_id)
    before = world.snapshot(chat_id, user_id)
    if membership.status in ("creator", "administrator"):
        raise BotApiError(400, "Bad Request: can't remove chat owner or an administrator")
    membership.status = "kicked"
    membership.until_date = params.integer("until_date", 0)
    world.chat(chat_id).members[user_id] = membership
    world.bot_changed_member(chat_id, user_id, before)
    return True


@method("unbanChatMember")
async def unban_chat_member(world: World, params: Params) -> Any:
    chat_id, user_id = params.integer("chat_id"), params.integer("user_id")
    world.require_admin_right(chat_id, "can_restrict_members")
    membership = world.membership(chat_id, user_id)
    before = world.snapshot(chat_id, user_id)
    only_if_banned = params.text("only_if_banned", "false").lower() == "true"
    if membership.status in ("creator", "administrator"):
        raise BotApiError(400, "Bad Request: can't remove chat owner or an administrator")
    # Without only_if_banned, Telegram also removes a current member (who may join again).
    if membership.status == "kicked" or (not only_if_banned and membership.status != "left"):
        world.chat(chat_id).members[user_id] = Membership("left")
        world.bot_changed_member(chat_id, user_id, before)
    return True


@method("approveChatJoinRequest")
async def approve_chat_join_request(world: World, params: Params) -> Any:
    world.decide_join_request(params.integer("chat_id"), params.integer("user_id"), approve=True)
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(world: World, params: Params) -> Any:
    world.decide_join_request(params.integer("chat_id"), params.integer("user_id"), approve=False)
    return True


@method("answerCallbackQuery")
async def answer_callback_query(world: World, params: Params) -> Any:
    world.answer_callback(params.text("callback_query_id"), params.as_dict())
    return True


@method("getFile")
async def get_file(world: World, params: Params) -> Any:
    file_id = params.text("file_id")
    content = world.files.get(file_id)
    if content is None:
        raise BotApiError(400, "Bad Request: invalid file_id")
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_size": len(content),
        "file_path": f"files/{file_id}",
    }
