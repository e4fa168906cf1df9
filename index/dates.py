"""Dates in news text: datelines, publication-year inference, and relative dates.

Dates are kept as ISO strings with the precision the text gives: "2012-08-31", "2012-08" or "2023".
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from dataclasses import dataclass, replace

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


def dateline(text: str, head_lines: int = 8, date_line_lines: int = 30) -> FoundDate | None:
    """The publication date printed at the top of an article, on a short line of its own
    ("VALLE / 31 AUG 2012 BY ...", "VALLE CITY, 2023-02-12 (Valle Daily) -"). A date inside the
    first sentence of the story is an event date, not a dateline. A line that holds nothing
    but a date ("Sunday, 28 July, 2002, 09:00 GMT") counts further down, below page menus."""
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
                if dates and (seen <= head_lines or _only_a_date(head, dates[0])):
                    d = dates[0]
                    return FoundDate(d.iso, offset + d.start, offset + d.end)
            if seen >= date_line_lines:
                break
        offset += len(line) + 1
    return None


# What a line that only dates a page may hold besides the date: labels, weekday, time, zone.
DATE_LINE_EXTRAS = re.compile(
    r"\b(?:published|posted|updated|last|modified|on|at|am|pm|" + "|".join(WEEKDAYS) + r")\b"
    r"|\b\d{1,2}[:.]\d\d\b|\b(?:GMT|UTC|UK|BST|CES?T|[ECMP][SD]T|IST|WAT|EAT|SAST|JST|AE[SD]T|MSK|HKT|SGT)\b"
    r"|[^\w]+", re.I)


def _only_a_date(line: str, date: FoundDate) -> bool:
    rest = line[: date.start] + " " + line[date.end :]
    return not DATE_LINE_EXTRAS.sub("", rest.replace("_", " ")).strip()


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


# A year the question puts its answer in ("killed in 2023", "in which month of 2023", "since
# 2020"), unlike one that names what it asks about ("the 2023 clash", "the 2021 report").
PLACING = re.compile(r"\b(?:in|during|since|after|before|until|by|between|from|throughout|of|for)\s+"
                     r"(?:(?:early|late|mid)[- ]?)?(?:" + _MONTH + r"\s+)?(?P<placed>(?:19|20)\d\d)\b", re.I)


def stated_period(question: str, today: dt.date | None = None) -> Period | None:
    """The period a question's answer must lie in, when the question places it there: its
    question_period() when a year is governed by a preposition, else None."""
    return question_period(question, today) if PLACING.search(question) else None


# --------------------------------------------------------------------------- publication year
#
# An article that prints no date still says a good deal about when it was written: the years it
# names as past, a weekday it gives a day of the month ("Tuesday, March 14" falls on a Tuesday
# only in some years), "so far in 2024", "the 10th anniversary of the 2014 ...", and the file's
# own name. Each such clue allows a set of years; the publication year is settled only when the
# clues together leave one. Otherwise it is unknown, with the candidates and the clues kept, so
# that a later stage (another report of the same event) can settle it.

EARLIEST = 1900
# How sure a settled year is: metadata (the file name, the page address); the clues leave one
# year; they leave several and a preference (a year named as past is most likely not the
# present) picks one.
STATED, SETTLED, PREFERRED = 1.0, 0.9, 0.6
# When clues disagree, the weaker gives way: metadata > exact text clues (a weekday's day, "so
# far in 2024", anniversaries) > a full date named as past > a year or month named as past, a
# target > preferences.
METADATA, EXACT, DATED, NAMED, PREFERENCE = 4, 3, 2, 1, 0


@dataclass(frozen=True)
class Clue:
    """One thing an article (or its file) says about when it was published."""

    kind: str  # "file name", "address", "weekday", "present", "anniversary", "relative year",
    #            "recent date", "past", "target", "preference"
    phrase: str  # as written
    years: frozenset[int]  # the publication years it allows
    why: str  # the reasoning, in words a reader checks against the article
    strength: int
    month_day: tuple[int, int] | None = None  # the publication day it states, if any


@dataclass(frozen=True)
class PublicationYear:
    """What the clues say about an article's publication year: `year` when they settle it (None
    otherwise), the `candidates` they leave, the clues used and those set aside."""

    year: int | None
    candidates: tuple[int, ...]
    evidence: tuple[Clue, ...]
    confidence: float  # 0 unknown; PREFERRED, SETTLED, STATED
    month_day: tuple[int, int] | None = None  # the publication day and month, when the text gives them
    set_aside: tuple[Clue, ...] = ()  # clues that disagreed with stronger ones
    clues: tuple[Clue, ...] = ()  # every clue found, the redundant ones too
    today: dt.date = dt.date.max

    @property
    def date(self) -> str:
        """ISO, as precise as known: "2020-07-02", "2020", or "" when the year is unknown."""
        if self.year is None:
            return ""
        if self.month_day:
            iso = _make(self.year, *self.month_day)
            if iso:
                return iso
        return str(self.year)

    @property
    def stated(self) -> bool:
        """The year comes from the file's own metadata (its name, its address), not the text."""
        return self.year is not None and any(c.strength == METADATA and self.year in c.years
                                             for c in self.evidence)

    def note(self) -> str:
        """The evidence in words: 'the text says ... so 2020' or 'year unknown: ...'."""
        reasons = "; ".join(dict.fromkeys(c.why for c in self.evidence))
        aside = "; ".join(f"set aside: {c.why}" for c in self.set_aside)
        reasons = "; ".join(x for x in (reasons, aside) if x)
        if self.year is not None:
            return f"{reasons}, so {self.year}" if reasons else str(self.year)
        day = f"the text dates itself {_day_words(self.month_day)} but " if self.month_day else ""
        if not self.evidence:
            return f"year unknown: {day}{'it' if day else 'the text'} names no year"
        return f"year unknown: {day}{reasons}, which leaves {_years_words(self.candidates, self.today)}"

    def narrowed(self, clue: Clue) -> PublicationYear:
        """The same article with one more clue, e.g. the year of a dated report of the same
        event: settled if the clue leaves one candidate. A clue that excludes every year the
        article's own clues allow is set aside: they stand (a preference gives way to it)."""
        own = [c for c in self.clues if c.strength > PREFERENCE and c not in self.set_aside]
        if not _meet(own, self.today) & clue.years:
            return replace(self, set_aside=(*self.set_aside, clue))
        return _settle([*self.clues, clue], self.today, self.month_day)


def publication_year(text: str, name: str = "", url: str = "",
                     today: dt.date | None = None) -> PublicationYear:
    """The publication year of an article that prints no full date, from its text, its file
    `name` ("2023-02-17-slug.txt") and its address (`url`), with the evidence."""
    today = today or dt.date.today()
    clues = [*_metadata_clues(name, "file name", today), *_metadata_clues(url, "address", today)]
    clues += text_clues(text, today)
    stated = [c.month_day for c in clues if c.month_day]
    printed = publication_day(text)
    return _settle(clues, today, stated[0] if stated else printed[0] if printed else None)


def text_clues(text: str, today: dt.date) -> list[Clue]:
    """Every clue to its own date that a text gives."""
    spans = _sentence_spans(text)
    mentions = _year_mentions(text)
    clues = [_classify(text, m, spans, today) for m in mentions]
    clues = [c for c in clues if c]
    clues += _weekday_clues(text, spans, today) + _today_weekday_clue(text, today)
    clues += _recent_date_clues(text, mentions, today)
    past = [c for c in clues if c.kind == "past" and c.strength == NAMED]
    if past:
        # A writer names the present year as "this year": a year written out as past (not a full
        # date, which papers give for this year's days too) most likely is not the present.
        latest = max(past, key=lambda c: min(c.years))
        year = min(latest.years)
        clues.append(Clue("preference", latest.phrase, _span(year + 1, today.year),
                          f"{latest.why}, most likely not as the present year", PREFERENCE))
    return clues


def _settle(clues: list[Clue], today: dt.date, month_day: tuple[int, int] | None) -> PublicationYear:
    candidates = _span(EARLIEST, today.year)
    used: list[Clue] = []
    aside: list[Clue] = []
    settled_by_clues = None
    # Stronger clues first; among equals the narrower, so that the note names the clue that binds.
    for clue in sorted(clues, key=lambda c: (-c.strength, len(c.years))):
        if clue.strength == PREFERENCE and settled_by_clues is None:
            settled_by_clues = candidates
        narrower = candidates & clue.years
        if not narrower:
            aside.append(clue)
        elif narrower != candidates or clue.strength == METADATA:
            candidates = narrower
            used.append(clue)
    settled_by_clues = settled_by_clues if settled_by_clues is not None else candidates
    # Two exact clues of the text that disagree: the text contradicts itself, and no year is safe.
    contradicted = any(c.strength == EXACT for c in aside) and not any(c.strength == METADATA for c in used)
    year, confidence = None, 0.0
    if len(candidates) == 1 and not contradicted:
        year = next(iter(candidates))
        if any(c.strength == METADATA for c in used):
            confidence = STATED
        elif len(settled_by_clues) == 1 and not any(c.kind == "recent date" for c in used):
            confidence = SETTLED
        else:
            # Settled by a preference, or by a dated day the text calls by its weekday (which a
            # day of years before may match by chance).
            confidence = PREFERRED
    else:
        # Unknown: the preferences narrowed nothing that counts; the candidates are the clues' own.
        used = [c for c in used if c.strength != PREFERENCE]
        candidates = settled_by_clues
    # The note names only the clues that bind: the weakest clue that the others make redundant goes.
    for clue in reversed(list(used)):
        others = [c for c in used if c is not clue]
        if clue.strength != METADATA and _meet(others, today) == candidates:
            used = others
    return PublicationYear(year, tuple(sorted(candidates)), tuple(used), confidence, month_day,
                           tuple(aside), tuple(clues), today)


def _meet(clues: list[Clue], today: dt.date) -> frozenset[int]:
    years = _span(EARLIEST, today.year)
    for clue in clues:
        years &= clue.years
    return years


def _span(first: int, last: int) -> frozenset[int]:
    return frozenset(range(max(first, EARLIEST), last + 1))


def _years_words(years: tuple[int, ...], today: dt.date) -> str:
    if not years:
        return "no year"
    first, last = years[0], years[-1]
    if len(years) == last - first + 1 and len(years) > 2:
        if last == today.year:
            return f"{first} or later" if first > EARLIEST else "any year"
        return f"{first} to {last}" if first > EARLIEST else f"{last} or earlier"
    if len(years) > 5:
        return "one of several years (... " + ", ".join(map(str, years[-4:-1])) + f" or {last})"
    return ", ".join(map(str, years[:-1])) + f" or {last}" if len(years) > 1 else str(first)


def _day_words(month_day: tuple[int, int] | None) -> str:
    if not month_day:
        return ""
    return f"{month_day[1]} {dt.date(2000, month_day[0], 1):%B}"


# ---- the file's own metadata

NAME_DATE = re.compile(r"(?<![A-Za-z0-9])((?:19|20)\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?![A-Za-z0-9])")
ADDRESS_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[/-]([01]?\d)(?:[/-]([0-3]?\d))?(?=[/-]|$)")


def _metadata_clues(value: str, kind: str, today: dt.date) -> list[Clue]:
    """A date in a file name ("outlet-2021-01-25-slug.txt") or a page address
    (".../2021/01/25/story")."""
    if not value:
        return []
    pattern = NAME_DATE if kind == "file name" else ADDRESS_DATE
    name = value.rsplit("/", 1)[-1] if kind == "file name" else value
    for m in pattern.finditer(name):
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
        iso = _make(year, month, day) if 1 <= month <= 12 else None
        if not iso or iso > today.isoformat() or year < 1990:
            continue
        return [Clue(kind, m.group(0), frozenset({year}), f"the {kind} carries {iso}", METADATA,
                     (month, day) if day else None)]
    return []


# ---- sentences and the years a text names

_CLAUSE_BREAK = re.compile(r"[;:—–]|\s-\s|,\s+(?:but|while|whereas|although)\b|\bbut\b")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    from index.chunk import ABBREVIATIONS, SENTENCE_END

    spans = []
    for line in re.finditer(r"[^\n]+", text):
        base, body, start = line.start(), line.group(), 0
        for m in SENTENCE_END.finditer(body):
            if ABBREVIATIONS.search(body[start : m.start()]):
                continue  # "Jan. 25" does not end a sentence
            spans.append((base + start, base + m.start()))
            start = m.end()
        spans.append((base + start, base + len(body)))
    return spans


def _sentence_of(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    i = bisect.bisect_right(spans, (pos, math.inf)) - 1
    return spans[i] if i >= 0 and spans[i][0] <= pos < spans[i][1] else (pos, pos)


@dataclass(frozen=True)
class _Mention:
    year: int
    start: int
    end: int
    phrase: str
    precision: str  # "day", "month", "year"


def _year_mentions(text: str) -> list[_Mention]:
    """Years the text writes out, each once, with the most precise date around it."""
    found = [_Mention(int(d.iso[:4]), d.start, d.end, text[d.start : d.end], "day") for d in find_dates(text)]
    for m in MONTH_YEAR.finditer(text):
        if m.group("month").lower() in MONTHS:
            found.append(_Mention(int(m.group("year")), m.start(), m.end(), m.group(0), "month"))
    for m in YEAR.finditer(text):
        found.append(_Mention(int(m.group(0)), m.start(), m.end(), m.group(0), "year"))
    kept: list[_Mention] = []
    for mention in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


# ---- what a year's context says

_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty").split()
_ORDINAL_WORDS = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                  "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
                  "twentieth").split()
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBER_WORDS[1:] + _ORDINAL_WORDS[1:] + ["a decade", "a century"]) + r")"
ANNIVERSARY = re.compile(_COUNT + r"(?:st|nd|rd|th)?[\s-]+anniversary\s+of\s+(?:the\s+)?"
                         r"(?:[\w'’-]+\s+){0,5}$", re.I)
YEARS_SINCE = re.compile(r"\b(?:it\s+is|it'?s|it\s+has\s+been|marks|marking|now)\s+" + _COUNT
                         + r"(?:\s+years?)?\s+since\s+(?:the\s+)?(?:[\w'’-]+\s+){0,5}$", re.I)
YEARS_AGO_AFTER = re.compile(r"^,?\s*(?:some\s+|about\s+|exactly\s+)?" + _COUNT + r"\s+years\s+ago\b", re.I)
YEARS_AGO_BEFORE = re.compile(_COUNT + r"\s+years\s+ago,?\s+(?:in\s+)?$", re.I)
RELATIVE_TIE_BEFORE = re.compile(r"\b(this|last|next)\s+year,?\s*\(?\s*(?:in\s+)?$", re.I)
RELATIVE_TIE_AFTER = re.compile(r"^\)?,?\s*\(?(this|last|next)\s+year\b(?!['’]s)", re.I)
PRESENT_BEFORE = re.compile(r"\b(?:so\s+far|thus\s+far|to\s+date|until\s+now)\s+(?:in|this\s+year,?)\s+"
                            r"(?:[a-z]+\s+)?$|\bthis\s+year,?\s+$", re.I)
PRESENT_AFTER = re.compile(r"^,?\s+(?:so\s+far|to\s+date|thus\s+far)\b", re.I)
# "have been announced in 2024": the present perfect takes no finished year, so 2024 is now.
PERFECT_IN = re.compile(r"\b(?:has|have|'ve)\s+(?:(?:not|also|already|now|been)\s+)*(?:\w+ed|\w+en|made|cut|"
                        r"set|put|lost|seen|said|held|brought|fought|paid|sold|spent|built|kept|left|met|won|hit|"
                        r"shut|told|grown|risen|fallen)\b[^,;.]{0,60}\bin\s+(?:[a-z]+\s+)?$", re.I)
# Present-tense future only: "was expected to" or "would" speak of a past plan.
FUTURE = re.compile(r"\b(?:will|'ll|shall|(?:is|are|am)\s+(?:going|set|due|expected|scheduled|slated|poised|"
                    r"likely|planning|aiming|hoping)\s+to|(?:plans?|aims?|intends?|expects?|hopes?|wants?|"
                    r"seeks?|vows?|pledges?)\s+to|upcoming|ahead\s+of|run-up\s+to|due\s+(?:in|by))\b", re.I)
PURPOSE_BY = re.compile(r"\b(?:effort|bid|plan|aim|goal|target|order|push|drive|deadline)\s+to\b"
                        r"|\bto\s+(?:\w+\s+){1,5}$", re.I)
TIME_PREPOSITION = re.compile(r"\b(in|by|until|till|through|before|from|for|during|of|since|after|"
                              r"between|and|to)\s+(?:(?:early|mid|late|the\s+end\s+of|end\s+of|the\s+start\s+of|"
                              r"the\s+beginning\s+of|the\s+middle\s+of)[\s-]+)?(?:the\s+)?$", re.I)


def _count(word: str) -> int:
    word = word.lower()
    if word.isdigit():
        return int(word)
    if word in ("a decade", "a century"):
        return 10 if word == "a decade" else 100
    return _NUMBER_WORDS.index(word) if word in _NUMBER_WORDS else _ORDINAL_WORDS.index(word)


def _classify(text: str, m: _Mention, spans: list[tuple[int, int]], today: dt.date) -> Clue | None:
    """What one written year says about the publication year."""
    start, end = _sentence_of(spans, m.start)
    # A few hundred characters either side are the year's context (and keep a huge line cheap).
    before, after = text[max(start, m.start - 300) : m.start], text[m.end : min(end, m.end + 100)]
    clause = _CLAUSE_BREAK.split(before)[-1]
    y, phrase = m.year, m.phrase
    quote = f"'{_snippet(before, phrase, after)}'"

    if tie := RELATIVE_TIE_BEFORE.search(before) or RELATIVE_TIE_AFTER.search(after):
        offset = {"this": 0, "last": 1, "next": -1}[tie.group(1).lower()]
        return Clue("relative year", phrase, frozenset({y + offset}),
                    f"{quote} calls {y} {tie.group(1).lower()} year", EXACT)
    if (n := ANNIVERSARY.search(before) or YEARS_SINCE.search(before) or YEARS_AGO_BEFORE.search(before)
            or YEARS_AGO_AFTER.search(after)):
        years = _count(n.group(1))
        return Clue("anniversary", phrase, frozenset({y + years}), f"{quote}: {y} + {years}", EXACT)
    if PRESENT_BEFORE.search(before) or PRESENT_AFTER.search(after) or PERFECT_IN.search(clause):
        return Clue("present", phrase, frozenset({y}), f"{quote} speaks of {y} as the present", EXACT)
    preposition = TIME_PREPOSITION.search(before)
    ahead = re.search(r"\b(?:upcoming|next|ahead of the)\s*$", before, re.I)
    if FUTURE.search(clause) and (preposition or ahead):
        return Clue("target", phrase, _span(EARLIEST, y), f"{quote} looks ahead to {y}", NAMED)
    lead = clause[: len(clause) - len(preposition.group(0))] if preposition else clause
    if preposition and preposition.group(1).lower() == "by" and PURPOSE_BY.search(lead):
        return Clue("target", phrase, _span(EARLIEST, y), f"{quote} sets {y} as a target", NAMED)
    if preposition and preposition.group(1).lower() in ("by", "until", "till", "before"):
        return None  # "by 2016" may look back or ahead: no clue either way
    strength = DATED if m.precision == "day" else NAMED
    return Clue("past", phrase, _span(y, today.year), f"{quote} names {y} as past", strength)


def _snippet(before: str, phrase: str, after: str, words: int = 4) -> str:
    """The year with a few words around it, as written."""
    head = re.search(rf"(?:\S+\s+){{0,{words}}}\S*$", before).group(0)
    tail = re.match(r"(?:\s*[^\s.,;:!?]+){0,2}", after).group(0)
    return " ".join((head + phrase + tail).split())


# ---- weekdays given a day of the month

_WD = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_MD = _MONTH + r"\s+" + _DAY
_DM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + r"(?P<month>" + "|".join(
    sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NO_YEAR = r"(?!\d|,?\s*(?:19|20)\d\d)"
# "Tuesday, March 14", "Tuesday 14 March", "Tuesday (March 14)", "Friday to Saturday (18-19 November)"
WEEKDAY_DAY = [
    re.compile(r"\b" + _WD + r",?\s+\(?(?:the\s+)?" + _MD + r"\b" + _NO_YEAR, re.I),
    re.compile(r"\b" + _WD + r",?\s+\(?(?:the\s+)?" + _DM + r"\b" + _NO_YEAR, re.I),
    re.compile(r"\b" + _WD + r"\s+(?:to|and|into|-)\s+\w+day\s*\(\s*(?P<day>[0-3]?\d)\s*[-–]\s*[0-3]?\d\s+"
               r"(?P<month>[a-z]+)\.?\s*\)", re.I),
]
# The wire dateline: "Valle City [Valle], July 2 (VW):", "Jan. 25 (VW) --", "VALLE CITY, April 1. /VW/."
WIRE_DAY = re.compile(r"^(?:[^\W\d][^\n,]{0,50},\s*)?" + _MD
                      + r"\.?\s*(?:\([^()\n]{1,40}\)|/[^/\n]{1,20}/|--|—|–)", re.I | re.M)
TODAY_DAY = re.compile(r"\btoday,?\s+(?:" + _WD + r",?\s+)?(?:" + _MD + r")\b" + _NO_YEAR, re.I)
BARE_WEEKDAY = re.compile(r"\b" + _WD + r"(?:['’]s)?\b", re.I)


def _month_of(m: re.Match[str]) -> int | None:
    """The month a match names, if written as a month is ("May 5", not "may 5 people")."""
    word = m.group("month")
    return MONTHS.get(word.lower()) if word[:1].isupper() else None


def _weekday_fits(month: int, day: int, weekdays: list[int], latest: dt.date) -> list[int]:
    """The years in which `day` `month` fell on one of `weekdays` (0: Monday), up to `latest`."""
    fits = []
    for year in range(EARLIEST, latest.year + 1):
        try:
            when = dt.date(year, month, day)
        except ValueError:
            continue
        if when.weekday() in weekdays and when <= latest:
            fits.append(year)
    return fits


def _around(years: list[int], month: int, day: int) -> frozenset[int]:
    """Publication years for a day the text names without its year: that year, or the next
    one for a day late in December, the previous one for a day early in January (an article
    looks back or ahead a few days)."""
    out = set(years)
    if month == 12 and day >= 20:
        out |= {y + 1 for y in years}
    if month == 1 and day <= 10:
        out |= {y - 1 for y in years}
    return frozenset(out)


def _weekday_clues(text: str, spans: list[tuple[int, int]], today: dt.date) -> list[Clue]:
    clues = []
    paired: list[tuple[int, int]] = []
    for pattern in WEEKDAY_DAY:
        for m in pattern.finditer(text):
            month = _month_of(m)
            if not month or any(a <= m.start() < b for a, b in paired):
                continue
            day, weekday = int(m.group("day")), WEEKDAYS.index(m.group("weekday").lower())
            # A day the article looks ahead to may come after today; the article itself may not.
            fits = _weekday_fits(month, day, [weekday], today + dt.timedelta(days=366))
            paired.append((m.start(), m.end()))
            clues.append(Clue("weekday", m.group(0), frozenset(y for y in _around(fits, month, day)
                                                               if y <= today.year),
                              f"'{m.group(0)}': {_day_words((month, day))} falls on a "
                              f"{WEEKDAYS[weekday].capitalize()} in {_list(fits, today)}", EXACT))
    day = publication_day(text)
    if day:
        (month, mday), phrase, start = day
        sentence_end = _sentence_of(spans, start)[1]
        said = [w for w in BARE_WEEKDAY.finditer(text, start + len(phrase), sentence_end)
                if not any(a <= w.start() < b for a, b in paired)]
        if said:
            # The weekday of the first sentence is the dateline's day or, for a story filed
            # overnight, the day before.
            weekday = WEEKDAYS.index(said[0].group("weekday").lower())
            fits = _weekday_fits(month, mday, [weekday, (weekday + 1) % 7], today)
            words = f"'{phrase} ... {said[0].group(0)}'"
            clues.append(Clue("weekday", words, frozenset(fits),
                              f"{words}: {said[0].group(0).capitalize()} was {_day_words((month, mday))} "
                              f"(or the day before) in {_list(fits, today)}", EXACT, (month, mday)))
    return clues


def publication_day(text: str) -> tuple[tuple[int, int], str, int] | None:
    """The day and month an article dates itself by without a year: a wire dateline ("July 2
    (VW):", "VALLE CITY, April 1. /VW/.") or "today, February 17". Returns ((month, day), the
    phrase, where it starts)."""
    for m, start in ((WIRE_DAY.search(text[:1500]), "month"), (TODAY_DAY.search(text), 0)):
        month = m and _month_of(m)
        if m and month and _make(2000, month, int(m.group("day"))):  # 2000: 29 February passes
            return (month, int(m.group("day"))), text[m.start(start) : m.end()].strip(), m.start(start)
    return None


def _today_weekday_clue(text: str, today: dt.date) -> list[Clue]:
    m = TODAY_DAY.search(text)
    if not m or not m.group("weekday") or not (month := _month_of(m)):
        return []
    day = int(m.group("day"))
    fits = _weekday_fits(month, day, [WEEKDAYS.index(m.group("weekday").lower())], today)
    return [Clue("weekday", m.group(0), frozenset(fits), f"'{m.group(0)}' fits {_list(fits, today)}", EXACT,
                 (month, day))]


def _recent_date_clues(text: str, mentions: list[_Mention], today: dt.date) -> list[Clue]:
    """A full date the text also calls by its weekday ("On 4 January 2025 ..." and "on
    Saturday") is a day of the article's own week: the article is of that year."""
    dated = [(dt.date.fromisoformat(find_dates(m.phrase)[0].iso), m)
             for m in mentions if m.precision == "day"]
    # The weekday of "Friday, Nov. 26, 2021" is the date's own, not the text speaking of that day.
    starts = {m.start for _, m in dated}

    def names_a_date(w: re.Match[str]) -> bool:
        return any(w.end() + k in starts and re.fullmatch(r"[\s,]*(?:the\s+)?", text[w.end() : w.end() + k])
                   for k in range(8))

    said = {w.group("weekday").lower(): w.group(0)
            for w in BARE_WEEKDAY.finditer(text) if not names_a_date(w)}
    for day, m in sorted(dated, key=lambda d: d[0], reverse=True):
        weekday = WEEKDAYS[day.weekday()]
        if weekday not in said or day > today:
            continue
        if any(other.year > day.year for other in mentions):
            return []  # the text speaks of later years: this day is not its present
        years = {day.year, day.year + 1} if (day.month, day.day) >= (12, 24) else {day.year}
        return [Clue("recent date", m.phrase, frozenset(y for y in years if y <= today.year),
                     f"'{m.phrase}' was a {weekday.capitalize()} and the text speaks of '{said[weekday]}'",
                     DATED)]
    return []


def _list(years: list[int], today: dt.date) -> str:
    """'2015, 2020 and 2026': the years of the last three decades, the older ones elided."""
    recent = [y for y in years if y > today.year - 30]
    older = " (and earlier years)" if len(recent) < len(years) else ""
    if not recent:
        return f"no year since {today.year - 29}{older}" if years else "no year"
    listed = ", ".join(map(str, recent[:-1])) + f" and {recent[-1]}" if len(recent) > 1 else str(recent[0])
    return listed + older
