"""Questions about an article itself: who wrote it, when it was published. They are answered
from the article's metadata (its byline and publication date, as indexing read them), not by
the model: the 1.5B model does not read a passage's heading as part of it, and said "the
articles do not say" to most of these with the date in front of it; the byline is not in the
prompt at all.

question -> the article it describes (of the passages retrieved) -> its byline or date -> Answer
"""

from __future__ import annotations

import re
import time

from rag.answer import Answer, Citation
from rag.citations import fold, readable
from rag.retrieve import Passage, tokenize

# English question forms; no word here names anything of one corpus.
AUTHOR = re.compile(r"\bwho (?:wrote|authored|penned)\b|\b(?:author|writer|byline) of\b", re.I)
PUBLISHED = re.compile(r"\b(?:when|what date|which date|what day|which day|in which year|what year)\b"
                       r".*\b(?:published|posted|put out|released)\b", re.I)


def asks_about_article(question: str) -> str | None:
    """'author' or 'published' when the question asks who wrote an article or when it was
    published; None otherwise."""
    if AUTHOR.search(question):
        return "author"
    if PUBLISHED.search(question):
        return "published"
    return None


def described(question: str, passages: list[Passage], outlets: set[str]) -> tuple[int, Passage] | None:
    """(n, passage): of the passages retrieved, the one of the article the question describes:
    of the outlet the question names, if it names one, the passage sharing most of the question's
    other words (then retrieval's order). None when the question names an outlet of the index
    (`outlets`) that no passage retrieved is from: that article was not found."""
    asked = fold(question)
    named = [(n, p) for n, p in enumerate(passages, start=1) if p.outlet and fold(p.outlet) in asked]
    if not named and any(fold(o) in asked for o in outlets):
        return None
    candidates = named or list(enumerate(passages, start=1))
    if not candidates:
        return None
    words = set(tokenize(question)) - {w for _, p in named for w in tokenize(p.outlet)}
    return max(candidates, key=lambda item: (len(words & set(tokenize(f"{item[1].title} {item[1].text}"))),
                                             -item[0]))


def answer_about_article(question: str, passages: list[Passage], outlets: set[str], model: str,
                         started: float, no_answer: str) -> Answer | None:
    """The answer from the described article's metadata, or None when the question is not about
    an article itself (or names an outlet none of the passages has)."""
    kind = asks_about_article(question)
    found = described(question, passages, outlets) if kind else None
    if found is None:
        return None
    n, p = found
    answer = Answer(question, passages=passages, model=model, route="metadata")
    if kind == "author" and p.author:
        answer.text = f"It was written by {p.author} [{n}]."
    elif kind == "published" and p.date and not p.date_inferred:
        answer.text = f"It was published on {readable(p.date)} [{n}]."
    elif kind == "published" and p.date:
        answer.text = (f"The article prints no date; from its text it is from {p.date[:4]} "
                       f"(inferred) [{n}].")
    else:
        what = "its author" if kind == "author" else "when it was published"
        answer.text, answer.answered = f"{no_answer} The article ({p.title}) does not say {what}.", False
    if answer.answered:
        # The byline and date belong to the article, shown with its title: the title is marked.
        answer.citations = [Citation.of(n, p, [p.title] if p.title else [])]
        answer.notes.append(f"From the article's {'byline' if kind == 'author' else 'publication date'}"
                            ", as indexing read it (`rag docs`).")
    answer.timings["total_s"] = answer.timings["first_token_s"] = round(time.perf_counter() - started, 3)
    return answer
