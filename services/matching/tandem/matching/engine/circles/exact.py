"""Exact solving of small groups: every feasible circle listed, then a set packing by CP-SAT."""

import time as clock
from collections.abc import Sequence
from itertools import combinations

from ortools.sat.python import cp_model

from tandem.matching.engine.circles.search import Search
from tandem.matching.engine.circles.sets import fits, total_points
from tandem.matching.engine.scoring import MAX_SCORE


def solve_exactly(search: "Search", group: Sequence[int], deadline: float) -> bool:
    """Every feasible circle of the group listed, then the best packing by CP-SAT, placed count
    first. Returns whether the packing is proven optimal."""
    people, rules = search.people, search.rules
    options = [
        list(members)
        for size in range(rules.min_size, min(rules.max_size, len(group)) + 1)
        for members in combinations(group, size)
        if fits(people, rules, members)
    ]
    if not options:
        return True
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"circle_{k}") for k in range(len(options))]
    for person in group:
        model.add_at_most_one(chosen[k] for k, c in enumerate(options) if person in c)
    per_person = MAX_SCORE * len(group) + 1
    model.maximize(
        sum(
            var * len(c) * (per_person + round(total_points(people, c) / len(c)))
            for var, c in zip(chosen, options, strict=True)
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - clock.perf_counter(), 0.1)
    # One worker keeps the answer deterministic; the LP with cuts solves set packing quickly.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    for var, members in zip(chosen, options, strict=True):
        if solver.boolean_value(var):
            search.add_circle(members)
    return bool(status == cp_model.OPTIMAL)
