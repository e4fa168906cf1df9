"""The prompt's passages: cut to the sentences that bear on the question, within a budget."""

from __future__ import annotations

from index.chunk import count_tokens
from index.settings import Settings
from rag.context import focus
from rag.retrieve import Passage

ATTACK = ("The attack began at dawn near the river. Five soldiers were killed and seven were injured "
          "in the attack on the base. The weather was cold that week. Local markets stayed open. "
          "Officials promised an inquiry into the attack.")
LEADER = ("The faction is led by a man known as Comrade Jose. He has been wanted for years. "
          "Roads in the valley are poor. Farmers grow coffee and cacao.")


def passage(text: str) -> Passage:
    return Passage("id", "a.txt", "a.txt", "Title", "2012-08-31", False, "Outlet", "", text, [2012])


def test_focus_keeps_the_answering_sentences_in_order_within_the_budget():
    settings = Settings.load()
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
