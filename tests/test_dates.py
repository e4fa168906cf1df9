"""Unit tests for index/dates.py, and for index/metadata.py (which turns datelines, bylines and
inferred years into an article's metadata)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from helpers import seed_path
from hypothesis import given, settings
from hypothesis import strategies as st

from index.clean import clean
from index.dates import (
    DATED,
    EARLIEST,
    PREFERRED,
    SETTLED,
    STATED,
    Clue,
    FoundDate,
    Period,
    dateline,
    find_dates,
    parse_date,
    publication_year,
    question_period,
    resolve_relative,
    years_mentioned,
)
from index.load import load_file
from index.metadata import Metadata, extract


def seed(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


DATE_BITS_FOR_YEARS = ["Tuesday, March 14", "July 2 (ANI):", " on Thursday", "so far in 2024", " in 2016",
                       "10th anniversary of the 2014 ", "last year, 2022", "by late 2023",
                       "today, February 17", "4 January 2025", " Saturday", "\n", ". ", "2019-2020",
                       "Feb. 29 (X) --"]


# --------------------------------------------------------------------------- find_dates


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("31 AUG 2012", "2012-08-31"),
        ("2023-02-11", "2023-02-11"),
        ("May 25, 2021", "2021-05-25"),
        ("Aug. 15, 2012", "2012-08-15"),
        ("Sept. 5th, 2020", "2020-09-05"),
        ("1st March 2019", "2019-03-01"),
        ("december 3 1999", "1999-12-03"),
    ],
)
def test_find_dates_formats(written, iso):
    text = f"Officials said on {written} that the talks had failed."
    found = find_dates(text)
    assert [d.iso for d in found] == [iso]
    assert text[found[0].start : found[0].end] == written


def test_find_dates_iso_timestamp_keeps_the_date_part():
    text = "published 2016-04-10T07:15:00-05:00"
    assert find_dates(text) == [FoundDate("2016-04-10", 10, 20)]


def test_find_dates_returns_dates_in_order_of_appearance():
    text = "On May 25, 2021 talks began; they had been planned since 2020-01-02 and ended 31 AUG 2021."
    assert [d.iso for d in find_dates(text)] == ["2021-05-25", "2020-01-02", "2021-08-31"]


@pytest.mark.parametrize(
    "invalid", ["31 Feb 2021", "February 29, 2021", "2021-02-30", "2021-13-10", "2021-00-10", "32 May 2021"]
)
def test_find_dates_ignores_impossible_dates(invalid):
    assert find_dates(f"The report of {invalid} was wrong.") == []


def test_find_dates_accepts_leap_day_and_needs_a_day():
    assert [d.iso for d in find_dates("February 29, 2020")] == ["2020-02-29"]
    assert find_dates("In May 2021 and in 2019 nothing happened.") == []


def test_find_dates_does_not_crash_on_unicode_case_folding():
    assert find_dates("5 Augu\u017ft 2020") in ([], [FoundDate("2020-08-05", 0, 13)])


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-02-11T10:00Z", "2023-02-11"),
        ("  31 AUG 2012 ", "2012-08-31"),
        ("Tuesday, May 25, 2021 - 10:42", "2021-05-25"),
        ("2021-07", "2021-07"),
        ("May 2021", "2021-05"),
        ("2020", "2020"),
        ("yesterday", None),
        ("", None),
        ("1850", None),
    ],
)
def test_parse_date(value, iso):
    assert parse_date(value) == iso


# --------------------------------------------------------------------------- dateline


def test_dateline_on_short_header_line():
    text = ("HomeNewsBriefRebels Attack Base\nBRIEF\n\nRebels Attack Base\n\n"
            "PERU / 31 AUG 2012 BY EDWARD FOX EN\n\nFive soldiers were killed on Aug. 15, 2012 in an attack.")
    d = dateline(text)
    assert d is not None
    assert d.iso == "2012-08-31"
    assert text[d.start : d.end] == "31 AUG 2012"


def test_dateline_with_place_and_outlet():
    text = "LIMA, 2023-02-12 (Valle Daily) - Rebels attacked a base."
    assert dateline(text) == FoundDate("2023-02-12", 6, 16)


def test_dateline_not_taken_from_a_long_first_sentence():
    text = ("Five soldiers were killed on Aug. 15, 2012 when rebels attacked a military base in the "
            "remote Valle region, the army said in a statement.\nMore details followed.")
    assert len(text.split("\n")[0]) > 100
    assert dateline(text) is None


def test_dateline_only_looks_at_the_head():
    head = "\n".join(f"Header line {i}" for i in range(8))
    assert dateline(head + "\nPERU / 31 AUG 2012 BY ANA RUIZ") is None
    assert dateline(head + "\nPERU / 31 AUG 2012 BY ANA RUIZ", head_lines=9).iso == "2012-08-31"
    # A line holding only a date counts further down (below page menus), but not anywhere.
    assert dateline(head + "\n31 AUG 2012").iso == "2012-08-31"
    long_head = "\n".join(f"Header line {i}" for i in range(30))
    assert dateline(long_head + "\n31 AUG 2012") is None


def test_dateline_not_taken_from_a_short_first_sentence():
    assert dateline("On 12 March 2021, gunmen killed six people in Lima.\nPolice gave no details.") is None


# --------------------------------------------------------------------------- publication_year

NOW = dt.date(2026, 12, 1)


def weekday_years(month: int, day: int, weekday: str, first: int = 1900) -> set[int]:
    """Worked out here independently: the years up to NOW in which day/month was `weekday`."""
    return {y for y in range(first, NOW.year + 1)
            if dt.date(y, month, day).strftime("%A") == weekday and dt.date(y, month, day) <= NOW}


def test_weekday_given_a_day_and_a_full_date_elsewhere_settle_the_year():
    text = ("Rescuers searched the Valle mine after a blast on the night of Tuesday, March 14. "
            "The governor wrote on March 15, 2023 that eleven workers had died.")
    found = publication_year(text, today=NOW)
    assert weekday_years(3, 14, "Tuesday") & set(range(2023, 2027)) == {2023}
    assert (found.year, found.confidence) == (2023, SETTLED)
    assert found.candidates == (2023,)
    assert "'Tuesday, March 14': 14 March falls on a Tuesday in 2000, 2006, 2017 and 2023" in found.note()
    assert {c.kind for c in found.evidence} == {"weekday", "past"}


def test_a_weekday_day_the_article_looks_ahead_to_may_come_after_today():
    text = "Talks ended in 2025 without a deal. The vote is set for Tuesday, December 8."
    assert dt.date(2026, 12, 8) > NOW and weekday_years(12, 8, "Tuesday", 2025) == set()
    assert publication_year(text, today=NOW).year == 2026


def test_dateline_day_with_the_weekday_of_its_first_sentence():
    text = ("Valle City, July 2 (Test Wire): A landslide at a quarry killed 12 people, officials said on "
            "Thursday.\nThe ministry took charge of the quarries in 2016.")
    found = publication_year(text, today=NOW)
    # Thursday was 2 July, or the day before (a story filed overnight); after 2016.
    expected = {y for y in weekday_years(7, 2, "Thursday") | weekday_years(7, 2, "Friday") if y > 2016}
    assert expected == {2020, 2021, 2026}
    assert found.year is None and set(found.candidates) == expected
    assert found.month_day == (7, 2) and found.date == ""
    assert found.note().startswith("year unknown: the text dates itself 2 July but")
    assert "2020, 2021 or 2026" in found.note()
    # The file name settles it; the text agrees.
    named = publication_year(text, name="wire-2020-07-02-quarry.txt", today=NOW)
    assert (named.year, named.date, named.stated, named.confidence) == (2020, "2020-07-02", True, STATED)


def test_years_named_as_past_only_bound_the_year_from_below():
    text = "The war began in 1998. A 2019 report and a 2021 study followed; troops returned on Monday."
    found = publication_year(text, today=NOW)
    assert found.year is None
    assert found.candidates == tuple(range(2021, 2027))
    assert found.note().startswith("year unknown: '")
    assert found.note().endswith("a 2021 study followed' names 2021 as past, which leaves 2021 or later")


def test_no_clue_at_all_is_unknown():
    found = publication_year("Rebels attacked a base on Monday, the army said.", today=NOW)
    assert (found.year, found.date, found.confidence) == (None, "", 0.0)
    assert found.note() == "year unknown: the text names no year"


@pytest.mark.parametrize(("text", "year", "kind"), [
    ("Nearly 900 jobs have been cut in 2024, the union said.", 2024, "present"),
    ("Shares were little changed so far in 2025.", 2025, "present"),
    ("Crowds gathered for the 10th anniversary of the 2014 flood.", 2024, "anniversary"),
    ("It has been five years since the 2017 fire.", 2022, "anniversary"),
    ("Turnout was higher last year, 2022, than ever.", 2023, "relative year"),
    ("Exports grew this year (2019) by a tenth.", 2019, "relative year"),
])
def test_the_text_placing_a_year_in_its_present(text, year, kind):
    found = publication_year(text, today=NOW)
    assert (found.year, found.confidence) == (year, SETTLED)
    assert [c.kind for c in found.evidence] == [kind]


def test_targets_are_upper_bounds_and_today_bounds_every_year():
    text = "The firm aims to be profitable by late 2023. Its 2019 results were poor."
    found = publication_year(text, today=NOW)
    assert found.year is None and found.candidates == tuple(range(2019, 2024))
    assert "'be profitable by late 2023' looks ahead to 2023" in found.note()
    assert "sets 2023 as a target" in publication_year("Staff were cut to make it stable by late 2023.",
                                                       today=NOW).note()
    # 2026 named as past and today in 2026: nothing else is possible.
    assert publication_year("Floods hit the valley in 2026.", today=NOW).year == 2026


def test_a_year_named_as_past_is_preferred_not_to_be_the_present():
    # Friday 18 November: 2016 or 2022 after 2016; 2016 is named as past, so most likely 2022.
    text = ("Gunmen attacked the town during the night from Friday to Saturday (18-19 November). The group "
            "split from its parent movement in 2016.")
    assert weekday_years(11, 18, "Friday", 2016) == {2016, 2022}
    found = publication_year(text, today=NOW)
    assert (found.year, found.confidence) == (2022, PREFERRED)
    assert "most likely not as the present year" in found.note()


def test_a_dated_day_the_text_calls_by_its_weekday_is_its_present():
    text = "Fighters overran the base on Saturday. \"On 4 January 2025, terrorists engaged troops,\" he said."
    assert dt.date(2025, 1, 4).strftime("%A") == "Saturday"
    found = publication_year(text, today=NOW)
    assert (found.year, found.confidence) == (2025, PREFERRED)
    assert found.evidence[0].kind == "recent date"
    # Not when the text speaks of later years: the day is then background.
    later = text + " Elections followed in 2026."
    assert publication_year(later, today=NOW).year == 2026  # 2026 named as past, bounded by today
    assert all(c.kind != "recent date" for c in publication_year(later, today=NOW).clues)


def test_birth_years_and_ages_do_not_make_a_year():
    found = publication_year("The dead were Ana Ruiz, 1961, and Juan Soto, aged 40.", today=NOW)
    assert found.year is None and found.candidates[0] == 1961


def test_clues_that_contradict_each_other_leave_the_year_unknown():
    found = publication_year("Sales fell so far in 2021. Prices rose so far in 2023.", today=NOW)
    assert found.year is None and found.set_aside


@pytest.mark.parametrize(("name", "iso"), [
    ("valle-2021-01-25-ambush.txt", "2021-01-25"),
    ("2023-02-17 offices closed.html", "2023-02-17"),
    ("20190312_brief.txt", "2019-03-12"),
    ("valle-undated-ambush.txt", ""),
    ("a20210125b.txt", ""),  # digits inside a hash are not a date
    ("report-2031-01-01.txt", ""),  # after today
])
def test_a_date_in_the_file_name(name, iso):
    assert publication_year("Rebels attacked a base on Monday.", name=name, today=NOW).date == iso


def test_a_date_in_the_page_address():
    found = publication_year("Rebels attacked.", url="https://news.example/2021/01/26/ambush", today=NOW)
    assert (found.year, found.stated) == (2021, True)


def test_a_month_written_in_lower_case_is_not_a_month():
    assert not [c for c in publication_year("On Saturday, may 5 people have left.", today=NOW).clues
                if c.kind == "weekday"]


def test_narrowed_by_another_report_of_the_same_event():
    text = "Valle City, July 2 (Test Wire): Officials said on Thursday that 12 died. Mining grew in 2016."
    found = publication_year(text, today=NOW)
    same_event = Clue("same event", "b.txt", frozenset({2020}),
                      "b.txt reports the same landslide, dated 2020", DATED)
    settled = found.narrowed(same_event)
    assert (settled.year, settled.date) == (2020, "2020-07-02")
    assert "b.txt reports the same landslide" in settled.note()
    clash = found.narrowed(Clue("same event", "c.txt", frozenset({2019}), "c.txt is dated 2019", DATED))
    assert clash.year is None and clash.set_aside[-1].phrase == "c.txt"
    # The article's own lower bound stands against a report dated before it.
    bounded = publication_year("Mining grew after 2010, the ministry said on Monday.", today=NOW)
    early = bounded.narrowed(Clue("same event", "d.txt", frozenset({2005}), "d.txt is dated 2005", DATED))
    assert early.year is None and early.candidates == bounded.candidates
    # A preference gives way to a dated report of the same event.
    text = ("Gunmen attacked the town during the night from Friday to Saturday (18-19 November). The group "
            "split from its parent movement in 2016.")
    preferred = publication_year(text, today=NOW)
    assert preferred.year == 2022
    assert preferred.narrowed(Clue("same event", "e.txt", frozenset({2016}), "e.txt is dated 2016",
                                   DATED)).year == 2016


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(DATE_BITS_FOR_YEARS)),
                max_size=14).map("".join))
def test_publication_year_never_raises_and_keeps_its_year_among_the_candidates(text):
    found = publication_year(text, name=text[:30], today=NOW)
    assert found.year is None or found.candidates == (found.year,)
    assert all(EARLIEST <= y <= NOW.year for y in found.candidates)
    assert found.note()


@pytest.mark.parametrize("prefix", ["002", "004"])
def test_undated_seeds_name_only_past_years(prefix):
    raw = seed(prefix)
    assert find_dates(raw) == [] and dateline(raw) is None  # the seeds print no date
    found = publication_year(clean(raw), today=NOW)
    # "the 2022 impeachment": 2022 or later, and nothing in the text says which.
    assert found.year is None and found.candidates == tuple(range(2022, 2027))


# --------------------------------------------------------------------------- resolve_relative


def test_resolve_weekday_against_publication_day():
    text = "Troops arrived on Monday."
    (r,) = resolve_relative(text, "2023-09-06")  # a Wednesday
    assert dt.date(2023, 9, 6).weekday() == 2
    assert r.iso == "2023-09-04"
    assert r.phrase == "on Monday"
    assert text[r.start : r.end] == "on Monday"


def test_resolve_same_weekday_is_the_publication_day():
    assert [r.iso for r in resolve_relative("Wednesday's attack", "2023-09-06")] == ["2023-09-06"]


def test_resolve_bare_month_day():
    (r,) = resolve_relative("The attack on Aug. 15 killed five.", "2012-08-31")
    assert (r.phrase, r.iso) == ("Aug. 15", "2012-08-15")


def test_resolve_bare_month_day_after_publication_month_is_last_year():
    assert [r.iso for r in resolve_relative("The talks of Dec. 3 failed.", "2013-01-10")] == ["2012-12-03"]


def test_resolve_abbreviated_month_day_after_preposition_is_resolved_once():
    assert [(r.phrase, r.iso) for r in resolve_relative("since Dec. 3", "2013-01-10")] == [
        ("Dec. 3", "2012-12-03")]


def test_resolve_relative_years():
    text = "Last year the army lost ground; this year it advanced and next year it plans more."
    assert [(r.phrase, r.iso) for r in resolve_relative(text, "2023-09-06")] == [
        ("Last year", "2022"), ("this year", "2023"), ("next year", "2024"),
    ]
    assert [r.iso for r in resolve_relative("earlier this year", "2023-09-06")] == ["2023"]


def test_resolve_bare_month():
    assert [(r.phrase, r.iso) for r in resolve_relative("Talks began in December.", "2023-03-10")] == [
        ("in December", "2022-12")]
    assert [r.iso for r in resolve_relative("Talks began in February.", "2023-03-10")] == ["2023-02"]


def test_resolve_ignores_full_dates_and_month_year():
    assert resolve_relative("On Aug. 15, 2012 and in May 2003 nothing else.", "2012-08-31") == []


def test_resolve_with_year_only_publication():
    assert [r.iso for r in resolve_relative("on Monday, in December", "2023")] == ["2023", "2023-12"]


def test_resolve_without_publication_date_resolves_nothing():
    assert resolve_relative("Last year on Monday", None) == []
    assert resolve_relative("Last year on Monday", "") == []


def test_years_mentioned_combines_written_and_relative_years():
    assert years_mentioned("Last year, as in 2019 and in 1998 the war went on.", "2023-09-06") == {
        2022, 2019, 1998}


# --------------------------------------------------------------------------- question_period

TODAY = dt.date(2024, 5, 1)


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("What happened in Putis in 2023?", Period(2023, 2023)),
        ("How many attacks since 2020?", Period(2020, 2024)),
        ("Attacks after 2020?", Period(2021, 2024)),
        ("What happened between 2012 and 2015?", Period(2012, 2015)),
        ("between 2015 and 2012", Period(2012, 2015)),
        ("from 2012 to 2015", Period(2012, 2015)),
        ("clashes 2012-2015", Period(2012, 2015)),
        ("Who led the group before 2000?", Period(1900, 1999)),
        ("What did the Shining Path do in the 1990s?", Period(1990, 1999)),
        ("Compare 2012 with 2020", Period(2012, 2020)),
        ("What happened last year?", Period(2023, 2023)),
        ("Any attacks this year?", Period(2024, 2024)),
        ("Who leads the Shining Path?", None),
        ("How many soldiers died in the attack?", None),
    ],
)
def test_question_period(question, period):
    assert question_period(question, today=TODAY) == period


def test_period_contains_and_label():
    p = Period(2012, 2015)
    assert 2012 in p and 2015 in p and 2016 not in p and 2011 not in p
    assert p.label() == "2012-2015"
    assert Period(2023, 2023).label() == "2023"


# --------------------------------------------------------------------------- properties

DATE_BITS = ["31 AUG 2012", "2023-02-11", "May 25, 2021", "Aug. 15", "2016-04-10T07:15:00-05:00",
             "31 Feb 2021", "Sept.", " ", ", ", "2020", "29", "-", "\n", "on Monday"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(DATE_BITS)), max_size=12).map("".join))
def test_find_dates_never_raises_and_returns_valid_dates_within_text(text):
    found = find_dates(text)
    starts = [d.start for d in found]
    assert starts == sorted(starts)
    for d in found:
        assert 0 <= d.start < d.end <= len(text)
        assert dt.date.fromisoformat(d.iso).isoformat() == d.iso
        assert d.iso[:4] in text[d.start : d.end]
        assert find_dates(text[d.start : d.end])[0].iso == d.iso


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_parse_date_round_trips_isoformat(day):
    assert parse_date(day.isoformat()) == day.isoformat()
    assert parse_date(day.isoformat() + "T12:30:00Z") == day.isoformat()


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2049, 12, 31)),
       st.sampled_from(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]))
def test_resolved_weekday_is_that_weekday_in_the_week_before_publication(published, weekday):
    (r,) = resolve_relative(f"The attack happened on {weekday}.", published.isoformat())
    day = dt.date.fromisoformat(r.iso)
    assert day.strftime("%A") == weekday
    assert 0 <= (published - day).days <= 6


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " ,.-", max_size=60))
def test_question_period_is_none_or_ordered(question):
    period = question_period(question, today=TODAY)
    assert period is None or period.start <= period.end


# --------------------------------------------------------------------------- metadata.extract


def _extract_seed(prefix: str) -> Metadata:
    docs, skipped = load_file(seed_path(prefix))
    assert skipped == []
    raw = docs[0].text
    return extract(raw, clean(raw), docs[0].fields)


def test_metadata_seed_001_from_dateline_and_byline():
    meta = _extract_seed("001")
    assert meta.title == "'Shining Path' Attack Leaves 5 Soldiers Dead"
    assert meta.date == "2012-08-31"
    assert meta.date_inferred is False
    assert meta.date_note == "dateline"
    assert meta.outlet == "InSight Crime"
    assert meta.author == "Edward Fox"


def test_metadata_seed_004_outlet_author_and_unknown_year():
    meta = _extract_seed("004")
    assert meta.outlet == "Latin Post"
    assert meta.author == "Bert Hoover"
    # It names 2021 and 2022 only as past: the year is unknown, not guessed.
    assert (meta.date, meta.date_inferred) == ("", False)
    assert meta.date_note.startswith("year unknown: ") and "2022 or later" in meta.date_note
    assert meta.publication.candidates[0] == 2022
    assert meta.title.startswith("Peru: 6 Dead Following Clash")


def test_metadata_seed_002_title_drops_site_suffix():
    meta = _extract_seed("002")
    assert meta.title == "Six killed in Peru in clashes between military and Shining Path rebel group"
    assert (meta.date, meta.date_inferred) == ("", False)


def test_metadata_inferred_year_keeps_the_day_the_dateline_gives():
    raw = ("Quarry landslide kills 12\n\nValle City, July 2 (Test Wire): A landslide killed 12 people, "
           "officials said on Thursday.\nThe ministry took over in 2016; its 2019 audit found faults.\n"
           "The ministry plans to reopen the quarry by 2020.")
    meta = extract(raw, clean(raw), {}, today=NOW)
    assert (meta.date, meta.date_inferred) == ("2020-07-02", True)
    assert "'July 2 (Test Wire) ... Thursday'" in meta.date_note and meta.date_note.endswith("so 2020")


def test_metadata_unknown_year_keeps_the_day_in_its_note():
    raw = "Offices shut\n\nThe firm shut two offices today, February 17, and staff work from home."
    meta = extract(raw, clean(raw), {}, today=NOW)
    assert (meta.date, meta.date_inferred) == ("", False)
    assert meta.date_note == "year unknown: the text dates itself 17 February but it names no year"


def test_metadata_date_from_the_file_name_is_stated_not_inferred():
    raw = "Rebels Attack Base\n\nJan. 25 (Test Wire) -- Five soldiers were killed on Monday."
    meta = extract(raw, clean(raw), {}, name="valle-2021-01-25-ambush.txt", today=NOW)
    assert (meta.date, meta.date_inferred) == ("2021-01-25", False)
    assert meta.date_note.startswith("the file name carries 2021-01-25")
    # "undated" in a name says nothing.
    meta = extract(raw, clean(raw), {}, name="valle-undated-ambush.txt", today=NOW)
    assert meta.date == "" and meta.date_note.startswith("year unknown: the text dates itself 25 January")


def test_dateline_on_a_line_of_its_own_below_the_page_menus():
    menu = "\n".join(["Home", "World", "Americas", "Europe", "Sport", "Weather", "Business", "Video",
                      "Quarry landslide kills 12"])
    raw = menu + "\nSunday, 28 July, 2002, 09:00 GMT 10:00 UK\nA landslide killed 12 people on Saturday."
    meta = extract(raw, clean(raw), {})
    assert (meta.date, meta.date_inferred, meta.date_note) == ("2002-07-28", False, "dateline")
    # Further down, a line with other words is not a dateline.
    prose = menu + "\nRescuers said on 28 July, 2002 that work went on.\nMore."
    assert dateline(prose) is None


def test_metadata_file_fields_win_over_text_except_printed_dateline():
    raw = "Rebels Attack Base | Valle Daily\nBy Ana Ruiz\n\nFive soldiers were killed in Valle in 2019."
    fields = {"title": "Stated Title | Valle Daily", "author": "Stated Author", "outlet": "Stated Outlet",
              "date": "2021-05-25T10:00:00Z", "url": "https://valle.example/a"}
    meta = extract(raw, clean(raw), fields)
    assert meta == Metadata(title="Stated Title", date="2021-05-25", date_inferred=False,
                            date_note="file metadata", outlet="Stated Outlet", author="Stated Author",
                            url="https://valle.example/a")

    dated = "LIMA, 2023-02-12 (Valle Daily) - Rebels attacked a base."
    meta = extract(dated, clean(dated), {"date": "2021-05-25"})
    assert (meta.date, meta.date_note, meta.outlet) == ("2023-02-12", "dateline", "Valle Daily")


def test_metadata_without_any_date_is_empty():
    raw = "Rebels Attack Base\n\nFive soldiers were killed, the army said."
    meta = extract(raw, clean(raw), {})
    assert (meta.title, meta.date, meta.date_inferred) == ("Rebels Attack Base", "", False)
