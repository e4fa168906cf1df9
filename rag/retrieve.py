"""question -> passages: dense (Chroma) and keyword (BM25) rankings fused, restricted to the
period the question asks about, at most a few passages per article."""

from __future__ import annotations

import json
import math
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.dates import Period, question_period
from index.settings import Settings
from index.store import Store

STOPWORDS = set(
    "a an and are as at be been but by did do does for from had has have how i in into is it its "
    "many much of on or that the their there these this those to was were what when where which "
    "who whom why will with would about after before during than then they them he she his her "
    "we you our your can could should may might any all some more most other such only own same "
    "so too very just not no nor if while".split()
)
RRF_K = 60
DENSE_OVERFETCH_MAX = 1000  # neighbours asked for unfiltered before the exact search takes over


@dataclass
class Passage:
    id: str
    source: str
    path: str
    title: str
    date: str
    date_inferred: bool
    outlet: str
    url: str
    text: str
    years: list[int]
    score: float = 0.0
    dense_rank: int | None = None
    keyword_rank: int | None = None
    # What the model was shown of the passage: its sentences that bear on the question
    # (rag/context.py focus()); empty when it was shown whole.
    excerpt: str = ""
    # Its sentence that bears most on the question (focus()), shown while the model reads.
    best: str = ""
    author: str = ""  # the article's byline, when it prints one


@dataclass
class Retrieval:
    passages: list[Passage]
    period: Period | None = None
    # False when the question names a period that no passage speaks of.
    period_matched: bool = True
    seconds: float = 0.0
    candidates: dict[str, int] = field(default_factory=dict)
    # Every fused candidate, best first (per-article cap applied first): `passages` are its head.
    pool: list[Passage] = field(default_factory=list)
    vector: np.ndarray | None = None  # the question's embedding


    def wide(self, n: int, per_ranking: int) -> list[Passage]:
        """The first `n` candidates, and any other among the first `per_ranking` of the dense or
        the keyword ranking alone: fusion buries a passage that only one ranking finds (the
        answer to a question worded unlike it is found by meaning, not by its words)."""
        def top(rank: int | None) -> bool:
            return rank is not None and rank <= per_ranking

        return [p for i, p in enumerate(self.pool) if i < n or top(p.dense_rank) or top(p.keyword_rank)]


def tokenize(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS]


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)  # a corpus has far fewer distinct words than word occurrences
def _stem(word: str) -> str:
    """Just enough stemming to match 'soldiers' with 'soldier' and 'killed' with 'kill'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 6 and word.endswith("ing"):
        return word[:-3]
    return word


class KeywordIndex:
    """BM25 over every chunk, held in memory (rebuilt when the index's generation changes)."""

    def __init__(self, rows: list, k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = [
            Passage(r["id"], r["source"], r["path"], r["title"] or "", r["date"] or "",
                    bool(r["date_inferred"]), r["outlet"] or "", r["url"] or "", r["text"],
                    json.loads(r["years"] or "[]"), author=r["author"] or "")
            for r in rows
        ]
        self.position = {p.id: i for i, p in enumerate(self.passages)}
        # The years of every passage as flat arrays, so a period filter is one vector operation.
        self.year_owner = np.repeat(np.arange(len(self.passages)), [len(p.years) for p in self.passages])
        self.year_value = np.fromiter((y for p in self.passages for y in p.years), dtype=np.int64,
                                      count=len(self.year_owner))
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(len(rows), dtype=np.float32)
        for i, p in enumerate(self.passages):
            terms = Counter(tokenize(p.title + " " + p.text))
            lengths[i] = sum(terms.values())
            for term, tf in terms.items():
                postings[term].append((i, tf))
        avg = float(lengths.mean()) if len(rows) else 1.0
        n = len(rows)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, items in postings.items():
            ids = np.fromiter((i for i, _ in items), dtype=np.int64, count=len(items))
            tf = np.fromiter((t for _, t in items), dtype=np.float32, count=len(items))
            idf = math.log(1 + (n - len(items) + 0.5) / (len(items) + 0.5))
            weight = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[ids] / avg))
            self.postings[term] = (ids, weight.astype(np.float32))
        self._by_source: dict[str, list[Passage]] | None = None
        self._outlets: set[str] | None = None
        self._folded: set[str] | None = None
        self._vectors: np.ndarray | None = None
        self._vectors_lock = threading.Lock()

    def vectors(self, store: Store) -> np.ndarray:
        """Every passage's embedding (row i: passage i), read from the vector store on first use:
        ~150 MB and ~6 s at 100,000 chunks, needed only by filtered searches of rare periods."""
        with self._vectors_lock:
            if self._vectors is None:
                by_id = store.embeddings([p.id for p in self.passages])
                dimensions = len(next(iter(by_id.values()))) if by_id else 0
                matrix = np.zeros((len(self.passages), dimensions), dtype=np.float32)
                for i, vector in by_id.items():
                    matrix[self.position[i]] = vector
                norms = np.linalg.norm(matrix, axis=1, keepdims=True)
                self._vectors = matrix / np.where(norms > 0, norms, 1)
            return self._vectors

    def of_source(self, source: str) -> list[Passage]:
        """Every chunk of one article, in order."""
        if self._by_source is None:
            by_source: dict[str, list[Passage]] = defaultdict(list)
            for p in self.passages:  # chunk_rows() come ordered by article and position
                by_source[p.source].append(p)
            self._by_source = dict(by_source)
        return self._by_source.get(source, [])

    def outlets(self) -> set[str]:
        """Every outlet an article of the index names."""
        if self._outlets is None:
            self._outlets = {p.outlet for p in self.passages if p.outlet}
        return self._outlets

    def unknown_names(self, question: str) -> list[str]:
        """Names in the question ("FARC", "Colombia") that no article contains, accents ignored."""
        if self._folded is None:
            outlets = {t for outlet in self.outlets() for t in tokenize(outlet)}
            self._folded = {_fold(t) for t in self.postings.keys() | outlets}
        names = re.findall(r"(?<=[\w,;:]\s)[A-ZÁÉÍÓÚÑ][\w'’-]{2,}", question)
        return [n for n in names if any(_fold(t) not in self._folded for t in tokenize(n))]

    def in_period(self, period: Period) -> np.ndarray:
        """Which passages speak of a year in `period`."""
        allowed = np.zeros(len(self.passages), dtype=bool)
        inside = (self.year_value >= period.start) & (self.year_value <= period.end)
        allowed[self.year_owner[inside]] = True
        return allowed

    def search(self, query: str, limit: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = np.zeros(len(self.passages), dtype=np.float32)
        for term in set(tokenize(query)):
            if term in self.postings:
                ids, weight = self.postings[term]
                scores[ids] += weight
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit)[:limit]]
        return sorted(((int(i), float(scores[i])) for i in hits), key=lambda h: -h[1])


_cache: dict[str, tuple[int, KeywordIndex]] = {}
_cache_lock = threading.Lock()


def keyword_index(store: Store) -> KeywordIndex:
    key = str(store.index_dir.resolve())
    generation = store.generation
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != generation:
            cached = (generation, KeywordIndex(store.chunk_rows()))
            _cache[key] = cached
        return cached[1]


def retrieve(question: str, settings: Settings, store: Store, period: Period | None = None) -> Retrieval:
    """`period`, when given, replaces the one read from the question (e.g. a UI date filter)."""
    from index.embed import embed

    started = time.perf_counter()
    index = keyword_index(store)
    passages = index.passages
    if not passages:
        return Retrieval([], seconds=time.perf_counter() - started)
    if period is None and settings.time_aware:
        period = question_period(question)
    allowed = None
    period_matched = True
    if period:
        allowed = index.in_period(period)
        if not allowed.any():
            period_matched, allowed = False, None
    limit = min(settings.candidates, len(passages))
    vector = embed([question], settings)[0]
    dense = dense_search(store, index, vector, limit, allowed)
    keyword = index.search(question, limit, allowed) if settings.hybrid else []

    fused: dict[int, float] = defaultdict(float)
    ranks: dict[int, dict[str, int]] = defaultdict(dict)
    for name, ranking in (("dense", dense), ("keyword", keyword)):
        for rank, (i, _) in enumerate(ranking, start=1):
            fused[i] += 1 / (RRF_K + rank)
            ranks[i][name] = rank
    ranked = sorted(fused, key=lambda i: -fused[i])
    # At most a few passages per article while other articles can fill the slots; when few
    # articles match (say, one article about the year asked for) the rest go to the best left.
    picked: list[int] = []
    per_article: Counter[str] = Counter()
    for i in ranked:
        if per_article[passages[i].source] < settings.max_per_article:
            per_article[passages[i].source] += 1
            picked.append(i)
    chosen = set(picked)
    picked += [i for i in ranked if i not in chosen]
    pool = [_ranked(passages[i], fused[i], ranks[i]) for i in picked]
    return Retrieval(pool[: settings.top_k], period, period_matched, time.perf_counter() - started,
                     {"dense": len(dense), "keyword": len(keyword)}, pool, vector)


def dense_search(store: Store, index: KeywordIndex, vector: np.ndarray, limit: int,
                 allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The `limit` nearest passages (among the `allowed` ones), as (position, similarity).

    Chroma's `ids=` filter costs ~20 ms per 10,000 ids, so a filtered search first asks for
    enough unfiltered neighbours to hold `limit` allowed ones: the nearest allowed passages
    overall are the nearest allowed among those. When too few turn up (a rare period, or
    neighbours all from other years; Chroma returns at most a few hundred), the allowed
    passages are searched exactly, one matrix product (~7 ms at 100,000 chunks)."""
    if allowed is None:
        result = store.collection.query(query_embeddings=[vector.tolist()], n_results=limit,
                                        include=["distances"])
        return [(index.position[i], 1 - d) for i, d in zip(result["ids"][0], result["distances"][0],
                                                          strict=True) if i in index.position]
    if not allowed.any():
        return []
    share = allowed.mean()
    fetch = min(len(allowed), max(3 * limit, math.ceil(2 * limit / share)))
    if fetch <= DENSE_OVERFETCH_MAX:
        hits = [(i, s) for i, s in dense_search(store, index, vector, fetch) if allowed[i]]
        if len(hits) >= limit or fetch == len(allowed):
            return hits[:limit]
    similarity = index.vectors(store) @ (vector / np.linalg.norm(vector)).astype(np.float32)
    similarity[~allowed] = -np.inf
    count = min(limit, int(allowed.sum()))
    top = np.argpartition(-similarity, count - 1)[:count]
    return [(int(i), float(similarity[i])) for i in top[np.argsort(-similarity[top])]]


def _ranked(p: Passage, score: float, ranks: dict[str, int]) -> Passage:
    from dataclasses import replace

    return replace(p, score=round(score, 5), dense_rank=ranks.get("dense"),
                   keyword_rank=ranks.get("keyword"))
