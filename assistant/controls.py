"""Control and invisible characters: removed from model output and from questions.

A model's reply goes to a terminal (`remiss ask`) and to the page. An ANSI escape in it could
recolour text, retitle the window or clear the screen, and bidi overrides can reorder what a
reader sees, so whole escape sequences and every other C0/C1 control except newline and tab
are removed before the text is shown. A question made only of invisible characters (U+200B
and friends) is an empty question.
"""

from __future__ import annotations

import re
import unicodedata

# Whole escape sequences (so an OSC title's text goes too), then any control left over.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"  # OSC/DCS/SOS/PM/APC … ST
    r"|\x1b[ -/]*(?![\[\]PX^_])[0-~]"  # two-character escapes (ESC c resets the terminal)
)
# An escape that has begun but not ended at the end of a streamed piece.
_OPEN_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*\Z"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*\x1b?\Z"
    r"|\x1b[ -/]*\Z"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing: format characters (Cf: U+200B, U+2060, U+FEFF, soft hyphen …)
# and the blank letters some fonts draw as nothing.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_HOLD_LIMIT = 256  # longest unfinished escape held back between pieces


def strip_controls(text: str) -> str:
    """`text` without escape sequences and control characters (newline and tab kept)."""
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


class ControlStripper:
    """`strip_controls` over a stream: an escape split across two pieces is still removed whole."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        self._held = ""
        text = _SEQUENCE.sub("", text)
        tail = _OPEN_SEQUENCE.search(text)
        if tail and len(tail.group(0)) <= _HOLD_LIMIT:
            self._held = tail.group(0)
            text = text[: tail.start()]
        return _CONTROL.sub("", text)

    def flush(self) -> str:
        """What is left at the end of the stream (an unfinished escape is dropped)."""
        self._held = ""
        return ""


def visible_text(text: str) -> str:
    """`text` without control and invisible characters, and without surrounding white space."""
    kept = (
        char
        for char in strip_controls(text)
        if char not in _BLANK_LETTERS and (unicodedata.category(char) != "Cf" or char in "\n\t")
    )
    return "".join(kept).strip()
