"""Does an answer state only what its cited passages contain? Its names (capitalised words) and
figures must each be in the question or in a passage it cites (title, outlet, text and dates,
relative dates resolved as the prompt shows them): rag.citations.ungrounded(), which the
pipeline also applies before it shows an answer. Here: that check over a case of an eval run,
for the eval summary (`ungrounded_answers`) and for a test over every answer of a saved run.

Only the answer's own sentence is checked: a counting answer's breakdown and the notes after it
are computed from the event table; the totals in its wording are sums ('5 + 2 + 4 = 11'), in no
passage, and are allowed where the breakdown shows the sum."""

from __future__ import annotations

from rag.citations import ARITHMETIC, ungrounded
from rag.context import annotate_dates


def cited_support(question: str, cited: list[dict]) -> str:
    """The question and the cited passages as the check reads them. `cited`: one dict per cited
    passage, with 'text' and, where known, 'title', 'outlet' and 'date'."""
    return " ".join([question, *(f"{c.get('title', '')} {c.get('outlet', '')} {c.get('date', '')} "
                                 f"{annotate_dates(c.get('text', ''), c.get('date', ''))}" for c in cited)])


def check_answer(answer: str, question: str, cited: list[dict]) -> list[str]:
    """What the answer's first paragraph states that its question and cited passages do not.
    The sums of a counting answer's breakdown (its later paragraphs) may be stated."""
    first, _, rest = answer.partition("\n\n")
    arithmetic = " ".join(ARITHMETIC.findall(rest))
    return ungrounded(f"{first} {arithmetic}", cited_support(question, cited))


def check_run(run: dict, chunks: dict[str, dict]) -> dict[str, list[str]]:
    """Every answered case of a saved run whose answer states something its cited passages do
    not: {case id: what}. `chunks`: the index's passages by id ('text', 'title', 'outlet',
    'date'), to read each citation's passage by the id the run recorded. A citation whose passage
    is not in `chunks` is reported too: the run was made on another index."""
    found: dict[str, list[str]] = {}
    for case in run["cases"]:
        if case.get("refused") or not case.get("citations"):
            continue
        absent = [c.get("id") or f"[{c['n']}]" for c in case["citations"] if c.get("id") not in chunks]
        if absent:
            found[case["id"]] = [f"passage {a} not in this index" for a in absent]
            continue
        missing = check_answer(case["answer"], case["question"], [chunks[c["id"]] for c in case["citations"]])
        if missing:
            found[case["id"]] = missing
    return found


def passages_by_id(settings) -> dict[str, dict]:
    """The passages of the index in `settings`, by id, as check_run() reads them."""
    from index.store import Store
    from rag.retrieve import keyword_index

    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        return {p.id: {"text": p.text, "title": p.title, "outlet": p.outlet, "date": p.date}
                for p in keyword_index(store).passages}
    finally:
        store.close()
