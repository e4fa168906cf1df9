"""Title, publication date, outlet and author of an article, from what the file states,
its dateline, or, for the date, the clues of its text and its file name (an inferred year is
marked as such; a year the clues do not settle is left unknown)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from index import dates
from index.clean import CLUTTER_LINE, SECTION_LABEL, line_key, normalize


@dataclass
class Metadata:
    title: str = ""
    date: str = ""  # ISO, as precise as known: "2012-08-31", "2023"; "" when the year is unknown
    date_inferred: bool = False
    date_note: str = ""  # where the date comes from, or why the year is unknown
    outlet: str = ""
    author: str = ""
    url: str = ""
    # For an article that prints no date: the candidate years and the clues behind them, for a
    # later stage to narrow (another report of the same event). Not stored in the index.
    publication: dates.PublicationYear | None = field(default=None, compare=False, repr=False)


OUTLET_PATTERNS = [
    re.compile(r"this article is (?:owned by|published by|from)\s+(?:the\s+)?([A-Z][\w&' .-]{1,40}?)\.?$",
               re.I | re.M),
    re.compile(r"^about\s+([A-Z][\w&' .-]{1,40})$", re.M),
    re.compile(r"send\s+([A-Z][\w&' .-]{1,40}?)\s+your comments", re.I),
    re.compile(r"attribution to\s+([A-Z][\w&' .-]{1,40}?)\s+in the byline", re.I),
    re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s+)?([A-Z][\w&' .-]{1,40}?)(?:\.|,|$)", re.I | re.M),
    re.compile(r"^[A-Z][A-Z ,]+,?\s+.{0,30}?\(([A-Z][\w&' .-]{1,40})\)\s*[-–—]", re.M),
    re.compile(r"^(?:published|posted):?.*?\|\s*([A-Z][\w&' .-]{1,40})$", re.I | re.M),
    re.compile(r"^[^\n|]{0,40}\|\s*[^\n|]*\d{4}[^\n|]*\|\s*([A-Z][\w&' .-]{1,40})$", re.M),
]
_NAME = r"([^\W\d_][\w.'-]+(?:\s+[^\W\d_][\w.'-]+){1,3}?)"
AUTHOR_PATTERNS = [
    re.compile(r"\bBY\s+" + _NAME + r"(?:\s+[A-Z]{2})?\s*$", re.M),  # "VALLE / 31 AUG 2012 BY ANA RUIZ EN"
    re.compile(r"^(?:written by|by|author):?\s+" + _NAME + r"\s*$", re.I | re.M),
]
# Lines that state metadata rather than report: once read, they leave the body.
META_LINE = re.compile(r"^(?:this article is (?:owned|published) by\b.*|written by:?\s.*|by\s+[^\W\d_]"
                       r"[\w.' -]{2,40}|(?:published|posted|updated):?\s.{4,60})$", re.I)


def extract(raw_text: str, clean_text: str, fields: dict[str, str], name: str = "",
            today: dt.date | None = None) -> Metadata:
    """`name`: the file's name, which may carry a date ("2023-02-17-slug.txt"); `today` bounds
    the years an undated article can be of."""
    meta = Metadata(url=fields.get("url", ""))
    head = normalize(raw_text)
    meta.title = _title(fields.get("title", ""), head, clean_text)
    meta.outlet = fields.get("outlet") or _first_match(OUTLET_PATTERNS, head, vote=True)
    meta.author = fields.get("author") or _author(head)

    stated = dates.parse_date(fields["date"]) if fields.get("date") else None
    printed = dates.dateline(head)
    if printed:
        meta.date, meta.date_note = printed.iso, "dateline"
    elif stated:
        meta.date, meta.date_note = stated, "file metadata"
    else:
        set_publication(meta, dates.publication_year(clean_text, name=name, url=meta.url, today=today))
    return meta


def set_publication(meta: Metadata, found: dates.PublicationYear) -> None:
    """The date from what an undated article's clues say: stated (its file name or address),
    inferred (the text settles the year), or empty with the reason (it does not)."""
    meta.publication = found
    meta.date = found.date
    meta.date_inferred = found.year is not None and not found.stated
    meta.date_note = found.note()


def _title(stated: str, head: str, clean_text: str) -> str:
    if stated:
        return _strip_site_suffix(stated)
    for line in head.split("\n")[:6]:
        line = re.sub(r"^#{1,6}\s+", "", line)  # a Markdown heading saved as .txt
        if not line or CLUTTER_LINE.match(line) or SECTION_LABEL.match(line):
            continue
        if len(line) <= 160 and not line.endswith((".", ":", ",")) and not dates.find_dates(line):
            return _strip_site_suffix(line)
        break
    first = re.split(r"(?<=[.!?])\s", clean_text.strip(), maxsplit=1)[0]
    return first if len(first) <= 100 else first[:97].rsplit(" ", 1)[0] + "…"


def _strip_site_suffix(title: str) -> str:
    """'Six killed in Valle | Conflict News' -> 'Six killed in Valle'."""
    return re.split(r"\s+[|–—]\s+(?=[^|]{2,40}$)", title.strip(), maxsplit=1)[0].strip()


def strip_header(clean_text: str, meta: Metadata) -> str:
    """The body without the lines that only restate title, dateline, byline or owner."""
    title_key = line_key(meta.title)
    lines = clean_text.split("\n")
    out = []
    for i, line in enumerate(lines):
        key = line_key(line)
        in_head = i < 8
        if in_head and title_key and key.startswith(title_key) and len(key) < len(title_key) + 40:
            continue
        prose = line.rstrip().endswith((".", "!", "?")) and len(line.split()) > 6
        if in_head and len(line) < 90 and not prose and dates.find_dates(line):
            continue  # the dateline (a sentence that names a date is the story's)
        if META_LINE.match(line) and len(line) < 120:
            continue
        out.append(line)
    return "\n".join(out).strip()


def _first_match(patterns: list[re.Pattern[str]], text: str, vote: bool = False) -> str:
    votes: Counter[str] = Counter()
    for pattern in patterns:
        for m in pattern.finditer(text):
            name = m.group(1).strip(" .")
            if 2 <= len(name) <= 40 and (not vote or not name.isupper() or len(name) <= 4):
                votes[name] += 1
                if not vote:
                    return name
    return votes.most_common(1)[0][0] if votes else ""


def _author(head: str) -> str:
    name = _first_match(AUTHOR_PATTERNS, head[:800]) or _first_match(AUTHOR_PATTERNS[1:], head[-600:])
    return name.title() if name.isupper() else name
