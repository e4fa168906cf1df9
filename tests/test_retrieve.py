"""Retrieval over the seed articles: hybrid ranking, the period filter, duplicates."""

from __future__ import annotations

from pathlib import Path

from index.store import Store
from rag.retrieve import retrieve, tokenize


def names(retrieval) -> list[str]:
    return [Path(p.source).name[:3] for p in retrieval.passages]


def test_period_filter_and_fill_up_from_the_only_matching_article(seeds_settings):
    store = Store(seeds_settings.index_dir, create=False)
    try:
        r = retrieve("How many kilograms of cocaine were seized in 2020?", seeds_settings, store)
        assert r.period and r.period.label() == "2020" and r.period_matched
        assert set(names(r)) == {"003"} and len(r.passages) == seeds_settings.top_k
        assert any("79 kilograms" in p.text for p in r.passages)

        r = retrieve("how many soldiers died in 2023?", seeds_settings, store)
        assert set(names(r)) == {"002", "004"}
        assert all(2023 in p.years for p in r.passages)

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
