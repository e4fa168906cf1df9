"""Why eval cases fail (eval/failures.py): where the evidence was, the stage that lost a case,
the tables, and replaying a run saved before evidence was recorded (real index, no model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.failures import CLASSES, category_table, classify, evidence, failure_table, readable, replay, tally
from eval.run import eval_settings
from index.settings import Settings
from rag.cli import main
from rag.retrieve import Passage

FOUR = [["4", "four"], ["soldiers"]]  # the rules of "how many soldiers died?"


def passage(n: int, text: str, excerpt: str = "", source: str = "a.txt", date: str = "2023-02-17") -> Passage:
    return Passage(f"id{n}", f"/c/{source}", f"/c/{source}", "Clash in the valley", date, False, "Wire", "",
                   text, [2023], excerpt=excerpt)


CLASH = passage(1, "The army patrolled the road. Four soldiers died in the clash. It rained all day.")
ELSEWHERE = passage(2, "A festival opened in the capital.", source="b.txt")


def test_evidence_is_a_sentence_stating_every_group_of_the_reference_answer():
    found = evidence(FOUR, ["a.txt"], [CLASH, ELSEWHERE], [CLASH], [CLASH])
    assert found == {"level": "sentence", "candidates": True, "passages": True, "excerpt": True}
    # The chunk was given, but its excerpt in the prompt left the sentence out.
    cut = passage(1, CLASH.text, excerpt="The army patrolled the road. …")
    assert evidence(FOUR, ["a.txt"], [cut], [cut], [cut])["excerpt"] is False
    # Among the candidates, not among the passages given.
    assert evidence(FOUR, ["a.txt"], [ELSEWHERE, CLASH], [ELSEWHERE], [CLASH]) == {
        "level": "sentence", "candidates": True, "passages": False, "excerpt": False}
    # Nowhere among the candidates: only the source article's own chunks hold it.
    assert evidence(FOUR, ["a.txt"], [ELSEWHERE], [ELSEWHERE], [CLASH])["candidates"] is False


def test_evidence_reads_dates_as_the_prompt_shows_them():
    assert readable("published 2012-08-31; in 2020-09") == "published 31 August 2012; in September 2020"
    # 'on Wednesday' is resolved against the publication date (Friday 17 Feb 2023), and the
    # publication date itself is in every passage's heading.
    wednesday = passage(1, "The ambush happened on Wednesday near the river.")
    shown = [wednesday]
    assert evidence([["15"], ["February", "Feb"]], ["a.txt"], shown, shown, shown)["excerpt"]
    assert evidence([["17"], ["February"], ["2023"]], ["a.txt"], shown, shown, shown)["level"] == "sentence"


def test_without_a_sentence_or_passage_stating_it_the_articles_stand_in():
    found = evidence([["Zorbulan"]], ["a.txt"], [CLASH], [CLASH], [CLASH])
    assert found == {"level": None, "candidates": True, "passages": True, "excerpt": None}
    assert evidence([["Zorbulan"]], ["a.txt"], [ELSEWHERE], [ELSEWHERE], [CLASH])["candidates"] is False


def case(**fields) -> dict:
    return {"id": "x", "category": "fact", "correct": False, "answerable": True, "refused": False,
            "answer": "Five soldiers died. [1]", "route": "passages", "withheld": False,
            "evidence": {"level": "sentence", "candidates": True, "passages": True, "excerpt": True},
            "retrieval_recall": 1.0} | fields


def lost(candidates=True, passages=True, excerpt=True) -> dict:
    return {"level": "sentence", "candidates": candidates, "passages": passages, "excerpt": excerpt}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"correct": True}, None),
    ({"error": "RuntimeError: boom"}, "error"),
    ({"category": "same-event"}, "counting path"),
    ({"route": "events"}, "counting path"),  # a fact question the event table took
    ({"route": "unknown-names", "evidence": None}, "refused by a rule"),
    ({"answerable": False, "evidence": None}, "answered unanswerable"),
    ({"evidence": lost(False, False, False)}, "not retrieved (candidates)"),
    ({"evidence": lost(True, False, False)}, "not retrieved (passages)"),
    ({"evidence": lost(True, True, False), "refused": True}, "evidence dropped"),
    ({"refused": True}, "refused with evidence"),
    ({"refused": True, "evidence": {"level": None, "candidates": True, "passages": True, "excerpt": None}},
     "refused, evidence not located"),
    ({"refused": True, "withheld": True}, "withheld by the check"),
    ({}, "wrong answer"),
])
def test_each_wrong_case_gets_the_first_stage_that_lost_it(fields, expected):
    assert classify(case(**fields)) == expected
    assert expected is None or expected in CLASSES


def test_a_run_saved_before_the_fields_existed_is_classified_from_what_it_kept():
    old = {k: v for k, v in case().items() if k not in ("route", "withheld", "evidence")}
    assert classify(old | {"retrieval_recall": 0.0}) == "not retrieved (passages)"
    assert classify(old | {"refused": True, "answer": "The articles do not say.\n\n(Not shown: neither "
                           "the model's quote nor any passage sentence states what its answer says.)"}
                    ) == "withheld by the check"
    assert classify(old | {"refused": True}) == "refused, evidence not located"
    counted = old | {"passages": [{"path": "a.txt", "score": 0.0}], "answer": "4 soldiers died in 2023."}
    assert classify(counted) == "counting path"  # the event table's passages carry no score
    assert classify(old | {"refused": True, "answer": "The articles do not say. None of them mentions "
                           "Colombia."}) == "refused by a rule"


def test_tables_count_wrong_cases_by_class_per_run_and_category(tmp_path, capsys):
    cases = [case(), case(category="date", refused=True), case(correct=True),
             case(category="date", evidence=lost(True, False, False))]
    counts = tally(cases)
    date = {"not retrieved (passages)": 1, "refused with evidence": 1}
    assert counts["failures"] == date | {"wrong answer": 1}
    assert counts["failures_by_category"]["date"] == date
    table = failure_table({"before": {"cases": cases}, "after": {"cases": cases[:1]}})
    assert "| why wrong | before | after |" in table and "| wrong answer | 1 | 1 |" in table
    assert "| refused with evidence | 1 | 0 |" in table and "| **all wrong** | 3 | 1 |" in table
    assert "| why wrong | date | fact |" in category_table({"cases": cases})
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps({"summary": {}, "cases": cases}))
    main(["eval", "--failures", str(saved)])
    out = capsys.readouterr().out
    assert "| refused with evidence | 1 |" in out and "run, by category" in out


QUESTION = "Who was Comandante Artemio?"


@pytest.mark.slow
def test_replay_fills_in_where_the_evidence_was_for_an_old_run(tmp_path, seeds_settings):
    """A run saved without `evidence`: retrieval and the excerpts are made again (real index and
    embedder, no model), and the replay says whether it got the passages the run recorded."""
    from index.store import Store
    from rag.context import focus
    from rag.retrieve import retrieve

    settings = eval_settings(seeds_settings)
    store = Store(settings.index_dir, create=False)
    got = retrieve(QUESTION, settings, store)
    focus(QUESTION, got.passages, settings.passage_budget, settings)
    store.close()
    source = Path(got.passages[0].source).name
    suite = tmp_path / "s.jsonl"
    suite.write_text(json.dumps({"id": "artemio", "question": QUESTION, "must_include": [["Artemio"]],
                                 "sources": [source]}) + "\n")
    recorded = [{"path": p.source, "score": p.score} for p in got.passages]
    old = {"id": "artemio", "category": "fact", "question": QUESTION, "answerable": True, "correct": False,
           "refused": True, "answer": "The articles do not say.", "sources": [source], "passages": recorded}
    run = {"summary": {"suites": [str(suite)]}, "cases": [old, old | {"id": "moved"}]}
    with pytest.raises(ValueError, match="moved"):
        replay(run, settings)  # a case in no suite cannot be replayed
    done = replay(run | {"cases": [old]}, settings)
    [again] = done["cases"]
    assert again["replayed"] and again["replay_matches"]
    assert again["evidence"]["passages"] and classify(again) == "refused with evidence"
    # A run whose recorded passages differ from what retrieval gives now says so.
    moved = replay(run | {"cases": [old | {"passages": recorded[:1]}]}, settings)["cases"][0]
    assert moved["replay_matches"] is False


def test_every_settings_field_of_a_saved_run_can_be_replayed():
    # --replay rebuilds the run's settings from its summary: every recorded field must be a setting.
    from eval.run import answer_settings

    recorded = answer_settings(Settings.load())
    assert eval_settings(Settings.load(), **recorded).top_k == recorded["top_k"]
