"""The bound: who can be placed at all, and the most points each person could bring."""

from collections.abc import Collection, Sequence

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import GRID_MINUTES
from tandem.matching.engine.circles.people import People, bit_flags
from tandem.matching.engine.circles.slots import SLOTS_PER_WEEK
from tandem.matching.engine.circles.types import CircleRules, CircleValue
from tandem.matching.engine.scoring import ENOUGH_WEEKLY_OVERLAP_MINUTES


def upper_bound(
    people: People,
    rules: CircleRules,
    placeable: NDArray[np.bool_],
    groups: Sequence[Sequence[int]],
) -> CircleValue:
    """The bound over the given groups of compatible people; see the module docstring. A group
    also places at most `max_size` people per experienced placeable member: each circle needs
    one. Quality is bounded per person and rounded up per circle."""
    placed, quality = 0, 0.0
    for group in groups:
        members = [p for p in group if placeable[p]]
        experienced = sum(people.experienced[p] for p in members)
        placed += min(len(members), rules.max_size * experienced)
        quality += sum(_best_points(people, rules, p, placeable) for p in members)
    return CircleValue(placed, int(np.ceil(quality + placed / 2)))


def placeable_people(people: People, rules: CircleRules) -> NDArray[np.bool_]:
    """Who has a session slot and a language (a "bucket") shared by at least `min_size`
    people once each department is capped, someone experienced among them. Forbidden pairs
    are left out, which only makes it more generous."""
    n = len(people.ids)
    runs = bit_flags(people.runs, SLOTS_PER_WEEK)
    languages = bit_flags(people.languages, max(m.bit_length() for m in people.languages))
    department = np.array(people.department, dtype=np.int64)
    experienced = np.array(people.experienced, dtype=bool)
    codes = np.where(department >= 0, department, department.max(initial=0) + 1 + np.arange(n))
    onehot = np.zeros((n, int(codes.max(initial=0)) + 1), dtype=np.int64)
    onehot[np.arange(n), codes] = 1
    placeable = np.zeros(n, dtype=bool)
    for speaks in languages.T:
        per_department = onehot[speaks].T @ runs[speaks]
        capped = np.minimum(per_department, rules.max_per_department).sum(axis=0)
        senior = experienced[speaks] @ runs[speaks]
        viable = (capped >= rules.min_size) & (senior >= 1)
        placeable[speaks] |= (runs[speaks] & viable).any(axis=1)
    return placeable


def _best_points(
    people: People, rules: CircleRules, person: int, placeable: NDArray[np.bool_]
) -> float:
    """Points no circle can beat for a placeable person. Their circle has at least
    `min_size - 1` others, so the mean of its pairwise terms is at most that of their best
    ones, and its common free time at most the shortest they share with any of those."""
    others = rules.min_size - 1
    mates = [q for q in people.pair[person] if placeable[q]]
    pairwise = sorted(people.pair[person][q] for q in mates)[-others:]
    common = sorted((people.free[person] & people.free[q]).bit_count() for q in mates)
    minutes = common[-others] * GRID_MINUTES if len(common) >= others else 0
    return (
        skill_coverage(people, person, mates)
        + sum(pairwise) / max(len(pairwise), 1)
        + people.points["availability"] * min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)
    )


def skill_coverage(people: People, person: int, others: Collection[int]) -> float:
    """Skill points of `person` among `others`: each wanted skill at the best proficiency."""
    return sum(
        weight * max((people.offers[o].get(skill, 0) for o in others), default=0)
        for skill, weight in people.wants[person]
    )
