"""Files -> raw documents. Reads .txt, .md, .html/.htm, .jsonl, .pdf and .docx; reports what it
cannot read."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.pdf import read_pdf
from index.web import html_to_text
from index.word import read_docx

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".pdf", ".docx"}
# Files that are not text: read by their own readers, never decoded as text.
BINARY_READERS = {".pdf": read_pdf, ".docx": read_docx}
META_FIELDS = ("title", "date", "url", "outlet", "author")
# Bump when a reader reads differently: indexed files are then read again.
READER_VERSION = "2"  # 2: web pages by trafilatura; PDF and Word files
MAX_FILE_BYTES = 20 * 1024 * 1024  # one article; the longest real ones are well under 1 MiB
# A .jsonl file holds many articles (each line still at most MAX_FILE_BYTES).
MAX_JSONL_BYTES = 512 * 1024 * 1024
# A PDF or Word file also carries its images and fonts.
MAX_BINARY_BYTES = 100 * 1024 * 1024


@dataclass
class RawDocument:
    """One article as found on disk, before cleaning. `source` is its stable key."""

    source: str  # the file path, or "path#L<n>" for a line of a .jsonl file
    path: str
    text: str
    fields: dict[str, str] = field(default_factory=dict)  # metadata the file states itself


@dataclass
class Skipped:
    path: str
    reason: str


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Article files below `paths`, sorted; symlinks are followed once (loops are cut)."""
    seen: set[str] = set()
    for root in paths:
        root = Path(root)
        if not root.exists():
            yield _unencodable(root) or Skipped(str(root), "no such file or folder")
            continue
        if root.is_file():  # named explicitly: load_file reports it if it is no article
            real = os.path.realpath(root)
            if real not in seen:
                seen.add(real)
                yield _unencodable(root) or root
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            real_dir = os.path.realpath(dirpath)
            if real_dir in seen:
                dirnames[:] = []
                continue
            seen.add(real_dir)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                # "~$name.docx": the lock file Word keeps beside a document it has open.
                if name.startswith((".", "~$")) or not _is_article(path):
                    continue
                if path.is_symlink() and not path.exists():
                    yield _unencodable(path) or Skipped(
                        str(path), f"broken symbolic link (to {os.readlink(path)}): fix or remove it")
                    continue
                real = os.path.realpath(path)
                if real in seen:
                    continue
                seen.add(real)
                yield _unencodable(path) or path


def _unencodable(path: Path) -> Skipped | None:
    """A name that is not valid UTF-8 (bytes from an old system or a zip) cannot be stored in
    the index, nor printed: report it under a readable version of the name."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        readable = os.fsencode(path).decode("utf-8", "replace")
        return Skipped(readable, "file name is not valid UTF-8: rename the file")
    return None


def _is_article(path: Path) -> bool:
    return path.suffix.lower() in ARTICLE_SUFFIXES and path.name.lower() != "readme.md"


def load_file(path: Path) -> tuple[list[RawDocument], list[Skipped]]:
    """Parse one file into documents; never raises for bad content, reports it instead."""
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        return [], [Skipped(str(path), f"unsupported file type '{path.suffix or 'none'}'")]
    suffix = path.suffix.lower()
    limit = {".jsonl": MAX_JSONL_BYTES, ".pdf": MAX_BINARY_BYTES, ".docx": MAX_BINARY_BYTES}.get(
        suffix, MAX_FILE_BYTES)
    try:
        size = path.stat().st_size
        if size > limit:
            return [], [Skipped(str(path), f"too large for one article ({size / 2**20:.0f} MiB > "
                                f"{limit >> 20} MiB): split it into one file per article, or a "
                                ".jsonl file with one article per line")]
        if not size:
            return [], [Skipped(str(path), "empty file")]
        data = b"" if suffix in BINARY_READERS else path.read_bytes()
    except OSError as e:
        return [], [Skipped(str(path), f"cannot read: {e.strerror or e}")]
    if suffix in BINARY_READERS:
        body, fields, problem = BINARY_READERS[suffix](path)
    else:
        body, problem = decode(data)
        fields = {}
    if problem:
        return [], [Skipped(str(path), problem)]
    if suffix == ".jsonl":
        return _load_jsonl(path, body)
    if suffix in {".html", ".htm"}:
        body, fields = html_to_text(body)
    elif suffix in {".md", ".markdown"}:
        body, fields = markdown_to_text(body)
    fields.update(_read_sidecar(path))
    if not body.strip():
        return [], [Skipped(str(path), "empty: no article text")]
    return [RawDocument(str(path), str(path), body, fields)], []


def decode(data: bytes) -> tuple[str, str | None]:
    """Text from bytes: UTF-8 first, then Windows-1252/Latin-1 for older files."""
    if not data.strip():
        return "", "empty file"
    if b"\x00" in data[:8192]:
        return "", "binary file (contains NUL bytes)"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:20000])
    if printable < 0.95 * min(len(text), 20000):
        return "", "not text: neither UTF-8 nor Latin-1"
    return text, None


def _read_sidecar(path: Path) -> dict[str, str]:
    """Metadata from `name.json` or `name.meta.json` beside the article, if there is one."""
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            if isinstance(data, dict):
                return {k: str(data[k]) for k in META_FIELDS if data.get(k)}
    return {}


def _load_jsonl(path: Path, text: str) -> tuple[list[RawDocument], list[Skipped]]:
    docs, skipped = [], []
    # Only "\n" ends a record: JSON strings may hold U+2028 and U+0085 raw, which
    # str.splitlines() would also split on.
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}#L{n}"
        if len(line) > MAX_FILE_BYTES:
            skipped.append(Skipped(where, f"line {n} is too large for one article "
                                   f"(over {MAX_FILE_BYTES >> 20} MiB)"))
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            skipped.append(Skipped(where, f"invalid JSON on line {n}: {e.msg}"))
            continue
        if not isinstance(record, dict) or not str(record.get("text") or "").strip():
            skipped.append(Skipped(where, f"line {n} has no 'text' field"))
            continue
        fields = {k: str(record[k]) for k in META_FIELDS if record.get(k)}
        docs.append(RawDocument(where, str(path), str(record["text"]), fields))
    if not docs and not skipped:
        skipped.append(Skipped(str(path), "empty: no articles in JSONL file"))
    return docs, skipped


FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def markdown_to_text(text: str) -> tuple[str, dict[str, str]]:
    fields: dict[str, str] = {}
    match = FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key in META_FIELDS and value.strip():
                fields[key] = value.strip().strip("\"'")
        text = text[match.end() :]
    lines = []
    for line in text.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)", line)
        if heading:
            line = heading.group(1).strip()
            fields.setdefault("title", line)
        line = MD_LINK.sub(r"\1", line)
        line = re.sub(r"(\*\*|__|\*|`)", "", line)
        lines.append(line)
    return "\n".join(lines), fields
