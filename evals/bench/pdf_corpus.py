"""Remissvar-shaped PDFs made from a seed: what a real consultation round sends in, for the bench and the tests.

Each document has a letterhead on its first page, a running header and a footer with a page number
(in one of the styles Swedish offices use), Swedish remissvar sentences laid out line by line (so a
word can be hyphenated across a line break), sometimes a two-column page, a table or an image-only
(scanned) page, and a signature block. The same seed gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN = 25.0
BODY_TOP, BODY_BOTTOM = 32.0, 268.0
LINE_H = 5.6
FONT_SIZE = 11
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)

ORGANISATIONS = (
    "Malmö stad",
    "Göteborgs stad",
    "Uppsala kommun",
    "Region Skåne",
    "Region Västerbotten",
    "Linköpings kommun",
    "Örebro kommun",
    "Sveriges Kommuner och Regioner",
    "Statskontoret",
    "Inspektionen för vård och omsorg",
    "Skolverket",
    "Luleå kommun",
    "Hässelby-Vällingby stadsdelsförvaltning",
    "Region Jönköpings län",
    "Ekonomistyrningsverket",
)
SUBJECTS = ("Nämnden", "Förvaltningen", "Kommunstyrelsen", "Regionen", "Myndigheten", "Styrelsen")
VERBS = (
    "tillstyrker",
    "välkomnar",
    "ställer sig positiv till",
    "ifrågasätter",
    "delar utredningens bedömning om",
    "avstyrker",
    "ser positivt på",
    "har inga invändningar mot",
    "instämmer i huvudsak i",
)
OBJECTS = (
    "förslaget om tillitsbaserad styrning",
    "förslaget att de riktade statsbidragen ska minska",
    "utredningens förslag om en lärande tillsyn",
    "förslaget om försöksverksamhet inom hälso- och sjukvården",
    "inrättandet av ett kunskapscentrum för verksamhetsutveckling",
    "förslaget om en samordnad uppföljning av kommunernas verksamheter",
    "kravet på återrapportering till länsstyrelserna",
    "förslaget om ändrade regler för myndighetsutövning",
)
TAILS = (
    "eftersom det ger verksamheterna större handlingsutrymme.",
    "men anser att konsekvenserna för kommunerna behöver utredas vidare.",
    "under förutsättning att finansieringen säkras.",
    "då detta minskar den administrativa bördan för medarbetarna.",
    "och vill betona vikten av ett långsiktigt perspektiv.",
    "men saknar en analys av hur förslaget påverkar mindre kommuner.",
    "eftersom kunskapsunderlaget i betänkandet är tunt.",
    "vilket stärker medborgarnas förtroende för den offentliga sektorn.",
)
EXTRA = (
    "Socialtjänsten och skolan berörs särskilt av förslagen.",
    "Erfarenheterna från Hässelby-Vällingby visar att ett tillitsbaserat arbetssätt kräver tid.",
    "Ansvarsfördelningen mellan staten, regionerna och kommunerna behöver tydliggöras.",
    "Uppföljningen bör utgå från brukarnas behov snarare än från detaljerade mätningar.",
    "Kommunerna har redan i dag ett omfattande arbete med kvalitetsutveckling.",
    "Det är angeläget att tillsynen blir mer lärande och mindre kontrollerande.",
)
HEADINGS = (
    "Sammanfattning",
    "Bakgrund",
    "Synpunkter på förslagen",
    "Tillitsbaserad styrning",
    "Riktade statsbidrag",
    "En lärande tillsyn",
    "Konsekvenser för kommunerna",
    "Övriga synpunkter",
)
PAGE_NUMBER_STYLES = ("Sida {i} av {n}", "{i} ({n})", "- {i} -", "{i}")


@dataclass
class Layout:
    """What one generated document holds, so a test or the bench can check what the reader made of it."""

    path: Path
    organisation: str
    pages: int
    header: str
    footer_style: str
    two_column_pages: list[int] = field(default_factory=list)
    image_pages: list[int] = field(default_factory=list)
    table_pages: list[int] = field(default_factory=list)


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return rng.choice(EXTRA)
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"


def paragraph(rng: random.Random, sentences: int | None = None) -> str:
    return " ".join(sentence(rng) for _ in range(sentences or rng.randint(2, 5)))


def font_path() -> str | None:
    """A TrueType font with å, ä, ö for the image pages (Debian's DejaVu or Liberation), if present."""
    return next((p for p in FONT_PATHS if Path(p).is_file()), None)


class _Writer:
    """Lays out text line by line on an fpdf2 document, hyphenating long words at their compound seams."""

    def __init__(self, pdf: Any, rng: random.Random, hyphenate: bool) -> None:
        self.pdf = pdf
        self.rng = rng
        self.hyphenate = hyphenate

    def lines(self, text: str, width: float) -> list[str]:
        words = text.split()
        out: list[str] = []
        line = ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if self.pdf.get_string_width(candidate) <= width:
                line = candidate
                continue
            split = self._split(word, line, width) if self.hyphenate else None
            if split:
                out.append(f"{line} {split[0]}-".strip())
                line = split[1]
            else:
                out.append(line)
                line = word
        if line:
            out.append(line)
        return out

    def _split(self, word: str, line: str, width: float) -> tuple[str, str] | None:
        """Break a long lower-case word (not one that already has a hyphen) where its head still fits."""
        core = word.rstrip(".,;:")
        if len(core) < 10 or "-" in word or not core.isalpha() or not core.islower():
            return None
        for cut in range(len(core) - 4, 4, -1):
            head = word[:cut]
            if self.pdf.get_string_width(f"{line} {head}-".strip()) <= width:
                return head, word[cut:]
        return None


def make_pdf(path: Path, seed: int, pages: int = 10, two_column: bool = False, image_pages: int = 0) -> Layout:
    """Write one remissvar-like PDF to `path`; the seed decides the organisation, text and styles."""
    from fpdf import FPDF

    rng = random.Random(seed)
    organisation = ORGANISATIONS[seed % len(ORGANISATIONS)]
    dnr = f"Dnr {rng.choice(['KS', 'RS', 'SN', ''])} {rng.randint(2018, 2019)}/{rng.randint(10, 9999):04d}".replace(
        "  ", " "
    )
    header = f"{organisation}   {dnr}"
    style = PAGE_NUMBER_STYLES[seed % len(PAGE_NUMBER_STYLES)]
    layout = Layout(path, organisation, pages, header, style)
    candidates = list(range(2, pages + 1))
    rng.shuffle(candidates)
    if two_column:
        layout.two_column_pages = sorted(candidates[:2])
    if image_pages:
        layout.image_pages = sorted(candidates[2 : 2 + image_pages])
    if pages >= 4 and rng.random() < 0.4:
        layout.table_pages = sorted(candidates[5:6]) or []

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(f"Remissvar {organisation}")
    writer = _Writer(pdf, rng, hyphenate=True)
    for number in range(1, pages + 1):
        pdf.add_page()
        if number in layout.image_pages:
            _image_page(pdf, rng, organisation, header, style.format(i=number, n=pages))
            continue
        _running_lines(pdf, header, style.format(i=number, n=pages), first=number == 1)
        y = _letterhead(pdf, rng, organisation, dnr) if number == 1 else BODY_TOP
        if number in layout.two_column_pages:
            _two_columns(pdf, writer, rng, y)
        elif number in layout.table_pages:
            _table_page(pdf, writer, rng, y)
        else:
            y = _single_column(pdf, writer, rng, y)
            if number == pages:
                _signature(pdf, rng, y)
    path.write_bytes(bytes(pdf.output()))
    return layout


def _running_lines(pdf: Any, header: str, page_label: str, first: bool) -> None:
    pdf.set_font("Helvetica", size=8)
    if not first:
        pdf.text(MARGIN, 14, header)
    pdf.text(MARGIN, 286, "Postadress: Box 100, 100 00 Stadsby   Telefon: 010-100 00 00")
    width = pdf.get_string_width(page_label)
    pdf.text(PAGE_W - MARGIN - width, 286, page_label)


def _letterhead(pdf: Any, rng: random.Random, organisation: str, dnr: str) -> float:
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(MARGIN, 22, organisation)
    pdf.set_font("Helvetica", size=9)
    pdf.text(MARGIN, 28, rng.choice(["Stadsledningskontoret", "Kommunledningskontoret", "Regionkansliet", "Kansliet"]))
    pdf.text(140, 22, f"{rng.randint(1, 28)} {rng.choice(['oktober', 'november'])} 2018")
    pdf.text(140, 28, dnr)
    pdf.text(140, 34, "Till Finansdepartementet")
    pdf.set_font("Helvetica", "B", 13)
    pdf.text(MARGIN, 48, "Yttrande över Med tillit växer handlingsutrymmet (SOU 2018:47)")
    return 60.0


def _write_lines(pdf: Any, lines: list[str], x: float, y: float) -> float:
    for line in lines:
        pdf.text(x, y, line)
        y += LINE_H
    return y


def _single_column(pdf: Any, writer: _Writer, rng: random.Random, y: float) -> float:
    width = PAGE_W - 2 * MARGIN
    while True:
        heading = rng.random() < 0.35
        text = paragraph(rng)
        pdf.set_font("Helvetica", size=FONT_SIZE)
        lines = writer.lines(text, width)
        needed = len(lines) * LINE_H + (LINE_H * 2 if heading else 0)
        if y + needed > BODY_BOTTOM - 20:
            return y
        if heading:
            pdf.set_font("Helvetica", "B", 12)
            pdf.text(MARGIN, y, rng.choice(HEADINGS))
            y += LINE_H * 1.6
            pdf.set_font("Helvetica", size=FONT_SIZE)
        y = _write_lines(pdf, lines, MARGIN, y) + LINE_H * 0.8


def _two_columns(pdf: Any, writer: _Writer, rng: random.Random, y: float) -> None:
    gutter = 10.0
    width = (PAGE_W - 2 * MARGIN - gutter) / 2
    pdf.set_font("Helvetica", size=FONT_SIZE)
    for x in (MARGIN, MARGIN + width + gutter):
        column_y = y
        while True:
            lines = writer.lines(paragraph(rng), width)
            if column_y + len(lines) * LINE_H > BODY_BOTTOM:
                break
            column_y = _write_lines(pdf, lines, x, column_y) + LINE_H * 0.8


def _table_page(pdf: Any, writer: _Writer, rng: random.Random, y: float) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.text(MARGIN, y, "Ställningstaganden i sammandrag")
    y += LINE_H * 2
    columns = (MARGIN, MARGIN + 70, MARGIN + 110)
    pdf.set_font("Helvetica", "B", 10)
    for x, title in zip(columns, ("Förslag", "Ställningstagande", "Kommentar"), strict=True):
        pdf.text(x, y, title)
    pdf.set_font("Helvetica", size=10)
    for obj in OBJECTS[:6]:
        y += LINE_H * 1.4
        pdf.line(MARGIN, y - LINE_H, PAGE_W - MARGIN, y - LINE_H)
        stance = rng.choice(["Tillstyrker", "Avstyrker", "Ingen åsikt"])
        note = rng.choice(["Se avsnitt 3", "Kräver finansiering", "Bör utredas", "Inga"])
        for x, cell in zip(columns, (obj.replace("förslaget ", "")[:34], stance, note), strict=True):
            pdf.text(x, y, cell)
    y += LINE_H * 2.5
    pdf.set_font("Helvetica", size=FONT_SIZE)
    _single_column(pdf, writer, rng, y)


def _signature(pdf: Any, rng: random.Random, y: float) -> None:
    if y > BODY_BOTTOM - 18:
        return
    pdf.set_font("Helvetica", size=FONT_SIZE)
    name = rng.choice(["Anna Lindqvist", "Per Ekström", "Karin Holm", "Johan Berg"])
    for offset, line in enumerate(("Med vänlig hälsning", "", name, rng.choice(["Ordförande", "Stadsdirektör"]))):
        if line:
            pdf.text(MARGIN, y + 4 + offset * LINE_H, line)


def image_lines(rng: random.Random, organisation: str) -> list[str]:
    """The text an image-only page shows: a heading and a few paragraphs wrapped at about 75 characters."""
    import textwrap

    lines = ["Skannad bilaga", ""]
    for _ in range(4):
        lines.extend(textwrap.wrap(paragraph(rng, 3).replace("Nämnden", organisation.split()[0]), 70))
        lines.append("")
    return lines


def render_image(lines: list[str], header: str = "", footer: str = "", dpi: int = 150) -> Any:
    """An A4 page image of `lines` in black on white, as a scanner would give it (Pillow)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 25.4
    image = Image.new("L", (round(PAGE_W * scale), round(PAGE_H * scale)), 255)
    draw = ImageDraw.Draw(image)
    path = font_path()
    size = round(11 / 72 * dpi)
    font = ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)
    small = ImageFont.truetype(path, round(size * 0.75)) if path else ImageFont.load_default(size=round(size * 0.75))
    if header:
        draw.text((MARGIN * scale, 10 * scale), header, fill=0, font=small)
    y = BODY_TOP * scale
    for line in lines:
        draw.text((MARGIN * scale, y), line, fill=0, font=font)
        y += LINE_H * 1.1 * scale
    if footer:
        draw.text((MARGIN * scale, 282 * scale), footer, fill=0, font=small)
    return image


def _image_page(pdf: Any, rng: random.Random, organisation: str, header: str, page_label: str) -> None:
    image = render_image(image_lines(rng, organisation), header, page_label)
    pdf.image(image, x=0, y=0, w=PAGE_W, h=PAGE_H)


def make_corpus(folder: Path, documents: int = 150, seed: int = 2018, pages: int = 10) -> list[Layout]:
    """`documents` PDFs in `folder`: every fourth with two-column pages, every tenth with an image-only page."""
    folder.mkdir(parents=True, exist_ok=True)
    layouts = []
    for i in range(documents):
        rng = random.Random(seed * 1000 + i)
        org = ORGANISATIONS[(seed * 1000 + i) % len(ORGANISATIONS)]
        name = f"remissvar-{i + 1:03d}-{org.split()[0].lower()}.pdf"
        layouts.append(
            make_pdf(
                folder / name,
                seed * 1000 + i,
                pages=max(2, pages + rng.randint(-2, 2)),
                two_column=i % 4 == 1,
                image_pages=1 if i % 10 == 3 else 0,
            )
        )
    return layouts
