"""No answer states a name or figure that its cited passages do not contain: the check
(rag.citations.ungrounded, eval/grounding.py), the pipeline's use of it, and every answer of the
committed eval runs, read against the passages they cite (real indexes of the real articles)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import missing

from eval.grounding import check_answer, check_run, passages_by_id
from index.settings import Settings
from rag.citations import names, ungrounded

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLASH = {"text": "Four soldiers died on Friday in Zorbulan, police chief Ana Brel said.", "title": "Clash",
         "outlet": "Wire", "date": "2023-02-17"}


def test_names_and_figures_must_be_in_the_question_or_a_cited_passage():
    assert check_answer("Four soldiers died in Zorbulan [1].", "Who died?", [CLASH]) == []
    assert check_answer("Ana Brel said 4 soldiers died [1].", "Who died?", [CLASH]) == []
    assert check_answer("Police chief Ana Brel and Mayor Tom Quill spoke [1].", "Who spoke?", [CLASH]) == [
        "Mayor Tom Quill"]
    assert check_answer("Five soldiers died [1].", "Who died?", [CLASH]) == ["5"]
    # Dates as the prompt showed them: Friday of a passage published Friday 17 February 2023.
    assert check_answer("They died on 17 February 2023 [1].", "When?", [CLASH]) == []
    assert check_answer("They died on 15 February 2023 [1].", "When?", [CLASH]) == ["15"]
    # A counting answer's total is the sum its breakdown shows.
    counted = "Seven soldiers died in 2023 [1].\n\nCounted: 4 on 2023-02-17 [1]; 3 on 2023-03 (4 + 3 = 7)."
    assert check_answer(counted, "How many?", [CLASH]) == []
    assert check_answer("Seven soldiers died in 2023 [1].", "How many?", [CLASH]) == ["7"]


def test_sentence_openers_and_word_forms_are_not_names():
    assert names("However, the army said. Four soldiers died. Victor Quispe led it in Junin.") == [
        "Victor Quispe", "Junin"]
    assert ungrounded("The West Africa Province claimed it.", "the West African Province") == []
    assert ungrounded("Guzmán's group", "Abimael Guzman led the group") == []


def test_the_pipeline_cites_the_passage_that_states_a_name_or_shows_the_quote():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    def p(n: int, text: str) -> Passage:
        return Passage(f"id{n}", f"/a/{n}.txt", f"/a/{n}.txt", "Report", "2023-02-17", False, "Wire", "",
                       text, [2023])

    passages = [p(1, "Four soldiers died in the valley on Friday."), p(2, "The attack was led by Ana Brel.")]
    answer = Answer("Who led the attack in which four soldiers died?", passages=passages,
                    raw_reply='Answer: Ana Brel led the attack in which four soldiers died [1].\n'
                              'Quote: [1] "Four soldiers died in the valley on Friday."')
    _finish(answer, "", 0.0)
    assert answer.answered and [c.n for c in answer.citations] == [1, 2]  # [2] names her
    invented = Answer("Who led the attack in which four soldiers died?", passages=passages,
                      raw_reply='Answer: Tom Quill led the attack in which four soldiers died [1].\n'
                                'Quote: [1] "Four soldiers died in the valley on Friday."')
    _finish(invented, "", 0.0)
    # Its quote names no one either ("Four" opens the sentence, "Friday" is a day): withheld.
    assert "Quill" not in invented.text and not invented.answered and invented.withheld_why == "off-question"
    assert "Tom Quill" in invented.full_text  # the note says what was left out, and why
    quoted = Answer("Who led the attack in which four soldiers died?", passages=passages,
                    raw_reply='Answer: Tom Quill led the attack in which four soldiers died [2].\n'
                              'Quote: [2] "The attack was led by Ana Brel."')
    _finish(quoted, "", 0.0)
    assert "Quill" not in quoted.text and quoted.text.startswith("The attack was led by Ana Brel")


TOPICS = ("mines", "nigeria", "layoffs")
RUNS = [("seeds-full.json", SHARED / "seeds")] + [
    (f"{topic}-full.json", SHARED / "corpora" / topic / "corpus") for topic in TOPICS] + [
    (f"{topic}-full.json", ROOT / "eval" / "corpora" / topic / "corpus") for topic in ("boats", "floods")]


@pytest.mark.slow
@pytest.mark.parametrize(("run", "corpus"), RUNS)
def test_no_answer_of_the_committed_eval_runs_states_what_its_cited_passages_do_not(tmp_path, run, corpus):
    """Each answer of eval/results/<run>, against the text of the passages it cites, read by their
    ids from an index of the same articles (built here, as the eval builds it)."""
    from index.build import build_index

    path = ROOT / "eval" / "results" / run
    if not path.exists():
        pytest.fail(f"{path} is missing: run the eval (README, Evaluation) and commit its --json")
    if not corpus.is_dir():
        missing(f"articles not found at {corpus}")
    saved = json.loads(path.read_text(encoding="utf-8"))
    # The articles are read from another folder than the run's, as on any other machine: the
    # check must find the passages by what they hold, not by where the run found them.
    elsewhere = tmp_path / "articles"
    shutil.copytree(corpus, elsewhere)
    settings = Settings.load(index_dir=tmp_path / "index")
    build_index([elsewhere], settings, progress=False)
    answered = [c for c in saved["cases"] if not c.get("refused") and c.get("citations")]
    assert answered, "the run answered nothing: there is nothing to check"
    assert check_run(saved, passages_by_id(settings)) == {}


def _passage_answer(question: str, reply: str, text: str, date: str = "", years: tuple = ()) -> object:
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    passage = Passage("id1", "/a/1.txt", "/a/1.txt", "Cuts", date, False, "Wire", "", text,
                      sorted({*years, *([int(date[:4])] if date else [])}))
    answer = Answer(question, passages=[passage], raw_reply=f'Answer: {reply}\nQuote: [1] "{text}"')
    _finish(answer, "", 0.0, chunks_of=lambda source: [passage])
    return answer


def test_an_answer_is_not_placed_in_the_period_asked_on_the_question_s_word_alone():
    said, reply = "Zorbu Corp cut 500 jobs.", "Zorbu Corp cut 500 jobs [1]."
    undated = _passage_answer("How many jobs did Zorbu Corp cut in 2025?", reply, said)
    assert not undated.answered and undated.withheld and not undated.citations
    assert "500 jobs" in undated.full_text and "2025" in undated.full_text  # what was left out, and why
    other_year = _passage_answer("How many jobs did Zorbu Corp cut in 2025?", reply, said, date="2022-03-01")
    assert not other_year.answered
    for date, text in (("2025-03-01", said), ("", "Zorbu Corp cut 500 jobs in March 2025.")):
        dated = _passage_answer("How many jobs did Zorbu Corp cut in 2025?", reply, text, date=date,
                                years=(2025,) if "2025" in text else ())
        assert dated.answered and "500" in dated.text
    # A year that names what is asked about, not where its answer lies, is no such constraint.
    named = _passage_answer("How many jobs did the 2025 Zorbu Corp cuts remove?", reply, said)
    assert named.answered
    clause = _passage_answer("What did Zorbu Corp say when it cut jobs in 2025?", reply, said)
    assert clause.answered  # the year is in a clause about what is asked, not where its answer lies


def test_an_answer_about_what_the_question_names_rests_on_an_article_that_names_it():
    question, reply = "What severance did Zorbu Corp offer?", "Zorbu Corp offered 16 weeks of pay [1]."
    other = _passage_answer(question, reply, "Quill Inc offered 16 weeks of pay.")
    assert not other.answered and other.withheld and "Zorbu Corp" in other.full_text
    same = _passage_answer(question, reply, "Zorbu Corp offered 16 weeks of pay.")
    assert same.answered and same.citations


def test_an_answer_stated_by_two_sentences_together_stands_and_cites_both():
    from rag.answer import Answer
    from rag.api import _finish
    from rag.retrieve import Passage

    first = Passage("id1", "/a/1.txt", "/a/1.txt", "Brief", "2012-05-01", False, "Wire", "",
                    "The faction had some 500 fighters. It hid in the valley.", [2012])
    second = Passage("id2", "/a/2.txt", "/a/2.txt", "Report", "2020-05-01", False, "Wire", "",
                     "Some 450 members of the group remain, officials said.", [2020])
    question = "How many fighters did the faction have in 2012 and how many members in 2020?"
    reply = ('Answer: The faction had 500 fighters in 2012 and 450 members in 2020 [1].\n'
             'Quote: [1] "It hid in the valley."')
    both = Answer(question, passages=[first, second], raw_reply=reply)
    _finish(both, "", 0.0)
    assert both.answered and "450" in both.text and [c.n for c in both.citations] == [1, 2]
    invented = Answer(question, passages=[first, second], raw_reply=reply.replace("450", "620"))
    _finish(invented, "", 0.0)
    assert "620" not in invented.text
