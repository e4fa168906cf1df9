"""Count and date questions answered from the event table, not from passages.

question -> CountQuestion (what to count, which outcome, which years) -> matching events, each
counted once however many outlets report it -> the sum, shown with its breakdown -> the LLM
phrases it (checked: it may not state a figure the arithmetic does not give) -> citations to
the sentence every counted figure comes from.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from index.dates import Period, question_period
from index.events import Event, Mention, category_matches, fmt, places_in
from index.settings import Settings
from index.store import Store
from rag import citations as cite
from rag.answer import Answer, Citation
from rag.retrieve import Passage, keyword_index

CATEGORY_WORDS = [
    ("police", r"police(?:m[ae]n|women)?|officers|law enforcement"),
    ("soldiers", r"soldiers?|troops|military|army|servicem[ae]n|armed forces"),
    ("rebels", r"rebels?|guerrill?as?|insurgents?|militants?|terrorists?|senderistas?|fighters|attackers"
               r"|members of the shining path|shining path (?:members|militants)"),
    ("civilians", r"civilians?|villagers?|farmers?|workers?|hostages?"),
    ("people", r"people|persons|deaths|lives|casualties|fatalities|victims"),
]
OUTCOME_WORDS = [
    ("killed", r"died|die|killed|kill|dead|deaths?|deadliest|deadlier|fatalities|lost their lives|lives"),
    ("injured", r"injured|wounded|hurt|injuries"),
    ("kidnapped", r"kidnap|kidnapped|kidnappings?|abducted|abduct|hostages?|taken hostage"),
    ("captured", r"captured|arrested|detained"),
    ("seized", r"seized|seize|confiscated|seizures?"),
]
SUBSTANCES = r"cocaine|marijuana|cannabis|drugs|coca paste|precursor chemicals|chemicals|explosives"
EVENT_NOUNS = r"attacks|clashes|ambushes|incidents|events|battles|confrontations|kidnappings"


# "How many died in the internal conflict?" asks for a war's toll, which is not a sum of events.
NOT_EVENTS = re.compile(r"\b(conflict|war|insurgency|decades|since the \d{4}s|how many more|how many fewer"
                        r"|how much more|difference|how many of|freed|released|rescued|survived"
                        r"|how many (?:days|weeks|months|years|hours|times))\b", re.I)
SECURITY_FORCES = re.compile(r"\bsecurity forces\b", re.I)


@dataclass
class CountQuestion:
    kind: str  # "count" (how many), "events" (how many attacks), "which_year" (deadliest year)
    categories: tuple[str, ...]  # soldiers, police, rebels, civilians, people, a substance, or "any"
    outcome: str  # killed, injured, kidnapped, captured, seized, or "any"
    period: Period | None
    places: tuple[str, ...] = ()  # places the question names, matched against the events'


def parse(question: str) -> CountQuestion | None:
    """A counting or 'which year' question, or None when this is not one."""
    q = question.lower()
    which_year = re.search(r"\b(which|what|in which) year\b", q) and re.search(
        r"\b(deadliest|most|highest|worst|bloodiest)\b", q)
    how_many = re.search(r"\b(how many|how much|number of|total|in all|altogether)\b", q)
    if not (which_year or how_many) or NOT_EVENTS.search(q):
        return None
    period = question_period(question)
    outcome = next((name for name, words in OUTCOME_WORDS if re.search(rf"\b(?:{words})\b", q)), "")
    if re.search(r"\b(deadliest|bloodiest)\b", q):
        outcome = "killed"
    substance = re.search(rf"\b({SUBSTANCES})\b", q)
    if substance and outcome in ("", "seized"):
        return CountQuestion("count", (substance.group(1),), "seized", period)
    categories = tuple(name for name, words in CATEGORY_WORDS if re.search(rf"\b(?:{words})\b", q))
    if SECURITY_FORCES.search(q):
        categories = tuple(dict.fromkeys(("soldiers", "police", *categories)))
    if "people" in categories and len(categories) > 1:
        categories = tuple(c for c in categories if c != "people")  # "people" there is a filler word
    if re.search(rf"\bhow many ({EVENT_NOUNS})\b", q):
        return CountQuestion("events", categories or ("any",), outcome or "any", period)
    if not outcome or not (categories or outcome == "killed"):
        return None  # "how many fighters does the group have?" is not about events
    kind = "which_year" if which_year and not re.search(r"\bhow many\b", q) else "count"
    return CountQuestion(kind, categories or ("people",), outcome, period)


def load_events(store: Store) -> list[Event]:
    import json

    return [Event.from_dict(json.loads(r["data"])) for r in store.event_rows()]


def answer_from_events(question: str, settings: Settings, store: Store, started: float,
                       period: Period | None = None, model: str = "") -> Answer | None:
    """The answer to a counting question, or None to let ordinary retrieval answer it."""
    parsed = parse(question)
    if parsed is None:
        return None
    if period is not None:
        parsed.period = period
    events = load_events(store)
    known_places = {p.lower() for e in events for p in e.places}
    if any(p.lower() not in known_places for p in places_in(question)):
        return None  # "killed in Colombia": no event there; retrieval may still know the place
    relevant = [e for e in events if _counts(e, parsed) is not None]
    # "in the Mazangaro attack and the Putis clash": only the events at the places named.
    words = set(re.findall(r"\w+", question.lower()))
    parsed.places = tuple(sorted(p for p in known_places if set(p.split()) <= words))
    if parsed.places:
        relevant = [e for e in relevant if any(p.lower() in parsed.places for p in e.places)]
    elif not relevant:
        return None  # the table knows nothing of this kind: retrieval may still find it
    in_period = [e for e in relevant if parsed.period is None or e.year in parsed.period]
    answer = Answer(question, model=model, period=parsed.period.label() if parsed.period else None)
    answer.timings["retrieval_s"] = round(time.perf_counter() - started, 3)
    shown = in_period or relevant
    answer.passages, numbers, sentences = _passages(shown, parsed, store)
    if not in_period:
        cited = _none_in_period(answer, parsed, relevant, numbers)
    elif parsed.kind == "which_year":
        cited = _which_year(answer, parsed, in_period, numbers)
    else:
        cited = _total(answer, parsed, in_period, numbers)
    if answer.answered and settings.phrase_counts:
        _phrase(answer, settings)
    # Each citation rests on the sentences of the counted events it reports (the UI highlights
    # them); score 1.0: the passage states the counted figure, an exact match, not a similarity.
    answer.citations = [
        replace(Citation.of(n, answer.passages[n - 1], _support(n, cited, numbers, sentences)), score=1.0)
        for n in cite.cited_numbers(answer.text, len(answer.passages))]
    inferred = [c.n for c in answer.citations if c.date_inferred]
    if inferred and "inferred" not in answer.text.split("\n\n")[0]:
        refs = "".join(f"[{n}]" for n in inferred)
        answer.text += f" The date of {refs} is inferred from the text: the article prints no date."
    answer.timings.setdefault("first_token_s", round(time.perf_counter() - started, 3))
    answer.timings["total_s"] = round(time.perf_counter() - started, 3)
    return answer


def _wanted(q: CountQuestion, category: str) -> bool:
    return any(category_matches(category, want) for want in q.categories)


def _counts(event: Event, q: CountQuestion) -> float | None:
    """What `event` adds to the count asked for (1 per event for 'how many attacks')."""
    keys = [(c, o) for c, o in event.keys()
            if (q.outcome == "any" or o == q.outcome) and _wanted(q, c)]
    if not keys:
        return None
    if q.kind == "events":
        return 1
    groups = sum(event.figure(c, o) or 0 for c, o in keys if c != "people")
    # "six people dead: four rebels and two soldiers" states one total, not a seventh group.
    told_total = max((event.figure(c, o) or 0 for c, o in keys if c == "people"), default=0)
    return max(groups, told_total)


def _stated_in(m: Mention, q: CountQuestion) -> bool:
    return any(_wanted(q, c.category) and q.outcome in ("any", c.outcome) for c in m.counts)


def _passages(events: list[Event], q: CountQuestion, store: Store) -> tuple[list[Passage], dict, dict]:
    """For each event and article, the passage holding the first sentence that states the counted
    figure: what the answer cites. Returns the passages, {(event id, source): number} and
    {(event id, source): that sentence}."""
    chunks = defaultdict(list)
    for p in keyword_index(store).passages:
        chunks[p.source].append(p)
    passages: list[Passage] = []
    numbers: dict[tuple[str, str], int] = {}
    sentences: dict[tuple[str, str], str] = {}
    for event in events:
        for m in event.mentions:
            if (event.id, m.source) in numbers or not _stated_in(m, q):
                continue
            home = next((p for p in chunks.get(m.source, []) if m.sentence in p.text), None)
            if home is None:
                continue
            if home not in passages:
                passages.append(home)
            numbers[(event.id, m.source)] = passages.index(home) + 1
            sentences[(event.id, m.source)] = m.sentence
    return passages, numbers, sentences


def _support(n: int, cited: list[Event], numbers: dict, sentences: dict) -> list[str]:
    """The sentences of passage n that state the figures of the events the answer counts."""
    ids = {e.id for e in cited}
    return [sentences[key] for key, number in numbers.items() if number == n and key[0] in ids]


def _refs(event: Event, numbers: dict[tuple[str, str], int]) -> str:
    found = sorted({n for (eid, _), n in numbers.items() if eid == event.id})
    return "".join(f"[{n}]" for n in found)


VERBS = {"killed": "killed", "injured": "injured", "kidnapped": "kidnapped", "captured": "captured",
         "seized": "seized", "any": "affected"}


def _noun(q: CountQuestion, n: float = 2) -> str:
    if q.outcome == "seized":
        return f"kg of {q.categories[0]}"
    if q.kind == "events":
        return "event" if n == 1 else "events"
    return " and ".join({"any": "people"}.get(c, c) for c in q.categories)


def _when(event: Event) -> str:
    """'2012-08-15 in Mazangaro, Junin', '2023 (date inferred) in Putis, Ayacucho'."""
    date = event.date + (" (date inferred)" if event.date_inferred else "")
    where = ", ".join(event.places[:2])
    return f"{date} in {where}" if where else date


def _reported(event: Event) -> str:
    n = len(event.sources)
    return f", reported by {n} articles" if n > 1 else ""


def _total(answer: Answer, q: CountQuestion, events: list[Event], numbers: dict) -> list[Event]:
    counted = [(e, _counts(e, q) or 0) for e in events]
    total = sum(v for _, v in counted)
    verb = "" if q.kind == "events" else f" {VERBS[q.outcome]}"
    span = f"in {q.period.label()}" if q.period else "across the articles"
    head = f"{fmt(total)} {_noun(q, total)}{verb} {span}"
    if len(counted) == 1:
        e = events[0]
        what = "" if q.kind == "events" else " in one event"
        answer.text = f"{head}{what}: {_when(e)}{_reported(e)} {_refs(e, numbers)}."
    else:
        parts = "; ".join(f"{fmt(v)} on {_when(e)}{_reported(e)} {_refs(e, numbers)}" for e, v in counted)
        sums = " + ".join(fmt(v) for _, v in counted)
        answer.text = f"{head}, in {len(counted)} events: {parts} ({sums} = {fmt(total)})."
        answer.breakdown = f"Counted: {parts} ({sums} = {fmt(total)})."
    disagreements = " ".join(_disagreements(q, events))
    if disagreements:  # in the answer itself: the reader must see that sources differ
        answer.text += f"\n\n{disagreements}"
        answer.breakdown = f"{answer.breakdown}\n\n{disagreements}".strip()
    answer.answered = True
    answer.notes.append(_arithmetic(q, counted))
    return events


def _which_year(answer: Answer, q: CountQuestion, events: list[Event], numbers: dict) -> list[Event]:
    """The year with the highest count; returns the events of that year (the ones cited)."""
    per_year: dict[int, list[tuple[Event, float]]] = defaultdict(list)
    for e in events:
        per_year[e.year].append((e, _counts(e, q) or 0))
    totals = {y: sum(v for _, v in items) for y, items in per_year.items()}
    best = max(totals.values())
    top = sorted(y for y, t in totals.items() if t == best)
    refs = "".join(_refs(e, numbers) for y in top for e, _ in per_year[y])
    others = ", ".join(f"{fmt(totals[y])} in {y}" for y in sorted(totals) if y not in top)
    label = " and ".join(str(y) for y in top)
    superlative = "the deadliest year" if q.outcome == "killed" else "the year with the most"
    answer.text = (f"{label} {'was' if len(top) == 1 else 'were equally'} {superlative} for {_noun(q)}: "
                   f"{fmt(best)} {VERBS[q.outcome]} {refs}" + (f", against {others}." if others else "."))
    answer.answered = True
    answer.notes.append(_arithmetic(q, [(e, v) for y in sorted(per_year) for e, v in per_year[y]]))
    return [e for y in top for e, _ in per_year[y]]


def _none_in_period(answer: Answer, q: CountQuestion, relevant: list[Event], numbers: dict) -> list[Event]:
    # No markers: nothing is cited as if it answered; the passages show what the articles do say.
    where = f" at {', '.join(p.title() for p in q.places)}" if q.places else ""
    period = f" in {q.period.label()}" if q.period else ""
    answer.text = f"The articles report no {_noun(q)} {VERBS[q.outcome]}{where}{period}"
    years = ", ".join(str(y) for y in sorted({e.year for e in relevant}))
    answer.text += f"; they report such figures only for {years}." if years else "."
    answer.answered = False
    return []


PHRASE_SYSTEM = (
    "Rewrite the facts as a short, plain answer to the question, in one or two sentences. "
    "Use only the figures and dates in the facts, keep every [n] marker, and say when a date is inferred."
)


def _phrase(answer: Answer, settings: Settings) -> None:
    """Let the LLM word the computed answer. Its wording is kept only if it states no figure
    the facts do not, keeps the total and cites every counted source."""
    from rag.models import llm_lock, load_llm

    facts = answer.text
    messages = [{"role": "system", "content": PHRASE_SYSTEM},
                {"role": "user", "content": f"Question: {answer.question}\nFacts: {facts}"}]
    llm = load_llm(settings)
    started = time.perf_counter()
    with llm_lock(settings):
        reply = llm.create_chat_completion(messages=messages, temperature=0.0, top_k=1,
                                           max_tokens=160)
    usage = reply.get("usage") or {}  # an LLM server may not report it
    answer.prompt_tokens = usage.get("prompt_tokens", 0)
    answer.completion_tokens = usage.get("completion_tokens", 0)
    answer.raw_reply = text = (reply["choices"][0]["message"]["content"] or "").strip()
    answer.timings["phrasing_s"] = round(time.perf_counter() - started, 3)
    available = len(answer.passages)
    wanted = set(cite.cited_numbers(facts, available))
    total = re.match(r"[\d.]+|\d{4}", facts)
    ok = (text and not cite.is_refusal(text)
          and not cite.unsupported_numbers(text, facts + " " + answer.question)
          and (total is None or total.group(0) in cite.numbers(text))
          and set(cite.cited_numbers(text, available)) <= wanted
          and cite.strip_invalid(text, available) == text)
    if ok:
        if not cite.cited_numbers(text, available):  # small models drop markers: put them back
            text = text.rstrip() + " " + "".join(f"[{n}]" for n in sorted(wanted))
        answer.text = text + (f"\n\n{answer.breakdown}" if answer.breakdown else "")
    else:
        answer.notes.append("(The model's wording of the count did not match the arithmetic; the "
                            "computed answer is shown.)")


def _arithmetic(q: CountQuestion, counted: list[tuple[Event, float]]) -> str:
    lines = [f"How this was counted: {len(counted)} distinct event(s) from the event table "
             "(`rag events`); an event reported by several articles is counted once."]
    for e, v in counted:
        sources = ", ".join(s.rsplit("/", 1)[-1] for s in e.sources)
        lines.append(f"- {e.id} {_when(e)}: {fmt(v)} ({e.summary()}) from {sources}")
    return "\n".join(lines)


def _disagreements(q: CountQuestion, events: list[Event]) -> list[str]:
    notes = []
    for e in events:
        for c, o in sorted(e.keys()):
            figures = e.figures(c, o)
            if len(figures) < 2 or not _wanted(q, c) or q.outcome not in ("any", o):
                continue
            reported = " and ".join(f"{fmt(v)} in {n} article{'s' * (n > 1)}"
                                    for v, n in sorted(figures.items()))
            chosen = e.figure(c, o) or 0
            why = "the figure most articles give" if figures[chosen] > min(figures.values()) else \
                "the highest reported, as a toll usually rises while bodies are found"
            notes.append(f"Reports of the event of {_when(e)} disagree on {c} {o}: {reported}; "
                         f"counted {fmt(chosen)}, {why}.")
    return notes
