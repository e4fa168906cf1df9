"""Bad input: a folder with every kind of broken file, indexed by a real `rag index` process;
questions that are empty, huge, punctuation, control characters or in another language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import make_bad_corpus

from index.settings import Settings
from index.store import Store
from rag import QuestionError
from rag.api import _check
from rag.retrieve import retrieve

ROOT = Path(__file__).resolve().parents[1]


def rag(*args: str, index_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args, "--index-dir", str(index_dir)],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_every_good_file_is_indexed_and_every_bad_one_listed_with_a_reason(tmp_path):
    corpus = make_bad_corpus(tmp_path)
    index_dir = tmp_path / "index"
    run = rag("index", str(corpus.root), "--json", "--no-progress", index_dir=index_dir)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    report = json.loads(run.stdout)

    assert {d["path"] for d in report["documents"]} == set(corpus.good)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert set(reasons) == set(corpus.bad), "every bad file is listed once, and nothing else"
    for path, word in corpus.bad.items():
        assert word.lower() in reasons[path].lower(), (path, reasons[path])
    assert "split it" in reasons[str(corpus.root / "huge.txt")], "says what to do with a huge file"

    store = Store(index_dir, create=False)
    try:
        bodies = {r["source"]: r["body"] for r in store.documents()}
        chunked = {r[0] for r in store.db.execute("SELECT DISTINCT source FROM chunks")}
        manifest_ids = {r[0] for r in store.db.execute("SELECT id FROM chunks")}
        assert store.chroma_ids() == manifest_ids
    finally:
        store.close()
    for source, word in corpus.good.items():
        assert word in bodies[source], f"{source} lost its text"
        assert source in chunked, f"{source} is not retrievable"
    assert "Junín" in bodies[str(corpus.root / "latin1.txt")]
    assert "\u201ccase\u201d" in bodies[str(corpus.root / "cp1252.txt")]
    page = bodies[str(corpus.root / "scraped.html")]
    assert "LEAK" not in page and "display:none" not in page and "<" not in page

    again = rag("index", str(corpus.root), "--json", "--no-progress", index_dir=index_dir)
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["changes"]["embedded_chunks"] == 0 and second["changes"]["added"] == 0
    assert {s["path"] for s in second["skipped"]} == set(corpus.bad), "bad files are listed every run"

    listed = rag("docs", index_dir=index_dir)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    human = rag("index", str(corpus.root), "--no-progress", index_dir=index_dir)
    assert human.returncode == 0 and human.stdout.count("skipped ") == len(corpus.bad)


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize("question", ["", "   \n\t ", "?!...;:", "\x00\x07\x1b", "🙂🙂", "x" * 20_000,
                                      "how many " * 2500])
def test_questions_that_cannot_be_asked_get_a_clear_message(question):
    with pytest.raises(QuestionError) as error:
        _check(question, Settings())
    message = str(error.value)
    assert message.endswith(".") and ("words" in message or "Shorten" in message)


@pytest.mark.parametrize("question, expected", [
    ("how many\x00 soldiers\x1b died\u200b in 2023?", "how many soldiers died in 2023?"),
    ("¿Cuántos soldados murieron en 2023?", "¿Cuántos soldados murieron en 2023?"),
    ("2023年有多少士兵死亡？", "2023年有多少士兵死亡？"),
    ("soldiers\r\n\r\nkilled\tin   Putis", "soldiers killed in Putis"),
])
def test_odd_questions_are_cleaned_not_refused(question, expected):
    assert _check(question, Settings()) == expected


def test_odd_questions_retrieve_without_crashing(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        for question in ["¿Cuántos soldados murieron en 2023?", "2023年有多少士兵死亡？",
                         _check("how many\x00 soldiers\x1b died in 2023?", seeds_settings),
                         "a" * 2000, "in 99999 or 0001 or between 3000 and 1000?"]:
            found = retrieve(question, seeds_settings, store)
            assert found.passages or not found.period_matched
    finally:
        store.close()


def test_cli_reports_a_bad_question_without_a_traceback(seeds_settings):
    run = rag("ask", "x" * 20_000, index_dir=seeds_settings.index_dir)
    assert run.returncode == 1
    assert run.stderr.startswith("rag: error: The question is 20,000 characters long")
    assert "Traceback" not in run.stderr
