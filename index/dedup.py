"""Near-duplicate articles: the same story saved twice, once with page clutter, re-posted
by a syndication partner. One copy stays canonical; the others point at it."""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence

SHINGLE_WORDS = 5
SAMPLE_MOD = 4  # 1 in 4 shingles become candidate keys: cheap, and near-duplicates share many


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
    candidates: dict[int, list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    for i, s in enumerate(sets):
        # The sampled shingles, plus the smallest hashes so that short texts get keys too.
        keys = {h for h in s if h % SAMPLE_MOD == 0} | set(sorted(s)[:8])
        for h in keys:
            for j in candidates[h]:
                pairs.add((j, i))
            candidates[h].append(i)
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
