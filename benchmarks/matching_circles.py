"""Circles performance: the circle engine against a first-fit greedy on synthetic companies.

    .venv/bin/python benchmarks/matching_circles.py [--sizes 200,2000] [--seed 7] [--limit 60]

A size is a number of members, all from `benchmarks/company.py` (everyone offers and wants
skills). For each pool, `tandem.matching.engine.form_circles` runs with a time limit, then a
first-fit greedy on the same pool, with the engine's own rule checks and scores, so that only
the search differs. Figures go to `benchmarks/results/matching_circles.json`.
"""

import argparse
import gc
import random
import resource
import time
import tracemalloc
from dataclasses import asdict
from uuid import UUID

import numpy as np
from company import PERIOD, Json, name_of, person, settings_of, skill_catalogue, write_report

from tandem.matching.engine import Participant, Weights
from tandem.matching.engine.circles import (
    CircleResult,
    CircleRules,
    features,
    fits,
    form_circles,
    room_for,
    total_points,
)

FORBIDDEN_PER_MEMBER = 1
RULES = CircleRules(
    min_size=4,
    max_size=6,
    experienced_level=5,
    max_per_department=2,
    session_minutes=60,
    shared_language_required=True,
)
WEIGHTS = Weights()


def company(members: int, seed: int) -> tuple[list[Participant], set[frozenset[UUID]]]:
    """`members` people and one random forbidden pair per member, all from `seed`."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    skills = skill_catalogue(rng)
    people = [person(rng, "member", skills, offers=True, wants=True) for _ in range(members)]
    forbidden = {
        frozenset((someone.person_id, rng.choice(people).person_id))
        for someone in people
        for _ in range(FORBIDDEN_PER_MEMBER)
    }
    return people, {pair for pair in forbidden if len(pair) == 2}


# The engine ------------------------------------------------------------------------------------


def run_engine(
    people: list[Participant], forbidden: set[frozenset[UUID]], seed: int, limit: float
) -> Json:
    def solve() -> CircleResult:
        return form_circles(
            people,
            RULES,
            WEIGHTS,
            PERIOD,
            forbidden=forbidden,
            seed=seed,
            time_limit_seconds=limit,
        )

    gc.collect()
    started = time.perf_counter()
    result = solve()
    wall = time.perf_counter() - started
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats = result.stats
    sizes = [len(c.member_ids) for c in result.circles]
    reasons = [u.reason for u in result.unplaced]
    # A second, identical run under tracemalloc, which slows allocation: only its peak counts.
    del result
    gc.collect()
    tracemalloc.start()
    again = solve()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Tracing can make the second run hit the time limit; only two full runs must agree.
    finished = {stats.stopped, again.stats.stopped} <= {"exact", "converged"}
    assert not finished or again.stats.value == stats.value, "the same seed, another answer"
    traced_stop = again.stats.stopped
    del again
    return {
        "status": stats.status,
        "stopped": stats.stopped,
        "placed": stats.value.placed,
        "circles": len(sizes),
        "sizes": {str(n): sizes.count(n) for n in sorted(set(sizes))},
        "quality": stats.value.quality,
        "mean_score": round(stats.value.quality / max(stats.value.placed, 1), 1),
        "bound": asdict(stats.bound),
        "placed_gap": round(stats.placed_gap, 4),
        "quality_gap": round(stats.quality_gap, 4),
        "unplaced_reasons": {r: reasons.count(r) for r in sorted(set(reasons))},
        "exact_people": stats.exact_people,
        "rounds": stats.rounds,
        "improving_moves": stats.improving_moves,
        "seconds": round(wall, 3),
        "phase_seconds": {phase: round(s, 3) for phase, s in stats.seconds.items()},
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "traced_run_stopped": traced_stop,
        "max_rss_mib_after": round(max_rss / 2**20, 1),
    }


# The greedy baseline ---------------------------------------------------------------------------


def run_greedy(people: list[Participant], forbidden: set[frozenset[UUID]], seed: int) -> Json:
    """Members in a seeded random order each join the first circle (in the order they were
    opened) that still keeps the rules with them, or open a new one; circles that end below
    `min_size` or without anyone experienced are dissolved. Rules and scores are the engine's."""
    started = time.perf_counter()
    order = np.random.default_rng(seed).permutation(len(people)).tolist()
    pool = features([people[k] for k in order], RULES, WEIGHTS, PERIOD, forbidden)
    scored = time.perf_counter()
    circles: list[list[int]] = []
    for member in range(len(order)):
        home = next((c for c in circles if room_for(pool, RULES, [*c, member])), None)
        if home is None:
            circles.append([member])
        else:
            home.append(member)
    kept = [c for c in circles if fits(pool, RULES, c)]
    scores = [round(total_points(pool, c) / len(c)) * len(c) for c in kept]
    wall = time.perf_counter() - started
    placed = sum(len(c) for c in kept)
    return {
        "placed": placed,
        "circles": len(kept),
        "quality": sum(scores),
        "mean_score": round(sum(scores) / max(placed, 1), 1),
        "seconds": round(wall, 3),
        "phase_seconds": {
            "scoring": round(scored - started, 3),
            "picking": round(wall - (scored - started), 3),
        },
    }


# The report ------------------------------------------------------------------------------------


def print_table(runs: dict[str, Json]) -> None:
    print(
        f"\n{'pool':<6} {'method':<8} {'placed':>7} {'circles':>8} {'quality':>10} "
        f"{'mean':>6} {'seconds':>8}  note"
    )
    for name, run in runs.items():
        engine, greedy = run["engine"], run["greedy"]
        bound = engine["bound"]
        engine_note = (
            f"{engine['status']}, {engine['stopped']} after {engine['rounds']} rounds; bound "
            f"{bound['placed']:,} placed (gap {engine['placed_gap']:.1%}), quality "
            f"{bound['quality']:,} (gap {engine['quality_gap']:.1%}); "
            f"peak {engine['tracemalloc_peak_mib']:.0f} MiB traced"
        )
        greedy_note = f"scoring {greedy['phase_seconds']['scoring']:.2f}"
        for method, figures, note in (
            ("engine", engine, engine_note),
            ("greedy", greedy, greedy_note),
        ):
            print(
                f"{name:<6} {method:<8} {figures['placed']:>7,} {figures['circles']:>8,} "
                f"{figures['quality']:>10,} {figures['mean_score']:>6} "
                f"{figures['seconds']:>8.2f}  {note}"
            )


def main(arguments: argparse.Namespace) -> None:
    runs: dict[str, Json] = {}
    for members in arguments.sizes:
        name = name_of(members)
        people, forbidden = company(members, arguments.seed + members)
        print(f"{name}: {len(people):,} members, {len(forbidden):,} forbidden pairs", flush=True)
        engine = run_engine(people, forbidden, arguments.seed, arguments.limit)
        print(f"  engine {engine['seconds']:.2f} s", flush=True)
        greedy = run_greedy(people, forbidden, arguments.seed)
        print(f"  greedy {greedy['seconds']:.2f} s", flush=True)
        inputs = {"members": len(people), "forbidden_pairs": len(forbidden)}
        runs[name] = {"inputs": inputs, "engine": engine, "greedy": greedy}
    print_table(runs)
    settings = settings_of(RULES, PERIOD) | {"time_limit_seconds": arguments.limit}
    write_report("matching_circles", arguments.seed, settings, runs, {})


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[200, 2000],
        help="member counts, comma-separated",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=float, default=60.0, help="engine time limit, seconds")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
