"""A counting question -> the events that answer it, every constraint of the question met.

"How many soldiers and policemen were killed in the raids on X and on Y in 2024?" asks for one
or more targets (an outcome and the group counted: killed soldiers, killed policemen), a period,
and names. Each counted event must meet all of them: the group matches by lemma or a covering
word (vocab.nouns_match), the period holds its date, and every name the question gives is in the
event's articles, or an alternative to it is ('X and Y' coordinated: either, but each in some
event). When a constraint cannot be met the table does not answer (`match` returns None).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.chunk import sentences
from index.dates import MONTHS, Period, question_period
from index.events import Event
from index.events.extract import EVENT_WORDS, _noun_name, _number, _of_object, fold, names_in
from index.events.vocab import MEASURE_UNITS, nouns_match, outcome_of
from index.nlp import nlp

COUNTING = re.compile(r"\b(how many|how much|number of|death toll|toll)\b", re.I)
DEADLIEST = ("deadliest", "bloodiest", "worst")  # rank by the dead
LARGEST = ("largest", "biggest", "greatest")  # rank by the outcome of the event noun ("the largest job cut")
SUPERLATIVE = r"\b(" + "|".join((*DEADLIEST, "most", "highest", *LARGEST)) + r")\b"
WHICH_YEAR = re.compile(r"\b(which|what|in which) year\b.*" + SUPERLATIVE, re.I)
# Questions about something other than a sum of events: a war's toll (answered by what the
# articles state of it, `tolls=True`), a difference, a duration.
# A war's toll or a rate ("deaths per year"): no sum of events answers it; a statement may.
TOLL_WORDS = re.compile(r"\b(conflict|war|insurgency|decades|since the \d{4}s|per (?:year|month|day)"
                        r"|a (?:year|month)(?! ago| after| earlier| later| before)|each year|every year"
                        r"|annually|on average|averages?d?)\b", re.I)
NOT_EVENTS = re.compile(r"\b(how many more|how many fewer"
                        r"|how much more|difference|how many (?:days|weeks|months|years|hours|times|minutes)"
                        r"|how much (?:money|ransom|compensation|did .* pay|does|is|was)"
                        r"|how many people does)\b",
                        re.I)
HOW_MANY = re.compile(r"\bhow (?:many|much)\b", re.I)
# A question that asks for a date, a cause, a person or a place is no count, whatever toll it names:
# "When did the ferry sink, in the wreck whose toll was revised to 11?"
ASKS_OTHER = re.compile(r"(?:^|[.?!]\s+)\W*(?:when|why|who|whom|whose|where)\b"
                        r"|\b(?:on|in|by|from|since) (?:what|which) (?:date|day|year|month|time)\b"
                        r"|(?:^|[.?!]\s+)\W*(?:what|which) (?:date|day|year|month|time)\b", re.I)
EVENT_NOUNS = {"attack", "clash", "ambush", "incident", "event", "battle", "explosion", "raid", "bombing",
               "kidnapping", "abduction", "round", "layoff", "disaster", "accident"}
# Words in names that say what kind of place or body a name is, not which one.
GENERIC = {"state", "region", "province", "district", "city", "town", "village", "county", "area", "base",
           "mine", "government", "local", "council", "school", "company", "group", "army", "military",
           "the", "of", "and", "inc", "corp", "ltd", "department", "ministry", "lga", "republic", "north",
           "south", "east", "west", "northern", "southern", "eastern", "western", "central", "new",
           "minister", "president", "governor", "mayor", "chief", "officer", "official", "spokesman",
           "spokesperson", "prime", "interior", "national", "general", "secretary", "director", "ceo",
           "head", "senior", "deputy", "acting", "office", "service", "services", "agency", "news",
           "press", "media", "international", "global", "world", "day", "mr", "mrs", "ms", "dr", "sir",
           "lieutenant", "colonel", "major", "captain", "commander", "police", "forces", "force",
           "security", "emergency", "federal", "united", "party", "committee", "house", "university",
           "college", "hospital", "street", "road", "river", "lake", "mount", "island", "park", "centre",
           "center", "coal", "gold", "oil", "gas", "this", "that", "these", "his", "her", "its", "their"}
WEEKDAY_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
EVENT_WORD = re.compile(r"\b[A-Z][\w'’-]+\s+(attack|ambush|clash|battle|raid|explosion|blast|fire|collapse"
                        r"|massacre|bombing|landslide|kidnapping|abduction)\b")
EVENT_KINDS = (r"attack|ambush|clash|battle|raid|explosion|blast|fire|collapse|massacre|bombing|landslide"
               r"|kidnapping|abduction|flood|crash|shooting|cut|layoff|reduction|round|disaster|accident|strike"
               r"|sinking|capsizing|shipwreck|wreck|storm|earthquake|quake|collision|derailment|stampede"
               r"|eruption|mudslide|avalanche|cyclone|hurricane|typhoon|tornado|wildfire|blaze")
# "Which attack was the deadliest?", "What was the largest job cut?": the event with the highest
# figure, not a sum (a place or an outlet with the most is a sum, and not asked this way).
WHICH_EVENT = re.compile(
    r"^\W*(?:in\s+|of\s+)?(?:which|what)\s+(?:(?:[\w'’-]+\s+){0,3}?(?:" + EVENT_KINDS + r")s?\b.*"
    + SUPERLATIVE + r"|(?:was|were|is)\s+the\s+(?:single\s+)?(?:" + "|".join((*DEADLIEST, *LARGEST)) + r")\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?:" + EVENT_KINDS + r")s?\b)", re.I)
# "the two mine fires", "both attacks": how many events the question takes the answer to hold.
STATED_EVENTS = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|\d{1,2}|both)\s+"
                           r"(?:(?!of\b|(?:hour|day|week|month|year)s?\b)[\w'’-]+\s+){0,3}?"
                           r"(?:" + EVENT_KINDS + r")(?:s|es)\b", re.I)  # not "2 days of floods"
SINGLE_EVENT = re.compile(r"\bthe\s+(?:[\w'’%-]+\s+){0,5}?(?:" + EVENT_KINDS + r")\b(?!s)", re.I)
PLURAL_EVENTS = re.compile(r"\b(?:" + EVENT_KINDS + r")(?:s|es)\b|\b(?:both|two|three|all|each|every|combined"
                           r"|together|in total|altogether)\b", re.I)
OTHER_PART = re.compile(r"\b(what|which|who|whom|where|why|when|how did|how was|how were|what happened)\b",
                        re.I)


@dataclass
class Target:
    outcome: str  # killed, rescued, cut...
    nouns: tuple[str, ...]  # the groups counted ("soldier", "policeman"); () for people in general
    words: str  # how the question asks for it ("soldiers and policemen were killed")


@dataclass
class EventQuestion:
    kind: str  # "count" (how many), "events" (how many attacks), "which_year" (deadliest year),
    #            "which_event" (the deadliest attack)
    targets: list[Target]
    period: Period | None = None
    months: tuple[str, ...] = ()  # "2022-11": months the question names, within its period
    names: list[str] = field(default_factory=list)
    alternatives: set[tuple[str, str]] = field(default_factory=set)  # names coordinated by "and"/"or"
    other_part: bool = False  # it also asks something a count does not answer ("and which ones?")
    event_word: str = ""  # the kind of event it names ("the Ridgeford clash": clash)
    single: bool = False  # it asks about one event ("the attack on X"), not several
    stated_events: int = 0  # how many events it says there are ("the two fires"), 0 if it does not


def parse(question: str, today: dt.date | None = None, tolls: bool = False) -> EventQuestion | None:
    """The counting question in `question`, or None when it is not one. A question about a war's
    or a conflict's toll is one only with `tolls` (no sum of events answers it)."""
    which_year = bool(WHICH_YEAR.search(question))
    which_event = not which_year and bool(WHICH_EVENT.search(question))
    if not (COUNTING.search(question) or which_year or which_event) or NOT_EVENTS.search(question) \
            or bool(TOLL_WORDS.search(question)) != tolls:
        return None
    how_much = HOW_MANY.search(question)
    if not which_year and ASKS_OTHER.search(question) and not how_much:
        return None
    if not (which_year or which_event or how_much or re.search(r"\bnumber of\b", question, re.I)) \
            and re.match(r"\W*(?:which|what)\s+(?!was|is|were|are|has|had)\w+", question, re.I):
        return None  # "Which organisation disputes the toll?" asks for a name, not the toll
    doc = nlp()(question)
    targets = _targets(doc)
    if (which_year or which_event) and not targets:
        targets = _superlative_targets(doc)
    if not targets:
        return None
    how_many = re.search(r"\bhow many\b", question, re.I)
    kind = "which_year" if which_year and not how_many else "which_event" if which_event and not how_many \
        else "count"
    if kind == "count" and any(set(t.nouns) & EVENT_NOUNS for t in targets):
        kind = "events"
        targets = [Target(t.outcome, tuple(n for n in t.nouns if n not in EVENT_NOUNS), t.words)
                   for t in targets]
    names, alternatives = _names(doc, targets)
    other = bool(OTHER_PART.search(re.sub(r"\bhow (?:many|much)\b", " ", question, flags=re.I)))
    months = _months(question)
    period = question_period(question, today)
    if months:  # "November 2022 ... four months later": the period runs to the last month
        years = [int(m[:4]) for m in months] + ([period.start, period.end] if period else [])
        period = Period(min(years), max(years))
    word = EVENT_WORD.search(question)
    single = (bool(SINGLE_EVENT.search(question)) or _one_happening(doc)) and not alternatives \
        and not PLURAL_EVENTS.search(question) and kind != "which_event"
    stated = STATED_EVENTS.search(question)
    stated_events = 0 if not stated else 2 if stated[1].lower() == "both" else int(_number(stated[1]))
    return EventQuestion(kind, targets, period, months, names, alternatives, other,
                         word.group(1).lower().rstrip("s") if word else "", single, stated_events)


def _one_happening(doc: Any) -> bool:
    """'... when the footbridge collapsed', '... when the boat capsized': a clause whose subject is
    one definite thing tells one event (not '... when boats capsized')."""
    return any(t.lower_ == "when" and t.dep_ == "advmod" and any(
        s.dep_ in ("nsubj", "nsubjpass") and s.tag_ in ("NN", "NNP") and any(
            d.dep_ == "det" and d.lower_ in ("the", "a", "an") for d in s.children)
        for s in t.head.children) for t in doc)


def _targets(doc: Any) -> list[Target]:
    """One target per 'how many': the noun it counts and the outcome its clause states."""
    targets: list[Target] = []
    many = [t for t in doc if t.lower_ in ("many", "much") and t.i > 0 and doc[t.i - 1].lower_ == "how"]
    if not many:
        many = [t for t in doc if t.lower_ in ("number", "toll")]
    for k, token in enumerate(many):
        end = many[k + 1].i if k + 1 < len(many) else len(doc)
        span = doc[token.i: end]
        nouns = _asked_nouns(token)
        outcome = _governing_outcome(token)
        # A group the question counts under a predicate that states no outcome ("how many employees
        # did X have before its layoffs", "were tied to the headquarters in the July cut") asks a
        # standing figure: an outcome named only in a phrase beside it is not what is counted.
        said = [(t, o) for t in span if not (nouns and _in_side_phrase(t, token))
                for o in [_outcome_word(t)] if o]
        outcome = outcome or next((o for t, o in said if t.dep_ != "amod"), "")
        outcome = outcome or next((o for _, o in said), "")
        if not outcome:
            outcome = next((o for t in doc[:token.i] for o in [_outcome_word(t)] if o), "")
        if not outcome and token.lower_ == "toll":
            outcome = "killed"
        if not outcome and set(nouns) & EVENT_NOUNS:
            # "how many attacks on police": events in which the police were hit, whatever happened
            victims = [c for t in span for c in t.children
                       if c.dep_ == "pobj" and c.head.lower_ in ("on", "against")]
            outcome, nouns = "any", tuple(_noun_name(v) for v in victims) + tuple(set(nouns) & EVENT_NOUNS)
        if outcome:
            targets.append(Target(outcome, nouns, span.text))
    return targets


def _in_side_phrase(token: Any, many: Any) -> bool:
    """Is `token` inside a prepositional phrase ('before its layoffs', 'in the July cut') that does
    not hold the asked group? ('by the cut' names what did it: not a side phrase.)"""
    group = many.head if many.dep_ in ("amod", "nummod") else many
    while token.head != token:
        if token == group or token in group.ancestors:
            return False
        if token.dep_ == "prep" and token.lower_ != "by" \
                and not (token.lower_ == "of" and token.head == group):
            return True  # ("the number of soldiers killed": its 'of' holds the group asked)
        token = token.head
    return False


def _governing_outcome(many: Any) -> str:
    """The outcome of the predicate the asked group hangs from ('how many kidnapped schoolchildren
    were freed': freed, not the 'kidnapped' that describes them)."""
    token = many.head if many.dep_ in ("amod", "nummod") else many
    for _ in range(4):
        if token.head == token:
            break
        token = token.head
        found = _outcome_word(token)
        if found and token.pos_ in ("VERB", "AUX"):
            return found
        if token.pos_ == "VERB" and token.lemma_ not in ("say", "do", "be", "have", "report"):
            break
    return ""


def _asked_nouns(many: Any) -> tuple[str, ...]:
    """The groups 'how many' asks for, named as extraction names counted groups ('how many
    Red Banner members' -> 'member (Red Banner)'; 'how many kilograms of X' -> 'X')."""
    head = many.head
    noun = None
    if many.dep_ in ("amod", "nummod") and head.pos_ in ("NOUN", "PROPN"):
        noun = head
    else:
        of = next((c for c in many.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        noun = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if noun is not None and noun.lemma_.lower() in MEASURE_UNITS:
        noun = _of_object(noun) or noun
    if noun is None or outcome_of(noun.lemma_) and noun.lemma_.lower() not in ("body", "job") \
            or noun.lemma_.lower() == "life":
        return ()  # "how many died", "how many deaths", "how many lives were lost": people
    names = [_noun_name(n) for n in [noun, *noun.conjuncts]]
    return tuple(n for n in names if n not in ("people", "person"))


def _superlative_targets(doc: Any) -> list[Target]:
    """What 'which ... the most/deadliest' ranks by: 'deadliest for soldiers' (killed), 'the most
    people kidnapped' (the outcome the group hangs from), 'the largest job cut' (the event noun's
    outcome, its compound the group); [] when the question states no outcome."""
    if any(t.lemma_.lower() in ("deadly", "bloody") or t.lower_ in DEADLIEST for t in doc):
        return [Target("killed", _deadliest_for(doc), "deadliest")]
    for token in doc:
        if token.lower_ == "most" and token.head.pos_ in ("NOUN", "PROPN") and token.head != token:
            group = token.head
            outcome = _governing_outcome(token) or next(
                (o for c in group.children if c.dep_ in ("acl", "amod", "oprd")
                 for o in [_outcome_word(c)] if o), "")
            if outcome:
                nouns = tuple(n for n in (_noun_name(g) for g in [group, *group.conjuncts])
                              if n not in ("people", "person"))
                return [Target(outcome, nouns, f"most {group.text}")]
        if token.lower_ in (*LARGEST, "highest") and token.head.pos_ == "NOUN":
            event = token.head
            event = event if _outcome_word(event) else _of_object(event) or event  # "round of layoffs"
            outcome = _outcome_word(event)
            if outcome:
                nouns = tuple(_noun_name(c) for c in event.children
                              if c.dep_ == "compound" and c.pos_ == "NOUN")
                return [Target(outcome, nouns, f"{token.text} {event.text}")]
    return []


def _deadliest_for(doc: Any) -> tuple[str, ...]:
    """The groups of 'which year was deadliest for soldiers (and police)?'. A covering word
    listed with what it covers ('the security forces, soldiers and police together') names
    those: each figure counts once."""
    nouns: list[str] = []
    for token in doc:
        if token.lower_ == "for" and token.head.lower_ in ("deadliest", "worst", "bloodiest", "was", "year"):
            for obj in (c for c in token.children if c.dep_ == "pobj"):
                nouns += [_noun_name(n) for n in [obj, *obj.conjuncts] if n.pos_ in ("NOUN", "PROPN")]
        if token.lower_ == "most" and token.head.pos_ == "NOUN":  # "the most soldiers killed"
            nouns += [_noun_name(n) for n in [token.head, *token.head.conjuncts]]
    nouns = [n for n in dict.fromkeys(nouns) if n not in ("people", "person")]
    return tuple(n for n in nouns if not any(m != n and nouns_match(n, m) for m in nouns))


def _outcome_word(token: Any) -> str:
    lemma = token.lemma_.lower()
    particle = next((c.lower_ for c in token.children if c.dep_ == "prt"), "")
    for phrase in (f"{lemma} {particle}".strip(), *(f"{lemma} {c.lemma_.lower()}" for c in token.children
                                                      if c.dep_ in ("dobj", "acomp", "oprd", "nsubjpass"))):
        if outcome_of(phrase):
            return outcome_of(phrase)
    if lemma in ("deadly", "deadliest", "bloody"):
        return "killed"
    return outcome_of(lemma) if token.pos_ in ("VERB", "ADJ", "NOUN") else ""


def _names(doc: Any, targets: list[Target]) -> tuple[list[str], set[tuple[str, str]]]:
    """The names the question gives, and which pairs are alternatives ('X and Y', 'on X and on Y')."""
    counted = {n for t in targets for n in t.nouns}
    spans: list[tuple[str, Any]] = []
    capitalised = [t.text for t in doc if t.i > 0 and t.text[:1].isupper() and t.is_alpha
                   and t.lower_ not in WEEKDAY_WORDS and t.lower_ != "i"]
    for name in dict.fromkeys(names_in(doc) + [c for c in capitalised
                                               if not any(c in n.split() for n in names_in(doc))]):
        if fold(name) in counted or MONTHS.get(name.lower().rstrip(".")) or re.fullmatch(r"[\d\W]+", name):
            continue
        token = next((t for t in doc if name.split()[-1] in t.text), None)
        if token is not None:
            spans.append((name, token))
    spans = [(n, t) for n, t in spans if any(ch.isupper() for ch in n)]  # "jihadist" is no name
    # A name in brackets says what the name before it is ("Acme (the parent of Acme Labs)"): no constraint.
    bracketed = {t.i for open_ in doc if open_.text in "([" for t in doc[open_.i:]
                 if t.i <= next((c.i for c in doc[open_.i:] if c.text in ")]"), len(doc))}
    spans = [(n, t) for n, t in spans if t.i not in bracketed]
    names = [n for n, _ in spans]
    alternatives = set()
    for i, (a, ta) in enumerate(spans):
        for b, tb in spans[i + 1:]:
            if _coordinated(ta, tb):
                alternatives |= {(a, b), (b, a)}
    return names, alternatives


def _coordinated(a: Any, b: Any) -> bool:
    """Does the dependency path between a and b pass through a coordination ('conj')? Or, where
    the parse went astray ('the 2023 Ridgeford clash' read as a verb), do only a few words joined by
    'and'/'or' stand between them ('the X battle and the 2023 Y clash')?"""
    first, last = sorted((a, b), key=lambda t: t.i)
    between = first.doc[first.i + 1: last.i]
    if 0 < len(between) <= 5 and any(t.lower_ in ("and", "or") for t in between) \
            and not any(t.pos_ == "ADP" or t.is_punct for t in between):
        return True
    up_a, up_b = [a, *a.ancestors], [b, *b.ancestors]
    common = next((t for t in up_a if t in up_b), None)
    if common is None:
        return False
    path = up_a[: up_a.index(common)] + up_b[: up_b.index(common)]
    return any(t.dep_ == "conj" for t in path)


def _months(question: str) -> tuple[str, ...]:
    """The months a question names: 'in November 2022', and 'the round it announced four months
    later' after a named month."""
    found = []
    month = "|".join(sorted(MONTHS, key=len, reverse=True))
    for m in re.finditer(r"\b(" + month + r")\.?,?\s+((?:19|20)\d\d)\b", question, re.I):
        found.append(f"{m.group(2)}-{MONTHS[m.group(1).lower()]:02d}")
    later = re.search(r"\b(\w+)\s+months?\s+(?:later|after)\b", question, re.I)
    if found and later:
        words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1}
        n = int(later.group(1)) if later.group(1).isdigit() else words.get(later.group(1).lower(), 0)
        if n:
            year, mon = int(found[-1][:4]), int(found[-1][5:7]) + n
            found.append(f"{year + (mon - 1) // 12}-{(mon - 1) % 12 + 1:02d}")
    return tuple(found)


# --- matching --------------------------------------------------------------------------------

@dataclass
class Match:
    events: list[Event]  # the events counted, each meeting every constraint
    undated: list[Event] = field(default_factory=list)  # would match, but their year is unknown
    unmet: list[str] = field(default_factory=list)  # constraints no event meets ("the name X")
    own_names: dict[str, int] = field(default_factory=dict)  # event id: names its own words give
    # The names of the question each event of unknown year meets: a name met only by such an
    # event is not met by the count, but by the event shown beside it ("if it is of 2023, ...").
    names_undated: dict[str, set[str]] = field(default_factory=dict)


def match(q: EventQuestion, events: list[Event], text_of: Callable[[str], str]) -> Match:
    """The events that answer `q`. `text_of(source)` gives an article's text, where the names a
    question gives are looked for (an event's own sentences may not repeat its place)."""
    cache: dict[str, str] = {}

    def lead(source: str) -> str:
        if source not in cache:
            text = text_of(source)
            title, _, body = text.partition("\n")
            # The headline and the lead's first sentence: a lead paragraph often goes on to an
            # earlier event ("This came days after the students of X were released").
            first = next((p for p in body.split("\n") if len(p.split()) > 8), "")
            cache[source] = f"{title}\n{sentences(first)[0] if first else ''}"
        return cache[source]

    def names_weak(event: Event) -> set[str]:
        """Names its articles print only once, in passing: enough beside a name that identifies
        the event ('the Red Banner attack on Ridgeford'), never alone."""
        bodies = [_words(text_of(m.source)) for m in event.mentions if m.role == "main"]
        return {n for n in q.names if any(_name_in(n, b) for b in bodies)}

    def names_met(event: Event) -> set[str]:
        # What an event is about: its articles' headlines and leads, the names they print more
        # than once (main mentions), and the sentences that state its figures; not every name an
        # article prints in passing ("Acme, Globex and Initech have all slashed their ranks").
        texts = [_words((lead(m.source) if m.role == "main" else " ".join(m.names)) + " " + m.sentence
                       + " " + _told_on(text_of(m.source), m.sentence))
                 for m in event.mentions]
        bodies = [_words(text_of(m.source)) for m in event.mentions if m.role == "main"]
        return {n for n in q.names if any(_name_in(n, t) for t in texts)
                or any(_name_in(n, b, times=2) for b in bodies)}

    def names_own(event: Event) -> int:
        """Names given by the event's own words (headline, lead, counted sentences), not those it
        only inherits from the article that recalls it."""
        texts = [_words((lead(m.source) if m.role == "main" else "") + " " + m.sentence)
                 for m in event.mentions]
        return sum(1 for n in q.names if any(_name_in(n, t) for t in texts))

    counted, undated = [], []
    names_undated: dict[str, set[str]] = {}
    met_anywhere: set[str] = set()
    dated_named = False  # some event the names single out has a known year
    for event in events:
        if not any(_has_target(event, t) for t in q.targets):
            continue
        met = names_met(event)
        if met:
            met |= names_weak(event)
        if not all(n in met or any((n, o) in q.alternatives and o in met for o in q.names) for n in q.names):
            continue
        fit = _in_period(event, q)
        if fit is None:
            undated.append(event)
            names_undated[event.id] = met
        elif fit:
            counted.append(event)
            met_anywhere |= met
        if event.year:
            dated_named = True
    if q.names and undated and not counted and not dated_named:
        # The names single out events whose year the articles do not give (and allow the one
        # asked about): counted, and the answer says that their year is not given.
        counted, undated = undated, []
        met_anywhere = {n for e in counted for n in q.names}
    unmet = [f"the name {n}" for n in q.names if n not in met_anywhere] if counted else []
    own = {e.id: names_own(e) for e in counted}
    return Match(counted, undated, unmet, own, names_undated)


def _told_on(text: str, sentence: str) -> str:
    """The first sentence of the paragraph after `sentence`'s when it goes on with the same event
    ("... left four rebel fighters dead." / "The firefight occurred in X, a town ..."): where a
    report often gives the place it did not name with the toll."""
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return ""
    end = text.find("\n", at + len(sentence))
    following = text[end:].lstrip() if end >= 0 else ""
    first = following.split("\n", 1)[0]
    first = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    return first if GOES_ON.match(first) else ""


GOES_ON = re.compile(r"(?:The|This|That)\s+(?:[\w-]+\s+){0,2}?" + EVENT_WORDS.pattern, re.I)


def one_event(q: EventQuestion, found: Match) -> list[Event]:
    """For a question about one event ("the attack on X"): the events matched are its reports,
    fused into one when their dates allow, never added up. Otherwise the one whose own words give
    the most of the question's names, or that its reports call by the question's word ("the
    Ridgeford ambush" of the ambush and an earlier attack there); none if that leaves several
    (the table cannot tell which is meant: retrieval answers)."""
    from index.events.identity import fuse

    events = found.events
    if not q.single or len(events) < 2:
        return events
    fused = fuse(events)
    if fused is not None:
        return [fused]
    best = max(found.own_names.get(e.id, 0) for e in events)
    events = [e for e in events if found.own_names.get(e.id, 0) == best]
    if len(events) > 1:
        named = [e for e in events if e.kind == q.event_word]
        events = named if len(named) == 1 else events
    if len(events) > 1:
        fused = fuse(events)
        events = [fused] if fused is not None else []
    return events


def _has_target(event: Event, target: Target) -> bool:
    return any(group_reports(event, target.outcome, n) for n in target.nouns or ("",))


def outcomes_of(event: Event, outcome: str) -> list[str]:
    """The outcomes a target stands for: itself, or for 'any' (how many attacks) every one."""
    return sorted({o for o, _ in event.keys()}) if outcome == "any" else [outcome]


def group_reports(event: Event, outcome: str, noun: str) -> list:
    """The reports of `event` for (outcome, noun). An event reported only as 'people killed' also
    answers for 'miners' when its own sentences and headlines call the dead miners."""
    if outcome == "any":
        return [r for o in outcomes_of(event, outcome) for r in group_reports(event, o, noun)]
    reports = event.reports(outcome, noun)
    if reports or not noun:
        return reports
    told = " ".join(f"{m.title if m.role == 'main' else ''} {m.sentence}" for m in event.mentions).lower()
    if re.search(rf"\b{re.escape(plural_of(noun))}\b|\b{re.escape(noun)}\b", told):
        return event.reports(outcome, "")
    return []


def plural_of(noun: str) -> str:
    from index.events import plural

    return plural(noun)


def mentions_all(names: list[str], text: str) -> bool:
    """Does `text` name each of `names` (their distinctive words, folded)?"""
    folded = _words(text)
    return all(_name_in(n, folded) for n in names)


def _words(text: str) -> str:
    """' word word ': folded, punctuation dropped, spaced at both ends for _name_in."""
    return " " + re.sub(r"\W+", " ", fold(text)) + " "


def _name_in(name: str, text: str, times: int = 1) -> bool:
    words = [w for w in re.sub(r"\W+", " ", fold(name)).split() if w not in GENERIC] or \
        re.sub(r"\W+", " ", fold(name)).split()
    return all(sum(text.count(f" {form} ") + text.count(f" {form}s ") for form in _forms(w)) >= times
               for w in words)


def _forms(word: str) -> list[str]:
    """A name word and the country a demonym is made from: 'uzbek' -> 'uzbekistan', 'ruritanian'
    -> 'ruritania', 'iraqi' -> 'iraq', 'sudanese' -> 'sudan'; never a shorter name that is another
    country ('ruritanian' is not 'ruritan')."""
    if len(word) < 5:
        return [word]
    return [word, word + "stan"] + [word[:-len(end)] for end in ("n", "i", "ese") if word.endswith(end)]


def only_years_of_period(event: Event, q: EventQuestion) -> bool:
    """An event of unknown year whose articles allow only years of the period asked ("2022 or
    later" for "since 2020"): it is of the period, whichever year it is."""
    return bool(q.period and event.possible_years and not q.months
                and all(y in q.period for y in event.possible_years))


def _in_period(event: Event, q: EventQuestion) -> bool | None:
    """True/False: the event's date is / is not in the question's period; None: its year is not
    known (a day or month may be: 'XXXX-01-20' fits 'January 2023' if only the year is unknown)."""
    if q.period is None and not q.months:
        return True
    date = event.date
    if not date[:4].isdigit():
        if q.months and len(date) >= 7 and not any(date[5:7] == m[5:7] for m in q.months):
            return False
        if q.period and event.possible_years and not any(y in q.period for y in event.possible_years):
            return False  # its articles rule the period out ("2022 or later" for 2019)
        if only_years_of_period(event, q):
            return True
        return None
    if q.months and len(date) >= 7 and not any(date.startswith(m) for m in q.months):
        return False
    return q.period is None or int(date[:4]) in q.period
