"""What a question is about: its content terms, without the words that only ask or name a speaker."""

from __future__ import annotations

from assistant.swedish import analyse
from assistant.understanding.entities import Target, aliases

# Words that ask (and stance words a question asks about): neither speaker nor topic.
ASKING = frozenset(
    analyse(
        "vad tycker tyckte anser ansåg säger sa sade skriver skrev menar tänker ser syn på ställning inställning "
        "hur varför vilka vilken vilket vem när var finns fanns kan ska skulle gör gjorde har hade föreslår "
        "föreslog svarar svarade tar upp om tror uppfattning åsikt "
        # a light verb: "fattade beslut" asks what "beslutade" does
        "fatta fattar fattade fattat "
        "what does do did say says think thinks view position about how why which who when where propose "
        "proposes suggest respond answer mean means write wrote "
        "remissinstans remissinstanser instans instanser positiv positiva kritisk kritiska tveksam tveksamma "
        "stödjer stöder tillstyrker avstyrker respondents positive critical support oppose"
    )
)


def question_terms(question: str, vocab: frozenset[str], targets: list[Target]) -> set[str]:
    """Content terms of the question, without the speakers it names and the words that only ask."""
    # With the vocabulary, so that a name's compound parts go too: "socialnämnd" leaves no "nämnd" behind.
    names = {t for target in targets for a in aliases(target.value) for t in analyse(f"{a} {a}s", vocab)}
    return {t for t in analyse(question, vocab) if t not in names and t not in ASKING}
