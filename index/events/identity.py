"""Mentions -> events: which reports are of one event, and which of their figures is counted.

Two reports are one event when their dates fit one window (an undated report fits any), their
places do not contradict each other, they count the same group with the same outcome, and they
say the same thing: the same figure and a name only a few articles share, or differing figures
(a toll revised from 40 to 41, or disputed) with several such names in common, or one such name
given with the same weekday when one report has no date, and no figure off by more than a
factor of three. Mentions of one article form one event unless their dates or places part them;
an article's 'background' mentions (earlier events it recalls) are events of their own. Reports
whose figures agree merge first, so a recalled figure that matches another article's report dates
that report before weaker matches are tried.

Which figure counts (`choose`): the latest report's; among reports of the same day or of unknown
day, a figure stated as an update ('rose to 41', 'now', '137, not 287') before one that is not;
then the figure most reports give; then the highest (a toll rises as bodies are found, and the
lower figures are 'at least' ones). The other figures stay in the event and are shown.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import replace
from functools import cached_property

from index.events import Choice, Event, Mention, Report
from index.events.extract import fold
from index.events.vocab import ADDITIVE, COLLECTIVE, nouns_match

TRANSIENT = {"missing", "trapped", "rescued", "recovered"}
OTHERS = re.compile(r"\bothers?\b", re.I)
TALLY = re.compile(r"\b(?:toll|tally|figure|count)s?\b", re.I)
MAX_REVISION = 3.0  # reports of one event differ by at most this factor; beyond, they are two events
WINDOW_DAYS = 7


# --- which figure ---------------------------------------------------------------------------

def article_reports(event: Event, outcome: str, noun: str) -> list[Report]:
    """Each article's figure for (outcome, the asked noun). Within one article: the largest
    figure for one group (a toll only rises within a report); for a question about people in
    general, the largest of a stated total and the sum of the distinct groups it names."""
    by_source: dict[str, list[tuple[Mention, object]]] = {}
    for m in event.mentions:
        for c in m.counts:
            if c.kind == "incident" and c.outcome == outcome and nouns_match(noun, c.noun):
                by_source.setdefault(m.source, []).append((m, c))
    reports = []
    for source, items in by_source.items():
        # "73 died, and 150 others are presumed to have drowned": others presumed dead are told
        # beside the confirmed toll, not as the toll.
        items = [mc for mc in items if not (mc[1].modality == "presumed" and OTHERS.search(mc[1].words))] \
            or items
        value, (m, c) = _article_figure(items, noun)
        # A report that corrects or updates a figure of the event ("137, not 287, were abducted")
        # states that figure as a correction wherever it gives it ("All 137 abducted pupils
        # rescued"); not its other figures ("nine workers ..., raising the death toll to 10").
        revised = any(x.revised and x.value == value for mm in event.mentions if mm.source == source
                      for x in mm.counts)
        # Its other tolls for the same group ("31 confirmed dead, rejecting a tally that put the
        # toll at 58"), of the toll's order: not a part ("five of the dead") nor a passing figure.
        also = tuple(sorted({x.value for mm, x in items if x.value != value and TALLY.search(mm.sentence)
                             and (x.noun == c.noun or {x.noun, c.noun} <= COLLECTIVE)
                             and x.modality == c.modality and x.value * MAX_REVISION >= value}))
        reports.append(Report(source, value, c.words, m.sentence, _when(event, source), revised, c.qualifier,
                              also))
    return reports


def _article_figure(items: list, asked: str) -> tuple[float, tuple]:
    if items[0][1].outcome == "missing":
        # The missing are found as a report goes on: "31 were unaccounted for on Saturday ... six
        # remain missing" ends on six. The figure of the latest day it gives, then the largest.
        best = max(items, key=lambda mc: (mc[0].date if len(mc[0].date) == 10 else "", mc[1].value))
        return best[1].value, best
    best = max(items, key=lambda mc: mc[1].value)
    if asked and asked not in COLLECTIVE:
        return best[1].value, best
    # "killing four soldiers and two rebels" names two groups in one sentence: together six. Across
    # sentences the largest figure is the toll ("nine miners" and "nine workers" are the same dead).
    for m in {id(m): m for m, _ in items}.values():
        groups: dict[str, float] = {}
        for _, c in (mc for mc in items if mc[0] is m):
            if c.noun and c.noun not in COLLECTIVE:
                groups[c.noun] = max(groups.get(c.noun, 0), c.value)
        # Parts are disjoint groups: "two officers" within "sixteen police officers" is no extra group.
        distinct = [n for n in groups if not any(o != n and (_part_of(n, o) or same_group(n, o) and
                                                             groups[o] >= groups[n]) for o in groups)]
        parts = sum(groups[n] for n in distinct)
        if len(distinct) > 1 and parts > best[1].value:
            best = (m, next(c for mm, c in items if mm is m))
            return parts, best
    # "Two soldiers were also killed": a group told in addition to the toll adds to it.
    total = best[1].value
    for m, c in items:
        if c is not best[1] and c.noun and not same_group(c.noun, best[1].noun) \
                and ADDITIVE.search(m.sentence) and m is not best[0] and m.start >= 0:  # not a headline
            total += c.value
    return total, best


def _part_of(noun: str, other: str) -> bool:
    """'rescuer' is part of 'miner and rescuer'."""
    return noun in other.split(" and ") and noun != other


def _when(event: Event, source: str) -> str:
    for m in event.mentions:
        if m.source == source and len(m.published) == 10:
            return m.published
    # A day the text gives dates the event, and the report no earlier; a day whose year was
    # inferred dates neither: such a report's time is unknown.
    days = [m.date for m in event.mentions if m.source == source and len(m.date) == 10
            and m.date[:4].isdigit() and not m.date_inferred]
    return max(days, default="")


def choose(reports: list[Report]) -> Choice | None:
    if not reports:
        return None
    values = sorted({r.value for r in reports})
    also = sorted({v for r in reports for v in r.also} - set(values))
    if len(values) == 1:
        return Choice(values[0], "reported alike" if len(reports) > 1 else "one report", also)
    latest = max((r.when for r in reports), default="")
    pool = [r for r in reports if r.when == latest or not r.when]
    rule = "the latest report" if len({r.value for r in pool}) == 1 and latest else ""
    if not rule and any(r.revised for r in pool) and not all(r.revised for r in pool):
        pool, rule = [r for r in pool if r.revised], "stated as an update of the earlier figures"
    counts = Counter(r.value for r in pool)
    top = max(counts.values())
    if not rule:
        rule = "the figure most reports give" if list(counts.values()).count(top) == 1 else \
            "the highest reported (a lower figure may be an earlier or an 'at least' one)"
    value = max(v for v, n in counts.items() if n == top)
    return Choice(value, rule, sorted({v for v in values + also if v != value}))


# --- which reports are one event -------------------------------------------------------------

class _Group:
    """Mentions of one article about one event, before reports of other articles join them.
    (Its features are computed once: merging compares each group with many others.)"""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.sources = {m.source for m in mentions}

    @cached_property
    def names(self) -> set[str]:
        """The words of the names its articles give ('lindqvist', 'norvik')."""
        return {w for m in self.mentions for n in m.names for w in name_words(n)}

    @cached_property
    def sentence_names(self) -> set[str]:
        from index.events.extract import names_in, parse_all

        return {w for doc in parse_all([m.sentence for m in self.mentions])
                for n in names_in(doc) for w in name_words(n)}

    @cached_property
    def weekday_names(self) -> set[tuple[str, str]]:
        """(weekday, name word) its articles give in one sentence."""
        return {(day, w) for m in self.mentions for item in m.weekday_names
                for day, name in [item.split("|", 1)] for w in name_words(name)}

    @cached_property
    def numbers(self) -> set[str]:
        return {n for m in self.mentions for n in m.numbers}

    def tolls(self) -> dict[str, float]:
        """The largest incident figure per outcome: what two reports' tolls are compared by."""
        return self._tolls

    @cached_property
    def _tolls(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for m in self.mentions:
            for c in m.counts:
                if c.kind == "incident":
                    out[c.outcome] = max(out.get(c.outcome, 0), c.value)
        return out

    @cached_property
    def places(self) -> set[str]:
        return {fold(p) for m in self.mentions for p in m.places}

    def dates(self) -> list[str]:
        """Dates the reports give: written in the text, or the date an article prints (an inferred
        publication year is too weak to keep two reports apart)."""
        return self._dates

    @cached_property
    def _dates(self) -> list[str]:
        return [m.date for m in self.mentions if m.date and (m.date_basis == "text" or not m.date_inferred)]

    def figures(self) -> dict[tuple[str, str], set[float]]:
        return self._figures

    @cached_property
    def _figures(self) -> dict[tuple[str, str], set[float]]:
        out: dict[tuple[str, str], set[float]] = {}
        for m in self.mentions:
            for c in m.counts:
                if c.kind == "incident":
                    out.setdefault((c.outcome, c.noun), set()).add(c.value)
        return out


def merge(mentions: list[Mention]) -> list[Event]:
    from index.events.extract import validate

    mentions = [m for m in mentions if not validate(m)]
    groups = [g for source in dict.fromkeys(m.source for m in mentions)
              for g in _article_groups([m for m in mentions if m.source == source])]
    df = Counter(w for source in {m.source for m in mentions}
                 for w in {w for m in mentions if m.source == source for x in m.names for w in name_words(x)})
    documents = len({m.source for m in mentions}) or 1
    distinctive = {n for n, k in df.items() if k <= max(2, math.ceil(0.2 * documents))}
    pairs = []
    for i, j in _candidates(groups, distinctive):
        strength = _same_event(groups[i], groups[j], distinctive)
        if strength:
            pairs.append((strength, i, j))
    # Agreeing figures first: they date and place the reports that weaker matches are checked against.
    home = list(range(len(groups)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(groups))}

    def root(i: int) -> int:
        while home[i] != i:
            i = home[i]
        return i

    def join(i: int, j: int) -> bool:
        ri, rj = root(i), root(j)
        if ri == rj:
            return False
        joined = _Group([m for k in members[ri] + members[rj] for m in groups[k].mentions])
        sources = [s for k in members[ri] + members[rj] for s in groups[k].sources]
        if len(sources) != len(set(sources)) or not _dates_fit(joined.dates()):
            return False  # two events of one article, or dates that cannot be one window
        home[rj] = ri
        members[ri] += members.pop(rj)
        return True

    grown: set[int] = set()
    for _, i, j in sorted(pairs, key=lambda p: -p[0]):
        if join(i, j):
            grown.add(root(i))
    # An undated report has no date to tie it to an event, only names, and what several reports
    # of one event name together is more than any one of them does: the mine one recollection
    # names, the company another does. Each undated single report is compared again with the
    # events that grew, until nothing joins. (Two grown events are not compared with each other:
    # their names together would match almost anything.)
    grown = {root(r) for r in grown}
    while grown:
        roots = list(members)
        current = [_Group([m for k in members[r] for m in groups[k].mentions]) if len(members[r]) > 1
                   else groups[r] for r in roots]
        undated = {r for r in roots if len(members[r]) == 1 and not groups[r].dates()}
        again = sorted(((s, roots[i], roots[j]) for i, j in _candidates(current, distinctive)
                        if {roots[i], roots[j]} & grown and {roots[i], roots[j]} & undated
                        for s in [_same_event(current[i], current[j], distinctive)] if s),
                       key=lambda p: -p[0])
        grown = {root(r) for _, r, o in again if join(r, o)}
    events = [_event([m for k in ks for m in groups[k].mentions]) for ks in members.values()]
    events.sort(key=lambda e: (e.date or "9999", e.summary()))
    for n, event in enumerate(events, 1):
        event.id = f"E{n}"
    return events


def _candidates(groups: list[_Group], distinctive: set[str]) -> list[tuple[int, int]]:
    """Pairs of groups of different articles worth comparing: they share a figure of one outcome,
    a rare name, a figure of their story or a day. Comparing every pair would grow with the
    square of the corpus (2,000 articles: millions of pairs)."""
    keys: dict[object, list[int]] = {}
    for i, g in enumerate(groups):
        found: set[object] = {("figure", o, v) for (o, _), values in g.figures().items() for v in values}
        found |= {("name", w) for w in g.names & distinctive}
        found |= {("story", n) for n in g.numbers}
        found |= {("day", d) for d in g.dates() if len(d) == 10}
        for key in found:
            keys.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for members in keys.values():
        if len(members) > 200:
            continue  # a figure or name so common it tells nothing ("2 killed")
        for k, i in enumerate(members):
            for j in members[k + 1:]:
                if not groups[i].sources & groups[j].sources:
                    pairs.add((i, j))
    return sorted(pairs)


def _article_groups(mentions: list[Mention]) -> list[_Group]:
    """One article's mentions: its own event (all its main mentions: a report may revise its
    own toll as it goes), and each earlier event it recalls, by date."""
    main = [m for m in mentions if m.role == "main"]
    totals = {c.outcome for m in main for c in m.counts if c.cumulative}
    recalled: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.role == "background" and {c.outcome for c in m.counts} & totals:
            # A round the article's own total includes ("between November and today"): its
            # figures join the event's, its date ("November") is not the event's.
            main.append(replace(m, date="", date_basis="unknown", date_inferred=False))
        elif m.role == "background":
            recalled.setdefault(m.date, []).append(m)
    return [_Group(g) for g in ([main] if main else []) + list(recalled.values())]


def _overlap(a: set[str], b: set[str]) -> set[str]:
    """Names shared, allowing one to contain the other ('Norvik' / 'Norvik region')."""
    out = a & b
    for x in a - out:
        if any(x in y.split() or y in x.split() or x in y or y in x for y in b if min(len(x), len(y)) >= 4):
            out.add(x)
    return out


def _same_event(a: _Group, b: _Group, distinctive: set[str]) -> float:
    """0 when a and b cannot be one event; else how sure: agreeing figures > differing ones."""
    if not _dates_fit(a.dates() + b.dates()):
        return 0.0
    # Two outlets placing it in different towns are two events, unless they tell the same figure
    # (sentence places are noisy: 'Ont.' for 'Ontario', the capital a wire is filed from).
    placed_apart = a.places and b.places and not _overlap(a.places, b.names | b.places) \
        and not _overlap(b.places, a.names | a.places)
    fa, fb = a.figures(), b.figures()
    shared = [(ka, kb) for ka in fa for kb in fb if ka[0] == kb[0] and same_group(ka[1], kb[1])]
    if not shared:
        return 0.0
    ta, tb = a.tolls(), b.tolls()
    # Missing and trapped people are found, rescued, recovered as reports follow each other; those
    # figures move. A toll (killed, injured, kidnapped, cut) is revised within a factor of three:
    # "1 soldier" against "9 soldiers" killed, with tolls of 2 and 9, are two attacks.
    for ka, kb in shared:
        if ka[0] in TRANSIENT or ka[1] != kb[1] or fa[ka] & fb[kb]:
            continue
        high, low = sorted((max(fa[ka]), max(fb[kb])), reverse=True)
        tolls = sorted((ta[ka[0]], tb[kb[0]]), reverse=True)
        if high > MAX_REVISION * max(low, 1) and tolls[0] > MAX_REVISION * max(tolls[1], 1):
            return 0.0
    # Agreement is on the toll both give: when both count dead, an equal minor figure ("3
    # injured") beside different dead ("6 killed", "16 police killed") is a coincidence.
    main = "killed" if any(k[0] == "killed" for k in fa) and any(k[0] == "killed" for k in fb) else ""
    # ... and on the figure each report ends on for that group: "initial reports put the toll at
    # four before it rose to seven" agrees with no other report's four.
    agree = any(max(fa[ka]) == max(fb[kb]) for ka, kb in shared if not main or ka[0] == main)
    common = a.names & b.names & distinctive
    counted = {f"{v:g}" for f in (fa, fb) for values in f.values() for v in values}
    shared_numbers = (a.numbers & b.numbers) - counted
    # One shared figure of 100 or more, or a share ('10%'), tells one story; small ones coincide.
    # So does a counted figure of 100 or more both give beside a toll they differ on ('104
    # rescued' in reports of 38 and of 47 dead).
    differ = {ka[0] for ka, kb in shared if max(fa[ka]) != max(fb[kb])}
    same_story = len(shared_numbers) >= 2 or any(n.endswith("%") or float(n) >= 100 for n in shared_numbers) \
        or bool(differ) and any(ka[0] not in differ and min(fa[ka] & fb[kb], default=0) >= 100
                                for ka, kb in shared)
    unnamed = (not a.names or not b.names) and (_dated_close(a.dates(), b.dates())
                                                 or _dated_same_month(a.dates(), b.dates()))
    # A small figure ("5 killed") agrees by chance more often than "41": it needs two names.
    agreed = {max(fa[ka]) for ka, kb in shared if max(fa[ka]) == max(fb[kb])}
    names_needed = 1 if any(v >= 10 for v in agreed) or len(agreed) >= 2 else 2
    same_month = _dated_same_month(a.dates(), b.dates())
    # The same toll of the same named group ("seven police officers killed"), dated by both texts
    # to the same month: one event even when the recalling sentence names nothing.
    same_toll = any(max(fa[ka]) == max(fb[kb]) and ka[1] not in COLLECTIVE and kb[1] not in COLLECTIVE
                    for ka, kb in shared if not main or ka[0] == main)
    if agree and (len(common) >= names_needed or common and same_month or same_story or unnamed
                  or same_toll and (same_month or _dated_close(a.dates(), b.dates()))):
        return 3.0 + len(common) + len(shared_numbers)
    if placed_apart:
        return 0.0
    # Differing figures (a revised or disputed toll) need more than a name: a figure of the story
    # both give ('252 underground'), names both sentences give, or both dated to the same days.
    in_sentences = a.sentence_names & b.sentence_names & distinctive
    # A report with no date tells its day only by weekday: "Saturday night's attack on X" in one
    # article, "on Saturday night ... in X" in another, X a rare name, is what a date would have
    # shown. (Single reports only: several together name too many days and places.)
    same_weekday = len(a.sources) == len(b.sources) == 1 and (not a.dates() or not b.dates()) \
        and any(w in distinctive for _, w in a.weekday_names & b.weekday_names)
    if common and (same_story or len(in_sentences) >= 2 or _dated_close(a.dates(), b.dates())
                   or same_month or same_weekday):
        return 1.0 + len(common) / 10 + len(shared_numbers) / 10
    # A place too common in the corpus to be a distinctive name still places both reports, dated
    # to the same days, at one spot; a report that names no place is placed by its story figures.
    if _dated_close(a.dates(), b.dates()) and (a.places & b.places
                                                or same_story and not (a.places and b.places)):
        return 0.5
    return 0.0


def same_group(a: str, b: str) -> bool:
    return nouns_match(a, b) or nouns_match(b, a) or a in COLLECTIVE or b in COLLECTIVE


def _dated_close(a: list[str], b: list[str]) -> bool:
    """Both reports dated to the day, within the window."""
    days_a = [d for d in a if len(d) == 10]
    days_b = [d for d in b if len(d) == 10]
    return bool(days_a and days_b) and _dates_fit(days_a + days_b)


def _dated_same_month(a: list[str], b: list[str]) -> bool:
    """Both reports dated by their text to the same month (its year may be unknown: 'In August')."""
    months_a = {d[5:7] for d in a if len(d) >= 7}
    months_b = {d[5:7] for d in b if len(d) >= 7}
    return bool(months_a) and months_a == months_b and _dates_fit(a + b)


def name_words(name: str) -> set[str]:
    """The words that tell one name from another: 'Lindqvist mine' -> {'lindqvist'}."""
    from index.events.query import GENERIC

    return {w for w in re.sub(r"[^\w]+", " ", fold(name)).split() if len(w) >= 3 and w not in GENERIC}


def known(date: str) -> bool:
    return bool(date) and date[:4].isdigit()


def _dates_fit(dates: list[str]) -> bool:
    """Can all these dates (of varied precision) be one event's? Undated reports fit anything."""
    dates = [d for d in dates if d]
    years = {d[:4] for d in dates if d[:4].isdigit()}
    if len(years) > 1:
        return False
    # A day or month of unknown year is compared as if in the year the others give.
    year = next(iter(years), "2000")
    dates = [year + d[4:] if d.startswith("XXXX") else d for d in dates]
    months = {d[:7] for d in dates if len(d) >= 7}
    days = sorted(dt.date.fromisoformat(d) for d in dates if len(d) == 10)
    if days and (days[-1] - days[0]).days > WINDOW_DAYS:
        return False
    if len(months) > 1:
        # Reports of one event may straddle a month end ("Aug. 31" / "Sept. 1").
        return len(days) == len([d for d in dates if len(d) >= 7]) and bool(days)
    return True


def fuse(events: list[Event]) -> Event | None:
    """One event of several, when their dates can be one window: reports a question names as one
    event ('the attack on X') that the table kept apart for want of proof that they are one."""
    mentions = [m for e in events for m in e.mentions]
    if not _dates_fit([d for e in events for d in _Group(e.mentions).dates()]):
        return None
    fused = _event(mentions)
    fused.id = "+".join(e.id for e in events)
    return fused


def _event(mentions: list[Mention]) -> Event:
    dated = [m for m in mentions if m.date_basis == "text" and m.date]
    best = max(dated, key=lambda m: (m.date[:4].isdigit(), len(m.date)), default=None)
    if best is None:
        published = [m for m in mentions if m.published]
        best = min(published, key=lambda m: (m.date_inferred, m.published), default=None)
    date = best.date if best is not None else ""
    basis = best.date_basis if best is not None else "unknown"
    year = next((m.date[:4] for m in sorted(mentions, key=lambda m: m.date_inferred)
                 if m.date[:4].isdigit() and (m.date_basis == "text" or m.published)), "")
    if date.startswith("XXXX") and year:
        date = year + date[4:]  # "October 28th" of an article whose year another report gives
    places = list(dict.fromkeys(p for m in mentions for p in m.places))
    names = list(dict.fromkeys(n for m in mentions for n in m.names))
    kinds = Counter(m.kind for m in mentions if m.kind)
    kind = kinds.most_common(1)[0][0] if kinds else ""
    return Event("", date, bool(best and best.date_inferred), places, kind,
                 sorted(mentions, key=lambda m: (m.source, m.start)), basis, names)
