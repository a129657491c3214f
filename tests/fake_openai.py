"""A tiny scripted OpenAI-compatible chat server for tests (no network beyond 127.0.0.1).

    with FakeOpenAI() as server:
        server.script(Reply("Malmö välkomnar ... [1]"), Status(500), Delay(5.0))
        settings = settings.model_copy(update={"llm_base_url": server.base_url, ...})
        ...
        server.requests[0].messages   # what the client sent

Behaviours: `Reply` (streamed in pieces, optionally slowly or ending at the token cap),
`Status` (an HTTP error), `Delay` (answer late), `Endless` (a stream that never ends; the
test bounds it, and `open_streams` shows when the client has hung up).

Each POST /v1/chat/completions takes the next behaviour from the queue; requests with
`"stream": true` get Server-Sent Events (`data: {...chat.completion.chunk...}` lines, then
`data: [DONE]`), others one `chat.completion` JSON object. An empty queue answers 500 so an
unexpected request shows up as a failure, and is counted in `unscripted`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ports import server_port, unused_port


@dataclass(frozen=True)
class Reply:
    """Answer with `text`; streamed in `pieces` roughly equal chunks."""

    text: str
    pieces: int = 4
    pause: float = 0.01  # seconds between streamed chunks
    finish: str = "stop"  # "length": the reply ended at the token cap


@dataclass(frozen=True)
class Status:
    """Answer with an HTTP error status and an OpenAI-style error body.

    With `echo_key`, the error message repeats the Authorization header it received, as a
    careless server might: the client must never show it to the user.
    """

    code: int
    message: str = "scripted failure"
    echo_key: bool = False


@dataclass(frozen=True)
class Delay:
    """Sleep before answering (longer than the client's timeout), then reply `text`."""

    seconds: float
    text: str = "för sent"


@dataclass(frozen=True)
class Endless:
    """Stream `piece` every `pause` seconds until the client hangs up (or the server stops)."""

    piece: str = "bla "
    pause: float = 0.02


Behaviour = Reply | Status | Delay | Endless


@dataclass
class Received:
    """One request the server got."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content(self, role: str) -> str:
        """All message contents of one role ("system", "user"), joined."""
        return "\n".join(_text(m.get("content")) for m in self.messages if m.get("role") == role)


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    """Answer a request with a JSON body (UTF-8, not ASCII-escaped) and its length."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def split_text(text: str, pieces: int) -> list[str]:
    """`text` in about `pieces` consecutive chunks (never empty ones)."""
    if not text:
        return []
    size = max(1, -(-len(text) // max(1, pieces)))
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class _State:
    queue: deque[Behaviour] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    unscripted: int = 0
    open_streams: int = 0  # streamed replies still being written
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        state = self.server.state
        with state.lock:
            state.requests.append(Received(self.path, body, {k.lower(): v for k, v in self.headers.items()}))
            behaviour = state.queue.popleft() if state.queue else None
            if behaviour is None:
                state.unscripted += 1
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._error(404, f"unknown path {self.path}")
            return
        try:
            if behaviour is None:
                self._error(500, "no scripted behaviour left")
            elif isinstance(behaviour, Status):
                message = behaviour.message
                if behaviour.echo_key:
                    message += f" (received {self.headers.get('Authorization', '')})"
                self._error(behaviour.code, message)
            elif isinstance(behaviour, Delay):
                if not state.stopping.wait(behaviour.seconds):
                    self._reply(body, Reply(behaviour.text))
            elif isinstance(behaviour, Endless):
                self._endless(body, behaviour)
            else:
                self._reply(body, behaviour)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to do

    def _error(self, code: int, message: str) -> None:
        send_json(self, code, {"error": {"message": message, "type": "scripted", "code": str(code)}})

    def _event(self, request: dict[str, Any], delta: dict[str, Any], finish: str | None) -> None:
        """One Server-Sent Event with a chat.completion.chunk."""
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": str(request.get("model", "test-model")),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes

    def _endless(self, request: dict[str, Any], endless: Endless) -> None:
        state = self.server.state
        with state.lock:
            state.open_streams += 1
        try:
            self._start_stream()
            self._event(request, {"role": "assistant", "content": ""}, None)
            while not state.stopping.wait(endless.pause):
                self._event(request, {"content": endless.piece}, None)
        finally:
            with state.lock:
                state.open_streams -= 1

    def _reply(self, request: dict[str, Any], reply: Reply) -> None:
        model = str(request.get("model", "test-model"))
        created = int(time.time())
        if request.get("stream"):
            state = self.server.state
            with state.lock:
                state.open_streams += 1
            try:
                self._start_stream()
                self._event(request, {"role": "assistant", "content": ""}, None)
                for piece in split_text(reply.text, reply.pieces):
                    self._event(request, {"content": piece}, None)
                    if reply.pause and state.stopping.wait(reply.pause):
                        return
                self._event(request, {}, reply.finish)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            finally:
                with state.lock:
                    state.open_streams -= 1
            return
        send_json(
            self,
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", server_port()), _Handler)
        self.state = state


class FakeOpenAI:
    """The scripted server, running in a background thread while in use."""

    def __init__(self) -> None:
        self._state = _State()
        self._server = _Server(self._state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *behaviours: Behaviour) -> None:
        with self._state.lock:
            self._state.queue.extend(behaviours)

    def reset(self) -> None:
        with self._state.lock:
            self._state.queue.clear()
            self._state.requests.clear()
            self._state.unscripted = 0

    @property
    def requests(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def pending(self) -> int:
        with self._state.lock:
            return len(self._state.queue)

    @property
    def open_streams(self) -> int:
        """Streamed replies the server is still writing (0 once every client hung up or was served)."""
        with self._state.lock:
            return self._state.open_streams

    @property
    def unscripted(self) -> int:
        with self._state.lock:
            return self._state.unscripted


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    return unused_port()
