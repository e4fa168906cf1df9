"""PDF files -> article text in reading order, with the offset at which each page starts, so that
a passage can be cited by its page; running heads, footers and page numbers left out."""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections import Counter
from pathlib import Path

import pypdf
from pypdf.errors import DependencyError, LimitReachedError

MAX_PAGES = 2000  # a long report; a larger file is a book or a scan batch, to split
MAX_TEXT_CHARS = 20 * 1024 * 1024
PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
# Titles that name the file or the program that wrote it, not the article.
TOOL_TITLE = re.compile(r"^(?:microsoft (?:word|powerpoint)\s+-\s+.*|untitled.*|document\d*|.*\.(?:docx?|pdf"
                        r"|indd|tex|rtf|odt))$", re.I)

logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # it warns about every repaired xref


def read_pdf(path: Path) -> tuple[str, dict[str, str], str | None]:
    """(text, fields, problem). `fields["pages"]` is a JSON list of the offsets in `text` where
    each page starts. Never raises for a bad file: `problem` says what is wrong with it."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as e:
        return "", {}, f"cannot read: {e.strerror or e}"
    if b"%PDF-" not in head:
        return "", {}, "not a PDF file (no %PDF header): is it named wrongly?"
    try:
        # A page tree that names more pages than this is refused before it is walked.
        with pypdf.apply_configuration(page_tree_maximum_page_entries=MAX_PAGES + 1):
            return _read(path)
    except LimitReachedError as e:  # pypdf's guards against files built to exhaust memory
        if "page" in str(e).lower():
            return "", {}, f"too large for one article (over {MAX_PAGES} pages): split the file"
        return "", {}, f"too large to read safely ({e})"
    except DependencyError as e:
        return "", {}, f"encrypted in a way this installation cannot read ({e})"
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on a truncated or damaged file
        return "", {}, f"broken PDF ({type(e).__name__}: {str(e)[:120]}): save or export it again"


def _read(path: Path) -> tuple[str, dict[str, str], str | None]:
    reader = pypdf.PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):  # many PDFs are locked only against editing
        return "", {}, "encrypted: it needs a password; save a copy without one"
    count = len(reader.pages)
    if count > MAX_PAGES:
        return "", {}, f"too large for one article ({count} pages > {MAX_PAGES}): split the file"
    pages: list[str] = []
    damaged: list[int] = []
    chars = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # noqa: BLE001 - one damaged page; the others are still read
            text = ""
            damaged.append(number)
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            return "", {}, f"too large for one article (over {MAX_TEXT_CHARS >> 20} MiB of text): split it"
        pages.append(text)
    tidy = [_tidy(p) for p in pages]
    pages = _without_running_lines(tidy)
    if not any(p.strip() for p in pages):
        # Every line repeats on every page: that is the document's text, not its furniture.
        pages = ["\n".join(line for line in page.split("\n")
                           if not PAGE_NUMBER.match(line.strip()) and not line.strip().isdigit())
                 for page in tidy]
    if not any(p.strip() for p in pages):
        return "", {}, "no text layer (a scanned PDF?): run OCR first"
    text, starts = "", []
    for page in pages:
        if text and page:
            text += "\n\n"
        starts.append(len(text))
        text += page
    fields = _metadata(reader)
    fields["pages"] = json.dumps(starts)
    if damaged:
        fields["note"] = f"damaged, not read: page{'s' * (len(damaged) > 1)} {', '.join(map(str, damaged))}"
    return text, fields, None


def _tidy(page: str) -> str:
    """Lines as pypdf gives them, less words hyphenated across a line break ("govern-\\nment")."""
    page = page.replace("\r\n", "\n").replace("\r", "\n")
    page = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", page)
    return "\n".join(line.rstrip() for line in page.split("\n")).strip()


def _without_running_lines(pages: list[str]) -> list[str]:
    """Drop page numbers and the heads and footers repeated at the top or bottom of most pages."""
    def edges(lines: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        return sorted(set(filled[:2] + filled[-2:]))

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()).lower())

    split = [page.split("\n") for page in pages]
    repeated: set[str] = set()
    if len(pages) >= 3:
        seen = Counter(s for lines in split for s in {shape(lines[i]) for i in edges(lines)})
        repeated = {s for s, n in seen.items() if n >= max(3, len(pages) // 2)}
    out = []
    for lines in split:
        drop = {i for i in edges(lines) if PAGE_NUMBER.match(lines[i].strip()) or shape(lines[i]) in repeated}
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop).strip())
    return out


def _metadata(reader: pypdf.PdfReader) -> dict[str, str]:
    try:
        info = reader.metadata
        found = {"title": info.title, "author": info.author} if info else {}
        created = info.creation_date if info else None
    except Exception:  # noqa: BLE001 - a damaged info dictionary or date: the text is what matters
        return {}
    fields = {k: " ".join(str(v).split()) for k, v in found.items() if v and str(v).strip()}
    if TOOL_TITLE.match(fields.get("title", "")):
        del fields["title"]
    if created:
        fields["date"] = created.date().isoformat()
    return fields


def page_of_chunks(raw_text: str, page_starts: list[int], chunks: list[str]) -> list[str]:
    """The pages each chunk spans: "3", or "3-4" for one that runs over a page break. Chunks come
    from the cleaned body, so they are found again in the raw text by their first and last words,
    in order; a chunk not found is given the page of the one before it."""
    words = [(m.group().lower(), m.start()) for m in re.finditer(r"\w+", raw_text)]
    where: dict[str, list[int]] = {}
    for i, (word, _) in enumerate(words):
        where.setdefault(word, []).append(i)

    def find(seq: list[str], after: int) -> int | None:
        found = where.get(seq[0], []) if seq else []
        for i in found[bisect.bisect_left(found, after) :]:
            if [w for w, _ in words[i : i + len(seq)]] == seq:
                return i
        return None

    def page(i: int) -> int:
        return max(1, bisect.bisect_right(page_starts, words[i][1]))

    labels: list[str] = []
    cursor, label = 0, "1"
    for chunk in chunks:
        seq = [w.lower() for w in re.findall(r"\w+", chunk)]
        start = find(seq[:8], cursor)
        if start is not None:
            cursor = start
            tail = seq[-8:]
            # The body has only lost lines of the raw text, so the chunk's end is at least as
            # many words on (its last words may also stand earlier in it).
            end = find(tail, start + len(seq) - len(tail))
            first, last = page(start), page(end + len(tail) - 1) if end is not None else page(start)
            label = str(first) if last == first else f"{first}-{last}"
        labels.append(label)
    return labels
