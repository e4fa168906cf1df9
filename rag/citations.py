"""answer text -> citations: [n] markers mapped to the passages the model was given.
A marker that points at no given passage is removed, never shown as a source."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from index.chunk import text_sentences
from rag.retrieve import STOPWORDS, tokenize  # tokenize: stemmed, without stopwords, as retrieval sees words

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
REFUSAL = re.compile(
    r"\b(the articles do not say|(do|does|did) not (say|mention|specify|state|contain|provide|report)"
    r"|no (information|mention|passage)|not (mentioned|specified|stated|reported)"
    r"|cannot (be )?(answer|determine)"
    r"|unable to (answer|determine)|there is no)\b",
    re.I,
)


def cited_numbers(text: str, available: int) -> list[int]:
    found: list[int] = []
    for m in MARKER.finditer(text):
        for part in re.split(r"[,;]", m.group(1)):
            n = int(part)
            if 1 <= n <= available and n not in found:
                found.append(n)
    return found


def strip_invalid(text: str, available: int) -> str:
    def keep(m: re.Match[str]) -> str:
        valid = [p.strip() for p in re.split(r"[,;]", m.group(1)) if 1 <= int(p) <= available]
        return "".join(f"[{n}]" for n in valid)

    return re.sub(r"\s+(?=[.,;:]?$)", "", MARKER.sub(keep, text)).strip()


def is_refusal(text: str) -> bool:
    """Did the model say the passages do not answer? Judged on the opening sentence."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return bool(REFUSAL.search(first)) and not MARKER.search(first)


QUOTE = re.compile(r"Quote:\s*(?:\[(\d+)\])?\s*(.*?)\s*(?=\n\s*Quote:|\n\s*Answer:|\Z)", re.S | re.I)
# At the start of a line: a quoted sentence may itself contain the word "Answer:".
ANSWER = re.compile(r"(?:^|\n)[ \t]*Answer:\s*(.*?)\s*(?=\bQuote:|\Z)", re.S | re.I)


def answer_so_far(reply: str) -> str:
    """The answer part of a reply still being generated: its text up to a 'Quote:' line, less
    a leading 'Answer:' and a last line that may yet turn out to be 'Quote:'. A reply that opens
    with its quote shows nothing until its 'Answer:' line."""
    head = reply.lstrip().lower()
    if len(head) < 7 and ("answer:".startswith(head) or "quote:".startswith(head)):
        return ""  # too early to tell an answer from a label
    m = re.search(r"(?:^|\n)[ \t]*Answer:[ \t]*", reply, re.I)
    if m:
        part = reply[m.end():]
    elif head.startswith("quote:"):
        return ""
    else:
        part = reply
    end = re.search(r"\bQuote:", part, re.I)
    if end:
        part = part[: end.start()]
    else:
        # Hold back a last word that may be the start of 'Quote:' (a model may not start a new line).
        last = re.search(r"(?:^|\s)(\S{1,6})$", part)
        if last and "quote:".startswith(last.group(1).lower()):
            part = part[: last.start(1)]
        # Figures and dates still being written ('2020-0') wait for what follows them, so that a
        # date is shown spelled out ('9 June 2020'), whole.
        part = re.sub(r"[\d-]+$", "", part)
    # Trailing spaces and line breaks wait for the text after them: they may only separate the
    # answer from its quote.
    return readable(part.rstrip())


def split_reply(reply: str) -> tuple[list[tuple[int | None, str]], str | None]:
    """'Answer: ...\nQuote: [2] "..."' -> ([(2, '...')], '...'), in either order; a small model
    sometimes leaves out the 'Answer:' label, and then the text before its quote is the answer.
    Answer is None if absent."""
    quotes = []
    for m in QUOTE.finditer(reply):
        text = m.group(2).strip().strip('"“”').strip()
        if text and text.lower().rstrip(".") != "none":
            quotes.append((int(m.group(1)) if m.group(1) else None, text))
    answer = ANSWER.search(reply)
    if answer:
        return quotes, readable(answer.group(1).strip())
    unlabelled = re.split(r"\bQuote:", reply, maxsplit=1, flags=re.I)[0].strip()
    return quotes, readable(unlabelled) or None


NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                     "eighty": "80", "ninety": "90", "hundred": "100", "dozen": "12"})


def numbers(text: str) -> set[str]:
    """The figures a text states, as digits: '79 kilograms', 'four soldiers', '8,000'."""
    text = MARKER.sub(" ", text)
    found = {m.replace(",", "") for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    found |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return {n.rstrip(".") for n in found} - {"0", "1"}  # "one of the", "a single": too common to check


def unsupported_numbers(answer: str, support: str) -> set[str]:
    """Figures in the answer that its support (quotes, question, dates) does not state."""
    return numbers(answer) - numbers(support)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def locate_quote(quote: str, passages: list[str], hint: int | None = None) -> int | None:
    """The number (1-based) of the passage that contains `quote`, allowing for small slips
    (punctuation, a changed word). None when no passage contains it: the quote is made up."""
    words = _words(quote)
    if len(words) < 3:
        return None
    order = list(range(len(passages)))
    if hint and 1 <= hint <= len(passages):
        order.remove(hint - 1)
        order.insert(0, hint - 1)
    for i in order:
        have = set(_words(passages[i]))
        if sum(w in have for w in words) >= 0.85 * len(words):
            return i + 1
    return None


def find_sentence(sentence: str, text: str) -> tuple[int, int] | None:
    """Where `sentence` is in `text`, allowing other spacing and line breaks (a passage keeps the
    article's; a support sentence is joined onto one line)."""
    words = sentence.split()
    m = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    return (m.start(), m.end()) if m else None


def own_sentences(quote: str, text: str) -> str | None:
    """The passage's own words for a quote found in it (locate_quote allows slips): the sentence,
    or run of up to three adjacent sentences, that holds most of the quote's words, as the
    passage prints it, so that it can be marked in the passage. None if no sentence holds half."""
    words = set(tokenize(quote))
    if not words:
        return None
    units = text_sentences(text)
    best, best_share = None, 0.5
    for size in (1, 2, 3):
        for i in range(len(units) - size + 1):
            run = units[i : i + size]
            have = set(tokenize(" ".join(run)))
            share = len(words & have) / len(words)
            # A longer run must hold clearly more of the quote to be preferred.
            if share > best_share + 0.1 * (size > 1 and best is not None):
                best, best_share = " ".join(s.strip() for s in run), share
        if best_share >= 0.85:
            break
    return best


def adds(answer: str, question: str) -> tuple[set[str], set[str]]:
    """What an answer says beyond its question: its own words (stemmed, months spelled out) and
    figures."""
    words = {_month(w) for w in tokenize(MARKER.sub(" ", answer)) if not w.isdigit()}
    words -= {_month(w) for w in tokenize(question)} | ANSWER_FILLER | _restated(answer, question)
    # A date as the prompt showed it ('November 3 (2022-11-03)') is its day and year, not '03'.
    return words, numbers(readable(answer)) - numbers(question)


@lru_cache(maxsize=256)
def _restated(answer: str, question: str) -> frozenset[str]:
    """The answer's words that are the question's in another form, by the parser's lemmas ('How
    much did X give?' 'X gave ...'): irregular forms the stemmer does not join add nothing."""
    from index.nlp import nlp

    asked = {t.lemma_.lower() for t in nlp()(question)}
    return frozenset(w for t in nlp()(MARKER.sub(" ", answer)) if t.lemma_.lower() in asked
                     for w in tokenize(t.text))


def states_some(sentence: str, answer: str, question: str) -> bool:
    """Does `sentence` state any of what the answer adds to the question (a word or a figure)?"""
    words, figures = adds(answer, question)
    if not words and not figures:
        return True  # the answer only echoes the question: nothing to tell sentences apart
    return bool(words & {_month(w) for w in tokenize(sentence)} or figures & numbers(sentence))


def supporting_sentence(answer: str, question: str, passages: list[str],
                        cited: list[int]) -> tuple[int, str] | None:
    """(passage number, sentence) of a passage sentence that states what the answer adds to the
    question, for a reply whose quote is missing, made up or silent on the answer's figures: the
    answer's own words and every figure it adds must be in that sentence, not merely the
    question's words. Cited passages are tried first; None if no sentence does."""
    words, figures = adds(answer, question)
    if not words and not figures:
        return None  # it only echoes the question
    order = [n - 1 for n in cited if 1 <= n <= len(passages)]
    order += [i for i in range(len(passages)) if i not in order]
    for i in order:
        for sentence in text_sentences(passages[i]):
            have = {_month(w) for w in tokenize(sentence)}
            if figures <= numbers(sentence) and len(words & have) >= 0.75 * len(words):
                return i + 1, sentence.strip()
    return None


def supporting_sentences(answer: str, question: str, passages: list[str],
                         most: int = 3) -> list[tuple[int, str]]:
    """[(passage number, sentence)]: a few sentences, of any passages, that state together what
    the answer adds to the question when no one sentence does ('500 fighters in 2012 and 450
    members in 2020' rests on a sentence of each year). Each of them holds a figure of the answer
    and another of its words; together they hold every figure and most of the words it adds. [] if
    none do."""
    words, figures = adds(answer, question)
    if not figures:
        return []
    # A sentence holding a figure must also share a word with the answer ('450 members').
    context = {_month(w) for w in tokenize(MARKER.sub(" ", answer)) if not w.isdigit()} - ANSWER_FILLER
    units = [(i + 1, sentence.strip(), {_month(w) for w in tokenize(sentence)}, numbers(sentence))
             for i, text in enumerate(passages) for sentence in text_sentences(text)]
    chosen: list[tuple[int, str, set[str], set[str]]] = []
    for figure in sorted(figures):
        if any(figure in u[3] for u in chosen):
            continue
        holding = [u for u in units if figure in u[3] and context & u[2]]
        if not holding:
            return []
        chosen.append(max(holding, key=lambda u: len(context & u[2])))
        if len(chosen) > most:
            return []
    have = set().union(*(u[2] for u in chosen))
    # An answer that retells a run of sentences states their words too: the sentence next to a
    # chosen one (same passage) that holds most of what is still missing joins, while there is
    # room and it holds three or more. Sentences of other passages make no run.
    while len(words & have) < 0.75 * len(words) and len(chosen) < most:
        beside = [u for k, u in enumerate(units) if u not in chosen and any(
            units[j] in chosen and units[j][0] == u[0] for j in (k - 1, k + 1) if 0 <= j < len(units))]
        more = max(beside, key=lambda u: len((words - have) & u[2]), default=None)
        if more is None or len((words - have) & more[2]) < 3:
            break
        chosen.append(more)
        have |= more[2]
    if len(words & have) < 0.75 * len(words):
        return []
    return [(n, sentence) for n, sentence, _, _ in chosen]


MONTHS = {m[:3]: m for m in ("january february march april may june july august september october "
                             "november december").split()}
MONTHS["sept"] = "september"


def _month(word: str) -> str:
    return MONTHS.get(word, word)


# Words an answer uses to restate, not to inform: they need not appear in its source. As
# tokenize() emits them: it has already dropped stopwords and stemmed the rest.
ANSWER_FILLER = {"article", "passage", "say", "said"}


MONTH_NAMES = ("January February March April May June July August September October November "
               "December").split()


def readable(text: str) -> str:
    """ISO dates as words ('2012-08-15' -> '15 August 2012'), so '15' and 'August' are found."""
    def day(m: re.Match[str]) -> str:
        return f"{int(m.group(3))} {MONTH_NAMES[int(m.group(2)) - 1]} {m.group(1)}"

    text = re.sub(r"\b(\d{4})-(0[1-9]|1[0-2])-(\d\d)\b", day, text)
    def month(m: re.Match[str]) -> str:
        return f"{MONTH_NAMES[int(m.group(2)) - 1]} {m.group(1)}"

    return re.sub(r"\b(\d{4})-(0[1-9]|1[0-2])\b", month, text)


NAME = re.compile(r"\b[A-ZÀ-Ý][\w'’-]*(?: [A-ZÀ-Ý][\w'’-]*)*")  # 'Victor Quispe Palomino': one name
ARITHMETIC = re.compile(r"\d[\d,]*(?:\s*\+\s*\d[\d,]*)+\s*=\s*\d[\d,]*")
# Words an answer uses about its sources, not names from the news.
OWN_WORDS = {"passage", "passages", "article", "articles", "note", "counted", "date", "dates",
             "inferred", "report", "reports", "according", "yes", "none", "also", "both", "each"}


def names(text: str, common: set[str] = frozenset()) -> list[str]:
    """The names of a text: runs of capitalised words, but not a lone capitalised word that opens
    a sentence when it is a common word ('However, ...', 'Four soldiers ...'): one written in
    lower case in `common` (words of other texts), or any word when `common` is empty."""
    found = []
    for m in NAME.finditer(text):
        before = text[: m.start()].rstrip()
        opens = not before or before[-1] in ".!?:\n\"“(" or before.endswith("…")
        if opens and " " not in m.group() and (not common or fold(m.group()) in common):
            continue
        found.append(m.group())
    return found


def fold(text: str) -> str:
    """Lower case, accents and kinds of apostrophe ignored: 'Añón' matches 'anon'."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def ungrounded(answer: str, support: str) -> list[str]:
    """The names (capitalised words) and figures of `answer` that `support` (the question and
    the cited passages, dates as the prompt showed them) does not state. A word counts as stated
    when a word of the support begins with it or it with one ('Africa', 'African'). The figures of
    the answer's own arithmetic ('5 + 2 = 7') are sums, in no passage, and are allowed."""
    # Dates compared as words on both sides: '2020-06-09' in an answer is '9 June 2020'.
    answer, support = readable(answer), f"{support} {readable(support)}"
    words = set(re.findall(r"[\w'-]+", fold(support)))
    words |= {w.removesuffix("'s") for w in words}  # the answer's "Zorbu's" is checked as "zorbu"
    stems = {w[:5] for w in words if len(w) >= 5}

    def stated(word: str) -> bool:
        return word in words or (len(word) >= 5 and word[:5] in stems and any(
            w.startswith(word[:5]) and abs(len(w) - len(word)) <= 3 for w in words))

    # A word that opens a sentence of the answer is a name unless the support writes it in lower
    # case or it is a word of every text ('Meta cut...' is checked, 'However, ...' is not).
    common = set(re.findall(r"\b[a-z][\w'-]*", support)) | STOPWORDS | OWN_WORDS | NUMBER_WORDS.keys()
    missing = []
    for name in dict.fromkeys(names(MARKER.sub(" ", answer), {fold(w) for w in common})):
        parts = [p.removesuffix("'s") for p in re.findall(r"[\w'-]+", fold(name))]
        if any(p not in STOPWORDS | OWN_WORDS | NUMBER_WORDS.keys() and not stated(p) for p in parts):
            missing.append(name)
    sums = numbers(" ".join(ARITHMETIC.findall(answer)))
    return missing + sorted(numbers(answer) - numbers(support) - sums)


WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
CALENDAR_WORDS = {*WEEKDAYS, *(m.lower() for m in MONTH_NAMES)}  # 'Monday' names no one
DIGIT_NAME = r"[a-z]+\d[\w-]*"  # a name in lower case with a digit: 'zq7'
MONTH = re.compile(r"\b(?:" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*\.?(?=\W|$)|\b\d{4}-\d\d\b", re.I)
YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d(?:s\b)?")
# What a question asks for, by its wording (English question forms), and what an answer must
# then state: a question asking when gets an answer with a date in it, or none.
ASKS = [
    ("day", re.compile(r"\b(?:which|what|on what)(?: exact)?(?: calendar)? (?:date|day of the month)\b")),
    ("weekday", re.compile(r"\b(?:which|what) day of the week\b")),
    ("month", re.compile(r"\b(?:which|what) month\b")),
    ("year", re.compile(r"\b(?:which|what) year\b")),
    ("date", re.compile(r"^(?:since )?when\b")),
    ("figure", re.compile(r"^how (?:many|much|long|old|far|large|big)\b"
                          r"|\b(?:what|which) (?:share|percentage|proportion|amount)\b"
                          r"|^what (?:is|was|are|were) the "
                          r"(?:price|cost|value|amount|number|size|total|toll|share)\b")),
    ("name", re.compile(r"^(?:who|whom)\b|^what (?:is|was|are|were) the names? of\b")),
    # 'Which agency reported the toll?': the source a text credits (see rag/api.py CREDIT).
    ("source", re.compile(r"\b(?:which|what) (?:news |media )?(?:outlets?|agency|agencies|newspapers?|"
                          r"publications?|broadcasters?|wire services?|websites?|sources?)\b"
                          r"|\baccording to (?:whom|which|what)\b")),
]


# 'What caused the fire?', 'Why ...?': a question asking for a cause, answered by a sentence with
# words that state one ('A faulty heater apparently triggered the blaze'). Not a kind asks_for()
# gives: an answer's wording need not say 'because' ('He said they had hired too many').
ASKS_CAUSE = re.compile(r"^why\b|^what (?:caused|triggered|sparked|started|led to)\b"
                        r"|^what (?:is|was|are|were) the (?:causes?|reasons?|trigger)\b", re.I)
CAUSE = re.compile(r"\b(?:caus(?:e|es|ed|ing)|trigger(?:s|ed|ing)?|spark(?:s|ed)?|blam(?:e|es|ed)|"
                   r"because|due to|owing to|result(?:ed|s)? (?:of|from)|led to|attribut(?:e|es|ed)|"
                   r"reasons?)\b", re.I)


def asks_for(question: str) -> str | None:
    """What kind of thing the question asks for ('day', 'weekday', 'month', 'year', 'date',
    'figure', 'name', 'source'), when its wording says so; None for the rest ('what happened?')."""
    q = " ".join(question.lower().split())
    return next((kind for kind, pattern in ASKS if pattern.search(q)), None)


def _opens_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" “\"'‘(")
    return not before or before[-1] in ".!?:\n"


def _proper_starts(text: str) -> set[int]:
    """Where the parser reads a proper noun in `text` (character offsets)."""
    from index.nlp import nlp

    return {t.idx for t in nlp()(text) if t.pos_ == "PROPN"}


def gives(answer: str, question: str, kind: str) -> bool:
    """Does the answer state a thing of that kind that the question does not already?"""
    text = MARKER.sub(" ", answer)
    years = set(YEAR.findall(text)) - set(YEAR.findall(question))
    months = {m.lower()[:3] for m in MONTH.findall(text)} - {m.lower()[:3] for m in MONTH.findall(question)}
    if kind in ("name", "source"):  # any capitalised run, a sentence's first word too ('Ruiz wrote it')
        asked = fold(question)
        if kind == "source" and any(w not in asked for w in re.findall(rf"\b{DIGIT_NAME}", text)):
            return True  # 'zq7'
        found = [m for m in NAME.finditer(text)
                 if fold(m.group()) not in asked
                 and set(fold(m.group()).split()) - STOPWORDS - OWN_WORDS - CALENDAR_WORDS]
        # A sentence's first word is a name only if the parser reads it as one: not 'Later, ...'.
        if any(" " in m.group() or not _opens_sentence(text, m.start()) for m in found):
            return True
        return bool(found) and bool({m.start() for m in found} & _proper_starts(text))
    if kind == "figure":
        return bool(numbers(text) - numbers(question))
    if kind == "weekday":
        return any(d in text.lower() for d in WEEKDAYS)
    if kind == "year":
        return bool(years)
    if kind == "month":
        return bool(months)
    if kind == "day":
        return bool(re.search(r"\b\d{4}-\d\d-\d\d\b", text)) or bool(MONTH.search(text) and re.search(
            r"\b(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b", YEAR.sub(" ", text)))
    return bool(years or months or any(d in text.lower() for d in WEEKDAYS))  # date
