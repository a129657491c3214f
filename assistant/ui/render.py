"""Render answers and sources as safe HTML/Markdown, store feedback, export conversations.

Every piece of user or document text is HTML-escaped here, so a question or a document that
contains `<img src=x onerror=alert(1)>` shows those characters and runs nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from assistant.originals import SourceInfo
from assistant.records import Answer, Citation
from assistant.retrieval import Filters

CONTEXT_CHARS = 600
_FEEDBACK_LOCK = threading.Lock()


def safe_text(text: str) -> str:
    """Escape HTML and Markdown-active characters so text renders as itself."""
    escaped = escape(text, quote=False)
    for char in ("\\", "`", "*", "_", "[", "]", "#", "|"):
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def short_text(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with the full length said when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … ({len(text)} tecken)"


def answer_markdown(answer: Answer) -> str:
    """The answer as chat Markdown: notices in italics, then the text (escaped, bold kept)."""
    parts = [f"*{safe_text(n)}*" for n in answer.notices_to_show]
    body = safe_text(answer.text)
    body = body.replace("\\*\\*", "**")  # the extractive answer's body headings
    parts.append(body)
    return "\n\n".join(parts)


def source_cards(
    answer: Answer, document_text: dict[str, str], documents: Mapping[str, SourceInfo] | None = None
) -> str:
    """One collapsible card per citation; opening it shows the quote marked in its context.

    `documents` gives each cited document's date, Dnr and original-file link (see assistant.originals)."""
    if not answer.citations:
        return ""
    info = documents or {}
    cards = [
        _card(c, document_text.get(c.hit.chunk.doc_id, ""), info.get(c.hit.chunk.doc_id, SourceInfo()))
        for c in answer.citations
    ]
    return "<div class='sources'>" + "".join(cards) + "</div>"


def _card(citation: Citation, full_text: str, info: SourceInfo) -> str:
    """How staff cite it: organisation – body; title, date, Dnr, section, page; a link to the original.
    No retrieval scores here (they are in `--json`)."""
    chunk = citation.hit.chunk
    who = chunk.organisation if chunk.body == chunk.organisation else f"{chunk.organisation} – {chunk.body}"
    meta = [f"<span class='title'>{escape(chunk.title)}</span>"]
    if info.date:
        meta.append(f"<span class='date'>{escape(info.date)}</span>")
    if info.reference:
        meta.append(f"<span class='dnr'>{escape(_dnr(info.reference))}</span>")
    if chunk.section:
        meta.append(escape(chunk.section))
    if chunk.page:
        meta.append(f"s. {chunk.page}")
    link = info.link(chunk.page)
    if link:
        what = f"Öppna originalet (s. {chunk.page})" if info.is_pdf and chunk.page else "Öppna originalet"
        meta.append(f"<a class='original' href='{escape(link, quote=True)}' target='_blank' rel='noopener'>{what}</a>")
    start, end = citation.quote_start, citation.quote_end
    if full_text and 0 <= start < end <= len(full_text):
        before = full_text[max(0, start - CONTEXT_CHARS) : start]
        after = full_text[end : end + CONTEXT_CHARS]
        context = (
            ("… " if start > CONTEXT_CHARS else "")
            + escape(before)
            + f"<mark>{escape(full_text[start:end])}</mark>"
            + escape(after)
            + (" …" if end + CONTEXT_CHARS < len(full_text) else "")
        )
    else:
        context = f"<mark>{escape(citation.quote)}</mark>"
    return (
        f"<details class='source-card' data-n='{citation.n}'>"
        f"<summary>[{citation.n}] {escape(who)}</summary>"
        f"<div class='meta'>{' · '.join(meta)}</div>"
        f"<div class='context'>{context}</div>"
        "</details>"
    )


def _dnr(reference: str) -> str:
    """A reference as staff write it: 'Dnr KS 2018/1086' (kept when it already says Dnr)."""
    return reference if reference.lower().startswith(("dnr", "diarienr")) else f"Dnr {reference}"


def feedback_record(answer: Answer, vote: str, comment: str) -> dict:
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": answer.question,
        "answer": answer.text,
        "citations": [
            {"n": c.n, "doc_id": c.hit.chunk.doc_id, "body": c.hit.chunk.body, "quote": c.quote}
            for c in answer.citations
        ],
        "vote": vote,
        "comment": comment.strip(),
        "mode": answer.mode,
    }


def append_feedback(path: Path, record: dict) -> None:
    """Append one JSON line; a lock keeps concurrent sessions from interleaving lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _FEEDBACK_LOCK, path.open("a", encoding="utf-8") as fh:
        fh.write(line)


def filters_text(filters: Filters, titles: dict[str, str] | None = None) -> str:
    """The filters an answer was given, as one line: 'Filter: organ Farsta stadsdelsnämnd' or 'Filter: inga'."""
    parts = [
        f"{label} {value}"
        for label, value in (
            ("organisation", filters.organisation),
            ("organ", filters.body),
            ("dokument", (titles or {}).get(filters.doc_id, filters.doc_id)),
            ("dokumenttyp", filters.kind),
            ("utredning", filters.inquiry),
        )
        if value
    ]
    return "Filter: " + ("; ".join(parts) if parts else "inga (alla dokument)")


def conversation_markdown(
    answers: Sequence[Answer], filters: Sequence[str] = (), documents: Mapping[str, SourceInfo] | None = None
) -> str:
    """The whole conversation with its sources, for download; each question with the filters it was asked under.

    `documents` adds each cited document's date and Dnr, as staff cite it."""
    lines = ["# Samtal med remiss", ""]
    for i, answer in enumerate(answers, start=1):
        lines += [f"## Fråga {i}: {answer.question}", ""]
        if i <= len(filters):
            lines += [f"*{filters[i - 1]}*", ""]
        lines += [f"*{notice}*" for notice in answer.notices]
        lines += ["", answer.text, ""] if answer.notices else [answer.text, ""]
        if answer.citations:
            lines.append("### Källor")
            for c in answer.citations:
                chunk = c.hit.chunk
                page = f", s. {chunk.page}" if chunk.page else ""
                info = (documents or {}).get(chunk.doc_id, SourceInfo())
                cited = "".join(f", {part}" for part in (info.date, info.reference and _dnr(info.reference)) if part)
                where = f"{chunk.section or '—'}{page}"
                quote = " ".join(c.quote.split())
                lines.append(
                    f"- [{c.n}] {chunk.organisation}, {chunk.body}: {chunk.title}{cited} ({where}) – ”{quote}”"
                )
            lines.append("")
        lines.append(f"*Läge: {answer.mode}*")
        lines.append("")
    return "\n".join(lines)
