"""Word (.docx) files -> article text: paragraphs and tables in document order, and the file's
core properties (title, author, created) as metadata."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import docx
from docx.table import Table

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a zip bomb unpacks to far more; a long report to far less
# python-docx stamps new files from its template with these; they describe no real document.
TEMPLATE_AUTHOR = "python-docx"
TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.UTC)


def read_docx(path: Path) -> tuple[str, dict[str, str], str | None]:
    """(text, fields, problem); never raises for a bad file: `problem` says what is wrong."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            unpacked = sum(e.file_size for e in entries)
            names = {e.filename for e in entries}
    except (zipfile.BadZipFile, ValueError):
        return "", {}, "not a Word .docx file (not a zip archive; an old .doc? save it as .docx)"
    except OSError as e:
        return "", {}, f"cannot read: {e.strerror or e}"
    if "word/document.xml" not in names:
        return "", {}, "not a Word .docx file (no word/document.xml inside)"
    if unpacked > MAX_UNPACKED_BYTES:
        return "", {}, (f"too large once unpacked ({unpacked / 2**20:.0f} MiB > "
                        f"{MAX_UNPACKED_BYTES >> 20} MiB; a zip bomb?)")
    try:
        document = docx.Document(str(path))
        blocks = [_block_text(block) for block in document.iter_inner_content()]
        title = next((p.text.strip() for p in document.paragraphs
                      if p.style is not None and p.style.name == "Title" and p.text.strip()), "")
        fields = _core_fields(document)
    except Exception as e:  # noqa: BLE001 - a damaged part raises KeyError, XMLSyntaxError, ...
        return "", {}, f"broken Word file ({type(e).__name__}: {str(e)[:120]}): save it again"
    if title:  # a Title-styled paragraph is the document's own title
        fields["title"] = " ".join(title.split())
    return "\n\n".join(b for b in blocks if b.strip()), fields, None


def _block_text(block: object) -> str:
    if isinstance(block, Table):
        rows = []
        for row in block.rows:
            cells: list[str] = []
            for cell in row.cells:  # a merged cell is listed once per grid column it spans
                text = " ".join(cell.text.split())
                if text and (not cells or cells[-1] != text):
                    cells.append(text)
            rows.append(" | ".join(cells))
        return "\n".join(r for r in rows if r)
    return block.text.strip()  # a paragraph: its runs, hyperlinks, tabs and line breaks


def _core_fields(document: docx.document.Document) -> dict[str, str]:
    core = document.core_properties
    fields: dict[str, str] = {}
    if core.title and core.title.strip():
        fields["title"] = " ".join(core.title.split())
    if core.author and core.author.strip() and core.author != TEMPLATE_AUTHOR:
        fields["author"] = " ".join(core.author.split())
    created = core.created
    if created and created.replace(tzinfo=created.tzinfo or dt.UTC) != TEMPLATE_CREATED:
        fields["date"] = created.date().isoformat()
    return fields
