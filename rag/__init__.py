"""Local, offline question answering over news articles, with citations.

    from rag import ask
    answer = ask("How many soldiers died in 2023?", corpus=["samples/"])
"""

from rag.answer import Answer, Citation
from rag.api import QuestionError, ask
from rag.config import Settings

__all__ = ["Answer", "Citation", "QuestionError", "Settings", "ask", "index", "list_documents"]


def index(paths: list, settings: Settings | None = None, progress: bool | None = None):
    """Index (incrementally) the articles under `paths`; returns an IndexReport."""
    from index.build import build_index

    return build_index(list(paths), settings, progress)


def list_documents(settings: Settings | None = None) -> list[dict]:
    """The indexed articles with their metadata and duplicates."""
    from index.build import describe_index

    return describe_index(settings or Settings.load())
