"""One respondent's position on each proposal: does it speak of it, and what stance do its words take.

"Addressed" is decided per sentence from two signals: how much of the proposal's distinctive
vocabulary (its title's rarest words across the proposals, less its text's) the sentence holds,
and the cosine of the sentence's e5 vector to the proposal's. A general statement ("positiv till
förslagen") names no proposal's own words, so it addresses none: ej_berört stays precise. The
stance is read from the addressing sentences by the fitted classifier (lexicon + vector).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.positions.classifier import StanceModel, hedged, lexical_features, lexicon_stance, without_cues
from assistant.positions.evidence import RespondentText, Sentence
from assistant.positions.model import Cell, CellQuote, Proposal
from assistant.swedish import analyse

# A sentence whose subject is the inquiry restates a proposal; the respondent's stance is in the next.
_RESTATES = re.compile(
    r"^(?:[-•]\s*)?(?:(?:tillits)?delegationen|utredningen|utredarna|betänkandet|regeringen föreslås|"
    r"i (?:kapitel|huvudbetänkandet|delbetänkandet|betänkandet|utredningen)|under (?:bland annat )?kapitel)\b|"
    r"(?<!som )\b(?:föreslås|rekommenderas)\b|"  # "i den riktning som föreslås" refers to it, restates nothing
    r"\b(?:tillsatte regeringen|regeringen tillsatte)\b",  # the inquiry's history
    re.IGNORECASE,
)
# Sections that tell the case's background (what was sent, to whom), not the respondent's view.
_BACKGROUND = re.compile(
    r"(?:^|> )(?:ärendet|ärendets beredning|bakgrund|beredning|jämställdhetsanalys|bilagor?|remiss från)", re.IGNORECASE
)
_REPORT = re.compile(r"\bSOU \d{4}:\d+|\bbetänkande", re.IGNORECASE)  # a report named by title is no section
_POINTS_TO_SECTION = re.compile(r"inom detta område|i denna del|under denna rubrik|inom området", re.IGNORECASE)
GENERAL = frozenset(
    analyse("förslag förslagen rekommendation rekommendationer betänkande betänkandet delegationen")
    # modal verbs and function words name no proposal, however rare they are in the documents
    + analyse("bör ska skall får kan behöver måste inom genom kring särskilt större utsträckning")
)


@dataclass(frozen=True)
class AddressParams:
    """How sure a sentence must be that it speaks of a proposal (tuned on the dev gold only)."""

    cosine_weight: float = 2.0
    cosine_floor: float = 0.82  # e5 cosines of unrelated Swedish sentences sit around 0.75-0.8
    threshold: float = 0.6
    section_weight: float = 0.6
    max_quotes: int = 3
    carry: float = 0.9  # a restating sentence hands this share of its score to the stance sentence after it
    background_carries: bool = False  # a background sentence (an attachments list) hands its topic on too
    carry_over_weaker: bool = True  # ... also to a stance sentence that names another proposal less strongly
    rival_ratio: float = 0.5  # without shared words, a sentence addresses proposals scoring this share of its best
    part_weight: float = 1.0  # a sentence covering one further sentence of a proposal's text addresses it this surely
    heading_weight: float = 0.3  # a sentence under a heading that names a proposal's section leans to its proposals
    copied_share: float = 0.8  # share of a sentence's terms in one proposal sentence that makes it a copy
    piece_cosine: bool = True  # the cosine to a proposal is the best over its text and each of its sentences
    sibling_ratio: float = 0.7  # of two proposals in one section, a sentence addresses only those near its best
    max_per_sentence: int = 2  # a sentence addressing more speaks in general: it keeps only what it names
    named_share: float = 0.8  # share of a title (or section heading) that counts as naming it
    signature_score: float = 0.75  # a sentence that says a proposal's own word addresses it
    evidence_scale: float = 6.0  # IDF weight of matched words that counts as fully addressed (two or three rare words)
    bare_threshold: float = 0.8  # a sentence without any stance cue must address the proposal this surely
    hedge_next: bool = True  # support followed at once by a reservation ("samtidigt", "dock") is conditional
    hedge_downgrade: bool = True  # support beside a hedge or condition in the same cell is conditional support
    best_threshold: float = 0.45  # a cued own sentence addresses the proposal it matches best from this score
    best_margin: float = 1.2  # ... when that proposal scores this many times the next best
    headed_bare: bool = True  # under a heading naming the proposal's section, a sentence needs no cue
    endorse: bool = (
        True  # a cell of comments whose respondent itself calls for the thing ("anser att … behöver") supports it
    )
    general_support: bool = True  # a qualified stance on the proposals as a whole is support for one it names


@dataclass
class ProposalProfile:
    """What a sentence must hold to speak of one proposal: weighted terms and a vector."""

    proposal: Proposal
    title_terms: dict[str, float]
    text_terms: dict[str, float]
    section_terms: dict[str, float]
    vector: np.ndarray
    own_title: frozenset[str] = frozenset()  # the words of the title alone
    signature: frozenset[str] = frozenset()  # title words no other proposal uses and the documents rarely do
    parts: tuple[dict[str, float], ...] = ()  # the terms of each further sentence of the proposal's text
    pieces: np.ndarray | None = None  # unit vectors of the text's sentences (a text of several)


PROPOSAL_WORDS = frozenset(analyse("förslag förslagen rekommendation rekommendationer"))
GENERAL_STANCE_WORDS = PROPOSAL_WORDS | frozenset(analyse("bedömningar bedömningarna"))
KIND_WORDS = {"förslag": frozenset(analyse("förslag")), "rekommendation": frozenset(analyse("rekommendation"))}


def named_kinds(terms: set[str]) -> frozenset[str]:
    """Which kinds of proposal a general sentence speaks of: "rekommendationerna" are not "förslagen"
    (an inquiry's summary keeps the two apart); naming both, or neither, means all."""
    kinds = frozenset(k for k, words in KIND_WORDS.items() if terms & words)
    return kinds if len(kinds) == 1 else frozenset(KIND_WORDS)


_MIN_HEAD = 8
SIGNATURE_RARITY = 0.5


_MIN_TAIL = 6


def _tail_of(term: str, words: set[str]) -> bool:
    """Is the term the last part of a compound among the words ("rekrytering" of "chefsrekrytering")?"""
    return len(term) >= _MIN_TAIL and any(len(w) > len(term) + 2 and w.endswith(term) for w in words)


@lru_cache(maxsize=1 << 12)
def _heading_terms(section: str) -> frozenset[str]:
    return frozenset(analyse(section.rsplit(">", 1)[-1]))


def heading_terms(s: Sentence) -> frozenset[str]:
    """The terms of the nearest heading the sentence stands under."""
    return _heading_terms(s.section)


def with_compound_heads(terms: set[str]) -> set[str]:
    """The terms plus their long prefixes, so "frikommuner" meets "frikommunförsök" and back."""
    out = set(terms)
    for t in terms:
        for n in range(_MIN_HEAD, len(t)):
            out.add(t[:n])
    return out


def _sentences(text: str) -> list[str]:
    return [t for t in re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", text.strip()) if t] if text else []


def key_text(p: Proposal) -> str:
    """What names a proposal: its title and its text's first sentence (a bullet's title is cut short)."""
    first = _sentences(p.text)[0] if p.text else ""
    return f"{p.title} {first}" if first and first not in p.title else p.title


def profiles(
    proposals: Sequence[Proposal],
    embed: Callable[[list[str]], list[list[float]]],
    rarity: Callable[[str], float] | None = None,
) -> list[ProposalProfile]:
    """Term weights are IDF over the proposals, so words every proposal shares count for little,
    times how rare the word is in the documents (`rarity`, 0-1): "styrning" names no proposal."""
    bags = [set(analyse(f"{p.title} {p.text}")) for p in proposals]
    df = Counter(t for bag in bags for t in bag)
    n = len(proposals)

    def idf(term: str) -> float:
        return math.log((n + 1) / (df.get(term, 0) + 0.5)) * (rarity(term) if rarity else 1.0)

    vectors = embed([f"{p.title}. {p.text}"[:1200] for p in proposals]) if proposals else []
    # Each sentence of a longer text is embedded too: a respondent answers one part at a time.
    pieces = [[t for t in _sentences(p.text) if len(t) > 30] if len(_sentences(p.text)) > 1 else [] for p in proposals]
    flat = [t[:600] for ts in pieces for t in ts]
    piece_vectors = iter(embed(flat) if flat else [])
    out = []
    for p, vector, ts in zip(proposals, vectors, pieces, strict=True):
        own_pieces = [np.asarray(next(piece_vectors), dtype=np.float32) for _ in ts]
        title = {t: idf(t) for t in analyse(key_text(p)) if t not in GENERAL and len(t) > 2}
        text = {t: 0.3 * idf(t) for t in analyse(p.text) if t not in GENERAL and len(t) > 2 and t not in title}
        section = {t: idf(t) for t in analyse(p.section) if t not in GENERAL and len(t) > 2}
        v = np.asarray(vector, dtype=np.float32)
        own = frozenset(analyse(p.title))
        signature = frozenset(
            t for t in own if df.get(t, 0) == 1 and len(t) > 5 and (rarity(t) if rarity else 1.0) >= SIGNATURE_RARITY
        )
        parts = tuple(
            part
            for sentence in _sentences(p.text)[1:]
            if (part := {t: idf(t) for t in analyse(sentence) if t not in GENERAL and len(t) > 2 and t in text})
        )
        piece_matrix = np.vstack([u / (np.linalg.norm(u) or 1.0) for u in own_pieces]) if own_pieces else None
        out.append(
            ProposalProfile(
                p, title, text, section, v / (np.linalg.norm(v) or 1.0), own, signature, parts, piece_matrix
            )
        )
    return out


@dataclass
class Addressing:
    """sentences × proposals: the score, and which of the proposal's words each sentence holds."""

    scores: np.ndarray
    matched: list[list[frozenset[str]]]
    named: np.ndarray | None = None  # share of the proposal's own title the sentence holds
    section: np.ndarray | None = None  # how well a general sentence names the proposal's section


def address_scores(respondent: RespondentText, profs: Sequence[ProposalProfile], params: AddressParams) -> Addressing:
    """How strongly each sentence speaks of each proposal: its distinctive words, the e5 cosine,
    and, for a sentence about "the proposals" under a heading, how well the heading (or the
    sentence) names the proposal's section of the summary."""
    n = len(respondent.sentences)
    if not n or not profs:
        return Addressing(
            np.zeros((n, len(profs))), [[frozenset()] * len(profs) for _ in range(n)], np.zeros((n, len(profs)))
        )
    cos = respondent.vectors @ np.vstack([p.vector for p in profs]).T
    for j, p in enumerate(profs):
        if p.pieces is not None and params.piece_cosine:
            cos[:, j] = np.maximum(cos[:, j], (respondent.vectors @ p.pieces.T).max(axis=1))
    # One column per term any proposal weighs: the sentences hit terms as a matrix, then all sums at once.
    vocab = sorted({u for p in profs for u in (*p.title_terms, *p.text_terms)})
    column = {u: k for k, u in enumerate(vocab)}
    title_w = np.zeros((len(vocab), len(profs)))
    text_w = np.zeros((len(vocab), len(profs)))
    own_w = np.zeros((len(vocab), len(profs)))
    signature = np.zeros((len(vocab), len(profs)), dtype=bool)
    top = np.zeros((len(vocab), len(profs)), dtype=bool)
    for j, p in enumerate(profs):
        for u, w in p.title_terms.items():
            title_w[column[u], j] = w
            own_w[column[u], j] = w if u in p.own_title else 0.0
            signature[column[u], j] = u in p.signature
        for u, w in p.text_terms.items():
            text_w[column[u], j] = w
        title_only = {u: w for u, w in p.title_terms.items() if u in p.own_title}
        if title_only:
            top[column[max(title_only, key=title_only.__getitem__)], j] = True
    # A sentence word that is the head of a proposal's compound meets it ("frikommun" the
    # "frikommunförsök"), unless the head is itself a word some proposal weighs: then "landsting"
    # means landsting, not "landstingsdirektör", and is counted once, as itself.
    vocab_set = set(vocab)
    heads = {u: {u[:n] for n in range(_MIN_HEAD, len(u))} - vocab_set for u in vocab}
    section_vocab = sorted({u for p in profs for u in p.section_terms})
    section_column = {u: k for k, u in enumerate(section_vocab)}
    section_w = np.zeros((len(section_vocab), len(profs)))
    for j, p in enumerate(profs):
        for u, w in p.section_terms.items():
            section_w[section_column[u], j] = w
    hits = np.zeros((n, len(vocab)))
    in_heading = np.zeros((n, len(section_vocab)))
    under = np.zeros((n, len(section_vocab)))  # the words of the heading each sentence stands under
    of_kind = np.ones((n, len(profs)))
    kinds = [p.proposal.kind for p in profs]
    for i, s in enumerate(respondent.sentences):
        raw = set(analyse(without_cues(s.text)))
        terms = with_compound_heads(raw)
        hits[i, [column[u] for u in vocab if u in terms or heads[u] & raw or _tail_of(u, raw)]] = 1.0
        under[i, [section_column[u] for u in section_vocab if u in heading_terms(s)]] = 1.0
        # "the proposals" of the section it stands under, or of a section it names (not a report's title)
        general = (
            bool(terms & PROPOSAL_WORDS) and bool(lexical_features(s.text)[:3].any()) and not _REPORT.search(s.text)
        )
        if general:
            heading = terms | set(analyse(s.section.rsplit(">", 1)[-1])) if _POINTS_TO_SECTION.search(s.text) else terms
            in_heading[i, [section_column[u] for u in section_vocab if u in heading]] = 1.0
            spoken = named_kinds(terms)
            of_kind[i] = [1.0 if k in spoken or k not in KIND_WORDS else 0.0 for k in kinds]
    weight = hits @ title_w + hits @ text_w
    own_sums = own_w.sum(axis=0)
    own_title = (hits @ own_w) / np.where(own_sums > 0, own_sums, 1.0)
    signed = (hits @ signature) > 0
    named = np.where(signed | ((hits @ top) > 0), 1.0, own_title)
    denominators = np.where(title_w.sum(axis=0) > 0, title_w.sum(axis=0), 1.0)
    lexical = np.minimum(1.0, np.maximum(own_title, np.maximum(weight / denominators, weight / params.evidence_scale)))
    lexical = np.where(signed, np.maximum(lexical, params.signature_score), lexical)
    # A proposal of several parts ("… and SKL should support their analysis capacity") is
    # addressed by a sentence that speaks of one part as well as by one that names its title.
    for j, p in enumerate(profs):
        for part in p.parts:
            w = np.zeros(len(vocab))
            w[[column[u] for u in part]] = list(part.values())
            covered = (hits @ w) / max(w.sum(), params.evidence_scale)
            lexical[:, j] = np.maximum(lexical[:, j], params.part_weight * np.minimum(1.0, covered))
    section_sums = section_w.sum(axis=0)
    section = of_kind * (in_heading @ section_w) / np.where(section_sums > 0, section_sums, 1.0)
    weighed = (title_w > 0) | (text_w > 0)
    matched = [
        [frozenset(vocab[k] for k in row if weighed[k, j]) for j in range(len(profs))]
        for row in (np.flatnonzero(h) for h in hits)
    ]
    scores = lexical + params.cosine_weight * np.maximum(0.0, cos - params.cosine_floor)
    # A respondent answering under the inquiry's own headings speaks of that section's proposals.
    beneath = (under @ section_w) / np.where(section_sums > 0, section_sums, 1.0)
    beneath = np.where(beneath >= params.named_share, params.heading_weight, 0.0)
    return Addressing(scores + params.section_weight * section + beneath, matched, named, section)


def under_section(s: Sentence, proposal: Proposal, params: AddressParams) -> bool:
    """Does the sentence stand under a heading that names the proposal's section of the summary (the
    respondent answering the inquiry under its own headings)?"""
    wanted = {t for t in _heading_terms(proposal.section) if t not in GENERAL and len(t) > 2}
    return bool(wanted) and len(wanted & heading_terms(s)) >= params.named_share * len(wanted)


def background(s: Sentence) -> bool:
    """Does the sentence tell the case's background (its section, or a list of attachments naming
    the reports) rather than speak of the matter?"""
    section = s.section.rsplit(">", 1)[-1].strip()
    return bool(_BACKGROUND.search(section) or _BACKGROUND.search(s.section) or _ATTACHMENTS.match(s.text))


_ATTACHMENTS = re.compile(r"\s*bilagor?\b", re.IGNORECASE)


def own_words(s: Sentence) -> bool:
    """Is this the respondent's own view (not a restatement of the inquiry, not the case's background)?"""
    if background(s):
        return False
    return not _RESTATES.search(s.text) or bool(lexical_features(s.text)[:3].any())


def quotes_proposal(text: str, proposal_sentences: Sequence[frozenset[str]], params: AddressParams) -> bool:
    """Does the sentence copy a sentence of the inquiry's proposals without a cue of its own? A
    respondent that reprints the proposal before answering it is not yet answering."""
    terms = set(analyse(text))
    if len(terms) < 4 or lexical_features(text)[:3].any():
        return False
    return any(len(terms & p) >= params.copied_share * len(terms) for p in proposal_sentences)


def effective_scores(
    respondent: RespondentText,
    addressing: Addressing,
    params: AddressParams,
    profs: Sequence[ProposalProfile] = (),
) -> np.ndarray:
    """Scores of the respondent's own sentences; a restatement passes its score on to the stance
    sentence right after it (same section). A sentence does not address a proposal whose words it
    holds only as part of a better-matching proposal's ("statsbidrag" of two proposals: the closer)."""
    sentences = respondent.sentences
    raw = addressing.scores
    quoted = [frozenset(analyse(t)) for p in profs for t in _sentences(p.proposal.text)]
    own = np.array([own_words(s) and not quotes_proposal(s.text, quoted, params) for s in sentences], dtype=bool)
    cued = np.array([bool(lexical_features(s.text)[:3].any()) for s in sentences], dtype=bool)
    eff = np.where(own[:, None], raw, 0.0)
    for i in range(len(sentences) - 1):
        nxt = sentences[i + 1]
        same_place = nxt.doc_id == sentences[i].doc_id and nxt.section == sentences[i].section
        # ... unless that sentence names a proposal of its own: then it speaks of that one.
        # (A weaker name of its own, a word shared with another proposal, does not outweigh what was restated.)
        floor = (
            max(params.threshold, params.carry * raw[i].max(initial=0.0))
            if params.carry_over_weaker
            else params.threshold
        )
        names_own = raw[i + 1].max(initial=0.0) >= floor
        told = params.background_carries or not background(sentences[i])  # background hands on no topic
        if same_place and told and own[i + 1] and cued[i + 1] and (not cued[i] or not own[i]) and not names_own:
            eff[i + 1] = np.maximum(eff[i + 1], params.carry * raw[i])
    out = eff.copy()
    sections = [p.proposal.section for p in profs] if profs else []
    for i in range(len(sentences)):
        row = eff[i]
        best = row.max() if row.size else 0.0
        # Neighbouring proposals of one section share their theme's words ("tillsyn"): a sentence
        # speaks of the one it matches best there, and of a sibling only if that scores nearly as well.
        for j in np.flatnonzero(row > 0):
            siblings = [q for q in range(len(sections)) if sections[q] == sections[j]]
            if row[j] < params.sibling_ratio * max(row[q] for q in siblings):
                out[i, j] = 0.0
        for j in np.flatnonzero(row > 0):
            words = addressing.matched[i][j]
            if not words:
                if row[j] < params.rival_ratio * best:
                    out[i, j] = 0.0
                continue
            if any(row[q] > row[j] and words <= addressing.matched[i][q] for q in np.flatnonzero(row > row[j])):
                out[i, j] = 0.0
        # A sentence that seems to address many proposals speaks of them all in general: it
        # addresses only those it names by title.
        if (out[i] >= params.threshold).sum() > params.max_per_sentence and addressing.named is not None:
            keep = addressing.named[i] >= params.named_share
            if addressing.section is not None:
                keep |= addressing.section[i] >= params.named_share
            out[i] = np.where(keep, out[i], 0.0)
        # A sentence with a stance of its own speaks of the proposal it matches best, even in its own words.
        if cued[i] and own[i] and out[i].size and params.best_threshold < params.threshold:
            order = np.argsort(-out[i])
            top, second = out[i, order[0]], (out[i, order[1]] if out[i].size > 1 else 0.0)
            if params.best_threshold <= top < params.threshold and top >= params.best_margin * second:
                out[i, order[0]] = params.threshold
    return out


def cell_for(
    respondent: RespondentText,
    proposal: Proposal,
    column: np.ndarray,
    stance_of: Callable[[list[Sentence], list[int]], list[tuple[str, float]]],
    params: AddressParams,
    row_best: np.ndarray | None = None,
) -> Cell:
    """The cell from the sentences that address the proposal (none: ej_berört). `row_best`: each
    sentence's best score over the proposals (a sentence without a cue under the proposal's section
    heading addresses the proposal it matches best)."""
    chosen = [
        i
        for i in np.argsort(-column, kind="stable")
        if column[i] >= params.threshold
        and not respondent.sentences[i].heading_like
        and (
            column[i] >= params.bare_threshold
            or lexical_features(respondent.sentences[i].text)[:5].any()
            or (
                params.headed_bare
                and row_best is not None
                and column[i] >= row_best[i]
                and respondent.sentences[i].text.rstrip().endswith((".", "!", "?"))  # a heading's words say nothing
                and under_section(respondent.sentences[i], proposal, params)
            )
        )
    ]
    if not chosen:
        return Cell(proposal.id, respondent.organisation, respondent.body, "ej_berört", 0.6, (), "lexicon+classifier")
    # Prefer sentences that carry a stance cue; then the most addressing.
    cued = [i for i in chosen[:8] if lexical_features(respondent.sentences[i].text)[:4].any()]
    picked = (cued + [i for i in chosen if i not in cued])[: params.max_quotes]
    labels = stance_of([respondent.sentences[i] for i in picked], picked)
    if params.general_support:
        labels = [of_the_whole(respondent.sentences[i].text, label) for i, label in zip(picked, labels, strict=True)]
    stance, confidence = combine(labels)
    if params.endorse and stance == "synpunkter" and any(endorses(respondent.sentences[i].text) for i in picked):
        stance = "tillstyrker"
    if params.hedge_downgrade and stance == "tillstyrker" and any(hedged(respondent.sentences[i].text) for i in picked):
        stance = "tillstyrker_delvis"
    elif params.hedge_next and stance == "tillstyrker":
        # "Nämnden tillstyrker. Den vill samtidigt framhålla att …": a reservation right after the support
        after = [
            reservation_after(respondent, i) for i, (s, _) in zip(picked, labels, strict=True) if s == "tillstyrker"
        ]
        if found := next((j for j in after if j is not None), None):
            stance = "tillstyrker_delvis"
            picked = [*picked[: params.max_quotes - 1], found] if found not in picked else picked
    strength = float(min(1.0, column[picked[0]]))
    quotes = tuple(quote(respondent.sentences[i]) for i in picked)
    return Cell(
        proposal.id,
        respondent.organisation,
        respondent.body,
        stance,
        round(confidence * strength, 3),
        quotes,
        "lexicon+classifier",
    )


_OPINION = re.compile(r"\b(?:anser|menar|bedömer|delar|instämmer|ser)\b", re.IGNORECASE)
_NORMATIVE = re.compile(
    r"\b(?:behöver|bör|måste|viktigt|väsentlig|självklart|centralt|av stor vikt|en förutsättning för)\b", re.IGNORECASE
)


def endorses(text: str) -> bool:
    """Does the respondent say in its own voice that something is needed ("anser att … behöver …",
    "anser det som självklart att …"), with no opposition or hedge? Beside a proposal that asks for
    it, that is support, not a comment."""
    _, negated, oppose, *_ = lexical_features(text)
    if negated or oppose or hedged(text) or _CONTRAST.search(text):
        return False
    return bool(_NORMATIVE.search(text)) and bool(_OPINION.search(text))


def of_the_whole(text: str, label: tuple[str, float]) -> tuple[str, float]:
    """A sentence about the proposals as a whole ("instämmer i huvudsak i förslagen, t.ex. …") qualifies
    the whole; for one proposal it names it is support, unless it holds an explicit hedge or opposition."""
    if label[0] != "tillstyrker_delvis" or not set(analyse(text)) & GENERAL_STANCE_WORDS:
        return label
    support, negated, oppose, *_ = lexical_features(text)
    qualified = negated or oppose or hedged(text) or _CONTRAST.search(text)
    return ("tillstyrker", label[1]) if support and not qualified else label


# A reservation said in the sentence itself ("… men vill betona", "samtidigt") qualifies every proposal it names.
_CONTRAST = re.compile(r"\b(?:men|dock|samtidigt|emellertid|även om|förutsatt|under förutsättning)\b", re.IGNORECASE)


_RESERVATION = re.compile(r"^(?:\S+\s+){0,6}?(?:dock|samtidigt|emellertid|däremot)\b", re.IGNORECASE)


def reservation_after(respondent: RespondentText, i: int) -> int | None:
    """The sentence right after sentence i (same document and section) when it opens with a
    reservation ("Förvaltningen vill samtidigt framhålla …", "Det är dock viktigt …")."""
    if i + 1 >= len(respondent.sentences):
        return None
    this, nxt = respondent.sentences[i], respondent.sentences[i + 1]
    if nxt.doc_id != this.doc_id or nxt.section != this.section or nxt.heading_like:
        return None
    return i + 1 if _RESERVATION.search(nxt.text) else None


def combine(labels: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """Several sentences' stances as one: support and opposition together make a conditional support."""
    if not labels:
        return "synpunkter", 0.3
    found = {s for s, _ in labels}
    confidence = float(np.mean([c for _, c in labels]))
    if "tillstyrker" in found and "avstyrker" in found:
        return "tillstyrker_delvis", confidence
    for stance in ("avstyrker", "tillstyrker_delvis", "tillstyrker"):
        if stance in found:
            return stance, max(c for s, c in labels if s == stance)
    return "synpunkter", confidence


def quote(s: Sentence) -> CellQuote:
    return CellQuote(s.text, s.doc_id, s.page, s.start, s.end, s.title)


def classifier_stances(
    model: StanceModel | None, respondent: RespondentText
) -> Callable[[list[Sentence], list[int]], list[tuple[str, float]]]:
    def stance_of(sentences: list[Sentence], rows: list[int]) -> list[tuple[str, float]]:
        if model is None:
            return [(lexicon_stance(s.text), 0.5) for s in sentences]
        return model.classify([s.text for s in sentences], respondent.vectors[rows])

    return stance_of


def overall(respondent: RespondentText, model: StanceModel | None, scores: np.ndarray | None = None) -> tuple[str, str]:
    """The respondent's stance on the proposals as a whole: its first own sentence about "the
    proposals" with a cue, preferring one that addresses no single proposal."""
    return overall_choice(respondent, overall_candidates(respondent, scores), classifier_stances(model, respondent))


def overall_candidates(respondent: RespondentText, scores: np.ndarray | None = None) -> list[tuple[int, bool]]:
    """Sentences that may carry the overall stance (own, cued, about "the proposals"), each with
    whether it addresses no single proposal."""
    threshold = AddressParams().threshold
    return [
        (i, not (scores is not None and scores.size) or bool(scores[i].max() < threshold))
        for i, s in enumerate(respondent.sentences)
        if not s.heading_like and set(analyse(s.text)) & GENERAL and lexical_features(s.text)[:3].any() and own_words(s)
    ]


def overall_choice(
    respondent: RespondentText,
    candidates: Sequence[tuple[int, bool]],
    stance_of: Callable[[list[Sentence], list[int]], list[tuple[str, float]]],
) -> tuple[str, str]:
    general = [i for i, g in candidates if g]
    chosen = general or [i for i, _ in candidates]
    if chosen:
        s = respondent.sentences[chosen[0]]
        return stance_of([s], [chosen[0]])[0][0], s.text
    return "synpunkter" if respondent.sentences else "ej_berört", ""
