"""Is a question acceptable before any work is done? Visible text, within the length limit.

Cheap on purpose: the app runs it before a question waits for an answer slot, so an empty or
over-long question is refused at once even while every slot is busy.
"""

from __future__ import annotations

from assistant.controls import visible_text
from assistant.errors import QuestionError
from assistant.language import detect_language
from assistant.prompts import message
from assistant.settings import Settings


def check_question(question: str | None, settings: Settings) -> tuple[str, str]:
    """The question without invisible characters, and its language; QuestionError when refused."""
    text = visible_text(question or "")
    language = detect_language(text)
    if not text:
        raise QuestionError(message(settings.prompts_dir, language, "empty_question"))
    if len(text) > settings.max_question_chars:
        raise QuestionError(
            message(
                settings.prompts_dir,
                language,
                "long_question",
                length=len(text),
                limit=settings.max_question_chars,
            )
        )
    return text, language
