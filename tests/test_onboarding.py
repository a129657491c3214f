"""The "Kom igång" tab and the README promise only what the documents hold: every suggested
question is answered by the real assistant on the bundled corpus, and the README names the
bundled documents as the catalog does."""

from __future__ import annotations

import pytest

from assistant.app import suggestions
from assistant.chain import Assistant
from assistant.settings import PROJECT_ROOT, Settings
from ingest.catalog import load_catalog

CORPUS = PROJECT_ROOT / "corpus"


@pytest.mark.parametrize("question", suggestions())
def test_every_suggested_question_is_answered(corpus_settings: Settings, question: str) -> None:
    answer = Assistant(corpus_settings).answer(question)
    assert not answer.abstained, answer.text
    assert answer.citations, answer.text


def test_the_suggestions_are_a_handful_of_distinct_questions() -> None:
    questions = suggestions()
    assert 4 <= len(questions) <= 8 and len(set(questions)) == len(questions)
    assert all(q.endswith("?") for q in questions)


def test_the_readme_names_the_bundled_documents() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    catalog = load_catalog(CORPUS / "catalog.toml")
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".pdf", ".docx", ".html", ".md"))
    assert sorted(catalog.entries) == files
    section = " ".join(readme.split("## Set up")[0].split())  # the introduction, lines joined
    for entry in catalog.entries.values():
        assert entry["title"] in section, entry["title"]
    assert f"{len(files)} documents" in section
    assert "not in `corpus/`" in section  # the reports themselves are summarised, not included
