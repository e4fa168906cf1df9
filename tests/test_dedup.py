"""Unit tests for index/dedup.py: near-duplicate detection with a canonical copy per group."""

from __future__ import annotations

from helpers import seed

from index.clean import clean
from index.dedup import SHINGLE_WORDS, containment, find_duplicates, shingles

WORDS = ("army rebels valley base soldiers attack patrol village mayor police road river coca "
         "farmers minister report court prison border market election protest bridge").split()


def story(seed: int, n_words: int = 150) -> str:
    """A deterministic synthetic article whose 5-word shingles are (almost) all distinct."""
    out = []
    x = seed * 7919 + 17
    for i in range(n_words):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(f"{WORDS[x % len(WORDS)]}{(x >> 8) % 97}")
        if i % 12 == 11:
            out[-1] += "."
    return " ".join(out)




# --------------------------------------------------------------------------- shingles / containment


def test_shingles_ignore_case_and_punctuation():
    assert shingles("The Army said, five soldiers died.") == shingles("the army said five SOLDIERS died")
    assert len(shingles("one two three four five six seven")) == 7 - SHINGLE_WORDS + 1


def test_shingles_of_short_and_empty_text():
    assert len(shingles("Peru clash")) == 1
    assert shingles("") == set()
    assert shingles("  ... ") == set()


def test_containment_is_share_of_smaller_set():
    assert containment({1, 2}, {1, 2, 3, 4}) == 1.0
    assert containment({1, 2, 3, 4}, {3, 4, 5, 6, 7, 8}) == 0.5
    assert containment(set(), {1}) == 0.0


# --------------------------------------------------------------------------- find_duplicates (synthetic)


def test_identical_and_lightly_edited_copies_are_duplicates():
    a = story(1)
    edited = a.replace("army", "ARMY").replace(".", "!") + " Share this story."
    texts = [a, story(2), edited, a]
    assert find_duplicates(texts) == {2: 0, 3: 0}


def test_unrelated_texts_are_not_duplicates():
    assert find_duplicates([story(n) for n in range(6)]) == {}


def test_best_rank_is_kept_as_canonical():
    a = story(1)
    texts = [a, a + " Extra closing line from a syndication partner.", story(3)]
    assert find_duplicates(texts, rank=[(1, 0), (0, 5), (0, 0)]) == {0: 1}
    assert find_duplicates(texts, rank=[(0, 9), (1, 0), (0, 0)]) == {1: 0}


def test_group_of_three_points_at_one_canonical_copy():
    a = story(4)
    texts = [a + " Copy one.", a + " Copy two.", story(5), a + " Copy three."]
    assert find_duplicates(texts, rank=[(2,), (1,), (0,), (0,)]) == {0: 3, 1: 3}


def test_brief_quoted_inside_article_three_times_longer_is_not_a_duplicate():
    brief = story(7, 100)
    roundup = story(8, 100) + " " + brief + " " + story(9, 100)
    assert containment(shingles(brief), shingles(roundup)) == 1.0  # fully contained ...
    assert find_duplicates([brief, roundup]) == {}  # ... but not the same article


def test_partial_overlap_below_threshold_is_not_a_duplicate():
    a, b = story(10, 200), story(11, 200)
    half = " ".join(a.split()[:100] + b.split()[100:])
    assert find_duplicates([a, half]) == {}
    assert find_duplicates([a, half], threshold=0.4) == {1: 0}


def test_empty_texts_are_never_duplicates():
    assert find_duplicates(["", "", story(1)]) == {}


def test_identical_short_texts_are_duplicates():
    text = "Shining Path attack kills five soldiers in Peru today"
    assert find_duplicates([text, text]) == {1: 0}


# --------------------------------------------------------------------------- seeds


def test_seed_000_and_001_are_the_same_story_after_cleaning():
    s0, s1 = clean(seed("000")), clean(seed("001"))
    assert find_duplicates([s0, s1]) == {1: 0}
    # the better-ranked copy is kept whichever position it has
    assert find_duplicates([s0, s1], rank=[(1,), (0,)]) == {0: 1}


def test_seed_002_and_004_report_the_same_event_but_are_not_duplicates():
    assert find_duplicates([clean(seed("002")), clean(seed("004"))]) == {}


def test_seeds_together_only_pair_000_with_001():
    texts = [clean(seed(p)) for p in ("000", "001", "002", "003", "004")]
    assert find_duplicates(texts) == {1: 0}


def test_candidate_pairs_miss_no_duplicate_that_comparing_all_pairs_finds(tmp_path):
    """Prefix filtering must find exactly the groups a comparison of every pair finds."""
    import random

    from bench.corpus import generate_corpus, near_duplicate
    from index.dedup import containment, shingles

    texts = [p.read_text() for p in generate_corpus(tmp_path, 150, duplicate_share=0.1)]
    rng = random.Random(1)
    texts += [near_duplicate(rng, t)[: int(len(t) * rng.uniform(0.75, 1.0))] for t in texts[:20]]
    texts += ["Short note on the flood.", "Short note on the flood!", "one two three four five six"]
    sets = [shingles(t) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = sets[i], sets[j]
            if min(len(a), len(b)) >= 0.5 * max(len(a), len(b)) and containment(a, b) >= 0.8:
                ri, rj = root(i), root(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    expected = {i: root(i) for i in range(len(texts)) if root(i) != i}
    assert len(expected) > 20
    assert find_duplicates(texts) == expected
