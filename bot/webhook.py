"""Webhook mode: Telegram posts updates to us; each is answered only once handled.

Telegram sends the secret token set with `setWebhook` in the header
`X-Telegram-Bot-Api-Secret-Token`; a request without it is refused. An update
is answered 200 after it was handled, so one that fails is sent again by
Telegram, as with long polling nothing is lost.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Bot, Update

from bot.polling import ALLOWED_UPDATES

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"

UpdateHandler = Callable[[Update], Awaitable[None]]


def webhook_app(bot: Bot, handle: UpdateHandler, secret: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403, text="wrong or missing secret token")
        try:
            update = Update.de_json(json.loads(await request.read()), bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not a Telegram update")
        try:
            await handle(update)
        except Exception as error:  # Telegram will deliver it again
            log.error("update %s failed: %s", update.update_id, type(error).__name__)
            return web.Response(status=500)
        return web.Response(text="ok")

    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, receive)
    return app


async def serve_webhook(
    bot: Bot,
    handle: UpdateHandler,
    *,
    public_url: str,
    secret: str,
    listen: str,
    port: int,
    stop: asyncio.Event,
) -> None:
    """Register the webhook with Telegram and serve it until `stop` is set."""
    runner = web.AppRunner(webhook_app(bot, handle, secret), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, listen, port)
    await site.start()
    try:
        await bot.set_webhook(
            url=public_url.rstrip("/") + WEBHOOK_PATH,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        log.info("webhook mode: listening on %s:%d", listen, port)
        await stop.wait()
    finally:
        await runner.cleanup()
