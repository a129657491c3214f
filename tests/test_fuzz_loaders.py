"""Hostile files: a few hundred mutated PDFs and DOCX files through one real ingest, and the limits.

The test makes its own good PDFs (fpdf2) and DOCX files (python-docx) and mutates them with a
seeded RNG: flipped, cut, deleted, doubled and inserted bytes, broken PDF keywords and numbers,
and for DOCX broken XML inside the zip, missing parts and unsupported compression methods. No
case may stop the ingest: each file is indexed or reported as its own error, and the good files
that sort after all of them are indexed. Run with `-s` to see the figures.
"""

from __future__ import annotations

import io
import random
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import Store
from ingest.loaders import LoadError, load

SEED = 11
N_PDF = 300
N_DOCX = 300
PARSE_SECONDS = 5.0  # per file in the fuzz run; a mutated file that loops is cut off here
SENTENCES = [
    "Kommunstyrelsen välkomnar förslagen om en mer tillitsbaserad styrning av välfärden.",
    "Nämnden anser att de riktade statsbidragen bör bli färre och mer långsiktiga.",
    "Förvaltningen ställer sig positiv till ett nationellt policylab för offentlig sektor.",
    "Regionen påpekar att uppföljningen måste utgå från medborgarnas behov och inte från detaljkontroll.",
]
GOOD = {  # file name (sorted after every fuzz case) -> a sentence only that file holds
    "zz-god-1.pdf": "Gullspångs kommun föreslår att hemtjänstens tidsramar ersätts av tillitsbaserade beslut.",
    "zz-god-2.docx": "Härjedalens kommun vill pröva en försöksverksamhet med färre nyckeltal i äldreomsorgen.",
    "zz-god-3.txt": "Ljusnarsbergs kommun efterlyser en samlad redovisning av alla statliga uppdrag till kommunerna.",
}


# -- good files -----------------------------------------------------------------------------
def make_pdf(paragraphs: list[str], compress: bool = True) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.set_font("Helvetica", size=11)
    for page in range(2):
        pdf.add_page()
        pdf.set_font("Helvetica", style="B", size=14)
        pdf.multi_cell(0, 8, f"Remissvar avsnitt {page + 1}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Remissvar om tillitsbaserad styrning", level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.add_paragraph("Färre detaljerade krav", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Förslag", "Ställningstagande"
    table.cell(1, 0).text, table.cell(1, 1).text = "Policylab", "Tillstyrks"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- mutations --------------------------------------------------------------------------------
PDF_TOKENS = [
    b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b"/Length", b"/Type",
    b"/Pages", b"/Kids", b"/Count", b"/Filter", b"/FlateDecode", b"/Root", b"/Contents", b"/Font", b"/Resources",
    b"/MediaBox", b"R", b"<<", b">>", b"[", b"]", b"(", b")",
]  # fmt: skip


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 30)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def delete_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 2000) :]


def duplicate_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    span = data[start : start + rng.randint(1, 4000)]
    at = rng.randrange(len(data))
    return data[:at] + span * rng.randint(1, 3) + data[at:]


def insert_random(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 500)) + data[at:]


def swap_tokens(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 6)):
        token = rng.choice(PDF_TOKENS)
        places = [m.start() for m in re.finditer(re.escape(token), data)]
        if places:
            at = rng.choice(places)
            data = data[:at] + rng.choice(PDF_TOKENS) + data[at + len(token) :]
    return data


def change_numbers(data: bytes, rng: random.Random) -> bytes:
    numbers = [m.span() for m in re.finditer(rb"\b\d+\b", data)]
    for _ in range(rng.randint(1, 8)):
        if not numbers:
            break
        start, end = rng.choice(numbers)
        value = str(rng.choice([0, -1, 1, 7, 2**31, 10**12, rng.randrange(10**6)])).encode()
        value = value.ljust(end - start)[: max(end - start, len(value))]
        data = data[:start] + value + data[end:]
        numbers = [m.span() for m in re.finditer(rb"\b\d+\b", data)]
    return data


BYTE_MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    flip_bytes, truncate, delete_span, duplicate_span, insert_random, swap_tokens, change_numbers,
]  # fmt: skip
XML_BREAKERS: list[Callable[[bytes, random.Random], bytes]] = [
    flip_bytes,
    truncate,
    delete_span,
    duplicate_span,
    lambda d, r: d.replace(b"<w:p>", b"<w:p", 1) if b"<w:p>" in d else d.replace(b"<w:p ", b"<w:p<", 1),
    lambda d, r: d.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e "' + b"tillit " * 50 + b'">]>', 1),
    lambda d, r: d.replace(b"<w:body>", b"<w:body>" + b"<w:r>" * 5000, 1),
    lambda d, r: d.replace(b"w:", b"q:", r.randint(1, 40)),
]


def mutate_pdf(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        data = _mutated(rng.choice(BYTE_MUTATIONS), data, rng)
    return data


def _mutated(mutation: Callable[[bytes, random.Random], bytes], data: bytes, rng: random.Random) -> bytes:
    if len(data) < 8:  # a part already cut to almost nothing: add noise instead
        return data + rng.randbytes(8)
    return mutation(data, rng) or data


def mutate_docx(data: bytes, rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.35:
        return mutate_pdf(data, rng)  # the zip itself: headers, directory, compressed streams
    members = _members(data)
    names = list(members)
    if choice < 0.45:
        del members[rng.choice(names)]
        return _zip(members)
    if choice < 0.55:
        return _with_method(data, rng.choice(names), rng.choice([9, 98, 99]))
    name = rng.choice(["word/document.xml"] * 4 + names)
    members[name] = _mutated(rng.choice(XML_BREAKERS), members[name], rng)
    return _zip(members)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _with_method(data: bytes, name: str, method: int) -> bytes:
    """Claim a compression method Python cannot read (9 = deflate64, 98 = PPMd, 99 = AES) for one member."""
    out = bytearray(data)
    encoded = name.encode()
    # (signature, offset of the method field, of the name length, of the name) in local and central headers
    for signature, method_at, length_at, name_at in ((b"PK\x03\x04", 8, 26, 30), (b"PK\x01\x02", 10, 28, 46)):
        for match in re.finditer(re.escape(signature), data):
            start = match.start()
            if start + name_at > len(data):
                continue
            length = struct.unpack_from("<H", data, start + length_at)[0]
            if data[start + name_at : start + name_at + length] == encoded:
                struct.pack_into("<H", out, start + method_at, method)
    return bytes(out)


# -- the fuzz run -------------------------------------------------------------------------------
@pytest.mark.slow
def test_mutated_pdfs_and_docx_never_stop_the_ingest(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(SEED)
    settings = make_settings(max_parse_seconds=PARSE_SECONDS)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True)
    bases = {
        "pdf": [make_pdf(SENTENCES[:2]), make_pdf(SENTENCES[2:], compress=False)],
        "docx": [make_docx(SENTENCES[:2]), make_docx(SENTENCES[2:])],
    }
    cases: list[Path] = []
    for kind, count, mutate in (("pdf", N_PDF, mutate_pdf), ("docx", N_DOCX, mutate_docx)):
        for i in range(count):
            path = corpus / f"fuzz-{kind}-{i:03d}.{kind}"
            path.write_bytes(mutate(rng.choice(bases[kind]), rng))
            cases.append(path)
    (corpus / "zz-god-1.pdf").write_bytes(make_pdf([*SENTENCES[:1], GOOD["zz-god-1.pdf"]]))
    (corpus / "zz-god-2.docx").write_bytes(make_docx([*SENTENCES[1:2], GOOD["zz-god-2.docx"]]))
    (corpus / "zz-god-3.txt").write_text(f"Yttrande\n\n{SENTENCES[3]}\n\n{GOOD['zz-god-3.txt']}\n", encoding="utf-8")

    started = time.perf_counter()
    report = ingest(settings)  # must return: no case may abort the run
    seconds = time.perf_counter() - started

    failed = {Path(path).name: reason for path, reason in report.failed}
    indexed = set(report.added)
    every_file = {p.name for p in cases} | set(GOOD)
    unaccounted = {n for n in every_file if n not in failed and Path(n).stem not in indexed}
    assert not unaccounted, f"neither indexed nor reported: {sorted(unaccounted)[:10]}"
    assert set(failed) <= every_file, set(failed) - every_file
    assert all(reason.strip() for reason in failed.values())
    unexpected = {n: r for n, r in failed.items() if r.startswith("oväntat fel")}
    assert not unexpected, f"errors after loading (cleaning, chunking) on mutated files: {unexpected}"

    store = Store(settings)
    manifest = store.manifest(fresh=True)
    lost = [name for name in GOOD if Path(name).stem not in manifest]
    assert not lost, f"good files after the bad ones were not indexed: {lost}; failed: {[failed.get(n) for n in lost]}"
    for name, sentence in GOOD.items():
        # Exact cosine over every stored vector: Chroma's HNSW misses a vector among this many duplicates.
        query = store.embedder.embed_query(sentence)
        got = store._read(lambda h: h.chunks.get(include=["embeddings", "metadatas"]))
        scores = [sum(a * b for a, b in zip(query, v, strict=True)) for v in got["embeddings"]]
        ranked = sorted(zip(scores, (m["doc_id"] for m in got["metadatas"]), strict=True), reverse=True)
        assert ranked and ranked[0][1] == Path(name).stem, (name, ranked[:3])
        assert any(sentence.split()[0] in c.text for c in store.lexical().chunks if c.doc_id == Path(name).stem)

    reasons = Counter(re.sub(r"\(.*", "", reason).strip() for reason in failed.values())
    timed_out = sum("tog mer än" in r for r in failed.values())
    with capsys.disabled():
        print(
            f"\nRELIABILITY fuzz: {len(cases)} mutated files (PDF {N_PDF}, DOCX {N_DOCX}, seed {SEED}) + "
            f"{len(GOOD)} good: tried {len(cases)}, survived {len(cases)} (the ingest never stopped), "
            f"indexed {len(indexed) - len(GOOD)}, refused as file errors {len(failed)} "
            f"(timed out {timed_out}), good files lost {len(lost)}; ingest {seconds:.1f} s"
        )
        for reason, n in reasons.most_common(6):
            print(f"  {n:4d} × {reason}")


# -- the limits -------------------------------------------------------------------------------
BOMB_SIZE = 1_600_000_000  # what the probe's 1.5 MB DOCX unpacked to


def bomb_docx(path: Path, declared_size: int | None = None) -> None:
    """A real DOCX whose document.xml inflates to 1.6 GB of spaces (about 1.6 MB packed).

    `declared_size` None states the true size in the zip headers; a number states that lie instead."""
    members = _members(make_docx(SENTENCES[:1]))
    head, tail = members.pop("word/document.xml").split(b"<w:body>", 1)
    head += b"<w:body>"
    block = b" " * (1 << 20)
    repeats, rest = divmod(BOMB_SIZE - len(head) - len(tail), len(block))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    one_block = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)  # no back-references: it repeats as is
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = (
        start.compress(head)
        + start.flush(zlib.Z_FULL_FLUSH)
        + one_block * repeats
        + end.compress(block[:rest] + tail)
        + end.flush()
    )
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(block[:rest] + tail, crc)
    entries = [
        (name, 8, zlib.crc32(content), zlib.compress(content)[2:-4], len(content)) for name, content in members.items()
    ]
    entries.insert(1, ("word/document.xml", 8, crc, stream, declared_size or BOMB_SIZE))
    path.write_bytes(_raw_zip(entries))


def _raw_zip(entries: list[tuple[str, int, int, bytes, int]]) -> bytes:
    """A zip written field by field: (name, method, crc, packed bytes, size stated as unpacked)."""
    body, directory = bytearray(), bytearray()
    for name, method, crc, packed, size in entries:
        encoded = name.encode()
        offset = len(body)
        fields = (20, 0, method, 0, 0x4D5E, crc, len(packed), size, len(encoded))
        body += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + encoded + packed
        directory += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, 0, offset) + encoded
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return bytes(body + directory + end)


@pytest.mark.parametrize("declared", [None, 40_000], ids=["true-size", "size-that-lies"])
def test_a_docx_zip_bomb_is_refused_without_unpacking_it(tmp_path: Path, declared: int | None) -> None:
    path = tmp_path / "bomb.docx"
    bomb_docx(path, declared)
    assert path.stat().st_size < 3_000_000
    tracemalloc.start()
    try:
        with pytest.raises(LoadError) as caught:
            load(path, 50_000_000, max_unpacked_bytes=200_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.path == path
    assert peak < 50_000_000, f"unpacking peaked at {peak / 1e6:.0f} MB"
    if declared is None:
        assert "zip-bomb" in caught.value.reason and "REMISS_MAX_UNPACKED_MB" in caught.value.reason
    else:  # reading stops at the stated size, where the checksum cannot match
        assert "DOCX-filen är trasig" in caught.value.reason


def test_a_docx_with_a_compression_method_python_cannot_read_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deflate64.docx"
    path.write_bytes(_with_method(make_docx(SENTENCES[:2]), "word/document.xml", 9))
    with pytest.raises(LoadError, match=r"DOCX-filen är trasig.*NotImplementedError"):
        load(path, 50_000_000)


def slow_pdf(operators: int) -> bytes:
    """A valid one-page PDF whose text is drawn by `operators` separate text operators, each on a line of
    its own (slow to extract: every line's text is looked up among all the page's characters)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(600, 800)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 72 712 Td " + b"(ord ) Tj 0 -14 Td " * operators + b"ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("where", ["main-thread", "worker-thread"])
def test_a_pdf_that_parses_too_long_is_cut_off(tmp_path: Path, where: str) -> None:
    """20,000 lines take PDFium over 30 s here; the limit of 0.5 s stops it, in any thread."""
    import threading

    path = tmp_path / "langsam.pdf"
    path.write_bytes(slow_pdf(20_000))
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.perf_counter()
        try:
            load(path, 50_000_000, max_seconds=0.5)
        except LoadError as exc:
            outcome.update(error=exc, seconds=time.perf_counter() - started)
        try:  # Python work after the limit's block: nothing may fire into it any more
            deadline = time.perf_counter() + 0.8
            while time.perf_counter() < deadline:
                sum(range(100))
            outcome["after"] = "quiet"
        except BaseException as exc:
            outcome["after"] = repr(exc)

    if where == "main-thread":
        run()
    else:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(30)
    error = outcome["error"]
    assert isinstance(error, LoadError) and error.path == path
    assert "tog mer än 0.5 s" in error.reason and "REMISS_MAX_PARSE_SECONDS" in error.reason
    assert float(outcome["seconds"]) < 2.0, outcome  # type: ignore[arg-type]
    assert outcome["after"] == "quiet"
