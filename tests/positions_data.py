"""A hand-made position matrix over the bundled corpus, for the tests of what shows the matrix.

Its quotes are sentences of the corpus files, with their doc ids, so the app can open each one
in its document; the stances are what a reader of those sentences would record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from assistant.generations import current_number
from assistant.positions.model import Cell, CellQuote, PositionMatrix, Proposal, Respondent, save_matrix
from assistant.positions.store import matrix_path
from assistant.settings import Settings

STOCKHOLM = "stockholms-stad-kommunstyrelsen-remissvar"
MALMO = "malmo-stad-arbetsmarknads-och-socialnamnden-yttrande"
CKS = "cks-linkopings-universitet-remissyttrande"
TITLES = {
    STOCKHOLM: "Stockholms stads remissvar: Tillitsdelegationens betänkanden (PM Rotel I)",
    MALMO: "Malmö stads yttrande: Med tillit växer handlingsutrymmet och En lärande tillsyn",
    CKS: "Remissyttrande från Centrum för kommunstrategiska studier (CKS)",
}

SLK = ("Stockholms stad", "Stadsledningskontoret")
UTB = ("Stockholms stad", "Utbildningsnämnden (utbildningsförvaltningen)")
ALDRE = ("Stockholms stad", "Äldrenämnden (äldreförvaltningen)")
ASN = ("Malmö stad", "Arbetsmarknads- och socialnämnden")
LIU = ("Linköpings universitet", "Centrum för kommunstrategiska studier (CKS)")

POLICYLABB = "P07"
STATSBIDRAG = "P02"
TILLSYN = "P10"
FRIKOMMUN = "P08"

# proposal id -> respondent -> (stance, quotes)
STANCES: dict[str, dict[tuple[str, str], tuple[str, tuple[str, ...]]]] = {
    POLICYLABB: {
        SLK: (
            "tillstyrker_delvis",
            (
                "Ordinarie berednings- och beslutsprocesser ska inte kringgås men förhoppningsvis skulle ett "
                "policylabb kunna driva på processerna och kanske bidra till kortare ledtider.",
                "Stadsledningskontoret är emellertid tveksamt till hur effektivt ett policylabb kan arbeta med att "
                "omhänderta frågor om regelverk och bidra till eventuella förändringar av dessa.",
            ),
        ),
        LIU: ("avstyrker", ("Förslaget om ett nationellt policylabb är mycket oklart formulerat.",)),
    },
    STATSBIDRAG: {
        ASN: (
            "tillstyrker",
            (
                "Arbetsmarknads- och socialnämnden välkomnar förslaget att statsbidrag framöver som huvudprincip "
                "ska vara generella.",
            ),
        ),
        UTB: (
            "tillstyrker",
            (
                "Förvaltningen stödjer förslaget att regeringen ska ha som huvudprincip att använda sig av "
                "generella statsbidrag.",
            ),
        ),
        ALDRE: (
            "tillstyrker",
            ("Äldreförvaltningen delar delegationens uppfattning att riktade statsbidrag i huvudsak ska undvikas.",),
        ),
    },
    TILLSYN: {
        SLK: (
            "tillstyrker",
            (
                "Stadsledningskontoret delar Tillitsdelegationens uppfattning om att tillsynen behöver bli mer "
                "situations- och verksamhetsanpassad.",
            ),
        ),
        ASN: (
            "tillstyrker",
            (
                "Arbetsmarknads- och socialnämnden ser positivt på Tillitsdelegationens förslag att förtydliga "
                "vikten av en situations- och verksamhetsanpassad statlig tillsyn.",
            ),
        ),
        UTB: (
            "tillstyrker_delvis",
            (
                "Förvaltningen vill samtidigt framhålla att det är mycket viktigt att en förändring av tillsynen i "
                "den riktning som föreslås inte får innebära att det blir svårare att avveckla verkligt dåliga skolor.",
            ),
        ),
    },
    FRIKOMMUN: {
        LIU: (
            "synpunkter",
            (
                "Förslaget om ett s.k. frikommunförsök är intressant, men om det ska genomföras behöver syftet och "
                "förutsättningarna tydliggöras.",
            ),
        ),
    },
}

PROPOSALS = [
    Proposal(
        STATSBIDRAG,
        "En ändamålsenlig användning av riktade statsbidrag",
        text="Regeringen ska ha som huvudprincip att använda sig av generella statsbidrag.",
        doc_id="region-jamtland-harjedalen-sammanfattning",
    ),
    Proposal(
        POLICYLABB,
        "Ett nationellt policylabb",
        text="Regeringen föreslås inrätta ett Nationellt policylabb vars uppgift ska vara att lyfta "
        "frågeställningar inom områden där det finns behov av utveckling av regelverk.",
    ),
    Proposal(FRIKOMMUN, "Försöksverksamhet med frikommuner"),
    Proposal(TILLSYN, "Den statliga tillsynen ska vara situations- och verksamhetsanpassad"),
]
RESPONDENTS = [
    Respondent(*SLK, doc_ids=(STOCKHOLM,)),
    Respondent(*UTB, doc_ids=(STOCKHOLM,)),
    Respondent(*ALDRE, doc_ids=(STOCKHOLM,)),
    Respondent(*ASN, doc_ids=(MALMO,)),
    Respondent(*LIU, doc_ids=(CKS,)),
]
_DOC_OF = {r.key: r.doc_ids[0] for r in RESPONDENTS}


def sample_matrix() -> PositionMatrix:
    cells = [
        Cell(
            proposal_id,
            *respondent,
            stance=stance,
            confidence=0.8,
            quotes=tuple(CellQuote(text, _DOC_OF[respondent], title=TITLES[_DOC_OF[respondent]]) for text in quotes),
            method="hand",
        )
        for proposal_id, row in STANCES.items()
        for respondent, (stance, quotes) in row.items()
    ]
    return PositionMatrix(list(PROPOSALS), list(RESPONDENTS), cells, index_version="test", meta={"made": "by hand"})


def save_sample(settings: Settings, generation: int = 0) -> PositionMatrix:
    """Save the sample matrix where the app and the chat look for the current generation's matrix."""
    matrix = sample_matrix()
    save_matrix(matrix, matrix_path(settings, generation))
    return matrix


@contextlib.contextmanager
def sample_saved(settings: Settings) -> Iterator[PositionMatrix]:
    """The sample matrix as the current generation's matrix while the block runs; removed after,
    so other tests on the same index answer as before."""
    path = matrix_path(settings, current_number(settings))
    matrix = sample_matrix()
    save_matrix(matrix, path)
    try:
        yield matrix
    finally:
        path.unlink(missing_ok=True)
