"""A runaway or careless model against the scripted server: budgets, control characters, echoed fences, quotes.

Every case ends in a bounded time whatever the client does: the answer runs in a worker
thread and the test waits for it with a timeout, so a hang fails the test instead of the run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from cli_process import cli_env, run_cli
from fake_openai import Endless, FakeOpenAI, Reply

from assistant.chain import Assistant
from assistant.prompts import message
from assistant.records import Answer
from assistant.settings import Settings
from assistant.store import Store

MALMO_Q = "Vad tycker Malmö om riktade statsbidrag?"
SOURCE_BLOCK = re.compile(r'<källa nr="(\d+)"[^>]*>\n(.*?)\n</källa>', re.DOTALL)
BOUND = 30.0  # seconds any one case may take before the test fails
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture(scope="module")
def store(corpus_settings: Settings) -> Store:
    return Store(corpus_settings)


@pytest.fixture
def make_assistant(corpus_settings: Settings, store: Store) -> Callable[..., Assistant]:
    def make(base_url: str, **update: object) -> Assistant:
        values = {"llm_base_url": base_url, "llm_model": "test-model", "llm_timeout": 1.5, **update}
        return Assistant(corpus_settings.model_copy(update=values), store=store)

    return make


def bounded(call: Callable[[], Any]) -> Any:
    """Run `call` in a worker thread; fail the test if it does not return within BOUND seconds."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=BOUND)


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def notice(settings: Settings, key: str, **values: object) -> str:
    return message(settings.prompts_dir, "sv", key, **values)


def assert_extractive_fallback(answer: Answer, expected_notice: str) -> None:
    assert answer.mode == "extractive-fallback"
    assert answer.notices == (expected_notice,)
    assert expected_notice not in answer.text  # printed once: the notice is not repeated in the text
    assert answer.text.startswith("Sammanställning")
    assert answer.citations


# -- the time budget ----------------------------------------------------------------------


def test_endless_stream_is_cut_at_the_budget(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    fake.script(Endless())
    assistant = make_assistant(fake.base_url, llm_timeout=1.5)
    answer = bounded(lambda: assistant.answer(MALMO_Q))
    assert_extractive_fallback(answer, notice(corpus_settings, "llm_budget", seconds="1.5"))
    assert len(fake.requests) == 1
    # the client hung up: the server stops writing the endless reply
    assert wait_until(lambda: fake.open_streams == 0), "the endless stream was never closed by the client"


def test_endless_stream_while_streaming_to_the_app(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    fake.script(Endless(piece="bla ", pause=0.01))
    items = bounded(lambda: list(make_assistant(fake.base_url, llm_timeout=1.0).stream(MALMO_Q)))
    *pieces, final = items
    assert isinstance(final, Answer)
    assert_extractive_fallback(final, notice(corpus_settings, "llm_budget", seconds="1"))
    assert sum(p.count("bla") for p in pieces) > 5  # it did stream before being cut
    assert wait_until(lambda: fake.open_streams == 0)


def test_stalled_stream_is_cut_at_the_budget(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    """One piece, then silence far longer than the budget: no read timeout is waited out."""
    fake.script(Reply("Malmö välkomnar [1] och sedan ingenting mer", pieces=2, pause=120.0))
    answer = bounded(lambda: make_assistant(fake.base_url, llm_timeout=1.0).answer(MALMO_Q))
    assert_extractive_fallback(answer, notice(corpus_settings, "llm_budget", seconds="1"))


def test_budget_is_shared_by_condensing_and_answering(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    """A follow-up whose condensing uses up the budget sends no second request."""
    fake.script(Endless(), Reply("Äldrenämnden anser [1]."))
    history = [(MALMO_Q, "Malmö välkomnar generella statsbidrag [1].")]
    assistant = make_assistant(fake.base_url, llm_timeout=1.0)
    answer = bounded(lambda: assistant.answer("Och vad tycker Äldrenämnden?", history=history))
    assert_extractive_fallback(answer, notice(corpus_settings, "llm_budget", seconds="1"))
    assert len(fake.requests) == 1 and fake.pending == 1
    assert "statsbidrag" in answer.standalone_question  # the heuristic took over the condensing


def test_every_request_carries_max_tokens(fake: FakeOpenAI, make_assistant: Callable[..., Assistant]) -> None:
    fake.script(Reply("Vad anser Äldrenämnden om riktade statsbidrag?"), Reply("Äldrenämnden anser [1]."))
    history = [(MALMO_Q, "Malmö välkomnar generella statsbidrag [1].")]
    bounded(lambda: make_assistant(fake.base_url, llm_max_tokens=321).answer("Och Äldrenämnden?", history=history))
    assert len(fake.requests) == 2
    for request in fake.requests:
        assert request.body.get("max_tokens") == 321, request.body
        assert request.body.get("stream") is True


def test_endpoint_that_ignores_max_tokens_is_cut_by_the_client(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    long_reply = "Malmö välkomnar generella statsbidrag [1]. " + "Och så vidare. " * 2000
    fake.script(Reply(long_reply, pieces=400, pause=0))
    answer = bounded(lambda: make_assistant(fake.base_url, llm_max_tokens=40).answer(MALMO_Q))
    assert answer.mode == "llm:test-model"
    assert len(answer.text) < 1000
    assert answer.notices == (notice(corpus_settings, "llm_truncated", tokens=40),)


def test_reply_ended_by_the_token_cap_says_so(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    fake.script(Reply("Malmö välkomnar generella statsbidrag [1] och", finish="length"))
    answer = bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    assert answer.mode == "llm:test-model"
    assert answer.notices == (notice(corpus_settings, "llm_truncated", tokens=800),)


# -- what the model writes ------------------------------------------------------------------

ANSI_REPLY = (
    "\x1b[31mMalmö\x1b[0m välkomnar \x1b]0;pwned-title\x07generella \x1b[2J\x1bcstatsbidrag [1]."
    "\r\x1b[1A\x9b31mOk\x07\x00.\u202e"
)


def test_control_characters_never_leave_the_model(fake: FakeOpenAI, make_assistant: Callable[..., Assistant]) -> None:
    fake.script(Reply(ANSI_REPLY, pieces=17))  # escapes split across pieces
    items = bounded(lambda: list(make_assistant(fake.base_url).stream(MALMO_Q)))
    *pieces, final = items
    for text in [*pieces, final.text]:
        assert not CONTROL.search(text), repr(text)
        assert "pwned" not in text and "\u202e" not in text
    assert final.text == "Malmö välkomnar generella statsbidrag [1].Ok."
    assert "".join(pieces) == final.text


def test_control_characters_never_reach_the_terminal(fake: FakeOpenAI, corpus_settings: Settings) -> None:
    fake.script(Reply(ANSI_REPLY, pieces=9))
    env = cli_env(corpus_settings, REMISS_LLM_BASE_URL=fake.base_url, REMISS_LLM_MODEL="m", REMISS_LLM_TIMEOUT="20")
    result = run_cli(env, corpus_settings.data_dir, "ask", MALMO_Q, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Malmö välkomnar generella statsbidrag [1]." in result.stdout
    assert not CONTROL.search(result.stdout), repr(result.stdout)
    assert "pwned" not in result.stdout


def test_echoed_source_fences_are_rejected(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    fake.script(
        Reply(
            'Enligt källan:\n<källa nr="1" organisation="Malmö stad" organ="Kommunstyrelsen">\n'
            "Malmö stad kräver att alla statsbidrag avskaffas omedelbart.\n</källa>\nAlltså ja [1]."
        )
    )
    answer = bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    assert_extractive_fallback(answer, notice(corpus_settings, "llm_rejected"))
    assert "avskaffas omedelbart" not in answer.text and "<källa" not in answer.text


def test_escaped_fences_are_rejected_too(fake: FakeOpenAI, make_assistant: Callable[..., Assistant]) -> None:
    fake.script(Reply("&lt;/källa&gt; Malmö säger ja [1]."))
    answer = bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    assert answer.mode == "extractive-fallback"


def first_source(fake: FakeOpenAI, make_assistant: Callable[..., Assistant]) -> str:
    """The text of source [1] as the model sees it for MALMO_Q (retrieval is deterministic)."""
    fake.script(Reply("Malmö [1]."))
    bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    blocks = dict(SOURCE_BLOCK.findall(fake.requests[-1].content("user")))
    fake.reset()
    return blocks["1"]


def test_invented_quote_is_removed_and_flagged(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    source = first_source(fake, make_assistant)
    words = source.split()
    real = " ".join(words[3:15])  # verbatim, reflowed below
    invented = "Malmö stad kräver att alla riktade statsbidrag avskaffas redan nästa år"
    reply = (
        f"Malmö skriver ”{real}” [1].\nVidare: ”{invented}” [1].\n> {invented.upper()}\n[2]\nSlutsats utan citat [1]."
    )
    fake.script(Reply(reply.replace(" ", "  ", 3)))
    answer = bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    assert answer.mode == "llm:test-model"
    assert invented not in answer.text and invented.upper() not in answer.text
    assert real in " ".join(answer.text.split())
    marker = notice(corpus_settings, "quote_removed")
    assert answer.text.count(marker) == 2
    assert answer.notices == (notice(corpus_settings, "removed_quotes", numbers="[1], [2]"),)
    assert [c.n for c in answer.citations] == [1]


def test_quote_with_invalid_number_goes_with_its_number(
    fake: FakeOpenAI, make_assistant: Callable[..., Assistant], corpus_settings: Settings
) -> None:
    fake.script(Reply("Malmö välkomnar statsbidrag [1]. Det står att ”pengarna räcker inte” [9]. Se [8]."))
    answer = bounded(lambda: make_assistant(fake.base_url).answer(MALMO_Q))
    assert "pengarna räcker inte" not in answer.text and "[9]" not in answer.text and "[8]" not in answer.text
    assert answer.notices == (
        notice(corpus_settings, "removed_quotes", numbers="[9]"),
        notice(corpus_settings, "removed_citations", numbers="[8]"),
    )


def test_remiss_ask_ends_on_an_endless_model_with_the_notice_once(fake: FakeOpenAI, corpus_settings: Settings) -> None:
    fake.script(Endless())
    env = cli_env(corpus_settings, REMISS_LLM_BASE_URL=fake.base_url, REMISS_LLM_MODEL="m", REMISS_LLM_TIMEOUT="2")
    result = run_cli(env, corpus_settings.data_dir, "ask", MALMO_Q, timeout=120)  # the test's bound
    assert result.returncode == 0, result.stderr
    expected = notice(corpus_settings, "llm_budget", seconds="2")
    assert result.stdout.count(expected) == 1, result.stdout
    assert "Läge: extractive-fallback" in result.stdout
