"""The LLM answerer: any OpenAI-compatible chat endpoint through langchain-openai.

Sources are numbered and fenced as data, packed to a token budget with tiktoken; tokens
stream. Every request carries `max_tokens`, and one answer's model calls share one time
budget (`Deadline`): a stream that never ends is cut when the budget runs out, so the
answer slot it holds is released. Control characters are stripped from everything the model
writes. Any failure of the endpoint (down, slow, 401, 429, 5xx, over budget) becomes
`LLMUnavailable`, which the chain turns into the extractive answer with a one-line notice.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from html import escape
from typing import Any

from assistant.controls import ControlStripper
from assistant.prompts import answer_prompt, condense_prompt
from assistant.records import Hit
from assistant.settings import Settings
from ingest.tokens import count_tokens, truncate_tokens

_CITATION = re.compile(r"\[(\d+)\]")
_FENCE = re.compile(r"(?:<|&lt;)\s*/?\s*källa\b", re.IGNORECASE)


class LLMUnavailable(Exception):
    """The endpoint failed; the message is a short reason for the user (never a key)."""


class BudgetExceeded(LLMUnavailable):
    """The answer's time budget ran out before the model finished."""


class Deadline:
    """The time budget of one answer, shared by its model calls; it starts when created."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()


def describe_failure(exc: BaseException) -> str:
    """A short, key-free reason: 'timeout', 'HTTP 500', 'anslutningen nekades' ..."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return "ingen anslutning"
    return type(exc).__name__


def echoes_fences(text: str) -> bool:
    """Does the reply reproduce the `<källa …>` fences of the prompt (and so, likely, invented source text)?"""
    return _FENCE.search(text) is not None


class ModelReply:
    """One streamed reply, read in a helper thread so that the budget holds even while a read blocks.

    Iterate for the text pieces (control characters already stripped); `cut_short` then tells
    whether the token cap ended the reply. Raises LLMUnavailable (BudgetExceeded when time ran
    out). Leaving the loop early stops the helper at its next piece; a helper blocked in a read
    ends at the latest with the request's own timeout."""

    def __init__(self, chat: Any, messages: Any, deadline: Deadline, max_tokens: int) -> None:
        self._chat = chat
        self._messages = messages
        self._deadline = deadline
        self._token_cap = max_tokens + max_tokens // 10 + 16  # pieces split tokens: a little slack
        self._pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self.cut_short = False

    def _produce(self) -> None:
        timeout = max(0.1, self._deadline.remaining())
        tokens = 0
        try:
            stream = self._chat.stream(self._messages, timeout=timeout)
            try:
                for chunk in stream:
                    if self._stop.is_set():
                        return
                    text = chunk.content if isinstance(chunk.content, str) else ""
                    if (chunk.response_metadata or {}).get("finish_reason") == "length":
                        self._pieces.put(("cut", None))
                    if text:
                        self._pieces.put(("text", text))
                        tokens += count_tokens(text)
                        if tokens > self._token_cap:  # the endpoint ignored max_tokens
                            self._pieces.put(("cut", None))
                            break
            finally:
                stream.close()
            self._pieces.put(("end", None))
        except Exception as exc:
            self._pieces.put(("error", exc))

    def __iter__(self) -> Iterator[str]:
        if self._deadline.remaining() <= 0:  # spent already (on condensing): do not start a request
            raise BudgetExceeded(f"{self._deadline.seconds:g} s")
        helper = threading.Thread(target=self._produce, name="llm-reply", daemon=True)
        helper.start()
        stripper = ControlStripper()
        try:
            while True:
                remaining = self._deadline.remaining()
                try:
                    if remaining <= 0:
                        raise queue.Empty
                    kind, value = self._pieces.get(timeout=remaining)
                except queue.Empty:
                    raise BudgetExceeded(f"{self._deadline.seconds:g} s") from None
                if kind == "error":
                    raise LLMUnavailable(describe_failure(value)) from value
                if kind == "cut":
                    self.cut_short = True
                elif kind == "end":
                    tail = stripper.flush()
                    if tail:
                        yield tail
                    return
                else:
                    text = stripper.feed(value)
                    if text:
                        yield text
        finally:
            self._stop.set()


class LLMAnswerer:
    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.name = settings.llm_model or "llm"
        # `max_tokens` goes in the body under that name: llama.cpp, llama-cpp-python, Ollama and vLLM
        # all read it (ChatOpenAI's own field would send `max_completion_tokens`, which some ignore).
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model or "default",
            api_key=settings.llm_api_key,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=0,
            streaming=True,
            extra_body={"max_tokens": settings.llm_max_tokens},
        )

    def budget(self) -> Deadline:
        """A fresh time budget for one answer."""
        return Deadline(self.settings.llm_timeout)

    def pack_sources(self, hits: Sequence[Hit]) -> tuple[str, list[Hit]]:
        """Numbered, fenced sources within the context budget (the last one may be cut)."""
        budget = self.settings.llm_context_tokens
        parts: list[str] = []
        used: list[Hit] = []
        for n, hit in enumerate(hits, start=1):
            c = hit.chunk
            head = (
                f'<källa nr="{n}" organisation="{escape(c.organisation)}" organ="{escape(c.body)}" '
                f'dokument="{escape(c.title)}" avsnitt="{escape(c.section)}">'
            )
            body = escape(c.text, quote=False)
            cost = count_tokens(head) + count_tokens(body) + 4
            if cost > budget:
                if budget < 64:
                    break
                body = truncate_tokens(body, budget - count_tokens(head) - 4)
                cost = budget
            parts.append(f"{head}\n{body}\n</källa>")
            used.append(hit)
            budget -= cost
        return "\n\n".join(parts), used

    def stream(self, question: str, hits: Sequence[Hit], language: str, deadline: Deadline | None = None) -> ModelReply:
        """The answer's reply, to iterate as it streams; raises LLMUnavailable on any endpoint failure."""
        sources, _ = self.pack_sources(hits)
        prompt = answer_prompt(self.settings.prompts_dir, language)
        messages = prompt.format_messages(sources=sources, question=question)
        return ModelReply(self._chat, messages, deadline or self.budget(), self.settings.llm_max_tokens)

    def condense(
        self, question: str, history: Sequence[tuple[str, str]], language: str, deadline: Deadline | None = None
    ) -> str:
        lines = []
        for user, assistant in history[-3:]:
            lines.append(f"Användare: {user}")
            lines.append(f"Assistent: {assistant[:400]}")
        prompt = condense_prompt(self.settings.prompts_dir, language).format(
            history="\n".join(lines), question=question
        )
        text = "".join(ModelReply(self._chat, prompt, deadline or self.budget(), self.settings.llm_max_tokens))
        return text.strip().splitlines()[0].strip() if text.strip() else question


def validate_citations(text: str, n_sources: int) -> tuple[str, list[int], list[int]]:
    """Remove [n] that point to no source. Returns (text, cited numbers, removed numbers)."""
    cited: list[int] = []
    removed: list[int] = []

    def check(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= n_sources:
            if n not in cited:
                cited.append(n)
            return match.group(0)
        removed.append(n)
        return ""

    cleaned = _CITATION.sub(check, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    return cleaned, cited, removed
