"""files -> documents -> chunks -> store, incrementally.

An unchanged file costs one stat() call. When anything changed, cleaning, metadata and duplicate
detection are redone for the whole corpus (they depend on each other: boilerplate is what repeats
across articles), which is cheap text work; only chunks whose text changed are embedded again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index import clean as cleaning
from index import dates
from index.chunk import embedded_spans, embedded_text, split_text
from index.dedup import find_duplicates
from index.events import Event, Mention, extract_events, to_json
from index.load import READER_VERSION, RawDocument, Skipped, iter_files, load_file
from index.metadata import Metadata, extract, set_publication, strip_header
from index.pdf import page_of_chunks
from index.settings import Settings
from index.store import Store, StoreError, damaged_index, is_damage, write_failure

EVENTS_VERSION = "22"  # bump when index/events/ extracts differently: the table is redone


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
        # Files read by an older version of the readers are read again (their chunks are only
        # embedded again where the text changed).
        reread = store.get_info("reader") != READER_VERSION
        dirty, gone = _sync_files(store, paths, skipped, changes, reread)
        store.set_info("reader", READER_VERSION)
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
    store: Store, paths: list[str | Path], skipped: list[Skipped], changes: dict, reread: bool = False
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
        if known.get(path) == (st.st_size, st.st_mtime_ns) and not reread:
            changes["unchanged"] += 1
            skipped += [Skipped(source, reason) for source, reason in problems_of.get(path, [])]
            continue
        docs, problems = load_file(item)
        skipped += problems
        if not docs:
            # Unreadable now: what was indexed from it stays (nothing is lost), and the file is
            # tried again next run, since its recorded size and time are left as they were.
            continue
        old = {r["source"]: (r["raw_text"], json.loads(r["fields"])) for r in
               store.db.execute("SELECT source, raw_text, fields FROM documents WHERE path = ?", (path,))}
        new = {_source(path, d): (d.text, d.fields) for d in docs}
        store.put_file(path, st.st_size, st.st_mtime_ns)
        store.set_problems(path, [(p.path, p.reason) for p in problems])
        if old == new:  # touched, or read again by new readers, but the same articles
            changes["unchanged"] += 1
            continue
        gone += store.remove_documents(sorted(old.keys() - new.keys()))
        for source, (text, fields) in new.items():
            store.put_raw(source, path, text, fields)
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
             embedder_name(settings), 6]  # bump the last number when processing changes
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
    events = _events(docs)
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
    store.set_events((e.id, e.year or -1, e.date, to_json(e)) for e in events)
    changes["events"] = len(events)


def _events(docs: list[_Doc]) -> list[Event]:
    """The event table of the distinct articles. An article whose year is unknown but whose own
    event another article dates takes that year (and its events are read again with it, so its
    'Saturday' and 'October 28th' resolve)."""
    distinct = [d for d in docs if not d.duplicate_of]

    def read() -> list[Event]:
        return extract_events([(d.source, d.meta.title, d.body, d.meta.date, d.meta.date_inferred)
                               for d in distinct])

    events = read()
    by_source = {d.source: d for d in distinct}
    for _ in range(3):  # a year given to one article can date the next report of another event
        if not events_date_articles(events, by_source):
            break
        events = read()
    for event in events:
        if not event.year:
            allowed = [years for m in event.mentions if (years := _possible_years(m, by_source))]
            event.possible_years = sorted(set.intersection(*allowed)) if allowed else []
    return events


THIS_YEAR = re.compile(r"\bthis year\b", re.I)


def _possible_years(m: Mention, docs: dict[str, _Doc]) -> set[int]:
    """The years an event of unknown year may be of, by one report: its article's possible years
    when the article reports it; when the article recalls it by month ('In February, seven
    officers were killed'), those years if its paragraph says 'this year', else those and the
    years before (the latest February before it was written). Nothing for other recollections."""
    doc = docs.get(m.source)
    publication = doc.meta.publication if doc is not None else None
    if publication is None or not publication.candidates:
        return set()
    years = set(publication.candidates)
    if m.role == "main":
        return years
    if not re.fullmatch(r"XXXX-\d\d(?:-\d\d)?", m.date):
        return set()
    paragraph_start = doc.body.rfind("\n", 0, max(m.start, 0)) + 1
    paragraph_end = doc.body.find("\n", max(m.start, 0))
    if THIS_YEAR.search(doc.body[paragraph_start:paragraph_end if paragraph_end >= 0 else None]):
        return years
    return years | {y - 1 for y in years}


def events_date_articles(events: list[Event], docs: dict[str, _Doc]) -> bool:
    """Give each article of unknown year the year of the event it reports, where another report
    dates that event: an article whose year is known, or a sentence that writes the year out ("In
    January 2023, ..."). For an article that recalls a dated event at a stated distance ("four
    months after it laid off ..."), the year that distance gives. Each is one more clue for the
    article's publication year, kept only if its own clues allow that year. Returns whether any
    article's date changed."""
    changed = False
    for event in events:
        dated_by = next((m for m in event.mentions if m.date[:4].isdigit() and (
            m.date[:4] in m.sentence or m.published[:4].isdigit() and docs.get(m.source)
            and docs[m.source].meta.date[:4].isdigit())), None)
        if not event.year or dated_by is None:
            continue
        for m in event.mentions:
            doc = docs.get(m.source)
            if doc is None or doc.meta.date[:4].isdigit() or doc.meta.publication is None \
                    or m.source == dated_by.source:
                continue
            if m.role == "main":
                year, month, how = event.year, event.date[:7], "reports the same event"
            elif m.since and len(event.date) >= 7:
                day = dt.date.fromisoformat(event.date[:7] + "-15") + dt.timedelta(days=m.since)
                year, month = day.year, day.isoformat()[:7]
                how = f"dates the event it recalls {m.since // 30 or 1} month(s) before"
            else:
                continue
            other = Path(dated_by.source).name
            clue = dates.Clue("same event", other, frozenset({year}),
                              f"{other} {how} ({event.summary()[:60]}) and dates it {event.date[:7]}",
                              dates.DATED)
            narrowed = doc.meta.publication.narrowed(clue)
            if narrowed.year is not None:
                set_publication(doc.meta, narrowed)
                if narrowed.month_day is None and len(month) == 7 and month[:4] == str(narrowed.year):
                    # A report of an event dated to the month appeared that month (as far as known):
                    # its "in November" is then last November, not next.
                    doc.meta.date = month
                changed = True
    return changed


def _clean_and_describe(docs: list[_Doc], settings: Settings) -> None:
    """Cleaning, metadata and duplicates, for the whole corpus at once."""
    first_pass = [cleaning.clean(d.raw) if settings.clean else cleaning.normalize(d.raw) for d in docs]
    for doc, text in zip(docs, first_pass, strict=True):
        doc.meta = extract(doc.raw, text, doc.fields, _file_name(doc))
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
            doc.meta = extract(doc.raw, text, doc.fields, _file_name(doc))
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


def _file_name(doc: _Doc) -> str:
    """The name a date may be read from: a file's own; a line of a .jsonl feed has none."""
    return Path(doc.path).name if doc.source == doc.path else ""


def describe_files(paths: list[str | Path], settings: Settings | None = None) -> list[_Doc]:
    """What `build_index` records about each article under `paths` (cleaning, metadata, duplicates
    and the years their events give, for the whole set at once), without an index."""
    return _read_and_describe(paths, settings or Settings.load())[0]


def _read_and_describe(paths: list[str | Path], settings: Settings) -> tuple[list[_Doc], list[Skipped]]:
    docs: list[_Doc] = []
    skipped: list[Skipped] = []
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        found, problems = load_file(item)
        skipped += problems
        path = os.path.abspath(item)
        docs += [_Doc(_source(path, d), path, d.text, d.fields) for d in found]
    _clean_and_describe(docs, settings)
    _events(docs)
    return docs, skipped


def _chunk_key(doc: _Doc, pipeline_key: str) -> str:
    m = doc.meta
    material = [doc.body, m.title, m.date, m.date_inferred, m.outlet, m.url, pipeline_key]
    if "pages" in doc.fields:  # where the pages start decides the chunks' page numbers
        material.append(doc.fields["pages"])
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
    page_of = {(doc.source, c.ord): page for doc, _, chunks in work
               for c, page in zip(chunks, _pages(doc, chunks), strict=True)}
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
            page = page_of[doc.source, c.ord]
            ids.append(cid)
            texts.append(c.text)
            metadatas.append({
                "source": doc.source, "path": doc.path, "title": doc.meta.title, "date": doc.meta.date,
                "year": int(doc.meta.date[:4]) if doc.meta.date else -1,
                "date_inferred": doc.meta.date_inferred, "outlet": doc.meta.outlet, "ord": c.ord,
                **({"page": page} if page else {}),
            })
            rows_of[doc.source].append((cid, c.ord, c.text, c.tokens, json.dumps(years), page))
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


def _pages(doc: _Doc, chunks: list) -> list[str | None]:
    """The PDF pages each chunk is on ("3", "3-4"); None for files that have no pages."""
    try:
        starts = json.loads(doc.fields["pages"])
    except (KeyError, ValueError):
        return [None] * len(chunks)
    return page_of_chunks(doc.raw, starts, [c.text for c in chunks])


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
    documents = [_describe_row(r) for r in store.documents()]
    return IndexReport(documents, store.chunk_count(), [asdict(s) for s in skipped], changes,
                       round(seconds, 3))


def _describe_row(r: sqlite3.Row) -> dict:
    meta = Metadata(r["title"] or "", r["date"] or "", bool(r["date_inferred"]), r["date_note"] or "",
                    r["outlet"] or "", r["author"] or "", r["url"] or "")
    return _describe(r["source"], meta, r["duplicate_of"] or "", json.loads(r["fields"]))


def _describe(source: str, m: Metadata, duplicate_of: str, fields: dict[str, str]) -> dict:
    """One article as the report, `rag docs` and `rag show` list it."""
    pages = json.loads(fields["pages"]) if "pages" in fields else None
    return {"path": source, "title": m.title, "date": m.date or None, "date_inferred": m.date_inferred,
            "date_note": m.date_note, "date_source": date_source(m), "outlet": m.outlet or None,
            "author": m.author or None, "url": m.url or None, "duplicate_of": duplicate_of or None,
            "pages": len(pages) if pages else None, "note": fields.get("note") or None}


def date_source(m: Metadata) -> str | None:
    """Where a date comes from, in one word: dateline, metadata, inferred or duplicate."""
    if not m.date:
        return None
    if m.date_note.startswith("from its duplicate"):
        return "duplicate"
    if m.date_inferred:
        return "inferred"
    return "dateline" if m.date_note == "dateline" else "metadata"


@dataclass
class Shown:
    """What indexing some files reads from them: each article (its metadata and the body text it
    chunks) and each file or line it cannot read, with the reason."""

    articles: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def show_files(paths: list[str | Path], settings: Settings | None = None) -> Shown:
    """Read, clean and describe the articles under `paths` exactly as `build_index` does, without
    an index. What is learned across articles (boilerplate lines, duplicates) is learned across
    the articles given: show a whole folder to see what indexing that folder keeps."""
    docs, skipped = _read_and_describe(paths, settings or Settings.load())
    articles = [{**_describe(d.source, d.meta, d.duplicate_of, d.fields), "text": d.body} for d in docs]
    return Shown(articles, [asdict(s) for s in skipped])


def show_indexed(source: str, settings: Settings) -> dict:
    """One indexed article as `show_files` describes it, from the index (as it was cleaned among
    all the indexed articles)."""
    store = Store(settings.index_dir, create=False, chroma_url=settings.chroma_url)
    try:
        row = store.db.execute("SELECT * FROM documents WHERE source = ?", (source,)).fetchone()
        if row is None:
            raise ValueError(f"{source} is not in the index at {settings.index_dir}")
        return {**_describe_row(row), "text": row["body"] or ""}
    finally:
        store.close()


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
