"""Mutual matching performance: the engine against a greedy baseline on synthetic companies.

    .venv/bin/python benchmarks/matching_mutual.py [--sizes 1000,5000] [--seed 7]

A size is a number of people, each offering and wanting skills, all free to pair with anyone
the rules allow. Every pool is generated from the seed, so the same arguments give the same
people. For each pool, `tandem.matching.engine.match_mutual` runs participation_first, exact up
to 3,000 people and pruned to each person's 10 best pairs above, then a greedy baseline on the
same candidate pairs. Figures go to `benchmarks/results/matching_mutual.json`; see
`benchmarks/README.md` for what each one means.
"""

import argparse
import gc
import random
import resource
import time
import tracemalloc
from dataclasses import dataclass
from importlib.metadata import version
from uuid import UUID

import numpy as np
from company import PERIOD, Json, name_of, person, settings_of, skill_catalogue, write_report

from tandem.matching.engine import MatchResult, Participant, Rules, Weights, mutual
from tandem.matching.engine.pruning import KEEP_PER_EQUAL, PRUNE_ABOVE
from tandem.matching.engine.scoring import Stopwatch

FORBIDDEN_PER_PERSON = 2
RULES = Rules(
    kind="mutual",
    department_policy="cross_department",
    max_level_gap=3,
    min_weekly_overlap_minutes=60,
    shared_language_required=True,
    max_time_zone_distance_hours=6,
)
WEIGHTS = Weights()


# The synthetic company -------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    people: list[Participant]
    forbidden: set[frozenset[UUID]]


def company(size: int, seed: int) -> Company:
    """`size` people who each offer and want skills, and two forbidden pairs per person."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    skills = skill_catalogue(rng)
    people = [person(rng, "either", skills, offers=True, wants=True) for _ in range(size)]
    forbidden = {
        frozenset((one.person_id, rng.choice(people).person_id))
        for one in people
        for _ in range(FORBIDDEN_PER_PERSON)
    }
    return Company(people, {pair for pair in forbidden if len(pair) == 2})


# The engine ------------------------------------------------------------------------------------


def run_engine(pool: Company, seed: int) -> Json:
    keep = KEEP_PER_EQUAL if len(pool.people) > PRUNE_ABOVE else None

    def solve() -> MatchResult:
        return mutual.match_mutual(
            pool.people,
            RULES,
            WEIGHTS,
            PERIOD,
            forbidden=pool.forbidden,
            objective="participation_first",
            seed=seed,
            keep_per_person=keep,
        )

    gc.collect()
    started = time.perf_counter()
    result = solve()
    wall = time.perf_counter() - started
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    stats, unmatched = result.stats, len(result.unmatched)
    # A second, identical run under tracemalloc, which slows allocation: only its peak counts.
    del result
    gc.collect()
    tracemalloc.start()
    again = solve()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert again.stats.value == stats.value
    del again
    return {
        "keep_per_person": keep,
        "status": stats.status,
        "pairs": stats.value.matched,
        "unmatched": unmatched,
        "worst_score": stats.value.worst_score,
        "total_score": stats.value.total_score,
        "bound": {"worst_score": stats.bound.worst_score, "total_score": stats.bound.total_score},
        "gap": stats.gap,
        "candidate_edges": stats.candidate_edges,
        "solved_edges": stats.solved_edges,
        "seconds": round(wall, 3),
        "phase_seconds": {phase: round(s, 3) for phase, s in stats.seconds.items()},
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib_after": round(max_rss / 2**20, 1),
    }


# The greedy baseline ---------------------------------------------------------------------------


def run_greedy(pool: Company, seed: int) -> Json:
    """The best pair first, then the best pair of two people still free, and so on (ties: the
    pair first in the engine's order). The candidate pairs and their scores are the engine's
    own, from the same private functions `match_mutual` calls, so that both methods choose
    among the same pairs; the scoring is timed, without pruning."""
    started = time.perf_counter()
    stopwatch = Stopwatch()
    everyone = mutual.mutual_pool(pool.people, RULES, WEIGHTS, PERIOD, pool.forbidden, seed)
    pairs = mutual.collect_pairs(everyone, [], None, stopwatch).pairs
    middle = time.perf_counter()
    order = np.argsort(-pairs.score, kind="stable")
    free = [True] * pairs.people
    taken: list[int] = []
    for low, high, score in zip(
        pairs.low[order].tolist(),
        pairs.high[order].tolist(),
        pairs.score[order].tolist(),
        strict=True,
    ):
        if free[low] and free[high]:
            free[low] = free[high] = False
            taken.append(score)
            if len(taken) == pairs.people // 2:
                break
    wall = time.perf_counter() - started
    return {
        "pairs": len(taken),
        "unmatched": len(pool.people) - 2 * len(taken),
        "worst_score": min(taken, default=None),
        "total_score": sum(taken),
        "seconds": round(wall, 3),
        "phase_seconds": {
            "scoring": round(middle - started, 3),
            "picking": round(wall - (middle - started), 3),
        },
    }


# The machine and the report --------------------------------------------------------------------


def print_table(runs: dict[str, Json]) -> None:
    print(
        f"\n{'pool':<6} {'method':<8} {'pairs':>6} {'worst':>6} {'total':>11} {'seconds':>8}  note"
    )
    for name, run in runs.items():
        engine, greedy = run["engine"], run["greedy"]
        phases = ", ".join(f"{p} {s:.2f}" for p, s in engine["phase_seconds"].items())
        engine_note = (
            f"{engine['status']}, {engine['solved_edges']:,} of {engine['candidate_edges']:,}"
            f" edges; bound worst {engine['bound']['worst_score']}, total"
            f" {engine['bound']['total_score']:,} (gap {engine['gap']:.3%}); {phases};"
            f" peak {engine['tracemalloc_peak_mib']:.0f} MiB traced"
        )
        greedy_note = (
            f"scoring {greedy['phase_seconds']['scoring']:.2f}, "
            f"picking {greedy['phase_seconds']['picking']:.2f}"
        )
        for method, figures, note in (
            ("engine", engine, engine_note),
            ("greedy", greedy, greedy_note),
        ):
            worst = "-" if figures["worst_score"] is None else figures["worst_score"]
            print(
                f"{name:<6} {method:<8} {figures['pairs']:>6,} {worst:>6} "
                f"{figures['total_score']:>11,} {figures['seconds']:>8.2f}  {note}"
            )


# Main ------------------------------------------------------------------------------------------


def main(arguments: argparse.Namespace) -> None:
    runs: dict[str, Json] = {}
    for size in arguments.sizes:
        name = name_of(size)
        pool = company(size, arguments.seed + size)
        print(f"{name}: {len(pool.people):,} people", flush=True)
        engine = run_engine(pool, arguments.seed)
        print(f"  engine {engine['seconds']:.2f} s", flush=True)
        greedy = run_greedy(pool, arguments.seed)
        print(f"  greedy {greedy['seconds']:.2f} s", flush=True)
        inputs = {"people": len(pool.people), "forbidden_pairs": len(pool.forbidden)}
        runs[name] = {"inputs": inputs, "engine": engine, "greedy": greedy}
    print_table(runs)
    extra = {"rustworkx": version("rustworkx")}
    write_report("matching_mutual", arguments.seed, settings_of(RULES, PERIOD), runs, extra)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[1000, 5000],
        help="numbers of people, comma-separated",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
