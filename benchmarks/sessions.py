"""Sessions performance: slot finding for a pair and for a circle of 8 over a 12-week horizon,
against a naive 15-minute grid scan measured in the same run; the candidate series cohort
timetabling asks the scheduler for; and cohort timetabling (CP-SAT against greedy, from
`sessions_cohort.py`).

    .venv/bin/python benchmarks/sessions.py [--requests 400] [--baseline-requests 40] [--seed 7]
        [--cohort-mentorships 2000] [--cohort-limit 25]

Each request is a fresh group of people with realistic calendars (weekday windows, meetings in
their working hours, other Tandem sessions, days away), drawn from the seed, so the same
arguments give the same requests. `tandem.sessions.scheduling.find_slots` is called in this
process, as the service calls it once it has loaded the calendars: the figure is the
server-side computation, without the database reads around it. Figures go to the "slots",
"candidates" and "cohort" sections of `benchmarks/results/sessions.json`; other benchmarks of
the service add their own sections with `write_section` (see `benchmarks/README.md`).
"""

import argparse
import gc
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from company import machine
from sessions_cohort import run_cohort

from tandem.kit.availability import WeeklyWindow
from tandem.kit.contracts.profiles import Cadence
from tandem.sessions.planning import candidate_series
from tandem.sessions.scheduling import (
    MemberCalendar,
    Preference,
    SeriesPlan,
    WeeklySlot,
    WorkingHours,
    find_slots,
    plan_series,
)

Json = dict[str, Any]
RESULTS = Path(__file__).resolve().parent / "results" / "sessions.json"

# Twelve weeks across both spring clock changes (US 2027-03-14, EU 2027-03-28).
HORIZON_START = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
HORIZON = timedelta(weeks=12)
DURATION_MINUTES = 60
BUFFER_MINUTES = 10
LIMIT = 10
GRID_MINUTES = 15
CANDIDATES = 3  # the service's SESSIONS_TIMETABLE_CANDIDATES default
# Groups live in one of these regions, as matching's time-zone distance rule keeps them.
REGIONS = (
    ("Europe/London", "Europe/Berlin", "America/New_York"),
    ("Europe/Berlin", "Asia/Kolkata", "Europe/London"),
    ("America/New_York", "America/Los_Angeles", "America/Chicago"),
    ("Asia/Kolkata", "Asia/Singapore", "Australia/Sydney"),
)


# Realistic calendars ---------------------------------------------------------------------------


def quarter(quarters: int) -> clock:
    return clock(quarters // 4, quarters % 4 * 15)


def weekly_windows(rng: random.Random) -> tuple[WeeklyWindow, ...]:
    """4-5 weekdays with one or two windows of 1 to 5 hours between 08:00 and 19:00."""
    found = []
    for weekday in sorted(rng.sample(range(5), rng.randint(4, 5))):
        for _ in range(rng.randint(1, 2)):
            start = rng.randrange(8 * 4, 16 * 4)
            end = min(start + rng.randint(4, 20), 19 * 4)
            found.append(WeeklyWindow(weekday, quarter(start), quarter(end)))
    return tuple(found)


def meetings(
    rng: random.Random, zone: ZoneInfo, per_day: tuple[int, int], lengths: Sequence[int]
) -> list[tuple[datetime, datetime]]:
    """Meetings on the weekdays of the horizon, between 09:00 and 18:00 local."""
    found = []
    first_day = HORIZON_START.date()
    for offset in range(HORIZON.days):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(*per_day)):
            start = datetime.combine(day, quarter(rng.randrange(9 * 4, 17 * 4)), tzinfo=zone)
            found.append(
                (
                    start.astimezone(UTC),
                    start.astimezone(UTC) + timedelta(minutes=rng.choice(lengths)),
                )
            )
    return found


def absences(rng: random.Random) -> tuple[tuple[date, date], ...]:
    found = []
    for _ in range(rng.randint(0, 2)):
        first = HORIZON_START.date() + timedelta(days=rng.randrange(HORIZON.days))
        found.append((first, first + timedelta(days=rng.randint(0, 4))))
    return tuple(found)


def member(
    rng: random.Random, zone_name: str, shared: Sequence[tuple[datetime, datetime]]
) -> MemberCalendar:
    """Someone with their own windows and the group's shared band, 1-4 calendar meetings a
    weekday and 0-1 other Tandem sessions a day."""
    zone = ZoneInfo(zone_name)
    return MemberCalendar(
        person_id=UUID(int=rng.getrandbits(128)),
        time_zone=zone_name,
        windows=weekly_windows(rng) + band_windows(shared, zone),
        absences=absences(rng),
        busy=tuple(meetings(rng, zone, (1, 4), (30, 45, 60))),
        sessions=tuple(meetings(rng, zone, (0, 1), (60,))),
    )


def band(rng: random.Random, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """3 hours on 3 weekdays, between 10:00 and 15:00 in `zone` in the horizon's first
    week: the time a group was matched for (matching asks for weekly overlap)."""
    first_monday = HORIZON_START.date() - timedelta(days=HORIZON_START.weekday())
    start, hours = rng.randrange(10 * 4, 12 * 4), 3
    found = []
    for weekday in sorted(rng.sample(range(5), 3)):
        local = datetime.combine(
            first_monday + timedelta(days=weekday), quarter(start), tzinfo=zone
        )
        found.append((local, local + timedelta(hours=hours)))
    return found


def band_windows(
    shared: Sequence[tuple[datetime, datetime]], zone: ZoneInfo
) -> tuple[WeeklyWindow, ...]:
    """The shared band as weekly windows on this member's own wall clock."""
    found = []
    for start, end in shared:
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        if local_start.date() == local_end.date():
            found.append(WeeklyWindow(local_start.weekday(), local_start.time(), local_end.time()))
    return tuple(found)


def group(rng: random.Random, size: int) -> list[MemberCalendar]:
    region = rng.choice(REGIONS)
    shared = band(rng, ZoneInfo(region[0]))
    return [member(rng, rng.choice(region), shared) for _ in range(size)]


def preference(rng: random.Random, members: Sequence[MemberCalendar]) -> Preference:
    """Half the requests are for a series' next meeting: its weekly slot in the first
    member's zone."""
    if rng.random() < 0.5:
        return Preference()
    slot = WeeklySlot(rng.randrange(5), quarter(rng.randrange(9 * 4, 17 * 4)), members[0].time_zone)
    return Preference(weekly_slot=slot)


# The baseline: a naive 15-minute grid scan -----------------------------------------------------


def naive_slots(
    members: Sequence[MemberCalendar], wanted: Preference, limit: int
) -> list[tuple[datetime, int]]:
    """Every quarter hour of the horizon, member by member: is its local wall-clock time in a
    window (and in working hours) that weekday, not on a day away, and clear of busy blocks and
    sessions with the buffer; then every start whose meeting's quarters are all free, scored
    and sorted as `find_slots` ranks them. What a scheduler without interval arithmetic does."""
    cells = HORIZON // timedelta(minutes=GRID_MINUTES)
    starts = [HORIZON_START + timedelta(minutes=GRID_MINUTES * k) for k in range(cells)]
    free = [True] * cells
    working = [True] * cells
    hours = wanted.working_hours
    for person in members:
        zone = ZoneInfo(person.time_zone)
        taken = _taken_cells(person, cells)
        for k, moment in enumerate(starts):
            local = moment.astimezone(zone)
            minute = local.hour * 60 + local.minute
            free[k] = free[k] and k not in taken and _in_windows(person, local.date(), minute)
            working[k] = working[k] and _in_hours(hours, local.weekday(), minute)
    span = DURATION_MINUTES // GRID_MINUTES
    found = []
    for k in range(cells - span + 1):
        if all(free[k : k + span]):
            series = _is_series_slot(wanted.weekly_slot, starts[k])
            found.append((starts[k], 2 * series + all(working[k : k + span])))
    found.sort(key=lambda pair: (-pair[1], pair[0]))
    return found[:limit]


def _taken_cells(person: MemberCalendar, cells: int) -> set[int]:
    taken: set[int] = set()
    buffer = timedelta(minutes=BUFFER_MINUTES)
    for start, end in (*person.busy, *person.sessions):
        first = (start - buffer - HORIZON_START) // timedelta(minutes=GRID_MINUTES)
        last = -((HORIZON_START - (end + buffer)) // timedelta(minutes=GRID_MINUTES))
        taken.update(range(max(first, 0), min(last, cells)))
    return taken


def _in_windows(person: MemberCalendar, day: date, minute: int) -> bool:
    if any(first <= day <= last for first, last in person.absences):
        return False
    return any(
        window.weekday == day.weekday() and window.day_minutes[0] <= minute < window.day_minutes[1]
        for window in person.windows
    )


def _in_hours(hours: WorkingHours, weekday: int, minute: int) -> bool:
    start, end = hours.start.hour * 60 + hours.start.minute, hours.end.hour * 60 + hours.end.minute
    return weekday in hours.weekdays and start <= minute < end


def _is_series_slot(slot: WeeklySlot | None, moment: datetime) -> bool:
    if slot is None:
        return False
    local = moment.astimezone(ZoneInfo(slot.time_zone))
    return local.weekday() == slot.weekday and local.time().replace(tzinfo=None) == slot.start


# Measuring -------------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    answer = call()
    return answer, time.perf_counter() - wall, time.process_time() - cpu


def summary(seconds: list[float], cpu: list[float]) -> Json:
    """Wall-clock centiles, and the process CPU time's (steadier on a shared machine)."""
    centiles = statistics.quantiles(seconds, n=100, method="inclusive")
    cpu_centiles = statistics.quantiles(cpu, n=100, method="inclusive")
    return {
        "requests": len(seconds),
        "p50_ms": round(1000 * centiles[49], 2),
        "p99_ms": round(1000 * centiles[98], 2),
        "mean_ms": round(1000 * statistics.fmean(seconds), 2),
        "max_ms": round(1000 * max(seconds), 2),
        "cpu_p50_ms": round(1000 * cpu_centiles[49], 2),
        "cpu_p99_ms": round(1000 * cpu_centiles[98], 2),
    }


def run_slots(size: int, requests: int, baseline_requests: int, seed: int) -> Json:
    rng = random.Random(seed + size)  # noqa: S311 - reproducible data, not secrets
    cases = [(members := group(rng, size), preference(rng, members)) for _ in range(requests)]
    end = HORIZON_START + HORIZON

    def ours(case: tuple[list[MemberCalendar], Preference]) -> Callable[[], list[Any]]:
        members, wanted = case
        return lambda: find_slots(
            members,
            DURATION_MINUTES,
            HORIZON_START,
            end,
            buffer_minutes=BUFFER_MINUTES,
            preference=wanted,
            limit=LIMIT,
        )

    for case in cases[:5]:  # first calls load time zones and caches
        ours(case)()
    gc.collect()
    wall, cpu, answers = [], [], []
    for case in cases:
        answer, seconds, processor = timed(ours(case))
        wall.append(seconds)
        cpu.append(processor)
        answers.append(answer)
    naive_wall, naive_cpu, same = [], [], 0
    for case, answer in zip(cases[:baseline_requests], answers, strict=False):
        expected, seconds, processor = timed(lambda case=case: naive_slots(case[0], case[1], LIMIT))
        naive_wall.append(seconds)
        naive_cpu.append(processor)
        same += [(s.start, s.score) for s in answer] == expected  # type: ignore[attr-defined]
    return {
        "inputs": inputs(cases),
        "find_slots": summary(wall, cpu),
        "naive_grid_scan": summary(naive_wall, naive_cpu),
        "same_answers": f"{same} of {min(baseline_requests, len(cases))}",
        "slots_found": {
            "mean": round(statistics.fmean(len(a) for a in answers), 2),  # type: ignore[arg-type]
            "requests_with_none": sum(not a for a in answers),  # type: ignore[misc]
        },
    }


def inputs(cases: list[tuple[list[MemberCalendar], Preference]]) -> Json:
    people = [person for members, _ in cases for person in members]
    return {
        "members_per_request": len(cases[0][0]),
        "horizon_days": HORIZON.days,
        "grid_starts": HORIZON // timedelta(minutes=GRID_MINUTES),
        "duration_minutes": DURATION_MINUTES,
        "buffer_minutes": BUFFER_MINUTES,
        "limit": LIMIT,
        "requests_with_a_weekly_slot": sum(w.weekly_slot is not None for _, w in cases),
        "per_person_mean": {
            "windows": round(statistics.fmean(len(p.windows) for p in people), 1),
            "busy_blocks": round(statistics.fmean(len(p.busy) for p in people), 1),
            "other_sessions": round(statistics.fmean(len(p.sessions) for p in people), 1),
            "absences": round(statistics.fmean(len(p.absences) for p in people), 2),
        },
    }


def run_series(requests: int, seed: int) -> Json:
    """Planning a weekly series for a pair over the 12 weeks (not a target; for the record)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    pairs = [group(rng, 2) for _ in range(requests)]
    first, last = HORIZON_START.date(), (HORIZON_START + HORIZON).date() - timedelta(days=1)
    wall, cpu, moved = [], [], 0
    for members in pairs:
        plan, seconds, processor = timed(
            lambda members=members: plan_series(
                members,
                Cadence.WEEKLY,
                first,
                last,
                DURATION_MINUTES,
                buffer_minutes=BUFFER_MINUTES,
            )
        )
        wall.append(seconds)
        cpu.append(processor)
        moved += sum(o.status != "on_slot" for o in plan.occurrences)  # type: ignore[attr-defined]
    return {"plan_series_weekly_pair": summary(wall, cpu) | {"occurrences_off_slot": moved}}


def run_candidates(requests: int, seed: int, count: int) -> Json:
    """What cohort timetabling asks the scheduler for each mentorship: `count` series at
    different weekly times, biweekly over the 12 weeks, for a pair (not a target); against
    the baseline in the same run, `candidate_series_before` on the same pairs."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    pairs = [group(rng, 2) for _ in range(requests)]
    first, last = HORIZON_START.date(), (HORIZON_START + HORIZON).date() - timedelta(days=1)
    runs, answers = {}, {}
    for name, finder in (
        ("candidate_series", candidate_series),
        ("baseline_three_plan_series_calls", candidate_series_before),
    ):
        wall, cpu, found = [], [], []
        for members in pairs:
            plans, seconds, processor = timed(
                lambda members=members, finder=finder: finder(
                    members,
                    Cadence.BIWEEKLY,
                    first,
                    last,
                    DURATION_MINUTES,
                    buffer_minutes=BUFFER_MINUTES,
                    count=count,
                )
            )
            wall.append(seconds)
            cpu.append(processor)
            found.append(plans)
        answers[name] = found
        runs[name] = summary(wall, cpu) | {
            "candidates_found": sum(len(plans) for plans in found),  # type: ignore[arg-type]
            "seconds_for_2000_mentorships_one_core": round(statistics.fmean(cpu) * 2000, 1),
        }
    return {
        "candidates_asked": count,
        "same_plans": answers["candidate_series"] == answers["baseline_three_plan_series_calls"],
        **runs,
    }


def candidate_series_before(
    members: Sequence[MemberCalendar],
    cadence: Cadence,
    first_day: date,
    last_day: date,
    duration_minutes: int,
    *,
    buffer_minutes: int,
    count: int,
) -> list[SeriesPlan]:
    """The baseline: what `candidate_series` did before `best_series`, one `plan_series` per
    candidate, each with the earlier candidates' weekly times taken (their planned
    occurrences as the members' sessions)."""
    found: list[SeriesPlan] = []
    for _ in range(count):
        plan = plan_series(
            members, cadence, first_day, last_day, duration_minutes, buffer_minutes=buffer_minutes
        )
        if plan.slot is None:
            break
        found.append(plan)
        planned = tuple((o.planned_start, o.planned_end) for o in plan.occurrences)
        members = [replace(m, sessions=m.sessions + planned) for m in members]
    return found


# The report ------------------------------------------------------------------------------------


def write_section(name: str, section: Json) -> None:
    """Put `section` under `sections.<name>` of `results/sessions.json`, keeping the others
    (each benchmark of the sessions service writes its own)."""
    report = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    report = {"benchmark": "sessions", "sections": report.get("sections", {})}
    report["sections"][name] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **section,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to benchmarks/results/{RESULTS.name} (section {name!r})")


def print_table(runs: dict[str, Json]) -> None:
    print(
        f"\n{'group':<8} {'method':<16} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for name, run in runs.items():
        for method in ("find_slots", "naive_grid_scan"):
            figures = run[method]
            print(
                f"{name:<8} {method:<16} {figures['requests']:>8} {figures['p50_ms']:>8.2f} "
                f"{figures['p99_ms']:>8.2f} {figures['max_ms']:>8.2f} "
                f"{figures['cpu_p50_ms']:>8.2f} {figures['cpu_p99_ms']:>8.2f}"
            )
        print(f"{'':<8} same answers: {run['same_answers']}")


def main(arguments: argparse.Namespace) -> None:
    runs = {}
    for name, size in (("pair", 2), ("circle8", 8)):
        print(f"{name}: {arguments.requests} requests", flush=True)
        runs[name] = run_slots(
            size, arguments.requests, arguments.baseline_requests, arguments.seed
        )
    print_table(runs)
    series = run_series(arguments.baseline_requests, arguments.seed)
    print(f"\nplan_series, weekly pair over 12 weeks: {series['plan_series_weekly_pair']}")
    candidates = run_candidates(arguments.baseline_requests, arguments.seed, CANDIDATES)
    print(f"\ncandidate_series, {CANDIDATES} biweekly for a pair over 12 weeks: {candidates}")
    write_section(
        "slots",
        {
            "seed": arguments.seed,
            "horizon": {"start": HORIZON_START.isoformat(), "weeks": HORIZON.days // 7},
            "targets_ms": {"pair_p99": 50, "circle8_p99": 100},
            "runs": runs,
            "series": series,
        },
    )
    write_section("candidates", {"seed": arguments.seed, "series_candidates": candidates})
    settings, runs = run_cohort(
        arguments.cohort_mentorships,
        arguments.cohort_candidates,
        arguments.cohort_scarce,
        arguments.seed,
        arguments.cohort_limit,
    )
    write_section("cohort", {"seed": arguments.seed, **settings, "runs": runs})


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--baseline-requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cohort-mentorships", type=int, default=2000)
    parser.add_argument("--cohort-candidates", type=int, default=6)
    parser.add_argument("--cohort-scarce", type=int, default=2)
    parser.add_argument("--cohort-limit", type=float, default=25.0, help="CP-SAT seconds")
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
