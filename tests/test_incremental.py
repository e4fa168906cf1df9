"""Building the index: incremental runs, changes, removals, bad files, duplicates, the JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from corpora import article_text
from helpers import write

from index.build import build_index
from index.load import READER_VERSION, load_file
from index.store import Store

ARTICLE = """Rebels ambush patrol near river town
LIMA, 2021-05-25 (Test Wire) -

Three soldiers were wounded on Tuesday when rebels ambushed a patrol near a river town, the army said.
The patrol was guarding a road used to move coca leaf. Officials said the attackers fled into the forest.
"""




def chroma_and_manifest_ids(settings) -> tuple[set[str], set[str]]:
    store = Store(settings.index_dir, create=False)
    try:
        manifest = {r[0] for r in store.db.execute("SELECT id FROM chunks")}
        return store.chroma_ids(), manifest
    finally:
        store.close()


def test_second_run_does_no_work_then_changes_and_removals_are_applied(tmp_path, settings):
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", ARTICLE)
    write(corpus / "b.txt", ARTICLE.replace("Three soldiers", "Two police officers").replace("river", "hill")
          .replace("coca leaf", "timber").replace("forest", "hills") + "A second paragraph, unique to b.\n")
    first = build_index([corpus], settings, progress=False)
    assert first.changes["added"] == 2 and first.changes["embedded_chunks"] == first.chunks > 0

    again = build_index([corpus], settings, progress=False)
    assert again.changes == {"added": 0, "updated": 0, "removed": 0, "unchanged": 2, "embedded_chunks": 0}

    write(corpus / "b.txt", "Completely new story about a flood in Cusco.\nLIMA, 2022-01-03 -\n\n"
          "Heavy rain flooded the streets of Cusco on Monday, officials said. Nobody was hurt.\n")
    changed = build_index([corpus], settings, progress=False)
    assert changed.changes["updated"] == 1 and changed.changes["unchanged"] == 1
    b = next(d for d in changed.documents if d["path"].endswith("b.txt"))
    assert b["date"] == "2022-01-03"
    # only b was embedded again: a's chunks were kept
    assert 0 < changed.changes["embedded_chunks"] < changed.chunks + 1

    (corpus / "b.txt").unlink()
    removed = build_index([corpus], settings, progress=False)
    assert removed.changes["removed"] == 1
    assert [Path(d["path"]).name for d in removed.documents] == ["a.txt"]
    chroma, manifest = chroma_and_manifest_ids(settings)
    assert chroma == manifest and len(manifest) == removed.chunks


def test_bad_files_are_reported_and_the_rest_is_indexed(tmp_path, settings):
    corpus = tmp_path / "corpus"
    write(corpus / "good.txt", ARTICLE)
    write(corpus / "empty.txt", "   \n")
    write(corpus / "binary.txt", b"\x00\x01\x02PNG\x00" * 50)
    write(corpus / "latin1.txt", ARTICLE.replace("Officials", "Funcionarios de Jun\xedn").encode("latin-1"))
    write(corpus / "feed.jsonl", json.dumps({"text": ARTICLE.replace("Three", "Nine"), "date": "2021-05-26"})
          + "\n{not json\n" + json.dumps({"title": "no text"}) + "\n")
    report = build_index([corpus], settings, progress=False)
    reasons = {Path(s["path"].split("#")[0]).name + s["path"][len(s["path"].split("#")[0]):]: s["reason"]
               for s in report.skipped}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "line 2" in reasons["feed.jsonl#L2"]
    assert "text" in reasons["feed.jsonl#L3"]
    indexed = {Path(d["path"]).name for d in report.documents}
    assert indexed == {"good.txt", "latin1.txt", "feed.jsonl#L1"}
    latin = Store(settings.index_dir, create=False)
    body = latin.db.execute("SELECT body FROM documents WHERE path LIKE '%latin1.txt'").fetchone()[0]
    latin.close()
    assert "Junín" in body


def test_seed_duplicates_dates_and_cleaning(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    docs = {Path(r["source"]).name[:3]: r for r in store.documents()}
    chunk_sources = {r[0] for r in store.db.execute("SELECT DISTINCT source FROM chunks")}
    store.close()
    assert Path(docs["000"]["duplicate_of"]).name.startswith("001")
    assert not docs["001"]["duplicate_of"]
    assert docs["000"]["source"] not in chunk_sources, "a duplicate must not be retrievable twice"
    assert (docs["001"]["date"], docs["003"]["date"]) == ("2012-08-31", "2020-09-04")
    for n in ("002", "004"):
        # They name 2021 and 2022 only as past and nothing bounds them from above: no year is
        # guessed, and the note says why.
        assert docs[n]["date"] == "" and docs[n]["date_inferred"] == 0
        assert docs[n]["date_note"].startswith("year unknown: ") and "2022 or later" in docs[n]["date_note"]
    assert not docs["002"]["duplicate_of"] and not docs["004"]["duplicate_of"]
    for n in ("001", "003"):
        body = docs[n]["body"]
        assert "DONATE" not in body and "Related Content" not in body and "helpful" not in body
    assert "Mazangaro" in docs["001"]["body"] and "Cirilo" in docs["003"]["body"]


def test_cli_index_json_report(tmp_path, seeds_dir):
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "idx")}
    rag = shutil.which("rag", path=str(Path(sys.executable).parent)) or "rag"
    out = subprocess.run([rag, "index", str(seeds_dir), "--json"], capture_output=True, text=True,
                         env=env, check=True)
    report = json.loads(out.stdout)
    assert set(report) >= {"documents", "chunks", "skipped"}
    assert len(report["documents"]) == 5 and report["chunks"] > 5 and report["skipped"] == []
    for doc in report["documents"]:
        assert set(doc) >= {"path", "title", "date", "date_inferred", "outlet", "duplicate_of"}
    assert sum(1 for d in report["documents"] if d["duplicate_of"]) == 1


def test_a_file_that_turns_unreadable_keeps_its_last_good_version(tmp_path, settings):
    corpus = tmp_path / "corpus"
    path = write(corpus / "a.txt", ARTICLE)
    build_index([corpus], settings, progress=False)
    path.write_bytes(b"\x00\xff" * 100)  # e.g. a sync tool wrote garbage over it
    report = build_index([corpus], settings, progress=False)
    assert [Path(s["path"]).name for s in report.skipped] == ["a.txt"]
    assert [Path(d["path"]).name for d in report.documents] == ["a.txt"] and report.chunks > 0
    path.write_text(ARTICLE.replace("Three soldiers", "Four soldiers"), encoding="utf-8")
    fixed = build_index([corpus], settings, progress=False)
    assert fixed.skipped == [] and fixed.changes["updated"] == 1


def test_files_read_by_older_readers_are_read_again_and_only_changed_text_embedded(tmp_path, settings,
                                                                                  monkeypatch):
    """An index built before web pages were read by trafilatura holds what the old reader took from
    each page; the next run reads every file again (the readers' version is in the manifest)."""
    import index.build

    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", ARTICLE)
    story = article_text(40).split("\n\n")
    write(corpus / "page.html", f"<html><body><nav>MENU LINKS</nav><article><h1>{story[0]}</h1>"
          f"{''.join(f'<p>{p}</p>' for p in story[1:])}</article></body></html>")

    def old_reader(path):  # kept the page's furniture
        docs, skipped = load_file(path)
        for doc in docs:
            if path.suffix == ".html":
                doc.text += "\nOther stories from the valley desk are on the front page today."
        return docs, skipped

    monkeypatch.setattr(index.build, "load_file", old_reader)
    first = build_index([corpus], settings, progress=False)
    store = Store(settings.index_dir)
    try:
        store.set_info("reader", "1")
        store.commit()
    finally:
        store.close()
    monkeypatch.undo()
    again = build_index([corpus], settings, progress=False)
    assert again.changes["updated"] == 1 and again.changes["unchanged"] == 1, again.changes
    assert 0 < again.changes["embedded_chunks"] < first.chunks, "a.txt's chunks are kept"
    store = Store(settings.index_dir, create=False)
    try:
        assert store.get_info("reader") == READER_VERSION
        assert not any("Other stories" in r["body"] for r in store.documents())
    finally:
        store.close()
    third = build_index([corpus], settings, progress=False)
    assert third.changes["unchanged"] == 2 and third.changes["embedded_chunks"] == 0


def test_every_chunk_keeps_its_sentences_vectors_and_an_older_index_gets_them(tmp_path, settings):
    import numpy as np

    from index.chunk import embedded_spans, embedded_text, text_sentences
    from index.embed import embed, embed_with_sentences

    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", ARTICLE)
    build_index([corpus], settings, progress=False)

    def vectors() -> dict[str, int]:
        store = Store(settings.index_dir, create=False)
        try:
            rows = store.db.execute("SELECT id, text FROM chunks").fetchall()
            found = store.sentence_vectors([r["id"] for r in rows])
            assert all(len(found[r["id"]]) == 384 * len(text_sentences(r["text"])) for r in rows)
            return {i: len(v) for i, v in found.items()}
        finally:
            store.close()

    made = vectors()
    assert made
    # An index from before sentence vectors were kept: the next run fills them in, once.
    store = Store(settings.index_dir)
    store.db.execute("DELETE FROM sentence_vectors")
    store.commit()
    store.close()
    assert build_index([corpus], settings, progress=False).changes["embedded_chunks"] == 0
    assert vectors() == made
    # The chunk's vector is the one embed() gives; its sentences' come from the same pass.
    title, text = "Rebels ambush patrol near river town", "Three soldiers were wounded. The patrol fled."
    chunk, [sentences] = embed_with_sentences([embedded_text(title, text)], [embedded_spans(title, text)],
                                              settings)
    assert float(chunk[0] @ embed([embedded_text(title, text)], settings)[0]) > 0.9999
    assert sentences.shape == (2, 384) and np.allclose(np.linalg.norm(sentences, axis=1), 1)
    assert float(sentences[0] @ sentences[1]) < 0.99  # two sentences, two vectors
