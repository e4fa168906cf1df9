"""'When did X happen, and do the reports agree?': each article's own sentence that dates it, side
by side and cited, with the days they name compared. Not worded by the model: the 1.5B model
answered "Yes, the reports agree" with "on Saturday" and "on Sunday" in front of it.

question -> the passages given (focus() ranked their sentences) -> per article, its best sentence
that states a date -> the weekdays they name -> Answer
"""

from __future__ import annotations

import datetime as dt
import re
import time

from index.events.extract import EVENT_WORDS
from rag import citations as cite
from rag.answer import Answer, Citation
from rag.context import annotate_dates
from rag.retrieve import Passage

WHO = r"(?:reports?|accounts?|sources?|articles?|outlets?)"
AGREE = re.compile(r"\b(?:do|does|did|are|were)\s+(?:the\s+|all\s+|these\s+|their\s+)?" + WHO
                   + r"\s+(?:\w+\s+)?(?:agree|differ|disagree|conflict|match|tally|align)\b"
                   r"|\b" + WHO + r"\s+(?:agree|differ|disagree)\b", re.I)
DATE_KINDS = {"day", "weekday", "date"}
NEAR = 40  # characters either side of the event's word where its day is looked for
MONTHS = {m.lower(): i for i, m in enumerate(cite.MONTH_NAMES, start=1)}


def compare_dates(question: str, passages: list[Passage], model: str, started: float) -> Answer | None:
    """The answer, or None when the question does not ask whether reports agree on when, or fewer
    than two articles among the passages date it."""
    if cite.asks_for(question) not in DATE_KINDS or not AGREE.search(question):
        return None
    ranked = sorted(((score, n, sentence) for n, p in enumerate(passages, start=1)
                     for score, sentence in p.leads), key=lambda lead: -lead[0])
    # The sentence that dates the event the question names ('the attack'), not one that dates
    # what someone said of it ('the military high command, on Wednesday, provided ...').
    event = EVENT_WORDS.search(question)
    stem = event.group()[:5].lower() if event else ""
    picked: list[tuple[int, str, str]] = []
    for about_event in ([True, False] if stem else [False]):
        chosen: dict[str, tuple[int, str, str]] = {}  # article: (passage number, sentence, as shown)
        for _, n, sentence in ranked:
            p = passages[n - 1]
            if p.source in chosen or about_event and not _event_words(sentence, stem):
                continue
            shown = cite.readable(annotate_dates(sentence, p.date))
            if cite.gives(shown, question, "date"):
                chosen[p.source] = (n, sentence, shown)
        if len(chosen) >= 2:
            picked = sorted(chosen.values())
            break
    if not picked:
        return None
    answer = Answer(question, passages=passages, model=model, route="passages")
    told = " ".join(f"[{n}] “{' '.join(shown.split())}”" for n, _, shown in picked)
    days = _days(picked, stem)
    dated = _dated_days(days, passages, {sentence for _, sentence, _ in picked})
    answer.text = f"The reports, in their own words: {told}{_verdict(days)}" + "".join(
        f" [{k}]{'' if k == n else f', of the same article as [{n}],'} gives the date {date}, "
        f"a {day.title()}: “{' '.join(sentence.split())}”" for day, (n, k, date, sentence) in dated.items())
    answer.citations = [Citation.of(n, passages[n - 1], [sentence]) for n, sentence, _ in picked] + [
        Citation.of(k, passages[k - 1], [sentence]) for n, k, _, sentence in dated.values()]
    answer.notes.append("Each article's sentence that dates the event, as retrieval ranked them; "
                        "not worded by the model.")
    answer.timings["total_s"] = answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
    return answer


def _days(picked: list[tuple[int, str, str]], stem: str) -> dict[str, list[int]]:
    """{weekday: the passages whose sentence names it} when each sentence names one weekday (or a
    full date, whose weekday is known) near the event's word; {} when a sentence names none."""
    days: dict[str, list[int]] = {}
    for n, _, shown in picked:
        near = _event_words(shown, stem)
        if near:  # 'the attack around 4pm on Saturday ..., as of Tuesday morning': Saturday
            shown = shown[max(0, near[0].start() - NEAR): near[0].end() + NEAR]
        named = _weekdays(shown)
        if len(named) != 1:
            return {}
        days.setdefault(named.pop(), []).append(n)
    return days


def _dated_days(days: dict[str, list[int]], passages: list[Passage], shown: set[str],
                ) -> dict[str, tuple[int, int, str, str]]:
    """A weekday named without its date ('on Saturday'), dated by another sentence of the same
    article (not one `shown` already) that gives one full date, falling on that weekday ('On 4
    January 2031, ...'): {weekday: (passage naming the day, passage giving the date, the date,
    its sentence)}."""
    dated = {}
    for day, ns in days.items():
        n = ns[0]
        for k, p in enumerate(passages, start=1):
            for _, sentence in p.leads if p.source == passages[n - 1].source else ():
                found = _full_dates(sentence)
                if sentence not in shown and list(found) == [day]:
                    dated.setdefault(day, (n, k, found[day], sentence))
    return dated


def _verdict(days: dict[str, list[int]]) -> str:
    """' They differ on the day: Saturday [1][3], Sunday [2].'; nothing when a sentence names no
    day (`days` empty)."""
    if not days:
        return ""
    if len(days) == 1:
        return f" They agree on the day: {next(iter(days)).title()}."
    each = ", ".join(f"{day.title()} {''.join(f'[{n}]' for n in ns)}" for day, ns in days.items())
    return f" They differ on the day: {each}."


def _event_words(text: str, stem: str) -> list[re.Match]:
    """Where `text` names the event the question names ('attack', 'attacked': stem 'attac')."""
    return [m for m in EVENT_WORDS.finditer(text) if m.group()[:5].lower() == stem]


def _weekdays(text: str) -> set[str]:
    return {d for d in cite.WEEKDAYS if re.search(rf"\b{d}\b", text, re.I)} | set(_full_dates(text))


def _full_dates(text: str) -> dict[str, str]:
    """{weekday: date as written} of the full dates in `text`: '4 January 2031', 'January 4, 2031'."""
    found = {}
    for m in re.finditer(r"\b(\d{1,2}) ([A-Z][a-z]+),? ((?:19|20)\d\d)\b"
                         r"|\b([A-Z][a-z]+) (\d{1,2}),? ((?:19|20)\d\d)\b", text):
        day, month, year = m.group(1, 2, 3) if m.group(1) else (m.group(5), m.group(4), m.group(6))
        if month.lower() in MONTHS:
            try:
                date = dt.date(int(year), MONTHS[month.lower()], int(day))
            except ValueError:
                continue
            found[cite.WEEKDAYS[date.weekday()]] = m.group()
    return found
