"""How long `request_run` holds matching's event loop with a large program snapshot.

Matching reads a program's snapshot from profiles, validates it as the contract's
`ProgramSnapshot`, leaves erased people out, and stores it with its hash. For 14,000 enrollees
that is seconds of CPU. `request_run` hands the bytes profiles sent to a process of the solver
pool (`service.stored_in_pool`), which sends back the JSON text to store, the hash and the
program. This measures that through the real `Directory` (kit's `ServiceClient` over httpx,
profiles answering from memory through a mock transport), while a heartbeat task on the loop
records how late it wakes up, against the same work on the event loop and in a thread, in the
same run:

    .venv/bin/python benchmarks/matching_snapshot.py [--enrollees 14000] [--runs 3]

The figure that matters is the longest stall of the loop. A thread does not shorten it much:
pydantic-core validates and dumps in one call that holds the GIL throughout. In the pool, the
loop pays only for the bytes going there and the JSON text coming back.
"""

import argparse
import asyncio
import functools
import json
import pickle
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import httpx
from company import Json, write_report

from tandem.kit.contracts.profiles import ProgramSnapshot
from tandem.matching import service
from tandem.matching.repository import Directory

Arguments = ParamSpec("Arguments")
Result = TypeVar("Result")

HEARTBEAT_SECONDS = 0.001
NOBODY_ERASED: frozenset[uuid.UUID] = frozenset()
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


class OnTheLoop(Executor):
    """Runs what it is given at once, on the event loop: the work as it was done before."""

    def submit(
        self, fn: Callable[Arguments, Result], /, *args: Arguments.args, **kwargs: Arguments.kwargs
    ) -> Future[Result]:
        done: Future[Result] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


async def request_run_with(directory: Directory, program_id: uuid.UUID, pool: Executor) -> None:
    """What `request_run` does with the snapshot: its bytes fetched, then stored in `pool`."""
    body = await directory.program_snapshot_body(program_id, "token")
    await service.stored_in_pool(pool, body, NOBODY_ERASED)


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


async def phases(body: bytes) -> Json:
    """Where the time goes, once: decoding and validation (the contract alone), the whole work
    (`service.stored_in_pool`, here on this thread), and what crosses to the pool and back."""
    start = time.perf_counter()
    raw = json.loads(body)
    decoded = time.perf_counter()
    ProgramSnapshot.model_validate(raw)
    validated = time.perf_counter()
    stored = await service.stored_in_pool(OnTheLoop(), body, NOBODY_ERASED)
    worked = time.perf_counter()
    pickle.loads(pickle.dumps(body))  # noqa: S301 - our own bytes, measured
    sent = time.perf_counter()
    pickle.loads(pickle.dumps(stored))  # noqa: S301 - our own bytes, measured
    returned = time.perf_counter()
    return {
        "json_decode_s": round(decoded - start, 3),
        "validate_s": round(validated - decoded, 3),
        "whole_work_s": round(worked - validated, 3),
        "pickle_body_both_ways_s": round(sent - worked, 3),
        "pickle_answer_both_ways_s": round(returned - sent, 3),
        "stored_json_mib": round(len(stored.json) / 2**20, 1),
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
    solver_pool = service.solver_pool(1)
    # A spawned process imports the service at its first task: not what a request waits for.
    await request_run_with(directory, program_id, solver_pool)
    executors: dict[str, Executor] = {
        "on_the_loop": OnTheLoop(),
        "in_a_thread": ThreadPoolExecutor(1),
        "process_pool": solver_pool,
    }
    variants: dict[str, list[Json]] = {name: [] for name in executors}
    for _ in range(arguments.runs):  # interleaved, so all see the same machine state
        for name, executor in executors.items():
            variants[name].append(
                await measured(functools.partial(request_run_with, directory, program_id, executor))
            )
    for executor in executors.values():
        executor.shutdown()
    figures: dict[str, Any] = {name: summary(runs) for name, runs in variants.items()}
    figures["phases_once"] = await phases(body)
    print(f"snapshot of {arguments.enrollees:,} enrollees, {len(body) / 2**20:.1f} MiB of JSON")
    for name, figure in figures.items():
        print(f"{name:>22}: {json.dumps({k: v for k, v in figure.items() if k != 'runs'})}")
    settings = {"enrollees": arguments.enrollees, "snapshot_mib": round(len(body) / 2**20, 1)}
    write_report("matching_snapshot", arguments.seed, settings, figures, {})


if __name__ == "__main__":
    asyncio.run(main())
