"""The prompt's passages: cut to the sentences that bear on the question, within a budget."""

from __future__ import annotations

from index.chunk import count_tokens
from index.settings import Settings
from rag.context import focus, part_messages, second_look, second_part
from rag.retrieve import Passage

ATTACK = ("The attack began at dawn near the river. Five soldiers were killed and seven were injured "
          "in the attack on the base. The weather was cold that week. Local markets stayed open. "
          "Officials promised an inquiry into the attack.")
LEADER = ("The faction is led by a man known as Comrade Jose. He has been wanted for years. "
          "Roads in the valley are poor. Farmers grow coffee and cacao.")


def passage(text: str) -> Passage:
    return Passage("id", "a.txt", "a.txt", "Title", "2012-08-31", False, "Outlet", "", text, [2012])


def test_focus_keeps_the_answering_sentences_in_order_within_the_budget():
    settings = Settings.load().with_(passage_margin=0)  # every passage given, to cut each
    attack, leader = passage(ATTACK), passage(LEADER)
    focus("How many soldiers were killed in the attack?", [attack, leader], 40, settings)
    assert "Five soldiers were killed" in attack.excerpt
    assert "coffee" not in leader.excerpt and "weather" not in attack.excerpt
    # Every passage keeps its best sentence, and what was left out is marked where it was.
    assert leader.excerpt and "…" in attack.excerpt
    kept = [s for p in (attack, leader) for s in p.excerpt.split("…") if s.strip()]
    assert sum(count_tokens(s.strip()) for s in kept) <= 40
    # Kept sentences keep the article's order.
    positions = [ATTACK.index(s.strip()) for s in attack.excerpt.split("…") if s.strip()]
    assert positions == sorted(positions)

def test_focus_leaves_short_passages_and_a_zero_budget_whole():
    settings = Settings.load()
    short, long = passage("Five soldiers were killed."), passage(ATTACK)
    focus("How many soldiers were killed?", [short], 300, settings)
    assert short.excerpt == ""  # shown whole: it fits
    focus("How many soldiers were killed?", [long], 0, settings)
    assert long.excerpt == ""


def other(n: int, text: str, source: str) -> Passage:
    return Passage(f"id{n}", source, source, "Title", "2012-08-31", False, "Outlet", "", text, [2012])


def test_focus_chooses_the_passages_whose_sentences_answer_from_more_candidates():
    settings = Settings.load()
    # Two chunks of one article rank first; the answer is in the third candidate, another article's.
    crowd = [other(1, "Roads in the valley are poor. Farmers grow coffee and cacao.", "a.txt"),
             other(2, "The weather was cold that week. Local markets stayed open.", "a.txt"),
             other(3, ATTACK, "b.txt")]
    every = settings.with_(passage_margin=0)
    chosen = focus("How many soldiers were killed in the attack?", crowd, 60, every, top_k=2)
    assert len(chosen) == 2 and chosen[0] is crowd[2]  # best first
    # A passage whose best sentence is far below the best one's is not given at all.
    assert focus("How many soldiers were killed in the attack?", crowd, 60, settings, top_k=2) == [crowd[2]]
    assert "Five soldiers were killed" in chosen[0].best and "Five soldiers were killed" in (
        chosen[0].excerpt or chosen[0].text)
    # A sentence two chunks of one article share (chunks overlap) is offered once.
    twice = [other(1, "Five soldiers were killed. Rain fell.", "a.txt"),
             other(2, "Five soldiers were killed. Markets opened.", "a.txt")]
    picked = focus("How many soldiers were killed?", twice, 300, settings, top_k=2)
    assert [p.best for p in picked].count("Five soldiers were killed.") == 1


def test_sentence_vectors_come_from_the_index_and_match_those_computed_at_question_time(seeds_settings):
    import numpy as np

    from index.chunk import text_sentences
    from index.store import Store
    from rag.context import sentence_vectors
    from rag.retrieve import keyword_index

    store = Store(seeds_settings.index_dir, create=False)
    try:
        passages = keyword_index(store).passages
        stored = sentence_vectors(passages, seeds_settings, store, 384)
        computed = sentence_vectors(passages[:3], seeds_settings, None, 384)
    finally:
        store.close()
    assert all(len(v) == len(text_sentences(p.text)) for p, v in zip(passages, stored, strict=True))
    for a, b in zip(stored[:3], computed, strict=True):
        assert np.allclose(a, b, atol=2e-3)  # float16 in the index
        assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-4)


def test_second_look_offers_the_sentences_that_bear_most_on_the_question_best_first():
    settings = Settings.load().with_(passage_margin=0)
    attack = passage(ATTACK.replace("began at dawn", "began on Monday"))
    leader = passage(LEADER)
    given = focus("When did the attack begin?", [leader, attack], 60, settings)
    leads, messages = second_look("When did the attack begin?", given, 3)
    assert len(leads) == 3
    n, best = leads[0]
    assert given[n - 1] is attack and best.startswith("The attack began on Monday")
    assert all(sentence in given[m - 1].text for m, sentence in leads)
    prompt = messages[1]["content"]
    # Numbered 1..3 in the order offered, dates resolved as in the passage prompt.
    assert "1. The attack began on Monday (2012-08-27)" in prompt
    assert [line[:2] for line in prompt.splitlines() if line[:1].isdigit()] == ["1.", "2.", "3."]
    assert prompt.rstrip().endswith("or 0 if none does.")
    # Only sentences that can answer are offered: for 'when?', those that state a date.
    dated, _ = second_look("When did the attack begin?", given, 3, can_answer=lambda s: "(2012-" in s)
    assert [sentence for _, sentence in dated] == [best]
    nothing, _ = second_look("When did the attack begin?", given, 3, can_answer=lambda s: False)
    assert nothing == []


def test_a_compound_question_is_split_at_its_second_question():
    assert second_part("Which company operated the mine, and what did the government decide to do?") == \
        "What did the government decide to do?"
    assert second_part("Who led the faction in 2012, and who in 2020?") == "Who in 2020?"
    assert second_part("How many were rescued alive and how many died?") == "How many died?"
    # One question: 'and' joins words, not questions; too short a first part is no question.
    assert second_part("How many soldiers and police officers died in 2023?") is None
    assert second_part("Where and when did it happen?") is None
    messages = [{"role": "system", "content": "S"},
                {"role": "user", "content": "Passages:\n\n[1] A\nText.\n\nQuestion: Q, and what then?"}]
    asked = part_messages(messages, "Q, and what then?", "What then?")
    # The same passages (llama.cpp's cache holds them), then the part asked, within its question.
    assert asked[0] == messages[0]
    assert asked[1]["content"] == ("Passages:\n\n[1] A\nText.\n\nQuestion: Q, and what then?\n"
                                   "Answer only this part of it: What then?")
