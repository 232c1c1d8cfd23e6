"""Matching engine performance: the engine against a greedy baseline on synthetic companies.

    .venv/bin/python benchmarks/matching.py [--sizes 1000,10000,50000] [--seed 7]

A size is a number of mentees; the pool around it has 2 mentors for every 5 mentees (1,000
mentees and 400 mentors for "1k", 10,000 and 4,000 for "10k", 50,000 and 20,000 for "50k":
a billion pairs). Every pool is generated from the seed, so the same arguments give the same
people. For each pool, `tandem.matching.engine.match` runs as the service runs it
(participation_first, `keep_per_person=50` above 3,000 people), then a greedy baseline on the
same pool. Figures go to `benchmarks/results/matching.json`;
see `benchmarks/README.md` for what each one means.
"""

import argparse
import gc
import random
import resource
import time
import tracemalloc
from dataclasses import dataclass
from uuid import UUID

import numpy as np
from company import PERIOD, Json, name_of, person, settings_of, skill_catalogue, write_report

from tandem.matching.engine import MatchResult, Participant, Rules, Weights, match
from tandem.matching.engine.flow import collect_candidates
from tandem.matching.engine.pruning import KEEP_PER_PERSON, PRUNE_ABOVE
from tandem.matching.engine.scoring import Stopwatch, build_pool

MENTORS_PER_MENTEE = 2 / 5
FORBIDDEN_PER_MENTEE = 2
RULES = Rules(
    kind="traditional",
    department_policy="cross_department",
    min_weekly_overlap_minutes=60,
    shared_language_required=True,
    max_time_zone_distance_hours=6,
)
WEIGHTS = Weights()


# The synthetic company -------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    mentees: list[Participant]
    mentors: list[Participant]
    forbidden: set[frozenset[UUID]]

    @property
    def participants(self) -> list[Participant]:
        return self.mentees + self.mentors


def company(mentees: int, seed: int) -> Company:
    """A pool of `mentees` mentees and 2/5 as many mentors (capacity 1-3), all from `seed`."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    skills = skill_catalogue(rng)
    mentors = round(mentees * MENTORS_PER_MENTEE)
    people = [person(rng, "mentee", skills, offers=False, wants=True) for _ in range(mentees)]
    helpers = [person(rng, "mentor", skills, offers=True, wants=False) for _ in range(mentors)]
    forbidden = {
        frozenset((mentee.person_id, rng.choice(helpers).person_id))
        for mentee in people
        for _ in range(FORBIDDEN_PER_MENTEE)
    }
    return Company(people, helpers, forbidden)


# The engine ------------------------------------------------------------------------------------


def run_engine(pool: Company, seed: int) -> Json:
    people = len(pool.participants)
    keep = KEEP_PER_PERSON if people > PRUNE_ABOVE else None

    def solve() -> MatchResult:
        return match(
            pool.participants,
            RULES,
            WEIGHTS,
            PERIOD,
            forbidden=pool.forbidden,
            objective="participation_first",
            seed=seed,
            keep_per_person=keep,
        )

    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = solve()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
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
        "matched": stats.value.matched,
        "unmatched": unmatched,
        "worst_score": stats.value.worst_score,
        "total_score": stats.value.total_score,
        "candidate_edges": stats.candidate_edges,
        "solved_edges": stats.solved_edges,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "phase_seconds": {phase: round(s, 3) for phase, s in stats.seconds.items()},
        "tracemalloc_peak_mib": round(peak / 2**20, 1),
        "max_rss_mib_after": round(max_rss / 2**20, 1),
    }


# The greedy baseline ---------------------------------------------------------------------------


def run_greedy(pool: Company, seed: int) -> Json:
    """Mentees in a seeded random order each take their best-scoring allowed mentor with
    capacity left (the first such mentor in input order on a tie). Scores and rule verdicts
    are the engine's own: every feasible pair and its score, from the engine's candidate
    collection without pruning, so the greedy pays what the engine pays for scoring, once."""
    people = pool.participants
    started, cpu_started = time.perf_counter(), time.process_time()
    scored = build_pool(people, RULES, WEIGHTS, PERIOD, list(pool.forbidden))
    candidates = collect_candidates(scored, None, Stopwatch())
    middle = time.perf_counter()
    mentor_of_col = scored.mentor_person - len(pool.mentees)  # people are mentees, then mentors
    first_edge = np.concatenate([[0], np.cumsum(candidates.row_degree)])
    room = np.array([mentor.capacity for mentor in pool.mentors], dtype=np.int64)
    taken: list[int] = []
    for mentee in np.random.default_rng(seed).permutation(len(pool.mentees)).tolist():
        row = scored.row_of_person[mentee]
        edges = slice(first_edge[row], first_edge[row + 1])
        mentors = mentor_of_col[candidates.edges.cols[edges]]
        scores = np.where(room[mentors] > 0, candidates.edges.scores[edges], -1)
        if len(scores) and scores.max() >= 0:
            best = mentors[scores == scores.max()].min()
            room[best] -= 1
            taken.append(int(scores.max()))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "matched": len(taken),
        "unmatched": len(pool.mentees) - len(taken),
        "worst_score": min(taken, default=None),
        "total_score": sum(taken),
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "phase_seconds": {
            "scoring": round(middle - started, 3),
            "picking": round(wall - (middle - started), 3),
        },
    }


# The machine and the report --------------------------------------------------------------------


def inputs(pool: Company) -> Json:
    return {
        "mentees": len(pool.mentees),
        "mentors": len(pool.mentors),
        "people": len(pool.participants),
        "mentor_capacity": sum(mentor.capacity for mentor in pool.mentors),
        "forbidden_pairs": len(pool.forbidden),
    }


def print_table(runs: dict[str, Json]) -> None:
    print(
        f"\n{'pool':<5} {'method':<7} {'matched':>8} {'worst':>6} {'total':>11} {'seconds':>8}"
        f" {'cpu':>7} {'scoring':>8} {'solving':>8} {'peak MiB':>9}  status"
    )
    for name, run in runs.items():
        engine, greedy = run["engine"], run["greedy"]
        for method, figures in (("engine", engine), ("greedy", greedy)):
            phases = figures["phase_seconds"]
            worst = "-" if figures["worst_score"] is None else figures["worst_score"]
            # The engine's scoring and filtering are one pass over the pairs, as the greedy's.
            scoring = phases["scoring"] + phases.get("filtering", 0.0)
            solving = phases.get("solving", phases.get("picking"))
            peak = engine["tracemalloc_peak_mib"] if method == "engine" else "-"
            status = (
                f"{engine['status']} ({engine['solved_edges']:,} of"
                f" {engine['candidate_edges']:,} edges solved)"
                if method == "engine"
                else "no proof"
            )
            print(
                f"{name:<5} {method:<7} {figures['matched']:>8,} {worst:>6} "
                f"{figures['total_score']:>11,} {figures['seconds']:>8.2f} "
                f"{figures['cpu_seconds']:>7.2f} {scoring:>8.2f} {solving:>8.2f} {peak:>9}"
                f"  {status}"
            )


# Main ------------------------------------------------------------------------------------------


def main(arguments: argparse.Namespace) -> None:
    runs: dict[str, Json] = {}
    for mentees in arguments.sizes:
        name = name_of(mentees)
        pool = company(mentees, arguments.seed + mentees)
        print(f"{name}: {len(pool.mentees):,} mentees, {len(pool.mentors):,} mentors", flush=True)
        engine = run_engine(pool, arguments.seed)
        print(f"  engine {engine['seconds']:.2f} s", flush=True)
        greedy = run_greedy(pool, arguments.seed)
        print(f"  greedy {greedy['seconds']:.2f} s", flush=True)
        runs[name] = {"inputs": inputs(pool), "engine": engine, "greedy": greedy}
    print_table(runs)
    write_report("matching", arguments.seed, settings_of(RULES, PERIOD), runs, {})


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[1000, 10_000, 50_000],
        help="mentee counts, comma-separated (mentors are 2/5 of each)",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
