"""Circles as sets of people: whether members fit, whether one more has room, their points."""

from collections import Counter
from collections.abc import Sequence

from tandem.kit.availability import GRID_MINUTES
from tandem.matching.engine.circles.bound import skill_coverage
from tandem.matching.engine.circles.people import People
from tandem.matching.engine.circles.types import CircleRules
from tandem.matching.engine.scoring import ENOUGH_WEEKLY_OVERLAP_MINUTES


def fits(people: People, rules: CircleRules, members: Sequence[int]) -> bool:
    """Whether the members make a circle: every hard rule, the size included."""
    return (
        rules.min_size <= len(members)
        and room_for(people, rules, members)
        and any(people.experienced[m] for m in members)
    )


def room_for(people: People, rules: CircleRules, members: Sequence[int]) -> bool:
    """Whether the members could be part of a circle: every hard rule but the minimum size and
    the experienced member."""
    if len(members) > rules.max_size:
        return False
    runs, languages = -1, -1
    for k, member in enumerate(members):
        runs &= people.runs[member]
        languages &= people.languages[member]
        pair = people.pair[member]
        if any(other not in pair for other in members[:k]):
            return False
    if not runs or not languages:
        return False
    counts = Counter(people.department[m] for m in members if people.department[m] >= 0)
    return max(counts.values(), default=0) <= rules.max_per_department


def total_points(people: People, members: Sequence[int]) -> float:
    """The sum of the members' points: the circle's score times its size."""
    size = len(members)
    pairwise = sum(people.pair[m][o] for i, m in enumerate(members) for o in members[i + 1 :])
    skills = sum(
        skill_coverage(people, m, [o for o in members if o != m])
        for m in members
        if people.wants[m]
    )
    return skills + 2 * pairwise / (size - 1) + size * _availability_points(people, members)


def _availability_points(people: People, members: Sequence[int]) -> float:
    free = -1
    for member in members:
        free &= people.free[member]
    minutes = free.bit_count() * GRID_MINUTES
    return people.points["availability"] * min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)
