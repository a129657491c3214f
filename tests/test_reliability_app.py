"""The app under a slow model, odd input and an attacker: slots, refusals, memory, disk, login, uploads.

Each case runs the real app on 127.0.0.1 (in-process, see app_server) and talks to it as a
browser or a script would: through gradio_client or plain HTTP. Waits are bounded loops; the
assertions count things (requests, answers, refusals, files, sessions), never time them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from app_server import RunningApp, running_app
from fake_openai import Endless, FakeOpenAI, Reply
from pydantic import SecretStr
from test_app_load import message_text, send_api_name

from assistant.prompts import message
from assistant.settings import Settings
from assistant.store import Store
from assistant.ui.gate import LoginThrottle
from assistant.ui.housekeeping import MAX_EXPORTS, prune_exports

gradio_client = pytest.importorskip("gradio_client")

pytestmark = pytest.mark.slow

MALMO_Q = "Vad tycker Malmö om riktade statsbidrag?"
USER, PASSWORD = "anna", "rätt-lösenord-1"
CALL_TIMEOUT = 90.0


def client(url: str, **kwargs: Any) -> Any:
    """A gradio_client session; its HTTP calls wait up to 60 s (the default 5 s fails on a busy machine)."""
    return gradio_client.Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 60.0}, **kwargs)


def api_name_of(probe: Any, elem_id: str) -> str:
    """The API name of the click handler of the button with `elem_id`."""
    config = probe.config
    ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id]
    names = [
        d["api_name"] for d in config["dependencies"] if any(list(t) == [ids[0], "click"] for t in d.get("targets", []))
    ]
    assert len(names) == 1, names
    return "/" + names[0].lstrip("/")


def wait_until(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def notice(settings: Settings, key: str, **values: object) -> str:
    return message(settings.prompts_dir, "sv", key, **values)


# -- a slow model holds every slot --------------------------------------------------------------


def test_slow_model_does_not_block_an_empty_question(corpus_settings: Settings) -> None:
    """Four endless model streams fill REMISS_CONCURRENCY=4; a fifth user's empty question is answered
    at once, a sixth user's real question waits and is answered when the budget frees a slot."""
    budget = 10.0
    with (
        FakeOpenAI() as llm,
        running_app(
            corpus_settings, llm_base_url=llm.base_url, llm_model="test-model", llm_timeout=budget, concurrency=4
        ) as app,
    ):
        # 20 pieces a second: the 10 s budget ends each stream long before its 800-token cap could
        # (at the default 50 a second an idle machine reached the cap first and the test lost its point).
        endless = (Endless(pause=0.05) for _ in range(4))
        llm.script(*endless, Reply("Malmö välkomnar generella statsbidrag [1].", pieces=3))
        probe = client(app.url)
        api = send_api_name(probe)
        probe.close()
        slow = [client(app.url) for _ in range(4)]
        jobs = [
            c.submit(f"{MALMO_Q} ({i})", [], "Alla", "Alla", "Alla", "Alla", api_name=api) for i, c in enumerate(slow)
        ]
        assert wait_until(lambda: llm.open_streams == 4), f"{llm.open_streams} model streams open, expected 4"

        fifth = client(app.url)
        chat, _, _ = fifth.submit("\u200b\u200b", [], "Alla", "Alla", "Alla", "Alla", api_name=api).result(
            timeout=CALL_TIMEOUT
        )
        assert message_text(chat[-1]).startswith("Frågan är tom")
        still_running = sum(not job.done() for job in jobs)
        assert still_running == 4, "the empty question was answered only after a model stream ended"

        sixth = client(app.url)
        waiting = sixth.submit(MALMO_Q, [], "Alla", "Alla", "Alla", "Alla", api_name=api)
        results = [job.result(timeout=budget + CALL_TIMEOUT) for job in jobs]
        expected = notice(corpus_settings, "llm_budget", seconds=f"{budget:g}")
        for chat, sources, _ in results:
            text = message_text(chat[-1])
            assert text.count(expected) == 1, text  # the notice, once
            assert "Sammanställning" in text and "source-card" in sources
        chat, _, _ = waiting.result(timeout=CALL_TIMEOUT)
        assert "Malmö välkomnar generella statsbidrag \\[1\\]" in message_text(chat[-1])  # Markdown-escaped
        assert len(llm.requests) == 5 and llm.pending == 0
        assert wait_until(lambda: llm.open_streams == 0, 10), "a cut stream was never closed"
        for c in [*slow, fifth, sixth]:
            c.close()


# -- the default app (no login): refusals, feedback, exports, sessions, uploads -------------------


@pytest.fixture(scope="module")
def app(corpus_settings: Settings) -> Iterator[RunningApp]:
    with running_app(corpus_settings, max_comment_chars=500, session_ttl=2.0) as running:
        yield running


def test_refused_long_question_is_not_echoed(app: RunningApp) -> None:
    probe = client(app.url)
    try:
        long_question = "Vad tycker Malmö " + "om riktade statsbidrag " * 2000
        result = probe.predict(long_question, [], "Alla", "Alla", "Alla", "Alla", api_name=send_api_name(probe))
        chat = result[0]
        assert "Frågan är för lång" in message_text(chat[-1])
        assert len(message_text(chat[0])) < 400  # the chat shows the start of the question only
        assert "om riktade statsbidrag " * 20 not in json.dumps(result, ensure_ascii=False)
    finally:
        probe.close()


def test_feedback_comment_is_capped(app: RunningApp) -> None:
    session = client(app.url)
    try:
        session.predict(
            "Vad är tillitsbaserad styrning?", [], "Alla", "Alla", "Alla", "Alla", api_name=send_api_name(session)
        )
        feedback_api = api_name_of(session, "send-feedback")
        path = app.settings.feedback_path
        before = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
        status, _ = session.predict("upp", "x" * 20_000, api_name=feedback_api)
        assert status.startswith("Kommentaren är för lång (20000 tecken; högst 500)")
        after = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
        assert after == before
        status, _ = session.predict("upp", "Bra svar.", api_name=feedback_api)
        assert status.startswith("Tack")
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == before + 1 and json.loads(lines[-1])["comment"] == "Bra svar."
    finally:
        session.close()


def test_old_exports_are_deleted(app: RunningApp, tmp_path: Path) -> None:
    folder = app.settings.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "samtal-20000101-000000-000000.md"
    old.write_text("gammal", encoding="utf-8")
    week_ago = time.time() - 7 * 86400
    os.utime(old, (week_ago, week_ago))
    session = client(app.url, download_files=str(tmp_path))
    try:
        session.predict(
            "Vad är tillitsbaserad styrning?", [], "Alla", "Alla", "Alla", "Alla", api_name=send_api_name(session)
        )
        exported = session.predict(api_name="/export")
        path = exported.get("value") if isinstance(exported, dict) else exported
        assert Path(path).read_text(encoding="utf-8").startswith("# Samtal med remiss")
    finally:
        session.close()
    assert not old.exists()
    assert list(folder.glob("samtal-*.md"))


def test_exports_are_capped_in_number(tmp_path: Path) -> None:
    for i in range(MAX_EXPORTS + 20):
        (tmp_path / f"samtal-{i:05d}.md").write_text("x", encoding="utf-8")
        os.utime(tmp_path / f"samtal-{i:05d}.md", (1_000_000 + i, time.time() - 60 + i * 0.01))
    assert prune_exports(tmp_path, max_age=3600) == 20
    left = sorted(p.name for p in tmp_path.glob("samtal-*.md"))
    assert len(left) == MAX_EXPORTS and left[0] == "samtal-00020.md"


def test_idle_sessions_are_released(app: RunningApp) -> None:
    holder = app.demo.state_holder
    clients = [client(app.url) for _ in range(4)]
    try:
        api = send_api_name(clients[0])
        for c in clients:
            c.predict(api_name="/clear")  # any event gives the session its state
        assert len(holder.session_data) >= 4
        time.sleep(app.settings.session_ttl + 0.5)  # let them go idle (the assertion counts sessions)
        late = client(app.url)
        late.predict("Vad är tillitsbaserad styrning?", [], "Alla", "Alla", "Alla", "Alla", api_name=api)
        late.close()
        assert len(holder.session_data) <= 2, len(holder.session_data)
    finally:
        for c in clients:
            c.close()


def test_sessions_in_memory_are_bounded(corpus_settings: Settings) -> None:
    with running_app(corpus_settings, max_sessions=2) as small:
        clients = [client(small.url) for _ in range(5)]
        try:
            for c in clients:
                c.predict(api_name="/clear")
            assert len(small.demo.state_holder.session_data) <= 2
        finally:
            for c in clients:
                c.close()


def upload(url: str, cookies: httpx.Cookies | None = None) -> httpx.Response:
    files = {"files": ("skadlig.html", b"<script>alert(1)</script>" * 1000, "text/html")}
    return httpx.post(f"{url}gradio_api/upload", files=files, cookies=cookies, timeout=30)


def test_upload_route_is_closed_without_the_admin_page(corpus_settings: Settings) -> None:
    with running_app(corpus_settings, admin="off") as app:
        response = upload(app.url)
        assert response.status_code == 403
        assert "Uppladdning av filer är avstängd" in response.json()["detail"]
        folder = Path(app.demo.server_app.uploaded_file_dir)
        assert not any(p.name == "skadlig.html" for p in folder.rglob("*")) if folder.exists() else True


# -- with a login -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def login_app(corpus_settings: Settings) -> Iterator[RunningApp]:
    with running_app(
        corpus_settings,
        auth_user=USER,
        auth_password=SecretStr(PASSWORD),
        login_free_attempts=3,
        login_delay=60.0,
    ) as running:
        yield running


def http_from(address: str) -> httpx.Client:
    """An HTTP client whose requests come from `address` (any 127.x.y.z is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30, follow_redirects=False)


APP_TITLE = "remiss – frågor om betänkanden och remissvar"  # public: the page's title


def corpus_names(settings: Settings) -> set[str]:
    """Organisations, bodies, document titles, ids and kinds (not the words of the app's public title)."""
    store = Store(settings)
    manifest = store.manifest(fresh=True)
    organisations, bodies = store.speaker_names()
    names = {*organisations, *bodies}
    for entry in manifest.values():
        names.update({entry.title, entry.doc_id, entry.kind})
    return {n for n in names if n and len(n) > 3 and n not in APP_TITLE}


PRE_LOGIN_ROUTES = [
    "",
    "?view=api",
    "?page=",
    "config",
    "config/",
    "gradio_api/info",
    "gradio_api/info?all_endpoints=true",
    "gradio_api/openapi.json",
    "gradio_api/runs",
    "gradio_api/startup-events",
    "gradio_api/app_id",
    "gradio_api/user",
    "gradio_api/token",
    "manifest.json",
    "robots.txt",
    "theme.css",
    "gradio_api/file=" + "x",
]


def test_login_page_gives_nothing_away(login_app: RunningApp) -> None:
    names = corpus_names(login_app.settings)
    assert {"Malmö stad", "tjänsteutlåtande", "sammanfattning"} <= names
    with http_from("127.0.0.2") as http:
        login_page = http.get(login_app.url).text
        assert '"auth_required":true' in login_page
        for route in PRE_LOGIN_ROUTES:
            response = http.get(login_app.url + route)
            body = response.text
            leaked = sorted(n for n in names if n in body)
            assert not leaked, f"{route!r} shows {leaked} before login"
            assert "respond" not in body and 'named_endpoints":{"' not in body, f"{route!r} describes the API"
        for route in ("config", "gradio_api/info", "gradio_api/openapi.json"):
            assert http.get(login_app.url + route).status_code == 401
        # The admin page's upload route and the originals the source cards link to wait for the login too.
        refused = upload(login_app.url, http.cookies)
        assert refused.status_code == 401 and "Logga in" in refused.json()["detail"]
        original = sorted(login_app.settings.corpus_dir.glob("*.txt"))[0]
        assert http.get(f"{login_app.url}gradio_api/file={original}").status_code == 401
        # After login the same page does carry the corpus names: the check above can see them.
        assert http.post(login_app.url + "login", data={"username": USER, "password": PASSWORD}).status_code == 200
        after = http.get(login_app.url).text
        assert "Malmö stad" in after and "respond" in after


def test_login_attempts_are_limited(login_app: RunningApp) -> None:
    with http_from("127.0.0.3") as attacker, http_from("127.0.0.4") as colleague:
        codes = [
            attacker.post(login_app.url + "login", data={"username": USER, "password": f"fel-{i}"}).status_code
            for i in range(40)
        ]
        assert codes.count(400) == 3, codes  # login_free_attempts, then every attempt waits (60 s, 120 s …)
        assert codes.count(429) == 37
        refused = attacker.post(login_app.url + "login", data={"username": USER, "password": PASSWORD})
        assert refused.status_code == 429  # the right password does not help while locked out
        assert "Försök igen om" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
        # another client is not affected
        assert colleague.post(login_app.url + "login", data={"username": USER, "password": PASSWORD}).status_code == 200


def test_login_delays_grow_and_reset() -> None:
    now = [0.0]
    throttle = LoginThrottle(free=2, delay=1.0, clock=lambda: now[0])
    assert throttle.admit("a") == 0 and throttle.admit("a") == 0  # two free attempts
    waits = []
    for _ in range(5):
        wait = throttle.admit("a")
        assert wait > 0  # refused, uncounted
        now[0] += wait
        assert throttle.admit("a") == 0  # the attempt after the wait is checked
        waits.append(wait)
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]
    throttle.succeeded("a")
    assert throttle.admit("a") == 0 and throttle.admit("a") == 0
    assert throttle.admit("b") == 0  # per client
