"""Unit tests of assistant/ui/render.py: escaping, source cards, feedback lines, export."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import pytest
from markdown_it import MarkdownIt

from assistant.originals import SourceInfo
from assistant.records import Answer, Citation, Hit
from assistant.retrieval import Filters
from assistant.ui.render import (
    CONTEXT_CHARS,
    answer_markdown,
    append_feedback,
    conversation_markdown,
    feedback_record,
    filters_text,
    safe_text,
    source_cards,
)
from ingest.records import Chunk

XSS = "<img src=x onerror=alert(1)>"


def make_chunk(text: str = "Nämnden välkomnar förslaget.", **overrides: object) -> Chunk:
    values: dict[str, object] = {
        "id": "doc-1:abc:0",
        "doc_id": "doc-1",
        "doc_hash": "abc",
        "text": text,
        "source": "doc-1.txt",
        "title": "Malmö stads yttrande",
        "organisation": "Malmö stad",
        "body": "Arbetsmarknads- och socialnämnden",
        "kind": "yttrande",
        "section": "1. Styrning",
        "page": 4,
        "start": 0,
        "end": len(text),
        "token_count": 10,
    }
    values.update(overrides)
    return Chunk(**values)  # type: ignore[arg-type]


def make_citation(n: int, chunk: Chunk, quote: str, start: int, end: int, score: float = 0.0421) -> Citation:
    return Citation(n, Hit(chunk, score, n, ("dense", "lexical")), quote, start, end)


def make_answer(question: str, text: str, citations: tuple[Citation, ...] = (), **overrides: object) -> Answer:
    values: dict[str, object] = {"abstained": False, "mode": "extractive"}
    values.update(overrides)
    return Answer(question, text, citations, **values)  # type: ignore[arg-type]


def rendered_text(markdown: str) -> str:
    """What a reader sees: the Markdown rendered (CommonMark) with tags dropped and entities decoded."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


# -- safe_text -----------------------------------------------------------------------------------
def test_safe_text_escapes_html() -> None:
    escaped = safe_text(XSS)
    assert escaped == "&lt;img src=x onerror=alert(1)&gt;"
    assert "<" not in escaped and ">" not in escaped


def test_safe_text_escapes_ampersands_once() -> None:
    assert safe_text("A & B &lt;") == "A &amp; B &amp;lt;"


@pytest.mark.parametrize("char", ["\\", "`", "*", "_", "[", "]", "#", "|"])
def test_safe_text_escapes_markdown_characters(char: str) -> None:
    assert safe_text(f"a{char}b") == f"a\\{char}b"


@pytest.mark.parametrize(
    "text",
    [
        XSS,
        "<script>alert(1)</script>",
        "*fet* och _kursiv_ och **mycket fet**",
        "[klicka här](javascript:alert(1))",
        "![bild](x)",
        "`kod` och ``mer kod``",
        "# Rubrik",
        "a | b | c",
        "sökväg C:\\temp\\fil",
        "A & B &amp; C",
    ],
)
def test_safe_text_renders_as_itself(text: str) -> None:
    rendered = MarkdownIt("commonmark").render(safe_text(text))
    assert rendered_text(safe_text(text)) == text
    assert "<img" not in rendered and "<script" not in rendered and "<a " not in rendered and "<em>" not in rendered


# -- answer_markdown ------------------------------------------------------------------------------
def test_answer_markdown_keeps_citations_and_bold_but_escapes_html() -> None:
    answer = make_answer(
        "Vad tycker Malmö?",
        f"**Malmö stad, Nämnden**\n- ”Nämnden välkomnar {XSS}.” [1]",
        notices=("Språkmodellen svarade inte.",),
    )
    md = answer_markdown(answer)
    rendered = MarkdownIt("commonmark").render(md)
    assert rendered.startswith("<p><em>Språkmodellen svarade inte.</em></p>")
    assert "<strong>Malmö stad, Nämnden</strong>" in rendered
    assert "<img" not in rendered and "<img" not in md
    assert f"”Nämnden välkomnar {XSS}.” [1]" in rendered_text(md)


def test_answer_markdown_shows_markdown_from_sources_literally() -> None:
    """Answer text quotes documents (or comes from a language model): links and images in it
    must show as text. Only the citation markers [n] are meant to survive as such."""
    answer = make_answer(
        "Vad tycker Malmö?",
        "”Se ![spår](http://127.0.0.1:9/p.png) och [klicka](http://127.0.0.1:9/) och [1](http://127.0.0.1:9/)” [1]",
    )
    rendered = MarkdownIt("commonmark").render(answer_markdown(answer))
    assert "<img" not in rendered, rendered
    assert "<a " not in rendered, rendered
    assert "![spår](http://127.0.0.1:9/p.png)" in rendered_text(answer_markdown(answer))


# -- source_cards ---------------------------------------------------------------------------------
def test_source_cards_empty_without_citations() -> None:
    assert source_cards(make_answer("q", "a"), {}) == ""


def test_source_cards_escape_document_text() -> None:
    doc = "Inledning. <script>alert(1)</script> Nämnden välkomnar förslaget. <b>Slut</b>"
    start = doc.index("Nämnden")
    end = start + len("Nämnden välkomnar förslaget.")
    chunk = make_chunk(doc[start:end], start=start, end=end)
    html_out = source_cards(
        make_answer("q", "a", (make_citation(1, chunk, doc[start:end], start, end),)), {"doc-1": doc}
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    assert "<script" not in html_out
    assert "&lt;b&gt;Slut&lt;/b&gt;" in html_out and "<b>" not in html_out


def test_source_cards_escape_metadata() -> None:
    chunk = make_chunk(
        "Text.",
        title="<i>Titel</i>",
        organisation="<b>Org</b>",
        body="Nämnd <u>x</u>",
        section=XSS,
        end=5,
    )
    html_out = source_cards(make_answer("q", "a", (make_citation(1, chunk, "Text.", 0, 5),)), {"doc-1": "Text."})
    for raw in ("<i>", "<b>", "<u>", "<img"):
        assert raw not in html_out
    assert "&lt;b&gt;Org&lt;/b&gt; – Nämnd &lt;u&gt;x&lt;/u&gt;" in html_out
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_out


def test_source_card_marks_the_quote_at_its_offsets() -> None:
    before = "a" * (CONTEXT_CHARS + 50)
    quote = "Nämnden anser att <tillit> & kontroll hör ihop."
    after = "b" * (CONTEXT_CHARS + 50)
    doc = before + quote + after
    start, end = len(before), len(before) + len(quote)
    # The same words earlier in the text must not be marked: the offsets decide.
    doc = quote + doc[len(quote) :]
    chunk = make_chunk(quote, start=start, end=end)
    card = source_cards(make_answer("q", "a", (make_citation(1, chunk, quote, start, end),)), {"doc-1": doc})
    marks = re.findall(r"<mark>(.*?)</mark>", card, re.DOTALL)
    assert marks == [html.escape(doc[start:end])]
    context = re.search(r"<div class='context'>(.*?)</div>", card, re.DOTALL)
    assert context is not None
    shown = context.group(1)
    pre, _, post = shown.partition("<mark>")
    post = post.partition("</mark>")[2]
    assert pre == "… " + doc[start - CONTEXT_CHARS : start]
    assert post == doc[end : end + CONTEXT_CHARS] + " …"


def test_source_card_near_the_start_has_no_leading_ellipsis() -> None:
    doc = "Kort inledning. Citatet står här. Och sedan slutet."
    start = doc.index("Citatet")
    end = start + len("Citatet står här.")
    chunk = make_chunk(doc[start:end], start=start, end=end)
    card = source_cards(make_answer("q", "a", (make_citation(2, chunk, doc[start:end], start, end),)), {"doc-1": doc})
    assert "<div class='context'>Kort inledning. <mark>Citatet står här.</mark> Och sedan slutet.</div>" in card
    assert "<summary>[2] Malmö stad – Arbetsmarknads- och socialnämnden</summary>" in card
    assert "data-n='2'" in card
    assert "s. 4" in card and "1. Styrning" in card
    assert "poäng" not in card and "0.042" not in card  # scores are for --json, not for staff


def test_source_card_shows_date_dnr_and_a_link_to_the_pdf_page() -> None:
    chunk = make_chunk("Citatet.", start=0, end=8)
    answer = make_answer("q", "a", (make_citation(1, chunk, "Citatet.", 0, 8),))
    info = SourceInfo("2018-10-30", "KS 2018/1086", "gradio_api/file=/corpus/svar%20x.pdf", is_pdf=True)
    card = source_cards(answer, {"doc-1": "Citatet."}, {"doc-1": info})
    assert "<span class='date'>2018-10-30</span>" in card
    assert "<span class='dnr'>Dnr KS 2018/1086</span>" in card
    assert "href='gradio_api/file=/corpus/svar%20x.pdf#page=4'" in card and "Öppna originalet (s. 4)" in card
    text_info = SourceInfo("", "Dnr 12/18", "gradio_api/file=/corpus/svar.txt")
    card = source_cards(answer, {"doc-1": "Citatet."}, {"doc-1": text_info})
    assert "href='gradio_api/file=/corpus/svar.txt'" in card and "Dnr Dnr" not in card and "class='date'" not in card


def test_source_card_falls_back_to_the_quote_without_document_text() -> None:
    chunk = make_chunk("Citat <här>.", start=10, end=22)
    card = source_cards(make_answer("q", "a", (make_citation(1, chunk, "Citat <här>.", 10, 22),)), {})
    assert "<mark>Citat &lt;här&gt;.</mark>" in card


def test_source_card_names_the_organisation_once_when_it_is_the_body() -> None:
    chunk = make_chunk("Text.", body="Malmö stad", end=5)
    card = source_cards(make_answer("q", "a", (make_citation(1, chunk, "Text.", 0, 5),)), {"doc-1": "Text."})
    assert "<summary>[1] Malmö stad</summary>" in card


# -- feedback -------------------------------------------------------------------------------------
def sample_answer() -> Answer:
    text = "Kort inledning. Nämnden välkomnar förslaget. Slut."
    start = text.index("Nämnden")
    end = start + len("Nämnden välkomnar förslaget.")
    citation = make_citation(1, make_chunk(text), text[start:end], start, end)
    return make_answer("Vad tycker Malmö?", "”Nämnden välkomnar förslaget.” [1]", (citation,))


def test_feedback_record_has_the_fields() -> None:
    record = feedback_record(sample_answer(), "upp", "  Bra svar! <b>  ")
    assert record["question"] == "Vad tycker Malmö?"
    assert record["answer"] == "”Nämnden välkomnar förslaget.” [1]"
    assert record["citations"] == [
        {
            "n": 1,
            "doc_id": "doc-1",
            "body": "Arbetsmarknads- och socialnämnden",
            "quote": "Nämnden välkomnar förslaget.",
        }
    ]
    assert record["vote"] == "upp"
    assert record["comment"] == "Bra svar! <b>"
    assert record["mode"] == "extractive"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", record["time"])


def test_append_feedback_writes_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "feedback.jsonl"
    first = feedback_record(sample_answer(), "upp", "rad ett\nmed radbrytning")
    second = feedback_record(sample_answer(), "ner", "åäö ”citat”")
    append_feedback(path, first)
    append_feedback(path, second)
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    lines = raw.splitlines()
    assert [json.loads(line) for line in lines] == [first, second]
    assert "åäö" in raw  # stored as UTF-8, not \u escapes


class _PieceWiseFile:
    """A text file whose writes land in small flushed pieces, as on a slow or network disk."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh

    def write(self, text: str) -> int:
        for i in range(0, len(text), 4096):
            self._fh.write(text[i : i + 4096])
            self._fh.flush()
            time.sleep(0.0002)
        return len(text)

    def __enter__(self) -> _PieceWiseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


class PieceWisePath(type(Path())):  # type: ignore[misc]
    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return _PieceWiseFile(super().open(*args, **kwargs))


@pytest.mark.parametrize("piecewise", [False, True], ids=["plain-file", "piecewise-writes"])
def test_append_feedback_from_many_threads_never_interleaves(tmp_path: Path, piecewise: bool) -> None:
    path = (PieceWisePath if piecewise else Path)(tmp_path / "feedback.jsonl")
    threads_n, per_thread = 8, 40
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_thread):
                # Large lines (~64 KB) make a torn write likely if writes were not serialised.
                append_feedback(path, {"thread": t, "i": i, "comment": f"{t}-{i}-" + "x" * 65_536})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == threads_n * per_thread
    records = [json.loads(line) for line in lines]
    assert {(r["thread"], r["i"]) for r in records} == {(t, i) for t in range(threads_n) for i in range(per_thread)}
    assert all(r["comment"] == f"{r['thread']}-{r['i']}-" + "x" * 65_536 for r in records)


# -- conversation_markdown ------------------------------------------------------------------------
def test_conversation_markdown_has_questions_answers_and_sources() -> None:
    first = sample_answer()
    chunk = make_chunk(
        "Äldrenämnden delar uppfattningen.", organisation="Stockholms stad", body="Äldrenämnden", page=None
    )
    second = make_answer(
        "Och vad tycker Äldrenämnden?",
        "”Äldrenämnden delar uppfattningen.” [1]",
        (make_citation(1, chunk, "Äldrenämnden   delar\nuppfattningen.", 0, 33),),
        mode="llm:test-model",
    )
    third = make_answer("Vad kostar det?", "Jag hittar inget stöd för det i dokumenten.", abstained=True)
    third = replace(third, notices=("Språkmodellen svarade inte i tid.",))
    md = conversation_markdown([first, second, third])
    assert "## Fråga 3: Vad kostar det?\n\n*Språkmodellen svarade inte i tid.*\n\nJag hittar inget stöd" in md
    assert md.startswith("# Samtal med remiss")
    assert "## Fråga 1: Vad tycker Malmö?" in md
    assert "## Fråga 2: Och vad tycker Äldrenämnden?" in md
    assert "## Fråga 3: Vad kostar det?" in md
    assert md.index("Fråga 1") < md.index("Fråga 2") < md.index("Fråga 3")
    assert "”Nämnden välkomnar förslaget.” [1]" in md
    assert md.count("### Källor") == 2
    assert (
        "- [1] Malmö stad, Arbetsmarknads- och socialnämnden: Malmö stads yttrande (1. Styrning, s. 4) "
        "– ”Nämnden välkomnar förslaget.”"
    ) in md
    assert (
        "- [1] Stockholms stad, Äldrenämnden: Malmö stads yttrande (1. Styrning) – ”Äldrenämnden delar uppfattningen.”"
    ) in md
    assert "*Läge: extractive*" in md and "*Läge: llm:test-model*" in md
    assert "Jag hittar inget stöd för det i dokumenten." in md
    cited = conversation_markdown(
        [first], documents={first.citations[0].hit.chunk.doc_id: SourceInfo("2018-10-30", "SBF 2018/9")}
    )
    assert "Malmö stads yttrande, 2018-10-30, Dnr SBF 2018/9 (1. Styrning, s. 4)" in cited


def test_the_export_says_which_filters_each_question_was_asked_under() -> None:
    titles = {"malmo-yttrande": "Malmö stads yttrande"}
    used = [
        filters_text(Filters(body="Farsta stadsdelsnämnd"), titles),
        filters_text(Filters(), titles),
        filters_text(Filters(organisation="Malmö stad", doc_id="malmo-yttrande", kind="yttrande"), titles),
    ]
    assert used == [
        "Filter: organ Farsta stadsdelsnämnd",
        "Filter: inga (alla dokument)",
        "Filter: organisation Malmö stad; dokument Malmö stads yttrande; dokumenttyp yttrande",
    ]
    answers = [make_answer(f"Fråga nummer {i}?", f"Svar {i}.") for i in range(1, 4)]
    md = conversation_markdown(answers, used)
    for i, line in enumerate(used, start=1):
        block = md.split(f"## Fråga {i}: Fråga nummer {i}?")[1].split("## Fråga")[0]
        assert f"*{line}*" in block and f"Svar {i}." in block


def test_a_notice_already_in_the_text_is_shown_once() -> None:
    notice = "Språkmodellen svarade inte (timeout); här är en sammanställning ur källorna i stället."
    fallback = make_answer("q", f"{notice}\n\n”Nämnden välkomnar förslaget.” [1]", notices=(notice,))
    assert rendered_text(answer_markdown(fallback)).count("Språkmodellen svarade inte") == 1
    other = make_answer("q", "Svar [1].", notices=("Hänvisningar utan motsvarande källa togs bort: [7].",))
    assert "Hänvisningar utan motsvarande källa" in answer_markdown(other)
