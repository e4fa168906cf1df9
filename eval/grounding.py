"""Does an answer state only what its cited passages contain? Its names (capitalised words) and
figures must each be in the question or in a passage it cites (title, outlet, text and dates,
relative dates resolved as the prompt shows them): rag.citations.ungrounded(), which the
pipeline also applies before it shows an answer. Here: that check over a case of an eval run,
for the eval summary (`ungrounded_answers`) and for a test over every answer of a saved run.

Only the answer's own sentence is checked: a counting answer's breakdown and the notes after it
are computed from the event table; the totals in its wording are sums ('5 + 2 + 4 = 11'), in no
passage, and are allowed where the breakdown shows the sum."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.citations import ARITHMETIC, ungrounded
from rag.context import annotate_dates

if TYPE_CHECKING:
    from collections.abc import Iterable


def cited_support(question: str, cited: list[dict]) -> str:
    """The question and the cited passages as the check reads them. `cited`: one dict per cited
    passage, with 'text' and, where known, 'title', 'outlet' and 'date'."""
    return " ".join([question, *(f"{c.get('title', '')} {c.get('outlet', '')} {c.get('author', '')} "
                                 f"{c.get('date', '')} {annotate_dates(c.get('text', ''), c.get('date', ''))}"
                                 for c in cited)])


def check_answer(answer: str, question: str, cited: list[dict]) -> list[str]:
    """What the answer's first paragraph states that its question and cited passages do not.
    The sums of a counting answer's breakdown (its later paragraphs) may be stated."""
    # Where a shared run file cuts an answer ("…"), its last word may be partial.
    answer = re.sub(r"\S*…", " ", answer)
    first, _, rest = answer.partition("\n\n")
    # "reported by 2 articles": the count of the answer's own citations, not a figure of them.
    first = re.sub(r"\breported by (?:\d+|two|three|four|five|six|seven|eight|nine|ten) articles\b", " ",
                   first)
    arithmetic = " ".join(ARITHMETIC.findall(rest))
    return ungrounded(f"{first} {arithmetic}", cited_support(question, cited))


def check_run(run: dict, chunks: dict[str, dict]) -> dict[str, list[str]]:
    """Every answered case of a saved run whose answer states something its cited passages do
    not: {case id: what}. `chunks`: the index's passages by id ('text', 'title', 'outlet',
    'date'), to read each citation's passage by the id the run recorded. A citation whose passage
    is not in `chunks` is reported too: the run was made on other articles. Ids are compared
    without their first part, the hash of the file's path, so that a run made on one machine can
    be checked on another, where the same articles sit in another folder."""
    found: dict[str, list[str]] = {}
    chunks = {portable_id(i): chunk for i, chunk in chunks.items()}
    for case in run["cases"]:
        if case.get("refused") or not case.get("citations"):
            continue
        absent = [c.get("id") or f"[{c['n']}]" for c in case["citations"]
                  if portable_id(c.get("id", "")) not in chunks]
        if absent:
            found[case["id"]] = [f"passage {a} not in this index" for a in absent]
            continue
        cited = [chunks[portable_id(c["id"])] for c in case["citations"]]
        missing = check_answer(case["answer"], case["question"],
                               cited_chunks(case.get("route", ""), cited, chunks.values()))
        summed = ARITHMETIC.search(case["answer"])
        if case.get("route") == "events" and not summed and not case.get("ungrounded"):
            # A shared run file cuts a counting answer before its breakdown: its sums were checked
            # against the breakdown when the run was made (the case's 'ungrounded' is empty).
            missing = [m for m in missing if not m.replace(",", "").isdigit()]
        if missing:
            found[case["id"]] = missing
    return found


def portable_id(passage_id: str) -> str:
    """A passage id without the hash of its file's path ('<path>-<content>-<n>' -> '<content>-<n>')."""
    return passage_id.split("-", 1)[-1]


def cited_chunks(route: str, cited: list[dict], every: Iterable[dict]) -> list[dict]:
    """What an answer rests on. A passage answer: the passages it cites. An answer from the event
    table or from an article's metadata: the whole articles it cites, for the table's dates and
    places come from any sentence of its articles (the cited passage holds the counted figure)."""
    if route not in ("events", "metadata"):
        return cited
    sources = {c.get("source") for c in cited}
    return [c for c in every if c.get("source") in sources] or cited


def passages_by_id(settings) -> dict[str, dict]:
    """The passages of the index in `settings`, by id, as check_run() reads them."""
    from index.store import Store
    from rag.retrieve import keyword_index

    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        return {p.id: {"text": p.text, "title": p.title, "outlet": p.outlet, "date": p.date,
                       "author": p.author, "source": p.source}
                for p in keyword_index(store).passages}
    finally:
        store.close()
