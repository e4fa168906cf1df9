"""Large stores for retrieval timings, grown from a real index.

Embedding 100,000 chunks takes about 40 minutes on 2 cores, so a store of N chunks is made of
the real chunks of a built index (real text, real embeddings) plus copies of them: each copy
has its figures and years changed and its embedding moved by a little random noise. Both go
into a real Chroma collection and a real SQLite manifest, so the retrieval code under test
is exactly the one that answers questions."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.store import Store

CHUNKS_PER_COPY_DOC = 6
NOISE = 0.025  # per dimension: a copy keeps a cosine of about 0.9 with its original
INSERT_BATCH = 4000


@dataclass
class RealChunks:
    rows: list[dict]
    vectors: np.ndarray


def read_chunks(index_dir: Path) -> RealChunks:
    """Every chunk of an index with its embedding, in manifest order."""
    store = Store(index_dir, create=False)
    try:
        rows = [dict(r) for r in store.chunk_rows()]
        ids = [r["id"] for r in rows]
        by_id = store.embeddings(ids)
        vectors = np.array([by_id[i] for i in ids], dtype=np.float32)
        return RealChunks(rows, vectors)
    finally:
        store.close()


def _vary(text: str, rng: random.Random) -> str:
    def number(m: re.Match[str]) -> str:
        value = m.group(0)
        if len(value) == 4 and value[:2] in {"19", "20"}:
            return str(rng.randint(1995, 2024))
        return str(rng.randint(2, 999))

    return re.sub(r"\b\d+\b", number, text)


def build_scaled_store(real: RealChunks, index_dir: Path, size: int, seed: int = 6) -> dict:
    """A store of exactly `size` chunks in `index_dir`: the real chunks first (as many as
    fit), then varied copies. Returns how many of each."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    store = Store(index_dir)
    try:
        store.begin_write()
        n_real = min(size, len(real.rows))
        plan: list[tuple[str, dict, str, np.ndarray]] = []  # (source, base row, text, vector)
        for i in range(n_real):
            r = real.rows[i]
            plan.append((r["source"], r, r["text"], real.vectors[i]))
        for j in range(size - n_real):
            base = rng.randrange(len(real.rows))
            r = real.rows[base]
            vector = real.vectors[base] + noise.normal(0, NOISE, real.vectors.shape[1]).astype(np.float32)
            vector /= np.linalg.norm(vector)
            source = f"/bench/copies/{j // CHUNKS_PER_COPY_DOC:06d}.txt"
            plan.append((source, r, _vary(r["text"], rng), vector))
        chunks_of: dict[str, list[tuple]] = {}
        for n, (source, r, text, _) in enumerate(plan):
            if source not in chunks_of:
                chunks_of[source] = []
                store.put_raw(source, r["path"] if n < n_real else source, "", {})
                store.update_document(source, title=r["title"], date=r["date"],
                                      date_inferred=r["date_inferred"], outlet=r["outlet"], url=r["url"],
                                      duplicate_of="")
            years = r["years"] if n < n_real else json.dumps(sorted(
                {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)} | set(json.loads(r["years"]))))
            chunks_of[source].append((f"c{n:07d}", len(chunks_of[source]), text, 0, years))
        for source, rows in chunks_of.items():
            store.set_chunks(source, rows)
        ids = [f"c{n:07d}" for n in range(len(plan))]
        for start in range(0, len(plan), INSERT_BATCH):
            part = plan[start : start + INSERT_BATCH]
            store.collection.add(
                ids=ids[start : start + INSERT_BATCH],
                embeddings=np.stack([p[3] for p in part]),
                metadatas=[{"source": p[0], "title": p[1]["title"] or ""} for p in part],
                documents=[p[2] for p in part],
            )
        store.end_write()
        return {"chunks": size, "real_chunks": n_real, "copied_chunks": size - n_real}
    finally:
        store.close()
