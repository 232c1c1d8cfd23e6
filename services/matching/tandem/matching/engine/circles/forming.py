"""`form_circles`, the circle engine: checks its input, then places people group by group."""

import time as clock
from collections.abc import Collection
from uuid import UUID

from tandem.kit.availability import GRID_MINUTES, MAX_RANGE_DAYS, MINUTES_PER_DAY
from tandem.matching.engine.checks import engine_order
from tandem.matching.engine.circles.bound import placeable_people, upper_bound
from tandem.matching.engine.circles.exact import solve_exactly
from tandem.matching.engine.circles.explaining import (
    explained_circle,
    relaxation_finder,
    unplaced_people,
)
from tandem.matching.engine.circles.people import compatible_groups, features
from tandem.matching.engine.circles.search import Search
from tandem.matching.engine.circles.types import (
    CIRCLE_CRITERIA,
    CircleResult,
    CircleRules,
    CircleStats,
    CircleValue,
    Stop,
)
from tandem.matching.engine.scoring import Stopwatch
from tandem.matching.engine.types import InvalidMatchInput, Participant, Period, Weights

_EXACT_UP_TO = 12


def form_circles(
    participants: Collection[Participant],
    rules: CircleRules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    seed: int = 0,
    time_limit_seconds: float = 60.0,
    exact_up_to: int = _EXACT_UP_TO,
) -> CircleResult:
    """Form circles from a pool; see the module docstring for the rules, the score and the
    search. The seed breaks ties and orders the search. Forbidden pairs naming people outside
    the pool are ignored. Raises `InvalidMatchInput` for input it cannot use."""
    deadline = clock.perf_counter() + time_limit_seconds
    stopwatch = Stopwatch()
    _check_rules(rules, weights, period)
    ordered = engine_order(participants, seed)
    with stopwatch.phase("scoring"):
        people = features(ordered, rules, weights, period, forbidden)
    with stopwatch.phase("filtering"):
        groups = compatible_groups(people)
        small = [g for g in groups if len(g) <= exact_up_to]
        large = [g for g in groups if len(g) > exact_up_to]
        placeable = placeable_people(people, rules)
        bound = upper_bound(people, rules, placeable, large)
    with stopwatch.phase("solving"):
        search = Search(people, rules, seed)
        proven = [solve_exactly(search, group, deadline) for group in small]
        exact_value = search.value()
        stopped: Stop = search.run([p for g in large for p in g], deadline) if large else "exact"
    with stopwatch.phase("explaining"):
        circles = tuple(
            sorted(
                (explained_circle(people, c) for c in search.circles),
                key=lambda c: c.member_ids[0].int,
            )
        )
        unplaced = unplaced_people(
            people, placeable, search, relaxation_finder(ordered, people, rules)
        )
    value = search.value()
    optimal = all(proven) and not large
    # Exactly solved groups count with their proven value; a packing cut short by the time
    # limit counts with the generous bound of its group instead.
    if not all(proven):
        bound = upper_bound(people, rules, placeable, groups)
        exact_value = CircleValue(0, 0)
    bound_value = CircleValue(
        exact_value.placed + bound.placed, max(exact_value.quality + bound.quality, value.quality)
    )
    stats = CircleStats(
        status="optimal" if optimal else "feasible",
        stopped=stopped,
        value=value,
        bound=bound_value,
        placed_gap=_gap(value.placed, bound_value.placed),
        quality_gap=_gap(value.quality, bound_value.quality),
        people=len(people.ids),
        exact_people=sum(len(g) for g in small),
        rounds=search.rounds,
        improving_moves=search.improving_moves,
        seconds=dict(stopwatch.seconds),
    )
    return CircleResult(circles, unplaced, stats)


def _gap(value: int, bound: int) -> float:
    return (bound - value) / bound if bound > 0 else 0.0


def _check_rules(rules: CircleRules, weights: Weights, period: Period) -> None:
    if not 2 <= rules.min_size <= rules.max_size:
        raise InvalidMatchInput(
            f"Circle sizes must run from at least 2 up: min_size {rules.min_size}, "
            f"max_size {rules.max_size}."
        )
    if rules.max_per_department < 1:
        raise InvalidMatchInput("max_per_department must be at least 1.")
    minutes = rules.session_minutes
    if not 0 < minutes <= MINUTES_PER_DAY or minutes % GRID_MINUTES:
        raise InvalidMatchInput(
            f"session_minutes must be a positive multiple of {GRID_MINUTES}, at most a day."
        )
    if any(getattr(weights, c) < 0 for c in CIRCLE_CRITERIA):
        raise InvalidMatchInput(f"Weights cannot be negative: {weights}.")
    days = (period.end - period.start).days + 1
    if not 1 <= days <= MAX_RANGE_DAYS:
        raise InvalidMatchInput(
            f"The period {period.start} to {period.end} must run forwards, "
            f"for at most {MAX_RANGE_DAYS} days."
        )
