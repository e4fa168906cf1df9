"""Scoring one answer against one case."""

from __future__ import annotations

import re
from pathlib import Path

from eval.suite import Case
from rag.answer import Answer

# The second half of a compound number: 'twenty' in 'twenty-four' is not a mention of twenty.
UNITS = "(?:one|two|three|four|five|six|seven|eight|nine)"


def mentions(text: str, phrase: str) -> bool:
    """Whole-word, case-insensitive: '4' matches '4 soldiers' but not '40', '2014', '2023-04',
    '4,000' or '4.5'; 'four' does not match 'fourteen' nor 'twenty-four' (a hyphen joined to a
    word before it makes one compound number), nor 'twenty' 'twenty-four'."""
    pattern = r"(?<![\w.,])(?<!\w-)" + re.escape(phrase.strip()) + r"(?![\w]|[.,]\d|-" + UNITS + r"\b)"
    return re.search(pattern, text, re.I) is not None


def score(case: Case, answer: Answer) -> dict:
    text = answer.text
    cited = sorted({Path(c.path.split("#")[0]).name for c in answer.citations})
    retrieved = sorted({Path(p.source.split("#")[0]).name for p in answer.passages})
    sources = set(case.sources)
    if case.answerable:
        included = all(any(mentions(text, alt) for alt in group) for group in case.must_include)
        excluded = not any(mentions(text, bad) for bad in case.must_not_include)
        correct = answer.answered and included and excluded
    else:
        excluded = not any(mentions(text, bad) for bad in case.must_not_include)
        correct = not answer.answered and not cited and excluded
    result = {
        "correct": correct,
        "refused": not answer.answered,
        "cited": cited,
        "retrieved": retrieved,
        # Citation and retrieval figures only mean something where the case names sources.
        "citation_recall": (1.0 if sources & set(cited) else 0.0) if sources else None,
        "citation_precision": (len(sources & set(cited)) / len(cited)) if sources and cited else None,
        "retrieval_recall": (1.0 if sources & set(retrieved) else 0.0) if sources else None,
        # A figure the case names as a wrong answer (a double count, another event's toll).
        "states_excluded": any(mentions(text, bad) for bad in case.must_not_include),
    }
    return result
