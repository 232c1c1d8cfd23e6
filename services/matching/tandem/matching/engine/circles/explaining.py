"""Explaining: each circle's members and contributions, why the unplaced are unplaced,
and which loosened rule would place them."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import get_args

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import GRID_MINUTES, MINUTES_PER_DAY
from tandem.matching.engine.circles.bound import placeable_people, skill_coverage
from tandem.matching.engine.circles.people import People, language_masks
from tandem.matching.engine.circles.search import Search
from tandem.matching.engine.circles.sets import total_points
from tandem.matching.engine.circles.types import (
    CIRCLE_CRITERIA,
    CIRCLE_RULES,
    Circle,
    CircleContribution,
    CircleCriterion,
    CircleRelaxation,
    CircleRules,
    RelaxableCircleRule,
    Unplaced,
)
from tandem.matching.engine.scoring import ENOUGH_WEEKLY_OVERLAP_MINUTES, MAX_TIME_ZONE_HOURS
from tandem.matching.engine.types import Participant

# No relaxation proposes circles smaller than this: three people are a group, two a pair.
_SMALLEST_CIRCLE = 3


def explained_circle(people: People, members: Sequence[int]) -> Circle:
    ordered = sorted(members, key=lambda m: people.ids[m].int)
    runs, free = -1, -1
    for member in ordered:
        runs &= people.runs[member]
        free &= people.free[member]
    first = (runs & -runs).bit_length() - 1
    return Circle(
        member_ids=tuple(people.ids[m] for m in ordered),
        score=round(total_points(people, ordered) / len(ordered)),
        first_session=people.period_start + timedelta(minutes=GRID_MINUTES * first),
        weekly_free_minutes=free.bit_count() * GRID_MINUTES,
        contributions=_contributions(people, ordered, free.bit_count() * GRID_MINUTES),
    )


def _contributions(
    people: People, members: Sequence[int], minutes: int
) -> tuple[CircleContribution, ...]:
    size = len(members)
    pairs = [(m, o) for m in members for o in members if m != o]
    skill = [skill_coverage(people, m, [o for o in members if o != m]) for m in members]
    shares = [s / people.points["skill_fit"] if people.points["skill_fit"] else 0.0 for s in skill]
    interests = [_jaccard(people.interests[m], people.interests[o]) for m, o in pairs]
    departments = [_different_departments(people, m, o) for m, o in pairs]
    hours = [_hours_apart(people.utc_offset[m], people.utc_offset[o]) for m, o in pairs]
    mean_hours = sum(hours) / len(pairs)
    raw: dict[CircleCriterion, tuple[float, float]] = {
        "skill_fit": (sum(shares) / size, sum(shares) / size),
        "interests": (sum(interests) / len(pairs), sum(interests) / len(pairs)),
        "cross_department": (sum(departments) / len(pairs), sum(departments) / len(pairs)),
        "time_zone": (mean_hours, 1 - mean_hours / MAX_TIME_ZONE_HOURS),
        "availability": (minutes, min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)),
    }
    return tuple(
        CircleContribution(c, raw[c][0], raw[c][1], people.points[c] * raw[c][1])
        for c in CIRCLE_CRITERIA
    )


def _different_departments(people: People, member: int, other: int) -> float:
    mine, theirs = people.department[member], people.department[other]
    return float(mine >= 0 and theirs >= 0 and mine != theirs)


def _jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def _hours_apart(left: int, right: int) -> float:
    apart = abs(left - right)
    return min(apart, MINUTES_PER_DAY - apart) / 60


def unplaced_people(
    people: People,
    placeable: NDArray[np.bool_],
    search: Search,
    relaxations: Callable[[list[int]], dict[int, tuple[CircleRelaxation, ...]]],
) -> tuple[Unplaced, ...]:
    left = [p for p in range(len(people.ids)) if p not in search.circle_of]
    stuck = [p for p in left if people.runs[p] and not placeable[p]]
    relaxed = relaxations(stuck)
    unplaced = [
        Unplaced(
            person_id=people.ids[p],
            reason=(
                "no_weekly_slot"
                if not people.runs[p]
                else "circles_taken"
                if placeable[p]
                else "no_possible_circle"
            ),
            compatible=len(people.pair[p]),
            removed_by={
                rule: int(n)
                for rule, n in zip(CIRCLE_RULES, people.removed_by[p].tolist(), strict=True)
                if n
            },
            relaxations=relaxed.get(p, ()),
        )
        for p in left
    ]
    return tuple(sorted(unplaced, key=lambda u: u.person_id.int))


def relaxation_finder(
    participants: Sequence[Participant], people: People, rules: CircleRules
) -> Callable[[list[int]], dict[int, tuple[CircleRelaxation, ...]]]:
    """For people no circle could hold: each group rule's smallest change after which one
    could (see `placeable_people`), cheapest first."""

    def relax(stuck: list[int]) -> dict[int, tuple[CircleRelaxation, ...]]:
        found: dict[int, list[CircleRelaxation]] = {p: [] for p in stuck}
        for relaxed, change in _loosened(rules) if stuck else ():
            view = replace(
                people,
                languages=language_masks(participants, relaxed),
                experienced=[p.job_level >= relaxed.experienced_level for p in participants],
            )
            placeable = placeable_people(view, relaxed)
            for p in stuck:
                if placeable[p] and all(r.rule != change.rule for r in found[p]):
                    found[p].append(change)
        order = get_args(RelaxableCircleRule)
        return {
            p: tuple(sorted(changes, key=lambda r: (r.given_up, order.index(r.rule))))
            for p, changes in found.items()
        }

    return relax


def _loosened(rules: CircleRules) -> Iterator[tuple[CircleRules, CircleRelaxation]]:
    """Each rule loosened step by step, the smallest change first."""
    for size in range(rules.min_size - 1, _SMALLEST_CIRCLE - 1, -1):
        given_up = (rules.min_size - size) / rules.min_size
        yield (
            replace(rules, min_size=size),
            CircleRelaxation("min_size", rules.min_size, size, given_up),
        )
    for cap in range(rules.max_per_department + 1, rules.max_size + 1):
        given_up = (cap - rules.max_per_department) / cap
        yield (
            replace(rules, max_per_department=cap),
            CircleRelaxation("max_per_department", rules.max_per_department, cap, given_up),
        )
    for level in range(rules.experienced_level - 1, 0, -1):
        given_up = (rules.experienced_level - level) / rules.experienced_level
        yield (
            replace(rules, experienced_level=level),
            CircleRelaxation("experienced_level", rules.experienced_level, level, given_up),
        )
    if rules.shared_language_required:
        yield (
            replace(rules, shared_language_required=False),
            CircleRelaxation("shared_language_required", True, False, 1.0),
        )
