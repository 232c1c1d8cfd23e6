"""Explaining a pair engine's answer: each proposal criterion by criterion, and for everyone
left unmatched why, and which single rule relaxation would match them.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, get_args

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import GRID_MINUTES
from tandem.matching.engine.checks import pair_positions
from tandem.matching.engine.flow import Candidates, Edges
from tandem.matching.engine.scoring import (
    Pool,
    Scored,
    evaluate_block,
    points_per_criterion,
    score_pairs,
    short_weeks,
)
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    Contribution,
    Criterion,
    HardRule,
    ObjectiveValue,
    Proposal,
    RelaxableRule,
    Relaxation,
    Unmatched,
    Week,
)

_EXPLAIN_BLOCK_ROWS = 64
# Rules an admin can loosen. Seniority only in peer programs, as max_level_gap: the direction
# of the other kinds is what the program is. Forbidden pairs and capacities never.
_RELAXABLE: tuple[HardRule, ...] = (
    "min_weekly_overlap_minutes",
    "department_policy",
    "shared_language_required",
    "max_time_zone_distance_hours",
)


def pair_proposals(
    pool: Pool, pinned: Sequence[tuple[int, int]], chosen: Edges
) -> tuple[Proposal, ...]:
    pin_rows, pin_cols = pair_positions(pinned)
    rows = np.concatenate([pin_rows, chosen.rows])
    cols = np.concatenate([pin_cols, chosen.cols])
    found = score_pairs(pool, rows, cols)
    ids = pool.people.ids
    proposals = [
        Proposal(
            mentor_id=ids[mentor],
            mentee_id=ids[mentee],
            score=points_scored,
            pinned=k < len(pinned),
            contributions=contributions,
        )
        for k, (mentee, mentor, points_scored, contributions) in enumerate(
            zip(
                pool.mentee_person[rows].tolist(),
                pool.mentor_person[cols].tolist(),
                found.score.tolist(),
                _contributions(found, points_per_criterion(pool.weights)),
                strict=True,
            )
        )
    ]
    return tuple(sorted(proposals, key=lambda p: (p.mentee_id.int, p.mentor_id.int)))


def _contributions(
    found: Scored, points: Mapping[Criterion, float]
) -> list[tuple[Contribution, ...]]:
    """Each pair's contributions, criterion by criterion. Most pairs share their values with
    others (levels, clock gaps, departments, few skill ratios), so a contribution is made once
    per distinct value, found by its bits (which tell -0.0 and NaNs apart), and shared: it is
    frozen."""
    columns = []
    for c in CRITERIA:
        raw, normalized = found.raw[c], found.normalized[c]
        made: dict[tuple[int, int], Contribution] = {}
        column = []
        for key, value, share in zip(
            zip(_bits(raw), _bits(normalized), strict=True),
            raw.tolist(),
            normalized.tolist(),
            strict=True,
        ):
            contribution = made.get(key)
            if contribution is None:
                contribution = made[key] = Contribution(c, value, share, points[c] * share)
            column.append(contribution)
        columns.append(column)
    return list(zip(*columns, strict=True))


def _bits(values: NDArray[np.floating[Any]]) -> list[int]:
    bits: list[int] = values.view(np.dtype(f"u{values.itemsize}")).tolist()
    return bits


def objective_value(proposals: Sequence[Proposal]) -> ObjectiveValue:
    scores = [p.score for p in proposals]
    return ObjectiveValue(len(scores), min(scores, default=None), sum(scores))


def unmatched_mentees(
    rest: Pool, pinned: Sequence[tuple[int, int]], candidates: Candidates, chosen: Edges
) -> tuple[Unmatched, ...]:
    """Everyone who could be a mentee and is in no pair, with the reasons."""
    pin_rows, pin_cols = pair_positions(pinned)
    placed = np.zeros(len(rest.people.ids), dtype=bool)
    placed[rest.mentee_person[np.concatenate([pin_rows, chosen.rows])]] = True
    placed[rest.mentor_person[np.concatenate([pin_cols, chosen.cols])]] = True
    rows = np.flatnonzero(rest.active_row & ~placed[rest.mentee_person])
    degree = candidates.row_degree
    room = np.flatnonzero(rest.capacity - np.bincount(chosen.cols, minlength=rest.cols) > 0)
    return unmatched_with_reasons(rest, rows, room, degree, candidates.removed_by, HARD_RULES)


def unmatched_with_reasons(
    pool: Pool,
    rows: NDArray[np.int64],
    others: NDArray[np.int64],
    degree: NDArray[np.int64],
    removed_by: NDArray[np.int64],
    rules: Sequence[HardRule],
) -> tuple[Unmatched, ...]:
    """The people of mentee `rows` left in no pair, by id: each with their number of candidates
    (`degree`), the mentors each rule removed (`removed_by`, a column per rule of `rules`),
    and the single rule changes that would pair them with one of the mentor columns `others`,
    cheapest first."""
    relaxations: list[list[Relaxation]] = []
    for start in range(0, len(rows), _EXPLAIN_BLOCK_ROWS):
        relaxations += _relaxations(pool, rows[start : start + _EXPLAIN_BLOCK_ROWS], others)
    overlap = rules.index("min_weekly_overlap_minutes")
    short = _closest_short_weeks(pool, rows[(degree[rows] == 0) & (removed_by[rows, overlap] > 0)])
    unmatched = [
        Unmatched(
            person_id=pool.people.ids[pool.mentee_person[row]],
            reason="candidates_taken" if degree[row] else "no_candidates",
            candidates=int(degree[row]),
            removed_by={
                rule: int(count)
                for rule, count in zip(rules, removed_by[row], strict=True)
                if count
            },
            relaxations=_cheapest_first(found),
            short_weeks=short.get(row, ()),
        )
        for row, found in zip(rows.tolist(), relaxations, strict=True)
    ]
    return tuple(sorted(unmatched, key=lambda u: u.person_id.int))


def _relaxations(
    pool: Pool, rows: NDArray[np.int64], room: NDArray[np.int64]
) -> list[list[Relaxation]]:
    """Per row, for each rule that alone keeps it from a mentor with `room`: the smallest
    change of that rule that lets the pair through."""
    found: list[list[Relaxation]] = [[] for _ in rows]
    if len(room) == 0:
        return found
    # Availability matters for pairs that fail one cheap rule and nothing else.
    verdict = evaluate_block(pool, rows, room, cheap_failures_counted=1)
    failures = {
        rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)
        for rule in HARD_RULES
    }
    relaxable = _RELAXABLE + (("seniority",) if pool.rules.kind == "peer" else ())
    for rule in relaxable:
        i, j = np.nonzero(_only_failing(failures, rule) & verdict.candidate)
        if rule == "min_weekly_overlap_minutes":
            changes = _overlap_changes(pool, rows, room, i, j, verdict.weakest_week[i, j])
        else:
            pairs = score_pairs(pool, rows[i], room[j], verdict.common_slots[i, j])
            changes = _smallest_changes(pool, rule, i, pairs)
        for position, relaxation in changes:
            found[position].append(relaxation)
    return found


def _only_failing(failures: Mapping[HardRule, NDArray[np.bool_]], rule: HardRule) -> Any:
    others = np.logical_or.reduce([failures[other] for other in HARD_RULES if other != rule])
    return failures[rule] & ~others


def _overlap_changes(
    pool: Pool,
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    weakest: NDArray[np.signedinteger[Any]],
) -> list[tuple[int, Relaxation]]:
    """(row, relaxation) for each row among `i` whose pairs (rows[i], cols[j]) only the weekly
    overlap blocks: down to the weakest week of its best pair, naming the weeks that pair
    falls short in."""
    if len(i) == 0:
        return []
    current = pool.rules.min_weekly_overlap_minutes
    order = np.lexsort((-weakest, i))
    positions, starts = np.unique(i[order], return_index=True)
    best = order[starts]
    weeks = short_weeks(pool, rows[i[best]], cols[j[best]], current)
    return [
        (
            position,
            Relaxation(
                "min_weekly_overlap_minutes",
                current,
                minutes,
                (current - minutes) / current,
                short,
            ),
        )
        for position, minutes, short in zip(
            positions.tolist(), (weakest[best] * GRID_MINUTES).tolist(), weeks, strict=True
        )
    ]


def _closest_short_weeks(pool: Pool, rows: NDArray[np.int64]) -> dict[int, tuple[Week, ...]]:
    """For mentee `rows` whom the weekly overlap alone keeps from some mentors: the weeks they
    fall short of it in with the mentor whose weakest week is best."""
    found: dict[int, tuple[Week, ...]] = {}
    minimum = pool.rules.min_weekly_overlap_minutes
    for start in range(0, len(rows), _EXPLAIN_BLOCK_ROWS):
        block = rows[start : start + _EXPLAIN_BLOCK_ROWS]
        verdict = evaluate_block(pool, block, cheap_failures_counted=0)
        failures = {
            rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)
            for rule in HARD_RULES
        }
        blocked = _only_failing(failures, "min_weekly_overlap_minutes") & verdict.candidate
        closest = np.where(blocked, verdict.weakest_week, -1).argmax(axis=1)
        weeks = short_weeks(pool, block, closest, minimum)
        found |= {
            row: short
            for row, short, some in zip(block.tolist(), weeks, blocked.any(axis=1), strict=True)
            if some
        }
    return found


def _smallest_changes(
    pool: Pool, rule: HardRule, i: NDArray[np.int64], found: Scored
) -> list[tuple[int, Relaxation]]:
    """(row, relaxation) for each row among `i` whose pairs, `found`, only `rule` blocks."""
    rules = pool.rules
    if rule == "department_policy":
        switched = Relaxation(rule, rules.department_policy, "any", 1.0)
        return [(position, switched) for position in np.unique(i).tolist()]
    if rule == "shared_language_required":
        switched = Relaxation(rule, True, False, 1.0)
        return [(position, switched) for position in np.unique(i).tolist()]
    if rule == "max_time_zone_distance_hours":
        current = rules.max_time_zone_distance_hours or 0
        hours = np.ceil(found.raw["time_zone"]).astype(np.int64)
        return [
            (position, Relaxation(rule, current, best, (best - current) / best))
            for position, best in _best_per_row(i, hours, np.minimum)
        ]
    current = rules.max_level_gap or 0
    gaps = np.abs(found.raw["seniority"]).astype(np.int64)
    return [
        (position, Relaxation("max_level_gap", current, best, (best - current) / best))
        for position, best in _best_per_row(i, gaps, np.minimum)
    ]


def _best_per_row(
    i: NDArray[np.int64], values: NDArray[np.int64], best: np.ufunc
) -> list[tuple[int, int]]:
    """(row, best value) for each row that has values; rows given by `i` in ascending order."""
    rows, starts = np.unique(i, return_index=True)
    return list(zip(rows.tolist(), best.reduceat(values, starts).tolist(), strict=True))


def _cheapest_first(relaxations: Iterable[Relaxation]) -> tuple[Relaxation, ...]:
    order = get_args(RelaxableRule)
    return tuple(sorted(relaxations, key=lambda r: (r.given_up, order.index(r.rule))))
