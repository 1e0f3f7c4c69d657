"""Which signatures are the same failure: hard blocking rules, then TF-IDF cosine similarity.

Blocking (never relaxed by any threshold): two signatures may only be joined when
- their exception types are equal (both absent counts as equal), and
- both have a crash site or neither has, and when both have: the same file stem and the same
  context line, compared by its words only (a reformatted line — quotes, spacing — is the same line);
  the same function when neither has a context line. Line numbers are never compared (a moved line
  keeps its text; a renamed function keeps its line).
So two different bugs — a different exception type, or a different crash site — are never merged.
Inside a block, a pair may be joined when the cosine similarity of their TF-IDF vectors reaches the
threshold: every such pair ('single_link') or, per new signature, only its most similar partner
('nearest'). Only pairs with at least one *new* signature are compared, so existing decisions are
never revisited (incremental and stable).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from models.clusters.documents import Signature

_CHUNK = 2000


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def block_key(sig: Signature) -> tuple:
    return (sig.exception_type, sig.has_crash_site, sig.crash_file)


def same_crash_site(a: Signature, b: Signature) -> bool:
    if not a.has_crash_site:
        return not b.has_crash_site
    if a.crash_file != b.crash_file:
        return False
    if a.crash_code_key is None and b.crash_code_key is None:
        return a.crash_function == b.crash_function
    return a.crash_code_key == b.crash_code_key


def compatible(a: Signature, b: Signature) -> bool:
    return block_key(a)[:2] == block_key(b)[:2] and same_crash_site(a, b)


def vectorize(sigs: list[Signature]):
    """L2-normalised TF-IDF rows (sublinear tf), one per signature."""
    docs = [s.tokens or [f"SIG:{s.signature}"] for s in sigs]
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2", lowercase=False)
    return vec.fit_transform(docs)


def similar_pairs(
    sigs: list[Signature], is_new: list[bool], threshold: float, method: str = "single_link"
) -> list[tuple[int, int, float]]:
    """(i, j, similarity) of every compatible pair, one of them new, with similarity >= threshold.

    `method`: 'single_link' keeps every such pair; 'nearest' keeps, per new signature, only its most
    similar partner (k=1, like Sentry's Seer).

    Templates already tied to a fingerprint (their records' tracebacks) take no part: their identity
    is fixed by that link, and a generic template must not bridge two clusters.
    """
    matrix = vectorize(sigs)
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, s in enumerate(sigs):
        if not (s.kind == "template" and s.linked_fingerprint):
            blocks[block_key(s)].append(i)
    pairs: list[tuple[int, int, float]] = []
    for members in blocks.values():
        new_pos = [k for k, i in enumerate(members) if is_new[i]]
        if len(members) < 2 or not new_pos:
            continue
        sub = matrix[np.array(members)]
        for start in range(0, len(new_pos), _CHUNK):  # bounded memory on large blocks
            chunk = new_pos[start : start + _CHUNK]
            sims = (sub[chunk] @ sub.T).tocoo()
            keep = sims.data >= threshold - 1e-9
            for r, c, v in zip(
                sims.row[keep].tolist(), sims.col[keep].tolist(), sims.data[keep].tolist(), strict=True
            ):
                a, b = members[chunk[r]], members[c]
                if a == b or (is_new[b] and b < a):  # new-new pairs are seen twice: keep one
                    continue
                if same_crash_site(sigs[a], sigs[b]):
                    pairs.append((a, b, float(v)))
    if method == "nearest":
        best: dict[int, tuple[int, int, float]] = {}
        for a, b, v in pairs:
            for new in (x for x in (a, b) if is_new[x]):
                if new not in best or v > best[new][2]:
                    best[new] = (a, b, v)
        pairs = sorted(set(best.values()))
    elif method != "single_link":
        raise ValueError(f"unknown clustering method {method!r} (single_link | nearest)")
    return pairs


class UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def components(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return out
