"""Hybrid ranking: keyword (BM25 over words and character bigrams) and semantic (sentence-vector cosine)
candidates, fused by weighted normalised scores, then re-ranked by IPC feedback.

IPC feedback learns from the patents the platform holds: the best fused candidates vote, by their fused
score, for the IPC subclasses they carry; that gives an estimated subclass profile of the need. Each
candidate then gains by how well its own subclasses agree with that profile (a soft Jaccard overlap).
Patents about the same technology share subclasses even when they share few words, so the profile pulls
them up and pushes down patents that matched a word in another field of technology.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipops.search.keyword import KeywordIndex
from ipops.search.vectors import VectorIndex


@dataclass
class Match:
    id: str
    score: float
    keyword: float = 0.0  # normalised keyword score (0..1)
    semantic: float = 0.0  # cosine
    feedback: float = 0.0  # agreement with the estimated IPC profile (0..1)
    shared_subclasses: list[str] = field(default_factory=list)


@dataclass
class Ranked:
    matches: list[Match]
    profile: dict[str, float]  # estimated IPC subclass profile of the query


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    top = max(scores.values())
    low = min(scores.values())
    span = top - low
    if span <= 1e-9:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - low) / span for k, v in scores.items()}


def profile_of(ranked: list[tuple[str, float]], vectors: VectorIndex, docs: int) -> dict[str, float]:
    votes: dict[str, float] = defaultdict(float)
    total = 0.0
    for pid, weight in ranked[:docs]:
        weight = max(weight, 0.0)
        subs = vectors.subclasses_of(pid)
        if not subs:
            continue
        total += weight
        for s in subs:
            votes[s] += weight
    if total <= 0:
        return {}
    return {s: v / total for s, v in votes.items()}


def agreement(subs: list[str], profile: dict[str, float], mass: float) -> float:
    """Soft Jaccard between a subclass set and a fuzzy subclass profile of total mass `mass`."""
    if not subs or not profile:
        return 0.0
    inter = sum(profile.get(s, 0.0) for s in subs)
    union = len(subs) + mass - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Candidates:
    keyword: dict[str, float]  # raw BM25
    semantic: dict[str, float]  # cosine


def candidates(
    *,
    keyword_index: KeywordIndex | None,
    vectors: VectorIndex | None,
    query_text: str,
    query_vector: np.ndarray | None,
    k: int,
    exclude: set[str] | None = None,
) -> Candidates:
    """The keyword and the semantic top k, each scored by the other signal too (cosine for keyword hits)."""
    kw: dict[str, float] = {}
    sem: dict[str, float] = {}
    if keyword_index is not None:
        query = keyword_index.natural(query_text)
        if query is not None:
            kw = dict(keyword_index.search(query, limit=k).hits)
    if vectors is not None and query_vector is not None and len(vectors):
        sem = dict(vectors.search(query_vector, k))
        sem.update(vectors.scores_for(query_vector, [p for p in kw if p not in sem]))
    if exclude:
        kw = {p: s for p, s in kw.items() if p not in exclude}
        sem = {p: s for p, s in sem.items() if p not in exclude}
    return Candidates(kw, sem)


def fuse(
    found: Candidates,
    *,
    vectors: VectorIndex | None,
    config: dict[str, Any],
    mode: str = "hybrid",
    top: int = 10,
) -> Ranked:
    """Rank candidates: keyword-only, semantic-only, or hybrid (fused scores + IPC feedback)."""
    if mode == "keyword":
        kw, sem = found.keyword, {}
    elif mode == "semantic":
        k = int(config["candidates"])
        kw, sem = {}, dict(sorted(found.semantic.items(), key=lambda i: -i[1])[:k])
    else:
        kw, sem = found.keyword, found.semantic
    kw_n = _normalise(kw)
    sem_n = _normalise(sem)
    wk = float(config["keyword_weight"]) if mode != "semantic" else 0.0
    ws = float(config["semantic_weight"]) if mode != "keyword" else 0.0
    fused = {pid: wk * kw_n.get(pid, 0.0) + ws * sem_n.get(pid, 0.0) for pid in set(kw_n) | set(sem_n)}
    ordered = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    profile: dict[str, float] = {}
    lam = float(config["feedback_weight"]) if mode == "hybrid" else 0.0
    if vectors is not None and ordered:
        profile = profile_of(ordered, vectors, int(config["feedback_docs"]))
    mass = sum(profile.values())
    matches = []
    for pid, score in ordered:
        subs = vectors.subclasses_of(pid) if vectors is not None else []
        agree = agreement(subs, profile, mass) if lam else 0.0
        matches.append(
            Match(
                id=pid,
                score=score + lam * agree,
                keyword=kw_n.get(pid, 0.0),
                semantic=found.semantic.get(pid, 0.0),
                feedback=agree,
                shared_subclasses=[s for s in subs if profile.get(s, 0.0) >= 0.2],
            )
        )
    matches.sort(key=lambda m: (-m.score, m.id))
    return Ranked(matches[:top], profile)


def rank(
    *,
    keyword_index: KeywordIndex | None,
    vectors: VectorIndex | None,
    query_text: str,
    query_vector: np.ndarray | None,
    config: dict[str, Any],
    mode: str = "hybrid",
    top: int = 10,
    exclude: set[str] | None = None,
) -> Ranked:
    found = candidates(
        keyword_index=keyword_index if mode != "semantic" else None,
        vectors=vectors if mode != "keyword" else None,
        query_text=query_text,
        query_vector=query_vector,
        k=int(config["candidates"]),
        exclude=exclude,
    )
    return fuse(found, vectors=vectors, config=config, mode=mode, top=top)
