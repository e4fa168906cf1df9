"""Count and date questions answered from the event table, not from passages.

question -> EventQuestion (targets, period, names; index/events/query.py) -> the events that meet
every constraint, each counted once however many outlets report it -> the sum, shown with its
breakdown and the figures reports disagree on -> the LLM words it (checked: it may state no
figure or name the facts and passages do not) -> citations to the sentence every counted figure
comes from. A question the table cannot meet in full (a name no counted event carries, a group it
never counts) goes to ordinary retrieval instead: a total from other places, groups or periods is
the one answer never given.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections import defaultdict
from dataclasses import replace

from index.dates import EARLIEST as EARLIEST_YEAR
from index.dates import Period
from index.events import Event, fmt, plural
from index.events.identity import choose
from index.events.query import (
    EventQuestion,
    Target,
    group_reports,
    match,
    mentions_all,
    one_event,
    only_years_of_period,
    parse,
)
from index.events.vocab import nouns_match
from index.settings import Settings
from index.store import Store
from rag import citations as cite
from rag.answer import Answer, Citation
from rag.retrieve import Passage, keyword_index

VERBS = {"killed": "killed", "injured": "injured", "kidnapped": "kidnapped", "arrested": "arrested",
         "rescued": "rescued", "missing": "missing", "trapped": "trapped", "recovered": "recovered",
         "cut": "cut", "closed": "closed", "seized": "seized", "displaced": "displaced",
         "destroyed": "destroyed"}


def load_events(store: Store) -> list[Event]:
    return [Event.from_dict(json.loads(r["data"])) for r in store.event_rows()]


def answer_from_events(question: str, settings: Settings, store: Store, started: float,
                       period: Period | None = None, model: str = "") -> Answer | None:
    """The answer to a counting question, or None to let ordinary retrieval answer it."""
    if difference := DIFFERENCE.match(question.strip()):
        return _difference(difference, question, settings, store, started, model)
    if compared := comparison_counts(question):
        return _compare(question, compared, settings, store, started, model)
    q = parse(question)
    if q is None:
        return _stated_toll(question, store, started, model)
    if period is not None:
        q.period, q.months = period, ()
    events = load_events(store)
    if not events:
        return None
    texts = _article_texts(store)
    found = match(q, events, lambda source: texts.get(source, ""))
    single = one_event(q, found)
    if q.single and found.events and not single:
        return None  # several events fit "the attack on X", and the table cannot tell which
    found.events = single
    if not found.events and q.single and q.names and q.kind == "count":
        # "How many civilians died in the X attack?" when the table knows the X attack and no
        # civilians among its dead: say what it reports instead of letting a passage's "five
        # soldiers" become "five civilians".
        named = _named_event(q, events, texts)
        if named is not None:
            return _none_of_group(question, q, named, store, started, model)
    shown_apart = False
    if found.unmet and found.events:
        # "Acme and Globex in January 2023", Globex's cut of January 20 in a year the articles do
        # not give: counted without it, and shown beside the count with the total it would make.
        shown = {n for e in _uncounted(q, found.undated) for n in found.names_undated.get(e.id, ())}
        left = [u for u in found.unmet if u.removeprefix("the name ") not in shown]
        shown_apart, found.unmet = left != found.unmet, left
    if found.unmet or not found.events and q.kind in ("which_year", "which_event"):
        return None  # the table cannot meet the question: retrieval may still answer it
    answer = Answer(question, model=model, period=q.period.label() if q.period else None)
    answer.timings["retrieval_s"] = round(time.perf_counter() - started, 3)
    if q.kind == "which_event":
        return _which_event(answer, q, found.events, found.undated, store, started)
    if not found.events:
        # Nothing in the period asked: say what the table holds (never a figure of another
        # period or of an event whose year is unknown), or let retrieval try.
        everywhere = EventQuestion(q.kind, q.targets, names=q.names, alternatives=q.alternatives)
        anywhen = match(everywhere, events, lambda source: texts.get(source, ""))
        relevant = anywhen.events
        if not relevant or anywhen.unmet or q.period is None and not q.months:
            return None
        answer.passages, numbers = _passages(relevant[:8], q, store)
        maybe = _uncounted(q, relevant)
        _none_in_period(answer, q, relevant, maybe, numbers)
        if maybe:
            answer.answered = True  # a figure, cited, with the condition it holds on
            _show_uncounted(answer, q, [], maybe, numbers, store)
            return _finish(answer, relevant, numbers, started)
        return _finish(answer, [], numbers, started)
    if q.kind == "which_year":  # its events of unknown year are shown beside the answer, not counted
        found.events, found.undated = found.events + found.undated, []
    answer.passages, numbers = _passages(found.events, q, store)
    if q.kind == "which_year":
        cited = _which_year(answer, q, found.events, numbers)
    elif (q.period or q.months) and all(not e.year and not only_years_of_period(e, q) for e in found.events):
        # The names single out only events whose year the articles do not give: their figures,
        # each with the date it has, and no total "in 2025" the articles cannot back.
        cited = _of_unknown_year(answer, q, found.events, numbers)
        return _finish(answer, cited, numbers, started)
    else:
        cited = _total(answer, q, found.events, numbers)
    # An event of unknown year that may be of the period is not counted, but shown, with what the
    # total would be with it: the reader decides, the answer does not guess.
    maybe = _uncounted(q, found.undated)
    rest = [e for e in found.undated if e not in maybe] if q.period else []
    if rest:
        answer.notes.append(f"Not counted: {len(rest)} more event(s) of this kind whose year the "
                            "articles do not give (see `rag events`).")
    unknown = [e for e in found.events if not e.year and q.kind != "which_year"]
    within = [e for e in unknown if only_years_of_period(e, q)]
    if within:
        refs = "".join(_refs(e, numbers) for e in within)
        years = " and ".join(dict.fromkeys(_years(e.possible_years) for e in within))
        answer.notes.append(f"Note: the articles {refs} do not give the year of the event counted; they "
                            f"allow only {years}, all in {_period_label(q)}.")
    # (Events of unknown year outside those counted for a period reach here only when no period
    # is asked: with one, _of_unknown_year answered above.)
    unknown = [e for e in unknown if e not in within]
    if q.kind == "which_year":  # events of unknown year that could change it: not left to the wording
        shown_apart = shown_apart or any(not e.year and _figure(e, q.targets[0]) for e in found.events)
    if settings.phrase_counts and not shown_apart:
        # (Worded from the count alone, "Acme and Globex together cut 10,000 jobs" would give
        # Globex's name to Acme's figure.)
        _phrase(answer, settings, q, store)
    if maybe:
        cited += _show_uncounted(answer, q, found.events, maybe, numbers, store)
    elif len(q.targets) == 1 and q.kind != "which_year" and answer.answered:
        answer.count = sum(_figure(e, q.targets[0]) for e in found.events) if q.kind == "count" \
            else float(len([e for e in found.events if _figure(e, q.targets[0])]))
    return _finish(answer, cited, numbers, started)


# "How many more soldiers died in the X attack than in the Y battle?": two counts and their
# difference, each count meeting its own constraints.
DIFFERENCE = re.compile(r"(?P<head>.*?\bhow many)\s+(?P<more>more|fewer)\s+(?P<asked>.+?)\s+than\s+"
                        r"(?P<other>(?:in|at|on|during|for|from|by)\s+.+?)\s*\?*$", re.I)


def _difference(m: re.Match, question: str, settings: Settings, store: Store, started: float,
                model: str) -> Answer | None:
    asked, other = m["asked"], m["other"]
    # The second count asks the same, with the first count's last phrase of that preposition
    # replaced by the one after 'than' ('died in the X attack' -> 'died in the Y battle').
    cut = asked.lower().rfind(f" {other.split()[0].lower()} ")
    if cut < 0:
        return None
    both = _two_counts(question, f"{m['head']} {asked}?", f"{m['head']} {asked[:cut]} {other}?",
                       settings, store, started, model)
    if both is None:
        return None
    answer, first, second, told_first, told_second = both
    diff = first.count - second.count
    how = "more" if diff >= 0 else "fewer"
    answer.text = (f"{fmt(abs(diff))} {how} ({fmt(first.count)} - {fmt(second.count)}). "
                   f"{told_first} {told_second}")
    answer.count = abs(diff)
    return answer


# "Were more people killed at X or at Y?", "Did X or Y cut more jobs in 2023?": two counts, each
# meeting its own constraints, and which is higher.
PLACING = r"(?:at|in|on|during|from|by)"
MORE_AT = re.compile(r"^\W*(?P<aux>were|was|are|is)\s+more\s+(?P<asked>.+?)\s+(?P<prep>" + PLACING + r")\s+"
                     r"(?P<a>.+?),?\s+or\s+(?:" + PLACING + r"\s+)?(?P<b>.+?)\s*\?*$", re.I)
MORE_BY = re.compile(r"^\W*(?P<aux>did|does|have|has|had)\s+(?P<a>.+?)\s+or\s+(?P<b>.+?)\s+(?P<verb>\w+)"
                     r"\s+more\s+(?P<asked>.+?)\s*\?*$", re.I)
# "Which company cut more jobs in 2023, Acme or Globex?": the two names come last.
WHICH_MORE = re.compile(r"^\W*(?:which|what)\s+\w+(?:\s+\w+){0,4}?\s+(?P<verb>\w+(?:\s+(?:off|down|out|up))?)"
                        r"\s+more\s+"
                        r"(?P<asked>.+?),\s*(?P<a>[^,]+?),?\s+or\s+(?P<b>[^,]+?)\s*\?*$",
                        re.I)


YEAR_ONLY = re.compile(r"^(?:in\s+)?(?:19|20)\d\d$", re.I)
# A period after the second name holds for both: "at X or at Y in 2023".
PERIOD_TAIL = re.compile(r"^(?P<name>.+?)(?P<tail>\s+(?:in|during|since|before|after|between|from)\s+.*"
                         r"\b(?:19|20)\d\d\b.*)$", re.I)


def comparison_counts(question: str) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The two names a comparison sets against each other and the count asked of each: 'Were more
    people killed at X or at Y in 2023?' -> (X, Y), ('How many people were killed at X in
    2023?', '... at Y in 2023?'); None when the question is no such comparison."""
    if m := MORE_AT.match(question.strip()):
        asked = m["asked"].split(maxsplit=1)
        if len(asked) < 2:
            return None
        second, tail = m["b"], ""
        if split := PERIOD_TAIL.match(second):
            second, tail = split["name"], split["tail"]
        head = f"How many {asked[0]} {m['aux'].lower()} {asked[1]} {m['prep']}"
        return (m["a"], second), (f"{head} {m['a']}{tail}?", f"{head} {second}{tail}?")
    if m := MORE_BY.match(question.strip()):
        asked = m["asked"].split(maxsplit=1)
        rest = f" {asked[1]}" if len(asked) > 1 else ""
        names = (m["a"], m["b"])
        first, second = (f"How many {asked[0]} {m['aux'].lower()} {n} {m['verb']}{rest}?" for n in names)
        return names, (first, second)
    if m := WHICH_MORE.match(question.strip()):
        asked = m["asked"].split(maxsplit=1)
        rest = f" {asked[1]}" if len(asked) > 1 else ""
        names = (m["a"], m["b"])
        if all(YEAR_ONLY.match(n) for n in names):  # "What year saw more deaths, 2012 or 2020?"
            first, second = (f"How many {m['asked']} in {n}?" for n in names)
        else:
            first, second = (f"How many {asked[0]} did {n} {_base_form(m['verb'])}{rest}?" for n in names)
        return tuple(re.sub(r"^the\s+", "", n, flags=re.I) for n in names), (first, second)
    return None


def _base_form(verb: str) -> str:
    """'laid off' -> 'lay off', 'killed' -> 'kill': the verb as 'did ... <verb>' wants it."""
    from index.nlp import nlp

    return " ".join(t.lemma_ if t.i == 0 else t.text for t in nlp()(verb))


def _compare(question: str, compared: tuple[tuple[str, str], tuple[str, str]], settings: Settings,
             store: Store, started: float, model: str) -> Answer | None:
    names, queries = compared
    both = _two_counts(question, *queries, settings, store, started, model)
    if both is None:
        return None
    answer, first, second, told_first, told_second = both
    if first.count == second.count:
        lead = f"Neither: {fmt(first.count)} each."
    else:
        (high, n_high), (low, n_low) = sorted(((first.count, names[0]), (second.count, names[1])),
                                              reverse=True)
        lead = f"More for {n_high}: {fmt(high)} against {fmt(low)} for {n_low}."
    answer.text = f"{lead} {told_first} {told_second}"
    return answer


def _two_counts(question: str, first_question: str, second_question: str, settings: Settings, store: Store,
                started: float, model: str) -> tuple[Answer, Answer, Answer, str, str] | None:
    """Both counts from the table, and one answer holding both counts' passages and citations
    (the second's renumbered): (answer, first, second, first's text, second's text)."""
    plain = replace(settings, phrase_counts=False)
    first = answer_from_events(first_question, plain, store, started, model=model)
    second = answer_from_events(second_question, plain, store, started, model=model)
    if first is None or second is None or first.count is None or second.count is None:
        return None  # a count the table cannot give without a condition: retrieval may answer
    answer = Answer(question, model=model, route="events", passages=list(first.passages))
    at = {}
    for n, p in enumerate(second.passages, 1):
        if p not in answer.passages:
            answer.passages.append(p)
        at[n] = answer.passages.index(p) + 1

    def renumber(marker: re.Match) -> str:
        return "[" + re.sub(r"\d+", lambda d: str(at[int(d.group())]), marker.group(1)) + "]"

    shown = {c.n for c in first.citations}
    answer.citations = first.citations + [replace(c, n=at[c.n]) for c in second.citations
                                          if at[c.n] not in shown]
    answer.notes = first.notes + second.notes
    answer.answered = True
    answer.timings = {**second.timings, "total_s": round(time.perf_counter() - started, 3)}
    return (answer, first, second, first.text.split("\n\n")[0],
            cite.MARKER.sub(renumber, second.text.split("\n\n")[0]))


def _stated_toll(question: str, store: Store, started: float, model: str) -> Answer | None:
    """'About how many people were killed in the conflict?': no sum of events answers it, but an
    article may state it ("the conflict killed some 70,000 people"): that statement, quoted and
    cited as what it is. None when the question is no such question or no statement meets it."""
    q = parse(question, tolls=True)
    if q is None or len(q.targets) != 1 or q.other_part:
        return None  # not "how many": "which body documented the conflict's death toll?"
    target, texts = q.targets[0], _article_texts(store)
    found: dict[tuple[str, str], float] = {}  # (article, sentence): figure
    for e in load_events(store):
        for m in e.mentions:
            for c in m.counts:
                if c.kind in ("historical", "running_total") and c.outcome == target.outcome \
                        and (not target.nouns or any(nouns_match(n, c.noun) for n in target.nouns)) \
                        and mentions_all(q.names, texts.get(m.source, "")):
                    found[(m.source, m.sentence)] = c.value
    if not found:
        return None
    chunks = keyword_index(store).by_source()
    answer = Answer(question, model=model, route="events")
    cited: list[tuple[int, str]] = []
    for source, sentence in found:
        home = _home(source, sentence, chunks)
        if home is None:
            continue
        if home not in answer.passages:
            answer.passages.append(home)
        cited.append((answer.passages.index(home) + 1, sentence))
    if not cited:
        return None
    by_value: dict[float, list[int]] = defaultdict(list)
    for (_, sentence), value in found.items():
        by_value[value] += [n for n, s in cited if s == sentence]
    verb = VERBS.get(target.outcome, target.outcome)
    stated = "; ".join(f"{fmt(v)} {_noun(target, v)} {verb} {''.join(f'[{n}]' for n in dict.fromkeys(ns))}"
                       for v, ns in sorted(by_value.items()) if ns)
    answer.text = (f"The articles state it as a toll over time, not as one event: {stated}. "
                   + " ".join(f"[{n}] “{' '.join(s.split())}”" for n, s in dict.fromkeys(cited)))
    answer.citations = [Citation.of(n, answer.passages[n - 1], [s for k, s in cited if k == n])
                        for n in sorted({n for n, _ in cited})]
    answer.count = next(iter(by_value)) if len(by_value) == 1 else None
    answer.timings["total_s"] = answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
    return answer


# An event of unknown year is offered as perhaps of the period when the period holds at least
# this share of the years its articles allow: "2022 or later" for a question about 2023, not
# "1996 or later" (an article that names only birth years) for one about 2021.
LIKELY_SHARE = 0.2


def _uncounted(q: EventQuestion, events: list[Event]) -> list[Event]:
    """The events of unknown year that may well be of the period asked and count what it asks for."""
    if len(q.targets) != 1 or q.kind == "which_year" or q.period is None:
        return []
    return [e for e in events if not e.year and e.possible_years and _may_be_in_period(e, q)
            and sum(y in q.period for y in e.possible_years) >= LIKELY_SHARE * len(e.possible_years)
            and _figure(e, q.targets[0])]


def _show_uncounted(answer: Answer, q: EventQuestion, counted: list[Event], maybe: list[Event],
                    numbers: dict, store: Store) -> list[Event]:
    """After the answer's first paragraph: each event of unknown year that may be of the period
    asked, with its passages cited, and the total with them. Returns those events (cited)."""
    passages, found = _passages(maybe, q, store)
    for key, n in found.items():
        if passages[n - 1] not in answer.passages:
            answer.passages.append(passages[n - 1])
        numbers[key] = answer.passages.index(passages[n - 1]) + 1
    target = q.targets[0]
    figures = [_figure(e, target) for e in counted + maybe]
    shown = "".join(_not_counted(e, target, q, _refs(e, numbers)) for e in maybe)
    # The years of the question it may be of ("2012, 2020 and 2023": 2023), else the period.
    named = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", answer.question)}
    possible = sorted(named & {y for e in maybe for y in e.possible_years})
    when = " or ".join(map(str, possible)) if possible else _period_label(q)
    they = "it is" if len(maybe) == 1 else "they are"
    shown += f" If {they} of {when}, the total is {_sum_shown(figures)}."
    first, _, rest = answer.text.partition("\n\n")
    answer.text = first.rstrip() + shown + (f"\n\n{rest}" if rest else "")
    return maybe


def _any_group(q: EventQuestion) -> EventQuestion:
    """The question with its groups dropped: 'how many civilians died at X' -> 'how many died at X'."""
    return replace(q, targets=[replace(t, nouns=()) for t in q.targets])


def _named_event(q: EventQuestion, events: list[Event], texts: dict[str, str]) -> Event | None:
    """The one event the question's names single out, whatever groups it counts; None if the
    names fit none, several, or one that counts the group asked with another outcome."""
    anyone = _any_group(q)
    found = match(anyone, events, lambda source: texts.get(source, ""))
    if found.unmet:
        return None
    named = one_event(anyone, found)
    if len(named) != 1:
        return None
    asked = {n for t in q.targets for n in t.nouns}
    if any(nouns_match(a, n) for a in asked for _, n in named[0].keys()):
        return None  # the group is there (another outcome): retrieval may know more
    return named[0]


def _none_of_group(question: str, q: EventQuestion, event: Event, store: Store, started: float,
                   model: str) -> Answer:
    # No markers, as for a period with no such events: nothing is cited as if it answered; the
    # passages given show what the articles say of the event.
    answer = Answer(question, model=model, period=q.period.label() if q.period else None, answered=False)
    answer.passages, numbers = _passages([event], _any_group(q), store)
    target = q.targets[0]
    same = [(fmt(c.value), noun) for o, noun in sorted(event.keys()) if o == target.outcome
            for c in [choose(group_reports(event, o, noun))] if c]
    verb = VERBS.get(target.outcome, target.outcome)
    held = ", ".join(f"{v} {plural(noun, 2) if noun else 'people'} {verb}" for v, noun in same)
    answer.text = (f"The articles report no {_noun(target)} {verb} in the event the question names "
                   f"({_when(event)}): they report {held or event.summary()}.")
    answer.route = "events"
    return _finish(answer, [event], numbers, started)


def _finish(answer: Answer, cited: list[Event], numbers: dict, started: float) -> Answer:
    # Each citation rests on the sentences of the counted events it reports (the UI highlights
    # them); score 1.0: the passage states the counted figure, an exact match, not a similarity.
    ids = {e.id for e in cited}
    answer.citations = [
        replace(Citation.of(n, answer.passages[n - 1],
                            [s for (eid, _, s), k in numbers.items() if k == n and eid in ids]), score=1.0)
        for n in cite.cited_numbers(answer.text, len(answer.passages))]
    inferred = [c.n for c in answer.citations if c.date_inferred]
    if inferred and "inferred" not in answer.text.split("\n\n")[0]:
        refs = "".join(f"[{n}]" for n in inferred)
        answer.text += f" The date of {refs} is inferred from the text: the article prints no date."
    answer.timings.setdefault("first_token_s", round(time.perf_counter() - started, 3))
    answer.timings["total_s"] = round(time.perf_counter() - started, 3)
    return answer


def _article_texts(store: Store) -> dict[str, str]:
    return {r["source"]: f"{r['title'] or ''}\n{r['body'] or ''}" for r in store.documents()}


# --- the arithmetic ----------------------------------------------------------------------------

def _figure(event: Event, target: Target) -> float:
    """What `event` adds to `target`: its chosen figure for each group asked ("soldiers and
    policemen": both); for people in general, its chosen toll."""
    total = 0.0
    for noun in target.nouns or ("",):
        choice = choose(group_reports(event, target.outcome, noun))
        total += choice.value if choice else 0
    return total if target.outcome != "any" else float(bool(total))


def _noun(target: Target, n: float = 2) -> str:
    if not target.nouns:
        return "people"
    return " and ".join(plural(noun, n) for noun in target.nouns)


def _when(event: Event) -> str:
    """'2012-08-15 in Ridgeford, Valle Norte', '15 October (year not given) in Norvik'."""
    if event.year:
        date = event.date + (" (date inferred)" if event.date_inferred else "")
    elif event.date:
        import calendar

        month = calendar.month_name[int(event.date[5:7])]
        date = f"{int(event.date[8:10])} {month}" if len(event.date) == 10 else month
        date += " (year not given)"
    else:
        date = "date not given"
    where = ", ".join(event.places[:2])
    return f"{date} in {where}" if where else date


def _refs(event: Event, numbers: dict) -> str:
    found = sorted({n for (eid, _, _), n in numbers.items() if eid == event.id})
    return "".join(f"[{n}]" for n in found)


def _total(answer: Answer, q: EventQuestion, events: list[Event], numbers: dict) -> list[Event]:
    parts, notes, told = [], [], set()
    events = sorted(events, key=lambda e: (not e.year, e.date))  # by date; those of no known year last
    for target in q.targets:
        counted = [(e, _figure(e, target)) for e in events]
        counted = [(e, v) for e, v in counted if v]
        told |= {e.id for e, _ in counted}
        if not counted:
            continue
        total = sum(v for _, v in counted)
        verb = "" if q.kind == "events" else f" {VERBS.get(target.outcome, target.outcome)}"
        if q.kind == "events":
            total = len(counted)
        span = f" in {_period_label(q)}" if q.period or q.months else ""
        head = f"{fmt(total)} {_noun(target, total)}{verb}{span}"
        if len(counted) == 1:
            e, v = counted[0]
            made = _made_of(e, target, v)
            made_of = f" ({made})" if made else ""
            parts.append(f"{head}{made_of}: {_told(e, numbers)}")
            if made and len(q.targets) == 1:
                answer.breakdown = f"{made[:1].upper()}{made[1:]}."  # shown after a wording that drops it
        else:
            each = "; ".join(f"{fmt(v)} on {_told(e, numbers)}" for e, v in counted)
            parts.append(f"{head}, in {len(counted)} events: {each} ({_sum_shown([v for _, v in counted])})")
        notes += _disagreements(target, [e for e, _ in counted])
        answer.notes.append(_arithmetic(target, counted))
    answer.text = ". ".join(p[0].upper() + p[1:] for p in parts) + "."
    if len(q.targets) == 1 and len(events) > 1:
        answer.breakdown = parts[0].split(": ", 1)[-1] if ": " in parts[0] else ""
    if q.stated_events and len(told) != q.stated_events and q.kind == "count":
        # "the two mine fires" and one found: the total is not the one asked for, and says so.
        notes.append(f"The question speaks of {q.stated_events} events; the articles report "
                     f"{len(told)} that meet{'s' * (len(told) == 1)} it.")
    if notes:  # in the answer itself: the reader must see that sources differ
        answer.text += "\n\n" + " ".join(notes)
        answer.breakdown = f"{answer.breakdown}\n\n{' '.join(notes)}".strip()
    answer.answered = bool(parts)
    return events


def _of_unknown_year(answer: Answer, q: EventQuestion, events: list[Event], numbers: dict) -> list[Event]:
    """'12,000 jobs cut: 20 January (year not given) [1]. The articles do not give its year (they
    allow 2022 or later), so whether it falls in 2022 cannot be checked.' Several such events are
    listed, not added up: their sum is of no period the question asks about."""
    parts, with_figure = [], set()
    for target in q.targets:
        figures = [(e, value) for e in events if (value := _figure(e, target))]
        for e, value in figures:
            verb = VERBS.get(target.outcome, target.outcome)
            parts.append(f"{fmt(value)} {_noun(target, value)} {verb}: {_told(e, numbers)}")
        if figures:
            answer.notes.append(_arithmetic(target, figures))
        with_figure |= {e.id for e, _ in figures}
    shown = [e for e in events if e.id in with_figure]
    allowed = [f"{bounds} {_refs(e, numbers)}" for e in shown if (bounds := _years(e.possible_years))]
    one = len(shown) == 1
    answer.text = ("; ".join(parts) + ". " if parts else "") + (
        f"The articles do not give {'its year' if one else 'the years of these events'}"
        + (f" (they allow {', '.join(allowed)})" if allowed else "")
        + f", so whether {'it falls' if one else 'they fall'} in {_period_label(q)} cannot be checked"
        + ("" if one else ", and they are not added up") + ".")
    answer.notes += [n for t in q.targets for n in _disagreements(t, shown)]
    answer.answered = bool(parts)
    return shown


def _sum_shown(values: list[float]) -> str:
    """'4 + 7 = 11'; a single figure alone: '4'."""
    total = fmt(sum(values))
    return f"{' + '.join(fmt(v) for v in values)} = {total}" if len(values) > 1 else total


def _made_of(event: Event, target: Target, value: float) -> str:
    """'4 fighters and 2 soldiers: 4 + 2 = 6' when the event's figure is the sum of groups its
    sentences count apart ("left four rebel fighters dead. Two soldiers were also killed") and
    none of them states it; '' otherwise."""
    if target.nouns or any(re.search(rf"\b{fmt(value)}\b", m.sentence) for m in event.mentions):
        return ""
    groups = [(c.value, noun) for outcome, noun in sorted(event.keys()) if outcome == target.outcome and noun
              for c in [choose(group_reports(event, outcome, noun))] if c]
    if len(groups) < 2 or sum(v for v, _ in groups) != value:
        return ""
    told = " and ".join(f"{fmt(v)} {plural(noun, v)}" for v, noun in groups)
    return f"{told}: {_sum_shown([v for v, _ in groups])}"


def _period_label(q: EventQuestion) -> str:
    if q.months:
        import calendar

        return " and ".join(f"{calendar.month_name[int(m[5:])]} {m[:4]}" for m in q.months)
    if q.period and q.period.start < q.period.end >= dt.date.today().year:
        return f"{q.period.start} or later"  # "since 2020": the question names no end year
    return q.period.label() if q.period else ""


def _told(event: Event, numbers: dict) -> str:
    """'2024-03-07 in X, reported by 2 articles [1][2]': when, where, by how many, cited."""
    return f"{_when(event)}{_reported(event)} {_refs(event, numbers)}"


def _reported(event: Event) -> str:
    n = len(event.sources)
    return f", reported by {n} articles" if n > 1 else ""


def _which_year(answer: Answer, q: EventQuestion, events: list[Event], numbers: dict) -> list[Event]:
    """The year with the highest count; returns the events it cites (every year's, and those of
    unknown year shown beside it)."""
    target = q.targets[0]
    per_year: dict[int, list[tuple[Event, float]]] = defaultdict(list)
    for e in events:
        if e.year:
            per_year[e.year].append((e, _figure(e, target)))
    if not per_year:
        answer.text, answer.answered = "The articles give no year for these events.", False
        return []
    totals = {y: sum(v for _, v in items) for y, items in per_year.items()}
    best = max(totals.values())
    top = sorted(y for y, t in totals.items() if t == best)
    def year_refs(years: list[int]) -> str:
        return "".join(dict.fromkeys(_refs(e, numbers) for y in years for e, _ in per_year[y]))

    refs = year_refs(top)
    # Each year compared against is cited too: "against 2 in 2020 [4]" is checkable.
    others = ", ".join(f"{fmt(totals[y])} in {y} {year_refs([y])}" for y in sorted(totals) if y not in top)
    label = " and ".join(str(y) for y in top)
    verb = VERBS.get(target.outcome, target.outcome)
    superlative = "the deadliest year" if target.outcome == "killed" \
        else f"the year with the most {_noun(target)} {verb}"
    head = f"{superlative} for {_noun(target)}" if target.outcome == "killed" else superlative
    answer.text = (f"{label} {'was' if len(top) == 1 else 'were equally'} {head}: "
                   f"{fmt(best)} {verb} {refs}"
                   + (f", against {others}." if others else "."))
    # An event of unknown year could change the answer: the reader sees it, cited, and what the
    # answer would be were they all of one year the articles allow.
    unknown = [e for e in events if not e.year and _figure(e, target) and _may_be_in_period(e, q)]
    answer.text += "".join(_not_counted(e, target, q, _refs(e, numbers)) for e in unknown)
    years = set.intersection(*(set(e.possible_years) for e in unknown)) if unknown else set()
    extra = [_figure(e, target) for e in unknown]
    if years and not any(totals.get(y) for y in years) and sum(extra) > best:
        they = "it is" if len(unknown) == 1 else "they are all"
        answer.text += (f" If {they} of one year ({_years(sorted(years))}), that year was {superlative}: "
                         f"{_sum_shown(extra)}.")
    answer.answered = True
    answer.notes.append(_arithmetic(target, [(e, v) for y in sorted(per_year) for e, v in per_year[y]]))
    return [e for y in sorted(per_year) for e, _ in per_year[y]] + unknown


def _which_event(answer: Answer, q: EventQuestion, events: list[Event], undated: list[Event], store: Store,
                 started: float) -> Answer | None:
    """'The deadliest event reported: 162 people killed, <when, where> [1]; after it, ...'
    The events ranked by their chosen figures; one whose year is not given, when a period is
    asked, is shown beside them, not ranked. Not worded by the model: the ranking is the answer."""
    target = q.targets[0]
    ranked = sorted(((e, v) for e in events if (v := _figure(e, target))), key=lambda ev: -ev[1])
    if not ranked:
        return None
    maybe = [e for e in _uncounted(q, undated) if _figure(e, target)]
    best = ranked[0][1]
    top = [(e, v) for e, v in ranked if v == best]
    rest = ranked[len(top):len(top) + 2]
    shown = top + rest
    answer.passages, numbers = _passages([e for e, _ in shown] + maybe, q, store)
    verb = VERBS.get(target.outcome, target.outcome)
    # (How many events were ranked is in the arithmetic note: no passage states that number.)
    span = f" in {_period_label(q)}" if q.period or q.months else ""
    deadliest = target.outcome == "killed" and not target.nouns
    lead = f"The deadliest event reported{span}" if deadliest \
        else f"The most {_noun(target)} {verb} in one event reported{span}"
    figure = f"{fmt(best)} {_noun(target, best)} {verb}"
    if len(top) == 1:
        answer.text = f"{lead}: {figure}, {_told(top[0][0], numbers)}"
    else:
        each = " and ".join(_told(e, numbers) for e, _ in top)
        answer.text = f"{lead}, equally: {figure} each, {each}"
    if rest:  # (lower case: a capitalised "Next" would read as a name the articles do not give)
        answer.text += "; after it, " + " and ".join(
            f"{fmt(v)} {_noun(target, v)} {verb}, {_told(e, numbers)}" for e, v in rest)
    answer.text += "."
    answer.text += "".join(_not_counted(e, target, q, _refs(e, numbers)) for e in maybe)
    notes = _disagreements(target, [e for e, _ in shown])
    if notes:  # in the answer itself: the ranking rests on the figures chosen
        answer.text += "\n\n" + " ".join(notes)
    answer.answered = True
    answer.notes.append(_arithmetic(target, ranked))
    return _finish(answer, [e for e, _ in shown] + maybe, numbers, started)


def _none_in_period(answer: Answer, q: EventQuestion, relevant: list[Event], shown: list[Event],
                    numbers: dict) -> None:
    # No markers: nothing is cited as if it answered; the passages show what the articles do say.
    # `shown`: events of unknown year the caller shows, cited, as perhaps of the period; then the
    # years the articles do report are cited too, for the reader to check them.
    target = q.targets[0]
    # With the names the events must give: "no soldiers killed in 2012" would deny 2012's others.
    named = f" that names {' and '.join(q.names)}" if q.names else ""
    dated = f" in an event{' of known year' if shown else ''}{named}" if shown or named else ""
    if q.kind == "events":
        on = f" on {_noun(target)}" if target.nouns else ""
        answer.text = f"The articles report no events{on} in {_period_label(q)}{dated}"
    else:
        answer.text = (f"The articles report no {_noun(target)} {VERBS.get(target.outcome, target.outcome)} "
                       f"in {_period_label(q)}{dated}")
    def year(y: int) -> str:
        refs = "".join(dict.fromkeys(_refs(e, numbers) for e in relevant if e.year == y))
        return f"{y} {refs}" if shown and refs else str(y)

    years = ", ".join(year(y) for y in sorted({e.year for e in relevant if e.year}))
    unknown = [e for e in relevant if not e.year]
    undated = f"{len(unknown)} event{'s' * (len(unknown) > 1)} whose year the articles do not give" \
        if unknown else ""
    held = " and ".join(x for x in (years, undated) if x)
    answer.text += f"; they report such figures only for {held}." if held else "."
    # No figure is counted for the period, but the reader sees what might belong to it.
    answer.text += "".join(_not_counted(e, target, q) for e in unknown if _may_be_in_period(e, q)
                           and e not in shown)
    answer.answered = False


def _may_be_in_period(event: Event, q: EventQuestion) -> bool:
    """An event of unknown year that its own articles report, or that one recalls by month (a
    recollection with no bound on its year is not offered), and whose possible years meet the
    question's period."""
    return (any(m.role == "main" for m in event.mentions) or bool(event.possible_years)) and (
        q.period is None or not event.possible_years or any(y in q.period for y in event.possible_years))


def _not_counted(event: Event, target: Target, q: EventQuestion, refs: str = "") -> str:
    """' Not counted, as its year is not given: 4 soldiers killed in one event ...': the figure
    asked for, not every group the event's reports mention. `refs`: its passages' markers."""
    figure = _figure(event, target) if q.kind != "events" else 0
    what = f"{fmt(figure)} {_noun(target, figure)} {VERBS.get(target.outcome, target.outcome)}" \
        if figure else event.summary()
    bounds = _years(event.possible_years)
    return (f" Not counted, as its year is not given: {what} in one event reported by "
            f"{len(event.sources)} article{'s' * (len(event.sources) > 1)}"
            + (f" (which allow {bounds})" if bounds else "") + (f" {refs}" if refs else "") + ".")


def _years(years: list[int]) -> str:
    """[2022, 2023, 2024] -> '2022 to 2024'; up to this year: '2022 or later'; from the earliest
    year the index reckons with: '2023 or earlier'; both: '' (no bound)."""
    if len(years) > 1 and years[0] <= EARLIEST_YEAR:
        return "" if years[-1] >= dt.date.today().year else f"{years[-1]} or earlier"
    if len(years) > 1 and years[-1] >= dt.date.today().year:
        return f"{years[0]} or later"
    return str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"


def _disagreements(target: Target, events: list[Event]) -> list[str]:
    notes = []
    for e in events:
        for noun in target.nouns or ("",):
            reports = group_reports(e, target.outcome, noun)
            choice = choose(reports)
            if choice is None or not choice.others:
                continue
            group = _noun(Target(target.outcome, (noun,) if noun else (), ""))
            if len(reports) == 1:  # an article may give two: an official figure and an aid group's
                which = "latest" if target.outcome == "missing" else "highest"
                told = " and ".join(fmt(v) for v in sorted({choice.value, *choice.others}))
                notes.append(f"The report of the event of {_when(e)} gives more than one figure for {group} "
                             f"{VERBS.get(target.outcome, target.outcome)}: {told}; counted "
                             f"{fmt(choice.value)}, its {which}.")
                continue
            by_value: dict[float, int] = defaultdict(int)
            for r in reports:
                for v in (r.value, *r.also):
                    by_value[v] += 1
            told = " and ".join(f"{fmt(v)} in {n} article{'s' * (n > 1)}"
                                for v, n in sorted(by_value.items()))
            notes.append(f"Reports of the event of {_when(e)} differ on {group} "
                         f"{VERBS.get(target.outcome, target.outcome)}: {told}; counted {fmt(choice.value)}, "
                         f"{choice.rule}.")
    return notes


def _arithmetic(target: Target, counted: list[tuple[Event, float]]) -> str:
    lines = [f"How this was counted: {len(counted)} distinct event(s) from the event table "
             "(`rag events`); an event reported by several articles is counted once."]
    for e, v in counted:
        sources = ", ".join(s.rsplit("/", 1)[-1] for s in e.sources)
        lines.append(f"- {e.id} {_when(e)}: {fmt(v)} ({e.summary()}) from {sources}")
    return "\n".join(lines)


# --- passages and citations -------------------------------------------------------------------

def _passages(events: list[Event], q: EventQuestion, store: Store) -> tuple[list[Passage], dict]:
    """For each event and article, the passage holding the sentence that states a counted figure
    (the article's first passage for a headline). Returns the passages and
    {(event id, source, sentence): passage number}."""
    chunks = keyword_index(store).by_source()
    passages: list[Passage] = []
    numbers: dict[tuple[str, str, str], int] = {}
    for event in events:
        for target in q.targets:
            for noun in target.nouns or ("",):
                for r in group_reports(event, target.outcome, noun):
                    key = (event.id, r.source, r.sentence)
                    article = chunks.get(_source_path(r.source, chunks), [])
                    # A headline is in no passage's text: the article's first passage shows it.
                    home = _home(r.source, r.sentence, chunks) or (article[0] if article else None)
                    if home is None or key in numbers:
                        continue
                    if home not in passages:
                        passages.append(home)
                    numbers[key] = passages.index(home) + 1
    return passages, numbers


def _home(source: str, sentence: str, chunks: dict[str, list[Passage]]) -> Passage | None:
    """The passage of article `source` that holds `sentence`."""
    return next((p for p in chunks.get(_source_path(source, chunks), []) if sentence in p.text), None)


def _source_path(source: str, chunks: dict) -> str:
    return source if source in chunks else next((s for s in chunks if s.endswith("/" + source)), source)


# --- wording ----------------------------------------------------------------------------------

PHRASE_SYSTEM = (
    "Rewrite the facts as a short, plain answer to the question, in one or two sentences. "
    "Use only the figures and dates in the facts, keep every [n] marker, and say when a date is inferred."
)
PHRASE_WITH_PASSAGES = (
    "Answer the question in two or three sentences. Take the counts from the facts, exactly as they "
    "are; answer the rest of the question from the numbered passages, citing them like [1]. Use only "
    "names and figures that the facts or passages state; if the passages do not say, write that the "
    "articles counted do not say. Do not mention the facts or the passages themselves."
)


def _other_years(facts: str, chosen: list[str]) -> set[str]:
    """The years a 'which year' answer compares against ('..., against 5 in 2012')."""
    return set(re.findall(r"\b(?:19|20)\d\d\b", facts.split("\n\n")[0])) - set(chosen) if chosen else set()


def _phrase(answer: Answer, settings: Settings, q: EventQuestion, store: Store) -> None:
    """Let the LLM word the computed answer (and, for a question that asks more than a count, answer
    the rest from the counted articles' passages). Its wording is kept only if it states no figure
    and no name that the facts, the passages and the question do not, keeps the total and cites
    only what the facts cite."""
    from rag.context import as_data, focus
    from rag.models import llm_lock, load_llm
    from rag.retrieve import retrieve_within

    facts = answer.text
    if q.other_part:
        # The rest of the question ("and which ones?") is answered from the counted articles'
        # passages that bear on it, the count's own passages first, cut to their relevant sentences.
        sources = {p.source for p in answer.passages}
        for extra in retrieve_within(answer.question, settings, store, sources, settings.top_k):
            if len(answer.passages) >= settings.top_k:
                break
            if all(extra.id != p.id for p in answer.passages):
                answer.passages.append(extra)
        focus(answer.question, answer.passages, settings.passage_budget, settings)
        blocks = "\n\n".join(f"[{n}] {as_data(p.title)}\n{as_data(p.excerpt or p.text)}"
                             for n, p in enumerate(answer.passages, 1))
        messages = [{"role": "system", "content": PHRASE_WITH_PASSAGES},
                    {"role": "user", "content": f"Passages:\n\n{blocks}\n\nFacts: {facts}\n\n"
                                                f"Question: {answer.question}"}]
        grounds = facts + " " + " ".join(f"{p.title} {p.excerpt or p.text}" for p in answer.passages)
    else:
        messages = [{"role": "system", "content": PHRASE_SYSTEM},
                    {"role": "user", "content": f"Question: {answer.question}\nFacts: {facts}"}]
        grounds = facts
    grounds += " " + _spelled_dates(facts)  # "2022-10-15" may be worded "October 15, 2022"
    llm = load_llm(settings)
    started = time.perf_counter()
    with llm_lock(settings):
        reply = llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1,
                                           max_tokens=200 if q.other_part else 160)
    usage = reply.get("usage") or {}  # an LLM server may not report it
    answer.prompt_tokens = usage.get("prompt_tokens", 0)
    answer.completion_tokens = usage.get("completion_tokens", 0)
    answer.raw_reply = text = (reply["choices"][0]["message"]["content"] or "").strip()
    answer.timings["phrasing_s"] = round(time.perf_counter() - started, 3)
    available = len(answer.passages)
    wanted = set(cite.cited_numbers(facts, available))
    totals = re.findall(r"(?:^|\. )([\d,.]+)", facts.split("\n\n")[0])
    # The year a "which year" answer found must be the one worded: figures are checked as
    # numbers, and a year is a date to them, so "2020 was the deadliest" would pass for 2012.
    years = re.findall(r"\b(?:19|20)\d\d\b", facts.split(" was", 1)[0]) if q.kind == "which_year" else []
    ok = (text and not cite.is_refusal(text)
          and not cite.unsupported_numbers(text, grounds + " " + answer.question)
          and not unsupported_names(text, grounds + " " + answer.question)
          and all(t.replace(",", "").rstrip(".") in cite.numbers(text) for t in totals)
          and all(re.search(rf"\b{y}\b", text) for y in years)
          and not any(re.search(rf"\b{y}\b.{{0,40}}\bdeadliest", text) for y in _other_years(facts, years))
          and (q.other_part or set(cite.cited_numbers(text, available)) <= wanted)
          and cite.strip_invalid(text, available) == text)
    if ok:
        if not cite.cited_numbers(text, available):  # small models drop markers: put them back
            text = text.rstrip() + " " + "".join(f"[{n}]" for n in sorted(wanted))
        answer.text = text + (f"\n\n{answer.breakdown}" if answer.breakdown else "")
    else:
        answer.notes.append("(The model's wording of the count did not match the facts; the "
                            "computed answer is shown.)")
        if q.other_part:
            answer.notes.append("(The rest of the question is not answered: the model's answer stated "
                                "something the articles counted do not.)")


def _spelled_dates(text: str) -> str:
    """The month (and weekday) names of the ISO dates in `text`: what a wording may call them."""
    import calendar
    import datetime as dt

    out = []
    for m in re.finditer(r"\b(\d{4})-(\d\d)(?:-(\d\d))?\b", text):
        if 1 <= int(m.group(2)) <= 12:
            out.append(calendar.month_name[int(m.group(2))])
            if m.group(3):
                try:
                    out.append(calendar.day_name[dt.date(*map(int, m.groups())).weekday()])
                except ValueError:
                    pass
    return " ".join(out)


NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")


def unsupported_names(text: str, grounds: str) -> list[str]:
    """Capitalised names in `text` (not opening a sentence) that `grounds` never writes."""
    have = grounds.lower()
    out = []
    for m in NAME.finditer(cite.MARKER.sub(" ", text)):
        name = m.group(0)
        if any(w.lower() not in have for w in re.findall(r"[\w'’-]+", name) if len(w) > 2):
            out.append(name)
    return out
