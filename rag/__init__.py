"""Local, offline question answering over news articles, with citations.

    from rag import ask
    answer = ask("How many soldiers died in 2023?", corpus=["samples/"])
"""

from pathlib import Path

from index.settings import Settings
from rag.answer import Answer, Citation
from rag.api import QuestionError, ask, warm_up

__all__ = ["Answer", "Citation", "QuestionError", "Settings", "ask", "events", "events_frame", "index",
           "list_documents", "show", "warm_up"]


def index(paths: list, settings: Settings | None = None, progress: bool | None = None):
    """Index (incrementally) the articles under `paths`; returns an IndexReport."""
    from index.build import build_index

    return build_index(list(paths), settings, progress)


def list_documents(settings: Settings | None = None) -> list[dict]:
    """The indexed articles with their metadata and duplicates."""
    from index.build import describe_index

    return describe_index(settings or Settings.load())


def show(paths: list | str, settings: Settings | None = None):
    """What indexing reads from the files or folders `paths`, without indexing them: a Shown with
    `articles` (path, title, date, date_source, outlet, author, duplicate_of, text, ...) and
    `skipped` (path, reason). Boilerplate and duplicates are found across the paths given."""
    from index.build import show_files

    return show_files([paths] if isinstance(paths, str | Path) else list(paths), settings)


def events(settings: Settings | None = None) -> list[dict]:
    """The event table: one record per event (date, places, counts with every figure reported,
    sources and the sentences they come from), merged across articles."""
    from index.store import Store
    from rag.counting import load_events

    settings = settings or Settings.load()
    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        return [e.to_dict() for e in load_events(store)]
    finally:
        store.close()


def events_frame(settings: Settings | None = None):
    """The event table as a pandas DataFrame, one row per event and figure: the statement's kind
    (incident, running_total, historical, forecast, generic; only incidents are summed), the
    figure counted, the rule that chose it and the other figures reported (needs pandas)."""
    import pandas as pd

    rows = []
    for e in events(settings):
        base = {"id": e["id"], "date": e["date"], "date_inferred": e["date_inferred"], "year": e["year"],
                "places": ", ".join(e["places"]), "sources": len(e["sources"])}
        rows += [{**base, "kind": "incident", "noun": c["noun"], "outcome": c["outcome"],
                  "figure": c["figure"], "rule": c["rule"], "other_figures": c["other_figures"],
                  "reported": c["reported"]}
                 for c in e["counts"]]
        rows += [{**base, "kind": st["kind"], "noun": st["noun"], "outcome": st["outcome"],
                  "figure": st["figure"],
                  "rule": "not counted: not an incident", "other_figures": [], "reported": {}}
                 for st in e["statements"]]
    return pd.DataFrame(rows)
