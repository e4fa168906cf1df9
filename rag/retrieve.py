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
from datetime import date
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
    page: str | None = None  # the PDF page(s) of the passage, "3" or "3-4"; None for other files
    # Its sentence that bears most on the question (focus()), shown while the model reads.
    best: str = ""
    author: str = ""  # the article's byline, when it prints one
    # Its sentences with their scores, best first (focus()): what the second look may offer.
    leads: list[tuple[float, str]] = field(default_factory=list, repr=False)


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


# Names are what spaCy tags as entities of these kinds or as proper nouns. Its small model
# mislabels unfamiliar names (a place as a PERSON): the label says only that it is a name.
NAME_ENTITIES = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                 "LANGUAGE"}
NOT_NAME_ENTITIES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
# Words inside names that do not tell one name from another ("Cerro de Valle", "Year of
# Renewal"), and titles before them ("Governor Smith" is known if Smith is).
NAME_PARTICLES = set("de del della di da do dos das du la le les van von der den al el bin ibn ben "
                     "y e of the and".split())
TITLES = set("mr mrs ms miss dr prof sir dame lord lady president vice prime minister governor gov mayor "
             "senator sen rep representative general gen colonel col major maj lieutenant lt captain capt "
             "sergeant sgt commander chief ceo chairman chairwoman director judge justice king queen prince "
             "princess pope bishop father sheikh emir st saint".split())


# Small words that only Title Case capitalises inside a question.
TITLE_CASE_TELLS = set("a an the of in on at to for and or but by from with as is are was were be been "
                       "did do does has have had how many much who whom what when where which why".split())


def question_names(question: str) -> list[str]:
    """The names a question uses ("Cerro de Valle", "Ana Lopez"), as it writes them: not
    months, weekdays, dates, numbers, or ordinary words capitalised at the start of a clause."""
    from index.dates import MONTHS, WEEKDAYS
    from index.nlp import nlp

    doc = nlp()(question)
    # Title Case ("How Many Jobs Did Acme Cut?") capitalises small words too: then only spaCy's
    # entities are names.
    title_case = any(t.lower_ in TITLE_CASE_TELLS and t.text.istitle() and not t.is_sent_start
                     for t in doc)

    def capitalised(t) -> bool:
        return (t.text[:1].isupper() and t.ent_type_ not in NOT_NAME_ENTITIES
                and t.lower_.rstrip(".") not in MONTHS and t.lower_ not in WEEKDAYS)

    def starts_name(t) -> bool:
        if not capitalised(t) or t.is_stop:
            return False
        if t.ent_type_ in NAME_ENTITIES:
            return True
        # A capital at the start of a sentence says nothing; nor does one in Title Case.
        return t.pos_ == "PROPN" and not t.is_sent_start and not title_case

    def continues_name(t) -> bool:
        # "Ana Lopez" (an unfamiliar surname tagged a noun), "Valle Rebel Front"
        return capitalised(t) and t.is_alpha and (t.ent_type_ in NAME_ENTITIES or not title_case)

    names: list[str] = []
    run: list = []
    for t in [*doc, None]:
        if t is not None and (starts_name(t) or (run and continues_name(t))):
            run.append(t)
            continue
        joins = t is not None and run and t.lower_ in NAME_PARTICLES and t.i + 1 < len(doc)
        if joins and continues_name(doc[t.i + 1]):
            run.append(t)  # "Cerro de Valle": the particle joins two name words
            continue
        if run:
            names.append(doc[run[0].i : run[-1].i + 1].text)
            run = []
    return list(dict.fromkeys(names))


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
                    json.loads(r["years"] or "[]"), page=r["page"], author=r["author"] or "")
            for r in rows
        ]
        self.position = {p.id: i for i, p in enumerate(self.passages)}
        # The years of every passage as flat arrays, so a period filter is one vector operation.
        self.year_owner = np.repeat(np.arange(len(self.passages)), [len(p.years) for p in self.passages])
        self.year_value = np.fromiter((y for p in self.passages for y in p.years), dtype=np.int64,
                                      count=len(self.year_owner))
        self.undated_since = _undated_since(self.passages)
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
        self._article_of: np.ndarray | None = None  # passage -> article number, for the names check
        self._outlet_terms: set[str] = set()
        self._terms_of: dict[str, list[str]] = {}
        self._by_source: dict[str, list[Passage]] | None = None
        self._outlets: set[str] | None = None
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
        return self.by_source().get(source, [])

    def by_source(self) -> dict[str, list[Passage]]:
        """{article: its chunks, in order}, made once (read it, do not change it)."""
        if self._by_source is None:
            by_source: dict[str, list[Passage]] = defaultdict(list)
            for p in self.passages:  # chunk_rows() come ordered by article and position
                by_source[p.source].append(p)
            self._by_source = dict(by_source)
        return self._by_source

    def outlets(self) -> set[str]:
        """Every outlet an article of the index names."""
        if self._outlets is None:
            self._outlets = {p.outlet for p in self.passages if p.outlet}
        return self._outlets

    def unknown_names(self, question: str) -> list[str]:
        """Names in the question (of people, places, groups: "Ana Lopez", "Valle Front") that no article
        contains, as the question writes them. Accents and case are ignored, a plural or
        possessive matches its word, and a name of several words is known when one article
        holds all its distinctive words."""
        if self._article_of is None:
            # Built once, then published whole: a question asked meanwhile builds its own.
            outlets = {t for outlet in {p.outlet for p in self.passages} for t in tokenize(outlet)}
            terms_of: dict[str, list[str]] = defaultdict(list)
            for term in self.postings:
                terms_of[_fold(term)].append(term)
            sources = {s: i for i, s in enumerate(dict.fromkeys(p.source for p in self.passages))}
            self._outlet_terms, self._terms_of = {_fold(t) for t in outlets}, terms_of
            self._article_of = np.fromiter((sources[p.source] for p in self.passages), dtype=np.int64,
                                           count=len(self.passages))
        return [name for name in question_names(question) if not self._contains(name)]

    def _contains(self, name: str) -> bool:
        # 'the Andes Daily and Valle Post articles': two names, each known on its own (one an outlet).
        parts = re.split(r"\s+(?:and|or|&)\s+", name)
        if len(parts) > 1:
            return all(self._contains(part) for part in parts)
        words = [w for w in (_fold(t) for t in tokenize(name)) if len(w) > 1 and not w.isdigit()
                 and w not in NAME_PARTICLES and w not in TITLES]
        if not words:
            return True
        if all(w in self._outlet_terms for w in words):
            return True
        articles: set[int] | None = None
        for w in words:
            ids = [self.postings[t][0] for t in self._terms_of.get(w, [])]
            found = set(np.unique(self._article_of[np.concatenate(ids)]).tolist()) if ids else set()
            articles = found if articles is None else articles & found
            if not articles:
                return False
        return True

    def in_period(self, period: Period, undated: bool = True) -> np.ndarray:
        """Which passages speak of a year in `period`, or may (`undated`): an article of unknown
        year published in it speaks of it without naming it ("on Monday, four soldiers were killed")."""
        allowed = np.zeros(len(self.passages), dtype=bool)
        inside = (self.year_value >= period.start) & (self.year_value <= period.end)
        allowed[self.year_owner[inside]] = True
        if undated and period.start <= date.today().year:
            # One that names no year at all gives no sign of any period: left out, as dated ones are.
            allowed |= (self.undated_since > 0) & (self.undated_since <= period.end)
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


def _undated_since(passages: list[Passage]) -> np.ndarray:
    """For each passage of an article with no known date, the earliest year it can have been
    published: the latest past year the article names (0 when it names none); -1 for a dated one.
    A year after this one ('a plan for 2030') bounds nothing."""
    this_year = date.today().year
    latest: dict[str, int] = defaultdict(int)
    for p in passages:
        if not p.date:
            latest[p.source] = max([latest[p.source], *(y for y in p.years if y <= this_year)])
    return np.fromiter((latest[p.source] if not p.date else -1 for p in passages), dtype=np.int64,
                       count=len(passages))


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
    if allowed is not None:
        # A passage let in only because its article's year is unknown must also share a word
        # with the question: else an undated article on anything fills the slots a period leaves.
        named = index.in_period(period, undated=False)
        shares = {i for i, _ in (keyword or index.search(question, limit, allowed))}
        # (unless that leaves nothing: a question in another language shares no word with any)
        dense = [(i, d) for i, d in dense if named[i] or i in shares] or dense

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


def retrieve_within(question: str, settings: Settings, store: Store, sources: set[str],
                    limit: int) -> list[Passage]:
    """The passages of the articles `sources` that bear most on `question` (dense and keyword
    rankings fused): the rest of a question the event table answered in part."""
    from index.embed import embed

    index = keyword_index(store)
    allowed = np.array([p.source in sources for p in index.passages], dtype=bool)
    if not allowed.any():
        return []
    dense = dense_search(store, index, embed([question], settings)[0], limit, allowed)
    keyword = index.search(question, limit, allowed)
    fused: dict[int, float] = defaultdict(float)
    for ranking in (dense, keyword):
        for rank, (i, _) in enumerate(ranking, start=1):
            fused[i] += 1 / (RRF_K + rank)
    return [index.passages[i] for i in sorted(fused, key=lambda i: -fused[i])[:limit]]


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
