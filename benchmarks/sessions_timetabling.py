"""The service's own cohort timetabling, end to end without the database: each mentorship's
candidate series from the scheduler (`tandem.sessions.planning.candidate_series`, as
`planning.timetable` asks for them), then `plan_cohort` on them, `--repeat` times in this
process (the machine is shared: each run keeps the load average before it, and the spread is
reported). Then the candidates twice more, to compare in the same run: over kit's process
pool, and the baseline that was the service's before `best_series`, three `plan_series` calls
per mentorship each with the earlier weekly times taken; all three must give the same plans.

    .venv/bin/python benchmarks/sessions_timetabling.py [--mentorships 2000] [--processes 2]
        [--repeat 3]

Mentors have 1 to 3 mentees each (so the solver has people to keep apart), everyone with the
calendars of `sessions.py` but no Tandem sessions yet (a new cohort), biweekly over its 12
weeks, with the service's default settings (3 candidates, 15-minute buffer, caps of 2 a day
and 3 a week, a 20 s solver limit). Figures go to the "timetabling"
section of `benchmarks/results/sessions.json`.
"""

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sessions import (
    DURATION_MINUTES,
    HORIZON,
    HORIZON_START,
    REGIONS,
    Json,
    band,
    candidate_series_before,
    member,
    write_section,
)

from tandem.kit.contracts.profiles import Cadence
from tandem.kit.processes import process_pool
from tandem.sessions.planning import candidate_series, solver_candidates
from tandem.sessions.scheduling import MemberCalendar, SeriesPlan
from tandem.sessions.scheduling.cohort import CohortMentorship, CohortRules, plan_cohort
from tandem.sessions.settings import SessionsSettings

TARGET_SECONDS = 30
FIRST_DAY = HORIZON_START.date()
LAST_DAY = (HORIZON_START + HORIZON).date() - timedelta(days=1)
CHUNK = 25  # mentorships per task sent to a pool process


def defaults() -> dict[str, Any]:
    return {name: field.default for name, field in SessionsSettings.model_fields.items()}


def pairs(rng: random.Random, count: int) -> list[list[MemberCalendar]]:
    """`count` mentorships as (mentor, mentee), a mentor's mentees in the mentor's region."""
    found: list[list[MemberCalendar]] = []
    while len(found) < count:
        region = rng.choice(REGIONS)
        shared = band(rng, ZoneInfo(region[0]))
        mentor = newcomer(rng, rng.choice(region), shared)
        for _ in range(rng.choice((1, 1, 2, 3))):
            found.append([mentor, newcomer(rng, rng.choice(region), shared)])
    return found[:count]


def newcomer(
    rng: random.Random, zone_name: str, shared: Sequence[tuple[datetime, datetime]]
) -> MemberCalendar:
    """`sessions.member`'s calendar without Tandem sessions: the cohort is new (its people's
    sessions would count against the caps per day and week)."""
    return replace(member(rng, zone_name, shared), sessions=())


def three_calls(members: Sequence[MemberCalendar], count: int, buffer: int) -> list[SeriesPlan]:
    return candidate_series_before(
        members,
        Cadence.BIWEEKLY,
        FIRST_DAY,
        LAST_DAY,
        DURATION_MINUTES,
        buffer_minutes=buffer,
        count=count,
    )


def one_pass(members: Sequence[MemberCalendar], count: int, buffer: int) -> list[SeriesPlan]:
    return candidate_series(
        members,
        Cadence.BIWEEKLY,
        FIRST_DAY,
        LAST_DAY,
        DURATION_MINUTES,
        buffer_minutes=buffer,
        count=count,
    )


def timed(make: Callable[[], list[list[SeriesPlan]]]) -> tuple[list[list[SeriesPlan]], Json]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    plans = make()
    return plans, {
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds_this_process": round(time.process_time() - cpu, 2),
    }


def solve(
    cohort: list[list[MemberCalendar]], plans: list[list[SeriesPlan]], rules: CohortRules
) -> Json:
    mentorships = [
        CohortMentorship(
            UUID(int=k), tuple(m.person_id for m in members), solver_candidates(candidates)
        )
        for k, (members, candidates) in enumerate(zip(cohort, plans, strict=True))
    ]
    people = {m.person_id: m for members in cohort for m in members}
    zones = {person: m.time_zone for person, m in people.items()}
    booked = {person: m.sessions for person, m in people.items()}
    wall = time.perf_counter()
    plan = plan_cohort(mentorships, zones, rules, booked)
    return {
        "seconds": round(time.perf_counter() - wall, 2),
        "placed": len(plan.placements),
        "bound": plan.bound,
        "bound_source": plan.bound_source.value,
        "status": plan.status,
        "unplaced": len(plan.unplaced),
    }


def run(mentorships: int, processes: int, seed: int, repeat: int) -> Json:
    settings = defaults()
    count, buffer = settings["timetable_candidates"], settings["planning_buffer_minutes"]
    rules = CohortRules(
        max_sessions_per_day=settings["timetable_max_sessions_per_day"],
        max_sessions_per_week=settings["timetable_max_sessions_per_week"],
        buffer_minutes=buffer,
        time_limit_seconds=settings["timetable_time_limit_seconds"],
    )
    cohort = pairs(random.Random(seed), mentorships)  # noqa: S311 - reproducible data
    runs = []
    for _ in range(repeat):  # the machine is shared: each run's load goes with its figures
        load = load_average()
        ours, one_process = timed(lambda: [one_pass(members, count, buffer) for members in cohort])
        solved = solve(cohort, ours, rules)
        runs.append(
            {
                "load_average_1_min_before": load,
                "candidates": one_process,
                "solve_seconds": solved["seconds"],
                "end_to_end_seconds": round(one_process["seconds"] + solved["seconds"], 2),
            }
        )
    with process_pool(processes) as pool:
        # The processes start, and import what they run, before the clock does.
        list(pool.map(partial(one_pass, count=count, buffer=buffer), cohort[:processes]))
        pooled, in_pool = timed(
            lambda: list(
                pool.map(partial(one_pass, count=count, buffer=buffer), cohort, chunksize=CHUNK)
            )
        )
    before, baseline = timed(lambda: [three_calls(members, count, buffer) for members in cohort])
    end_to_end = sorted(r["end_to_end_seconds"] for r in runs)
    return {
        "mentorships": mentorships,
        "mentors": len({members[0].person_id for members in cohort}),
        "cadence": "biweekly",
        "weeks": HORIZON.days // 7,
        "candidates_asked": count,
        "candidates_found": sum(len(plans) for plans in ours),
        "rules": {k: v for k, v in vars(rules).items() if k != "seed"},
        "same_plans_as_baseline": ours == before == pooled,
        "one_process_runs": runs,
        "end_to_end_seconds_one_process": {
            "min": end_to_end[0],
            "median": statistics.median(end_to_end),
            "max": end_to_end[-1],
        },
        "candidates_once_more": {
            f"pool_{processes}_processes": in_pool,
            "baseline_three_plan_series_calls": baseline,
        },
        "solve_last_run": solved,
        "load_average_1_5_15_min_after": [round(n, 2) for n in os.getloadavg()],
        "target_seconds": TARGET_SECONDS,
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def main(arguments: argparse.Namespace) -> None:
    figures = run(arguments.mentorships, arguments.processes, arguments.seed, arguments.repeat)
    print(figures)
    write_section("timetabling", {"seed": arguments.seed, **figures})


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentorships", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs in one process, then solve")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
