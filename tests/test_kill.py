"""Faults: a real `rag index` process SIGKILLed at random points (seeded), then run again; the
index must end consistent: every article (text, PDF, Word) fully indexed once, no orphan or duplicate chunks,
Chroma and the SQLite manifest holding the same chunks. Takes about a minute."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from corpora import article_text, write_corpus, write_docx, write_pdf
from index_check import assert_consistent, read_state

ROOT = Path(__file__).resolve().parents[1]

def start_index(corpus: Path, index_dir: Path, chunk_tokens: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "index", str(corpus), "--index-dir", str(index_dir),
         "--chunk-tokens", str(chunk_tokens), "--no-progress", "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Small batches: many separate Chroma writes, so that kills land between them.
        env={**os.environ, "RAG_EMBED_BATCH": "4"},
    )


def run_index(corpus: Path, index_dir: Path, chunk_tokens: int) -> tuple[dict, float]:
    started = time.perf_counter()
    proc = start_index(corpus, index_dir, chunk_tokens)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return json.loads(out), time.perf_counter() - started


def kill_after(corpus: Path, index_dir: Path, chunk_tokens: int, delay: float) -> bool:
    """Start an indexing run and SIGKILL it after `delay` s; False if it finished first."""
    proc = start_index(corpus, index_dir, chunk_tokens)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGKILL: no cleanup, no atexit, no finally
        proc.wait()
        return True
    finally:
        proc.stdout.close()
        proc.stderr.close()


def test_index_killed_at_random_points_ends_consistent(tmp_path):
    rng = random.Random(20240607)
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, range(30))
    # PDF and Word files go through the same steps (they are never edited below: edits append text)
    for n in (90, 91):
        pages = [article_text(n).split("\n\n"), article_text(n + 10).split("\n\n")]
        write_pdf(corpus / f"report-{n}.pdf", pages)
        write_docx(corpus / f"memo-{n}.docx", article_text(n + 20).split("\n\n"))
    _, full_run = run_index(corpus, index_dir, 180)
    killed = []
    added = iter(range(30, 1000))
    for round_ in range(2):
        # Each killed run gets other work than the one before it (edits, edits undone, removals,
        # additions, other chunk sizes), so that what a killed run left behind is never simply
        # overwritten by the next run doing the same again.
        edited: dict[Path, str] = {}
        for _ in range(2):
            files = sorted(corpus.glob("*.txt"))
            for path in rng.sample(files, 3):
                edited.setdefault(path, path.read_text())
                path.write_text(path.read_text() + "\n" + article_text(next(added)), encoding="utf-8")
            for path in rng.sample(sorted(edited), 1):
                path.write_text(edited.pop(path), encoding="utf-8")  # the edit is undone
            for path in rng.sample(files, 2):
                path.unlink()
                edited.pop(path, None)
            write_corpus(corpus, [next(added) for _ in range(3)])
            delay = rng.uniform(1.0, full_run)
            chunk_tokens = rng.choice([120, 180, 240])
            killed.append((round_, round(delay, 2), kill_after(corpus, index_dir, chunk_tokens, delay)))
        for path, text in edited.items():
            path.write_text(text, encoding="utf-8")
        chunk_tokens = rng.choice([120, 180, 240])
        report, _ = run_index(corpus, index_dir, chunk_tokens)
        assert report["skipped"] == []
        assert_consistent(read_state(index_dir), {str(p) for p in corpus.iterdir()}, chunk_tokens)
    assert sum(k for _, _, k in killed) >= 3, f"too few runs were killed mid-way: {killed}"

    # The repaired index holds exactly the chunks a clean build of the same files gives.
    clean_dir = tmp_path / "clean"
    run_index(corpus, clean_dir, chunk_tokens)
    assert set(read_state(clean_dir)["chroma"]) == set(read_state(index_dir)["chroma"])
    print(f"full run {full_run:.1f}s; kills (round, delay s, killed): {killed}")
