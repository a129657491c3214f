"""Does a question need the conversation? Decided by what it says, not by its length.

A question that names its own speaker and its own topic, and points back at nothing, is searched
on its own. One that points back ("de", "det", "där", "och …?", "what about …") or leaves out its
speaker or its topic takes what it lacks from the previous question, itself resolved the same way:
"Och vad tycker Äldrenämnden?" takes the topic; "Vad säger de om tillsynen?" takes only the
speaker, so the old topic does not pull the search back; "Håller de med om det?" and "Vad föreslår
de i stället?" point at the old topic and take it. A question with a topic of its own and
no pointer is asked to the `stands_alone` probe (the answerability model on the question alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.swedish import analyse
from assistant.understanding.entities import Target, aliases, find_targets
from assistant.understanding.terms import ASKING

History = Sequence[tuple[str, str]]
MAX_DEPTH = 4  # turns looked back through

# Words that point back at the conversation: pronouns that need a referent and particles that
# continue a thread. "det"/"de" only as pronouns ("om det", "tycker de"), not as articles
# ("det goda mötet", "de sju principerna"); "dem"/"dom" are always pronouns ("enligt dem").
_POINTS_BACK = re.compile(
    r"^\s*(och|men|samt|än|också|även|dessutom|and|but|also|what about|how about)\b"
    r"|\b(?:om|med|till|för|på|av|i|än|about|with|to|for|on|of|in)\s+(?:det|detta|dessa|denna|this|that|it)\b"
    r"|\b(?:tycker|tyckte|säger|sa|sade|anser|ansåg|menar|skriver|skrev|föreslår|vill|gör|har|tror|ser|svarar)\s+"
    r"(?:de|den)\b"
    r"|\b(dem|dom|deras|dess|där|dit|samma|sådan|sådana|dessutom|annars|they|them|their|its|those|there|same|else)\b"
    r"|\b(?:det|detta|it|this|that)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# Of those, the ones that point at the previous topic rather than its speaker: "håller de med om det?",
# "vad föreslår de i stället?" take the old topic even when they name a speaker of their own.
_POINTS_TO_TOPIC = re.compile(
    r"\b(?:om|med|till|för|på|av|än|about|with|to|for|on|of)\s+(?:det|detta|dessa|denna|this|that|it)\b"
    r"|\b(?:det|detta|it|this|that)\s*[?.!]*\s*$|\b(?:i stället|istället|instead|samma|same)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Parts:
    speakers: list[Target]
    topic: set[str]
    points_back: bool
    points_to_topic: bool = False


def parts(question: str, organisations: set[str], bodies: set[str]) -> Parts:
    """Who the question names, what it is about (content stems beyond asking words and names)."""
    targets = find_targets(question, organisations, bodies)
    names = {t for target in targets for a in aliases(target.value) for t in analyse(f"{a} {a}s")}
    topic = {t for t in analyse(question) if t not in ASKING and t not in names}
    return Parts(
        targets, topic, _POINTS_BACK.search(question) is not None, _POINTS_TO_TOPIC.search(question) is not None
    )


def resolve(
    question: str,
    history: History,
    organisations: set[str],
    bodies: set[str],
    stands_alone: Callable[[str], bool],
    depth: int = 0,
) -> str:
    """The question as one that can be searched alone."""
    if not history or depth >= MAX_DEPTH:
        return question
    own = parts(question, organisations, bodies)
    if own.speakers and own.topic and not own.points_back:
        return question
    if own.topic and not own.points_back and stands_alone(question):
        return question
    previous = resolve(history[-1][0], history[:-1], organisations, bodies, stands_alone, depth + 1)
    before = parts(previous, organisations, bodies)
    carried: list[str] = []
    if not own.speakers and before.speakers:
        carried.extend(_named(previous, before.speakers))
    if not own.topic or own.points_to_topic or (own.points_back and not own.speakers and not carried):
        carried.append(without_names(previous, before.speakers))
    carried = [c for c in carried if c.strip()]
    return f"{question} ({' '.join(' '.join(carried).split())})" if carried else question


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


def without_names(text: str, targets: list[Target]) -> str:
    """The text with every alias of the targets removed (what it says, not whom it names)."""
    for target in targets:
        for alias in sorted(aliases(target.value), key=len, reverse=True):
            text = re.sub(rf"(?i)(?<![\wåäö]){re.escape(alias)}\w*", "", text)
    return text
