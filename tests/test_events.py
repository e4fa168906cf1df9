"""The event table: open-vocabulary extraction (every figure stated by its sentence), statement
kinds, one event per story across outlets, the figure rule, and counting questions answered from
it with every constraint of the question met. Real articles are read from ../shared by path."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import missing

from index.build import build_index
from index.events import Count, Report, extract_events
from index.events.extract import extract_mentions, validate
from index.events.identity import article_reports, choose
from index.events.query import _name_in, _words, match, parse
from index.events.vocab import nouns_match
from index.settings import Settings
from index.store import Store
from rag import ask, events
from rag.cli import main as cli
from rag.counting import answer_from_events, comparison_counts
from ui import render

ROOT = Path(__file__).resolve().parents[1]
DISPUTED = ROOT / "eval" / "corpora" / "disputed"
CORPORA = ROOT.parent / "shared" / "corpora"


def counts(text: str, published: str = "2024-05-20") -> set[tuple]:
    found = extract_mentions("a.txt", "", text, published, False)
    return {(c.value, c.noun, c.outcome, c.kind) for m in found for c in m.counts}


# --- extraction: any noun, any outcome, only what the sentence states ---------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("Rebels attacked a base, killing five soldiers and injuring seven others.",
     {(5, "soldier", "killed"), (7, "soldier", "injured")}),
    ("At least 41 migrants drowned when their boat capsized.", {(41, "migrant", "killed")}),
    ("Gunmen abducted 73 students from a school on Thursday.", {(73, "student", "kidnapped")}),
    ("The company will lay off 11,000 employees, about 13% of its staff.", {(11000, "employee", "cut")}),
    ("Twelve passengers are still missing after the ferry sank.", {(12, "passenger", "missing")}),
    ("Rescuers pulled 11 miners to safety on Sunday.", {(11, "miner", "rescued")}),
    ("The death toll from the blast rose to 40 on Saturday.", {(40, "", "killed")}),
    ("An explosion left 52 miners dead about 820 feet underground.", {(52, "miner", "killed")}),
    ("Six people lost their lives in the flood.", {(6, "people", "killed")}),
    ("Twenty-six people survived the sinking.", {(26, "people", "rescued")}),
    ("About 150 people are still listed as missing, the coastguard said.", {(150, "people", "missing")}),
    # the recognizer reads both numbers as dates; the parser hangs them from the toll's verb
    ("The final confirmed death toll stands at 44, the district chief said.", {(44, "", "killed")}),
    ("Officials lowered the death toll from the sinking on November 3 to 11.", {(11, "", "killed")}),
    ("A patrol boat and two fishing trawlers pulled 26 survivors from the water.",
     {(26, "survivor", "rescued")}),
    # a headline: who they are before the noun, what happened to them after it
    ("12 trapped miners rescued after three days", {(12, "miner", "trapped"), (12, "miner", "rescued")}),
    # either outcome is no figure of one: only the vehicles are counted
    ("The group said it had killed or wounded over 20 troops and destroyed 14 vehicles.",
     {(14, "vehicle", "destroyed")}),
    ("Twenty people are dead or missing after the flood, and 12 were rescued.", {(12, "", "rescued")}),
])
def test_the_number_the_noun_it_counts_and_what_happened(sentence, expected):
    found = {(v, n, o) for v, n, o, _ in counts(sentence)}
    assert found == expected


@pytest.mark.parametrize("sentence", [
    "Two methane explosions and a fire killed 91 people at the mine.",  # 2 counts explosions, not victims
    "A further 23 of the 252 people who were working at the mine are still missing.",  # 252 were there
    "Rescuers brought up 222 miners, with five remaining in the mine.",  # those five were not rescued
])
def test_numbers_that_count_no_victims_are_left_out(sentence):
    values = {v for v, *_ in counts(sentence)}
    assert values and not values & {2, 252, 5}, values


@pytest.mark.parametrize("sentence", [
    "The plan to build a lakeside resort is one step closer.",  # a comparison: nothing was closed
    "One relative said that the hunter's body was found near the river.",  # the relative was not found
])
def test_a_number_that_counts_nobody_an_outcome_happened_to_is_no_figure(sentence):
    assert counts(sentence) == set()


@pytest.mark.parametrize("sentence, kind", [
    ("More than 1,200 migrants have died on this route so far this year.", "running_total"),
    ("Over two decades of war, an estimated 70,000 people were killed.", "historical"),
    ("The insurgency has killed more than 40,000 people.", "historical"),
    ("The company's mining industry used to average 5,000 deaths per year.", "historical"),
    ("A mass layoff occurs when at least 50 employees are laid off in a month.", "generic"),
    ("Gunmen killed 12 villagers on Monday.", "incident"),
    ("Nearly 35,000 job cuts have been announced in 2024, a tracker says.", "running_total"),
    ("More than 1,900 people have died or gone missing on the route since January.", "running_total"),
    ("Since the rains began in June, 312 people have died across the country.", "running_total"),
    ("Five people have died since the storm hit on Monday.", "incident"),
    ("The firm said it has laid off 500 workers to cut costs.", "incident"),
])
def test_statement_kinds(sentence, kind):
    assert {k for *_, k in counts(sentence)} == {kind}


@pytest.mark.parametrize("sentence, cumulative", [
    ("Between the cuts we made in March and the ones we announce today, we will shed 9,000 roles.", True),
    ("Gunmen killed 12 villagers and abducted five others, including the village head.", False),
    ("In all, 21 miners died in the blast.", False),
])
def test_a_figure_that_takes_in_earlier_rounds(sentence, cumulative):
    found = [c for m in extract_mentions("a.txt", "", sentence, "2024-05-20", False) for c in m.counts]
    assert found and {c.cumulative for c in found} == {cumulative}
    if cumulative:  # the month named is the earlier round's, not the date of the total
        assert all(not m.date.endswith("-03")
                   for m in extract_mentions("a.txt", "", sentence, "2024-05-20", False))


def test_a_denied_figure_is_no_figure_and_the_correction_is_an_update():
    sentence = "The governor said 137, not 287, pupils were abducted."
    found = extract_mentions("a.txt", "", sentence, "2024-03-20", False)
    [count] = [c for m in found for c in m.counts]
    assert (count.value, count.revised) == (137, True)


def test_every_extracted_figure_is_stated_by_its_sentence_and_forgeries_are_caught():
    paths = sorted(CORPORA.glob("*/corpus/*.txt"))
    if not paths:
        missing(f"corpora not found at {CORPORA}")
    paths += sorted((ROOT / "eval" / "corpora").glob("*/corpus/*.txt"))  # the project's own folders
    mentions = [m for p in paths
                for m in extract_mentions(p.name, "", p.read_text(encoding="utf-8"), "", False)]
    assert len(mentions) > 100
    assert all(validate(m) == [] for m in mentions)
    m = next(m for m in mentions if m.counts)
    forged = replace(m, counts=[replace(m.counts[0], value=m.counts[0].value + 1)])
    assert validate(forged) and "does not state" in validate(forged)[0]
    invented = replace(m, counts=[Count(9, "soldier", "killed", "nine soldiers")])
    assert validate(invented) == ["'nine soldiers' is not in the sentence"]


def test_relative_dates_are_resolved_against_publication():
    [m] = extract_mentions("a.txt", "", "Gunmen killed three police officers on Sunday near Llochegua.",
                           "2024-03-12", False)
    assert (m.date, m.date_basis) == ("2024-03-10", "text")
    [m] = extract_mentions("b.txt", "", "Four soldiers died in the clash.", "2023", True)
    assert (m.date, m.date_basis, m.date_inferred) == ("2023", "published", True)


def test_an_article_recalling_an_earlier_event_keeps_it_apart():
    body = ("Gunmen killed 21 people in a raid on the village on Saturday, officials said.\n"
            "In August, four villagers were killed in a similar raid.\n"
            "The company will cut 10,000 jobs, only four months after it laid off 11,000 employees.")
    roles = {(c.value, m.role) for m in extract_mentions("a.txt", "", body, "", False) for c in m.counts}
    assert roles == {(21, "main"), (4, "background"), (10000, "main"), (11000, "background")}


# --- group words match by meaning, not by a list of groups -----------------------------------------

@pytest.mark.parametrize("asked, counted, same", [
    ("soldier", "troop", True), ("security force", "soldier", True),
    ("security force", "police officer", True),
    ("policeman", "police officer", True), ("job", "employee", True), ("people", "miner", True),
    ("rebel", "rebel fighter", True), ("soldier", "police officer", False), ("student", "teacher", False),
    ("member (Shining Path)", "member (armed forces)", False), ("people", "", True), ("miner", "", False),
])
def test_group_words(asked, counted, same):
    assert nouns_match(asked, counted) is same


# --- which figure counts ------------------------------------------------------------------------

def report(value: float, when: str = "", revised: bool = False) -> Report:
    return Report("a", value, str(value), "", when, revised, "")


def test_the_figure_rule():
    assert choose([report(12, "2024-05-01"), report(10, "2024-05-02")]).value == 10  # the latest report
    assert choose([report(40), report(41)]).value == 41  # same day or undated: the highest
    corrected = choose([report(287), report(137, revised=True)])
    assert (corrected.value, corrected.others) == (137, [287])  # an update over a plain report
    assert choose([report(16), report(14), report(16)]).rule == "the figure most reports give"


# --- one event per story, on real articles ----------------------------------------------------------

def corpus_events(topic: str) -> list:
    folder = CORPORA / topic / "corpus"
    if not folder.is_dir():
        missing(f"corpus not found at {folder}")
    from index.build import describe_files

    docs = describe_files([folder])
    return extract_events([(Path(d.source).name, d.meta.title, d.body, d.meta.date, d.meta.date_inferred)
                           for d in docs if not d.duplicate_of])


def corpus_texts(topic: str) -> dict[str, str]:
    """Each article's headline and text, by file name, as the question matcher reads them."""
    folder = CORPORA / topic / "corpus"
    if not folder.is_dir():
        missing(f"corpus not found at {folder}")
    from index.build import describe_files

    return {Path(d.source).name: f"{d.meta.title}\n{d.body}" for d in describe_files([folder])}


def event_of(events_: list, *names: str):
    found = [e for e in events_ if all(any(n in s for s in e.sources) for n in names)]
    assert len(found) == 1, [(e.id, e.sources) for e in events_
                             if any(n in " ".join(e.sources) for n in names)]
    return found[0]


def test_a_revised_toll_told_by_two_outlets_is_one_event_with_both_figures():
    table = corpus_events("mines")
    amasra = event_of(table, "ajc-", "latestly-2022")
    choice = amasra.choice("killed", "")
    assert (choice.value, choice.others) == (41, [40])
    sentences = {r.value: r.sentence for r in amasra.reports("killed", "")}
    assert re.search(r"\b41\b", sentences[41]) and re.search(r"\b40\b", sentences[40])
    kostenko = event_of(table, "frontierpost", "todayonline", "timesca")
    assert kostenko.figure("killed", "") == 45


def test_a_figure_stated_against_a_denied_one_is_counted_over_it():
    # One outlet reports the release of 287 abducted schoolchildren; another quotes the governor:
    # "137 schoolchildren, and not 287, were abducted". The correction is the figure counted, and
    # the denied figure stays shown beside it.
    kuriga = event_of(corpus_events("nigeria"), "punch-undated-kuriga", "thenation-undated-kuriga")
    choice = kuriga.choice("kidnapped", "schoolchild")
    assert (choice.value, choice.others) == (137, [287])
    assert choice.rule == "stated as an update of the earlier figures"
    # Its headline, "All 137 abducted pupils rescued", tells the release too: the report that
    # corrects the figure corrects it for the rescued as well.
    rescued = kuriga.choice("rescued", "schoolchild")
    assert (rescued.value, rescued.others) == (137, [287])
    correction = next(m for m in kuriga.mentions if "thenation" in m.source
                      and any(c.revised and c.value == 137 for c in m.counts))
    assert re.search(r"\b137 schoolchildren, and not 287\b", correction.sentence)


@pytest.mark.parametrize("sentence, value, revised", [
    ("The death toll from the blast rose to at least 40 people on Saturday.", 40, True),
    ("Rescuers found two more bodies, raising the death toll to 10.", 10, True),
    ("The death toll has now risen to 45.", 45, True),
    ("Officials said 137 pupils, and not 287, were abducted.", 137, True),
    ("Authorities now put the presumed death toll at 51.", 51, True),
    # the update is another figure of the sentence; a confirmation is no update
    ("Rescuers found the bodies of nine workers killed in a blast, raising the toll to 10.", 9, False),
    ("Authorities on Thursday confirmed 14 fatalities.", 14, False),
    # "latest" qualifying the story, not the figure, updates nothing
    ("The firm is cutting nearly 8,000 jobs in the latest round of layoffs.", 8000, False),
    ("Gunmen killed nine soldiers in the latest violence in the region.", 9, False),
])
def test_a_figure_stated_as_an_update(sentence, value, revised):
    found = [c for m in extract_mentions("a.txt", "", sentence, "2024-05-20", False) for c in m.counts
             if c.value == value]
    assert found and {c.revised for c in found} == {revised}


def test_an_undated_report_joins_the_event_two_recollections_tell_together():
    # Two articles recall an August fire in passing ("four miners were killed ... at the Karaganda
    # mine"; "five miners were killed ... at an ArcelorMittal site"); an undated article reports
    # it (five dead), naming both the mine's region and the company. One event, both figures,
    # and the undated article takes its year from it.
    table = corpus_events("mines")
    fire = event_of(table, "frontierpost", "timesca", "kazinform")
    assert fire.date.startswith("2023-08")
    choice = fire.choice("killed", "miner")
    assert (choice.value, choice.others) == (5, [4])
    sentences = {r.source: r.sentence for r in fire.reports("killed", "miner")}
    assert "four miners" in next(s for k, s in sentences.items() if "frontierpost" in k)
    assert "fifth miner" in next(s for k, s in sentences.items() if "kazinform" in k)


def test_an_undated_report_telling_the_weekday_at_a_rare_place_joins_the_dated_report():
    # An undated wire report: "more than 50 people killed in Saturday night's attack on X village",
    # 63 on the village list. A dated blog post: "on Saturday night ... killing dozens of people in
    # X", 106 killed. Same rare village, same weekday: one event, and the wire report takes its
    # year. The figures differ, so both stay shown.
    table = corpus_events("nigeria")
    izghe = event_of(table, "ap-undated-izghe", "ciccilli-2014")
    assert izghe.year == 2014
    choice = izghe.choice("killed", "")
    assert choice.value == 106 and 63 in choice.others
    wire = [m for m in izghe.mentions if m.source.startswith("ap-undated")]
    assert any("Saturday night's attack on Izghe" in m.sentence for m in wire)
    # The same weekday without the rare name joins nothing: another attack told "from Friday to
    # Saturday" in the same region stays its own event.
    other = [e for e in table if any("northafricapost" in s for s in e.sources)]
    assert other and all(not any("ap-undated" in s for s in e.sources) for e in other)


def test_the_kidnapped_of_an_attack_are_its_own_and_only_its_own():
    # An undated report of an attack (69 dead) goes on: "Last week, five people were kidnapped
    # through the same process ..." on a road elsewhere. Joined with the dated report of the same
    # attack (81 dead, 13 injured), the five are no second report of its kidnapped.
    table = corpus_events("nigeria")
    faduma = event_of(table, "saharareporters-2020", "thenation-undated-gubio")
    assert faduma.choice("killed", "").others == [69]
    kidnapped = {c.noun for m in faduma.mentions for c in m.counts if c.outcome == "kidnapped"}
    choices = [faduma.choice("kidnapped", n) for n in kidnapped]
    assert choices and all(5 not in [c.value, *c.others] for c in choices)
    # "... with 13 persons injured and seven others including the village head abducted": the
    # seven were abducted, the 13 injured only.
    assert {c.value for c in choices} == {7}
    recalled = [e for e in table if e is not faduma
                and any("thenation-undated-gubio" in s for s in e.sources)]
    assert [e.figure("kidnapped", "") for e in recalled] == [5]


def test_two_attacks_at_one_place_stay_two_events():
    table = corpus_events("nigeria")
    def having(name: str, outcome: str, noun: str) -> list:
        return [e for e in table if any(name in s for s in e.sources) and e.figure(outcome, noun)]

    one = having("globalupfront", "killed", "policeman")
    other = having("northafricapost", "killed", "soldier")
    assert one and other and one[0] is not other[0]
    bakura = having("thewhistler", "kidnapped", "student")
    kaya = [e for e in table if any("newtelegraph-undated-kaya" in s for s in e.sources)]
    assert bakura and kaya and bakura[0] is not kaya[0]


def test_a_round_recalled_in_passing_joins_its_own_event_not_the_new_one():
    table = corpus_events("layoffs")
    first = event_of(table, "irishexaminer", "itv-", "bqprime")
    assert first.figure("cut", "job") == 11000
    second = [e for e in table if e.sources == [s for s in e.sources if "bqprime" in s] and
              e.figure("cut", "job") == 10000]
    assert second, "the new round of the article that recalls the first is an event of its own"


# --- questions: every constraint met, or not answered from the table --------------------------------

def test_question_targets_names_and_alternatives():
    q = parse("How many soldiers and policemen were killed in the raids on Kareto and on Sabon Gari in 2024?")
    assert [(t.outcome, t.nouns) for t in q.targets] == [("killed", ("soldier", "policeman"))]
    assert q.period.start == q.period.end == 2024
    assert {"Kareto", "Sabon Gari"} <= set(q.names) and ("Kareto", "Sabon Gari") in q.alternatives
    q = parse("Of the 22 workers trapped, how many were rescued alive and how many died?")
    assert [t.outcome for t in q.targets] == ["rescued", "killed"]
    q = parse("How many offices did the company close in India, and which ones?")
    assert q.targets[0].outcome == "closed" and q.other_part


@pytest.mark.parametrize(("question", "nouns"), [
    ("Which year was deadliest for soldiers: 2012, 2020 or 2023?", ("soldier",)),
    ("In which year were the most miners killed?", ("miner",)),
    # a covering word listed with what it covers names those, so no figure counts twice
    ("Which year was deadliest for the security forces, soldiers and police together?",
     ("soldier", "police")),
    ("Which year was the deadliest?", ()),
])
def test_which_year_questions_keep_the_group_asked(question, nouns):
    q = parse(question)
    assert q.kind == "which_year" and [(t.outcome, t.nouns) for t in q.targets] == [("killed", nouns)]


@pytest.mark.parametrize(("question", "kind", "outcome", "nouns"), [
    ("In which year were the most people kidnapped?", "which_year", "kidnapped", ()),
    ("Which attack was the deadliest?", "which_event", "killed", ()),
    ("What was the worst mine disaster in the region?", "which_event", "killed", ()),
    ("Which attack killed the most soldiers?", "which_event", "killed", ("soldier",)),
    ("In which raid were the most students abducted?", "which_event", "kidnapped", ("student",)),
    ("Which was the largest job cut in 2023?", "which_event", "cut", ("job",)),
    ("What was the biggest round of layoffs?", "which_event", "cut", ()),
])
def test_superlative_questions_rank_by_the_outcome_asked(question, kind, outcome, nouns):
    q = parse(question)
    assert q.kind == kind and [(t.outcome, t.nouns) for t in q.targets] == [(outcome, nouns)]


@pytest.mark.parametrize("question", [
    "Which province had the most deaths?",  # a sum per place, not one event
    "What caused the deadliest explosion?",
])
def test_superlatives_the_table_does_not_rank_are_left_to_retrieval(question):
    assert parse(question) is None


@pytest.mark.parametrize("question", [
    "How many fighters does the group have?",
    "About how many people were killed in the country's internal conflict?",
    "How many days before the attack did the army seize the chemicals?",
    "Who leads the group?",
    # a standing figure, an outcome named only beside it
    "How many employees did the firm have before its first round of layoffs?",
    "How many of the firm's employees were tied to its headquarters in the July cut?",
    "How many deaths per year did the industry use to average?",
    # a toll named, a date, a cause or a name asked
    "On what date did the dinghy sink, in the wreck whose toll was revised to 11?",
    "Why did the authorities lower the death toll from the dinghy sinking?",
    "Which organisation disputes the government's death toll?",
    "The report prints no date. In what year was it published, given its death toll?",
])
def test_other_questions_are_left_to_retrieval(question):
    assert parse(question) is None


@pytest.mark.parametrize("question", [
    "How many layoffs did the firm announce?",
    "How many jobs were affected by the firm's cut?",
    "How many people were killed in the attack on the village?",
    "How many lives were lost in the explosion at the mine?",
    "Give the number of soldiers killed at the base.",  # 'of' holds the group asked: no side phrase
])
def test_an_outcome_the_counted_group_or_its_event_states_is_counted(question):
    q = parse(question)
    assert q is not None and q.targets[0].outcome in ("cut", "killed")


def test_a_name_no_counted_event_carries_is_not_answered_from_the_table():
    table = corpus_events("mines")
    texts = {e_source: "" for e in table for e_source in e.sources}
    q = parse("How many people died in mine explosions in Atlantis?")
    found = match(q, table, lambda s: texts.get(s, ""))
    assert not found.events


def test_a_name_another_events_lead_recalls_in_passing_does_not_make_it_that_event():
    # The report of a school raid in one town opens: "... abducted dozens of students. This came
    # days after abducted students of the College of Agriculture, <other town>, were released."
    # Asked about the college, only the college's raid is counted.
    texts = corpus_texts("nigeria")
    table = corpus_events("nigeria")
    q = parse("How many students were kidnapped from the College of Agriculture in Bakura?")
    found = match(q, table, lambda s: texts.get(s, ""))
    assert [e.sources for e in found.events] == [["thewhistler-undated-bakura-three-escape.txt"]]


@pytest.fixture(scope="module")
def layoffs_settings(tmp_path_factory):
    folder = CORPORA / "layoffs" / "corpus"
    if not folder.is_dir():
        missing(f"corpus not found at {folder}")
    settings = Settings.load(index_dir=tmp_path_factory.mktemp("layoffs-index"))
    build_index([folder], settings, progress=False)
    return settings


def test_a_name_met_only_by_an_event_of_unknown_year_is_shown_beside_the_count(layoffs_settings):
    # Microsoft's January 2023 cut is dated; Alphabet's "January 20" cut names no year (its
    # article allows 2022 or later). The count is Microsoft's alone, said so, with Alphabet's
    # beside it and the total it would make: never 10,000 worded as the two companies' total.
    settings = layoffs_settings
    answer = ask("How many jobs did Microsoft and Alphabet together say they would cut in January 2023?",
                 settings)
    assert answer.route == "events"
    assert answer.text.startswith("10,000 jobs cut in January 2023")
    assert "Not counted, as its year is not given: 12,000 jobs" in answer.text
    assert "the total is 10,000 + 12,000 = 22,000" in answer.text
    assert any("alphabet" in c.path for c in answer.citations)


def test_the_largest_event_is_ranked_by_chosen_figures_and_a_running_total_is_no_event(layoffs_settings):
    # "Nearly 35,000 job cuts have been announced in 2024" (an industry tracker) is no layoff; the
    # largest is the revised "just over 18,000" (the total of two rounds, "between the reductions
    # we made in November and the ones we're sharing today"), whose date is not November's.
    answer = ask("Which was the biggest layoff?", layoffs_settings)
    assert answer.route == "events" and answer.answered
    lead = answer.text.split("; after it, ")[0]
    assert "18,000 people cut" in lead and "35,000" not in answer.text and "November" not in lead
    assert any("ibtimessg" in c.path for c in answer.citations)
    assert "17,500" in answer.text  # the next, with both of its reported figures
    assert "15,000 in 1 article and 17,500 in 1 article" in answer.text
    answer = ask("Which was the largest job cut in 2023?", layoffs_settings)
    assert "in 2023" in answer.text and "Not counted, as its year is not given: 12,000 jobs" in answer.text


def test_a_comparison_is_two_counts_and_a_question_that_miscounts_its_events_is_told(layoffs_settings):
    answer = ask("Did Microsoft or Google cut more jobs?", layoffs_settings)
    assert answer.route == "events"
    assert answer.text.startswith("More for Microsoft: 25,000 against 12,000 for Google.")
    assert any("alphabet" in c.path for c in answer.citations)
    answer = ask("How many jobs did Meta cut in its three rounds of layoffs?", layoffs_settings)
    assert "21,000" in answer.text
    assert "The question speaks of 3 events; the articles report 2 that meet it." in answer.text


@pytest.mark.parametrize(("question", "counts"), [
    ("Were more people killed at Ardel or at Norvik?",
     ("How many people were killed at Ardel?", "How many people were killed at Norvik?")),
    # a period after the second name is of both
    ("Were more people killed at Ardel or at Norvik in 2023?",
     ("How many people were killed at Ardel in 2023?", "How many people were killed at Norvik in 2023?")),
    ("Were more soldiers killed in 2012 or in 2020?",
     ("How many soldiers were killed in 2012?", "How many soldiers were killed in 2020?")),
    ("Did Acme or Globex cut more jobs in 2023?",
     ("How many jobs did Acme cut in 2023?", "How many jobs did Globex cut in 2023?")),
    # the names last, the verb in the base form 'did' wants
    ("Which company laid off more workers in 2023, Acme or Globex?",
     ("How many workers did Acme lay off in 2023?", "How many workers did Globex lay off in 2023?")),
    ("Which of the two attacks killed more soldiers, the Ardel raid or the Norvik ambush?",
     ("How many soldiers did the Ardel raid kill?", "How many soldiers did the Norvik ambush kill?")),
    ("What year saw more deaths, 2012 or 2020?", ("How many deaths in 2012?", "How many deaths in 2020?")),
])
def test_a_comparison_is_two_counts_each_with_the_whole_questions_constraints(question, counts):
    assert comparison_counts(question)[1] == counts


@pytest.mark.parametrize(("question", "stated"), [
    ("How many died in the two mine fires?", 2),
    ("How many soldiers died in both attacks?", 2),
    ("How many jobs were cut in its two rounds of layoffs combined?", 2),
    ("How many people died in 2 days of floods?", 0),  # days, not events
])
def test_the_number_of_events_a_question_states(question, stated):
    assert parse(question).stated_events == stated


def test_a_demonym_names_its_country():
    # "the two Kazakh mine fires": one article writes "Kazakh", the other only "Kazakhstan".
    texts = corpus_texts("mines")
    q = parse("How many died in total in the two Kazakh mine fires in 2023?")
    found = match(q, corpus_events("mines"), lambda s: texts.get(s, ""))
    assert q.stated_events == 2 and sorted(e.figure("killed", "") for e in found.events) == [5, 45]
    assert not _name_in("Nigerian", _words("troops in Niger")) and _name_in("Nigerian", _words("in Nigeria"))


@pytest.fixture(scope="module")
def counted(seeds_settings):
    return seeds_settings.with_(phrase_counts=False)


def test_a_difference_is_two_counts_each_meeting_its_own_constraints(counted):
    # "Two soldiers were also killed", after the lead on the August 2020 battle, is that battle's;
    # the paragraph after it names the town ("The firefight occurred ... in Chachaspata").
    answer = ask("How many more soldiers died in the 2012 Mazangaro attack than in the 2020 Chachaspata "
                 "battle?", counted)
    assert answer.route == "events" and answer.count == 3
    assert answer.text.startswith("3 more (5 - 2). 5 soldiers killed in 2012"), answer.text
    assert {Path(c.path).name[:3] for c in answer.citations} == {"001", "003"}
    assert all(c.marked() for c in answer.citations)
    # The Putis clash's year is not known: no difference is computed with a count that holds only
    # on a condition.
    store = Store(counted.index_dir, create=False)
    try:
        later = "How many more soldiers died in 2012 than in 2023?"
        assert answer_from_events(later, counted, store, 0.0) is None
    finally:
        store.close()


def test_a_conflicts_toll_is_answered_by_what_the_articles_state_of_it(counted):
    # No sum of events answers it (from the passages, the model answered with the Putis clash's
    # six dead); an article states it: "an estimated 70,000 people were killed".
    answer = ask("About how many people were killed in Peru's internal conflict with the Shining Path?",
                 counted)
    assert answer.route == "events" and answer.count == 70000
    assert answer.text.startswith("The articles state it as a toll over time, not as one event: 70,000 "
                                  "people killed [1]."), answer.text
    assert answer.citations and all(c.marked() and "70,000" in c.support for c in answer.citations)
    store = Store(counted.index_dir, create=False)
    try:  # a name no statement's article gives: left to the passages
        assert answer_from_events("How many people were killed in the conflict in Atlantis?", counted, store,
                                  0.0) is None
        # not a count: the body that documented the toll
        assert answer_from_events("Which Peruvian body documented the conflict's death toll?", counted, store,
                                  0.0) is None
    finally:
        store.close()


def test_events_named_together_are_each_counted_even_when_the_parse_goes_astray(counted):
    # spaCy reads "the 2023 Putis clash combined" as a verb phrase: the names are still coordinated.
    question = ("How many Shining Path fighters were killed in the 2020 Chachaspata battle and the 2023 "
                "Putis clash combined?")
    assert ("Chachaspata", "Putis") in parse(question).alternatives
    answer = ask(question, counted)
    assert answer.text.startswith("4 "), answer.text
    assert "If it is of 2023, the total is 4 + 2 = 6." in answer.text


def test_which_year_keeps_the_events_of_unknown_year_that_could_change_it(seeds_settings):
    # Worded by the model, the caveat was dropped: 2012 "was the deadliest", with two undated events
    # (4 soldiers, 7 police) that together outweigh it.
    answer = ask("Which year was deadliest for the security forces, soldiers and police together?",
                 seeds_settings)
    assert answer.text.startswith("2012 was the deadliest year"), answer.text
    assert answer.text.count("Not counted, as its year is not given") == 2
    assert "If they are all of one year (2022 or later), that year was the deadliest year: 4 + 7 = 11." \
        in answer.text
    assert {Path(c.path).name[:3] for c in answer.citations} == {"001", "002", "003", "004"}
    assert re.search(r"against 2 in 2020 \[\d\]", answer.text)  # the years compared are cited too


def test_an_events_figure_made_of_groups_told_apart_shows_its_sum(seeds_settings):
    # "left four rebel fighters dead. Two soldiers were also killed": 6 people, a figure no
    # sentence states, so the sum is shown, after the model's wording too.
    answer = ask("How many people were killed in 2020?", seeds_settings)
    assert answer.text.startswith("6 ") or answer.text.startswith("Six "), answer.text
    assert "4 fighters and 2 soldiers: 4 + 2 = 6." in answer.text


def test_seed_counts_one_event_two_outlets(counted):
    answer = ask("How many soldiers died in the clash in Putis?", counted)
    assert answer.text.startswith("4 soldiers killed")
    assert {Path(c.path).name[:3] for c in answer.citations} == {"002", "004"}


def test_an_event_of_unknown_year_is_not_counted_for_a_period(counted):
    """The two reports of the clash print no date and their text leaves the year open: the
    question's 2023 cannot be checked, so no 2023 figure is counted; the reader sees the event,
    cited, and what the total is if it is of 2023."""
    answer = ask("how many soldiers died in 2023?", counted)
    known, _, unknown = answer.text.partition("Not counted, as its year is not given:")
    assert "whose year the articles do not give" in known and "4 soldiers" not in known
    assert "4 soldiers killed" in unknown and "(which allow 2022 or later)" in unknown
    assert unknown.count("soldiers") == 1 and "people" not in unknown  # the group asked, not every one
    assert "If it is of 2023, the total is 4." in unknown
    assert re.search(r"only for 2012 \[\d\], 2020 \[\d\] and", known), answer.text  # checkable too
    shown = {Path(c.path).name[:3] for c in answer.citations if f"[{c.n}]" in unknown}
    assert answer.answered and shown == {"002", "004"}


def test_an_event_recalled_by_month_this_year_takes_the_years_its_article_allows(counted):
    """Both undated reports of the clash recall "In February, seven law enforcement officers were
    also killed", in a paragraph about "this year": that attack is of the article's year (2022 or
    later). For 2023 it is shown beside the count; "since 2020" holds every year it may be of, so
    it is counted, and the note says why."""
    answer = ask("How many police officers were killed in 2023?", counted)
    known, _, unknown = answer.text.partition("Not counted, as its year is not given:")
    assert "7 police officers killed" in unknown and "(which allow 2022 or later)" in unknown
    assert "If it is of 2023, the total is 7." in unknown
    since = ask("How many attacks on police since 2020 do the articles report?", counted)
    assert since.text.startswith("1 ") and "Not counted" not in since.text
    assert "they allow only 2022 or later, all in 2020 or later" in since.full_text
    assert {Path(c.path).name[:3] for c in since.citations} == {"002", "004"}
    assert not ask("How many police officers were killed in 2012?", counted).answered


def test_a_group_the_named_event_does_not_count_is_not_given_another_groups_figure(counted):
    """The Mazangaro attack killed five soldiers; no article counts civilians or attackers dead
    there. The answer says so and what the event's reports count, with no citation marker."""
    for question in ["How many civilians were killed in the Mazangaro attack?",
                     "How many Shining Path attackers died in the 2012 Mazangaro attack?"]:
        answer = ask(question, counted)
        assert not answer.answered and not answer.citations, answer.text
        assert answer.text.startswith("The articles report no ") and "5 soldiers killed" in answer.text
        assert answer.passages and any("five Peruvian soldiers" in p.text for p in answer.passages)
    answer = ask("How many soldiers died in the Mazangaro attack?", counted)
    assert answer.text.startswith("5 soldiers killed")


def test_seed_total_has_its_breakdown(counted):
    answer = ask("how many soldiers were killed in total across the articles?", counted)
    assert answer.text.startswith("11 soldiers killed") and "(5 + 2 + 4 = 11)" in answer.text
    assert {Path(c.path).name[:3] for c in answer.citations} >= {"002", "003", "004"}
    answer = ask("How many people were killed in 2020?", counted)
    assert answer.text.startswith("6 people killed")  # four rebels, and two soldiers "also killed"


def test_counted_citations_carry_the_event_sentence(counted):
    """The UI highlights a citation's support: the sentence that states the counted figure."""
    answer = ask("how many soldiers died in 2020?", counted)
    (citation,) = answer.citations
    assert citation.support.startswith("Two soldiers were also killed"), citation.support
    assert citation.support in " ".join(citation.text.split())
    html = render.highlight(citation.text, answer.text, support=citation.support)
    assert "<mark>Two soldiers were also killed" in html


def test_seed_year_without_events_gets_no_figure(counted):
    answer = ask("how many soldiers died in 2015?", counted)
    assert not answer.answered and not answer.citations
    assert "no soldiers killed in 2015" in answer.text
    answer = ask("how many soldiers died?", counted, period=(2020, 2020))
    assert answer.text.startswith("2 soldiers killed in 2020")


def test_disputed_toll_is_counted_once_and_shown(settings, seeds_dir):
    build_index([seeds_dir, DISPUTED], settings, progress=False)
    answer = ask("How many police officers were killed in 2024?", settings.with_(phrase_counts=False))
    assert answer.text.startswith("16 police officers killed in 2024")
    assert "14 in 1 article and 16 in 1 article; counted 16" in answer.text
    table = events(settings)
    police = next(e for e in table if e["year"] == 2024)
    killed = next(c for c in police["counts"] if c["outcome"] == "killed")
    assert killed["figure"] == 16 and killed["other_figures"] == [14] and len(police["sources"]) == 2


def test_cli_events_json(seeds_settings, capsys):
    cli(["events", "--json", "--index-dir", str(seeds_settings.index_dir), "--year", "2012"])
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["year"] == 2012 for r in rows)
    cli(["events", "--json", "--index-dir", str(seeds_settings.index_dir)])
    rows = json.loads(capsys.readouterr().out)
    clash = [r for r in rows if len(r["sources"]) == 2]  # one clash, two outlets, no year given
    assert clash and clash[0]["year"] is None and clash[0]["possible_years"]
    assert all("statements" in r and all("rule" in c for c in r["counts"]) for r in rows)


@pytest.mark.slow
def test_model_words_the_count_without_changing_it(seeds_settings):
    answer = ask("how many soldiers were killed in total across the articles?", seeds_settings)
    assert answer.answered and answer.prompt_tokens < 400
    headline = answer.text.split("\n")[0]
    assert "11" in headline or "eleven" in headline.lower()


SAMPLES = ROOT / "samples"


@pytest.fixture(scope="module")
def samples_settings(tmp_path_factory):
    settings = Settings.load(index_dir=tmp_path_factory.mktemp("samples-index"), phrase_counts=False)
    build_index([SAMPLES], settings, progress=False)
    return settings


def test_quick_start_question_counts_one_clash_told_twice(samples_settings):
    answer = ask("How many soldiers died in 2023?", samples_settings)
    assert answer.text.startswith("4 soldiers killed in 2023"), answer.text
    assert {Path(c.path).name for c in answer.citations} == {"2023-putis-clash-sierra-courier.txt",
                                                              "putis-clash-andes-wire.txt"}
    # the February ambush, recalled by both reports of the clash, is one event of three articles
    answer = ask("How many police officers were killed in 2023?", samples_settings)
    assert answer.text.startswith("7 police officers killed in 2023"), answer.text


# --- project-written reports of a made-up shipwreck: a toll revised over days, told by three
# outlets, at a place named in every article of the folder (so no distinctive name joins them)
WRECK = [
    ("wire-a.txt", "Dozens dead as boat capsizes off Tarvo Island",
     "PORT ELM (Wire A) - At least 38 migrants died when a fishing boat capsized off Tarvo Island "
     "early on Wednesday, the coastguard said. Rescuers saved 104 people.", "2031-06-11"),
    ("wire-b.txt", "Toll rises to 47 in Tarvo Island shipwreck",
     "The death toll from Wednesday's shipwreck off Tarvo Island rose to 47 on Thursday. Rescuers "
     "saved 104 people. More than 1,900 people have died or gone missing on the route since January, "
     "a monitoring group says.", "2031-06-12"),
    ("wire-c.txt", "Shipwreck toll reaches 73",
     "Divers recovered more bodies on Monday, and the coastguard said 73 people had died in the "
     "wreck. In all, 104 people were rescued. The route is one of the deadliest: more than 22,000 "
     "people have died or disappeared while trying to cross it since 2014.", "2031-06-16"),
    ("paper-d.txt", "Ferry sinks off Tarvo Island",
     "A ferry sank off Tarvo Island on Saturday, killing 12 people. At least 12 people died in the "
     "wreck, and around 30 others are presumed to have drowned.\n\nThe sinking revived memories. "
     "In 2027, the ferry Orla went down off the island in a storm, killing 112 people.",
     "2031-07-20"),
]


def test_a_toll_revised_over_days_at_a_common_place_is_one_event_and_totals_are_not_events():
    found = extract_events([(name, title, body, date, False) for name, title, body, date in WRECK])
    incidents = [e for e in found if e.summary()]  # a running total is no incident: it has no summary
    wires = {"wire-a.txt", "wire-b.txt", "wire-c.txt"}
    wreck = [e for e in incidents if wires & {m.source for m in e.mentions}]
    assert len(wreck) == 1, [e.summary() for e in wreck]
    assert choose(article_reports(wreck[0], "killed", "people")).value == 73
    assert not any(figure in e.summary() for e in incidents for figure in ("1900", "22000")), \
        [e.summary() for e in incidents]
    ferry = next(e for e in found
                 if "paper-d.txt" in {m.source for m in e.mentions} and e.date.startswith("2031"))
    # the recalled ferry of 2027 is an event of its own; 30 presumed drowned is no confirmed toll
    assert "112" not in ferry.summary() and choose(article_reports(ferry, "killed", "people")).value == 12
    assert any(e.date == "2027" and "112" in e.summary() for e in found)


@pytest.mark.parametrize(("question", "single"), [
    ("How many people died when the Arden footbridge collapsed?", True),
    ("How many people died when the ferry capsized off Tarvo Island?", True),
    ("How many people died when boats capsized off Tarvo Island in 2031?", False),
    ("What was the death toll from the capsizing of the ferry Arden Star?", True),
    ("How many people died in ferry sinkings in 2031?", False),
])
def test_a_clause_about_one_definite_thing_asks_of_one_event(question, single):
    assert parse(question).single is single


def test_an_article_s_second_figure_and_its_latest_missing_figure():
    body = ("VESSA (Wire) - The government said on Saturday that 31 people were confirmed to have died "
            "in the collapse of the Arden Dam, rejecting a tally by a local aid network that put the death "
            "toll at 58.\n\nThe number of missing has fallen since Thursday, when 40 people were "
            "unaccounted for. Officials said on Saturday that 12 people remain missing.")
    [event] = extract_events([("wire.txt", "Dam toll disputed", body, "2031-10-14", False)])
    killed = choose(article_reports(event, "killed", "people"))
    assert (killed.value, killed.others) == (58, [31])  # both figures shown, the highest counted
    assert choose(article_reports(event, "missing", "people")).value == 12  # the latest, not the largest
