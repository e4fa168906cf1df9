"""The eval harness: suite parsing, scoring rules, summary, resume, CLI output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from types import SimpleNamespace

import pytest

from eval.report import compare, summary_table
from eval.run import NOT_ANSWER_AFFECTING, _progress_file, answer_settings, eval_settings, run_eval, summarise
from eval.score import mentions, score
from eval.suite import Case, load_suite
from index.settings import Settings
from rag.answer import Answer, Citation
from rag.cli import main
from rag.context import build_messages
from rag.retrieve import Passage, Retrieval


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


def suite_lines(tmp_path, *cases: dict) -> list[str]:
    """The problems load_suite reports for these cases, one a line."""
    suite = tmp_path / "s.jsonl"
    suite.write_text("\n".join(json.dumps(c) for c in cases))
    return load_suite(suite)[1]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"answerable": "false"}, "'answerable' must be true or false"),
        ({"answerable": 0}, "'answerable' must be true or false"),
        ({"must_include": [[""]]}, "empty group or an empty alternative"),
        ({"must_include": [["four", " "]]}, "empty group or an empty alternative"),
        ({"must_include": [[]]}, "empty group or an empty alternative"),
        ({"must_include": [""]}, "empty group or an empty alternative"),
        ({"must_include": []}, "answerable case needs 'must_include'"),
        ({"must_not_include": [""]}, "'must_not_include' has an empty string"),
    ],
)
def test_suite_rules_that_would_score_wrongly_are_errors(tmp_path, bad, message):
    good = {"id": "ok", "question": "q?", "must_include": [["4"]]}
    problems = suite_lines(tmp_path, good, {**good, "id": "bad", **bad})
    assert len(problems) == 1 and problems[0].split(":")[1] == "2" and message in problems[0]


def test_unanswerable_cases_need_no_must_include_and_sources_keep_their_basename(tmp_path):
    suite = tmp_path / "s.jsonl"
    suite.write_text(json.dumps({"id": "u", "question": "q?", "must_include": [], "answerable": False,
                                 "sources": ["/home/me/seeds/002_a.txt", "seeds/004_b.txt"]}))
    [case], problems = load_suite(suite)
    assert problems == [] and not case.answerable and case.sources == ["002_a.txt", "004_b.txt"]


def test_a_suite_not_in_utf8_is_reported_by_file_and_line(tmp_path):
    suite = tmp_path / "latin1.jsonl"
    good = json.dumps({"id": "a", "question": "q?", "must_include": [["4"]]}).encode()
    bad = json.dumps({"id": "b", "question": "¿Cuántos?", "must_include": [["4"]]}, ensure_ascii=False)
    suite.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + bad.encode("latin-1") + b"\n")  # BOM: no error
    cases, problems = load_suite(suite)
    assert [c.id for c in cases] == ["a"]
    assert len(problems) == 1 and problems[0].startswith(f"{suite}:2: not valid UTF-8")


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
        ("in 2023-04 the army", "4", False),
        ("in 2023-04 the army", "04", False),
        ("4,000 troops", "4", False),
        ("4,000 troops", "4,000", True),
        ("twenty-four soldiers", "four", False),
        ("forty-four soldiers", "four", False),
        ("twenty-four soldiers", "twenty", False),
        ("twenty-four soldiers", "twenty-four", True),
        ("a four-year-old boy", "four", True),
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


def test_an_unanswerable_case_refused_with_a_forbidden_word_or_a_citation_is_wrong():
    case = Case("u", "how many died in Colombia?", answerable=False, must_not_include=["Colombia"])
    p1 = passage("001.txt")
    assert score(case, Answer("q", text="The articles do not say.", answered=False))["correct"]
    named = Answer("q", text="The articles do not say; none mentions Colombia.", answered=False)
    assert not score(case, named)["correct"]
    cited = Answer("q", text="The articles do not say [1].", answered=False, passages=[p1],
                   citations=[Citation.of(1, p1)])
    assert not score(case, cited)["correct"]


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
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.startswith("c")}
    # Case by case: correct, cited, found, seconds, each A/B, and which way the verdict went.
    assert rows["c1"] == ["c1", "yes/yes", "yes/yes", "yes/yes", "1.0", "/", "1.0"]
    # Why wrong in A / B (eval/failures.py): a count question goes to the counting path.
    assert rows["c2"] == ["c2", "NO/yes", "NO/yes", "yes/yes", "1.0", "/", "1.0", "better",
                          "(counting", "path", "/", "ok)"]
    assert rows["c3"][1] == "yes/NO" and rows["c3"][-6:] == ["3.0", "worse", "(ok", "/", "answered",
                                                              "unanswerable)"]
    assert "counting path" in text.split("why wrong")[1]  # the failure counts of both runs


def test_cli_compare_shows_each_case_side_by_side(tmp_path, capsys):
    def run(correct: bool, seconds: float) -> dict:
        case = {"id": "soldiers-2023", "category": "count", "correct": correct, "answerable": True,
                "citation_recall": 1.0, "retrieval_recall": 1.0, "timings": {"total_s": seconds}}
        return {"summary": summarise([case]), "cases": [case]}

    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(run(False, 12.5)))
    after.write_text(json.dumps(run(True, 2.5)))
    main(["eval", "--compare", str(before), str(after)])
    out = capsys.readouterr().out
    assert "A: before, B: after" in out
    [row] = [line.split() for line in out.splitlines() if line.startswith("soldiers-2023")]
    assert row[:8] == ["soldiers-2023", "NO/yes", "yes/yes", "yes/yes", "12.5", "/", "2.5", "better"]
    assert "better in after (1): soldiers-2023" in out and "answer_accuracy" in out


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
        "--corpus",  # two paths after one flag, as rag index takes them
        str(seeds_dir / "002_589131bf003a044f.txt"),
        str(seeds_dir / "004_ff4c19e13dc7d0ae.txt"),
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
    assert summary["cases"] == 2 and summary["refusal_accuracy"] == 1.0 and summary["documents"] == 2
    case = next(c for c in data["cases"] if c["id"] == "soldiers-2023")
    assert case["passages"] and "timings" in case and case["answer"]
    assert "soldiers-2023" in first.stdout
    assert (tmp_path / "report.png").stat().st_size > 1000

    # A complete run leaves nothing to resume (resuming is tested without the LLM, in
    # test_an_interrupted_run_asks_again_only_what_was_cut_short_or_failed).
    assert not list((env_cache / "eval-progress").glob("*.jsonl"))
    assert "resumed" not in first.stdout


def write_suite(path, ids: list[str]):
    path.write_text("\n".join(json.dumps({"id": i, "question": i, "must_include": [["four"]]}) for i in ids))
    return path


@pytest.fixture
def fake_answers(monkeypatch):
    """run_eval without the models: indexing does nothing; asking answers 'Four.', or raises
    what `behaviour` names for that question (a failure, or a kill: KeyboardInterrupt)."""
    asked: list[str] = []
    behaviour: dict[str, type[BaseException]] = {}

    def ask(question, settings):
        asked.append(question)
        if question in behaviour:
            raise behaviour[question]("boom")
        return Answer(question, text="Four.", timings={"total_s": 0.5})

    monkeypatch.setattr("rag.api.ask", ask)
    monkeypatch.setattr("rag.api.warm_up", lambda settings: None)
    monkeypatch.setattr("index.build.build_index", lambda *a, **k: SimpleNamespace(documents=[], chunks=0))
    return SimpleNamespace(asked=asked, behaviour=behaviour)


def test_an_interrupted_run_asks_again_only_what_was_cut_short_or_failed(tmp_path, fake_answers):
    suite = write_suite(tmp_path / "s.jsonl", ["a", "b", "c", "d"])
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "x.txt").write_text("Four soldiers died.")
    settings = Settings.load(cache_dir=tmp_path / "cache")
    progress = tmp_path / "cache" / "eval-progress"

    def run():
        fake_answers.asked.clear()
        return run_eval([suite], [tmp_path / "corpus"], settings, progress=False)

    fake_answers.behaviour.update(b=RuntimeError, d=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        run()
    [log] = progress.glob("*.jsonl")
    lines = log.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b", "c"] and "error" in lines[1]
    # The kill came while c was being written: half its line reached the disk.
    log.write_text(f"{lines[0]}\n{lines[1]}\n{lines[2][: len(lines[2]) // 2]}")

    del fake_answers.behaviour["b"]
    with pytest.raises(KeyboardInterrupt):
        run()
    assert fake_answers.asked == ["b", "c", "d"], "the failed case and the one cut short are asked again"

    fake_answers.behaviour.clear()
    result = run()
    assert fake_answers.asked == ["d"], "what the second run finished, after the cut line, is kept"
    assert result.summary["resumed_cases"] == 3 and [c["id"] for c in result.cases] == ["a", "b", "c", "d"]
    assert "resumed 3 cases" in summary_table(result.summary)
    assert not list(progress.glob("*.jsonl")), "a complete run leaves nothing to resume"

    result = run()
    assert fake_answers.asked == ["a", "b", "c", "d"] and result.summary["resumed_cases"] == 0
    assert "resumed" not in summary_table(result.summary)


def test_the_resume_key_covers_every_answer_setting_the_corpus_and_the_code(tmp_path, monkeypatch):
    suite = write_suite(tmp_path / "s.jsonl", ["a"])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.txt").write_text("Four soldiers died.")
    base = Settings.load(cache_dir=tmp_path / "cache")

    def key(settings=base):
        return _progress_file(settings, [suite], [corpus]).name

    first = key()
    for change in [{"phrase_counts": False}, {"max_answer_tokens": 50}, {"context_tokens": 2048},
                   {"llm_url": "http://llm:8080/v1"}, {"llm_model": "other"}, {"refuse_unknown_names": False},
                   {"max_per_article": 4}]:
        assert key(base.with_(**change)) != first, change
    for change in [{"threads": 1}, {"llm_timeout": 5}, {"llm_api_key": "s3cret"}]:
        assert key(base.with_(**change)) == first, change
    # Every field not declared harmless counts, so a setting added later is covered unasked;
    # the API key is never written to the results.
    assert set(answer_settings(base)) == {f.name for f in fields(Settings)} - NOT_ANSWER_AFFECTING
    assert "s3cret" not in json.dumps(answer_settings(base.with_(llm_api_key="s3cret")))

    (corpus / "x.txt").write_text("Five soldiers died.")
    assert key() != first, "an edited article"
    second = key()
    (corpus / "y.txt").write_text("Another article.")
    assert key() != second, "an added article"

    code = tmp_path / "api.py"
    code.write_text("ANSWER = 4\n")
    monkeypatch.setattr("eval.run.CODE", [code])
    before = key()
    code.write_text("ANSWER = 5\n")
    os.utime(code, ns=(0, 0))  # content, not times: a checkout may set any time
    assert key() != before, "changed code"


def test_the_naive_baseline_has_no_per_article_cap_and_no_name_refusal():
    base = Settings.load()
    naive = eval_settings(base, naive=True)
    assert not naive.refuse_unknown_names and not naive.time_aware
    assert naive.max_per_article == naive.top_k
    assert eval_settings(base, naive=True, top_k=7).max_per_article == 7
    full = eval_settings(base)
    assert full.refuse_unknown_names and full.max_per_article == base.max_per_article


def test_unknown_names_are_refused_only_when_the_setting_says_so(tmp_path, monkeypatch):
    import rag.api as api

    class Index:  # a keyword index in which no article names Colombia
        def unknown_names(self, question):
            return ["Colombia"]

    monkeypatch.setattr(api, "Store", lambda *a, **k: SimpleNamespace(close=lambda: None))
    monkeypatch.setattr(api, "keyword_index", lambda store: Index())
    monkeypatch.setattr(api, "retrieve", lambda *a, **k: Retrieval([]))
    settings = Settings.load(index_dir=tmp_path, events=False)
    refused = api.ask("How many soldiers died in Colombia?", settings)
    assert not refused.answered and "None of them mentions Colombia" in refused.text
    with pytest.raises(api.QuestionError, match="no articles yet"):  # went on to retrieval instead
        api.ask("How many soldiers died in Colombia?", settings, refuse_unknown_names=False)


def test_without_time_awareness_the_prompt_has_no_resolved_or_inferred_dates():
    inferred = Passage("1", "/a/1.txt", "/a/1.txt", "Clash", "2023", True, "Wire", "",
                       "Four soldiers died on Monday.", [2023])
    printed = Passage("2", "/a/2.txt", "/a/2.txt", "Raid", "2023-05-03", False, "", "",
                      "It happened last year.", [2022])
    retrieval = Retrieval([inferred, printed])
    aware = build_messages("q?", retrieval)[1]["content"]
    assert "(date inferred)" in aware and "last year (2022)" in aware
    plain = build_messages("q?", retrieval, time_aware=False)[1]["content"]
    assert "inferred" not in plain and "(2022)" not in plain and "Monday (" not in plain
    assert "[1] Clash (Wire)\n" in plain and "[2] Raid (published 2023-05-03)\n" in plain


@pytest.mark.parametrize("item, message", [("bogus=1", "unknown setting 'bogus'; known: index_dir"),
                                           ("hybrid=flase", "'hybrid' is true or false"),
                                           ("top_k=many", "'top_k' is a whole number")])
def test_a_bad_set_is_a_usage_error_not_a_traceback(tmp_path, capsys, item, message):
    with pytest.raises(SystemExit) as stop:
        main(["eval", str(write_suite(tmp_path / "s.jsonl", ["a"])), "--corpus", str(tmp_path),
              "--set", item])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith("rag: error: ") and message in err
    assert "Traceback" not in err


def test_results_to_share_leave_out_the_articles_words_but_compare_as_before(tmp_path):
    from eval.run import EvalRun

    quoted = "A paragraph of the article, quoted whole by the answer. " * 10
    case = {"id": "a", "correct": True, "answer": quoted, "raw_reply": 'Answer: x\nQuote: [1] "words"',
            "citations": [{"n": 1, "path": "a.txt", "title": "T", "date": "2023"}],
            "passages": [{"path": "a.txt", "title": "T", "date": "2023", "score": 0.5, "text": "words"}],
            "timings": {"total_s": 1.0}}
    run = EvalRun({"cases": 1, "answer_accuracy": 1.0}, [case])
    shared = run.to_dict(article_text=False)
    kept = shared["cases"][0]
    assert "raw_reply" not in kept and "text" not in kept["passages"][0]
    assert kept["passages"][0]["path"] == "a.txt" and kept["citations"] == case["citations"]
    assert len(kept["answer"]) <= 151 and kept["answer"].startswith(quoted[:150])
    assert run.to_dict()["cases"][0] == case  # the full run keeps everything
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(shared))
    b.write_text(json.dumps(run.to_dict()))
    main(["eval", "--compare", str(a), str(b)])


def test_wrong_totals_are_the_table_answers_judged_wrong():
    def case(route: str, correct: bool, excluded: bool, refused: bool = False) -> dict:
        return {"id": "x", "category": "total", "answerable": True, "correct": correct, "refused": refused,
                "route": route, "states_excluded": excluded, "timings": {"total_s": 1.0}}

    summary = summarise([case("events", True, False), case("events", False, True),
                         case("events", False, False), case("events", False, False, refused=True),
                         case("passages", False, True)])
    assert (summary["table_answers"], summary["wrong_totals"], summary["wrong_totals_excluded"]) == (3, 2, 1)
