"""Unit tests for index/clean.py: clutter rules, tail cutting and corpus-level boilerplate."""

from __future__ import annotations

import pytest
from helpers import seed

from index.clean import clean, find_boilerplate, line_key, normalize

BODY = (
    "Rebels attacked a military base in the Valle region on Monday, killing five soldiers "
    "and wounding seven others, the army said in a statement.\n\n"
    "The attack came three days after troops seized 800 kilos of precursor chemicals used "
    "to produce cocaine, according to local press reports.\n\n"
    "Officials said reinforcements had been sent to the area and that the search for the "
    "attackers would continue through the week."
)
assert len(BODY) > 300  # the tail rule needs a real body before it




# --------------------------------------------------------------------------- normalize


def test_normalize_spaces_newlines_and_blank_runs():
    raw = "  Title\u00a0here \r\nLine\ttwo\u200b end  \r\n\r\n\r\n\r\nLast\x07 line\n\n"
    assert normalize(raw) == "Title here\nLine two end\n\nLast line"


def test_normalize_composes_unicode():
    assert normalize("Cafe\u0301") == "Caf\u00e9"


def test_line_key_ignores_case_and_punctuation():
    assert line_key("  Share THIS: story!! ") == "share this story"
    assert line_key("“Peace,” he said.") == line_key("peace he said")


# --------------------------------------------------------------------------- clean: clutter lines


@pytest.mark.parametrize(
    "clutter",
    [
        "Share icon",
        "Share icon icon icon",
        "Share on Facebook",
        "DONATE",
        "Donate now",
        "Was this content helpful?",
        "This website uses cookies to improve your experience. Accept",
        "Accept all cookies",
        "Manage preferences",
        "Skip to main content",
        "Subscribe",
        "Advertisement",
        "Follow us on Twitter",
        "HomeNewsBriefShining Path Attack Leaves 5 Dead",
        "BRIEF",
        "THE ORGANIZATION",
    ],
)
def test_clutter_line_is_removed(clutter):
    text = f"First paragraph of the story.\n{clutter}\nSecond paragraph of the story."
    assert clean(text) == "First paragraph of the story.\nSecond paragraph of the story."


def test_real_sentences_that_mention_clutter_words_are_kept():
    kept = [
        "The minister will share the report with Congress next week.",
        "Donations to the relief fund reached $2 million, officials said.",
        "Printing presses were seized by the police.",
        "PERU / 31 AUG 2012 BY EDWARD FOX",  # upper case but has digits: a dateline, not a label
    ]
    text = "\n".join(kept)
    assert clean(text) == text


def test_photo_credit_is_stripped_from_caption():
    text = "Soldiers patrol the valley near Putis. JAIME RAZURI/AFP via Getty Images\nBody text."
    assert clean(text) == "Soldiers patrol the valley near Putis.\nBody text."


def test_known_boilerplate_lines_are_removed():
    text = "Support our independent newsroom today\nThe army said five died.\n"
    boiler = {line_key("Support our independent newsroom today")}
    assert clean(text, boiler) == "The army said five died."


def test_we_use_cookies_banner_is_removed():
    text = "We use cookies to ensure you get the best experience on our website.\n" + BODY
    assert "cookies" not in clean(text)


def test_news_paragraph_starting_with_cookie_is_kept():
    para = "Cookie sales fell 10 percent after the new sugar tax policy took effect, bakers said."
    assert para in clean(BODY + "\n\n" + para)


# --------------------------------------------------------------------------- clean: tail


def test_related_content_tail_is_cut_after_a_real_body():
    tail = "Related Content\n\nPeru Arrests Rebel Leader\n\n12 MAR 2021\n\nAnother story teaser here."
    out = clean(BODY + "\n\n" + tail)
    assert out == BODY
    assert "Related" not in out and "Rebel Leader" not in out


@pytest.mark.parametrize(
    "marker", ["Related Articles", "You may also like", "Most read", "More from Valle Daily"]
)
def test_other_tail_markers_cut_the_tail(marker):
    assert clean(f"{BODY}\n{marker}\nTeaser of another story.") == BODY


def test_tail_marker_before_a_real_body_does_not_cut():
    text = "Related Content\nA short first paragraph.\nA second short paragraph."
    assert clean(text) == text


def test_tail_marker_inside_a_sentence_does_not_cut():
    text = BODY + "\nRelated content was removed from the site, the ministry said.\nFinal line."
    assert clean(text) == text


# --------------------------------------------------------------------------- find_boilerplate


def _article(n: int, *extra: str) -> str:
    unique = [f"Unique reporting line number {n} about event {n * 7}.",
              f"Another original sentence {n} quoting witness {n * 3}."]
    return "\n".join([unique[0], *extra, unique[1]])


def test_line_in_three_articles_is_boilerplate():
    shared = "Support independent journalism from the Valle Daily newsroom"
    texts = [_article(1, shared), _article(2, shared), _article(3, shared), _article(4)]
    assert find_boilerplate(texts) == {line_key(shared)}


def test_quote_shared_by_two_articles_is_not_boilerplate():
    quote = "“We will not rest until the attackers are found,” the president said."
    texts = [_article(1, quote), _article(2, quote), _article(3)]
    assert find_boilerplate(texts) == set()


def test_two_article_site_template_is_boilerplate():
    template = ["Valle Daily newsroom logo", "Independent news since 1998", "Contact the editors today"]
    texts = [_article(1, *template), _article(2, *template), _article(3)]
    assert find_boilerplate(texts) == {line_key(t) for t in template}


def test_two_shared_lines_between_two_articles_are_not_a_template():
    shared = ["“We will not rest,” the president said.", "The army declined to comment on the claims."]
    texts = [_article(1, *shared), _article(2, *shared)]
    assert find_boilerplate(texts) == set()


def test_min_docs_parameter_and_short_lines():
    shared = "Support independent journalism from the Valle Daily newsroom"
    texts = [_article(1, shared, "Ok"), _article(2, shared, "Ok"), _article(3, shared, "Ok")]
    assert find_boilerplate(texts, min_docs=4) == set()
    assert find_boilerplate(texts) == {line_key(shared)}  # "Ok" is too short to count


def test_line_repeated_within_one_article_is_not_boilerplate():
    shared = "Support independent journalism from the Valle Daily newsroom"
    assert find_boilerplate([_article(1, shared, shared, shared), _article(2)]) == set()


def test_boilerplate_feeds_clean():
    shared = "Support independent journalism from the Valle Daily newsroom"
    texts = [_article(n, shared) for n in (1, 2, 3)]
    boiler = find_boilerplate(texts)
    assert clean(texts[0], boiler) == _article(1)


# --------------------------------------------------------------------------- seeds


def test_clean_seed_001_removes_web_clutter_and_keeps_story():
    raw = seed("001")
    out = clean(raw)
    for clutter in ("DONATE", "Related Content", "Was this content helpful", "HomeNewsBrief"):
        assert clutter in raw
        assert clutter not in out
    assert "Mazangaro" in out
    assert out.count("InSight Crime Analysis") == 1
    assert out.startswith("'Shining Path' Attack Leaves 5 Soldiers Dead")


def test_clean_seed_003_cuts_long_related_tail():
    raw = seed("003")
    out = clean(raw)
    assert "Related Content" in raw
    assert "Related Content" not in out
    assert len(out) < 0.7 * len(raw)
    assert "Shining Path" in out


def test_clean_seed_000_already_clean_is_unchanged():
    raw = seed("000")
    assert clean(raw) == normalize(raw)


def test_indexing_drops_a_line_repeated_across_the_corpus(tmp_path):
    """End to end: the corpus-level rule reaches the index, not only clean()."""
    from index.build import build_index
    from index.settings import Settings
    from index.store import Store

    shared = "Support independent journalism from the Valle Daily newsroom"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    stories = [BODY, "Farmers in the valley harvested a record coffee crop this season, the cooperative "
               "reported, and prices at the regional market rose for the third month in a row.",
               "The regional government opened a new bridge over the river, cutting the trip between "
               "two provincial towns from four hours to one, engineers said at the ceremony."]
    for n, story in enumerate(stories, start=1):
        (corpus / f"a{n}.txt").write_text(f"Headline {n}\n\n{story}\n\n{shared}\n")
    settings = Settings.load(index_dir=tmp_path / "index")
    build_index([corpus], settings, progress=False)
    store = Store(settings.index_dir, create=False)
    try:
        texts = [r["text"] for r in store.chunk_rows()]
    finally:
        store.close()
    assert all(any(story[:40] in t for t in texts) for story in stories), "every story is indexed"
    assert not any("independent journalism" in t for t in texts)
