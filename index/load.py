"""Files -> raw documents. Reads .txt, .md, .html/.htm and .jsonl; reports what it cannot read."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
META_FIELDS = ("title", "date", "url", "outlet", "author")
MAX_FILE_BYTES = 20 * 1024 * 1024  # one article; the longest real ones are well under 1 MiB
# A .jsonl file holds many articles (each line still at most MAX_FILE_BYTES).
MAX_JSONL_BYTES = 512 * 1024 * 1024


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
                if name.startswith(".") or not _is_article(path):
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
    try:
        size = path.stat().st_size
        limit = MAX_JSONL_BYTES if path.suffix.lower() == ".jsonl" else MAX_FILE_BYTES
        if size > limit:
            return [], [Skipped(str(path), f"too large for one article ({size / 2**20:.0f} MiB > "
                                f"{limit >> 20} MiB): split it into one file per article, or a "
                                ".jsonl file with one article per line")]
        data = path.read_bytes()
    except OSError as e:
        return [], [Skipped(str(path), f"cannot read: {e.strerror or e}")]
    text, problem = decode(data)
    if problem:
        return [], [Skipped(str(path), problem)]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _load_jsonl(path, text)
    sidecar = _read_sidecar(path)
    if suffix in {".html", ".htm"}:
        body, fields = html_to_text(text)
    elif suffix in {".md", ".markdown"}:
        body, fields = markdown_to_text(text)
    else:
        body, fields = text, {}
    fields.update(sidecar)
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


class _HTMLText(HTMLParser):
    SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg",
            "iframe", "template", "button"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
             "article", "blockquote", "figcaption", "ul", "ol", "table", "title"}

    INVISIBLE = {"script", "style", "noscript", "template", "svg", "iframe"}

    def __init__(self, skip: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.skip_depth = 0
        self.article_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.in_pre = False
        self.fields: dict[str, str] = {}
        self.h1 = ""
        self.h1_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            value = a.get("content", "").strip()
            target = {
                "article:published_time": "date", "datepublished": "date", "date": "date",
                "og:title": "title", "author": "author", "article:author": "author",
                "og:site_name": "outlet", "og:url": "url",
            }.get(key)
            if target and value:
                self.fields.setdefault(target, value)
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.fields.setdefault("url", a["href"])
        elif tag == "time" and a.get("datetime"):
            self.fields.setdefault("date", a["datetime"])
        if tag in self.skip:
            self.skip_depth += 1
        if tag == "article":
            self.article_depth += 1
        self.in_title = tag == "title"
        self.in_h1 = self.in_h1 or (tag == "h1" and not self.h1_done)
        self.in_pre = self.in_pre or tag == "pre"
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skip and self.skip_depth:
            self.skip_depth -= 1
        if tag == "article" and self.article_depth:
            self.article_depth -= 1
        if tag == "title":
            self.in_title = False
        if tag == "h1" and self.in_h1:
            self.in_h1, self.h1_done = False, True
            self.h1 = " ".join(self.h1.split())
        if tag == "pre":
            self.in_pre = False
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.fields.setdefault("html_title", data.strip())
            return
        if self.skip_depth:
            return
        if not self.in_pre:
            data = re.sub(r"\s+", " ", data)  # source line breaks are spaces in a browser
        if self.in_h1:
            self.h1 += data
        self._emit(data)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        if self.article_depth:
            self.article_parts.append(text)


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Visible article text of a page: scripts, styles, menus and footers dropped."""
    parser = _parse_html(html, _HTMLText.SKIP)
    if parser.skip_depth:
        # A menu or button left unclosed in broken markup swallows the rest of the page: keep
        # the furniture rather than lose the article; only what a browser never shows is dropped.
        parser = _parse_html(html, _HTMLText.INVISIBLE)
    # The <article> element holds the story, unless it is only a teaser card beside it.
    article, everything = "".join(parser.article_parts).strip(), "".join(parser.parts).strip()
    parts = parser.article_parts if article and len(article) >= 0.5 * len(everything) else parser.parts
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    fields = dict(parser.fields)
    html_title = fields.pop("html_title", "")
    fields.setdefault("title", parser.h1.strip() or html_title)
    if not fields["title"]:
        del fields["title"]
    return text, fields


def _parse_html(html: str, skip: set[str]) -> _HTMLText:
    parser = _HTMLText(skip)
    try:
        parser.feed(html)
        if re.match(r"\s*<[!?/A-Za-z]", parser.rawdata):
            # An unclosed comment, CDATA or tag at the end hides the rest, as in a browser;
            # html.parser would hand it over as text (scripts and all).
            parser.rawdata = ""
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser can choke on very broken markup; keep what we have
        pass
    return parser
