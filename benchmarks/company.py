"""Synthetic companies for the matching benchmarks: people with departments, levels, time
zones, languages, interests, skills and weekly windows, all drawn from a seed; and what every
result file carries (the machine, the date, the seed, the settings).

Imported by the scripts beside it (`benchmarks/matching*.py`), which run with this folder on
`sys.path` as any script's own folder is.
"""

import json
import os
import platform
import random
from dataclasses import asdict
from datetime import UTC, date, datetime
from datetime import time as clock
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np

from tandem.kit.availability import WeeklyWindow
from tandem.matching.engine import Participant, Period, Role

Json = dict[str, Any]

RESULTS = Path(__file__).resolve().parent / "results"
PERIOD = Period(date(2027, 1, 1), date(2027, 6, 30))

DEPARTMENTS = [f"Department {k}" for k in range(1, 11)]
# Six time zones in three regions, each region with the second languages heard there.
ZONES = {
    "America/New_York": ("es", "fr"),
    "America/Los_Angeles": ("es", "zh"),
    "Europe/London": ("fr", "de"),
    "Europe/Berlin": ("de", "fr"),
    "Asia/Kolkata": ("hi", "zh"),
    "Asia/Singapore": ("zh", "hi"),
}
SECOND_LANGUAGE_SHARE = 0.4
SKILLS = 200
INTERESTS = [f"interest-{k}" for k in range(30)]
MENTEE_LEVELS = (range(1, 8), (20, 22, 20, 16, 11, 7, 4))
MENTOR_LEVELS = (range(3, 10), (5, 10, 17, 22, 20, 15, 11))
EVERYONE_LEVELS = (range(1, 10), (12, 14, 15, 15, 13, 11, 9, 6, 5))


def skill_catalogue(rng: random.Random) -> list[UUID]:
    return [UUID(int=rng.getrandbits(128)) for _ in range(SKILLS)]


def person(
    rng: random.Random,
    role: Role | str,
    skills: list[UUID],
    *,
    offers: bool,
    wants: bool,
) -> Participant:
    """Someone in one of the six zones, with English and maybe a second language, 0-4
    interests, 3-5 offered skills at proficiency 2-5 if `offers`, 1-3 wanted skills at
    priority 1-3 if `wants`, and 3-5 weekday windows. Mentors take 1-3 mentees."""
    zone = rng.choice(list(ZONES))
    languages = {"en"}
    if rng.random() < SECOND_LANGUAGE_SHARE:
        languages.add(rng.choice(ZONES[zone]))
    levels, odds = {"mentor": MENTOR_LEVELS, "mentee": MENTEE_LEVELS}.get(role, EVERYONE_LEVELS)
    return Participant(
        person_id=UUID(int=rng.getrandbits(128)),
        role=role,  # type: ignore[arg-type]  # "member" is a circle role, not a pair role
        capacity=rng.randint(1, 3) if role == "mentor" else 1,
        department=rng.choice(DEPARTMENTS),
        job_level=rng.choices(levels, odds)[0],
        manager_id=None,
        time_zone=zone,
        languages=frozenset(languages),
        interests=frozenset(rng.sample(INTERESTS, rng.randint(0, 4))),
        offered=(
            {skill: rng.randint(2, 5) for skill in rng.sample(skills, rng.randint(3, 5))}
            if offers
            else {}
        ),
        wanted=(
            {skill: rng.randint(1, 3) for skill in rng.sample(skills, rng.randint(1, 3))}
            if wants
            else {}
        ),
        windows=windows(rng),
    )


def windows(rng: random.Random) -> tuple[WeeklyWindow, ...]:
    """3-5 weekday windows of 30 minutes to 3 hours, on the 15-minute grid, 08:00-19:00."""
    found = []
    for weekday in sorted(rng.sample(range(5), rng.randint(3, 5))):
        start = rng.randrange(8 * 4, 17 * 4)  # in quarters of an hour
        end = min(start + rng.randint(2, 12), 19 * 4)
        found.append(WeeklyWindow(weekday, _quarter(start), _quarter(end)))
    return tuple(found)


def _quarter(quarters: int) -> clock:
    return clock(quarters // 4, quarters % 4 * 15)


def machine() -> Json:
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu_cores": os.cpu_count(),
        "memory_gb": round(memory_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "ortools": version("ortools"),
    }


def name_of(size: int) -> str:
    """A pool's name in the results: "10k" for 10,000."""
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def settings_of(rules: Any, period: Period) -> Json:
    """The rules (a dataclass) and the period, as a results file records them."""
    return {
        "rules": asdict(rules),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
    }


def write_report(
    benchmark: str, seed: int, settings: Json, runs: dict[str, Json], machine_extra: Json
) -> None:
    """`results/<benchmark>.json`: the runs, with the date, the machine, the seed and the
    settings they ran with."""
    path = RESULTS / f"{benchmark}.json"
    report = {
        "benchmark": benchmark,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine() | machine_extra,
        "seed": seed,
        **settings,
        "pools": runs,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to benchmarks/results/{path.name}")
