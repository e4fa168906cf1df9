"""The eval harness: suite parsing, scoring rules, summary, resume, CLI output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from eval.report import compare
from eval.run import run_eval, summarise
from eval.score import mentions, score
from eval.suite import Case, load_suite
from rag.answer import Answer, Citation
from rag.retrieve import Passage


def test_malformed_lines_are_reported_with_their_line_number(tmp_path):
    suite = tmp_path / "s.jsonl"
    suite.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "question": "q1?", "must_include": [["4", "four"]], "custom": 1}),
                "{broken",
                json.dumps({"id": "a", "question": "dup id"}),
                json.dumps({"question": "no id"}),
                json.dumps({"id": "b", "question": "q2?", "must_include": "four"}),
                json.dumps({"id": "c", "question": "q3?", "answerable": False, "sources": []}),
            ]
        )
    )
    cases, problems = load_suite(suite)
    assert [c.id for c in cases] == ["a", "c"]
    assert cases[0].extra == {"custom": 1} and not cases[1].answerable
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4", "5"]
    assert "duplicate id" in problems[1]


@pytest.mark.parametrize(
    "text, phrase, expected",
    [
        ("Four soldiers died.", "four", True),
        ("4 soldiers died", "4", True),
        ("40 soldiers died", "4", False),
        ("in 2014, soldiers", "4", False),
        ("It cost 4.5 million", "4", False),
        ("Quispe Palomino led it", "Quispe Palomino", True),
        ("fourteen", "four", False),
    ],
)
def test_mentions_is_whole_word(text, phrase, expected):
    assert mentions(text, phrase) is expected


def passage(name: str) -> Passage:
    return Passage(
        id=name,
        source=f"/x/{name}",
        path=f"/x/{name}",
        title="t",
        date="2023",
        date_inferred=True,
        outlet="",
        url="",
        text="four soldiers",
        years=[2023],
    )


def test_score_answerable_and_unanswerable():
    case = Case(
        "c",
        "how many?",
        must_include=[["4", "four"]],
        must_not_include=["eight"],
        sources=["002.txt", "004.txt"],
    )
    p2, p1 = passage("002.txt"), passage("001.txt")
    good = Answer("how many?", text="Four soldiers [1].", passages=[p2, p1], citations=[Citation.of(1, p2)])
    s = score(case, good)
    assert s["correct"] and s["citation_recall"] == 1.0 and s["citation_precision"] == 1.0
    assert s["retrieval_recall"] == 1.0
    doubled = Answer(
        "how many?", text="Four, so eight in all [2].", passages=[p2, p1], citations=[Citation.of(2, p1)]
    )
    s = score(case, doubled)
    assert not s["correct"] and s["citation_recall"] == 0.0 and s["citation_precision"] == 0.0

    refuse = Case("u", "capital of France?", answerable=False)
    assert score(refuse, Answer("q", text="The articles do not say.", answered=False))["correct"]
    assert not score(refuse, Answer("q", text="Paris [1].", passages=[p1], citations=[Citation.of(1, p1)]))[
        "correct"
    ]


def test_summary_and_compare():
    def result(i, correct, answerable=True, seconds=1.0):
        return {
            "id": f"c{i}",
            "category": "count" if answerable else "unanswerable",
            "correct": correct,
            "answerable": answerable,
            "citation_recall": 1.0 if correct else 0.0,
            "citation_precision": 1.0,
            "retrieval_recall": 1.0,
            "timings": {"total_s": seconds},
            "question": "q",
            "expected": "",
            "answer": "",
        }

    a = [result(1, True), result(2, False), result(3, True, False)]
    b = [result(1, True), result(2, True), result(3, False, False, 3.0)]
    sa, sb = summarise(a), summarise(b)
    assert sa["cases"] == 3 and sa["answer_accuracy"] == round(2 / 3, 3) and sa["refusal_accuracy"] == 1.0
    assert sb["latency_p95_s"] > sb["latency_p50_s"]
    text = compare({"summary": sa, "cases": a}, {"summary": sb, "cases": b})
    assert "better in B (1): c2" in text and "worse in B (1): c3" in text


@pytest.mark.slow
def test_eval_run_end_to_end_resumes_and_writes_json(tmp_path, seeds_dir):
    suite = tmp_path / "mini.jsonl"
    suite.write_text(
        "\n".join(
            json.dumps(c)
            for c in [
                {
                    "id": "soldiers-2023",
                    "question": "how many soldiers died in 2023?",
                    "must_include": [["4", "four"]],
                    "must_not_include": ["eight"],
                    "sources": ["002_589131bf003a044f.txt", "004_ff4c19e13dc7d0ae.txt"],
                    "answerable": True,
                    "category": "same-event",
                },
                {
                    "id": "none-2015",
                    "question": "how many soldiers died in 2015?",
                    "answerable": False,
                    "sources": [],
                    "category": "unanswerable",
                },
            ]
        )
        + "\n"
    )
    env_cache = tmp_path / "cache"
    out = tmp_path / "out.json"
    cmd = [
        sys.executable,
        "-m",
        "rag.cli",
        "eval",
        str(suite),
        "--corpus",
        str(seeds_dir),
        "--json",
        str(out),
        "--report",
        str(tmp_path / "report.md"),
    ]
    import os

    env = {**os.environ, "RAG_CACHE_DIR": str(env_cache)}
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    data = json.loads(out.read_text())
    summary = data["summary"]
    for key in (
        "cases",
        "answer_accuracy",
        "refusal_accuracy",
        "citation_recall",
        "citation_precision",
        "retrieval_recall_at_k",
        "latency_p50_s",
        "latency_p95_s",
    ):
        assert key in summary
    assert summary["cases"] == 2 and summary["refusal_accuracy"] == 1.0
    case = next(c for c in data["cases"] if c["id"] == "soldiers-2023")
    assert case["passages"] and "timings" in case and case["answer"]
    assert "soldiers-2023" in first.stdout
    assert (tmp_path / "report.png").stat().st_size > 1000

    run = run_eval([suite], [seeds_dir], progress=False, cache_dir=env_cache)
    assert run.summary["resumed_cases"] == 2, "finished cases must not be asked again"
    assert [c["correct"] for c in run.cases] == [c["correct"] for c in data["cases"]]
