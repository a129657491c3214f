"""Is a question Swedish or English? Answers come in the question's language."""

from __future__ import annotations

import re

_EN = frozenset(
    """
    the what which who how does do is are about think thinks of to and in on for with say says propose
    proposes why when where their they should would according between
    """.split()
)
_SV = frozenset(
    """
    och vad vilka vilken vem hur är om att det som på för med till tycker anser säger föreslår varför
    när var deras de ska skulle enligt mellan
    """.split()
)


def detect_language(text: str) -> str:
    """'en' when English function words outnumber Swedish ones, else 'sv'."""
    words = re.findall(r"[a-zåäö]+", text.lower())
    en = sum(w in _EN for w in words)
    sv = sum(w in _SV for w in words)
    return "en" if en > sv else "sv"
