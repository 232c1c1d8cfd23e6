"""How long `request_run` holds matching's event loop with a large program snapshot.

Matching reads a program's snapshot from profiles, validates it as the contract's
`ProgramSnapshot`, and stores it with its hash. For 14,000 enrollees that is seconds of CPU on
the event loop, during which every other request of the process waits. This measures it through
the real `Directory` (kit's `ServiceClient` over httpx, profiles answering from memory through a
mock transport), while a heartbeat task on the loop records how late it wakes up, and measures
the same work handed to a thread in the same run:

    .venv/bin/python benchmarks/matching_snapshot.py [--enrollees 14000] [--runs 3]

The figure that matters is the longest stall of the loop. A thread does not shorten it much:
pydantic-core validates and dumps in one call that holds the GIL throughout, and the JSON is
decoded on the loop by the client before any of it. Moving the work off the loop takes another
process (and then the pickling both ways, also measured here once, is what stays).
"""

import argparse
import asyncio
import json
import pickle
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from company import Json, write_report

from tandem.kit.contracts.profiles import ProgramSnapshot
from tandem.matching.repository import Directory
from tandem.matching.service import stored_with_hash

HEARTBEAT_SECONDS = 0.001
DEPARTMENTS = ["Eng", "Ops", "Sales", "Product", "Finance", "Legal", "HR", "Design"]
ZONES = ["Europe/Amsterdam", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]


def enrollee(rng: random.Random, skills: list[str]) -> Json:
    """One enrollee as profiles serves it: skills, three weekly windows, an absence."""
    days = rng.sample(range(5), 3)
    absence_start = date(2027, 1, 4) + timedelta(days=rng.randrange(150))
    return {
        "enrollment_id": str(uuid.uuid4()),
        "person_id": str(uuid.uuid4()),
        "role": rng.choice(["mentor", "mentee", "either"]),
        "capacity": rng.randint(1, 3),
        "wanted_skill_ids": rng.sample(skills, 2),
        "department": rng.choice(DEPARTMENTS),
        "job_level": rng.randint(1, 9),
        "manager_id": str(uuid.uuid4()),
        "time_zone": rng.choice(ZONES),
        "languages": ["en", rng.choice(["fr", "de", "nl", "ja"])],
        "interests": rng.sample(["chess", "running", "music", "cooking", "books"], 2),
        "hire_date": (date(2015, 1, 1) + timedelta(days=rng.randrange(3000))).isoformat(),
        "offered": [
            {"skill_id": skill, "proficiency": rng.randint(1, 5)} for skill in rng.sample(skills, 3)
        ],
        "wanted": [
            {"skill_id": skill, "priority": rng.randint(1, 3)} for skill in rng.sample(skills, 2)
        ],
        "windows": [{"weekday": day, "start": "09:00:00", "end": "12:00:00"} for day in days],
        "absences": [
            {
                "id": str(uuid.uuid4()),
                "start_date": absence_start.isoformat(),
                "end_date": (absence_start + timedelta(days=4)).isoformat(),
            }
        ],
    }


def snapshot_body(enrollees: int, seed: int) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    skills = [str(uuid.uuid4()) for _ in range(60)]
    people = [enrollee(rng, skills) for _ in range(enrollees)]
    program = {
        "id": str(uuid.uuid4()),
        "status": "matching",
        "admin_ids": [],
        "name": "Mentoring",
        "description": None,
        "kind": "traditional",
        "rules": {},
        "weights": {},
        "cadence": "biweekly",
        "session_minutes": 60,
        "start_date": "2027-01-04",
        "end_date": "2027-06-28",
        "version": 1,
        "created_at": "2026-11-01T00:00:00Z",
    }
    pairs = [
        {"person_ids": [a["person_id"], b["person_id"]], "reasons": ["declared"]}
        for a, b in zip(people[:100], people[100:200], strict=True)
    ]
    snapshot = ProgramSnapshot.model_validate(
        {
            "program": program,
            "enrollees": people,
            "forbidden_pairs": pairs,
            "taken_at": datetime.now(UTC).isoformat(),
        }
    )
    return snapshot.model_dump_json().encode()


def profiles_answering(body: bytes) -> Directory:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return Directory(http, "http://profiles")


async def on_the_loop(directory: Directory, program_id: uuid.UUID) -> None:
    """What `request_run` does: validated, dumped and hashed on the event loop."""
    snapshot = await directory.program_snapshot(program_id, "token")
    stored_with_hash(snapshot)


async def in_a_thread(directory: Directory, program_id: uuid.UUID) -> None:
    """The same, validated, dumped and hashed in a thread."""
    raw = await directory.get(f"/programs/{program_id}/snapshot", "token", dict[str, Any])
    snapshot = await asyncio.to_thread(ProgramSnapshot.model_validate, raw)
    await asyncio.to_thread(stored_with_hash, snapshot)


async def measured(work: Callable[[], Awaitable[None]]) -> Json:
    """The work's wall time, and how late a 1 ms heartbeat on the loop woke up meanwhile."""
    lateness: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(HEARTBEAT_SECONDS)
            lateness.append(time.perf_counter() - before - HEARTBEAT_SECONDS)

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    await work()
    wall = time.perf_counter() - start
    done.set()
    await beating
    ordered = sorted(lateness)
    return {
        "wall_s": round(wall, 3),
        "loop_longest_stall_ms": round(ordered[-1] * 1000, 1),
        "loop_p99_lateness_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        "heartbeats": len(ordered),
    }


def phases(body: bytes) -> Json:
    """Where the time goes, each step once, and what a process pool would pay instead: the
    snapshot pickled there and the stored form pickled back (a pickled model costs far more)."""
    start = time.perf_counter()
    raw = json.loads(body)
    decoded = time.perf_counter()
    snapshot = ProgramSnapshot.model_validate(raw)
    validated = time.perf_counter()
    stored, _ = stored_with_hash(snapshot)
    dumped = time.perf_counter()
    pickle.loads(pickle.dumps(raw))  # noqa: S301 - our own bytes, measured
    sent = time.perf_counter()
    pickle.loads(pickle.dumps(stored))  # noqa: S301 - our own bytes, measured
    returned = time.perf_counter()
    return {
        "json_decode_s": round(decoded - start, 3),
        "validate_s": round(validated - decoded, 3),
        "dump_and_hash_s": round(dumped - validated, 3),
        "pickle_raw_both_ways_s": round(sent - dumped, 3),
        "pickle_stored_both_ways_s": round(returned - sent, 3),
    }


def summary(runs: list[Json]) -> Json:
    return {
        "runs": runs,
        "median_wall_s": round(statistics.median(run["wall_s"] for run in runs), 3),
        "worst_loop_stall_ms": max(run["loop_longest_stall_ms"] for run in runs),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollees", type=int, default=14_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    body = snapshot_body(arguments.enrollees, arguments.seed)
    directory = profiles_answering(body)
    program_id = uuid.uuid4()
    variants: dict[str, list[Json]] = {"on_the_loop": [], "in_a_thread": []}
    for _ in range(arguments.runs):  # interleaved, so both see the same machine state
        variants["on_the_loop"].append(await measured(lambda: on_the_loop(directory, program_id)))
        variants["in_a_thread"].append(await measured(lambda: in_a_thread(directory, program_id)))
    figures: dict[str, Any] = {name: summary(runs) for name, runs in variants.items()}
    figures["phases_once"] = phases(body)
    print(f"snapshot of {arguments.enrollees:,} enrollees, {len(body) / 2**20:.1f} MiB of JSON")
    for name, figure in figures.items():
        print(f"{name:>22}: {json.dumps({k: v for k, v in figure.items() if k != 'runs'})}")
    settings = {"enrollees": arguments.enrollees, "snapshot_mib": round(len(body) / 2**20, 1)}
    write_report("matching_snapshot", arguments.seed, settings, figures, {})


if __name__ == "__main__":
    asyncio.run(main())
