"""The LLM answerer: any OpenAI-compatible chat endpoint through langchain-openai.

Sources are numbered and fenced as data, packed to a token budget with tiktoken; tokens
stream. Any failure of the endpoint (down, slow, 401, 429, 5xx) becomes `LLMUnavailable`,
which the chain turns into the extractive answer with a one-line notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape

from assistant.prompts import answer_prompt, condense_prompt
from assistant.records import Hit
from assistant.settings import Settings
from ingest.tokens import count_tokens, truncate_tokens

_CITATION = re.compile(r"\[(\d+)\]")


class LLMUnavailable(Exception):
    """The endpoint failed; the message is a short reason for the user (never a key)."""


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


class LLMAnswerer:
    def __init__(self, settings: Settings) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.name = settings.llm_model or "llm"
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model or "default",
            api_key=settings.llm_api_key,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=0,
            streaming=True,
        )

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

    def stream(self, question: str, hits: Sequence[Hit], language: str) -> Iterator[str]:
        """Stream the answer's text; raises LLMUnavailable on any endpoint failure."""
        sources, _ = self.pack_sources(hits)
        prompt = answer_prompt(self.settings.prompts_dir, language)
        messages = prompt.format_messages(sources=sources, question=question)
        try:
            for piece in self._chat.stream(messages):
                text = piece.content if isinstance(piece.content, str) else ""
                if text:
                    yield text
        except Exception as exc:
            raise LLMUnavailable(describe_failure(exc)) from exc

    def condense(self, question: str, history: Sequence[tuple[str, str]], language: str) -> str:
        lines = []
        for user, assistant in history[-3:]:
            lines.append(f"Användare: {user}")
            lines.append(f"Assistent: {assistant[:400]}")
        prompt = condense_prompt(self.settings.prompts_dir, language).format(
            history="\n".join(lines), question=question
        )
        try:
            reply = self._chat.invoke(prompt)
        except Exception as exc:
            raise LLMUnavailable(describe_failure(exc)) from exc
        text = reply.content if isinstance(reply.content, str) else ""
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
