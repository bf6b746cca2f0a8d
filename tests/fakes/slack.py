"""A fake of the parts of Slack the bot talks to: the Web API (`auth.test`, `users.info`,
`usergroups.users.list`, `conversations.open`, `chat.postMessage`, `chat.update`, the external file
upload of `files_upload_v2`) and the `response_url` receiver, as a real aiohttp server on 127.0.0.1.

slack-sdk's async client speaks aiohttp, which no httpx mock reaches, hence a real local server.
Tests wait for answers on events, never by sleeping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

BOT_TOKEN = "xoxb-fake-bot-token-0000"
_MESSAGING = frozenset(
    {
        "conversations.open",
        "chat.postMessage",
        "chat.update",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
)
APP_TOKEN = "xapp-1-fake-app-token-0000"


@dataclass
class FakeSlack:
    """`await fake.start()`; read `calls` and `responses`; `await fake.stop()`."""

    token: str = BOT_TOKEN
    user_zones: dict[str, str] = field(default_factory=dict)
    # users.info gives a user's `locale` only when asked with include_locale=true, as Slack does.
    user_locales: dict[str, str] = field(default_factory=dict)
    users_info_fails: bool = False
    users_info_delay_s: float = 0.0
    # Statuses the response_url answers with, in order; then 200.
    response_statuses: list[int] = field(default_factory=list)
    response_delay_s: float = 0.0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    base: str = ""
    app_token: str = APP_TOKEN
    # What auth.test says of the bot's organisation (an Enterprise Grid id when set).
    team_id: str = "T0FAKE"
    enterprise_id: str | None = None
    # usergroups.users.list: members of each user group; `usergroups_fail` answers an error.
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    usergroups_fail: bool = False
    # Direct messages: conversations.open answers with this error instead when set.
    dm_error: str | None = None
    # chat.postMessage / chat.update: (channel, ts, message) in arrival order.
    posted: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    update_times: list[float] = field(default_factory=list)  # time.monotonic() of each update
    # Uploads: file id -> the bytes sent to its upload URL; completed: completeUploadExternal calls.
    uploaded: dict[str, bytes] = field(default_factory=dict)
    completed: list[dict[str, Any]] = field(default_factory=list)
    # The upload URL answers this status (200: the file is kept).
    upload_status: int = 200
    # chat.postMessage: what was posted, by channel; and channels that refuse posts, with the
    # error Slack gives (`not_in_channel`, `is_archived`, `channel_not_found`, `ratelimited`…).
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    channel_errors: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        # Socket Mode: envelopes to push to the connected app, and what it sent back.
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._socket_open = asyncio.Event()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base}/response/{key}"

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.text()
            if request.content_type == "application/json":
                params.update(json.loads(raw or "{}"))
            else:
                params.update({k: v[0] for k, v in parse_qs(raw).items()})
        self.calls.append((method, params))
        if method == "apps.connections.open":
            if request.headers.get("Authorization") != f"Bearer {self.app_token}":
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response(
                {"ok": True, "url": self.base.replace("http", "ws") + "/socket"}
            )
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            identity = {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake",
                "user": "recordings",
                "team_id": self.team_id,
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
            if self.enterprise_id is not None:
                identity["enterprise_id"] = self.enterprise_id
                identity["is_enterprise_install"] = not self.team_id
            return web.json_response(identity)
        if method == "usergroups.users.list":
            if self.usergroups_fail:
                return web.json_response({"ok": False, "error": "missing_scope"})
            group = params.get("usergroup", "")
            if group not in self.usergroups:
                return web.json_response({"ok": False, "error": "no_such_subteam"})
            return web.json_response({"ok": True, "users": self.usergroups[group]})
        if method == "users.info":
            if self.users_info_delay_s:
                await asyncio.sleep(self.users_info_delay_s)
            if self.users_info_fails:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429)
            user = params.get("user", "")
            if user not in self.user_zones:
                return web.json_response({"ok": False, "error": "user_not_found"})
            found: dict[str, Any] = {"id": user, "tz": self.user_zones[user]}
            asked = str(params.get("include_locale", "")).lower() in ("true", "1")
            if asked and user in self.user_locales:
                found["locale"] = self.user_locales[user]
            return web.json_response({"ok": True, "user": found})
        if method in _MESSAGING:
            return await self._messaging(method, params)
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _messaging(self, method: str, params: dict[str, Any]) -> web.Response:
        """conversations.open, chat.*, files.* (external upload): recorded, then waiters woken."""
        error = self.channel_errors.get(str(params.get("channel", "")))
        if method == "chat.postMessage" and error == "ratelimited":
            headers = {"Retry-After": "1"}
            return web.json_response({"ok": False, "error": error}, status=429, headers=headers)
        if method == "chat.postMessage" and error:
            return web.json_response({"ok": False, "error": error})
        async with self._arrived:
            answer = self._messaging_answer(method, params)
            self._arrived.notify_all()
        return web.json_response(answer)

    def _messaging_answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            if self.dm_error:
                return {"ok": False, "error": self.dm_error}
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "")).lstrip("U")}}
        if method in ("chat.postMessage", "chat.update"):
            for key in ("blocks",):  # form-encoded calls send blocks as JSON text
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
            if method == "chat.postMessage":
                params["ts"] = f"{1_700_000_000 + len(self.posted)}.000100"
                self.posted.append(params)
                self.posts[str(params.get("channel", ""))].append(params)
            else:
                self.updates.append(params)
                self.update_times.append(time.monotonic())
            return {"ok": True, "channel": params.get("channel"), "ts": params["ts"]}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploaded) + len(self.completed) + 1:08d}"
            self.uploaded.setdefault(file_id, b"")
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        # files.completeUploadExternal
        files = params.get("files")
        params["files"] = json.loads(files) if isinstance(files, str) else files
        self.completed.append(params)
        return {
            "ok": True,
            "files": [{"id": f["id"], "title": f.get("title")} for f in params["files"]],
        }

    async def _upload(self, request: web.Request) -> web.Response:
        # Read in chunks: a recording may be larger than the app's client_max_size.
        body = b"".join([chunk async for chunk in request.content.iter_chunked(64 * 1024)])
        if self.upload_status != 200:
            return web.Response(status=self.upload_status, text="upload failed")
        async with self._arrived:
            self.uploaded[request.match_info["file_id"]] = body
            self._arrived.notify_all()
        return web.Response(text="OK - " + str(len(body)))

    async def wait_until(self, condition: Any, timeout: float = 30.0) -> None:
        """Until `condition()` holds (checked whenever the bot calls the fake)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(condition)

    async def _response(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        self.attempts[key] += 1
        if self.response_delay_s:
            await asyncio.sleep(self.response_delay_s)
        status = self.response_statuses.pop(0) if self.response_statuses else 200
        if status == 200:
            body = await request.json()
            async with self._arrived:
                self.responses[key].append(body)
                self._arrived.notify_all()
            return web.Response(text="ok")
        return web.Response(status=status, text="fail")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._socket_open.set()
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                await self.socket_replies.put(json.loads(message.data))
        return socket

    async def socket_connected(self, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            await self._socket_open.wait()

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send an envelope to the app over its Socket Mode connection."""
        await self.sockets[-1].send_json(envelope)

    async def socket_reply(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The app's acknowledgement of `envelope_id`."""
        async with asyncio.timeout(timeout):
            while True:
                reply = await self.socket_replies.get()
                if reply.get("envelope_id") == envelope_id:
                    return reply

    async def wait_for_upload(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The completed external uploads, once there are `count` of them."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.completed) >= count)
        return self.completed

    def bodies(self) -> list[str]:
        """Everything the bot sent to Slack (API calls and response_url posts), as text."""
        sent = [json.dumps(params) for _, params in self.calls]
        sent += [json.dumps(m) for ms in self.responses.values() for m in ms]
        return sent

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for_posts(
        self, channel: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The messages posted with chat.postMessage in `channel`, once there are `count`."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.posts[channel]) >= count)
        return self.posts[channel]

    async def wait_for(
        self, key: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The messages posted to `response_url(key)`, once there are `count` of them."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.responses[key]) >= count)
        return self.responses[key]
