"""What reaches Gradio: a login that gives nothing away, and no file uploads.

An ASGI middleware in front of Gradio's routes, because Gradio itself (6.x) embeds the API
description (with every dropdown's choices: organisations, bodies, documents, kinds) in the
login page, checks passwords as fast as they come, and accepts uploads from anyone who can
reach the port even when the app has no upload field. Here:

- with a login, the API description is blanked on any page served before login;
- login attempts are limited per client: after `free` wrong passwords each further attempt
  must wait, 1×, 2×, 4× … `delay` seconds (at most MAX_DELAY); an attempt that comes too early
  is refused unchecked, so a right password does not help an attacker either;
- Gradio's upload routes answer 403, unless the admin page is on (`uploads=True`); then
  `/gradio_api/upload` takes files from a logged-in session only (with a login), and
  `process_recording` stays closed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

MAX_DELAY = 900.0  # seconds: the longest wait between two login attempts
MAX_CLIENTS = 10_000  # clients remembered by the throttle (least recent forgotten first)
_UPLOAD = "/gradio_api/upload"
_UPLOAD_ROUTES = (_UPLOAD, "/gradio_api/process_recording")
_API_INFO = re.compile(rb"(<script>window\.gradio_api_info = ).*?(;</script>)", re.DOTALL)
_EMPTY_API_INFO = rb'{"named_endpoints":{},"unnamed_endpoints":{}}'
_LOGIN_PAGE = re.compile(rb'window\.gradio_config = \{[^<]*"auth_required":true')

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class _Record:
    attempts: int = 0
    next_allowed: float = 0.0


class LoginThrottle:
    """Growing delays between login attempts, per client (its IP address)."""

    def __init__(self, free: int, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.free = free
        self.delay = delay
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, client: str) -> float:
        """0 when `client` may try now (the attempt is counted), else the seconds it must wait."""
        now = self.clock()
        with self._lock:
            record = self._records.pop(client, None) or _Record()
            self._records[client] = record
            while len(self._records) > MAX_CLIENTS:
                self._records.popitem(last=False)
            if now < record.next_allowed:
                return record.next_allowed - now
            record.attempts += 1  # counted as wrong until it proves right
            beyond = record.attempts - self.free
            if beyond >= 0:
                record.next_allowed = now + min(self.delay * 2**beyond, MAX_DELAY)
            return 0.0

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)


def _path_is(scope: Scope, *paths: str) -> bool:
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.rstrip("/") in paths


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    base = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": base + headers})
    await send({"type": "http.response.body", "body": payload})


def blank_api_info(page: bytes) -> bytes:
    """The login page without the API description (the rest of the page unchanged)."""
    if not _LOGIN_PAGE.search(page):
        return page
    return _API_INFO.sub(lambda m: m.group(1) + _EMPTY_API_INFO + m.group(2), page)


class Gate:
    """The middleware. `login` is None when the app has no login."""

    def __init__(
        self, app: Any, *, login: LoginThrottle | None, messages: dict[str, str], uploads: bool = False
    ) -> None:
        self.app = app
        self.login = login
        self.messages = messages
        self.uploads = uploads  # the admin page is on: its uploads pass, after login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        if method == "POST" and _path_is(scope, *_UPLOAD_ROUTES):
            if not (self.uploads and _path_is(scope, _UPLOAD)):
                await _send_json(send, 403, {"detail": self.messages["upload_closed"]}, [])
                return
            if self.login is not None and not logged_in(scope):
                await _send_json(send, 401, {"detail": self.messages["upload_login"]}, [])
                return
        if self.login is not None and method == "POST" and _path_is(scope, "/login"):
            await self._login(scope, receive, send)
            return
        if self.login is not None and method == "GET":
            await self.app(scope, receive, _PageFilter(send))
            return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.login is not None
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.login.admit(client)
        if wait > 0:
            seconds = max(1, round(wait))
            text = self.messages["login_wait"].format(seconds=seconds)
            await _send_json(send, 429, {"detail": text}, [(b"retry-after", str(seconds).encode())])
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                self.login.succeeded(client)  # type: ignore[union-attr]
            await send(message)

        await self.app(scope, receive, watch)


def logged_in(scope: Scope) -> bool:
    """The request carries the session cookie of a login Gradio knows (Gradio checks it again itself)."""
    tokens = getattr(scope.get("app"), "tokens", None) or {}
    header = b"; ".join(v for k, v in scope.get("headers") or [] if k.lower() == b"cookie").decode("latin-1")
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.startswith("access-token") and value in tokens:
            return True
    return False


class _PageFilter:
    """Passes a response on; an HTML page is held until complete and its API description blanked."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers") or [])
            if headers.get(b"content-type", b"").startswith(b"text/html"):
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = blank_api_info(b"".join(self.body))
            headers = [(k, v) for k, v in self.start.get("headers") or [] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(page)).encode()))
            await self.send({**self.start, "headers": headers})
            await self.send({"type": "http.response.body", "body": page})
            return
        await self.send(message)
