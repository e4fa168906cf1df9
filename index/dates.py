"""Dates in news text: datelines, publication-year inference, and relative dates.

Dates are kept as ISO strings with the precision the text gives: "2012-08-31", "2012-08" or "2023".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

DATE_PATTERNS = [
    re.compile(r"\b" + _YEAR + r"-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),  # also "...T07:15"
    re.compile(r"\b" + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.I),
]
MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)
# "In 2023, rebels..." names a year; "2022,500" and "2021.5" do not.
YEAR = re.compile(r"(?<![\d,.$€£])\b(?:19[5-9]\d|20[0-4]\d)\b(?![\d%]|[,.]\d)")
# Wording that places the article in the present of its own events ("this year", "on Monday").
PRESENT_CUES = re.compile(
    r"\b(this year|this month|this week|last week|yesterday|today|on (?:" + "|".join(WEEKDAYS)
    + r")|(?:" + "|".join(WEEKDAYS) + r")['’]s)\b",
    re.I,
)


@dataclass(frozen=True)
class FoundDate:
    iso: str
    start: int
    end: int


def _make(year: int, month: int | None = None, day: int | None = None) -> str | None:
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
    if month is not None:
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return f"{year:04d}"


def find_dates(text: str) -> list[FoundDate]:
    """Full dates (day precision) written in the text, in order of appearance."""
    found: list[FoundDate] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            month = m.group("month")
            # re.I lets odd letters match ("ſ" for "s"), so an unknown spelling is skipped
            month_n = int(month) if month.isdigit() else MONTHS.get(month.lower())
            iso = month_n and _make(int(m.group("year")), month_n, int(m.group("day")))
            if iso:
                found.append(FoundDate(iso, m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


def parse_date(value: str) -> str | None:
    """An ISO date from a metadata field: '2023-02-11T10:00Z', '31 AUG 2012', 'May 2021', '2020'."""
    value = value.strip()
    dates = find_dates(value)
    if dates:
        return dates[0].iso
    m = re.match(r"^(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)$", value)
    if m:
        return _make(int(m.group("year")), int(m.group("month")))
    m = MONTH_YEAR.search(value)
    if m and m.group("month").lower() in MONTHS:
        return _make(int(m.group("year")), MONTHS[m.group("month").lower()])
    m = re.fullmatch(r"(?:19|20)\d\d", value)
    return value if m else None


def dateline(text: str, head_lines: int = 8) -> FoundDate | None:
    """The publication date printed at the top of an article, on a short line of its own
    ("PERU / 31 AUG 2012 BY ...", "LIMA, 2023-02-12 (Valle Daily) -"). A date inside the
    first sentence of the story is an event date, not a dateline."""
    offset = 0
    seen = 0
    for line in text.split("\n"):
        if line.strip():
            seen += 1
            # Wire style puts the dateline before a dash on the story's first line:
            # "LIMA, 2023-02-12 (Valle Daily) - Rebels attacked..."
            head = re.split(r"\s[-–—]+(?:\s|$)", line, maxsplit=1)[0]
            prose = head.rstrip().endswith((".", "!", "?")) and len(head.split()) > 6
            if len(head) <= 100 and not prose:
                dates = find_dates(head)
                if dates:
                    d = dates[0]
                    return FoundDate(d.iso, offset + d.start, offset + d.end)
            if seen >= head_lines:
                break
        offset += len(line) + 1
    return None


def infer_year(text: str) -> tuple[str, str] | None:
    """Guess the publication year of an undated article, with the reason.

    The latest year the article names is a lower bound. When the article also speaks of its
    own present ("this year", "on Monday") it names earlier years only as background ("the 2022
    impeachment", "a 2021 report"), so it most likely appeared the year after.
    """
    years = [int(y) for y in YEAR.findall(text)]
    if not years:
        return None
    latest = max(years)
    cue = PRESENT_CUES.search(text)
    if cue and not _names_year_as_present(text, latest):
        return str(latest + 1), (
            f"undated; latest year named is {latest} and the text speaks of '{cue.group(0)}'"
        )
    return str(latest), f"undated; latest year named in the text is {latest}"


def _names_year_as_present(text: str, year: int) -> bool:
    """Does the article put `year` in its own present ("so far in 2023", "on May 2, 2023")?
    A bare "in 2022" is not enough: news names past years that way all the time."""
    if any(d.iso.startswith(str(year)) for d in find_dates(text)):
        return True
    return bool(re.search(rf"\b(?:so far in|earlier in|later in|this year,?)\s+{year}\b", text, re.I))


RELATIVE_YEAR = re.compile(r"\b(this|last|next|earlier this|later this) year\b", re.I)
BARE_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"\b(?!,?\s+(?:19|20)\d\d)", re.I)
BARE_MONTH = re.compile(r"\b(?:in|since|by|until|early|late|mid-?)\s+" + _MONTH
                        + r"\b(?!\s*[0-3]?\d\b)(?!,?\s+(?:19|20)\d\d)", re.I)
WEEKDAY = re.compile(r"\b(?:on\s+)?(" + "|".join(WEEKDAYS) + r")(?:['’]s)?\b", re.I)


@dataclass(frozen=True)
class Resolved:
    start: int
    end: int
    phrase: str
    iso: str  # what the phrase means, as precise as the publication date allows


def resolve_relative(text: str, published: str | None) -> list[Resolved]:
    """Relative dates ("Monday", "Aug. 15", "last year", "in February") resolved against the
    publication date. Without a publication date nothing can be resolved."""
    if not published:
        return []
    pub_year = int(published[:4])
    pub_month = int(published[5:7]) if len(published) >= 7 else None
    pub_day = dt.date.fromisoformat(published) if len(published) == 10 else None
    out: list[Resolved] = []
    for m in RELATIVE_YEAR.finditer(text):
        offset = {"last": -1, "next": 1}.get(m.group(1).lower(), 0)
        out.append(Resolved(m.start(), m.end(), m.group(0), str(pub_year + offset)))
    for m in BARE_MONTH_DAY.finditer(text):
        if m.group("month").lower() not in MONTHS:
            continue
        month, day = MONTHS[m.group("month").lower()], int(m.group("day"))
        year = pub_year - 1 if pub_month and month > pub_month else pub_year
        iso = _make(year, month, day)
        if iso:
            out.append(Resolved(m.start(), m.end(), m.group(0), iso))
    for m in BARE_MONTH.finditer(text):
        if m.group("month").lower() not in MONTHS:
            continue
        month = MONTHS[m.group("month").lower()]
        year = pub_year - 1 if pub_month and month > pub_month else pub_year
        out.append(Resolved(m.start(), m.end(), m.group(0), f"{year:04d}-{month:02d}"))
    for m in WEEKDAY.finditer(text):
        if pub_day:
            back = (pub_day.weekday() - WEEKDAYS.index(m.group(1).lower())) % 7
            iso = (pub_day - dt.timedelta(days=back)).isoformat()
        else:
            iso = str(pub_year)
        out.append(Resolved(m.start(), m.end(), m.group(0), iso))
    # Where two readings overlap ("since Dec. 3": a month, and a day) keep the more precise one.
    kept: list[Resolved] = []
    for r in sorted(out, key=lambda r: (-len(r.iso), r.start)):
        if all(r.end <= k.start or r.start >= k.end for k in kept):
            kept.append(r)
    return sorted(kept, key=lambda r: r.start)


def years_mentioned(text: str, published: str | None) -> set[int]:
    """Every year a passage speaks of: written out, or implied by a relative date."""
    years = {int(y) for y in YEAR.findall(text)}
    years |= {int(r.iso[:4]) for r in resolve_relative(text, published)}
    return years


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def __contains__(self, year: int) -> bool:
        return self.start <= year <= self.end

    def label(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}-{self.end}"


def question_period(question: str, today: dt.date | None = None) -> Period | None:
    """The span of years a question asks about, if it names one."""
    today = today or dt.date.today()
    q = question.lower()
    y = r"((?:19|20)\d\d)"
    if m := re.search(rf"\bbetween\s+{y}\s+and\s+{y}\b", q) or re.search(
        rf"\b(?:from\s+)?{y}\s*(?:-|–|to|until|through)\s*{y}\b", q
    ):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return Period(a, b)
    if m := re.search(rf"\b(?:since|after)\s+{y}\b", q):
        start = int(m.group(1)) + (1 if "after" in m.group(0) else 0)
        return Period(start, max(start, today.year))
    if m := re.search(rf"\b(?:before|until|prior to)\s+{y}\b", q):
        return Period(1900, int(m.group(1)) - 1)
    if m := re.search(r"\b(?:the\s+)?((?:19|20)\d)0s\b", q):
        return Period(int(m.group(1)) * 10, int(m.group(1)) * 10 + 9)
    years = sorted({int(v) for v in re.findall(rf"\b{y}\b", q)})
    if years:
        return Period(years[0], years[-1]) if len(years) > 1 else Period(years[0], years[0])
    if re.search(r"\blast year\b", q):
        return Period(today.year - 1, today.year - 1)
    if re.search(r"\bthis year\b", q):
        return Period(today.year, today.year)
    return None
