"""Unit tests for index/chunk.py: sentence splitting and token-bounded, overlapping chunks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunk import count_tokens, sentences, split_text

SENTENCES = [
    "Rebels attacked a military base in the Valle region on Monday.",
    "Five soldiers were killed and seven were wounded.",
    "The army said the attackers fled into the jungle.",
    "Officials blamed a faction of the Shining Path.",
    "The group has operated in the valley for decades.",
    "Coca farmers in the area said they feared reprisals.",
    "The government sent two hundred more troops.",
    "A curfew was imposed in three districts.",
    "Human rights groups called for an inquiry.",
    "The defence minister is expected to visit on Friday.",
    "Local radio reported that roads were closed.",
    "Schools in the area will remain shut this week.",
]
ARTICLE = " ".join(SENTENCES[:6]) + "\n\n" + " ".join(SENTENCES[6:])
SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)\]]?$")


def _chunks(text: str, max_tokens: int, overlap: int):
    chunks = split_text(text, max_tokens=max_tokens, overlap=overlap)
    assert [c.ord for c in chunks] == list(range(len(chunks)))
    return chunks


# --------------------------------------------------------------------------- sentences


def test_sentences_split_at_sentence_ends():
    assert sentences("One fell. Two fled! Did three hide? Yes.") == [
        "One fell.", "Two fled!", "Did three hide?", "Yes."]


def test_closing_quote_stays_with_its_sentence():
    assert sentences("He said “It is over.” Then he left.") == ["He said “It is over.”", "Then he left."]
    assert sentences('He said "It is over." Then he left.') == ['He said "It is over."', "Then he left."]


def test_abbreviations_and_decimals_do_not_end_sentences():
    text = "It was Aug. 15 when Mr. Smith and Dr. Ruiz met in the U.S. Capitol. Prices rose 3.5 percent."
    assert sentences(text) == [
        "It was Aug. 15 when Mr. Smith and Dr. Ruiz met in the U.S. Capitol.",
        "Prices rose 3.5 percent.",
    ]


def test_lower_case_after_period_does_not_split():
    assert sentences("The rebels, e.g. the VRAEM faction, fled. Troops followed.") == [
        "The rebels, e.g. the VRAEM faction, fled.", "Troops followed."]


def test_middle_initial_does_not_end_a_sentence():
    assert sentences("President George W. Bush spoke to reporters. Then he left.") == [
        "President George W. Bush spoke to reporters.", "Then he left."]


# --------------------------------------------------------------------------- split_text


def test_short_text_is_one_chunk():
    chunks = _chunks("Rebels attacked a base. Five died.", 180, 30)
    assert len(chunks) == 1
    assert chunks[0].text == "Rebels attacked a base. Five died."
    assert chunks[0].tokens == count_tokens(chunks[0].text)


def test_empty_text_gives_no_chunks():
    assert split_text("") == []
    assert split_text(" \n\n ") == []


def test_every_chunk_is_within_the_token_limit():
    chunks = _chunks(ARTICLE, 40, 12)
    assert len(chunks) > 3
    for c in chunks:
        assert c.tokens == count_tokens(c.text)
        assert c.tokens <= 40


def test_chunks_end_at_sentence_ends():
    for c in _chunks(ARTICLE, 40, 12):
        assert SENTENCE_CLOSE.search(c.text), c.text
        assert c.text[0].isupper(), c.text


def test_no_sentence_is_lost():
    chunks = _chunks(ARTICLE, 40, 12)
    for s in SENTENCES:
        assert any(s in c.text for c in chunks), s


def test_consecutive_chunks_overlap_by_whole_sentences():
    chunks = _chunks(ARTICLE, 40, 15)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        last = sentences(prev.text.replace("\n\n", " "))[-1]
        assert count_tokens(last) <= 15
        assert nxt.text.startswith(last), (prev.text, nxt.text)


def test_zero_overlap_shares_no_sentence():
    chunks = _chunks(ARTICLE, 40, 0)
    seen = [s for c in chunks for s in SENTENCES if s in c.text]
    assert sorted(seen) == sorted(SENTENCES)  # each sentence exactly once


def test_paragraph_break_is_kept_inside_a_chunk():
    (chunk,) = _chunks("First paragraph here.\n\nSecond paragraph here.", 100, 10)
    assert chunk.text == "First paragraph here.\n\nSecond paragraph here."


def test_quote_after_period_stays_attached_in_chunks():
    text = "He said “It is over.” Then the troops left the valley. " * 6
    for c in _chunks(text, 25, 5):
        assert not c.text.startswith("”")
        assert c.text.count("“") == c.text.count("”")


def test_month_abbreviation_does_not_start_a_chunk():
    text = " ".join(f"The {n}th attack came on Aug. 15 in the valley." for n in range(1, 20))
    for c in _chunks(text, 30, 0):
        assert not c.text.startswith("15"), c.text
        assert not c.text.endswith("Aug."), c.text


def test_overlong_sentence_is_cut_by_tokens():
    text = "Troops " + ", ".join(f"unit{n} arrived" for n in range(200)) + "."
    chunks = _chunks(text, 50, 10)
    assert len(chunks) > 1
    assert all(c.tokens <= 50 for c in chunks)
    assert "unit0 " in chunks[0].text and "unit199" in chunks[-1].text


@pytest.mark.parametrize(("max_tokens", "overlap"), [(30, 30), (30, 31), (10, 50)])
def test_overlap_not_smaller_than_size_raises(max_tokens, overlap):
    with pytest.raises(ValueError, match="overlap"):
        split_text(ARTICLE, max_tokens=max_tokens, overlap=overlap)


def test_joined_sentences_stay_within_the_limit():
    text = "Prices rose 3.5 percent. (The statement was brief.)"
    chunks = split_text(text, max_tokens=13, overlap=0)
    assert all(count_tokens(c.text) <= 13 for c in chunks)
    assert " ".join(c.text for c in chunks) == text


@pytest.mark.parametrize("max_tokens", [8, 10])
def test_small_chunk_size_does_not_lose_text(max_tokens):
    chunks = split_text("word " * 40, max_tokens=max_tokens, overlap=2)
    assert " ".join(c.text for c in chunks).split().count("word") >= 40


def test_hard_split_keeps_non_latin_text_intact():
    text = "हिन्दी भाषा में लिखा गया एक लंबा वाक्य " * 30  # no . ! ? in the whole run
    chunks = split_text(text, max_tokens=50, overlap=5)
    assert not any("\ufffd" in c.text for c in chunks)


def test_hard_split_pieces_rejoin_without_breaking_words():
    text = "On wounding on army wounding five base in on base killing seven."
    chunks = split_text(text, max_tokens=12, overlap=4)
    assert all(c.tokens <= 12 for c in chunks)
    assert "wounding" in " ".join(c.text for c in chunks)


def test_hard_wrapped_line_is_not_a_paragraph_break():
    text = "The attack took place in\nMazangaro on Monday, the army said. Five soldiers died."
    (chunk,) = split_text(text, max_tokens=100, overlap=10)
    assert "in\n\nMazangaro" not in chunk.text
    assert chunk.text.startswith("The attack took place in Mazangaro")


# --------------------------------------------------------------------------- property

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
SENTENCE = st.builds(
    lambda words, end: " ".join([words[0].capitalize(), *words[1:]]) + end,
    st.lists(WORD, min_size=1, max_size=10),  # <= 91 tokens even at one token per letter
    st.sampled_from([".", "!", "?"]),
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)
TEXT = st.lists(PARAGRAPH, min_size=1, max_size=5).map("\n\n".join)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.integers(min_value=100, max_value=240), st.integers(min_value=0, max_value=99))
def test_chunks_within_limit_and_cover_every_word(text, max_tokens, overlap):
    chunks = split_text(text, max_tokens=max_tokens, overlap=overlap)
    assert chunks
    for c in chunks:
        assert c.tokens == count_tokens(c.text)
        units = [s for para in c.text.split("\n\n") for s in sentences(para)]
        # the packing budget holds exactly: whole sentences, at most max_tokens of them ...
        assert sum(count_tokens(u) for u in units) <= max_tokens
        # ... and the joined text is within the limit up to the one-token-per-join slack that
        # test_joined_sentences_stay_within_the_limit (xfail) reports as a bug
        assert c.tokens <= max_tokens + len(units) - 1
        assert SENTENCE_CLOSE.search(c.text)
    covered = " ".join(c.text for c in chunks).split()
    for word in set(text.split()):
        assert word in covered
    # and nothing is invented: chunk words all come from the text
    assert set(covered) <= set(text.split())
