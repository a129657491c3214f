"""The answer chain: condense → retrieve → decide → compose → validate, as LangChain runnables.

`Assistant.answer()` returns an `Answer`; `Assistant.stream()` yields text pieces and ends
with the `Answer`. Each step lives in a room of its own: `understanding` (does the question need
the conversation?), `retrieval`, `answerability` (one fitted model decides answer or abstain),
`answering` (answer-first extractive compilation) or the LLM, which falls back to the extractive
answer, with a notice, whenever it fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answerability import MODEL_PATH, AnswerabilityModel, Decision, Evidence, decide, gather, load_model
from assistant.answering.aggregate import Sources, aggregate_answer
from assistant.answering.compose import compose_answer
from assistant.embeddings import EmbeddingCache
from assistant.errors import IndexMissingError
from assistant.language import detect_language
from assistant.llm import BudgetExceeded, Deadline, LLMAnswerer, LLMUnavailable, echoes_fences, validate_citations
from assistant.positions.cached import MatrixCache
from assistant.prompts import message
from assistant.question_check import check_question
from assistant.quotes import check_quotes
from assistant.records import Answer, Citation
from assistant.retrieval import Filters, HybridSearcher, Retrieval
from assistant.sentences import SentenceVectors
from assistant.settings import Settings
from assistant.store import Store
from assistant.understanding import followup
from assistant.understanding.entities import normalise_question

History = Sequence[tuple[str, str]]


@dataclass
class Turn:
    """What flows through the chain for one question."""

    question: str
    history: History = ()
    filters: Filters = field(default_factory=Filters)
    k: int | None = None
    language: str = "sv"
    standalone: str = ""
    retrieval: Retrieval | None = None
    evidence: Evidence | None = None
    decision: Decision | None = None  # decided once after retrieval
    deadline: Deadline | None = None  # the model's time budget, from its first call on
    timings: dict[str, float] = field(default_factory=dict)
    aggregate: Answer | None = None  # answered from the remissammanställning (answering/aggregate)

    @property
    def abstain_reason(self) -> str | None:
        """None when the chain answers; otherwise why not ("" = weak evidence)."""
        if self.decision is None:
            return ""
        return None if self.decision.answer else self.decision.reason


class Assistant:
    """One per process: holds the store, the searcher, the sentence vectors and (optionally) the LLM."""

    def __init__(self, settings: Settings, store: Store | None = None, fitted: bool = True) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.searcher = HybridSearcher(self.store, settings)
        self.llm = LLMAnswerer(settings) if settings.llm_base_url else None
        self.sentences = SentenceVectors(
            lambda: self.store.embedder,
            lambda: EmbeddingCache(settings.cache_path),
            settings.embed_batch_size,
        )
        self.searcher.sentences = self.sentences
        # The fitted answerability model; `evals.fit_answerability` measures without one (fitted=False).
        self.model: AnswerabilityModel | None = (
            load_model(settings.answerability_model or MODEL_PATH) if fitted else None
        )
        self.matrices = MatrixCache(settings, lambda: self.store.generation)
        self.chain: Runnable = (
            RunnableLambda(self._prepare, name="validate")
            | RunnableLambda(self._condense, name="condense")
            | RunnableLambda(self._aggregate, name="aggregate")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
        )

    @property
    def mode(self) -> str:
        return f"llm:{self.llm.name}" if self.llm else "extractive"

    # -- public API ------------------------------------------------------------------------
    def answer(
        self, question: str, history: History = (), filters: Filters | None = None, k: int | None = None
    ) -> Answer:
        return self.chain.invoke(Turn(question, tuple(history), filters or Filters(), k))

    def stream(
        self, question: str, history: History = (), filters: Filters | None = None, k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield text as it is produced, then the final Answer."""
        turn = self._condense(self._prepare(Turn(question, tuple(history), filters or Filters(), k)))
        turn = self._retrieve(self._aggregate(turn))
        if turn.aggregate is not None or self.llm is None or turn.abstain_reason is not None:
            answer = self._answer(turn)
            yield answer.text
            yield answer
            return
        started = time.perf_counter()
        hits = turn.retrieval.hits if turn.retrieval else []
        pieces: list[str] = []
        reply = self.llm.stream(turn.standalone, hits, turn.language, turn.deadline or self.llm.budget())
        try:
            for piece in reply:
                pieces.append(piece)
                yield piece
        except LLMUnavailable as exc:
            answer = self._fallback(turn, self._failure_notice(turn, exc))
            yield "\n\n" + answer.text if pieces else answer.text
            yield answer
            return
        turn.timings["answer"] = time.perf_counter() - started
        yield self._finish_llm(turn, "".join(pieces), reply.cut_short)

    def measure(self, question: str, history: History = ()) -> Turn:
        """Condense and search a question and measure its evidence, without deciding (for fitting)."""
        turn = self._condense(self._prepare(Turn(question, tuple(history))))
        self._require_index()
        turn = self._search(turn)
        return replace(turn, evidence=self.evidence(turn))

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        turn = self._prepare(Turn(question, (), filters or Filters(), k))
        self._require_index()
        return self.searcher.search(turn.question, k, turn.filters)

    # -- steps -----------------------------------------------------------------------------
    def _prepare(self, turn: Turn) -> Turn:
        question, language = check_question(turn.question, self.settings)
        history = turn.history
        if language == "sv" and self.store.manifest():
            # Words and names as the documents write them: "aldrenamnden" → "Äldrenämnden".
            lexical = self.store.lexical()
            vocab, names = lexical.vocab, lexical.proper_nouns
            organisations, bodies = self.store.speaker_names()
            question = normalise_question(question, vocab, organisations, bodies, names)
            history = tuple((normalise_question(q, vocab, organisations, bodies, names), a) for q, a in history)
        return replace(turn, question=question, language=language, history=history)

    def _condense(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        standalone = turn.question
        if turn.history:
            organisations, bodies = self.store.speaker_names()
            own = followup.parts(turn.question, organisations, bodies)
            alone = own.speakers and own.topic and not own.points_back
            if self.llm is not None and not alone:
                turn = replace(turn, deadline=turn.deadline or self.llm.budget())
                try:
                    standalone = self.llm.condense(turn.question, turn.history, turn.language, turn.deadline)
                except LLMUnavailable:
                    standalone = self._resolve(turn)
            else:
                standalone = self._resolve(turn)
        turn.timings["condense"] = time.perf_counter() - started
        return replace(turn, standalone=standalone)

    def _resolve(self, turn: Turn) -> str:
        organisations, bodies = self.store.speaker_names()
        return followup.resolve(
            turn.question, turn.history, organisations, bodies, lambda q: self._stands_alone(q, turn)
        )

    def _stands_alone(self, question: str, turn: Turn) -> bool:
        """Would the question, searched on its own, be answered? (The model on the question alone.)"""
        if self.model is None:
            return False
        probe = replace(
            turn, question=question, history=(), standalone=question, language=detect_language(question), timings={}
        )  # its own timings: the probe's search must not overwrite the turn's
        decision = self._decide(self._search(probe)).decision
        return decision is not None and decision.answer

    def _require_index(self) -> None:
        if not self.store.manifest():
            raise IndexMissingError(
                f"Indexet {self.settings.index_label} är tomt. Kör `remiss ingest` först "
                "(eller `remiss serve`, som indexerar korpusen själv)."
            )

    def _aggregate(self, turn: Turn) -> Turn:
        """A question about the respondents as a whole, answered from the position matrix when there is one."""
        matrix = self.matrices.current()
        if matrix is None or not self.store.manifest():
            return turn
        started = time.perf_counter()
        lexical = self.store.lexical()
        sources = Sources(lambda doc_id: self.store.manifest().get(doc_id), self.store.document_text)
        found = aggregate_answer(
            turn.standalone,
            turn.language,
            matrix,
            lexical.vocab,
            lexical.idf,
            sources,
            self.settings.prompts_dir,
            turn.filters,
            self.store.speaker_names(),
        )
        turn.timings["aggregate"] = time.perf_counter() - started
        if found is None:
            return turn
        text, citations = found
        answer = Answer(
            turn.question, text, tuple(citations), False, "positions", turn.standalone, language=turn.language
        )
        return replace(turn, aggregate=replace(answer, timings=dict(turn.timings)))

    def _retrieve(self, turn: Turn) -> Turn:
        if turn.aggregate is not None:
            return turn
        self._require_index()
        return self._decide(self._search(turn))

    def _search(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        retrieval = self.searcher.search(turn.standalone, turn.k, turn.filters)
        turn.timings["retrieve"] = time.perf_counter() - started
        return replace(turn, retrieval=retrieval)

    def _decide(self, turn: Turn) -> Turn:
        """Measure the evidence once and let the answerability model decide."""
        started = time.perf_counter()
        evidence = self.evidence(turn)
        decision = None
        if evidence is not None and self.model is not None:
            decision = decide(evidence, self.model, self.settings.prompts_dir, turn.language)
        turn.timings["decide"] = time.perf_counter() - started
        return replace(turn, evidence=evidence, decision=decision)

    def evidence(self, turn: Turn) -> Evidence | None:
        """The answerability features of a searched turn (None when nothing was found)."""
        r = turn.retrieval
        if r is None or not r.hits:
            return None
        kinds = self.store.kinds_by_organisation()
        return gather(
            turn.question,
            turn.standalone,
            turn.language,
            r,
            self.store.lexical(),
            self.sentences,
            self.store.speaker_names(),
            kinds,
        )

    def _answer(self, turn: Turn) -> Answer:
        if turn.aggregate is not None:
            return turn.aggregate
        if self.llm is None or turn.abstain_reason is not None:
            return self._extractive(turn)
        started = time.perf_counter()
        reply = self.llm.stream(turn.standalone, turn.retrieval.hits, turn.language, turn.deadline or self.llm.budget())
        try:
            text = "".join(reply)
        except LLMUnavailable as exc:
            return self._fallback(turn, self._failure_notice(turn, exc))
        turn.timings["answer"] = time.perf_counter() - started
        return self._finish_llm(turn, text, reply.cut_short)

    # -- answerers -------------------------------------------------------------------------
    def _extractive(self, turn: Turn) -> Answer:
        started = time.perf_counter()
        r = turn.retrieval
        assert r is not None
        reason = turn.abstain_reason
        if reason is not None:
            answer = self._abstention(turn, reason)
        else:
            text, citations = compose_answer(
                turn.standalone, turn.language, r, self.store.lexical(), self.sentences, self.settings.prompts_dir
            )
            answer = Answer(
                turn.question, text, tuple(citations), False, "extractive", turn.standalone, language=turn.language
            )
        turn.timings["answer"] = time.perf_counter() - started
        return replace(answer, timings={**r.timings, **turn.timings})

    def _abstention(self, turn: Turn, reason: str) -> Answer:
        prompts = self.settings.prompts_dir
        hits = (turn.retrieval.hits if turn.retrieval else [])[:3]
        lines = [message(prompts, turn.language, "abstain")]
        if reason:
            lines.append(reason)
        citations = [Citation(i, h, _snippet(h.chunk.text), h.chunk.start, h.chunk.end) for i, h in enumerate(hits, 1)]
        if citations:
            lines.append("")
            lines.append(message(prompts, turn.language, "closest"))
            for c in citations:
                lines.append(f"[{c.n}] {c.hit.chunk.organisation}, {c.hit.chunk.body}: ”{c.quote}”")
        return Answer(
            turn.question, "\n".join(lines), tuple(citations), True, self.mode, turn.standalone, language=turn.language
        )

    def _failure_notice(self, turn: Turn, exc: LLMUnavailable) -> str:
        prompts = self.settings.prompts_dir
        if isinstance(exc, BudgetExceeded):
            return message(prompts, turn.language, "llm_budget", seconds=f"{self.settings.llm_timeout:g}")
        return message(prompts, turn.language, "llm_fallback", reason=str(exc))

    def _fallback(self, turn: Turn, notice: str) -> Answer:
        """The extractive answer; the notice says why (once: in `notices`, not in the text)."""
        answer = self._extractive(turn)
        return replace(answer, notices=(notice,), mode="extractive-fallback")

    def _finish_llm(self, turn: Turn, text: str, cut_short: bool = False) -> Answer:
        """Check the model's reply: no echoed source fences, quotes verbatim, citation numbers that exist."""
        prompts = self.settings.prompts_dir
        if echoes_fences(text):
            return self._fallback(turn, message(prompts, turn.language, "llm_rejected"))
        hits = turn.retrieval.hits if turn.retrieval else []
        _, used = self.llm.pack_sources(hits) if self.llm else ("", hits)
        quotes = check_quotes(
            text.strip(), [h.chunk.text for h in used], message(prompts, turn.language, "quote_removed")
        )
        text, cited, removed = validate_citations(quotes.text, len(used))
        notices: list[str] = []
        if cut_short:
            notices.append(message(prompts, turn.language, "llm_truncated", tokens=self.settings.llm_max_tokens))
        if quotes.removed:
            notices.append(
                message(prompts, turn.language, "removed_quotes", numbers=", ".join(f"[{n}]" for n in quotes.removed))
            )
        if removed:
            notices.append(
                message(prompts, turn.language, "removed_citations", numbers=", ".join(f"[{n}]" for n in removed))
            )
        abstained = message(self.settings.prompts_dir, turn.language, "abstain").rstrip(".") in text
        citations = tuple(
            Citation(n, used[n - 1], used[n - 1].chunk.text, used[n - 1].chunk.start, used[n - 1].chunk.end)
            for n in cited
        )
        return Answer(
            turn.question,
            text,
            citations,
            abstained and not cited,
            self.mode,
            turn.standalone,
            tuple(notices),
            {**(turn.retrieval.timings if turn.retrieval else {}), **turn.timings},
            turn.language,
        )


def _snippet(text: str, limit: int = 220) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"
