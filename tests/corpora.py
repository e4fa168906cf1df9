"""Test corpora made by the tests themselves: generated articles, and a folder holding every kind
of bad file a real folder has. Nothing here is downloaded or copied from elsewhere."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from helpers import write as _write

PLACES = ["Ayacucho", "Cusco", "Puno", "Huanta", "Pichari", "Satipo", "Tingo Maria", "Iquitos",
          "Arequipa", "Tacna", "Piura", "Tumbes", "Chiclayo", "Huancayo", "Jauja", "Abancay"]
SUBJECTS = ["soldiers", "farmers", "police officers", "rebels", "miners", "teachers", "nurses",
            "fishermen", "students", "officials", "traders", "drivers", "engineers", "pilots"]
VERBS = ["reported", "blocked", "repaired", "inspected", "abandoned", "guarded", "crossed", "mapped",
         "flooded", "rebuilt", "surveyed", "evacuated", "visited", "protested near", "cleared"]
OBJECTS = ["a bridge", "the main road", "a river crossing", "two villages", "the market", "a clinic",
           "the airport", "a coca field", "the mine entrance", "a school", "the power line", "a dam",
           "the border post", "a warehouse", "the old railway", "a radio mast", "the water plant"]
WHEN = ["on Monday", "on Tuesday", "last week", "in March", "at dawn", "overnight", "in the afternoon",
        "after the storm", "before the vote", "during the strike", "this year", "in early June"]
TAILS = ["the regional governor said", "local radio reported", "according to the army",
         "witnesses told reporters", "a spokesman confirmed", "the ministry said in a statement"]


def article_text(n: int, sentences: int = 12) -> str:
    """A plausible, distinct news brief; `n` seeds it, and its unique word is marker(n)."""
    rng = random.Random(n)
    place = rng.choice(PLACES)
    head = (f"{rng.choice(SUBJECTS).capitalize()} in {place}, case {marker(n)}\n"
            f"{place.upper()}, 20{10 + n % 14}-{1 + n % 12:02d}-{1 + n % 27:02d} (Test Wire) -\n\n")
    said = [f"{rng.randint(2, 400)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(WHEN)} near {rng.choice(PLACES)}, {rng.choice(TAILS)}." for _ in range(sentences)]
    said.insert(2, f"The case is filed as {marker(n)} in the regional register.")
    paragraphs = [" ".join(said[i : i + 4]) for i in range(0, len(said), 4)]
    return head + "\n\n".join(paragraphs) + "\n"


def marker(n: int) -> str:
    """A word found in article n only, to find it again in the index."""
    return "Zq" + "".join("bcdfghjklmnprstvwxz"[int(d)] for d in f"{n:04d}")


def write_corpus(folder: Path, numbers: range | list[int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [_write(folder / f"article-{n:04d}.txt", article_text(n)) for n in numbers]


@dataclass
class BadCorpus:
    root: Path
    # what must be indexed: document source (absolute path, '#L<n>' for a JSONL line) -> its marker
    good: dict[str, str] = field(default_factory=dict)
    # what must be reported: skipped path -> a word its reason must contain
    bad: dict[str, str] = field(default_factory=dict)
    outside: Path | None = None  # a folder reached through a symlink


def make_bad_corpus(base: Path) -> BadCorpus:
    """Every kind of file the issue lists, good and bad, in one folder (plus one outside it)."""
    root = base / "corpus"
    corpus = BadCorpus(root)

    def good(path: Path, content: str | bytes, n: int, source: str | None = None) -> None:
        _write(path, content)
        corpus.good[source or str(path)] = marker(n)

    def bad(path: Path, content: str | bytes, reason_word: str) -> None:
        _write(path, content)
        corpus.bad[str(path)] = reason_word

    good(root / "plain.txt", article_text(1), 1)
    good(root / "latin1.txt", article_text(2).replace("case", "caso de Junín").encode("latin-1"), 2)
    good(root / "cp1252.txt", article_text(3).replace("case", "\u201ccase\u201d").encode("cp1252"), 3)
    good(root / "bom.md", "\ufeff---\ntitle: A markdown brief\n---\n" + article_text(4), 4)
    good(root / "Perú – informe (copia).txt", article_text(5), 5)
    # the same name in two folders, different stories: both are articles
    good(root / "2022" / "report.txt", article_text(6), 6)
    good(root / "2023" / "report.txt", article_text(7), 7)
    # scraped pages: malformed markup, scripts, styles, event handlers, an unclosed menu
    paragraphs = "".join(f"<p>{p}" for p in article_text(8).split("\n\n"))  # <p> never closed
    good(root / "scraped.html",
         "<html><head><title>Scraped page</title><style>body{display:none}</style>"
         "<script>document.write('SCRIPT_LEAK')</script></head><body><div class=x>"
         f"<img src=x onerror=alert('ONERROR_LEAK')>{paragraphs}<script>var t = '</div>';"
         "SCRIPT_LEAK()</script><span><b>unbalanced</i></div></div></body>", 8)
    good(root / "unclosed-menu.htm",
         "<html><body><nav><a href=/>Home</a> <ul><li>World" + "".join(
             f"<p>{p}</p>" for p in article_text(9).split("\n\n")) + "</body></html>", 9)
    # PDF and Word files, and ones that only have the name
    paragraphs = article_text(15).split("\n\n")
    pdf = write_pdf(root / "report.pdf", [paragraphs[:2], paragraphs[2:]])
    corpus.good[str(pdf)] = marker(15)
    docx = write_docx(root / "memo.docx", article_text(16).split("\n\n"))
    corpus.good[str(docx)] = marker(16)
    bad(root / "fake.pdf", article_text(17), "not a PDF")
    bad(root / "scan.pdf", write_pdf(base / "blank.pdf", [[]]).read_bytes(), "no text layer")
    bad(root / "cut.docx", docx.read_bytes()[:1500], "not a Word")
    # a feed with good and broken lines
    feed = root / "feed.jsonl"
    lines = [json.dumps({"text": article_text(10), "date": "2021-05-26"}), "{not json",
             json.dumps({"title": "no text"}), json.dumps({"text": article_text(11)}, ensure_ascii=False),
             json.dumps(["not", "an", "object"])]
    _write(feed, "\n".join(lines) + "\n")
    corpus.good[f"{feed}#L1"] = marker(10)
    corpus.good[f"{feed}#L4"] = marker(11)
    corpus.bad[f"{feed}#L2"] = "JSON"
    corpus.bad[f"{feed}#L3"] = "text"
    corpus.bad[f"{feed}#L5"] = "text"

    bad(root / "empty.txt", b"", "empty")
    bad(root / "blank.md", " \n\t\n", "empty")
    bad(root / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary")
    noise = random.Random(7).randbytes(4096).replace(b"\x00", b"\x01")
    bad(root / "noise.html", noise, "not text")
    bad(root / "only-scripts.html", "<html><script>x()</script><style>p{}</style></html>", "empty")
    bad(root / "broken.jsonl", "{oops\n", "JSON")
    corpus.bad[f"{root / 'broken.jsonl'}#L1"] = corpus.bad.pop(str(root / "broken.jsonl"))
    # 50 MB of text in one file: not one article
    huge = root / "huge.txt"
    with huge.open("w", encoding="utf-8") as f:
        block = article_text(12) * 20
        while f.tell() < 50 * 2**20:
            f.write(block)
    corpus.bad[str(huge)] = "too large"

    # symlinks: a loop, a second name for a file, a dangling link, a folder outside the corpus
    os.symlink(root, root / "2023" / "loop")
    os.symlink(root / "plain.txt", root / "same-as-plain.txt")
    os.symlink(root / "gone.txt", root / "dangling.txt")
    corpus.bad[str(root / "dangling.txt")] = "broken symbolic link"
    corpus.outside = base / "elsewhere"
    good(corpus.outside / "linked.txt", article_text(13), 13)
    os.symlink(corpus.outside, root / "linked-folder")
    linked = corpus.good.pop(str(corpus.outside / "linked.txt"))
    corpus.good[str(root / "linked-folder" / "linked.txt")] = linked
    # a name that is not UTF-8, as old archives make
    raw_name = os.path.join(os.fsencode(root), b"caf\xe9.txt")
    with open(raw_name, "wb") as f:
        f.write(article_text(14).encode())
    corpus.bad[raw_name.decode("utf-8", "replace")] = "UTF-8"
    return corpus


def write_pdf(path: Path, pages: list[list[str]], title: str = "", author: str = "", created=None,
              running_head: str = "", numbered: bool = False, password: str | None = None,
              encryption: str = "RC4") -> Path:
    """A PDF made here (fpdf2): each page a list of paragraphs, optionally with a running head
    and a page number at the foot of every page, as reports print them. With a `password` it is
    encrypted (`encryption`: RC4, AES_128 or AES_256); an empty one locks only editing."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    class Report(FPDF):
        def header(self) -> None:
            if running_head:
                self.set_font("Helvetica", size=8)
                self.cell(0, 6, running_head, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if numbered:
                self.set_y(-15)
                self.set_font("Helvetica", size=8)
                self.cell(0, 6, str(self.page_no()), align="C")

    pdf = Report()
    pdf.set_font("Helvetica", size=11)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(created)
    if password is not None:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password,
                           encryption_method=EncryptionMethod[encryption])
    for paragraphs in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_docx(path: Path, paragraphs: list[str], title: str = "", heading: str = "", author: str = "",
               created=None, table: list[list[str]] | None = None) -> Path:
    """A Word file made here (python-docx): an optional Title-styled heading, paragraphs, an
    optional table after them, and core properties."""
    import docx

    document = docx.Document()
    if heading:
        document.add_paragraph(heading, style="Title")
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    core = document.core_properties
    core.title, core.author = title, author
    if created:
        core.created = created
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
