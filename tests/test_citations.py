"""Checking the model's reply: quotes, citation markers, refusals and figures."""

from __future__ import annotations

from rag import citations as cite

PASSAGES = [
    "Four soldiers and two suspected rebels died in a clash. Three soldiers were wounded.",
    "The military attack also led to the seizure of weapons, explosives and 79 kilograms of cocaine.",
]


def test_split_reply_reads_quotes_and_answer():
    reply = 'Quote: [2] "seizure of weapons, explosives and 79 kilograms"\nAnswer: 79 kilograms [2].'
    quotes, answer = cite.split_reply(reply)
    assert quotes == [(2, "seizure of weapons, explosives and 79 kilograms")]
    assert answer == "79 kilograms [2]."
    assert cite.split_reply("Quote: none\nAnswer: The articles do not say.") == (
        [],
        "The articles do not say.",
    )
    assert cite.split_reply('Quote: [1] "cut off befo')[1] is None


def test_locate_quote_finds_the_right_passage_or_none():
    assert cite.locate_quote("79 kilograms of cocaine were seized with weapons", PASSAGES, hint=1) is None
    assert cite.locate_quote("seizure of weapons, explosives and 79 kilograms of cocaine", PASSAGES, 1) == 2
    # a small slip (one changed word) is still the same quote
    assert cite.locate_quote("Four soldiers and two alleged rebels died in a clash", PASSAGES, None) == 1
    assert cite.locate_quote("Paris is the capital of France.", PASSAGES, 1) is None
    assert cite.locate_quote("died", PASSAGES, 1) is None  # too short to prove anything


def test_markers_to_passages_not_given_are_removed():
    assert cite.cited_numbers("Four [1], seven [3] and [1, 2].", 2) == [1, 2]
    assert cite.strip_invalid("Four soldiers died [1][7].", 2) == "Four soldiers died [1]."
    assert cite.strip_invalid("Seven [3].", 2) == "Seven."


def test_refusals_are_recognised_on_the_opening_sentence():
    assert cite.is_refusal("The articles do not say.")
    assert cite.is_refusal("The passages do not mention the price of cocaine.")
    assert not cite.is_refusal("Four soldiers died [1]. The articles do not say who led them.")


def test_figures_must_be_supported():
    assert cite.numbers("Four soldiers [2] and 8,000 troops; 79.5 kg; one of them") == {"4", "8000", "79.5"}
    support = "seizure of weapons, explosives and 79 kilograms of cocaine"
    assert cite.unsupported_numbers("79 kilograms were seized.", support) == set()
    assert cite.unsupported_numbers("450 kilograms were seized.", support) == {"450"}
    assert cite.unsupported_numbers("Four soldiers died", "4 soldiers and two rebels") == set()
