"""documents -> events: who was killed, injured, kidnapped or seized, when and where.

Counting questions ("how many soldiers died in 2023?") go wrong on passages: two outlets report
one clash, an undated article says "Monday", sources disagree. So at indexing time each article's
sentences are read for counts ("killing five soldiers and injuring seven others"), each count is
dated (a date in its sentence, else in its paragraph, else the article's publication date) and
kept with the exact words it comes from. Counts that describe the same event, in one article or
across outlets, are merged into one event that keeps every source and every disagreeing figure.

Extraction is by rules, not by the LLM: it is instant, deterministic and cannot invent a number;
`validate()` still checks that every figure is written in its sentence.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from index import dates
from index.chunk import sentences

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "a dozen": 12, "dozens of": 24, "hundred": 100,
}
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(
    sorted((w for w in NUMBER_WORDS if w not in ("dozens of", "hundred")), key=len, reverse=True)) + ")"
_QUALIFIER = (r"(?P<qual>at least|more than|over|nearly|almost|about|around|some|an estimated|up to|close to"
              r"|roughly|approximately)\s+")

# Category nouns, most specific first. The words between the number and the noun ("five
# Peruvian soldiers", "four brave members of the armed forces") are allowed as modifiers.
CATEGORIES: list[tuple[str, str]] = [
    ("police", r"(?:police(?:men|women)?(?: officers?| agents?)?|law enforcement (?:officers|agents)|officers"
               r" of the (?:national )?police)"),
    ("soldiers", r"(?:soldiers?|troops|servicem[ae]n|marines|members of the (?:\w+ )?(?:armed forces|army|"
                 r"military)|military personnel)"),
    ("rebels", r"(?:rebels?(?: fighters)?|guerrill?as?(?: fighters)?|insurgents|militants|terrorists?"
               r"(?: criminals| individuals)?|fighters|(?:alleged |suspected )?members (?:affiliated with|of)"
               r" the shining path(?: rebel group| guerrill?a group)?|senderistas)"),
    ("civilians", r"(?:civilians?(?: contractors| workers)?|villagers|farmers|peasants|residents|children"
                  r"|(?:\w+ )?workers|hostages|contractors|drivers|journalists|employees|teachers|students)"),
    # A total over every group ("six people dead: four rebels and two soldiers").
    ("people", r"(?:people|persons)"),
    ("officers", r"(?:officers|members of the security forces|agents)"),
]
_MODIFIERS = r"(?P<mods>(?:[\w’'-]+\s+){0,3}?)"
MENTION = re.compile(
    r"\b(?:" + _QUALIFIER + r")?" + _NUMBER + r"\s+" + _MODIFIERS + r"(?P<noun>"
    + "|".join(f"(?P<{name}>{pattern})" for name, pattern in CATEGORIES) + r"|others)\b",
    re.I,
)
SEIZURE = re.compile(r"\b" + _NUMBER + r"\s*(?P<unit>kilograms?|kilos?|kg|tons?|tonnes?)\s+of\s+"
                     r"(?P<what>(?:[\w-]+\s+){0,2}?(?:cocaine|marijuana|cannabis|drugs|coca paste|"
                     r"precursor chemicals|chemicals|explosives|cocaine base paste))\b", re.I)

OUTCOMES: list[tuple[str, re.Pattern[str]]] = [
    ("killed", re.compile(r"\b(?:killed|killing|kill|died|die|dead|death|deaths|slain|lost their lives|"
                          r"lose their lives|loss of|neutrali[sz]ed|fell|murdered|massacred|fatalities)\b",
                          re.I)),
    ("injured", re.compile(r"\b(?:injured|injuring|injuries|wounded|wounding|wounds|hurt)\b", re.I)),
    ("kidnapped", re.compile(r"\b(?:kidnapped|kidnapping|kidnap|abducted|abducting|taken hostage|"
                             r"held hostage)\b", re.I)),
    ("captured", re.compile(r"\b(?:captured|capturing|arrested|arresting|detained)\b", re.I)),
]
SEIZED = re.compile(r"\b(?:seiz\w*|confiscat\w*|found|discovered|impounded)\b", re.I)
# Tolls of a whole war ("an estimated 70,000 people were killed over two decades") are not events.
HISTORY = re.compile(r"\b(?:decades|the \d{4}s|civil war|internal conflict|in the conflict|since the \d{4}s"
                     r"|between (?:19|20)\d\d and (?:19|20)\d\d)\b", re.I)
EVENT_WORDS = re.compile(r"\b(attack|ambush|clash|battle|firefight|confrontation|skirmish|assault|"
                         r"bombing|raid|operation|kidnapping|seizure)s?\b", re.I)
PLACE = re.compile(r"\b(?:in|at|near|(?:province|town|region|department|district|village) of)\s+"
                   r"((?:[A-ZÁÉÍÓÚÑ][\wáéíóúñü'-]+"
                   r"(?:,?\s+(?=[A-ZÁÉÍÓÚÑ]))?){1,3})")
NOT_PLACES = {"Peru", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
              "The", "A", "An", "In", "Shining", "Path", "Spanish", "English", "President", "Army",
              "Interior", "Ministry", "Defense", "Defence", "Government", "United", "Nations"}
NOT_PLACES |= {m.capitalize() for m in dates.MONTHS}


@dataclass
class Count:
    category: str  # soldiers, police, rebels, civilians, officers, or a seized substance
    outcome: str  # killed, injured, kidnapped, captured, seized
    value: float
    unit: str  # "" for people, "kg" for amounts
    words: str  # the exact words of the sentence that state it ("five Peruvian soldiers")
    qualifier: str = ""  # "at least", "some"...


@dataclass
class Mention:
    """One sentence of one article that states counts of one event."""
    source: str
    sentence: str
    start: int  # offset of the sentence in the article's body
    date: str  # ISO, as precise as known: "2012-08-15", "2023-02", "2023"
    date_basis: str  # "text" (written in the sentence or its paragraph) or "published"
    date_inferred: bool  # the date rests on an inferred publication year
    places: list[str]
    kind: str
    counts: list[Count]
    nearby: list[str] = field(default_factory=list)  # places named around it, when it names none


@dataclass
class Event:
    id: str
    date: str
    date_inferred: bool
    places: list[str]
    kind: str
    mentions: list[Mention] = field(default_factory=list)
    date_basis: str = "published"

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(m.source for m in self.mentions))

    def figures(self, category: str, outcome: str) -> Counter[float]:
        """How many articles report each figure for (category, outcome): {16: 2, 14: 1}. Within
        one article the largest figure is its toll ("16 died ... two were found dead later")."""
        per_source: dict[str, float] = {}
        for m in self.mentions:
            for c in m.counts:
                if c.category == category and c.outcome == outcome:
                    per_source[m.source] = max(c.value, per_source.get(m.source, 0))
        return Counter(per_source.values())

    def figure(self, category: str, outcome: str) -> float | None:
        """The figure to count: the one most articles report; on a tie, the highest (a toll
        usually rises as bodies are found, and the lower figures are 'at least' ones)."""
        figures = self.figures(category, outcome)
        if not figures:
            return None
        return max(figures, key=lambda v: (figures[v], v))

    def keys(self) -> set[tuple[str, str]]:
        return {(c.category, c.outcome) for m in self.mentions for c in m.counts}

    def summary(self) -> str:
        """'4 soldiers killed, 3 soldiers injured, 2 rebels killed'; disagreements shown."""
        parts = []
        for category, outcome in sorted(self.keys(), key=lambda k: (k[1] != "killed", k)):
            figures = self.figures(category, outcome)
            shown = " or ".join(fmt(v) for v in sorted(figures))
            unit = next((c.unit for m in self.mentions for c in m.counts if c.category == category), "")
            noun = f"{unit} of {category}" if unit else category
            parts.append(f"{shown} {noun} {outcome}")
        return ", ".join(parts)

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        mentions = [Mention(**{**m, "counts": [Count(**c) for c in m["counts"]]}) for m in d["mentions"]]
        return cls(d["id"], d["date"], d["date_inferred"], d["places"], d["kind"], mentions, d["date_basis"])

    def to_dict(self) -> dict:
        return {
            "id": self.id, "date": self.date, "date_basis": self.date_basis,
            "date_inferred": self.date_inferred, "year": self.year,
            "places": self.places, "kind": self.kind, "summary": self.summary(), "sources": self.sources,
            "counts": [{"category": c, "outcome": o, "figure": self.figure(c, o),
                        "reported": {fmt(v): n for v, n in sorted(self.figures(c, o).items())}}
                       for c, o in sorted(self.keys())],
            "mentions": [asdict(m) for m in self.mentions],
        }


PEOPLE = ("soldiers", "police", "rebels", "civilians", "people")


def fmt(value: float) -> str:
    return f"{value:g}"


def category_matches(have: str, want: str) -> bool:
    return want in ("any", have) or want == "people" and have in PEOPLE


def parse_number(words: str) -> float | None:
    words = words.lower().strip()
    if words in NUMBER_WORDS:
        return float(NUMBER_WORDS[words])
    try:
        return float(words.replace(",", ""))
    except ValueError:
        return None


# --- extraction ---------------------------------------------------------------------------------

def extract_mentions(source: str, body: str, published: str, published_inferred: bool) -> list[Mention]:
    """Every sentence of `body` that states a count, dated and placed."""
    out: list[Mention] = []
    offset = 0
    paragraphs = body.split("\n")
    for number, paragraph in enumerate(paragraphs):
        # Where a sentence names no place: its paragraph's, the next paragraphs', the article's.
        nearby = places_in(paragraph) or places_in(" ".join(paragraphs[number + 1 : number + 3])) \
            or places_in(body)[:2]
        paragraph_date = ""  # a date written earlier in the paragraph carries to later sentences
        cursor = 0
        for sentence in sentences(paragraph):
            at = paragraph.find(sentence, cursor)
            cursor = at + len(sentence) if at >= 0 else cursor
            written = _written_date(sentence, published)
            counts = _counts(sentence)
            if written and (counts or EVENT_WORDS.search(sentence)):
                paragraph_date = written  # "Sunday's election" dates no clash told after it
            if not counts:
                continue
            date = written or paragraph_date
            basis = "text" if date else "published"
            date = date or published
            if not date:
                continue  # an event that cannot be placed in time cannot be counted by period
            out.append(Mention(
                source=source, sentence=sentence, start=offset + max(at, 0), date=date,
                date_basis=basis, date_inferred=published_inferred and not _has_year(sentence),
                places=places_in(sentence), nearby=nearby, kind=_kind(sentence), counts=counts,
            ))
        offset += len(paragraph) + 1
    return out


def _written_date(sentence: str, published: str) -> str:
    # A wire dateline runs into the first sentence: "LIMA, 2024-03-13 - ... on Sunday".
    found = [d for d in dates.find_dates(sentence) if d.iso != published]
    if found:
        return found[0].iso
    resolved = [r for r in dates.resolve_relative(sentence, published) if "year" not in r.phrase.lower()]
    if resolved:
        return resolved[0].iso
    m = dates.MONTH_YEAR.search(sentence)
    if m and m.group("month").lower() in dates.MONTHS:
        return f"{m.group('year')}-{dates.MONTHS[m.group('month').lower()]:02d}"
    m = re.search(r"\bin ((?:19|20)\d\d)\b", sentence)
    return m.group(1) if m else ""


def _has_year(sentence: str) -> bool:
    return bool(dates.YEAR.search(sentence))


def _counts(sentence: str) -> list[Count]:
    if HISTORY.search(sentence):
        return []
    counts: list[Count] = []
    previous_category = ""
    for m in MENTION.finditer(sentence):
        value = parse_number(m.group("num"))
        if value is None or value != int(value) or value >= 1000 and m.group("qual"):
            continue
        category = next((name for name, _ in CATEGORIES if m.group(name)), "") or previous_category
        if category == "officers":  # bare "officers": soldiers' officers in a military clash
            category = "soldiers" if re.search(r"\b(soldiers?|army|military|troops)\b", sentence, re.I) \
                else "police"
        if not category:
            continue
        previous_category = category
        outcome = _outcome(sentence, m.start(), m.end(), m.group("mods"))
        if outcome:
            counts.append(Count(category, outcome, value, "", m.group(0).strip(),
                                (m.group("qual") or "").lower()))
    if SEIZED.search(sentence):
        for m in SEIZURE.finditer(sentence):
            value = parse_number(m.group("num"))
            if value is not None:
                counts.append(Count(m.group("what").lower(), "seized", value, "kg" if m.group("unit")
                                    .lower().startswith(("k", "kilo")) else "t", m.group(0).strip()))
    return counts


def _outcome(sentence: str, start: int, end: int, modifiers: str) -> str:
    """The outcome word nearest to a count, within its clause ('three wounded soldiers',
    'killing five soldiers', 'four soldiers ... have been killed')."""
    for name, pattern in OUTCOMES:
        if pattern.search(modifiers):
            return name
    best, distance = "", 10**6
    for name, pattern in OUTCOMES:
        for m in pattern.finditer(sentence):
            if m.start() >= end:
                between = sentence[end : m.start()]
                gap = m.start() - end
            else:
                between = sentence[m.end() : start]
                gap = start - m.end() + 2  # on a tie the verb after the count wins
            if m.end() > start and m.start() < end:
                continue
            if re.search(r";|\bwhile\b|\bbut\b", between) or gap > 90:
                continue
            if gap < distance:
                best, distance = name, gap
    return best


def places_in(sentence: str) -> list[str]:
    found: list[str] = []
    for m in PLACE.finditer(sentence):
        for name in re.split(r",\s*", m.group(1)):
            words = [w for w in re.sub(r"['’]s\b", "", name).split()
                     if w not in NOT_PLACES and w.lower() != "region"]
            if words and words[0] == name.split()[0]:
                found.append(" ".join(words))
    return list(dict.fromkeys(found))


def _kind(sentence: str) -> str:
    m = EVENT_WORDS.search(sentence)
    return m.group(1).lower() if m else ""


def validate(mention: Mention) -> list[str]:
    """What is wrong with a mention: a figure whose words are not in its sentence, or do not
    state that figure. Extraction must yield none; anything else (a future LLM extractor,
    an edited table) is checked the same way."""
    problems = []
    for c in mention.counts:
        if c.words not in mention.sentence:
            problems.append(f"'{c.words}' is not in the sentence")
            continue
        numbers = [parse_number(m.group("num")) for m in re.finditer(_NUMBER, c.words, re.I)]
        if c.value not in numbers:
            problems.append(f"'{c.words}' does not state {fmt(c.value)}")
    return problems


# --- merging ------------------------------------------------------------------------------------

def merge(mentions: list[Mention]) -> list[Event]:
    """Group mentions that describe the same event: same period, and the same figure for the same
    people (or the same place with differing figures: sources that disagree)."""
    events: list[Event] = []
    # Only events of the same year can match; a corpus of thousands of articles stays fast.
    by_year: dict[str, list[Event]] = {}
    for mention in sorted(mentions, key=lambda m: (m.source, m.start)):
        if validate(mention):
            continue
        same_year = by_year.setdefault(mention.date[:4], [])
        home = next((e for e in same_year if _same_event(e, mention)), None)
        if home is None:
            event = Event("", mention.date, mention.date_inferred, mention.places or mention.nearby,
                          mention.kind, [mention], mention.date_basis)
            events.append(event)
            same_year.append(event)
            continue
        home.mentions.append(mention)
        home.places = list(dict.fromkeys(home.places + (mention.places or mention.nearby)))
        home.kind = home.kind or mention.kind
        if _precision(mention.date, mention.date_basis) > _precision(home.date, home.date_basis):
            home.date, home.date_basis = mention.date, mention.date_basis
        home.date_inferred = all(m.date_inferred for m in home.mentions)
    events.sort(key=lambda e: (e.date, e.summary()))
    for i, event in enumerate(events, 1):
        event.id = f"E{i}"
    return events


def _precision(date: str, basis: str) -> int:
    return len(date) if basis == "text" else 0


def _dates_agree(a: str, b: str) -> bool:
    if a[:4] != b[:4]:
        return False
    if len(a) >= 7 and len(b) >= 7 and a[:7] != b[:7]:
        # Reports of one event may straddle a month end ("Aug. 31" / "Sept. 1").
        if len(a) == len(b) == 10:
            return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days) <= 7
        return False
    if len(a) == len(b) == 10:
        return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days) <= 7
    return True


def _same_time(a: Mention, b: Mention) -> bool:
    """Within one article: an undated sentence is about the event of the days before publication
    ("on Sunday"), not about one the article dates months back ("in February")."""
    if a.date == b.date:
        return True
    if a.date_basis == b.date_basis:
        return False
    published, written = (a.date, b.date) if a.date_basis == "published" else (b.date, a.date)
    if len(published) == len(written) == 10:
        return 0 <= (dt.date.fromisoformat(published) - dt.date.fromisoformat(written)).days <= 10
    return False


def _same_event(event: Event, mention: Mention) -> bool:
    dates_ok = [_dates_agree(m.date, mention.date) or (m.date_basis == "published" or mention.date_basis
                == "published") and m.date[:4] == mention.date[:4] for m in event.mentions]
    if not all(dates_ok):
        return False
    mine = {(c.category, c.outcome): c.value for c in mention.counts}
    theirs: dict[tuple[str, str], set[float]] = {}
    for m in event.mentions:
        for c in m.counts:
            theirs.setdefault((c.category, c.outcome), set()).add(c.value)
    shared = mine.keys() & theirs.keys()
    same_article = [m for m in event.mentions if m.source == mention.source]
    contradicts = any(c.value != mine.get((c.category, c.outcome), c.value)
                      for m in same_article for c in m.counts)
    if same_article and not contradicts and all(_same_time(m, mention) for m in same_article):
        return True  # one article telling one event sentence by sentence
    places = {p.lower() for m in event.mentions for p in m.places}
    here = {p.lower() for p in mention.places}
    if places and here and not places & here:
        return False  # two outlets placing it in different towns: two events
    if any(mine[k] in theirs[k] for k in shared):
        # Same figure, same people, same period; unless it contradicts another figure
        # of the same article (two different clashes reported side by side).
        return not contradicts
    # Differing figures: the same event only if told at the same place, dated to the month.
    precise = len(mention.date) >= 7 and all(len(m.date) >= 7 for m in event.mentions)
    return bool(shared) and precise and bool(places & here) and not same_article


def extract_events(documents: list[tuple[str, str, str, bool]]) -> list[Event]:
    """(source, body, publication date, date inferred) of each distinct article -> events."""
    mentions = [m for doc in documents for m in extract_mentions(*doc)]
    return merge(mentions)


def to_json(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=False)
