"""Cohort timetabling: the CP-SAT plan against one-by-one greedy booking, on a synthetic cohort.

    .venv/bin/python benchmarks/sessions_cohort.py [--mentorships 2000] [--candidates 6]
        [--scarce 2] [--seed 7] [--limit 25]

A cohort of `--mentorships` mentorships, biweekly for 12 weeks from 2027-03-01 (New York changes
its clocks on 03-14, Europe on 03-28, Sydney on 04-04). Every person works in one of six zones
with working hours on most weekdays and a few recurring meetings; some mentors have 2 or 3
mentees, and some mentees mentor someone else. Candidates come from a small slot finder written
here: a 60-minute slot in the mentor's local time on a weekday, every second week from the first
or the second week, that lies in both members' working hours on every occurrence, an occurrence
alone moved by an hour where a clock change breaks it; the cheapest per weekday and phase, and
of those the `--candidates` cheapest (a second run keeps only `--scarce`). Then `plan_cohort`
(timed, with its time limit) and `plan_cohort_greedily` on the same input, each answer checked
here for double bookings and caps. "Naive" is every mentorship taking its cheapest candidate
with no regard for the others: its double bookings are what the planners avoid. Figures go to
`benchmarks/results/sessions_cohort.json`.
"""

import argparse
import gc
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from company import Json, write_report

from tandem.sessions.scheduling.cohort import (
    CandidateSeries,
    CohortMentorship,
    CohortPlan,
    CohortRules,
    Span,
    plan_cohort,
    plan_cohort_greedily,
)

FIRST_MONDAY = date(2027, 3, 1)
WEEKS = 12
SESSION = timedelta(minutes=60)
# Zones and how often people live there; mentors mostly share their mentee's region.
ZONES = {
    "America/Los_Angeles": 2,
    "America/New_York": 3,
    "Europe/London": 3,
    "Europe/Berlin": 3,
    "Asia/Kolkata": 2,
    "Australia/Sydney": 1,
}
REGIONS = [
    {"America/Los_Angeles", "America/New_York"},
    {"Europe/London", "Europe/Berlin"},
    {"Asia/Kolkata", "Australia/Sydney"},
]
SAME_REGION = 0.7
MENTEES_PER_MENTOR = {1: 0.6, 2: 0.25, 3: 0.15}
MENTEES_WHO_MENTOR = 0.1
RULES = CohortRules(
    max_sessions_per_day=2,
    max_sessions_per_week=2,
    buffer_minutes=15,
    crowded_day_cost=50,
    time_limit_seconds=25,
    seed=7,
)
# Time in 30-minute cells from the Sunday before the period, in UTC: Sydney's Monday morning
# is Sunday evening in UTC.
EPOCH = datetime.combine(FIRST_MONDAY - timedelta(days=1), clock(), UTC)
CELL = timedelta(minutes=30)
DAYS = [FIRST_MONDAY + timedelta(days=k) for k in range(WEEKS * 7)]


def cell_of(moment: datetime) -> int:
    return (moment - EPOCH) // CELL


@dataclass(frozen=True)
class Person:
    person_id: UUID
    zone: ZoneInfo
    free: int  # bit k: free in cell k (working hours less recurring meetings, local time)
    midnights: dict[date, int]  # the cell of each local day's start

    def cell(self, day: date, minute: int) -> int:
        """The cell of a local time; weekdays only, so no clock change inside the day."""
        return self.midnights[day] + minute // 30


# The cohort ------------------------------------------------------------------------------------


def person(rng: random.Random, zone_name: str) -> Person:
    zone = ZoneInfo(zone_name)
    days = sorted(rng.sample(range(5), rng.choice([4, 5, 5])))
    start, end = rng.choice([480, 510, 540, 570, 600]), rng.choice([960, 1020, 1050, 1080])
    windows_by_day = {}
    for day in days:
        windows = [(start, end)]
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            meeting = rng.randrange(start, end - 60, 30)
            windows = [
                piece
                for a, b in windows
                for piece in ((a, min(b, meeting)), (max(a, meeting + 60), b))
                if piece[1] - piece[0] >= 60
            ]
        windows_by_day[day] = windows
    midnights = {day: cell_of(datetime.combine(day, clock(), zone)) for day in DAYS}
    free = 0
    for day in DAYS:
        for a, b in windows_by_day.get(day.weekday(), ()):
            free |= ((1 << ((b - a) // 30)) - 1) << (midnights[day] + a // 30)
    return Person(uuid4(), zone, free, midnights)


def zone_near(rng: random.Random, zone: str) -> str:
    if rng.random() < SAME_REGION:
        region = next(region for region in REGIONS if zone in region)
        return rng.choice(sorted(region))
    return rng.choices(list(ZONES), list(ZONES.values()))[0]


def pairs(rng: random.Random, mentorships: int) -> tuple[list[tuple[Person, Person]], int]:
    """(mentor, mentee) pairs; mentors with several mentees; mentees who also mentor. Returns
    the pairs and the number of people."""
    zones, weights = list(ZONES), list(ZONES.values())
    mentees = [person(rng, rng.choices(zones, weights)[0]) for _ in range(mentorships)]
    by_zone: dict[str, list[Person]] = {}
    for mentee in mentees:
        by_zone.setdefault(mentee.zone.key, []).append(mentee)
    result: list[tuple[Person, Person]] = []
    waiting = list(mentees)
    rng.shuffle(waiting)
    mentors = 0
    while waiting:
        load = rng.choices(list(MENTEES_PER_MENTOR), list(MENTEES_PER_MENTOR.values()))[0]
        mine, waiting = waiting[:load], waiting[load:]
        # A mentee of someone else, living in the same zone, mentors these.
        other = rng.choice(by_zone[mine[0].zone.key])
        if rng.random() < MENTEES_WHO_MENTOR and all(other is not m for m in mine):
            mentor = other
        else:
            mentor = person(rng, zone_near(rng, mine[0].zone.key))
            mentors += 1
        result += [(mentor, mentee) for mentee in mine]
    return result, mentorships + mentors


def candidates(mentor: Person, mentee: Person, keep: int) -> tuple[CandidateSeries, ...]:
    """A small slot finder: per weekday and phase, the cheapest biweekly 60-minute slot in the
    mentor's local time that fits both on every occurrence (one occurrence may move an hour);
    the `keep` cheapest of those."""
    both = mentor.free & mentee.free
    starts = both & (both >> 1)  # bit k: both free in cells k and k + 1
    best: dict[tuple[int, int], CandidateSeries] = {}
    for weekday in range(5):
        for minute in range(7 * 60, 19 * 60, 30):
            for phase in (0, 1):
                found = series(mentor, mentee, starts, weekday, minute, phase)
                if found is not None and (
                    (weekday, phase) not in best or found.cost < best[weekday, phase].cost
                ):
                    best[weekday, phase] = found
    return tuple(sorted(best.values(), key=lambda c: c.cost)[:keep])


def series(
    mentor: Person, mentee: Person, starts: int, weekday: int, minute: int, phase: int
) -> CandidateSeries | None:
    cells, moved = [], 0
    for week in range(phase, WEEKS, 2):
        cell = mentor.cell(FIRST_MONDAY + timedelta(weeks=week, days=weekday), minute)
        fitting = next((c for c in (cell, cell - 2, cell + 2) if starts >> c & 1), None)
        if fitting is None or (fitting != cell and (moved or week == phase)):
            return None
        moved += fitting != cell
        cells.append(fitting)
    occurrences = tuple((EPOCH + c * CELL, EPOCH + c * CELL + SESSION) for c in cells)
    firsts = [occurrences[0][0].astimezone(p.zone) for p in (mentor, mentee)]
    local_hours = [first.hour + first.minute / 60 for first in firsts]
    # Mid-morning is preferred, late afternoon least; a moved occurrence costs more.
    cost = round(sum(abs(hour - 10.5) * 4 for hour in local_hours)) + 20 * moved + phase
    return CandidateSeries(occurrences, cost)


def cohort(
    mentorships: int, keep: int, seed: int
) -> tuple[list[CohortMentorship], dict[UUID, str], Json]:
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    matched, people = pairs(rng, mentorships)
    result = [
        CohortMentorship(
            uuid4(), (mentor.person_id, mentee.person_id), candidates(mentor, mentee, keep)
        )
        for mentor, mentee in matched
    ]
    rng.shuffle(result)
    zones = {p.person_id: p.zone.key for pair in matched for p in pair}
    loads = Counter(Counter(mentor.person_id for mentor, _ in matched).values())
    in_two_roles = {m.person_id for m, _ in matched} & {m.person_id for _, m in matched}
    inputs = {
        "mentorships": len(result),
        "people": people,
        "mentors_by_mentees": {str(k): loads[k] for k in sorted(loads)},
        "mentees_who_mentor": len(in_two_roles),
        "zones": dict(Counter(zones.values()).most_common()),
    }
    return result, zones, inputs


def candidate_counts(mentorships: list[CohortMentorship]) -> Json:
    return {
        "candidates": sum(len(m.candidates) for m in mentorships),
        "occurrences": sum(len(c.occurrences) for m in mentorships for c in m.candidates),
        "without_candidates": sum(1 for m in mentorships if not m.candidates),
    }


# Checks ----------------------------------------------------------------------------------------


def broken(
    mentorships: Iterable[CohortMentorship],
    chosen: Mapping[UUID, CandidateSeries],
    zones: Mapping[UUID, str],
) -> dict[str, int]:
    """Double bookings (pairs of one person's sessions closer than the buffer) and sessions
    over a cap, counted from scratch."""
    sessions: dict[UUID, list[Span]] = {}
    for m in mentorships:
        if m.mentorship_id in chosen:
            for p in m.member_ids:
                sessions.setdefault(p, []).extend(chosen[m.mentorship_id].occurrences)
    buffer = timedelta(minutes=RULES.buffer_minutes)
    double, over_day, over_week = 0, 0, 0
    for p, spans in sessions.items():
        spans.sort()
        double += sum(
            1
            for k, (start, end) in enumerate(spans)
            for later, _ in spans[k + 1 :]
            if later < end + buffer
        )
        local = [start.astimezone(ZoneInfo(zones[p])) for start, _ in spans]
        days = Counter(start.date() for start in local)
        weeks = Counter(start.isocalendar()[:2] for start in local)
        over_day += sum(max(0, n - RULES.max_sessions_per_day) for n in days.values())
        over_week += sum(max(0, n - RULES.max_sessions_per_week) for n in weeks.values())
    return {"double_bookings": double, "over_day_cap": over_day, "over_week_cap": over_week}


def timed(
    planner: Callable[..., CohortPlan],
    mentorships: list[CohortMentorship],
    zones: Mapping[UUID, str],
    rules: CohortRules,
) -> Json:
    """The planner's answer, its wall time and the process's CPU time during it (steadier on
    a shared machine), and the rules it breaks, counted here."""
    gc.collect()
    cpu = time.process_time()
    plan = planner(mentorships, zones, rules)
    cpu = time.process_time() - cpu
    chosen = {p.mentorship_id: p.candidate for p in plan.placements}
    reasons = Counter(gap.reason.value for gap in plan.unplaced)
    return {
        "placed": len(plan.placements),
        "bound": plan.bound,
        "bound_source": plan.bound_source.value,
        "status": plan.status,
        "crowded_sessions": plan.crowded_sessions,
        "preference_cost": plan.preference_cost,
        "unplaced": dict(sorted(reasons.items())),
        "seconds": round(plan.seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "broken_rules": broken(mentorships, chosen, zones),
    }


def naive(mentorships: list[CohortMentorship], zones: Mapping[UUID, str]) -> Json:
    chosen = {m.mentorship_id: m.candidates[0] for m in mentorships if m.candidates}
    return {"placed": len(chosen), "broken_rules": broken(mentorships, chosen, zones)}


# The report ------------------------------------------------------------------------------------


def main(arguments: argparse.Namespace) -> None:
    started = time.perf_counter()
    mentorships, zones, inputs = cohort(arguments.mentorships, arguments.candidates, arguments.seed)
    print(f"cohort generated in {time.perf_counter() - started:.1f} s", flush=True)
    rules = CohortRules(
        **{**RULES.__dict__, "time_limit_seconds": arguments.limit, "seed": arguments.seed}
    )
    runs: dict[str, Json] = {}
    for keep in sorted({arguments.candidates, arguments.scarce}, reverse=True):
        pool = [replace(m, candidates=m.candidates[:keep]) for m in mentorships]
        name = f"{keep} candidates"
        run = {
            "inputs": inputs | candidate_counts(pool),
            "cp_sat": timed(plan_cohort, pool, zones, rules),
            "greedy": timed(plan_cohort_greedily, pool, zones, rules),
            "naive_cheapest_each": naive(pool, zones),
        }
        for method in ("cp_sat", "greedy"):
            run[method]["double_bookings_avoided"] = (
                run["naive_cheapest_each"]["broken_rules"]["double_bookings"]
                - run[method]["broken_rules"]["double_bookings"]
            )
        print_table(name, run)
        runs[name] = run
    settings = {
        "rules": asdict(rules),
        "period": {"first_monday": FIRST_MONDAY.isoformat(), "weeks": WEEKS, "cadence": "biweekly"},
    }
    load = {"load_average_1_5_15_min": [round(n, 2) for n in os.getloadavg()]}
    write_report("sessions_cohort", arguments.seed, settings, runs, load)


def print_table(name: str, run: Json) -> None:
    sizes = run["inputs"]
    print(
        f"\n{name}: {sizes['mentorships']:,} mentorships, {sizes['people']:,} people, "
        f"{sizes['candidates']:,} candidates, {sizes['occurrences']:,} occurrences"
    )
    print(
        f"{'method':<8} {'placed':>7} {'bound':>7} {'crowded':>8} {'cost':>8} "
        f"{'seconds':>8} {'cpu':>6} {'double':>7}  note"
    )
    for method in ("cp_sat", "greedy"):
        f = run[method]
        note = f"{f['status']}, bound from {f['bound_source']}; unplaced {f['unplaced']}"
        print(
            f"{method:<8} {f['placed']:>7,} {f['bound']:>7,} {f['crowded_sessions']:>8,} "
            f"{f['preference_cost']:>8,} {f['seconds']:>8.2f} {f['cpu_seconds']:>6.2f} "
            f"{f['broken_rules']['double_bookings']:>7}  {note}"
        )
    naive_run = run["naive_cheapest_each"]
    print(f"naive    {naive_run['placed']:>7,}  (each its cheapest): {naive_run['broken_rules']}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentorships", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=6, help="kept per mentorship")
    parser.add_argument(
        "--scarce", type=int, default=2, help="a second run with only this many of them"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=float, default=25.0, help="CP-SAT time limit, seconds")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
