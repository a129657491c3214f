"""Start the Gradio chat window in-process for browser and load tests.

    with running_app(corpus_settings) as app:
        app.url        # http://127.0.0.1:<port>/
        app.settings   # the settings the app runs with (app.settings.feedback_path ...)

The app keeps the index of the settings it is given (data_dir holds the index); only the host
and port change. Also: how to launch Debian's Chromium with Playwright (no downloads here).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ports import server_port

from assistant.settings import Settings
from evals.bench.serving import wait_for_http

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
START_TIMEOUT = 30.0

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # tests never phone home


@dataclass(frozen=True)
class RunningApp:
    url: str
    settings: Settings
    demo: Any


@contextlib.contextmanager
def running_app(base: Settings, **overrides: object) -> Iterator[RunningApp]:
    """The app on 127.0.0.1 (port from `ports.server_port`), on the index of `base`; closed on exit."""
    from assistant.app import launch
    from assistant.store import Store

    settings = base.model_copy(update={"host": "127.0.0.1", "port": server_port(), **overrides})
    demo = launch(settings, Store(settings), block=False)
    try:
        url = f"http://127.0.0.1:{settings.port}/"
        wait_for_http(url, START_TIMEOUT)
        yield RunningApp(url, settings, demo)
    finally:
        demo.close()


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless (Playwright cannot download browsers here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """A running headless Chromium for a test module; skipped locally without it, a failure in CI."""
    import pytest
    from playwright import sync_api

    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
