"""Do the reports agree on when? Each article's own dating sentence, compared (rag/reports.py)."""

from __future__ import annotations

from rag.reports import compare_dates
from rag.retrieve import Passage

QUESTION = "When did the attack on the Zorbu base take place, and do the reports agree?"


def passage(n: int, source: str, leads: list[str]) -> Passage:
    p = Passage(f"id{n}", source, source, f"Report {source}", "2031", True, "Outlet", "", " ".join(leads),
                [2031])
    p.leads = [(1.0 - k / 10, sentence) for k, sentence in enumerate(leads)]
    return p


def test_a_weekday_is_dated_by_the_full_date_its_own_article_gives_that_falls_on_it():
    saturday = "Fighters carried out the attack around 4pm on Saturday at the Zorbu base."
    statement = "On 4 January 2031, terrorists engaged troops in Zorbu in a fire fight."  # a Saturday
    sunday = "Gunmen launched a pre-dawn attack on Sunday at the Zorbu base."
    passages = [passage(1, "a.txt", [saturday]), passage(2, "b.txt", [sunday]),
                passage(3, "a.txt", [statement, "The army said 4 January 2031 was a hard day."])]
    answer = compare_dates(QUESTION, passages, "model", 0.0)
    assert answer is not None and "They differ on the day: Saturday [1], Sunday [2]." in answer.text
    assert "[3], of the same article as [1], gives the date 4 January 2031, a Saturday" in answer.text
    assert [c.n for c in answer.citations] == [1, 2, 3] and answer.citations[2].support == statement
    # A full date on another weekday, or one in the other article, dates nothing.
    for other in ([statement.replace("4 January", "5 January")], []):
        passages[2] = passage(3, "a.txt", other) if other else passage(3, "b.txt", [statement])
        answer = compare_dates(QUESTION, passages, "model", 0.0)
        assert "gives the date" not in answer.text and len(answer.citations) == 2, answer.text
