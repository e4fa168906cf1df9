"""documents -> events: what happened to how many of whom, when and where, each event counted once.

Counting questions ("how many soldiers died in 2023?") go wrong on passages: two outlets report
one clash, a toll is revised from 40 to 41, an article recalls last year's disaster, another
states a running total. So at indexing time every sentence that holds a number is parsed
(extract.py): the number, the noun it counts (any noun), the predicate (any outcome in
vocab.py), the statement's kind (an incident, a running total, a historical toll, a forecast),
its date and the names around it; every figure keeps the exact words it comes from. Reports of one
event, in one article or across outlets, become one event (identity.py) whose figure is chosen by a
stated rule while the other figures stay visible. Questions are matched against the table in
query.py; rag/counting.py words the answer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from index.events.vocab import nouns_match


@dataclass
class Count:
    value: float
    noun: str  # what is counted, as a lemma: "soldier", "job", "police officer"; "" when unnamed
    outcome: str  # killed, injured, missing, trapped, rescued, kidnapped, cut, ... (vocab.OUTCOMES)
    words: str  # the exact words of the sentence that state it ("at least 40 miners")
    qualifier: str = ""  # "at least", "nearly", "an additional" ...
    kind: str = "incident"  # incident | running_total | historical | forecast: only incidents add up
    unit: str = ""  # "kg" for a measure ("79 kilograms of X" counts X)
    modality: str = ""  # "planned" (will cut), "presumed" (presumed dead)
    predicate: str = ""  # the predicate as written, lemmatised ("drown")
    revised: bool = False  # stated as an update ("rose to 41", "now", "137, not 287")
    recalled: bool = False  # told as an earlier event ("four months after it laid off 11,000")
    cumulative: bool = False  # a total of rounds ("between the cuts of November and today's, 18,000")


@dataclass
class Mention:
    """One sentence of one article that states counts."""
    source: str
    sentence: str
    start: int  # offset of the sentence in the article's body
    # ISO, as precise as known ("2012-08-15", "2023-02", "2023"); a day or month whose year is not
    # known yet keeps XXXX for it ("XXXX-10-28"); "" when nothing is known.
    date: str
    date_basis: str  # "text" (written in the sentence or its paragraph), "published" or "unknown"
    date_inferred: bool  # the date rests on an inferred publication year
    published: str  # the article's publication date, "" when unknown
    places: list[str]  # place names in the sentence
    names: list[str]  # every name in the sentence, its paragraph and (main mentions) the article's lead
    kind: str  # the event word of the sentence: explosion, attack, ambush, layoff...
    counts: list[Count]
    role: str = "main"  # "main": the article's own event; "background": an earlier one it recalls
    title: str = ""
    # Figures the story gives besides its counts ("252 underground", "10%"): two reports that share
    # one tell the same story even when their tolls differ.
    numbers: list[str] = field(default_factory=list)
    since: int = 0  # a recalled event this many days before the article's own ("four months after")
    # (Main mentions) each name its article gives in a sentence that names a weekday, as
    # "saturday|Norvik": two reports with no date in common may still tell the same day at the
    # same place ("Saturday night's attack on X").
    weekday_names: list[str] = field(default_factory=list)


@dataclass
class Event:
    id: str
    date: str
    date_inferred: bool
    places: list[str]
    kind: str
    mentions: list[Mention] = field(default_factory=list)
    date_basis: str = "published"
    names: list[str] = field(default_factory=list)
    # The years its articles allow when none is known ("2022 or later"): a question about 2023 may
    # concern it, one about 2019 cannot. Empty: no bound known, or the year is known.
    possible_years: list[int] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date[:4].isdigit() else None

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(m.source for m in self.mentions))

    def keys(self) -> set[tuple[str, str]]:
        """(outcome, noun) of every incident figure."""
        return {(c.outcome, c.noun) for m in self.mentions for c in m.counts if c.kind == "incident"}

    def reports(self, outcome: str, noun: str) -> list[Report]:
        """Each article's figure for (outcome, noun): the largest incident figure it states (a toll
        within one report only rises: '14 were found ... the toll rose to 40')."""
        from index.events.identity import article_reports

        return article_reports(self, outcome, noun)

    def figure(self, outcome: str, noun: str) -> float | None:
        choice = self.choice(outcome, noun)
        return choice.value if choice else None

    def choice(self, outcome: str, noun: str) -> Choice | None:
        from index.events.identity import choose

        return choose(self.reports(outcome, noun))

    def summary(self) -> str:
        """'40 or 41 people killed, 11 miners injured'; disagreements shown."""
        parts = []
        for outcome, noun in sorted(self.keys(), key=lambda k: (k[0] != "killed", k)):
            figures = sorted({r.value for r in self.reports(outcome, noun)})
            shown = " or ".join(fmt(v) for v in figures)
            parts.append(f"{shown} {plural(noun, figures[-1]) if noun else 'people'} {outcome}")
        return ", ".join(parts)

    def matches_noun(self, outcome: str, noun: str) -> list[tuple[str, str]]:
        return [(o, n) for o, n in self.keys() if o == outcome and nouns_match(noun, n)]

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        mentions = [Mention(**{**m, "counts": [Count(**c) for c in m["counts"]]}) for m in d["mentions"]]
        return cls(d["id"], d["date"], d["date_inferred"], d["places"], d["kind"], mentions, d["date_basis"],
                   d.get("names", []), d.get("possible_years", []))

    def to_dict(self) -> dict:
        counts = []
        for outcome, noun in sorted(self.keys()):
            choice = self.choice(outcome, noun)
            reports = self.reports(outcome, noun)
            counts.append({
                "outcome": outcome, "noun": noun, "figure": choice.value if choice else None,
                "rule": choice.rule if choice else "",
                "reported": {fmt(v): sum(1 for r in reports if r.value == v)
                             for v in sorted({r.value for r in reports})},
                "other_figures": choice.others if choice else [],
            })
        other = sorted({(c.kind, c.outcome, c.noun, c.value) for m in self.mentions for c in m.counts
                        if c.kind != "incident"})
        return {
            "id": self.id, "date": self.date, "date_basis": self.date_basis,
            "date_inferred": self.date_inferred, "year": self.year, "places": self.places,
            "names": self.names, "possible_years": self.possible_years, "kind": self.kind,
            "summary": self.summary(), "sources": self.sources,
            "counts": counts,
            "statements": [{"kind": k, "outcome": o, "noun": n, "figure": v} for k, o, n, v in other],
            "mentions": [asdict(m) for m in self.mentions],
        }


@dataclass
class Report:
    """One article's figure for one (outcome, noun) of an event."""
    source: str
    value: float
    words: str
    sentence: str
    when: str  # when the article was written, as far as known (its date, else the latest day it names)
    revised: bool
    qualifier: str
    # Other figures the same article gives for them ("31 confirmed dead, rejecting an aid group's
    # tally of 58"): shown beside the chosen figure, never counted.
    also: tuple[float, ...] = ()


@dataclass
class Choice:
    value: float
    rule: str  # why this figure: "the latest report", "the figure most reports give", ...
    others: list[float]


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and value >= 10_000 else f"{value:g}"


def plural(noun: str, n: float = 2) -> str:
    """'soldier' -> 'soldiers', 'member (Red Banner)' -> 'Red Banner members'."""
    if not noun:
        return "people"
    if noun.endswith(")") and " (" in noun:
        head, qualifier = noun[:-1].split(" (", 1)
        return f"{qualifier} {plural(head, n)}"
    if n == 1 or noun.endswith(("people", "police", "staff", "personnel", "s")):
        return noun
    irregular = {"man": "men", "child": "children", "person": "people", "woman": "women",
                 "schoolchild": "schoolchildren", "foot": "feet", "life": "lives", "wife": "wives"}
    last = noun.split()[-1]
    for singular, many in irregular.items():
        if last.endswith(singular):
            return noun[: len(noun) - len(singular)] + many
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if last.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def to_json(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=False)


def extract_events(documents: list) -> list[Event]:
    """Articles -> events. Each document: (source, title, body, publication date, date inferred)."""
    from index.events.extract import extract_mentions, parse_articles
    from index.events.identity import merge

    parse_articles([(title, body) for _, title, body, *_ in documents])
    mentions = [m for doc in documents for m in extract_mentions(*doc)]
    return merge(mentions)
