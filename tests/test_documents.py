"""PDF and Word files: the readers (index/pdf.py, index/word.py) on files the tests write with
fpdf2 and python-docx (made-up text), hostile files, and both formats indexed end to end: shown,
retrieved, cited by page, listed in the UI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from corpora import write_docx, write_pdf
from hostile import write_page_bomb, write_zip_bomb

from index.load import Skipped, load_file
from index.pdf import MAX_PAGES, page_of_chunks, read_pdf
from index.word import read_docx

ROOT = Path(__file__).resolve().parents[1]

# A three-page report, one fact a page (made up for these tests), each page longer than a chunk.


def filler(place: str) -> list[str]:
    return [f"The board's staff visited {place} in {season} to hear what the residents needed, and the "
            f"minutes of the {season} visit to {place} are kept with the other papers of the year."
            for season in ("spring", "autumn")]


REPORT = [
    ["Valle Water Board annual report.",
     "The board met eleven times during the year and published its accounts in full.", *filler("Ambar")],
    ["Repairs. The board repaired 47 wells in the Zorbul district in 2021, twice as many as in 2020.",
     "Most of the wells had been damaged by the floods of the previous winter.", *filler("Bresca")],
    ["Budget. The board spent 3.2 million pesos, of which 1.1 million went to the Zorbul wells.",
     "The auditors found no irregularities in the accounts.", *filler("Corvo")],
]
MEMO = ["Memo to the district council.",
        "The Tarvo bridge reopened on 3 May 2022 after 11 weeks of repairs.",
        "Lorries over 20 tonnes must still use the northern road."]


def load_measured(path: Path) -> tuple[list, list, int]:
    """load_file(path) and the peak of the memory it allocated (pypdf and zipfile are Python)."""
    tracemalloc.start()
    try:
        docs, skipped = load_file(path)
        return docs, skipped, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def words(text: str) -> list[str]:
    return text.replace("\n", " ").split()


# --------------------------------------------------------------------------- PDF


def test_pdf_text_in_reading_order_with_the_offset_of_every_page(tmp_path):
    path = write_pdf(tmp_path / "report.pdf", REPORT)
    text, fields, problem = read_pdf(path)
    assert problem is None
    assert words(text) == words(" ".join(p for page in REPORT for p in page)), "all of it, in order"
    starts = json.loads(fields["pages"])
    assert len(starts) == 3 and starts[0] == 0
    for start, page in zip(starts, REPORT, strict=True):
        assert words(text[start:])[:4] == words(page[0])[:4]


def test_pdf_metadata_gives_title_author_and_date(tmp_path):
    created = dt.datetime(2021, 12, 30, 9, 0, tzinfo=dt.UTC)
    path = write_pdf(tmp_path / "report.pdf", REPORT, title="Water Board report 2021", author="Ana Ruiz",
                     created=created)
    _, fields, _ = read_pdf(path)
    assert {k: fields[k] for k in ("title", "author", "date")} == {
        "title": "Water Board report 2021", "author": "Ana Ruiz", "date": "2021-12-30"}
    # A title that only names the file or the program that wrote it is no title.
    _, fields, _ = read_pdf(write_pdf(tmp_path / "draft.pdf", REPORT, title="Microsoft Word - draft.docx"))
    assert "title" not in fields


def test_pdf_running_heads_and_page_numbers_are_left_out(tmp_path):
    pages = REPORT + [["Annex. A list of the 47 wells is kept at the board's office."]]
    path = write_pdf(tmp_path / "report.pdf", pages, running_head="Valle Water Board - Report 2021",
                     numbered=True)
    text, _, problem = read_pdf(path)
    assert problem is None
    assert "Valle Water Board - Report" not in text
    assert all(not line.strip().isdigit() for line in text.splitlines()), text
    assert words(text) == words(" ".join(p for page in pages for p in page))


def test_pdf_word_hyphenated_across_a_line_break_is_joined(tmp_path):
    path = write_pdf(tmp_path / "wrap.pdf", [["The regional govern-\nment paid for the repairs."]])
    text, _, _ = read_pdf(path)
    assert "government paid" in text


def test_pdf_without_a_text_layer_is_skipped_with_advice_to_run_ocr(tmp_path):
    path = write_pdf(tmp_path / "scan.pdf", [[], []])  # pages with nothing written on them
    docs, skipped = load_file(path)
    assert docs == []
    assert skipped == [Skipped(str(path), "no text layer (a scanned PDF?): run OCR first")]


def test_pdf_locked_with_a_password_is_skipped_but_one_locked_only_against_editing_is_read(tmp_path):
    locked = write_pdf(tmp_path / "locked.pdf", REPORT, password="secret")
    docs, skipped = load_file(locked)
    assert docs == [] and "encrypted" in skipped[0].reason and "password" in skipped[0].reason
    # Encrypted with an empty user password (only editing restricted): readable by anyone.
    for method in ("RC4", "AES_128", "AES_256"):
        restricted = write_pdf(tmp_path / f"restricted-{method}.pdf", REPORT, password="", encryption=method)
        text, _, problem = read_pdf(restricted)
        assert problem is None and "47 wells" in text, method


def test_pdf_hostile_files_are_reported_not_raised(tmp_path):
    good = write_pdf(tmp_path / "good.pdf", REPORT).read_bytes()
    cases = {
        "not-a-pdf.pdf": (b"Just some text saved with the wrong name.\n", "not a PDF"),
        "truncated.pdf": (good[: len(good) // 2], "broken PDF"),
        "garbage.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "broken PDF"),
        "empty.pdf": (b"", "empty"),
    }
    for name, (data, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        docs, skipped = load_file(path)
        assert docs == [] and len(skipped) == 1 and reason in skipped[0].reason, (name, skipped)


def test_pdf_page_that_cannot_be_read_is_named_and_the_other_pages_kept(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)  # so that the test can damage the second page's drawing commands
    for text in ("First page of the report.", "Second page of the report.", "Third page of the report."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    data = bytes(pdf.output())
    damage = b"BI /W 99999999 /H 99999999 ID \xff\xff EI"  # an inline image that cannot be decoded
    at = data.index(b"Second page") - 40
    (tmp_path / "damaged.pdf").write_bytes(data[:at] + damage + data[at + len(damage):])
    docs, skipped = load_file(tmp_path / "damaged.pdf")
    assert skipped == [] and docs[0].text == "First page of the report.\n\nThird page of the report."
    assert docs[0].fields["note"] == "damaged, not read: page 2"


def test_pdf_with_a_huge_page_count_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "pages.pdf"
    claimed = write_page_bomb(path, fan_out=100, depth=2)  # a million pages in a few kilobytes
    assert claimed > MAX_PAGES and path.stat().st_size < 10_000
    docs, skipped, peak = load_measured(path)
    assert docs == [] and f"over {MAX_PAGES} pages" in skipped[0].reason and "split" in skipped[0].reason
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MiB to refuse it"


def test_page_of_chunks_finds_each_chunk_in_the_raw_text():
    raw = "Alpha beta gamma delta.\n\nEpsilon zeta eta theta.\n\nIota kappa lambda mu."
    starts = [0, raw.index("Epsilon"), raw.index("Iota")]
    chunks = ["Alpha beta gamma delta.", "Epsilon zeta eta theta. Iota kappa", "Iota kappa lambda mu.",
              "Words that are nowhere in it."]
    assert page_of_chunks(raw, starts, chunks) == ["1", "2-3", "3", "3"]  # not found: the one before


# --------------------------------------------------------------------------- Word


def test_docx_paragraphs_and_tables_in_order_and_core_properties(tmp_path):
    path = write_docx(tmp_path / "memo.docx", MEMO, heading="Tarvo bridge reopens", author="Luis Paz",
                      created=dt.datetime(2022, 5, 4, tzinfo=dt.UTC), title="Council memo",
                      table=[["Road", "Limit"], ["Northern road", "40 tonnes"]])
    text, fields, problem = read_docx(path)
    assert problem is None
    assert text == "\n\n".join(["Tarvo bridge reopens", *MEMO, "Road | Limit\nNorthern road | 40 tonnes"])
    # The Title-styled paragraph is the document's own title; the core title comes second.
    assert fields == {"title": "Tarvo bridge reopens", "author": "Luis Paz", "date": "2022-05-04"}
    _, fields, _ = read_docx(write_docx(tmp_path / "plain.docx", MEMO, title="Council memo"))
    assert fields["title"] == "Council memo"


def test_docx_template_properties_of_python_docx_are_not_metadata(tmp_path):
    import docx

    document = docx.Document()  # author "python-docx", created 2013-12-23: the template's stamp
    document.add_paragraph(MEMO[1])
    document.save(str(tmp_path / "stamp.docx"))
    text, fields, problem = read_docx(tmp_path / "stamp.docx")
    assert (text, fields, problem) == (MEMO[1], {}, None)


def test_docx_hostile_files_are_reported_not_raised(tmp_path):
    not_zip = tmp_path / "old.docx"
    not_zip.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an old binary .doc
    no_document = tmp_path / "other.docx"
    with zipfile.ZipFile(no_document, "w") as archive:
        archive.writestr("hello.txt", "not a Word file")
    broken = tmp_path / "broken.docx"
    good = write_docx(tmp_path / "good.docx", MEMO)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good.read_bytes()[:2000])
    for path, reason in [(not_zip, "not a Word .docx file"), (no_document, "no word/document.xml"),
                         (broken, "broken Word file"), (truncated, "not a Word .docx file")]:
        docs, skipped = load_file(path)
        assert docs == [] and len(skipped) == 1 and reason in skipped[0].reason, (path.name, skipped)


def test_zip_bomb_named_docx_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.docx"
    write_zip_bomb(path, unpacked_mib=300)
    assert path.stat().st_size < 2 * 2**20
    docs, skipped, peak = load_measured(path)
    assert docs == [] and "too large once unpacked" in skipped[0].reason
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB to refuse it"


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A folder with the report (PDF), the memo (Word) and a broken PDF, indexed."""
    from index.build import build_index
    from index.settings import Settings

    base = tmp_path_factory.mktemp("office")
    folder = base / "articles"
    write_pdf(folder / "water-report.pdf", REPORT, title="Valle Water Board annual report 2021",
              created=dt.datetime(2022, 1, 15, tzinfo=dt.UTC))
    write_docx(folder / "bridge-memo.docx", MEMO, heading="Tarvo bridge reopens",
               created=dt.datetime(2022, 5, 4, tzinfo=dt.UTC))
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n%broken")
    settings = Settings.load(index_dir=base / "index")
    report = build_index([folder], settings, progress=False)
    return folder, settings, report


def test_pdf_and_docx_are_indexed_and_bad_ones_reported(office):
    folder, settings, report = office
    by_name = {Path(d["path"]).name: d for d in report.documents}
    assert set(by_name) == {"water-report.pdf", "bridge-memo.docx"}
    assert by_name["water-report.pdf"]["pages"] == 3
    assert by_name["water-report.pdf"]["title"] == "Valle Water Board annual report 2021"
    assert (by_name["water-report.pdf"]["date"], by_name["water-report.pdf"]["date_source"]) == (
        "2022-01-15", "metadata")
    assert by_name["bridge-memo.docx"]["title"] == "Tarvo bridge reopens"
    assert [Path(s["path"]).name for s in report.skipped] == ["scan.pdf"]
    assert "broken PDF" in report.skipped[0]["reason"]

    from index.build import build_index

    again = build_index([folder], settings, progress=False)
    assert again.changes["embedded_chunks"] == 0 and again.changes["unchanged"] == 2


def test_passages_from_a_pdf_know_their_page_and_citations_say_it(office):
    from index.store import Store
    from rag.answer import Citation
    from rag.retrieve import retrieve

    _, settings, _ = office
    store = Store(settings.index_dir, create=False)
    try:
        found = retrieve("How many wells did the board repair in the Zorbul district?", settings, store)
        memo = retrieve("When did the Tarvo bridge reopen?", settings, store)
        chunks = [(r["page"], r["text"]) for r in store.chunk_rows() if r["path"].endswith(".pdf")]
        in_chroma = store.collection.get(include=["metadatas"])["metadatas"]
    finally:
        store.close()
    top = found.passages[0]
    assert top.path.endswith("water-report.pdf") and "47 wells" in top.text and top.page in ("1-2", "2")
    assert Citation.of(1, top).label().endswith(f" · {'pp. 1-2' if '-' in top.page else 'p. 2'}")
    assert memo.passages[0].path.endswith(".docx") and memo.passages[0].page is None
    assert "p. " not in Citation.of(1, memo.passages[0]).label()
    spans = [tuple(int(n) for n in page.split("-")) for page, _ in chunks]
    assert spans[0][0] == 1 and spans[-1][-1] == 3 and [s[0] for s in spans] == sorted(s[0] for s in spans)
    for (page, text), span in zip(chunks, spans, strict=True):  # every fact is on a page its chunk names
        for fact, on in (("eleven times", 1), ("47 wells", 2), ("3.2 million", 3)):
            if fact in text:
                assert span[0] <= on <= span[-1], (page, text)
    assert sorted(m["page"] for m in in_chroma if m["path"].endswith(".pdf")) == sorted(p for p, _ in chunks)


def test_rag_show_prints_what_the_indexer_reads_from_pdf_and_docx(office):
    folder, settings, _ = office
    run = subprocess.run([sys.executable, "-m", "rag.cli", "show", str(folder), "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    by_name = {Path(r["path"]).name: r for r in records}
    pdf, memo, scan = by_name["water-report.pdf"], by_name["bridge-memo.docx"], by_name["scan.pdf"]
    assert {"path", "title", "date", "date_source", "outlet", "text"} <= set(pdf)
    assert "47 wells in the Zorbul district" in pdf["text"] and "1.1 million" in pdf["text"]
    assert "3 May 2022 after 11 weeks" in memo["text"]
    assert "broken PDF" in scan["reason"] and "text" not in scan

    from rag import show

    shown = show(folder, settings)
    assert {Path(a["path"]).name: a["text"] for a in shown.articles} == {
        name: by_name[name]["text"] for name in ("water-report.pdf", "bridge-memo.docx")}


def test_ui_accepts_pdf_and_docx_uploads_and_opens_an_article(office, tmp_path):
    from ui.app import article_choices, show_article
    from ui.files import save_upload

    folder, settings, _ = office
    for name in ("water-report.pdf", "bridge-memo.docx"):
        assert save_upload(folder / name, tmp_path / "uploads", name).status == "added"
    choices = dict((source, label) for label, source in article_choices(settings))
    pdf = next(s for s in choices if s.endswith(".pdf"))
    assert "Valle Water Board annual report 2021" in choices[pdf]
    view = show_article(settings, pdf)
    assert "47 wells in the Zorbul district" in view and "Pages" in view and "metadata" in view


@pytest.mark.slow
def test_answer_from_a_pdf_cites_its_page(office):
    from rag import ask

    _, settings, _ = office
    answer = ask("How many wells did the Valle Water Board repair in the Zorbul district in 2021?", settings)
    assert "47" in answer.text, answer.text
    assert any(c.path.endswith(".pdf") and "2" in c.page and "p. " in c.label() for c in answer.citations)
