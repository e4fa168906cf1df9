"""Follow-up questions -> standalone questions, by rules (no model call).

    rewrite("and in 2020?", "how many soldiers died in 2023?")  -> "how many soldiers died in 2020?"
    rewrite("what about rebels?", "how many soldiers died in 2023?") -> "how many rebels died in 2023?"
    rewrite("and in Valle Norte?", "how many soldiers died in 2023?")
        -> "how many soldiers died in Valle Norte in 2023?"

A follow-up is short, and starts with "and", "what about", "how about", "what of", "same
for", a preposition ("in 2020?", "since 2015?") or is a bare period ("2020?"). What it carries
(a period, a place, a noun phrase) takes the place of the same kind of thing in the previous
question; anything else is returned unchanged.
"""

from __future__ import annotations

import re

MAX_WORDS = 7  # what a follow-up carries, after its lead-in

_YEAR = r"(?:19|20)\d\d"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WHEN = (rf"between\s+{_YEAR}\s+and\s+{_YEAR}"
         rf"|(?:from\s+)?{_YEAR}\s*(?:-|–|to|until|through)\s*{_YEAR}"
         rf"|(?:the\s+)?(?:early\s+|late\s+|mid-?)?(?:19|20)\d0s"
         rf"|(?:(?:early|late|mid)\s+)?(?:{_MONTH}\s+)?{_YEAR}"
         r"|(?:last|this|next|the\s+previous|the\s+following)\s+year")
_PREP = r"(?:in|during|since|after|before|until|by|for|throughout|through|as\s+of)"
PERIOD = re.compile(rf"\b(?:(?P<prep>{_PREP})\s+)?(?P<when>{_WHEN})\b", re.I)

_PLACE_PREP = r"(?:in|at|near|inside|outside|across|around|from)"
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:of\s+the\s+|of\s+|de\s+|del\s+)?[A-Z][\w.'’-]*)*"
PLACE = re.compile(rf"\b(?P<prep>{_PLACE_PREP})\s+(?P<name>(?:the\s+)?{_NAME})")

_LEAD = re.compile(
    r"^(?:(?:and|but|or|also|so|ok|okay)[\s,]+)*"
    r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:for|with)|and\s+for)?\s*",
    re.I,
)
_STARTS_WITH_PREP = re.compile(rf"^(?:{_PREP}|{_PLACE_PREP}|between|from)\b", re.I)
_QUESTION_WORDS = {
    "who", "whom", "whose", "what", "when", "where", "why", "how", "which", "did", "does", "do",
    "is", "was", "were", "are", "can", "could", "should", "would", "will", "has", "have", "had",
}
# Words that end the noun phrase after "how many": verbs, auxiliaries, prepositions.
_NP_STOP = {
    "are", "is", "were", "was", "did", "do", "does", "have", "has", "had", "will", "would",
    "could", "can", "died", "die", "dies", "in", "on", "at", "of", "during", "since", "from",
    "by", "for", "to", "with", "been", "be", "there", "according", "between", "before", "after",
    "that", "who", "which", "remain", "remained", "live", "lived", "lost", "get", "got",
}
_HOW_MANY = re.compile(r"^\s*(?:how\s+many|how\s+much)\s+", re.I)
_WHO_IS = re.compile(
    r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+|^\s*(?:tell\s+me\s+about|what\s+happened\s+to)\s+", re.I
)
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.I)


def rewrite(question: str, previous: str | None) -> str:
    """The standalone form of `question`, given the previous (standalone) question."""
    question = " ".join((question or "").split())
    if not previous or not question:
        return question
    carried = _follow_up_part(question)
    if carried is None:
        return question
    previous = " ".join(previous.split())
    core = previous.rstrip(" ?.!")
    end = previous[len(core):].strip() or "?"

    new_period = PERIOD.search(carried)
    rest = carried
    if new_period:
        rest = (carried[: new_period.start()] + " " + carried[new_period.end():]).strip(" ,")
    rest = re.sub(r"^(?:and|,)\s+|\s+(?:and|,)$", "", rest, flags=re.I).strip(" ,")

    if rest:
        core = _substitute_subject_or_place(core, rest)
    if new_period:
        core = _substitute_period(core, new_period)
    return core + end


def _follow_up_part(question: str) -> str | None:
    """What a follow-up question carries ("in 2020", "rebels"), or None if it is no follow-up."""
    text = question.strip().rstrip(" ?.!").strip()
    lead = _LEAD.match(text)
    carried = text[lead.end():].strip(" ,") if lead else text
    has_lead = bool(lead and lead.group(0).strip())
    words = carried.split()
    if not words or len(words) > MAX_WORDS:
        return None
    if any(w.lower().strip(",") in _QUESTION_WORDS for w in words):
        return None
    bare_period = PERIOD.fullmatch(carried) is not None
    if has_lead or bare_period or _STARTS_WITH_PREP.match(carried):
        return carried
    return None


def _substitute_period(core: str, new: re.Match[str]) -> str:
    """Put the new period where the previous question had one, else at its end."""
    found = list(PERIOD.finditer(core))
    old = found[-1] if found else None
    phrase = _lower_prep(new.group(0))
    if not new.group("prep") and not _has_own_prep(new):  # a bare "2020"
        if old is not None and old.group("prep"):
            phrase = f"{old.group('prep')} {phrase}"
        elif old is None or _has_own_prep(old):
            phrase = f"in {phrase}"
    if old is None:
        return f"{core} {phrase}"
    return core[: old.start()] + phrase + core[old.end():]


def _has_own_prep(m: re.Match[str]) -> bool:
    """'between 2012 and 2015', 'from 2012 to 2015', 'last year' need no preposition."""
    return bool(re.match(r"(?:between|from|last|this|next|the\s+previous|the\s+following)\b",
                         m.group("when"), re.I) or re.search(r"\d\s*(?:-|–|to|until|through)\s*\d",
                                                             m.group("when"), re.I))


def _substitute_subject_or_place(core: str, rest: str) -> str:
    periods = [m.span() for m in PERIOD.finditer(core)]
    places = [m for m in PLACE.finditer(core) if not any(a <= m.start() < b for a, b in periods)
              and not PERIOD.fullmatch(m.group(0))]
    rest_place = PLACE.fullmatch(rest) or re.fullmatch(rf"(?:{_PLACE_PREP})\s+.+", rest, re.I)
    capitalised = rest[:1].isupper()
    who_is = _WHO_IS.match(core)

    if rest_place or (capitalised and (places or not who_is)):
        return _substitute_place(core, rest, places, periods, bool(rest_place))
    if who_is:
        end = _slot_end(core, who_is.end(), periods, places)
        return core[: who_is.end()] + rest + core[end:]
    how_many = _HOW_MANY.match(core)
    if how_many:
        words = list(re.finditer(r"\S+", core[how_many.end():]))
        taken = 0
        for w in words[:4]:
            if w.group(0).lower() in _NP_STOP or w.group(0).lower().endswith("ed"):
                break
            taken += 1
        if taken:
            start = how_many.end()
            end = start + words[taken - 1].end()
            return core[:start] + _DETERMINER.sub("", rest) + core[end:]
    return f"{core}, regarding {rest}"


def _substitute_place(core: str, rest: str, places: list, periods: list, has_prep: bool) -> str:
    if places:
        old = places[-1]
        phrase = _lower_prep(rest) if has_prep else f"{old.group('prep')} {rest}"
        return core[: old.start()] + phrase + core[old.end():]
    phrase = _lower_prep(rest) if has_prep else f"in {rest}"
    if periods:
        start = periods[-1][0]
        return core[:start] + phrase + " " + core[start:]
    return f"{core} {phrase}"


def _slot_end(core: str, start: int, periods: list, places: list) -> int:
    """Where the subject of 'who is X' ends: before a period or place phrase, else at the end."""
    stops = [a for a, _ in periods if a > start] + [m.start() for m in places if m.start() > start]
    end = min(stops) if stops else len(core)
    while end > start and core[end - 1] == " ":
        end -= 1
    return end


def _lower_prep(phrase: str) -> str:
    """'In 2020' inside a sentence reads 'in 2020'."""
    first, _, tail = phrase.partition(" ")
    return f"{first.lower()} {tail}" if tail and first.lower() in _PREPOSITIONS else phrase


_PREPOSITIONS = {"in", "during", "since", "after", "before", "until", "by", "for", "throughout", "through",
                 "at", "near", "inside", "outside", "across", "around", "from", "between", "as"}
