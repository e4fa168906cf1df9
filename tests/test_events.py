"""The event table: extraction (every figure stated by its sentence), merging across articles,
and counting questions answered from it, with the period filter."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from index.build import build_index
from index.events import Count, Mention, extract_mentions, merge, validate
from rag import ask, events
from rag.cli import main as cli
from rag.counting import parse
from ui import render

ROOT = Path(__file__).resolve().parents[1]
DISPUTED = ROOT / "eval" / "corpora" / "disputed"


def counts(text: str, published: str = "2024-05-20") -> set[tuple[str, str, float]]:
    return {(c.category, c.outcome, c.value) for m in extract_mentions("a.txt", text, published, False)
            for c in m.counts}


def test_counts_take_the_outcome_of_their_own_clause():
    assert counts("Rebels attacked a base, killing five soldiers and injuring seven others.") == {
        ("soldiers", "killed", 5), ("soldiers", "injured", 7)}
    assert counts("Three wounded soldiers were flown to Lima.") == {("soldiers", "injured", 3)}
    assert counts("Two police officers lost their lives, while four villagers were hurt.") == {
        ("police", "killed", 2), ("civilians", "injured", 4)}
    assert counts("The clash left six people dead: four rebels and two soldiers.") == {
        ("people", "killed", 6), ("rebels", "killed", 4), ("soldiers", "killed", 2)}


def test_numbers_that_are_not_event_counts_are_not_extracted():
    assert counts("The group has some 500 fighters and 52 bases in the valley.") == set()
    assert counts("Over two decades of war, an estimated 70,000 people were killed.") == set()
    assert counts("About 69.3 percent of the coca came from the valley.") == set()


def test_every_extracted_figure_is_stated_by_its_sentence(seeds_dir: Path):
    mentions = [m for path in sorted(seeds_dir.glob("*.txt"))
                for m in extract_mentions(path.name, path.read_text(encoding="utf-8"), "2023", True)]
    assert len(mentions) > 5
    assert all(validate(m) == [] for m in mentions)
    m = next(m for m in mentions if m.counts)
    forged = replace(m, counts=[replace(m.counts[0], value=m.counts[0].value + 1)])
    assert validate(forged) and "does not state" in validate(forged)[0]
    invented = replace(m, counts=[Count("soldiers", "killed", 9, "", "nine soldiers")])
    assert validate(invented) == ["'nine soldiers' is not in the sentence"]
    assert merge([forged, invented]) == []  # a figure the text does not state never gets counted


def test_relative_dates_are_resolved_against_publication():
    [m] = extract_mentions("a.txt", "Gunmen killed three police officers on Sunday near Llochegua.",
                           "2024-03-12", False)
    assert (m.date, m.date_basis, m.places) == ("2024-03-10", "text", ["Llochegua"])
    [m] = extract_mentions("b.txt", "Four soldiers died in the clash.", "2023", True)
    assert (m.date, m.date_basis, m.date_inferred) == ("2023", "published", True)


def mention(source: str, date: str, place: str, value: float, category: str = "police",
            basis: str = "text") -> Mention:
    sentence = f"{int(value)} {category} were killed in {place}."
    return Mention(source, sentence, 0, date, basis, False, [place], "", [
        Count(category, "killed", value, "", f"{int(value)} {category}")])


def test_one_event_told_by_two_outlets_is_one_event_with_both_sources():
    [event] = merge([mention("a", "2024-03-10", "Llochegua", 7), mention("b", "2024-03-11", "Llochegua", 7)])
    assert event.sources == ["a", "b"] and event.figure("police", "killed") == 7


def test_disagreeing_figures_of_one_event_stay_visible():
    reports = [mention("a", "2024-03-10", "Llochegua", 14), mention("b", "2024-03-10", "Llochegua", 16),
               mention("c", "2024-03-10", "Llochegua", 16)]
    [event] = merge(reports)
    assert event.figures("police", "killed") == {14: 1, 16: 2}
    assert event.figure("police", "killed") == 16
    assert "14 or 16 police killed" in event.summary()


def test_different_places_or_months_are_different_events():
    one_day = [mention("a", "2024-03-10", "Llochegua", 7), mention("b", "2024-03-10", "Pichari", 7)]
    assert len(merge(one_day)) == 2
    assert len(merge([mention("a", "2024-03", "Llochegua", 7), mention("b", "2024-05", "Llochegua", 7)])) == 2
    # An article that also recalls an earlier attack: the two are not merged.
    assert len(merge([mention("a", "2023", "Putis", 4, "soldiers", basis="published"),
                      mention("a", "2023-02", "Natividad", 7)])) == 2


@pytest.mark.parametrize("question, kind, categories, outcome, period", [
    ("how many soldiers died in 2023?", "count", ("soldiers",), "killed", (2023, 2023)),
    ("Which year was deadliest for soldiers?", "which_year", ("soldiers",), "killed", None),
    ("How many attacks on police since 2020?", "events", ("police",), "any", (2020, None)),
    ("How many members of the security forces were killed?", "count", ("soldiers", "police"), "killed", None),
])
def test_counting_questions_are_recognised(question, kind, categories, outcome, period):
    q = parse(question)
    assert (q.kind, q.categories, q.outcome) == (kind, categories, outcome)
    if period is None:
        assert q.period is None
    else:
        assert q.period.start == period[0] and (period[1] is None or q.period.end == period[1])


@pytest.mark.parametrize("question", [
    "How many fighters does the Shining Path have?",
    "About how many people were killed in Peru's internal conflict?",
    "How many days before the attack did the army seize the chemicals?",
    "Who leads the Shining Path?",
])
def test_other_questions_are_left_to_retrieval(question):
    assert parse(question) is None


@pytest.fixture(scope="module")
def counted(seeds_settings):
    return seeds_settings.with_(phrase_counts=False)


def test_seed_year_of_articles_of_unknown_date_is_not_guessed(counted):
    # 002 and 004 (the Putis clash) print no date and their text does not settle the year
    # (issue 12): no figure is given for 2023 as if it were known.
    answer = ask("how many soldiers died in 2023?", counted)
    assert not answer.answered and not answer.citations
    assert not re.search(r"\b(4|four) soldiers", answer.text, re.I)


UNDATED_EVENTS = ("issue 12, event table: index/events.py drops the counts of articles of unknown year, "
                  "so the Putis clash (002, 004) is missing from totals")


@pytest.mark.xfail(strict=True, reason=UNDATED_EVENTS)
def test_seed_total_has_its_breakdown_and_deadliest_year(counted):
    answer = ask("how many soldiers were killed in total across the articles?", counted)
    assert answer.text.startswith("11 soldiers killed") and "(5 + 2 + 4 = 11)" in answer.text
    assert {Path(c.path).name[:3] for c in answer.citations} == {"001", "002", "003", "004"}
    answer = ask("which year was deadliest for soldiers?", counted)
    assert answer.text.startswith("2012 was the deadliest year")


def test_counted_citations_carry_the_event_sentence(counted):
    """The UI highlights a citation's support: the sentence that states the counted figure,
    not the one a word-overlap guess picks ("The firefight occurred ... in Chachaspata")."""
    answer = ask("how many soldiers died in 2020?", counted)
    (citation,) = answer.citations
    assert citation.support.startswith("Two soldiers were also killed"), citation.support
    assert citation.support in " ".join(citation.text.split())
    html = render.highlight(citation.text, answer.text, support=citation.support)
    assert "<mark>Two soldiers were also killed" in html


@pytest.mark.xfail(strict=True, reason=UNDATED_EVENTS)
def test_counted_citations_of_one_event_in_two_outlets_carry_each_outlets_sentence(counted):
    answer = ask("how many soldiers were killed in total across the articles?", counted)
    putis = [c for c in answer.citations if Path(c.path).name[:3] in ("002", "004")]
    assert len(putis) == 2
    for c in putis:  # each outlet's own sentence
        assert re.search(r"\bfour soldiers\b", c.support, re.I), c.support
        assert "\n" not in c.support


def test_seed_year_without_events_gets_no_figure(counted):
    answer = ask("how many soldiers died in 2015?", counted)
    assert not answer.answered and not answer.citations
    assert "no soldiers killed in 2015" in answer.text
    # the period filter of the API replaces the question's
    answer = ask("how many soldiers died?", counted, period=(2020, 2020))
    assert answer.text.startswith("2 soldiers killed in 2020")


def test_names_no_article_contains_are_refused(counted):
    answer = ask("How many FARC fighters were killed in Colombia in 2023?", counted)
    assert not answer.answered and "FARC" in answer.text and not answer.citations


def test_disputed_toll_is_counted_once_and_shown(tmp_path, seeds_dir, settings):
    build_index([seeds_dir, DISPUTED], settings, progress=False)
    answer = ask("How many police officers were killed in 2024?", settings.with_(phrase_counts=False))
    assert answer.text.startswith("16 police killed in 2024")
    assert "disagree on police killed: 14 in 1 article and 16 in 1 article; counted 16" in answer.text
    table = events(settings)
    assert [e["year"] for e in table] == sorted(e["year"] for e in table)
    police = next(e for e in table if e["year"] == 2024)
    killed = next(c for c in police["counts"] if c["outcome"] == "killed")
    assert killed["reported"] == {"14": 1, "16": 1} and len(police["sources"]) == 2


def test_cli_events_json(seeds_settings, capsys):
    cli(["events", "--json", "--index-dir", str(seeds_settings.index_dir), "--year", "2012"])
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["year"] == 2012 for r in rows)
    # The 2012 brief is stored twice (000 is a duplicate of 001): its events come from 001 alone.
    assert {Path(s).name[:3] for r in rows for s in r["sources"]} == {"001"}


@pytest.mark.slow
def test_model_words_the_count_without_changing_it(seeds_settings):
    answer = ask("how many soldiers were killed in total across the articles?", seeds_settings)
    assert answer.answered and answer.prompt_tokens < 400
    headline = answer.text.split("\n")[0]
    assert "11" in headline or "eleven" in headline.lower()
    assert {Path(c.path).name[:3] for c in answer.citations} == {"001", "002", "003", "004"}
