"""Combining the judges' work in a pass/fail round and in a ranking round (a scored round is
domain/results/scoring.py). Pure functions over plain tuples: the rules are stated here, in
`VERDICT_RULE` and `RANKING_RULES`, and shown to organisers beside the results.

Pass / fail / unsure
    An entry's tally is the number of pass, unsure and fail verdicts of its submitted reviews. Entries
    are ordered by the share of passes (passes ÷ verdicts), then fewer fails, then more verdicts, then
    the reference. An entry passes when more than half its verdicts are passes.

Ranking, Borda count
    Each judge puts their k entries in order. The entry a judge places r-th (1 = best) gets
    (k − r) ÷ (k − 1) points from that judge (1 for the first, 0 for the last; a judge with one
    entry gives it 1), so a judge with a long list weighs no more than one with a short list. An
    entry's score is the mean of its points over the judges who ranked it. Ties are broken by the
    number of judges who ranked it first, then by the reference.

Ranking, Schulze method
    For every two entries a and b, d(a, b) is the number of judges who ranked both and put a above b.
    The strength of the strongest path from a to b is found (a path's strength is its weakest link,
    counting only links where d(x, y) > d(y, x)); a beats b when that strength exceeds the reverse.
    Entries are ordered by how many others they beat; ties are broken by the Borda score, then by the
    reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from awards.models.rounds import RANKING_METHODS

VERDICT_RULE = _l(
    "Entries are ordered by their share of pass verdicts, then fewer fails, then more verdicts, then the "
    "reference. An entry passes when more than half of its verdicts are passes."
)
# Each ranking method's rule with its tie-break, in the reader's language (the method's name is RANKING_METHODS').
RANKING_RULES = {
    "borda": _l(
        "A judge's first of k entries gets 1 point, the last 0, the others evenly between; an entry's score is the "
        "mean over the judges who ranked it. Ties are broken by the number of first places, then the reference."
    ),
    "schulze": _l(
        "An entry beats another when the strongest chain of head-to-head majorities from it to the other is "
        "stronger than the reverse; entries are ordered by how many others they beat. Ties are broken by the Borda "
        "score, then the reference."
    ),
}


def rule_text(method: str) -> str:
    """The method's rule without its name (beside a radio that names it)."""
    return str(RANKING_RULES["schulze" if method == "schulze" else "borda"])


def ranking_rule(method: str) -> str:
    """The method's name and rule: "Borda count: a judge's first of k entries gets 1 point, …"."""
    method = "schulze" if method == "schulze" else "borda"
    text = rule_text(method)
    return _("%(method)s: %(rule)s", method=RANKING_METHODS[method], rule=text[:1].lower() + text[1:])


def verdict_rule() -> str:
    return str(VERDICT_RULE)


# ---------------------------------------------------------------- pass / fail


@dataclass(frozen=True)
class Tally:
    nomination_id: int
    passes: int = 0
    unsure: int = 0
    fails: int = 0

    @property
    def verdicts(self) -> int:
        return self.passes + self.unsure + self.fails

    @property
    def pass_share(self) -> float | None:
        return self.passes / self.verdicts if self.verdicts else None

    @property
    def passed(self) -> bool:
        return self.verdicts > 0 and self.passes * 2 > self.verdicts


def tally(verdicts: Iterable[tuple[int, str]]) -> dict[int, Tally]:
    """(nomination id, "pass" | "fail" | "unsure") of each submitted review → each entry's tally."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    slot = {"pass": 0, "unsure": 1, "fail": 2}
    for nomination_id, verdict in verdicts:
        counts[nomination_id][slot[verdict]] += 1
    return {nid: Tally(nid, *c) for nid, c in counts.items()}


def order_by_tally(entries: Mapping[int, str], tallies: Mapping[int, Tally]) -> list[int]:
    """The entries (id → reference) in the pass/fail order; entries without a verdict come last."""

    def key(nid: int) -> tuple:
        t = tallies.get(nid, Tally(nid))
        share = t.pass_share
        return (share is None, -(share or 0.0), t.fails, -t.verdicts, entries[nid])

    return sorted(entries, key=key)


# ---------------------------------------------------------------- ranking


@dataclass(frozen=True)
class RankScore:
    nomination_id: int
    judges: int  # how many judges ranked it
    borda: float | None  # mean points, 0..1
    firsts: int  # how many judges ranked it first
    wins: int = 0  # Schulze: how many entries it beats


def _orders(placings: Iterable[tuple[int, int, int]]) -> dict[int, list[int]]:
    """(judge id, nomination id, rank) → each judge's entries, best first (ties in rank by nomination id)."""
    by_judge: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for judge_id, nomination_id, rank in placings:
        by_judge[judge_id].append((rank, nomination_id))
    return {j: [nid for _, nid in sorted(items)] for j, items in by_judge.items()}


def borda(placings: Iterable[tuple[int, int, int]]) -> dict[int, RankScore]:
    """Each entry's Borda score from the judges' orders (see the module's rule)."""
    points: dict[int, list[float]] = defaultdict(list)
    firsts: dict[int, int] = defaultdict(int)
    for order in _orders(placings).values():
        k = len(order)
        for position, nid in enumerate(order):
            points[nid].append(1.0 if k == 1 else (k - 1 - position) / (k - 1))
        firsts[order[0]] += 1
    return {
        nid: RankScore(nid, judges=len(p), borda=sum(p) / len(p), firsts=firsts.get(nid, 0))
        for nid, p in points.items()
    }


def order_by_borda(entries: Mapping[int, str], scores: Mapping[int, RankScore]) -> list[int]:
    def key(nid: int) -> tuple:
        s = scores.get(nid)
        return (s is None, -(s.borda or 0.0) if s else 0.0, -(s.firsts if s else 0), entries[nid])

    return sorted(entries, key=key)


def schulze_wins(nominations: Sequence[int], placings: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    """How many of the other entries each entry beats by the Schulze method (see the module's rule)."""
    index = {nid: i for i, nid in enumerate(nominations)}
    n = len(nominations)
    d = np.zeros((n, n), dtype=np.int64)
    for order in _orders(placings).values():
        ranked = [index[nid] for nid in order if nid in index]
        for i, a in enumerate(ranked):
            for b in ranked[i + 1 :]:
                d[a, b] += 1
    p = np.where(d > d.T, d, 0)
    for k in range(n):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    beats = p > p.T
    return {nid: int(beats[index[nid]].sum()) for nid in nominations}


def order_by_schulze(entries: Mapping[int, str], scores: Mapping[int, RankScore], wins: Mapping[int, int]) -> list[int]:
    def key(nid: int) -> tuple:
        s = scores.get(nid)
        return (s is None, -wins.get(nid, 0), -(s.borda or 0.0) if s else 0.0, entries[nid])

    return sorted(entries, key=key)


def rank_entries(
    method: str, entries: Mapping[int, str], placings: Sequence[tuple[int, int, int]]
) -> tuple[list[int], dict[int, RankScore]]:
    """The entries (id → reference, all of one category) in order by the method, with each one's scores."""
    scores = borda(p for p in placings if p[1] in entries)
    if method != "schulze":
        return order_by_borda(entries, scores), scores
    wins = schulze_wins(list(entries), [p for p in placings if p[1] in entries])
    scores = {
        nid: RankScore(s.nomination_id, s.judges, s.borda, s.firsts, wins=wins.get(nid, 0)) for nid, s in scores.items()
    }
    return order_by_schulze(entries, scores, wins), scores
