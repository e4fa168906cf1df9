"""Questions about an article itself (who wrote it, when it was published): answered from its
byline and date, for the article the question describes."""

from __future__ import annotations

from rag.about import answer_about_article, asks_about_article
from rag.retrieve import Passage


def passage(n: int, title: str, outlet: str, date: str, text: str, author: str = "",
            inferred: bool = False) -> Passage:
    return Passage(f"id{n}", f"/a/{n}.txt", f"/a/{n}.txt", title, date, inferred, outlet, "", text, [],
                   author=author)


PASSAGES = [
    passage(1, "Valley stalemate drags on", "Test Wire", "2020-09-04", "The faction holds the valley.",
            author="Ana Brel"),
    passage(2, "Five soldiers killed in Zorbulan", "Test Wire", "2012-08-31",
            "Rebels attacked the Zorbulan base at dawn.", author="Tom Quill"),
    passage(3, "Clash leaves six dead", "", "2023", "Six people died in the clash.", inferred=True),
]


def ask(question: str):
    return answer_about_article(question, PASSAGES, {"Test Wire", "Other Post"}, "m", 0.0,
                                "The articles do not say.")


def test_who_wrote_and_when_published_come_from_the_described_articles_metadata():
    assert asks_about_article("Who wrote the brief?") == "author"
    assert asks_about_article("When was the report on the clash published?") == "published"
    assert asks_about_article("Who led the attack?") is None and ask("Who led the attack?") is None
    wrote = ask("Who wrote the Test Wire brief about the Zorbulan attack?")
    assert wrote.text == "It was written by Tom Quill [2]." and wrote.route == "metadata"
    assert [(c.n, c.support) for c in wrote.citations] == [(2, "Five soldiers killed in Zorbulan")]
    published = ask("When was the Test Wire report on the valley stalemate published?")
    assert published.text == "It was published on 4 September 2020 [1]."
    inferred = ask("When was the article about the clash that left six dead published?")
    assert "prints no date" in inferred.text and "2023 (inferred)" in inferred.text


def test_an_article_without_a_byline_or_not_retrieved_is_not_guessed():
    nobody = ask("Who wrote the article about the clash that left six dead?")
    assert not nobody.answered and not nobody.citations and "does not say its author" in nobody.text
    assert ask("Who wrote the Other Post article about the valley?") is None  # not among the passages
