"""The one vocabulary of the event table, shared by extraction (index time) and question matching
(question time). It holds English function vocabulary only: what a predicate does to the counted
people or things (outcomes), which nouns are collective or units, which phrases make a figure a
running total or a forecast. What is counted (any noun) and where (any name) come from the parser.
"""

from __future__ import annotations

import re

# Predicate lemmas -> the outcome they report. A lemma not listed here is no outcome: a number
# next to "working", "underground" or "employs" states how many there were, not what happened.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "killed": ("kill", "die", "dead", "death", "slay", "slain", "murder", "massacre", "perish", "drown",
               "fatality", "execute", "behead", "lynch", "shoot dead", "lose life", "claim life",
               "toll", "death toll", "neutralise", "neutralize", "eliminate life", "burn to death"),
    "injured": ("injure", "wound", "hurt", "injury", "hospitalise", "hospitalize", "maim", "treat",
                "wounded", "injured"),
    "missing": ("miss", "missing", "unaccounted"),
    "trapped": ("trap", "strand", "entomb", "bury alive"),
    "rescued": ("rescue", "save", "pull", "bring out", "bring up", "lift out", "evacuate", "survive", "free",
                "release", "regain freedom", "set free", "liberate", "reunite", "recover alive"),
    "kidnapped": ("kidnap", "abduct", "take hostage", "hold hostage", "hostage", "take captive",
                  "kidnapping", "abduction", "cart away", "whisk away"),
    "arrested": ("arrest", "detain", "capture", "apprehend", "nab", "take into custody"),
    "recovered": ("recover", "recovery", "retrieve", "exhume", "find body", "find corpse", "pull body"),
    "cut": ("cut", "lay off", "layoff", "eliminate", "axe", "ax", "slash", "shed", "sack", "fire",
            "reduce", "reduction", "let go", "terminate", "lose job", "affect", "receive notice"),
    "closed": ("close", "shut", "shut down", "closure", "shutter"),
    "seized": ("seize", "confiscate", "impound", "intercept", "seizure"),
    "displaced": ("displace", "flee", "uproot", "make homeless"),
    "destroyed": ("destroy", "burn", "raze", "damage", "flatten"),
}
LEMMA_OUTCOME = {lemma: outcome for outcome, lemmas in OUTCOMES.items() for lemma in lemmas}
# Outcomes a question may name in other words: "freed" and "released" are how rescued hostages are
# reported; "lost their jobs" is a cut. The question's predicate goes through the same table.

# Predicates that pass the outcome on to their complement: "were confirmed dead", "left 52
# dead", "remain trapped", "were found dead", "put the toll at 51".
LIGHT_VERBS = {"be", "remain", "leave", "confirm", "report", "find", "put", "bring", "raise", "rise",
               "climb", "reach", "stand", "jump", "increase", "hit", "become", "declare", "presume",
               "fear", "believe", "say", "include", "number", "total", "record", "count", "feel",
               "get", "keep", "see", "go", "push", "soar", "mount", "grow", "exceed", "top"}
# Reporting verbs: a count's outcome is never looked for above them ("officials said ...").
REPORTING = {"say", "tell", "announce", "state", "add", "note", "quote", "write", "report", "claim",
             "explain", "confirm", "disclose", "reveal"}

# Nouns that count people in general: a question about "people" (or no group: "how many died?")
# takes every figure of its outcome, and an event figure of these matches a question about any
# group when that group is what its articles count ("miners killed" in the title).
COLLECTIVE = {"people", "person", "individual", "victim", "life", "casualty", "fatality", "body",
              "corpse", "human", "soul", "dead", ""}
# Words for the same members ("troops" are soldiers): a question in one counts figures in the other.
SAME = [{"soldier", "troop", "serviceman"}, {"policeman", "police", "police officer", "cop"},
        {"job", "role", "position"},
        {"militant", "fighter", "insurgent", "jihadist", "rebel", "guerrilla", "guerilla"},
        {"child", "kid"}, {"body", "corpse"}]
# Whole forces or workforces a question may name: they cover the members a report counts.
COVERING = {
    "force": ("soldier", "troop", "police", "policeman", "policemen", "officer", "personnel",
              "serviceman", "servicemen", "gendarme", "guard", "marine", "agent", "member", "army"),
    "job": ("employee", "worker", "staff", "role", "position", "people", "person", "workforce",
            "staffer", "personnel", "job"),
    "child": ("pupil", "schoolchild", "schoolchildren", "student", "schoolgirl", "schoolboy",
              "girl", "boy", "kid", "child"),
}
# Counts of measure, not of people or things one by one: never summed with people.
UNITS = {"kilogram", "kilo", "kg", "gram", "ton", "tonne", "pound", "litre", "liter", "gallon",
         "barrel", "metre", "meter", "foot", "feet", "mile", "kilometre", "kilometer", "km", "inch",
         "percent", "%", "per cent", "dollar", "euro", "pound sterling", "naira", "rupee", "yen", "hour",
         "minute", "second", "day", "week", "month", "year", "decade", "time", "acre", "hectare",
         "degree", "point", "share", "vote", "seat", "round"}
MEASURE_UNITS = {"kilogram": "kg", "kilo": "kg", "kg": "kg", "gram": "g", "ton": "t", "tonne": "t",
                 "pound": "lb", "litre": "l", "liter": "l", "barrel": "barrels"}

# Statement kinds: only incidents are summed.
RUNNING_TOTAL = re.compile(
    r"\b(so far|to date|thus far|this year alone|in \d{4} alone|since (?:the start|the beginning) of"
    r"|since (?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r"|since (?:19|20)\d\d|year[- ]to[- ]date|cumulative|in total this year|over the past (?:few|several|\d+)"
    r" (?:days|weeks|months)|in the past (?:few|several|\d+) (?:days|weeks|months)|this year|so far this)\b",
    re.I)
HISTORICAL = re.compile(
    r"\b(decades?|centur(?:y|ies)|over (?:the (?:past|last) )?(?:\d+|two|three|four|five|ten|twenty) years"
    r"|in the (?:past|last) (?:\d+|two|three|four|five|ten|twenty) years|since the (?:19|20)\d0s"
    r"|the (?:19|20)\d0s"
    r"|between (?:19|20)\d\d and (?:19|20)\d\d|civil war|the war|the conflict|insurgency|since it began"
    r"|broke out in|per year|a year(?! ago| after| earlier| later| before)"
    r"|each year|every year|annually|on average|used to|in (?:its|their) history|all[- ]time)\b", re.I)
FORECAST = re.compile(
    r"\b(could|may|might|is expected to|are expected to|is likely to|are likely to|feared to|projected"
    r"|forecast|would rise|will rise|could rise|threatens? to)\b", re.I)
# A figure stated as correcting or updating an earlier one: it supersedes the earlier reports.
# ('the latest violence', 'the latest round of cuts' update no figure: only a latest toll does.)
REVISION = re.compile(
    r"\b(rose to|risen to|rises to|rising to|climbed to|climbs to|increased to|jumped to|reached|raising"
    r" the (?:death )?toll to|bringing the (?:death )?toll to"
    r"|now|revised|updated|not \d[\d,]*|rather than|instead of|correct(?:ed|ion)?"
    r"|(?:final|latest)(?: confirmed| official)? (?:death )?(?:toll|figure|count|tally|number))\b",
    re.I)
# The qualifier words a count may carry ("at least 40", "more than 11,000", "some 500").
QUALIFIERS = ("at least", "more than", "over", "nearly", "almost", "about", "around", "some",
              "an estimated", "estimated", "up to", "close to", "roughly", "approximately", "as many as",
              "fewer than", "less than", "just over", "just under", "an additional", "additional",
              "another", "a further", "further", "a total of", "all", "the remaining", "remaining", "other")

MULTIPLIERS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
               "dozen": 12, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
VAGUE = {"dozens", "hundreds", "thousands", "scores", "millions", "several", "many", "few", "numerous"}


def outcome_of(lemma: str) -> str:
    """The outcome a predicate lemma reports ('drown' -> 'killed'), or ''."""
    return LEMMA_OUTCOME.get(lemma.lower(), "")


def is_unit(lemma: str) -> bool:
    return lemma.lower() in UNITS


def noun_key(lemma: str) -> str:
    """The form group nouns are compared in: lemma, lower case, 'policemen' -> 'policeman'
    (a qualifier in brackets keeps its case: 'member (Red Banner)')."""
    lemma = lemma.strip()
    if " (" in lemma:
        head, _, rest = lemma.partition(" (")
        return f"{noun_key(head)} ({rest}"
    lemma = lemma.lower()
    return {"policemen": "policeman", "servicemen": "serviceman", "schoolchildren": "schoolchild",
            "children": "child", "people": "people", "persons": "person", "troops": "troop"}.get(lemma, lemma)


def split_noun(noun: str) -> tuple[str, str]:
    """'member (red banner)' -> ('member', 'red banner')."""
    if noun.endswith(")") and " (" in noun:
        head, qualifier = noun[:-1].split(" (", 1)
        return head, qualifier
    return noun, ""


def nouns_match(asked: str, counted: str) -> bool:
    """Does a figure for `counted` answer a question about `asked`? Same noun, a compound of it
    ('rebel fighter' for 'rebel'), a word for the same members ('troops' for 'soldiers'), or a
    covering word ('security forces' for soldiers and police); never members of something else
    ('members of the armed forces' for 'Red Banner members')."""
    asked, asked_of = split_noun(noun_key(asked))
    counted, counted_of = split_noun(noun_key(counted))
    asked_of, counted_of = asked_of.lower(), counted_of.lower()
    if asked_of and counted_of and not set(asked_of.split()) & set(counted_of.split()):
        return False
    if {"force", "forces"} & set(asked_of.split()) and asked in ("member", "personnel"):
        asked = "force"  # "members of the security forces": the forces, every kind of member
    if not asked or asked in COLLECTIVE:
        return not is_unit(counted)
    if asked == counted:
        return True
    if not counted:
        return False  # an unnamed figure ("40 died") answers only a question about people
    a_words, c_words = asked.split(), counted.split()
    if a_words[-1] == c_words[-1] and (len(a_words) == 1 or len(c_words) == 1 or a_words[0] == c_words[0]):
        return True  # "worker" / "gas worker"; not "police officer" / "army officer"
    if any(_stem_prefix(a, c) for a in a_words for c in c_words):
        return True
    if any(asked in same and counted in same for same in SAME) or any(
            a_words[-1] in same and c_words[-1] in same for same in SAME):
        return True
    for head, members in COVERING.items():
        # "security forces" covers soldiers and police; "jobs", "employees" and "staff" are one
        # workforce; a soldier is no police officer, so members of a force cover only themselves.
        if (a_words[-1] == head or asked in members and head != "force") and (
                c_words[-1] in members or counted in members):
            return True
    return False


def _stem_prefix(a: str, b: str) -> bool:
    """'police' / 'policeman', 'soldier' / 'soldiers': one word is the other's stem."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 5 and long.startswith(short) and len(long) - len(short) <= 3

# A figure told in addition to another ("two soldiers were also killed").
ADDITIVE = re.compile(r"\b(also|as well|in addition|additionally|another|a further|besides)\b", re.I)
