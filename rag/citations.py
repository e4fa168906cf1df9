"""answer text -> citations: [n] markers mapped to the passages the model was given.
A marker that points at no given passage is removed, never shown as a source."""

from __future__ import annotations

import re

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
ANSWER = re.compile(r"(?:^|\n)[ \t]*Answer:\s*(.*)", re.S | re.I)


def answer_start(reply: str) -> int | None:
    """Where the answer part of a reply begins (after its 'Answer:'), None before it comes."""
    m = re.search(r"(?:^|\n)[ \t]*Answer:[ \t]*", reply, re.I)
    return m.end() if m else None


def split_reply(reply: str) -> tuple[list[tuple[int | None, str]], str | None]:
    """'Quote: [2] "..."\nAnswer: ...' -> ([(2, '...')], '...'). Answer is None if absent."""
    quotes = []
    for m in QUOTE.finditer(reply):
        text = m.group(2).strip().strip('"“”').strip()
        if text and text.lower().rstrip(".") != "none":
            quotes.append((int(m.group(1)) if m.group(1) else None, text))
    answer = ANSWER.search(reply)
    return quotes, answer.group(1).strip() if answer else None


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
