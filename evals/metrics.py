"""Answer-quality metrics. Each metric is a small function; its docstring says what it
measures, how, and its range. Every metric returns a float, NaN when it is undefined for the
input (e.g. a retrieval metric on a case without evidence, or an average over no cases).

Vocabulary:

- *matches*: for a ranked list of hits, one set per hit (rank order) with the indices of the
  case's evidence items the hit contains (`evidence_matches`). A hit contains an evidence
  item when its doc_id is one of the evidence's documents (its doc, or one that reproduces the
  quote verbatim) and the normalised quote is a substring of the normalised hit text
  (`normalise`: lower case, `*` and U+F0B7 removed, whitespace collapsed).
- *claims*: the units of an answer that make a statement: a quote line of the extractive
  answer, or a sentence of a free-text (LLM) answer (`answer_claims`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.swedish import analyse

NAN = float("nan")
_STRIP = str.maketrans({"*": None, "\uf0b7": None})
_CITATION = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"[.!?…][\"”’)]*(?:\s*\[\d+\])*(?=\s+[A-ZÅÄÖ0-9\"”(])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_QUOTES = "\"”“'’"


# -- evidence ------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Lower case, `*` and U+F0B7 (PDF bullet) removed, runs of whitespace collapsed to one space."""
    return " ".join(text.lower().translate(_STRIP).split())


Docs = str | Collection[str]


def _docs(docs: Docs) -> frozenset[str]:
    return frozenset([docs] if isinstance(docs, str) else docs)


def contains(doc_id: str, text: str, evidence_docs: Docs, quote: str) -> bool:
    """True when the passage (doc_id, text) is from an evidence document and contains the quote."""
    return doc_id in _docs(evidence_docs) and normalise(quote) in normalise(text)


def evidence_matches(hits: Iterable[tuple[str, str]], evidence: Sequence[tuple[Docs, str]]) -> list[frozenset[int]]:
    """For each hit (doc_id, text), in rank order, the indices of the evidence items (docs, quote) it contains.

    `docs` is one document id or several (the evidence document and those reproducing the quote)."""
    quotes = [(_docs(docs), normalise(quote)) for docs, quote in evidence]
    out = []
    for doc_id, text in hits:
        flat = normalise(text)
        out.append(frozenset(i for i, (docs, quote) in enumerate(quotes) if doc_id in docs and quote in flat))
    return out


# -- retrieval -----------------------------------------------------------------------------
def hit_at_k(matches: Sequence[Collection[int]], n_evidence: int, k: int) -> float:
    """Hit@k: 1.0 if any of the top-k hits contains any evidence item, else 0.0.

    Range 0–1 per case; NaN when the case has no evidence (n_evidence == 0)."""
    if n_evidence <= 0:
        return NAN
    return 1.0 if any(matches[:k]) else 0.0


def recall_at_k(matches: Sequence[Collection[int]], n_evidence: int, k: int) -> float:
    """Recall@k: share of the case's evidence items contained in at least one of the top-k hits.

    Range 0–1; equals Hit@k for a single evidence item. NaN when the case has no evidence."""
    if n_evidence <= 0:
        return NAN
    found = set().union(*matches[:k]) if matches[:k] else set()
    return len(found) / n_evidence


def mrr_at_k(matches: Sequence[Collection[int]], n_evidence: int, k: int = 10) -> float:
    """Reciprocal rank@k: 1/rank of the first hit in the top k that contains any evidence, 0.0 if none.

    Averaged over cases it is MRR@k. Range 0–1; NaN when the case has no evidence."""
    if n_evidence <= 0:
        return NAN
    for rank, found in enumerate(matches[:k], start=1):
        if found:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(matches: Sequence[Collection[int]], n_relevant: int, k: int = 10) -> float:
    """nDCG@k with binary relevance: a hit is relevant (gain 1) when it contains any evidence item.

    DCG = Σ rel_i / log2(i + 1) over ranks i = 1..k; IDCG is the DCG of the ideal list, with
    min(R, k) relevant hits first, where R = `n_relevant` = the number of passages in the
    index that contain evidence of the case (at least the number found). Range 0–1; NaN when
    R is 0 (no evidence, or none of it is in the index)."""
    gains = [1.0 if found else 0.0 for found in matches[:k]]
    n_relevant = max(n_relevant, int(sum(1 for found in matches if found)))
    if n_relevant <= 0:
        return NAN
    dcg = sum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(n_relevant, k) + 1))
    return dcg / idcg


# -- attribution ---------------------------------------------------------------------------
def body_matches(body: str, expected: str) -> bool:
    """True when the expected body name is contained in the passage's body, case-insensitively,
    starting at the beginning of the body or of a parenthesised part: "Äldrenämnden" matches
    "Äldrenämnden (äldreförvaltningen)", "Socialförvaltningen" matches "Socialnämnden
    (socialförvaltningen)", but "Socialnämnden" does not match "Arbetsmarknads- och socialnämnden"."""
    if not expected.strip():
        return False
    pattern = r"(?:^|\(\s*)" + re.escape(expected.strip().lower())
    return re.search(pattern, body.lower()) is not None


def attribution_accuracy(bodies: Sequence[str], expected: Sequence[str]) -> float:
    """Attribution accuracy: share of the passages an answer cites (or, for a retrieval-only
    system, of its top hits) whose speaking body matches one of the expected bodies (`body_matches`).

    Range 0–1; NaN when there are no passages or no expected bodies."""
    if not bodies or not expected:
        return NAN
    return sum(1 for b in bodies if any(body_matches(b, e) for e in expected)) / len(bodies)


# -- answers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """One statement of an answer and the citation numbers [n] attached to it."""

    text: str
    numbers: tuple[int, ...]

    @property
    def bare(self) -> str:
        """The statement without citation markers, list bullet and surrounding quotation marks."""
        text = _BULLET.sub("", _CITATION.sub("", self.text)).strip()
        return text.strip(_QUOTES + " ").strip()


def answer_claims(text: str, notices: Sequence[str] = ()) -> list[Claim]:
    """Split an answer into claims: each list item is one claim; other lines are split into sentences.

    Not claims: empty lines, notices, `**bold**` group labels, `#` headings and lead-in lines
    ending in ':' without a citation (e.g. "Sammanställning av vad källorna säger ...:")."""
    for notice in notices:
        text = text.replace(notice, "")
    claims: list[Claim] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or re.fullmatch(r"\*\*[^*]+\*\*:?", line):
            continue
        if line.endswith(":") and not _CITATION.search(line):
            continue
        units = [line] if _BULLET.match(line) else _sentences(line)
        for unit in units:
            numbers = tuple(dict.fromkeys(int(n) for n in _CITATION.findall(unit)))
            if Claim(unit, numbers).bare:
                claims.append(Claim(unit, numbers))
    return claims


def _sentences(line: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        out.append(line[start : m.end()].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [s for s in out if s]


def citation_coverage(claims: Sequence[Claim], valid_numbers: Collection[int]) -> float:
    """Citation coverage: share of the answer's claims (sentences / quote lines) carrying at least
    one valid citation [n], i.e. n is the number of a source of the answer.

    Range 0–1; NaN when the answer has no claims (e.g. an abstention)."""
    if not claims:
        return NAN
    return sum(1 for c in claims if any(n in valid_numbers for n in c.numbers)) / len(claims)


def citation_precision(valid: Sequence[bool]) -> float:
    """Citation precision: share of the cited passages that are correct citations, one boolean per
    cited passage: it contains gold evidence of the case, or it supports (`SupportJudge`) a claim
    that cites it.

    Range 0–1; NaN when nothing is cited."""
    if not valid:
        return NAN
    return sum(1 for v in valid if v) / len(valid)


def faithfulness(supported: Sequence[bool]) -> float:
    """Faithfulness: share of the answer's claims supported by the passages they cite (one boolean
    per claim, from `SupportJudge`); a claim without a citation is unsupported.

    Range 0–1; NaN when the answer has no claims."""
    if not supported:
        return NAN
    return sum(1 for s in supported if s) / len(supported)


def content_terms(text: str) -> set[str]:
    """Content words of a text as Swedish stems (stop words removed), as the lexical index sees them."""
    return set(analyse(text))


def lexical_support(claim: str, passage: str) -> float:
    """Share of the claim's content terms (stems) that occur in the passage; range 0–1, NaN if the claim has none."""
    terms = content_terms(claim)
    if not terms:
        return NAN
    return len(terms & content_terms(passage)) / len(terms)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors; range -1–1, NaN for a zero vector."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    norm = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y) / norm if norm else NAN


@dataclass(frozen=True)
class Support:
    verbatim: bool
    lexical: float
    cosine: float
    supported: bool


class SupportJudge:
    """Whether a claim is supported by a passage.

    Supported when the claim (without markers and quotation marks) occurs verbatim in the
    passage (normalised), or else when both its lexical support (share of its content stems in
    the passage) is at least `lexical_min` and the embedding cosine similarity of claim
    (embedded as a query) and passage (embedded as a passage) is at least `cosine_min`.
    Embeddings are only computed for claims that are not verbatim, and cached. A heuristic, not
    an entailment check: a paraphrase that flips the polarity of its passage can still pass."""

    def __init__(
        self,
        embed_query: Callable[[str], Sequence[float]] | None = None,
        embed_passage: Callable[[str], Sequence[float]] | None = None,
        lexical_min: float = 0.6,
        cosine_min: float = 0.87,
    ) -> None:
        self.embed_query = embed_query
        self.embed_passage = embed_passage
        self.lexical_min = lexical_min
        self.cosine_min = cosine_min
        self._vectors: dict[tuple[str, str], Sequence[float]] = {}

    def judge(self, claim: str, passage: str) -> Support:
        if normalise(claim) and normalise(claim) in normalise(passage):
            return Support(True, 1.0, NAN, True)
        lexical = lexical_support(claim, passage)
        if math.isnan(lexical) or lexical < self.lexical_min or self.embed_query is None:
            return Support(False, lexical, NAN, False)
        similarity = cosine(self._vector("q", claim), self._vector("p", passage))
        return Support(False, lexical, similarity, not math.isnan(similarity) and similarity >= self.cosine_min)

    def supports(self, claim: str, passages: Sequence[str]) -> bool:
        """True when any of the passages supports the claim."""
        return any(self.judge(claim, p).supported for p in passages)

    def _vector(self, kind: str, text: str) -> Sequence[float]:
        key = (kind, text)
        if key not in self._vectors:
            embed = self.embed_query if kind == "q" or self.embed_passage is None else self.embed_passage
            assert embed is not None
            self._vectors[key] = embed(text)
        return self._vectors[key]


# -- abstention ----------------------------------------------------------------------------
def abstention_precision(should_abstain: Sequence[bool], abstained: Sequence[bool]) -> float:
    """Abstention precision: of the cases where the system abstained, the share that should be
    abstained on (unanswerable). Positive class = should abstain.

    Range 0–1; NaN when the system never abstained."""
    predicted = [s for s, a in zip(should_abstain, abstained, strict=True) if a]
    if not predicted:
        return NAN
    return sum(1 for s in predicted if s) / len(predicted)


def abstention_recall(should_abstain: Sequence[bool], abstained: Sequence[bool]) -> float:
    """Abstention recall: of the unanswerable cases, the share on which the system abstained.

    Range 0–1; NaN when there are no unanswerable cases."""
    actual = [a for s, a in zip(should_abstain, abstained, strict=True) if s]
    if not actual:
        return NAN
    return sum(1 for a in actual if a) / len(actual)


def answer_rate(should_abstain: Sequence[bool], abstained: Sequence[bool]) -> float:
    """Answer rate: of the answerable cases, the share the system answered (did not abstain on).

    Range 0–1; NaN when there are no answerable cases."""
    answerable = [a for s, a in zip(should_abstain, abstained, strict=True) if not s]
    if not answerable:
        return NAN
    return sum(1 for a in answerable if not a) / len(answerable)


# -- aggregation ---------------------------------------------------------------------------
def mean(values: Iterable[float]) -> float:
    """Arithmetic mean of the defined (non-NaN) values; NaN when there are none."""
    defined = [v for v in values if v is not None and not math.isnan(v)]
    return sum(defined) / len(defined) if defined else NAN


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100, linear interpolation) of the values, e.g. latency p50/p95; NaN if empty."""
    defined = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.percentile(defined, q)) if defined else NAN


def latency_p50(seconds: Sequence[float]) -> float:
    """Median latency of the cases, in the unit given (seconds in, seconds out); NaN if empty."""
    return percentile(seconds, 50)


def latency_p95(seconds: Sequence[float]) -> float:
    """95th-percentile latency of the cases (linear interpolation); NaN if empty."""
    return percentile(seconds, 95)
