"""The matching engine for mentor↔mentee programs (traditional, reverse, onboarding, peer).

A pure function of its inputs: no I/O, and the same pool, rules, weights and seed give the
same proposals (only the recorded wall times vary). Every pair is scored on six criteria; the
program's hard rules remove candidate pairs; a min-cost flow (OR-Tools) then picks the pairs,
which is proven optimal because the assignment matrix is totally unimodular.

- `match` proposes pairs, explains each one criterion by criterion, and says for everyone left
  unmatched why, and which single rule relaxation would match them.
- `score` gives the full score table of a pool, for what-if comparisons of weights and rules.

Mutual pairing (a general graph) and circles are separate formulations, in `mutual` and
`circles`.
"""

from collections.abc import Collection, Sequence
from dataclasses import replace
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from tandem.matching.engine.checks import checked_pins, checked_pool, pair_positions
from tandem.matching.engine.explanations import (
    objective_value,
    pair_proposals,
    unmatched_mentees,
)
from tandem.matching.engine.flow import (
    Candidates,
    Edges,
    Network,
    Solved,
    collect_candidates,
    participation_first,
    quality_first,
)
from tandem.matching.engine.scoring import Pool, Stopwatch, evaluate_block, score_pairs
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    MatchResult,
    MatchStats,
    Objective,
    Participant,
    Period,
    Pin,
    Rules,
    ScoreTable,
    Weights,
)

__all__ = ["STABILITY_BONUS", "match", "score"]

# What keeping a pending proposal is worth to a re-solve, in score points: a repair moves
# someone already proposed only for a clearly better answer.
STABILITY_BONUS = 150


# The engine --------------------------------------------------------------------------------------


def match(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    pins: Sequence[Pin] = (),
    keep: Collection[Pin] = (),
    objective: Objective = "participation_first",
    seed: int = 0,
    keep_per_person: int | None = None,
) -> MatchResult:
    """Propose mentor↔mentee pairs for a pool.

    "participation_first" matches as many mentees as possible, then makes the worst pair as
    good as possible, then the total score; "quality_first" maximizes the total score (then the
    matched count), leaving a mentee unmatched when that frees a mentor for better pairs. Pins
    are in every answer and use their mentor's capacity; a pin that breaks a hard rule raises
    `InvalidPin`. Forbidden pairs naming people outside the pool are ignored. The seed breaks
    ties between equally good answers.

    `keep_per_person` prunes candidates before the flows: each mentee's and each mentor's best
    edges are kept (ties with the last one too). Each answer is then proven optimal over every
    candidate edge (by a min cut for the matched count and the worst pair, by node potentials
    for the total), and edges that could improve it are brought back until none can: pruning
    changes the time, never the answer.
    """
    stopwatch = Stopwatch()
    with stopwatch.phase("scoring"):
        pool = checked_pool(participants, rules, weights, period, forbidden, seed)
    pinned = checked_pins(pool, pins)
    rest = pool.with_pins(pinned)
    candidates = _favouring(rest, collect_candidates(rest, keep_per_person, stopwatch), keep)
    network = Network(rest.rows, rest.capacity)
    with stopwatch.phase("solving"):
        solved = _solve(candidates, network, objective, _worst_score(pool, pinned))
    with stopwatch.phase("explaining"):
        proposals = pair_proposals(pool, pinned, solved.chosen)
        unmatched = unmatched_mentees(rest, pinned, candidates, solved.chosen)
    value = objective_value(proposals)
    stats = MatchStats(
        objective=objective,
        status="optimal",
        value=value,
        bound=value,
        gap=0.0,
        mentees=pool.rows,
        mentors=pool.cols,
        candidate_edges=len(candidates.edges),
        solved_edges=solved.solved_edges,
        seconds=dict(stopwatch.seconds),
    )
    return MatchResult(proposals, unmatched, stats)


def score(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    seed: int = 0,
) -> ScoreTable:
    """The whole score table of a pool, with each criterion and each rule's verdict. It holds
    mentees * mentors entries per array, so it is meant for pools of a few thousand; `match`
    scores larger pools block by block."""
    pool = checked_pool(participants, rules, weights, period, forbidden, seed)
    verdict = evaluate_block(pool, np.arange(pool.rows, dtype=np.int64))
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    people = [index[p.person_id] for p in participants]
    rows = pool.row_of_person[people]
    cols = pool.col_of_person[people]
    rows, cols = rows[rows >= 0], cols[cols >= 0]
    every_row, every_col = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    grid = np.ix_(rows, cols)
    scored = score_pairs(pool, every_row, every_col, verdict.common_slots[grid].ravel())
    shape = (len(rows), len(cols))
    return ScoreTable(
        mentee_ids=tuple(pool.people.ids[p] for p in pool.mentee_person[rows]),
        mentor_ids=tuple(pool.people.ids[p] for p in pool.mentor_person[cols]),
        scores=scored.score.reshape(shape),
        allowed=verdict.feasible[grid],
        removed_by={
            rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)[grid]
            for rule in HARD_RULES
        },
        raw={c: scored.raw[c].reshape(shape) for c in CRITERIA},
        normalized={c: scored.normalized[c].reshape(shape) for c in CRITERIA},
    )


# Solving -----------------------------------------------------------------------------------------


def _favouring(pool: Pool, candidates: Candidates, keep: Collection[Pin]) -> Candidates:
    """The candidates with the edges of `keep` worth `STABILITY_BONUS` more, and kept."""
    codes = _edge_codes(pool, keep)
    if len(codes) == 0:
        return candidates
    everything, favoured = _with_bonus(pool, candidates.edges, codes)
    return replace(candidates, edges=everything, is_kept=candidates.is_kept | favoured)


def _with_bonus(
    pool: Pool, edges: Edges, codes: NDArray[np.int64]
) -> tuple[Edges, NDArray[np.bool_]]:
    favoured = np.isin(_codes_of(pool, edges), codes)
    return Edges(edges.rows, edges.cols, edges.scores + STABILITY_BONUS * favoured), favoured


def _codes_of(pool: Pool, edges: Edges) -> NDArray[np.int64]:
    codes: NDArray[np.int64] = edges.rows.astype(np.int64) * pool.cols + edges.cols
    return codes


def _edge_codes(pool: Pool, pairs: Collection[Pin]) -> NDArray[np.int64]:
    """Edge codes of the pairs whose mentee row and mentor column are in the pool."""
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    codes = [
        int(pool.row_of_person[index[pair.mentee_id]]) * pool.cols
        + int(pool.col_of_person[index[pair.mentor_id]])
        for pair in pairs
        if pair.mentee_id in index
        and pair.mentor_id in index
        and pool.row_of_person[index[pair.mentee_id]] >= 0
        and pool.col_of_person[index[pair.mentor_id]] >= 0
    ]
    return np.array(codes, dtype=np.int64)


def _solve(
    candidates: Candidates, network: Network, objective: Objective, worst_pinned: int | None
) -> Solved:
    if objective == "participation_first":
        return participation_first(candidates, network, worst_pinned)
    return quality_first(candidates, network)


def _worst_score(pool: Pool, pinned: Sequence[tuple[int, int]]) -> int | None:
    scores = score_pairs(pool, *pair_positions(pinned)).score
    return int(scores.min()) if len(scores) else None
