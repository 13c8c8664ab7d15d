"""The Bot API test server: an aiohttp app serving a `World` on loopback.

Point the bot at it with `STAFFGUARD_TELEGRAM_API_BASE_URL=http://127.0.0.1:PORT/bot`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.testserver.botapi import METHODS, Params
from bot.testserver.world import BotApiError, World

WORLD_KEY = web.AppKey("world", World)
TOKEN_KEY = web.AppKey("token", str)


def build_app(world: World, token: str) -> web.Application:
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[WORLD_KEY] = world
    app[TOKEN_KEY] = token
    app.router.add_post("/bot{token}/{method}", _bot_api)
    app.router.add_get("/bot{token}/{method}", _bot_api)
    app.router.add_get("/file/bot{token}/files/{file_id}", _file)
    return app


async def _bot_api(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    if request.match_info["token"] != request.app[TOKEN_KEY]:
        return _error(BotApiError(401, "Unauthorized"))
    name = request.match_info["method"]
    handler = METHODS.get(name.lower())
    if handler is None:
        return _error(BotApiError(404, "Not Found"))
    params = await _read_params(request)
    world.record_call(name, params.as_dict())
    try:
        world.check_faults(name)
        result = await handler(world, params)
    except BotApiError as error:
        return _error(error)
    return web.json_response({"ok": True, "result": result})


async def _read_params(request: web.Request) -> Params:
    if request.content_type == "application/json":
        body = await request.json()
        return Params({key: _as_form_value(value) for key, value in body.items()})
    form = await request.post()
    values: dict[str, Any] = {}
    for key, value in form.items():
        values[key] = value if isinstance(value, str) else value.file.read()
    values.update(request.query)
    return Params(values)


def _as_form_value(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(value)


async def _file(request: web.Request) -> web.Response:
    if request.match_info["token"] != request.app[TOKEN_KEY]:
        return web.Response(status=401)
    content = request.app[WORLD_KEY].files.get(request.match_info["file_id"])
    if content is None:
        return web.Response(status=404)
    return web.Response(body=content)


def _error(error: BotApiError) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.code)


class TestServer:
    """Runs the app on 127.0.0.1 at a free port for the lifetime of an `async with`."""

    __test__ = False  # not a pytest test class

    def __init__(self, world: World, token: str, port: int = 0) -> None:
        self.world = world
        self.token = token
        self._port = port
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> TestServer:
        self._runner = web.AppRunner(build_app(self.world, self.token), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.world.close()
        if self._runner is not None:
            await self._runner.cleanup()
