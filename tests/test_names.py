"""The names check (rag/retrieve.py KeywordIndex.unknown_names): a question is refused only for a
name of someone or somewhere that no article contains; months, weekdays, abbreviations and
ordinary capitalised words never are. Runs spaCy's small English model on each question."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from helpers import SEEDS, missing

from rag.retrieve import KeywordIndex, question_names

CORPORA = SEEDS.parent / "corpora"
# Written for this test: one short wire brief.
BRIEF = ("Gunmen storm Valle town hall\n"
         "VALLE CITY, Oct. 3 (Test Wire) - Gunmen attacked the town hall on Tuesday, killing two guards. "
         "Mayor Ana Ruiz said the Valle Rebel Front had claimed the attack. Ruiz's office closed for a day.")


def index_of(texts: dict[str, str], outlet: str = "") -> KeywordIndex:
    rows = [{"id": str(i), "source": name, "path": name, "title": text.split("\n")[0], "date": "",
             "date_inferred": 0, "outlet": outlet, "url": "", "text": text, "years": "[]", "page": None,
             "author": ""}
            for i, (name, text) in enumerate(texts.items())]
    return KeywordIndex(rows)


@cache
def folder_index(folder: Path) -> KeywordIndex:
    if not folder.is_dir():
        missing(f"corpus not found at {folder}")
    return index_of({p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))})


@pytest.fixture(scope="module")
def brief() -> KeywordIndex:
    return index_of({"brief.txt": BRIEF}, outlet="Test Wire")


@pytest.mark.parametrize("question", [
    "Who was mayor after the October attack?",  # the brief writes "Oct. 3"
    "What happened on Oct. 3?",
    "What happened on Wednesday?",
    "Were guards killed on the Third of October?",
    "Was it a Christmas attack?",
    "How Many Guards Died In The Attack?",  # Title Case
    "What did Reporters ask Ana Ruiz?",  # an ordinary word capitalised
    "Meanwhile, who claimed it?",
    "Did the Mayor resign?",
    "Who is Ána Rúiz?",  # accents
    "What did Ruiz's office say?",  # a possessive
    "What did the Valle Rebel Front claim?",
    "What did the Test Wire report?",  # the outlet
])
def test_no_refusal_for_words_that_are_not_unknown_names(brief, question):
    assert brief.unknown_names(question) == []


@pytest.mark.parametrize(("question", "unknown"), [
    ("Who is Ana Lopez?", ["Ana Lopez"]),  # a known first name does not make the name known
    ("What did the Andes Liberation Army claim?", ["Andes Liberation Army"]),
    ("Was Lampedusa hit on Tuesday?", ["Lampedusa"]),  # spaCy calls it a PERSON: still a name
    ("Did ISIS claim the Valle attack?", ["ISIS"]),
])
def test_names_no_article_contains_are_refused(brief, question, unknown):
    assert brief.unknown_names(question) == unknown


def test_names_joined_by_and_are_each_known_one_as_an_outlet():
    # "Andes Daily" is only the outlet of the article, "Ana Ruiz" only in its text: both known.
    index = index_of({"brief.txt": BRIEF}, outlet="Andes Daily")
    assert question_names("Do Andes Daily and Ana Ruiz agree?") == ["Andes Daily and Ana Ruiz"]
    assert index.unknown_names("Do Andes Daily and Ana Ruiz agree?") == []
    assert index.unknown_names("Do Andes Daily and Ana Lopez agree?") == ["Andes Daily and Ana Lopez"]


def test_question_names_keeps_multi_word_names_whole():
    assert question_names("How many died at Pasta de Conchos in Mexico in October?") == ["Pasta de Conchos",
                                                                                         "Mexico"]
    assert question_names("Who was mayor after the October attack on Tuesday?") == []


@pytest.mark.parametrize(("corpus", "question", "unknown"), [
    ("mines", "How many died at Pasta de Conchos in Mexico?", ["Pasta de Conchos", "Mexico"]),
    ("mines", "What did Governor Nicolás García say on Thursday?", []),
    ("mines", "Did Erdogan visit Amasra in October?", []),
    ("mines", "How many died in Chile's Copiapó mine?", ["Chile", "Copiapó"]),
    ("nigeria", "Who is Babagana Zulum?", []),
    ("nigeria", "How many Christians were killed at Izghe?", []),
    ("nigeria", "Who leads Ansaru?", ["Ansaru"]),
    ("layoffs", "What did Zuckerberg say about the Year of Efficiency?", []),
    ("layoffs", "What did Musk's Twitter do in Bengaluru on February 17?", []),
    ("layoffs", "Did IBM cut jobs in 2023?", ["IBM"]),
    ("layoffs", "How Many Jobs Did Intel Cut In 2024?", []),
])
def test_names_check_on_the_real_corpora(corpus, question, unknown):
    assert folder_index(CORPORA / corpus / "corpus").unknown_names(question) == unknown


@pytest.mark.parametrize(("question", "unknown"), [
    ("How many FARC fighters were killed in Colombia in 2023?", ["FARC"]),
    ("Who is Victor Quispe Palomino?", []),
    ("What happened in Putis on Monday?", []),
    ("Who wrote the InSight Crime brief in August?", []),
])
def test_names_check_on_the_seeds(question, unknown):
    assert folder_index(SEEDS).unknown_names(question) == unknown
