"""Why a case went wrong: the first stage of the pipeline that lost it.

    question -> candidates -> passages given -> their excerpts -> the model -> the answer check

The evidence of a case is a sentence that states its reference answer: one that mentions an
alternative of every `must_include` group, read as the model reads it (relative dates resolved,
the passage's title and publication date beside it). Where no single sentence does, a whole
passage that does; where no passage does either, the case's source articles stand in for it.

The classes, in pipeline order (the first that applies):
- counting path: a counting question, or one the event table answered (counting has its own issue);
- refused by a rule: refused without the model (a name no article contains, a period none covers);
- answered unanswerable: a question the articles cannot answer got an answer;
- not retrieved (candidates): no candidate passage holds the evidence;
- not retrieved (passages): a candidate holds it, none of the passages given to the model does;
- evidence dropped: a passage given holds it, but its excerpt in the prompt left it out;
- refused with evidence: the excerpt held it and the model said the articles do not say;
- refused, evidence not located: the model refused; no sentence or passage states the reference
  answer, so whether the model had it is not known;
- withheld by the check: the model answered, but neither its quote nor any passage sentence
  states what it said, so the answer was not shown;
- wrong answer: answered, wrongly, with the evidence in the prompt.

A run records, for each case, what this needs (`route`, `withheld`, `evidence`), so a saved
`--json` run is classified as it is read. Older runs without those fields are classified from
what they have (a run that predates `evidence` cannot tell the retrieval stages apart), or
replayed: `replay()` retrieves and cuts the passages again, without the model.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from eval.score import mentions
from rag.citations import readable

COUNTING_CATEGORIES = {"count", "total", "same-event", "disputed"}
CLASSES = ["counting path", "refused by a rule", "answered unanswerable", "not retrieved (candidates)",
           "not retrieved (passages)", "evidence dropped", "refused with evidence",
           "refused, evidence not located", "withheld by the check", "wrong answer", "error"]


def states(text: str, groups: list[list[str]]) -> bool:
    """Does `text` mention an alternative of every group?"""
    text = readable(text)
    return bool(groups) and all(any(mentions(text, alt) for alt in group) for group in groups)


def _header(p) -> str:
    from rag.context import date_label

    return f"{p.title} ({p.outlet}, {date_label(p)})"


def _units(p, excerpt: bool, level: str) -> list[str]:
    """What the model reads of passage `p` (or, excerpt=False, what it could have read), as the
    units evidence is looked for in: each sentence with the passage's title and date, or all of it."""
    from index.chunk import text_sentences
    from rag.context import annotate_dates

    text = annotate_dates((p.excerpt or p.text) if excerpt else p.text, p.date)
    if level == "passage":
        return [f"{_header(p)} {text}"]
    return [f"{_header(p)} {s}" for s in text_sentences(text)] or [_header(p)]


def _holds(p, groups: list[list[str]], level: str, excerpt: bool = False) -> bool:
    return any(states(u, groups) for u in _units(p, excerpt, level))


def evidence(must_include: list[list[str]], sources: list[str], candidates: list, given: list,
             source_chunks: list) -> dict:
    """Where the evidence of a case was: found at all (its level: 'sentence' when one sentence
    states it, 'passage' when only a whole passage does), among the candidates, among the passages
    given, in their excerpts. At each stage a sentence or a whole passage (excerpt) stating it
    counts: an answer may rest on two adjacent sentences. Passages are rag.retrieve.Passage objects."""
    def holds(passages: list, excerpt: bool = False) -> bool:
        return any(_holds(p, must_include, level, excerpt) for level in ("sentence", "passage")
                   for p in passages)

    for level in ("sentence", "passage"):
        if any(_holds(p, must_include, level) for p in [*source_chunks, *candidates]):
            return {"level": level, "candidates": holds(candidates), "passages": holds(given),
                    "excerpt": holds(given, excerpt=True)}
    # Not stated anywhere in one piece: only the source articles can be followed.
    names = set(sources)
    return {"level": None,
            "candidates": any(file_name(p.source) in names for p in candidates),
            "passages": any(file_name(p.source) in names for p in given),
            "excerpt": None}


def classify(case: dict) -> str | None:
    """The failure class of a case result (None when it is correct); see the module docstring."""
    if case.get("correct"):
        return None
    if case.get("error"):
        return "error"
    answer = case.get("answer") or ""
    route = case.get("route") or _route(case)
    if case.get("category") in COUNTING_CATEGORIES or route == "events":
        return "counting path"
    if route in ("unknown-names", "out-of-period"):
        return "refused by a rule"
    if not case.get("answerable", True):
        return "answered unanswerable"
    found = case.get("evidence")
    if found is None:  # a run from before evidence was recorded: the article level only
        found = {"level": None, "candidates": None,
                 "passages": None if case.get("retrieval_recall") is None else bool(case["retrieval_recall"]),
                 "excerpt": None}
    if found["candidates"] is False:
        return "not retrieved (candidates)"
    if found["passages"] is False:
        return "not retrieved (passages)"
    if found["excerpt"] is False:
        return "evidence dropped"
    withheld = case.get("withheld")
    if withheld is None:
        withheld = "(Not shown: neither" in answer
    if withheld:
        return "withheld by the check"
    if case.get("refused"):
        return "refused with evidence" if found["excerpt"] else "refused, evidence not located"
    return "wrong answer"


def _route(case: dict) -> str:
    """The route of a case saved before routes were recorded, from the wording each route uses
    (a scrubbed answer keeps its opening only) and the event table's passages (no score)."""
    answer = case.get("answer") or ""
    passages = case.get("passages") or []
    if passages and all(p.get("score") == 0 for p in passages):
        return "events"
    if "How this was counted" in answer or answer.startswith("Counted:") or "\n\nCounted:" in answer:
        return "events"
    if "None of them mentions" in answer:
        return "unknown-names"
    if "None of them reports anything about" in answer:
        return "out-of-period"
    return "passages"


def tally(cases: list[dict]) -> dict:
    """Failure classes counted over `cases`, overall and per category."""
    overall: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = {}
    for case in cases:
        stage = classify(case)
        if stage:
            overall[stage] += 1
            by_category.setdefault(case.get("category") or "-", Counter())[stage] += 1
    order = {c: i for i, c in enumerate(CLASSES)}
    ordered = lambda counts: dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], 99)))  # noqa: E731
    return {"failures": ordered(overall),
            "failures_by_category": {k: ordered(v) for k, v in sorted(by_category.items())},
            "evidence_recall": evidence_recall(cases)}


def evidence_recall(cases: list[dict]) -> dict:
    """Of the answerable passage cases whose evidence was located: the share with it among the
    candidates, among the passages given, and in the excerpts the model read (recall at each
    stage; the gap between the first two is what a wider top-k could win)."""
    located = [c["evidence"] for c in cases if (c.get("evidence") or {}).get("level")]
    if not located:
        return {}
    share = lambda key: round(sum(bool(e[key]) for e in located) / len(located), 3)  # noqa: E731
    return {"cases": len(located), "candidates": share("candidates"), "passages": share("passages"),
            "excerpt": share("excerpt")}


def failure_table(runs: dict[str, dict]) -> str:
    """A Markdown table: one row per failure class, one column per run (its name), the wrong
    cases of each run counted by class."""
    return _table({name: tally(run["cases"])["failures"] for name, run in runs.items()})


def category_table(run: dict) -> str:
    """A Markdown table of one run: one row per failure class, one column per category."""
    return _table(tally(run["cases"])["failures_by_category"])


def _table(columns: dict[str, dict[str, int]]) -> str:
    lines = ["| why wrong | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for cls in CLASSES:
        if any(cls in counts for counts in columns.values()):
            lines.append(f"| {cls} | " + " | ".join(str(c.get(cls, 0)) for c in columns.values()) + " |")
    lines.append("| **all wrong** | " + " | ".join(str(sum(c.values())) for c in columns.values()) + " |")
    return "\n".join(lines)


def replay(run: dict, settings, suites: list | None = None) -> dict:
    """A saved run's cases with `evidence` filled in where it is missing, by retrieving and
    cutting the passages again as the run did (no model); the cases' rules come from `suites`
    (default: the suite files the run names). A replayed case says whether the passages came
    out as the run recorded them (`replay_matches`): retrieval is deterministic, so they do
    when the code and index are those of the run."""
    from eval.suite import load_suite
    from index.store import Store
    from rag.context import focus
    from rag.retrieve import keyword_index, retrieve

    rules = {c.id: c for suite in suites or run["summary"]["suites"] for c in load_suite(suite)[0]}
    # Every candidate, in the order the passages given are taken from them.
    wide = settings.with_(top_k=2 * settings.candidates)

    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        chunks = keyword_index(store).passages
        cases = []
        for case in run["cases"]:
            if ("evidence" in case or not case.get("answerable", True) or case.get("error")
                    or (case.get("route") or _route(case)) != "passages"):
                cases.append(case)
                continue
            pool = retrieve(case["question"], wide, store).passages
            given = pool[: settings.top_k]
            focus(case["question"], given, settings.passage_budget, settings)
            recorded = [(file_name(p["path"]), round(p.get("score", 0), 4)) for p in case.get("passages", [])]
            again = [(file_name(p.source), round(p.score, 4)) for p in given]
            sources = case.get("sources", [])
            mine = [p for p in chunks if file_name(p.source) in sources]
            if case["id"] not in rules:
                raise ValueError(f"case {case['id']} is in none of the suites {suites}")
            found = evidence(rules[case["id"]].must_include, sources, pool, given, mine)
            cases.append(case | {"evidence": found, "replayed": True, "replay_matches": recorded == again})
        return run | {"cases": cases}
    finally:
        store.close()



def file_name(source: str) -> str:
    """An article's file name, as suites name sources ('a.jsonl#3' -> 'a.jsonl')."""
    return Path(source.split("#")[0]).name
