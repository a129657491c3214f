"""The answer chain: condense → retrieve → answer → validate citations, as LangChain runnables.

`Assistant.answer()` returns an `Answer`; `Assistant.stream()` yields text pieces and ends
with the `Answer`. The extractive answerer is the default; an LLM is used when configured
and falls back to the extractive answer, with a notice, whenever it fails.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer_types import expectation, first_question, support
from assistant.entities import Target, aliases, find_targets, silent_speakers, unknown_organisations, unknown_terms
from assistant.errors import IndexMissingError
from assistant.extractive import compose, coverage, question_terms, select_sentences
from assistant.llm import BudgetExceeded, Deadline, LLMAnswerer, LLMUnavailable, echoes_fences, validate_citations
from assistant.prompts import message
from assistant.question_check import check_question
from assistant.quotes import check_quotes
from assistant.records import Answer, Citation
from assistant.retrieval import Filters, HybridSearcher, Retrieval
from assistant.settings import Settings
from assistant.store import Store
from assistant.swedish import analyse

History = Sequence[tuple[str, str]]
_FOLLOW_UP = re.compile(
    r"^(och|men|samt|även|också|and|but|what about|how about)\b|\b(de|dem|deras|det|detta|dessa|samma|där|"
    r"they|them|their|it|this|that|those)\b",
    re.IGNORECASE,
)
# Pronouns that point back to a speaker ("vad säger de om ..."), not to a topic ("det").
_SPEAKER_PRONOUN = re.compile(
    r"\b(de|dem|dom|deras|där|they|them|their|it\s+(?:say|says|think|thinks|propose|proposes|suggest|suggests))\b",
    re.IGNORECASE,
)
# Document kinds that summarise a report rather than state the sender's own position.
NON_POSITION_KINDS = frozenset({"sammanfattning", "betänkande", "summary"})
_STANCE_QUESTION = re.compile(
    r"\b(tycker|anser|säger|sa|ser\b.*\bpå|syn på|ställning|inställning|think|say|says|view|position|opinion)\b",
    re.IGNORECASE,
)
_REPORT_NUMBER = re.compile(r"\bSOU\s+(\d{4}\s*:\s*\d+)", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


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
    abstain_reason: str | None = None  # decided once after retrieval; None = answer
    deadline: Deadline | None = None  # the model's time budget, from its first call on
    timings: dict[str, float] = field(default_factory=dict)


class Assistant:
    """One per process: holds the store, the searcher and (optionally) the LLM."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.searcher = HybridSearcher(self.store, settings)
        self.llm = LLMAnswerer(settings) if settings.llm_base_url else None
        self.chain: Runnable = (
            RunnableLambda(self._prepare, name="validate")
            | RunnableLambda(self._condense, name="condense")
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
        turn = self._retrieve(self._condense(self._prepare(Turn(question, tuple(history), filters or Filters(), k))))
        if self.llm is None or turn.abstain_reason is not None:
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

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        turn = self._prepare(Turn(question, (), filters or Filters(), k))
        self._require_index()
        return self.searcher.search(turn.question, k, turn.filters)

    # -- steps -----------------------------------------------------------------------------
    def _prepare(self, turn: Turn) -> Turn:
        question, language = check_question(turn.question, self.settings)
        return replace(turn, question=question, language=language)

    def _condense(self, turn: Turn) -> Turn:
        started = time.perf_counter()
        standalone = turn.question
        if turn.history:
            if self.llm is not None:
                turn = replace(turn, deadline=turn.deadline or self.llm.budget())
                try:
                    standalone = self.llm.condense(turn.question, turn.history, turn.language, turn.deadline)
                except LLMUnavailable:
                    standalone = self._heuristic_condense(turn.question, turn.history)
            else:
                standalone = self._heuristic_condense(turn.question, turn.history)
        turn.timings["condense"] = time.perf_counter() - started
        return replace(turn, standalone=standalone)

    def _heuristic_condense(self, question: str, history: History) -> str:
        """Without an LLM: carry what the follow-up leaves out from the previous question.

        "Och vad tycker Äldrenämnden?" names a new speaker and no topic: carry the topic.
        "Vad säger de om tillsynen?" has a topic of its own and points back with "de": carry
        only the speaker, so the old topic does not pull the search back to it. Otherwise
        carry the whole previous question."""
        previous = history[-1][0]
        words = question.split()
        if len(words) > 12 and not _FOLLOW_UP.search(question):
            return question
        organisations, bodies = self.store.speaker_names()
        earlier = find_targets(previous, organisations, bodies)
        if find_targets(question, organisations, bodies):
            for target in earlier:
                for alias in sorted(aliases(target.value), key=len, reverse=True):
                    previous = re.sub(rf"(?i)\b{re.escape(alias)}\w*", "", previous)
        elif earlier and _SPEAKER_PRONOUN.search(question) and analyse(_STANCE_QUESTION.sub(" ", question)):
            previous = " ".join(_named(previous, earlier))
        return f"{question} ({' '.join(previous.split())})"

    def _require_index(self) -> None:
        if not self.store.manifest():
            raise IndexMissingError(
                f"Indexet {self.settings.index_label} är tomt. Kör `remiss ingest` först "
                "(eller `remiss serve`, som indexerar korpusen själv)."
            )

    def _retrieve(self, turn: Turn) -> Turn:
        self._require_index()
        started = time.perf_counter()
        retrieval = self.searcher.search(turn.standalone, turn.k, turn.filters)
        turn.timings["retrieve"] = time.perf_counter() - started
        turn = replace(turn, retrieval=retrieval)
        return replace(turn, abstain_reason=self._abstain_reason(turn))

    def _answer(self, turn: Turn) -> Answer:
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
    def _abstain_reason(self, turn: Turn) -> str | None:
        """Why the evidence is too weak to answer, or None when it is strong enough.

        In order: organisations, names, years or (in yes/no questions) words the corpus does not
        know; a stance asked of a name that speaks in no document; weak dense + lexical match; a
        speaker asked about a report number it never cites; a summary asked for its own position;
        for Swedish questions, no sentence that covers the question's content words
        (IDF-weighted), in the named speaker's passages when one is named; a count, date, name or
        list question that no passage answers in kind.
        """
        r = turn.retrieval
        lang = turn.language
        prompts = self.settings.prompts_dir
        if r is None or not r.hits:
            return ""
        manifest = self.store.manifest()
        lexical = self.store.lexical()
        organisations, bodies = self.store.speaker_names()
        asks_stance = _STANCE_QUESTION.search(turn.question) is not None
        strangers = unknown_organisations(turn.standalone, organisations, bodies)
        strangers += [year for year in _YEAR.findall(turn.question) if year not in lexical.vocab]
        if lang == "sv":  # English words are never in the Swedish vocabulary
            strangers += unknown_terms(turn.question, lexical.vocab)
        if strangers or (r.unknown_names and not r.targets):
            return message(prompts, lang, "unknown_names", names=", ".join(strangers or r.unknown_names))
        silent = silent_speakers(turn.question, organisations, bodies, r.glossary_words) if asks_stance else []
        if silent and not r.targets:
            return message(prompts, lang, "not_a_speaker", name=silent[0])
        if evidence_score(r) < self.settings.abstain_threshold:
            return ""
        if asks_stance:
            for number in _REPORT_NUMBER.findall(turn.question):
                for speaker in r.speakers:
                    if not self._speaker_mentions(speaker, number):
                        return message(prompts, lang, "not_discussed", name=speaker.value, report=f"SOU {number}")
        for target in r.targets:
            kinds = {e.kind for e in manifest.values() if getattr(e, target.field, None) == target.value}
            if target.field == "organisation" and asks_stance and kinds and kinds <= NON_POSITION_KINDS:
                return message(prompts, lang, "no_position", organisation=target.value)
        terms = question_terms(turn.standalone, lexical.vocab, r.targets)
        if lang == "sv" and terms:
            spoken = [h for h in r.hits if any(getattr(h.chunk, t.field) == t.value for t in r.targets)]
            if coverage(r.hits, terms, lexical.vocab, lexical.idf) < self.settings.min_coverage:
                return ""
            named_coverage = coverage(spoken, terms, lexical.vocab, lexical.idf)
            if r.targets and asks_stance and named_coverage < self.settings.min_speaker_coverage:
                return ""
        wanted = expectation(first_question(turn.question))
        if wanted is not None:
            # The names the question asks about count as topic here: "how many employees does X
            # have" needs X next to the number, not only in the speaker line.
            asked = first_question(r.swedish_words if lang == "en" else turn.standalone)
            topic = question_terms(asked, lexical.vocab, [])
            found = support(wanted, r.hits[:4], topic, lexical.vocab, lexical.idf, r.speakers, lexical.sentences_of)
            if found < self.settings.min_answer_support:
                return message(prompts, lang, wanted.missing)
        return None

    def _speaker_mentions(self, speaker: Target, number: str) -> bool:
        """Does any passage of the speaker cite the report number ("2018:48", also "2018 48" from PDFs)?"""
        year, serial = number.split(":")
        pattern = re.compile(rf"\b{year}\s*[:\s]\s*{serial}\b")
        return any(
            getattr(c, speaker.field) == speaker.value and pattern.search(c.text) for c in self.store.lexical().chunks
        )

    def _extractive(self, turn: Turn) -> Answer:
        started = time.perf_counter()
        r = turn.retrieval
        assert r is not None
        prompts = self.settings.prompts_dir
        reason = turn.abstain_reason
        if reason is not None:
            answer = self._abstention(turn, reason)
        else:
            vocab = self.store.lexical().vocab
            terms = question_terms(turn.standalone, vocab, r.targets)
            sentences = select_sentences(r.hits, terms, vocab)
            text, citations = compose(sentences, message(prompts, turn.language, "compilation"))
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
        abstained = message(prompts, turn.language, "abstain").rstrip(".") in text
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


def evidence_score(retrieval: Retrieval) -> float:
    """How strongly the best passage matches: dense similarity, lifted by lexical overlap.

    e5 cosine similarities of related Swedish text sit around 0.80–0.90, so on evals/dataset.jsonl
    this score barely separates answerable from unanswerable questions; REMISS_ABSTAIN_THRESHOLD
    (0.5) is only a floor for text unrelated to the corpus. The coverage rules do the real work.
    """
    lexical = min(retrieval.top_lexical / 10.0, 1.0)
    return retrieval.top_dense + 0.05 * lexical


def _snippet(text: str, limit: int = 220) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"


def _named(text: str, targets: list[Target]) -> list[str]:
    """The words of `text` that name the targets, as the user wrote them ("Malmö", "CKS")."""
    found = []
    for target in targets:
        for alias in sorted(aliases(target.value), key=len, reverse=True):
            match = re.search(rf"(?i)(?<![\wåäö]){re.escape(alias)}\w*", text)
            if match:
                found.append(match.group(0))
                break
    return found
