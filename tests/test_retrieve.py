"""Retrieval over the seed articles: hybrid ranking, the period filter, duplicates."""

from __future__ import annotations

import itertools
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.dates import Period
from index.embed import embed
from index.store import Store
from rag.retrieve import dense_search, keyword_index, retrieve, tokenize


def names(retrieval) -> list[str]:
    return [Path(p.source).name[:3] for p in retrieval.passages]


def test_period_filter_and_fill_up_from_the_only_matching_article(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        r = retrieve("How many kilograms of cocaine were seized in 2020?", seeds_settings, store)
        assert r.period and r.period.label() == "2020" and r.period_matched
        assert set(names(r)) == {"003"} and len(r.passages) == seeds_settings.top_k
        assert any("79 kilograms" in p.text for p in r.passages)

        # 002 and 004 print no date and their year is unknown; their text names 2022.
        r = retrieve("how many soldiers died in 2022?", seeds_settings, store)
        assert set(names(r)) == {"002", "004"}
        assert any(2022 in p.years for p in r.passages)
        # They may have been published in 2023 (nothing later than 2022 is named as past), so a
        # question about 2023 reads them; one about 2015, before the years they name, does not.
        r = retrieve("how many soldiers died in 2023?", seeds_settings, store)
        assert r.period_matched and set(names(r)) == {"002", "004"}

        r = retrieve("how many soldiers died in 2015?", seeds_settings, store)
        assert not r.period_matched  # nothing speaks of 2015: the answer must say so

        r = retrieve("Mazangaro attack", seeds_settings, store)
        assert "000" not in names(r), "a duplicate article must never be retrieved"
        assert names(r)[0] == "001"
        assert r.passages[0].keyword_rank == 1 and r.passages[0].dense_rank is not None
    finally:
        store.close()


def test_hybrid_off_uses_dense_ranking_only(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        r = retrieve("Comrade Jose", seeds_settings.with_(hybrid=False), store)
        assert all(p.keyword_rank is None for p in r.passages)
        assert r.candidates["keyword"] == 0
    finally:
        store.close()


def test_tokenize_stems_plurals_and_past_tense():
    assert tokenize("How many soldiers were killed?") == ["soldier", "kill"]


def bm25_reference(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """BM25 written out term by term, the textbook way."""
    avg = sum(len(d) for d in docs) / len(docs)
    scores = []
    for doc in docs:
        score = 0.0
        for term in set(query):
            df = sum(1 for d in docs if term in d)
            tf = doc.count(term)
            if df and tf:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avg))
        scores.append(score)
    return scores


def test_keyword_index_ranks_like_textbook_bm25(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        index = keyword_index(store)
        docs = [tokenize(p.title + " " + p.text) for p in index.passages]
        for question in ["how many soldiers died in 2023?", "Comrade Jose VRAEM cocaine seized",
                         "Mazangaro attack military base", "Boluarte condolences"]:
            expected = bm25_reference(docs, tokenize(question))
            got = index.search(question, limit=len(docs))
            assert got, question
            for i, score in got:
                assert score == pytest.approx(expected[i], rel=1e-4)
            assert {i for i, _ in got} == {i for i, s in enumerate(expected) if s > 0}
            ranked = [i for i, _ in got]
            assert all(expected[a] >= expected[b] - 1e-4 for a, b in itertools.pairwise(ranked))
    finally:
        store.close()


def test_period_mask_matches_the_years_of_each_passage(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        index = keyword_index(store)
        # An article of unknown year may be of any year from the latest it names up to now.
        named: dict[str, set[int]] = {}
        for p in index.passages:
            named.setdefault(p.source, set()).update(p.years)
        assert any(not p.date for p in index.passages)
        for period in [Period(2023, 2023), Period(2012, 2020), Period(1900, 1999), Period(2030, 2040)]:
            mask = index.in_period(period)
            assert mask.tolist() == [
                any(y in period for y in p.years)
                or (not p.date and period.start <= date.today().year
                    and 0 < max(named[p.source], default=0) <= period.end)
                for p in index.passages]
    finally:
        store.close()


def test_dense_search_without_chroma_filter_is_as_good_as_the_filter(seeds_settings, tmp_path):
    """The unfiltered over-fetch returns only allowed passages, and as many of the truly nearest
    ones as Chroma's own filtered search does.

    The truth is an exact search over every allowed embedding. Both searches are approximate
    (HNSW), and the scaled store's noisy copies crowd the neighbourhoods, so neither finds all
    thirty nearest (about 18-30 here): the over-fetch must not find fewer."""
    from bench.stores import build_scaled_store, read_chunks

    build_scaled_store(read_chunks(seeds_settings.index_dir), tmp_path / "big", 3000)
    settings = seeds_settings.with_(index_dir=tmp_path / "big")
    store = Store(settings.index_dir, create=False)
    try:
        index = keyword_index(store)
        vectors = index.vectors(store)  # unit length, row i: passage i
        checked = 0
        for question, period in [("how many soldiers died?", Period(2023, 2023)),
                                 ("cocaine seized in the VRAEM", Period(2020, 2020)),
                                 ("Shining Path attack on a military base", Period(2012, 2012)),
                                 ("coca crops", Period(2017, 2022))]:
            allowed = index.in_period(period)
            assert 0 < allowed.sum() < len(allowed)
            vector = embed([question], settings)[0]
            fast = dense_search(store, index, vector, 30, allowed)
            found = [i for i, _ in fast]
            assert len(found) == 30
            assert all(allowed[i] for i in found)
            similarity = vectors @ (vector / np.linalg.norm(vector))
            assert np.allclose([s for _, s in fast], similarity[found], atol=1e-4)

            ids = [index.passages[i].id for i in np.flatnonzero(allowed)]
            result = store.collection.query(query_embeddings=[vector.tolist()], n_results=30, ids=ids,
                                            include=["distances"])
            filtered = [index.position[i] for i in result["ids"][0]]
            exact = set(np.flatnonzero(allowed)[np.argsort(-similarity[allowed])][:30].tolist())
            assert len(set(found) & exact) >= len(set(filtered) & exact) - 3
            # The best passage found is as near as the filter's best (both approximate: either may
            # miss the exact best; comparing with the exact best failed at random).
            assert max(similarity[found]) >= max(similarity[filtered]) - 0.01
            checked += 1
        assert checked == 4
    finally:
        store.close()


def test_dense_search_of_a_rare_period_is_exact(seeds_settings, tmp_path):
    """When the unfiltered neighbours hold too few allowed passages (a rare period, or one whose
    passages are all far from the question), the allowed passages are searched exactly."""
    from bench.stores import build_scaled_store, read_chunks

    build_scaled_store(read_chunks(seeds_settings.index_dir), tmp_path / "big", 3000)
    settings = seeds_settings.with_(index_dir=tmp_path / "big")
    store = Store(settings.index_dir, create=False)
    try:
        index = keyword_index(store)
        vectors = index.vectors(store)
        vector = embed(["how many soldiers died?"], settings)[0]
        similarity = vectors @ vector
        rare = np.zeros(len(index.passages), dtype=bool)
        rare[np.random.default_rng(1).choice(len(rare), 60, replace=False)] = True  # 2%: no over-fetch
        far = similarity < np.quantile(similarity, 0.2)  # none among the nearest few hundred
        for allowed in (rare, far):
            found = dense_search(store, index, vector, 30, allowed)
            exact = np.flatnonzero(allowed)[np.argsort(-similarity[allowed])][:30]
            assert [i for i, _ in found] == exact.tolist()
            assert np.allclose([s for _, s in found], similarity[exact], atol=1e-5)
        few = np.zeros(len(index.passages), dtype=bool)
        few[[3, 5]] = True
        assert sorted(i for i, _ in dense_search(store, index, vector, 30, few)) == [3, 5]
        assert dense_search(store, index, vector, 30, np.zeros(len(index.passages), dtype=bool)) == []
    finally:
        store.close()


def test_wide_keeps_what_only_one_ranking_finds():
    from rag.retrieve import Passage, Retrieval

    def p(n: int, dense: int | None, keyword: int | None) -> Passage:
        return Passage(f"id{n}", "a.txt", "a.txt", "", "", False, "", "", "text", [], dense_rank=dense,
                       keyword_rank=keyword)

    pool = [p(1, 1, 1), p(2, 2, 3), p(3, 9, 2), p(4, 3, None), p(5, None, 9)]
    assert [x.id for x in Retrieval(pool[:2], pool=pool).wide(2, 3)] == ["id1", "id2", "id3", "id4"]
