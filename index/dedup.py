"""Near-duplicate articles: the same story saved twice, once with page clutter, re-posted
by a syndication partner. One copy stays canonical; the others point at it."""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence

SHINGLE_WORDS = 5


def shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE_WORDS:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {
        zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def containment(a: set[int], b: set[int]) -> float:
    """Share of the smaller text's shingles found in the larger one."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_duplicates(
    texts: Sequence[str], rank: Sequence[tuple] | None = None, threshold: float = 0.8
) -> dict[int, int]:
    """Map index -> index of its canonical copy, for every text that duplicates another.

    Two texts are duplicates when `threshold` of the shorter one's shingles occur in the longer
    one and neither is less than half the other's length (a brief quoted inside a long round-up
    is not a duplicate of it). Within a group the copy with the best `rank` (lowest) is kept.
    """
    sets = [shingles(t) for t in texts]
    rank = rank or [(i,) for i in range(len(texts))]
    pairs = _candidate_pairs(sets, threshold)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(pairs):
        a, b = sets[i], sets[j]
        if min(len(a), len(b)) < 0.5 * max(len(a), len(b)):
            continue
        if containment(a, b) >= threshold:
            ri, rj = root(i), root(j)
            if ri != rj:
                keep, drop = (ri, rj) if rank[ri] <= rank[rj] else (rj, ri)
                parent[drop] = keep
    return {i: root(i) for i in range(len(texts)) if root(i) != i}


def _candidate_pairs(sets: list[set[int]], threshold: float) -> set[tuple[int, int]]:
    """Every pair that can pass the length and containment checks, and few others (prefix
    filtering). With each text's shingles ordered rarest first, a smaller text `a` sharing
    need = ceil(threshold * |a|) shingles with `b` (|b| <= 2|a|) shares one among its first
    |a| - need + 1 with the first |b| - ceil(threshold * |b| / 2) + 1 of `b`. Phrases that
    many articles share come last, so they rarely make pairs: comparing every pair that
    shares any phrase grows with the square of the corpus."""
    df = Counter(h for s in sets for h in s)
    ordered = [sorted(s, key=lambda h: (df[h], h)) for s in sets]
    indexed: dict[int, list[int]] = defaultdict(list)
    for j, shingles_ in enumerate(ordered):
        for h in shingles_[: len(shingles_) - _at_least(threshold * len(shingles_) / 2) + 1]:
            indexed[h].append(j)
    pairs: set[tuple[int, int]] = set()
    for i, shingles_ in enumerate(ordered):
        n = len(shingles_)
        for h in shingles_[: n - _at_least(threshold * n) + 1]:
            for j in indexed[h]:
                if j != i and n <= len(ordered[j]) <= 2 * n:
                    pairs.add((min(i, j), max(i, j)))
    return pairs


def _at_least(x: float) -> int:
    """ceil(x), forgiving float noise (0.8 * 5 is 4.000000000000001): a bound too high would lose pairs."""
    return math.ceil(x - 1e-9)
