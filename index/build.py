"""files -> documents -> chunks -> store, incrementally.

An unchanged file costs one stat() call. When anything changed, cleaning, metadata and duplicate
detection are redone for the whole corpus (they depend on each other: boilerplate is what repeats
across articles), which is cheap text work; only chunks whose text changed are embedded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index import clean as cleaning
from index import dates
from index.chunk import embedded_spans, embedded_text, split_text
from index.dedup import find_duplicates
from index.events import extract_events, to_json
from index.load import RawDocument, Skipped, iter_files, load_file
from index.metadata import Metadata, extract, strip_header
from index.settings import Settings
from index.store import Store, StoreError, damaged_index, is_damage, write_failure

EVENTS_VERSION = "9"  # bump when index/events.py extracts differently: the table is redone


@dataclass
class IndexReport:
    documents: list[dict] = field(default_factory=list)
    chunks: int = 0
    skipped: list[dict] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def build_index(
    paths: list[str | Path], settings: Settings | None = None, progress: bool | None = None
) -> IndexReport:
    """Bring the index in `settings.index_dir` up to date with the articles under `paths`."""
    settings = settings or Settings.load()
    progress = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    store = Store(settings.index_dir, chroma_url=settings.chroma_url)
    try:
        changes = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "embedded_chunks": 0}
        skipped: list[Skipped] = []
        rebuilt = store.vector_store_damaged()  # found so by a reader or a run before this one
        if rebuilt:
            store.reset_vector_store()
        repaired = store.was_interrupted() and _repair(store)
        store.begin_write()
        dirty, gone = _sync_files(store, paths, skipped, changes)
        store.chroma_delete(gone)
        dirty = dirty or repaired or rebuilt
        key = _pipeline_key(settings)
        if dirty or store.get_info("pipeline_key") != key or store.get_info("events") != EVENTS_VERSION:
            _rebuild(store, settings, key, changes, progress)
            store.set_info("pipeline_key", key)
            store.set_info("events", EVENTS_VERSION)
        _fill_sentence_vectors(store, settings, progress)
        store.end_write()
        return _report(store, skipped, changes, time.perf_counter() - started)
    except Exception as e:
        if is_damage(e):
            raise damaged_index(settings.index_dir, e) from e
        if failure := write_failure(e):
            raise StoreError(f"Could not write the index in {settings.index_dir} ({failure}: is the disk "
                             "full?). Free some space and run rag index again; the index is as it was "
                             "before this run.") from e
        raise
    finally:
        store.close()


def _sync_files(
    store: Store, paths: list[str | Path], skipped: list[Skipped], changes: dict
) -> tuple[bool, list[str]]:
    """Load new and changed files into the manifest, drop removed ones.
    Returns whether anything changed and the chunk ids that must leave Chroma."""
    known = store.files()
    problems_of = store.problems()
    roots = [os.path.abspath(p) for p in paths]
    seen: set[str] = set()
    dirty = False
    gone: list[str] = []
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        path = os.path.abspath(item)
        seen.add(path)
        try:
            st = item.stat()
        except OSError as e:
            skipped.append(Skipped(str(item), f"cannot read: {e.strerror or e}"))
            continue
        if known.get(path) == (st.st_size, st.st_mtime_ns):
            changes["unchanged"] += 1
            skipped += [Skipped(source, reason) for source, reason in problems_of.get(path, [])]
            continue
        docs, problems = load_file(item)
        skipped += problems
        if not docs:
            # Unreadable now: what was indexed from it stays (nothing is lost), and the file is
            # tried again next run, since its recorded size and time are left as they were.
            continue
        old = {r["source"] for r in store.db.execute("SELECT source FROM documents WHERE path = ?", (path,))}
        new = {_source(path, d) for d in docs}
        gone += store.remove_documents(sorted(old - new))
        for doc in docs:
            store.put_raw(_source(path, doc), path, doc.text, doc.fields)
        store.put_file(path, st.st_size, st.st_mtime_ns)
        store.set_problems(path, [(p.path, p.reason) for p in problems])
        changes["updated" if path in known else "added"] += 1
        dirty = True
    for path in known:
        under_root = any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
        if under_root and path not in seen:
            gone += store.remove_file(path)
            changes["removed"] += 1
            dirty = True
    return dirty, gone


def _source(path: str, doc: RawDocument) -> str:
    """Documents are keyed by absolute path (plus '#L<n>' for a line of a .jsonl file)."""
    return path + doc.source[len(doc.path):]


def _pipeline_key(settings: Settings) -> str:
    from index.embed import embedder_name

    parts = [settings.clean, settings.dedup, settings.chunk_tokens, settings.chunk_overlap,
             embedder_name(settings), 5]  # bump the last number when processing changes
    return json.dumps(parts)


@dataclass
class _Doc:
    source: str
    path: str
    raw: str
    fields: dict[str, str]
    body: str = ""
    meta: Metadata = field(default_factory=Metadata)
    duplicate_of: str = ""


def _rebuild(store: Store, settings: Settings, pipeline: str, changes: dict, progress: bool) -> None:
    rows = store.documents()
    docs = [_Doc(r["source"], r["path"], r["raw_text"], json.loads(r["fields"])) for r in rows]
    stored = {r["source"]: r["chunk_key"] for r in rows}
    _clean_and_describe(docs, settings)
    stale_ids: list[str] = []
    to_embed: list[tuple[_Doc, str, list]] = []
    for doc in docs:
        m = doc.meta
        store.update_document(
            doc.source, title=m.title, date=m.date, date_inferred=int(m.date_inferred),
            date_note=m.date_note, outlet=m.outlet, author=m.author, url=m.url, body=doc.body,
            duplicate_of=doc.duplicate_of,
        )
        if doc.duplicate_of:  # a duplicate keeps no chunks: retrieval must not return it twice
            stale_ids += store.set_chunks(doc.source, [])
            store.update_document(doc.source, chunk_key="")
            continue
        key = _chunk_key(doc, pipeline)
        if stored.get(doc.source) == key:
            continue
        chunks = split_text(doc.body, settings.chunk_tokens, settings.chunk_overlap)
        to_embed.append((doc, key, chunks))
    if stale_ids:
        store.chroma_delete(stale_ids)
    _embed_and_store(store, settings, to_embed, changes, progress)
    events = extract_events([(d.source, d.body, d.meta.date, d.meta.date_inferred)
                             for d in docs if not d.duplicate_of])
    store.set_events((e.id, e.year, e.date, to_json(e)) for e in events)
    changes["events"] = len(events)


def _clean_and_describe(docs: list[_Doc], settings: Settings) -> None:
    """Cleaning, metadata and duplicates, for the whole corpus at once."""
    first_pass = [cleaning.clean(d.raw) if settings.clean else cleaning.normalize(d.raw) for d in docs]
    for doc, text in zip(docs, first_pass, strict=True):
        doc.meta = extract(doc.raw, text, doc.fields)
    duplicates: dict[int, int] = {}
    if settings.dedup:
        # The copy with a printed date and a title is the one to keep.
        rank = [(d.meta.date_inferred or not d.meta.date, not d.meta.title, -len(d.fields), d.source)
                for d in docs]
        duplicates = find_duplicates(first_pass, rank)
    if settings.clean:
        distinct = [t for i, t in enumerate(first_pass) if i not in duplicates]
        boilerplate = cleaning.find_boilerplate(distinct)
        for doc in docs:
            text = cleaning.clean(doc.raw, boilerplate)
            doc.meta = extract(doc.raw, text, doc.fields)
            doc.body = strip_header(text, doc.meta)
    else:
        for doc, text in zip(docs, first_pass, strict=True):
            doc.body = text
    for i, canonical in duplicates.items():
        doc, original = docs[i], docs[canonical]
        doc.duplicate_of = original.source
        if original.meta.date and (not doc.meta.date or doc.meta.date_inferred):
            doc.meta.date, doc.meta.date_inferred = original.meta.date, original.meta.date_inferred
            doc.meta.date_note = f"from its duplicate {Path(original.source).name}"


def _chunk_key(doc: _Doc, pipeline_key: str) -> str:
    m = doc.meta
    material = [doc.body, m.title, m.date, m.date_inferred, m.outlet, m.url, pipeline_key]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()[:16]


def _embed_and_store(store: Store, settings: Settings, work: list, changes: dict, progress: bool) -> None:
    from index.embed import embed_with_sentences

    todo = [(doc, key, c) for doc, key, chunks in work for c in chunks]
    if not todo and not work:
        return
    doc_id = {doc.source: hashlib.sha1(doc.source.encode()).hexdigest()[:12] for doc, _, _ in work}
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="embedding chunks", unit="chunk", file=sys.stderr)
    rows_of: dict[str, list] = {doc.source: [] for doc, _, _ in work}
    # The embedder sorts each call's texts by length and batches similar lengths, so large calls
    # compute far less padding than batches cut in document order (~10% of indexing time).
    for start in range(0, len(todo), settings.embed_batch):
        batch = todo[start : start + settings.embed_batch]
        embedded = [embedded_text(doc.meta.title, c.text) for doc, _, c in batch]
        spans = [embedded_spans(doc.meta.title, c.text) for doc, _, c in batch]
        vectors, sentences = embed_with_sentences(embedded, spans, settings)
        ids, metadatas, texts = [], [], []
        for doc, key, c in batch:
            cid = f"{doc_id[doc.source]}-{key[:8]}-{c.ord}"
            years = sorted(dates.years_mentioned(c.text, doc.meta.date) | _pub_year(doc.meta))
            ids.append(cid)
            texts.append(c.text)
            metadatas.append({
                "source": doc.source, "path": doc.path, "title": doc.meta.title, "date": doc.meta.date,
                "year": int(doc.meta.date[:4]) if doc.meta.date else -1,
                "date_inferred": doc.meta.date_inferred, "outlet": doc.meta.outlet, "ord": c.ord,
            })
            rows_of[doc.source].append((cid, c.ord, c.text, c.tokens, json.dumps(years)))
        store.collection.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metadatas)
        store.set_sentence_vectors(zip(ids, sentences, strict=True))
        changes["embedded_chunks"] += len(batch)
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    stale: list[str] = []
    for doc, key, _ in work:
        stale += store.set_chunks(doc.source, rows_of[doc.source])
        store.update_document(doc.source, chunk_key=key)
    if stale:
        store.chroma_delete(stale)


def _fill_sentence_vectors(store: Store, settings: Settings, progress: bool) -> None:
    """Sentence vectors for the chunks that lack them: an index built before they were kept gets
    them once (one more embedding pass over its chunks), later runs find none missing."""
    from index.embed import embed_with_sentences

    missing = store.chunks_without_sentence_vectors()
    if not missing:
        return
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(missing), desc="sentence vectors", unit="chunk", file=sys.stderr)
    for start in range(0, len(missing), settings.embed_batch):
        batch = missing[start : start + settings.embed_batch]
        texts = [embedded_text(r["title"] or "", r["text"]) for r in batch]
        spans = [embedded_spans(r["title"] or "", r["text"]) for r in batch]
        _, sentences = embed_with_sentences(texts, spans, settings)
        store.set_sentence_vectors(zip([r["id"] for r in batch], sentences, strict=True))
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()


def _pub_year(meta: Metadata) -> set[int]:
    return {int(meta.date[:4])} if meta.date else set()


def _repair(store: Store) -> bool:
    """After a killed run: drop Chroma entries the manifest does not know, and re-embed
    documents whose chunks did not all reach Chroma."""
    known = {r[0]: r[1] for r in store.db.execute("SELECT id, source FROM chunks")}
    in_chroma = store.chroma_ids()
    orphans = sorted(in_chroma - known.keys())
    if orphans:
        store.chroma_delete(orphans)
    for source in {known[i] for i in known.keys() - in_chroma}:
        store.update_document(source, chunk_key="")
    store.commit()
    return True


def _report(store: Store, skipped: list[Skipped], changes: dict, seconds: float) -> IndexReport:
    documents = [
        {"path": r["source"], "title": r["title"] or "", "date": r["date"] or None,
         "date_inferred": bool(r["date_inferred"]), "date_note": r["date_note"] or "",
         "outlet": r["outlet"] or None, "author": r["author"] or None, "url": r["url"] or None,
         "duplicate_of": r["duplicate_of"] or None}
        for r in store.documents()
    ]
    return IndexReport(documents, store.chunk_count(), [asdict(s) for s in skipped], changes,
                       round(seconds, 3))


def describe_index(settings: Settings) -> list[dict]:
    """The documents in an index, as in the report of `build_index`."""
    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        return _report(store, [], {}, 0.0).documents
    except sqlite3.DatabaseError as e:
        if is_damage(e):
            raise damaged_index(settings.index_dir, e) from e
        raise
    finally:
        store.close()
