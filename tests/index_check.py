"""Reading an index the way a fresh process would, and checking that it is consistent."""

from __future__ import annotations

from pathlib import Path

from index.chunk import split_text
from index.settings import Settings
from index.store import Store
from rag.retrieve import retrieve


def fresh_store(index_dir: Path) -> Store:
    """A Store that sees what other processes wrote: Chroma keeps one open system per path per
    process, which would not notice a folder rebuilt by a `rag index` process."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return Store(index_dir, create=False)


def read_state(index_dir: Path) -> dict:
    store = fresh_store(index_dir)
    try:
        got = store.collection.get(include=["documents", "metadatas"])
        return {
            "pending": store.get_info("pending"),
            "documents": {r["source"]: {"body": r["body"], "chunk_key": r["chunk_key"],
                                        "duplicate_of": r["duplicate_of"]} for r in store.documents()},
            "chunks": [list(r) for r in store.db.execute("SELECT id, source, ord, text, page FROM chunks")],
            "chroma": {i: [d, m["source"], m["ord"], m.get("page")]
                       for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)},
        }
    finally:
        store.close()


def assert_consistent(state: dict, files: set[str], chunk_tokens: int = 180, overlap: int = 30) -> None:
    """Every file indexed once and fully; no orphan, missing or duplicate chunk anywhere."""
    assert state["pending"] == "0", "the last run did not finish its write"
    assert set(state["documents"]) == files, "every article indexed once, removed ones gone"
    by_source: dict[str, list] = {}
    for cid, source, ord_, text, _ in state["chunks"]:
        by_source.setdefault(source, []).append((ord_, text, cid))
    assert set(by_source) <= files, "no orphan chunks in the manifest"
    for source, doc in state["documents"].items():
        assert doc["chunk_key"] and not doc["duplicate_of"]
        chunks = sorted(by_source.get(source, []))
        expected = [c.text for c in split_text(doc["body"], chunk_tokens, overlap)]
        assert [t for _, t, _ in chunks] == expected, f"{source}: not fully indexed, or twice"
        assert [o for o, _, _ in chunks] == list(range(len(expected)))
    manifest = {cid: [text, source, ord_, page] for cid, source, ord_, text, page in state["chunks"]}
    assert len(manifest) == len(state["chunks"])
    assert set(state["chroma"]) == set(manifest), "Chroma and the manifest hold different chunks"
    assert state["chroma"] == manifest, "a Chroma entry differs from its manifest row"


def retrieved(index_dir: Path, question: str) -> list[tuple[str, int | None]]:
    """(source, dense rank) of the passages retrieved for `question`."""
    settings = Settings.load(index_dir=index_dir)
    store = fresh_store(index_dir)
    try:
        return [(p.source, p.dense_rank) for p in retrieve(question, settings, store).passages]
    finally:
        store.close()
