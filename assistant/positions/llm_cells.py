"""Cells labelled by the configured language model, each label kept only with a verbatim quote.

The model sees one proposal and the respondent's sentences that come closest to it, and answers
with a stance and quotes. A quote that does not stand word for word (white space aside) in the
respondent's document is rejected, and the cell keeps the classifier's label; so does a cell
whose request fails or whose reply is not the JSON asked for.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from assistant.positions.evidence import RespondentText, Sentence
from assistant.positions.model import STANCES, Cell, CellQuote, Proposal
from assistant.settings import Settings
from assistant.store import Store

CANDIDATES = 8
_JSON = re.compile(r"\{.*\}", re.DOTALL)


def squash(text: str) -> str:
    return " ".join(text.split())


def locate(quote: str, document: str) -> tuple[int, int] | None:
    """Offsets of `quote` in the document, white space aside; None when it is not there verbatim."""
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, document)
    return (match.start(), match.end()) if match else None


class LLMCellLabeller:
    def __init__(self, settings: Settings, store: Store, chat: Any = None) -> None:
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.store = store
        self.template = (settings.prompts_dir / "positions_cell.sv.md").read_text(encoding="utf-8")
        self.chat = chat or ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model or "default",
            api_key=settings.llm_api_key,
            temperature=0.0,
            timeout=settings.llm_timeout,
            max_retries=0,
            extra_body={"max_tokens": min(400, settings.llm_max_tokens)},
        )
        self._documents: dict[str, str] = {}
        self.rejected = 0
        self.failed = 0

    def document(self, doc_id: str) -> str:
        if doc_id not in self._documents:
            self._documents[doc_id] = self.store.document_text(doc_id)
        return self._documents[doc_id]

    def relabel(self, respondent: RespondentText, proposal: Proposal, column: np.ndarray, cell: Cell) -> Cell:
        if not self.settings.positions_llm:
            return cell
        rows = [int(i) for i in np.argsort(-column)[:CANDIDATES] if column[i] > 0.2]
        if not rows and not cell.quotes:
            return cell  # nothing near the proposal: ej_berört without asking
        candidates = [respondent.sentences[i] for i in sorted(rows)]
        reply = self.ask(proposal, respondent, candidates)
        if reply is None:
            self.failed += 1
            return cell
        stance, quotes = reply
        if stance == "ej_berört":
            return Cell(cell.proposal_id, cell.organisation, cell.body, "ej_berört", 0.7, (), "llm")
        kept = self.verified(quotes, respondent, candidates)
        if not kept:
            self.rejected += 1
            return cell
        return Cell(cell.proposal_id, cell.organisation, cell.body, stance, 0.8, tuple(kept), "llm")

    def ask(
        self, proposal: Proposal, respondent: RespondentText, candidates: list[Sentence]
    ) -> tuple[str, list[str]] | None:
        prompt = self.template.format(
            proposal=proposal.title,
            proposal_text=proposal.text[:800],
            respondent=f"{respondent.organisation}, {respondent.body}",
            sentences="\n".join(f"{n}. {s.text}" for n, s in enumerate(candidates, start=1)),
        )
        try:
            content = self.chat.invoke(prompt).content
        except Exception:
            return None
        match = _JSON.search(content if isinstance(content, str) else "")
        try:
            data = json.loads(match.group(0)) if match else None
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or data.get("stance") not in STANCES:
            return None
        quotes = [q for q in data.get("quotes", []) if isinstance(q, str) and q.strip()]
        return str(data["stance"]), quotes

    def verified(self, quotes: list[str], respondent: RespondentText, candidates: list[Sentence]) -> list[CellQuote]:
        """The quotes that stand verbatim in one of the respondent's documents (with their offsets)."""
        kept = []
        for text in quotes[:3]:
            for doc_id in respondent.doc_ids:
                span = locate(text, self.document(doc_id))
                if span is None:
                    continue
                near = next((s for s in candidates if s.doc_id == doc_id and s.start <= span[0] < s.end + 1), None)
                page = near.page if near else None
                title = near.title if near else ""
                kept.append(CellQuote(squash(text), doc_id, page, span[0], span[1], title))
                break
        return kept
