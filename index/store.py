"""Where an index lives: a SQLite manifest (files, documents, chunk texts) beside a persistent
Chroma collection (chunk embeddings). SQLite is the source of truth; Chroma is made to agree
with it, so an indexing run killed half-way is repaired by the next one.

With a Chroma server (`chroma_url`) only the vectors move there, into a collection named after
the index's id; the manifest stays in the index folder, which every app process reads."""

from __future__ import annotations

import errno
import fcntl
import json
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

COLLECTION = "articles"
CHROMA_BATCH = 5000  # ids per Chroma call
SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER
);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, path TEXT NOT NULL, raw_text TEXT NOT NULL, fields TEXT NOT NULL,
    title TEXT, date TEXT, date_inferred INTEGER, date_note TEXT, outlet TEXT, author TEXT,
    url TEXT, body TEXT, duplicate_of TEXT, chunk_key TEXT
);
CREATE INDEX IF NOT EXISTS documents_path ON documents(path);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, ord INTEGER, text TEXT NOT NULL,
    tokens INTEGER, years TEXT, page TEXT
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
-- Each chunk's sentences' vectors (float16, one row of 384 a sentence of text_sentences(text)),
-- from the chunk's own forward pass (index/embed.py embed_with_sentences): what a question's
-- passages are cut to their relevant sentences with, without embedding them at question time.
CREATE TABLE IF NOT EXISTS sentence_vectors (chunk_id TEXT PRIMARY KEY, vectors BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT);
-- Events counted by index/events.py, merged across articles: rebuilt with the documents.
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, year INTEGER, date TEXT, data TEXT NOT NULL);
-- Lines of an indexed file that could not be read (a broken JSONL line), so that every run
-- reports them, not only the run that read the file.
CREATE TABLE IF NOT EXISTS file_problems (path TEXT NOT NULL, source TEXT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS file_problems_path ON file_problems(path);
"""


class StoreError(RuntimeError):
    """The index folder is missing or damaged; the message says what to do."""


class VectorStoreError(StoreError):
    """The Chroma folder is damaged or missing; the next `rag index` rebuilds it from the manifest."""


def damaged_index(index_dir: Path, error: Exception) -> StoreError:
    return StoreError(f"The index at {index_dir} is damaged ({error}). Delete the folder and run "
                      "rag index again; your article files are not touched.")


def is_damage(error: Exception) -> bool:
    """A damaged SQLite file (not a locked one, nor a full disk, which are OperationalErrors)."""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError)


DISK_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS}


def write_failure(error: BaseException) -> str | None:
    """'disk full' (or I/O error, read-only disk) when `error` is a failed write, else None.
    SQLite says 'database or disk is full' or 'disk I/O error'; Chroma passes SQLite's on."""
    if isinstance(error, OSError) and error.errno in DISK_ERRNOS:
        return error.strerror or str(error)
    text = str(error)
    for sign in ("disk is full", "disk I/O error", "No space left", "File too large", "readonly database",
                 "Disk quota"):
        if sign.lower() in text.lower():
            return sign
    return None


class Store:
    def __init__(self, index_dir: Path, create: bool = True, chroma_url: str = "") -> None:
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url
        self.writing = create
        self.reading = not create  # readers check that Chroma agrees with the manifest
        manifest = self.index_dir / "manifest.sqlite"
        if not create and not manifest.exists():
            raise StoreError(f"No index at {self.index_dir}. Build one first: rag index PATH "
                              "(or pass --index-dir / set RAG_INDEX_DIR to where it is).")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._writer_lock = _one_writer(self.index_dir) if create else None
        try:
            self.db = sqlite3.connect(manifest, check_same_thread=False)
            self.db.executescript(SCHEMA)
            # An index built before PDFs were read has no page column: its writer adds it, its
            # readers (perhaps on a read-only mount) read no page.
            self.chunk_pages = "page" in {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}
            if create and not self.chunk_pages:
                self.db.execute("ALTER TABLE chunks ADD COLUMN page TEXT")
                self.db.commit()
                self.chunk_pages = True
        except sqlite3.DatabaseError as e:
            raise damaged_index(self.index_dir, e) from e
        self.db.row_factory = sqlite3.Row
        self._collection: Any = None
        try:
            self._check_vector_location(create)
        except sqlite3.DatabaseError as e:  # damaged past the pages the schema check read
            if is_damage(e):
                raise damaged_index(self.index_dir, e) from e
            raise

    # --- Chroma -----------------------------------------------------------------------------
    @property
    def collection(self) -> Any:
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            if self.chroma_url:
                from index.chroma_server import connect, existing_collection

                client, name = connect(self.chroma_url), self._server_collection_name()
                if not self.writing:  # a reader must not create an empty collection and answer from it
                    self._collection = existing_collection(client, name, self.chroma_url, self.index_dir)
                    return self._collection
                # We always hand Chroma our own embeddings: its default embedding function would
                # try to download a model.
                self._collection = client.get_or_create_collection(
                    name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
                return self._collection
            if self.reading and self.chunk_count() and not self.chroma_dir.is_dir():
                self._damaged("the folder is missing")
            try:
                client = chromadb.PersistentClient(
                    path=str(self.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False),
                )
                # We always hand Chroma our own embeddings: its default embedding function would
                # try to download a model.
                collection = client.get_or_create_collection(
                    COLLECTION, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
                held = collection.count()
            except Exception as e:  # noqa: BLE001 - Chroma raises many kinds; all mean the same here
                if write_failure(e):
                    raise
                self._damaged(f"{type(e).__name__}: {e}")
            if self.reading and not self.was_interrupted() and held != self.chunk_count():
                self._damaged(f"it holds {held} passages, the manifest {self.chunk_count()}")
            self._collection = collection
        return self._collection

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    def _damaged(self, why: str) -> None:
        # A marker file, not a manifest row: a writer's open transaction must not be committed.
        (self.index_dir / "chroma.damaged").write_text(why + "\n", encoding="utf-8")
        raise VectorStoreError(
            f"The vector store in {self.chroma_dir} is damaged ({why}). Run rag index PATH again: "
            "it rebuilds the vector store from the manifest, nothing needs to be re-read.")

    def vector_store_damaged(self) -> bool:
        if self.chroma_url:  # a server's store is checked by the server; nothing lives here
            return False
        return (self.index_dir / "chroma.damaged").exists() or (
            self.chunk_count() > 0 and not self.chroma_dir.is_dir())

    def reset_vector_store(self) -> None:
        """Drop the Chroma folder; every document is embedded again by the run that follows."""
        if "chromadb" in sys.modules:  # Chroma caches open systems by path, within a process
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._collection = None
        shutil.rmtree(self.chroma_dir, ignore_errors=True)
        self.db.execute("UPDATE documents SET chunk_key = ''")
        self.db.commit()
        (self.index_dir / "chroma.damaged").unlink(missing_ok=True)

    def _server_collection_name(self) -> str:
        """One collection per index, so several indexes can share a server."""
        index_id = self.get_info("index_id")
        if not index_id:
            import uuid

            index_id = uuid.uuid4().hex[:16]
            self.set_info("index_id", index_id)
            self.db.commit()
        return f"rag-{index_id}"

    def _check_vector_location(self, writing: bool) -> None:
        """The manifest records where its vectors are. A reader pointed elsewhere gets told; a
        writer pointed elsewhere re-embeds everything there (the repair of an interrupted run)."""
        here = "server" if self.chroma_url else "embedded"
        recorded = self.get_info("vectors", "embedded")
        if recorded == here:
            return
        if writing:
            self.set_info("vectors", here)
            self.set_info("chroma_url", self.chroma_url)
            self.set_info("pending", "1")
            self.db.commit()
        elif here == "server":
            raise StoreError(f"The index at {self.index_dir} keeps its vectors in embedded Chroma, not "
                             f"on the server at {self.chroma_url}. Index the articles through the "
                             "server once (rag index PATH --chroma-url URL), or unset RAG_CHROMA_URL.")
        else:
            raise StoreError(f"The index at {self.index_dir} keeps its vectors on a Chroma server "
                             f"(indexed through {self.get_info('chroma_url')}). Pass --chroma-url "
                             "URL or set RAG_CHROMA_URL.")

    # --- info -------------------------------------------------------------------------------
    def get_info(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_info(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        """Bumped by every change, so readers know when to rebuild in-memory indexes."""
        return int(self.get_info("generation", "0"))

    # --- reads ------------------------------------------------------------------------------
    def files(self) -> dict[str, tuple[int, int]]:
        return {r["path"]: (r["size"], r["mtime_ns"]) for r in self.db.execute("SELECT * FROM files")}

    def documents(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM documents ORDER BY source").fetchall()

    def chunk_rows(self) -> list[sqlite3.Row]:
        page = "c.page" if self.chunk_pages else "NULL"
        return self.db.execute(
            f"SELECT c.id, c.source, c.ord, c.text, c.years, {page} AS page, d.path, d.title, d.date, "
            "d.date_inferred, d.date_note, d.outlet, d.url, d.author FROM chunks c "
            "JOIN documents d ON d.source = c.source ORDER BY c.source, c.ord"
        ).fetchall()

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    # --- writes -----------------------------------------------------------------------------
    def begin_write(self) -> None:
        """Mark the index as being written, so a killed run is detected and repaired."""
        self.set_info("pending", "1")
        self.db.commit()

    def end_write(self) -> None:
        self.set_info("pending", "0")
        self.set_info("generation", str(self.generation + 1))
        self.db.commit()

    def was_interrupted(self) -> bool:
        return self.get_info("pending") == "1"

    def put_file(self, path: str, size: int, mtime_ns: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (path, size, mtime_ns))

    def put_raw(self, source: str, path: str, raw_text: str, fields: dict[str, str]) -> None:
        self.db.execute(
            "INSERT INTO documents (source, path, raw_text, fields) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET path = excluded.path, raw_text = excluded.raw_text, "
            "fields = excluded.fields",
            (source, path, raw_text, json.dumps(fields)),
        )

    def update_document(self, source: str, **values: Any) -> None:
        columns = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE documents SET {columns} WHERE source = ?", (*values.values(), source))

    def remove_file(self, path: str) -> list[str]:
        """Forget a file and its documents; returns the chunk ids to drop from Chroma."""
        sources = [r[0] for r in self.db.execute("SELECT source FROM documents WHERE path = ?", (path,))]
        ids = self.remove_documents(sources)
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))
        self.set_problems(path, [])
        return ids

    def problems(self) -> dict[str, list[tuple[str, str]]]:
        """path -> [(source, reason)] for the indexed files that have unreadable parts."""
        found: dict[str, list[tuple[str, str]]] = {}
        for path, source, reason in self.db.execute("SELECT * FROM file_problems ORDER BY rowid"):
            found.setdefault(path, []).append((source, reason))
        return found

    def set_problems(self, path: str, problems: Iterable[tuple[str, str]]) -> None:
        self.db.execute("DELETE FROM file_problems WHERE path = ?", (path,))
        self.db.executemany("INSERT INTO file_problems VALUES (?, ?, ?)",
                            [(path, source, reason) for source, reason in problems])

    def remove_documents(self, sources: Sequence[str]) -> list[str]:
        ids: list[str] = []
        for source in sources:
            ids += self.set_chunks(source, [])
            self.db.execute("DELETE FROM documents WHERE source = ?", (source,))
        return ids

    def set_chunks(self, source: str, rows: Iterable[tuple]) -> list[str]:
        """Replace a document's chunk rows (id, ord, text, tokens, years[, page]); returns the ids
        that went away. `page` is the PDF page a chunk is on ("3", or "3-4"), None for other files."""
        old = [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE source = ?", (source,))]
        self.db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        rows = list(rows)
        self.db.executemany(
            "INSERT INTO chunks (id, source, ord, text, tokens, years, page) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(cid, source, ord_, text, tokens, years, page[0] if page else None)
             for cid, ord_, text, tokens, years, *page in rows],
        )
        new = {r[0] for r in rows}
        return [i for i in old if i not in new]

    def set_sentence_vectors(self, rows: Iterable[tuple[str, Any]]) -> None:
        """(chunk id, float32 array of its sentences' vectors), kept as float16."""
        import numpy as np

        self.db.executemany("INSERT OR REPLACE INTO sentence_vectors (chunk_id, vectors) VALUES (?, ?)",
                            [(cid, np.asarray(v, dtype=np.float16).tobytes()) for cid, v in rows])

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, Any]:
        """The stored sentence vectors of `ids`, each a flat float32 array (sentences one after the
        other); ids without any are left out."""
        import numpy as np

        found: dict[str, Any] = {}
        for i in range(0, len(ids), 500):  # SQLite's limit on parameters
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            for cid, blob in self.db.execute(
                    f"SELECT chunk_id, vectors FROM sentence_vectors WHERE chunk_id IN ({marks})", part):
                found[cid] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def chunks_without_sentence_vectors(self) -> list[sqlite3.Row]:
        """Chunks of an index built before sentence vectors were kept (or by a killed run)."""
        self.db.execute("DELETE FROM sentence_vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)")
        return self.db.execute(
            "SELECT c.id, c.text, d.title FROM chunks c JOIN documents d ON d.source = c.source "
            "WHERE c.id NOT IN (SELECT chunk_id FROM sentence_vectors)").fetchall()

    def set_events(self, rows: Iterable[tuple[str, int, str, str]]) -> None:
        """Replace the event table: (id, year, date, JSON of the event)."""
        self.db.execute("DELETE FROM events")
        self.db.executemany("INSERT INTO events (id, year, date, data) VALUES (?, ?, ?, ?)", rows)

    def event_rows(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT id, year, date, data FROM events ORDER BY date, id").fetchall()

    def commit(self) -> None:
        self.db.commit()

    def chroma_ids(self) -> set[str]:
        ids: set[str] = set()
        offset = 0
        while True:
            batch = self.collection.get(include=[], limit=CHROMA_BATCH, offset=offset)["ids"]
            ids.update(batch)
            if len(batch) < CHROMA_BATCH:
                return ids
            offset += len(batch)

    def chroma_delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        for i in range(0, len(ids), CHROMA_BATCH):
            self.collection.delete(ids=list(ids[i : i + CHROMA_BATCH]))

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of `ids` (an id the vector store lacks is left out)."""
        found: dict[str, list[float]] = {}
        for i in range(0, len(ids), CHROMA_BATCH):
            got = self.collection.get(ids=list(ids[i : i + CHROMA_BATCH]), include=["embeddings"])
            found.update(zip(got["ids"], got["embeddings"], strict=True))
        return found

    def close(self) -> None:
        self.db.close()
        if self._writer_lock:
            self._writer_lock.close()  # releases the flock


def _one_writer(index_dir: Path) -> IO:
    """One indexing run at a time per index, across processes and machines that share the folder
    (an flock, released when the run ends or dies): a second run waits for the first. Two at once
    would each take the other's half-written chunks for debris of a killed run."""
    lock = (index_dir / "write.lock").open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another indexing run on {index_dir} to finish...", file=sys.stderr, flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock
