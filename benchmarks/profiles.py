"""Profiles performance: the HRIS import of 10,000 people and the snapshot of 5,000 enrollees.

    .venv/bin/python benchmarks/profiles.py [--people 10000] [--enrollees 5000] [--runs 5]
                                            [--profile import|snapshot]

The profiles app runs in this process, on a fresh database `bench_profiles` of the PostgreSQL
that `DATABASE_URL` names (without it, an embedded one in `.tandem/bench-postgres`), and is
called through httpx's ASGI transport: what is timed is the app and the database, no network.
NATS is only used for readiness, so `NATS_URL` may be unset (the app then retries in the
background and the API works). Figures go to `benchmarks/results/profiles.json`; see
`benchmarks/README.md` for what each one means.
"""

import argparse
import asyncio
import cProfile
import csv
import gc
import io
import json
import os
import platform
import pstats
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import asyncpg
import httpx

from tandem.kit import infra
from tandem.kit.auth import Role, Scope, TokenIssuer, generate_key_pair
from tandem.kit.migrations import alembic_ini, upgrade
from tandem.kit.settings import service_environment
from tandem.profiles.main import app

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "profiles.json"
DATABASE = "bench_profiles"
SEED = 20_261_123
SPAN_OF_CONTROL = 7
BASELINE_API_PEOPLE = 500
SKILLS = 60
ACTIVE = "active"
DECLARED_CONFLICTS = 100

DEPARTMENTS = [
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "People",
    "Legal",
    "Support",
    "Product",
    "Design",
    "Operations",
    "Research",
    "Data",
]
PLACES = [
    ("Amsterdam", "Europe/Amsterdam", "nl"),
    ("London", "Europe/London", "en"),
    ("New York", "America/New_York", "en"),
    ("Berlin", "Europe/Berlin", "de"),
    ("Singapore", "Asia/Singapore", "en"),
    ("São Paulo", "America/Sao_Paulo", "pt"),
]
CSV_COLUMNS = [
    "external_id",
    "email",
    "full_name",
    "department",
    "title",
    "job_level",
    "manager_external_id",
    "location",
    "time_zone",
    "languages",
    "hire_date",
]
TITLES = ["Chief Executive", "Vice President", "Director", "Manager", "Team Lead", "Specialist"]

T = TypeVar("T")
Json = dict[str, Any]


# The organization ------------------------------------------------------------------------------


def people_rows(count: int, seed: int = SEED) -> list[Json]:
    """An organization as its HRIS exports it: a manager tree (each manager has up to seven
    reports, five levels deep for 10,000), rows in no useful order."""
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    rows = [_person_row(number, rng) for number in range(count)]
    rng.shuffle(rows)
    return rows


def _person_row(number: int, rng: random.Random) -> Json:
    level = _tree_level(number)
    place, zone, language = rng.choice(PLACES)
    row: Json = {
        "external_id": f"E{number:06d}",
        "email": f"person{number}@bench.example",
        "full_name": f"Person {number}",
        "department": DEPARTMENTS[number % len(DEPARTMENTS)],
        "title": TITLES[min(level, len(TITLES) - 1)],
        "job_level": max(1, 10 - 2 * level),
        "location": place,
        "time_zone": zone,
        "languages": sorted({"en", language}),
        "hire_date": (date(2010, 1, 1) + timedelta(days=rng.randrange(5_000))).isoformat(),
    }
    if number:
        row["manager_external_id"] = f"E{(number - 1) // SPAN_OF_CONTROL:06d}"
    return row


def _tree_level(number: int) -> int:
    level = 0
    while number:
        number = (number - 1) // SPAN_OF_CONTROL
        level += 1
    return level


def to_csv(rows: list[Json]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row | {"languages": ";".join(row["languages"])})
    return out.getvalue()


# Measuring -------------------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: float
    gc_seconds: float


@dataclass
class Figure:
    name: str
    timing: Timing
    items: int
    note: str = ""

    def as_json(self) -> Json:
        seconds = self.timing.seconds
        return {
            "seconds": round(seconds, 3),
            "gc_seconds": round(self.timing.gc_seconds, 3),
            "items": self.items,
            "per_second": round(self.items / seconds) if seconds else None,
            "note": self.note,
        }


class GcClock:
    """Time spent in Python's cyclic garbage collector, which a big request pays for too."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


GC_CLOCK = GcClock()


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[Timing, T]:
    gc_before, started = GC_CLOCK.seconds, time.perf_counter()
    result = await work()
    return Timing(time.perf_counter() - started, GC_CLOCK.seconds - gc_before), result


@contextmanager
def profiled(enabled: bool, name: str) -> Iterator[None]:
    """cProfile around one measurement; the top of the cumulative list is printed."""
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        path = RESULTS.parent / f"profiles-{name}.prof"
        profiler.dump_stats(path)
        print(f"\n--- profile of {name} (also in {path.relative_to(ROOT)}) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# The app ---------------------------------------------------------------------------------------


@dataclass
class Bench:
    client: httpx.AsyncClient
    issuer: TokenIssuer
    database: asyncpg.Connection

    def headers(self, organization_id: UUID, *roles: Role, scopes: list[str] | None = None) -> Json:
        subject = "bench-partner" if Role.PARTNER in roles else str(uuid4())
        token = self.issuer.issue(subject, organization_id, list(roles), scopes)
        return {"Authorization": f"Bearer {token}"}

    def admin(self, organization_id: UUID) -> Json:
        return self.headers(organization_id, Role.HR_ADMIN)

    async def call(self, method: str, path: str, headers: Json, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response


def server_url() -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(ROOT / ".tandem" / "bench-postgres")


@asynccontextmanager
async def running_app(database_url: str) -> AsyncIterator[Bench]:
    keys = generate_key_pair()
    environment = service_environment(
        "profiles",
        database_url=database_url,
        nats_url=os.environ.get("NATS_URL") or f"nats://127.0.0.1:{infra.free_port()}",
        jwt_public_key=keys.public_pem,
        log_level="WARNING",
    )
    os.environ.update(environment)  # the app reads its settings when it starts
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as client:
            connection = await asyncpg.connect(_asyncpg_dsn(database_url))
            try:
                yield Bench(client, TokenIssuer(keys.private_pem), connection)
            finally:
                await connection.close()


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


# (a) HRIS import -------------------------------------------------------------------------------


async def import_json(bench: Bench, organization_id: UUID, rows: list[Json]) -> Json:
    response = await bench.call(
        "POST", "/imports/people", bench.admin(organization_id), json={"rows": rows}
    )
    result: Json = response.json()
    return result


async def import_csv(bench: Bench, organization_id: UUID, body: str) -> Json:
    headers = bench.admin(organization_id) | {"Content-Type": "text/csv"}
    response = await bench.call("POST", "/imports/people.csv", headers, content=body.encode())
    result: Json = response.json()
    return result


def _expect(result: Json, **counts: int) -> None:
    seen = {name: result[name] for name in counts}
    if seen != counts or result["errors"]:
        raise RuntimeError(f"unexpected import result {seen}, errors {result['errors'][:3]}")


async def measure_imports(bench: Bench, rows: list[Json], profile: bool) -> list[Figure]:
    """Each variant in an organization of its own: first everyone is new, then no one changed."""
    people, figures = len(rows), []
    await import_json(bench, uuid4(), people_rows(100, SEED - 1))  # first-call costs, not timed
    organization_id = uuid4()
    with profiled(profile, "import"):
        timing, result = await timed(lambda: import_json(bench, organization_id, rows))
    _expect(result, created=people)
    figures.append(Figure("import JSON, first run (all created)", timing, people))
    timing, result = await timed(lambda: import_json(bench, organization_id, rows))
    _expect(result, unchanged=people)
    figures.append(Figure("import JSON, second run (all unchanged)", timing, people))
    body, organization_id = to_csv(rows), uuid4()
    timing, result = await timed(lambda: import_csv(bench, organization_id, body))
    _expect(result, created=people)
    figures.append(Figure("import CSV, first run (all created)", timing, people))
    timing, result = await timed(lambda: import_csv(bench, organization_id, body))
    _expect(result, unchanged=people)
    figures.append(Figure("import CSV, second run (all unchanged)", timing, people))
    return figures


def managers_first(rows: list[Json]) -> list[Json]:
    return sorted(rows, key=lambda row: row["external_id"])  # numbered breadth first


async def baseline_api(bench: Bench, rows: list[Json]) -> Figure:
    """POST /people for the first people of the tree, one by one, managers first."""
    organization_id, ids = uuid4(), dict[str, str]()
    headers = bench.admin(organization_id)
    sample = managers_first(rows)[:BASELINE_API_PEOPLE]

    async def create_all() -> None:
        for row in sample:
            body = {key: value for key, value in row.items() if key != "manager_external_id"}
            if "manager_external_id" in row:
                body["manager_id"] = ids[row["manager_external_id"]]
            created = await bench.call("POST", "/people", headers, json=body)
            ids[row["external_id"]] = created.json()["id"]

    timing, _ = await timed(create_all)
    scale = len(rows) / len(sample)
    extrapolated = Timing(timing.seconds * scale, timing.gc_seconds * scale)
    note = f"{len(sample)} timed ({timing.seconds:.2f} s), extrapolated to {len(rows)}"
    return Figure("baseline: POST /people one by one", extrapolated, len(rows), note)


async def baseline_sql(bench: Bench, rows: list[Json]) -> Figure:
    """The same rows inserted with one asyncpg executemany: no API, checks or events."""
    organization_id, ids = uuid4(), {row["external_id"]: uuid4() for row in rows}
    records = [_person_record(organization_id, row, ids) for row in managers_first(rows)]

    async def insert() -> None:
        async with bench.database.transaction():
            await bench.database.executemany(
                "INSERT INTO person (id, organization_id, external_id, email, full_name,"
                " department, title, job_level, manager_id, location, time_zone, languages,"
                " interests, hire_date, version) VALUES"
                " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '{}', $13, 1)",
                records,
            )

    timing, _ = await timed(insert)
    return Figure("baseline: SQL executemany insert", timing, len(rows), "no events, no checks")


def _person_record(organization_id: UUID, row: Json, ids: dict[str, UUID]) -> tuple[Any, ...]:
    manager = row.get("manager_external_id")
    return (
        ids[row["external_id"]],
        organization_id,
        row["external_id"],
        row["email"],
        row["full_name"],
        row["department"],
        row["title"],
        row["job_level"],
        ids[manager] if manager else None,
        row["location"],
        row["time_zone"],
        row["languages"],
        date.fromisoformat(row["hire_date"]),
    )


# (b) Snapshot ----------------------------------------------------------------------------------


@dataclass
class Pool:
    organization_id: UUID
    program_id: str
    enrollees: int


async def arrange_pool(bench: Bench, rows: list[Json]) -> Pool:
    """Enrollees with 3 offered and 2 wanted skills and 3 weekly windows each (not timed)."""
    organization_id, rng = uuid4(), random.Random(SEED)  # noqa: S311 - reproducible data
    _expect(await import_json(bench, organization_id, rows), created=len(rows))
    people = await bench.database.fetch(
        "SELECT id, manager_id FROM person WHERE organization_id = $1 ORDER BY external_id",
        organization_id,
    )
    skills = await _create_skills(bench, organization_id)
    program_id = await _create_program(bench, organization_id)
    person_ids = [person["id"] for person in people]
    await _copy_details(bench, person_ids, skills, rng)
    await _copy_enrollments(bench, organization_id, UUID(program_id), person_ids, skills, rng)
    await _copy_conflicts(bench, organization_id, person_ids, rng)
    await bench.database.execute("ANALYZE")
    return Pool(organization_id, program_id, len(person_ids))


async def _create_skills(bench: Bench, organization_id: UUID) -> list[UUID]:
    headers, skills = bench.admin(organization_id), []
    for number in range(SKILLS):
        created = await bench.call("POST", "/skills", headers, json={"name": f"Skill {number}"})
        skills.append(UUID(created.json()["id"]))
    return skills


async def _create_program(bench: Bench, organization_id: UUID) -> str:
    headers = bench.admin(organization_id)
    rules = {"conflicts": {"reporting_chain_depth": 2, "same_manager_peers_allowed": False}}
    body = {
        "name": "Bench mentoring",
        "kind": "traditional",
        "rules": rules,
        "start_date": "2027-01-04",
        "end_date": "2027-06-30",
    }
    program_id: str = (await bench.call("POST", "/programs", headers, json=body)).json()["id"]
    await bench.call(
        "POST", f"/programs/{program_id}/transitions", headers, json={"to": "enrolling"}
    )
    return program_id


async def _copy_details(
    bench: Bench, person_ids: list[UUID], skills: list[UUID], rng: random.Random
) -> None:
    offered, wanted, windows = [], [], []
    for person_id in person_ids:
        chosen = rng.sample(skills, 5)
        offered += [(person_id, skill, rng.randint(1, 5)) for skill in chosen[:3]]
        wanted += [(person_id, skill, priority) for priority, skill in enumerate(chosen[3:], 1)]
        for weekday in rng.sample(range(5), 3):
            start = weekday * 1440 + rng.choice(range(8 * 60, 16 * 60, 15))
            windows.append((person_id, start, start + rng.choice((60, 90, 120))))
    copy = bench.database.copy_records_to_table
    await copy("offered_skill", records=offered, columns=["person_id", "skill_id", "proficiency"])
    await copy("wanted_skill", records=wanted, columns=["person_id", "skill_id", "priority"])
    await copy(
        "availability_window", records=windows, columns=["person_id", "start_minute", "end_minute"]
    )


async def _copy_enrollments(
    bench: Bench,
    organization_id: UUID,
    program_id: UUID,
    person_ids: list[UUID],
    skills: list[UUID],
    rng: random.Random,
) -> None:
    records = [
        _enrollment_record(organization_id, program_id, person_id, skills, rng)
        for person_id in person_ids
    ]
    columns = [
        "id",
        "organization_id",
        "program_id",
        "person_id",
        "role",
        "capacity",
        "goals",
        "wanted_skill_ids",
        "status",
    ]
    await bench.database.copy_records_to_table("enrollment", records=records, columns=columns)


def _enrollment_record(
    organization_id: UUID,
    program_id: UUID,
    person_id: UUID,
    skills: list[UUID],
    rng: random.Random,
) -> tuple[Any, ...]:
    role = rng.choice(("mentor", "mentee", "either"))
    goals = "Grow as a leader and learn the basics of the data platform."
    capacity = 2 if role == "mentor" else 1
    wanted = rng.sample(skills, 2)
    return (uuid4(), organization_id, program_id, person_id, role, capacity, goals, wanted, ACTIVE)


async def _copy_conflicts(
    bench: Bench, organization_id: UUID, person_ids: list[UUID], rng: random.Random
) -> None:
    pairs = {tuple(sorted(rng.sample(person_ids, 2))) for _ in range(DECLARED_CONFLICTS)}
    records = [(uuid4(), organization_id, a, b, "bench") for a, b in pairs]
    columns = ["id", "organization_id", "person_a_id", "person_b_id", "reason"]
    await bench.database.copy_records_to_table(
        "declared_conflict", records=records, columns=columns
    )


async def measure_snapshot(bench: Bench, pool: Pool, runs: int, profile: bool) -> Json:
    headers = bench.headers(pool.organization_id, Role.PARTNER, scopes=[Scope.SNAPSHOTS_READ.value])
    path = f"/programs/{pool.program_id}/snapshot"
    timings: list[Timing] = []
    for run in range(runs):
        with profiled(profile and run == runs - 1, "snapshot"):
            timing, response = await timed(lambda: bench.call("GET", path, headers))
        timings.append(timing)
    snapshot = response.json()
    if len(snapshot["enrollees"]) != pool.enrollees:
        raise RuntimeError(f"the snapshot holds {len(snapshot['enrollees'])} enrollees")
    seconds = [timing.seconds for timing in timings]
    return {
        "enrollees": pool.enrollees,
        "runs": runs,
        "seconds_min": round(min(seconds), 3),
        "seconds_median": round(statistics.median(seconds), 3),
        "seconds_all": [round(each, 3) for each in seconds],
        "gc_seconds_median": round(statistics.median(t.gc_seconds for t in timings), 3),
        "response_bytes": len(response.content),
        "forbidden_pairs": len(snapshot["forbidden_pairs"]),
    }


# The machine and the report --------------------------------------------------------------------


async def machine(bench: Bench) -> Json:
    settings = {
        name: await bench.database.fetchval(f"SHOW {name}")
        for name in ("server_version", "shared_buffers", "synchronous_commit", "fsync")
    }
    return {
        "cpu_cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": settings.pop("server_version"),
        "postgresql_settings": settings,
        "postgresql_source": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
    }


def print_table(figures: list[Figure], snapshot: Json) -> None:
    print(f"\n{'measurement':<42} {'seconds':>8} {'of it GC':>8} {'items':>6} {'items/s':>8}  note")
    for figure in figures:
        seconds, gc_seconds = figure.timing.seconds, figure.timing.gc_seconds
        rate = f"{figure.items / seconds:,.0f}" if seconds else "-"
        print(
            f"{figure.name:<42} {seconds:>8.2f} {gc_seconds:>8.2f} {figure.items:>6} {rate:>8}"
            f"  {figure.note}"
        )
    print(
        f"{'snapshot of ' + str(snapshot['enrollees']) + ' enrollees, min / median':<42}"
        f" {snapshot['seconds_min']:.2f} / {snapshot['seconds_median']:.2f}"
        f" {snapshot['gc_seconds_median']:>6.2f} (median) over {snapshot['runs']} runs,"
        f" {snapshot['response_bytes'] / 2**20:.1f} MiB,"
        f" {snapshot['forbidden_pairs']} forbidden pairs"
    )


def write_results(figures: list[Figure], snapshot: Json, about: Json, people: int) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "profiles",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": about,
        "inputs": {
            "people": people,
            "span_of_control": SPAN_OF_CONTROL,
            "tree_depth": _tree_level(people - 1),
            "baseline_api_people": BASELINE_API_PEOPLE,
            "snapshot": {
                "enrollees": snapshot["enrollees"],
                "offered_skills_each": 3,
                "wanted_skills_each": 2,
                "windows_each": 3,
                "declared_conflicts": DECLARED_CONFLICTS,
                "rules": "reporting_chain_depth 2, same_manager_peers_allowed false",
            },
        },
        "import": {figure.name: figure.as_json() for figure in figures},
        "snapshot": snapshot,
    }
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


# Main ------------------------------------------------------------------------------------------


async def main(arguments: argparse.Namespace) -> None:
    database_url = await infra.create_database(server_url(), DATABASE, recreate=True)
    await upgrade(alembic_ini("profiles"), database_url)
    rows = people_rows(arguments.people)
    async with running_app(database_url) as bench:
        figures = await measure_imports(bench, rows, arguments.profile == "import")
        figures.append(await baseline_api(bench, rows))
        figures.append(await baseline_sql(bench, rows))
        pool = await arrange_pool(bench, people_rows(arguments.enrollees, SEED + 1))
        snapshot = await measure_snapshot(
            bench, pool, arguments.runs, arguments.profile == "snapshot"
        )
        about = await machine(bench)
    print_table(figures, snapshot)
    write_results(figures, snapshot, about, arguments.people)
    await infra.drop_database(server_url(), DATABASE)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--enrollees", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", choices=["import", "snapshot"], default=None)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_arguments()))
