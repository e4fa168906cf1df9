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
    FoundDate,
    Period,
    dateline,
    find_dates,
    infer_year,
    parse_date,
    question_period,
    resolve_relative,
    years_mentioned,
)
from index.load import load_file
from index.metadata import Metadata, extract


def seed(prefix: str) -> str:
    return seed_path(prefix).read_text(encoding="utf-8")


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
    assert dateline(head + "\n31 AUG 2012") is None
    assert dateline(head + "\n31 AUG 2012", head_lines=9).iso == "2012-08-31"


def test_dateline_not_taken_from_a_short_first_sentence():
    assert dateline("On 12 March 2021, gunmen killed six people in Lima.\nPolice gave no details.") is None


# --------------------------------------------------------------------------- infer_year


def test_infer_year_uses_latest_year_named():
    assert infer_year("The war began in 1998. A 2019 report and a 2021 study followed.") == (
        "2021", "undated; latest year named in the text is 2021")


def test_infer_year_moves_past_background_years_when_text_speaks_of_its_present():
    text = "After the 2022 impeachment, protests spread. On Monday, troops clashed with rebels."
    year, note = infer_year(text)
    assert year == "2023"
    assert "On Monday" in note


def test_infer_year_keeps_a_year_the_text_places_in_its_present():
    assert infer_year("So far in 2023 troops have killed 12 rebels. This year the army grew.")[0] == "2023"
    assert infer_year("The attack on May 2, 2023 killed four. On Monday, more troops arrived.")[0] == "2023"


def test_infer_year_ignores_numbers_that_are_not_years():
    assert infer_year("The army has 2,021 troops, a $2019 budget and 1200 rifles.") is None
    assert infer_year("No year here at all.") is None


def test_infer_year_counts_a_year_followed_by_a_comma():
    assert infer_year("In 2023, rebels attacked a base.") == (
        "2023", "undated; latest year named in the text is 2023")


@pytest.mark.parametrize("prefix", ["002", "004"])
def test_infer_year_on_undated_seeds(prefix):
    raw = seed(prefix)
    assert find_dates(raw) == [] and dateline(raw) is None  # the seeds print no date
    assert infer_year(clean(raw))[0] == "2023"
    assert infer_year(raw)[0] == "2023"


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


def test_metadata_seed_004_outlet_author_and_inferred_year():
    meta = _extract_seed("004")
    assert meta.outlet == "Latin Post"
    assert meta.author == "Bert Hoover"
    assert meta.date == "2023"
    assert meta.date_inferred is True
    assert meta.title.startswith("Peru: 6 Dead Following Clash")


def test_metadata_seed_002_title_drops_site_suffix():
    meta = _extract_seed("002")
    assert meta.title == "Six killed in Peru in clashes between military and Shining Path rebel group"
    assert (meta.date, meta.date_inferred) == ("2023", True)


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
