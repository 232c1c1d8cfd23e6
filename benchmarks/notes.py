"""Notes performance: what sealing notes at rest costs. Note writes (`POST
/mentorships/{id}/notes`) and reads (`GET /notes/{id}`) through the sessions app and its
database, sealed as deployed and, in the same run, with sealing switched off (the same code
path with `seal`, `unseal` and the key unwrap replaced by pass-throughs) as the baseline;
rounds of the two alternate so that drift of the machine hits both alike. Also the sealing
alone (AES-256-GCM of one note plus the unwrap of its organization's key), without the app.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/notes.py [--notes 2000] [--rounds 10] [--body-bytes 2000]

Without `DATABASE_URL` an embedded PostgreSQL (pgserver) is started in .tandem/bench-postgres.
The app runs in this process on a fresh database `bench_notes` (migrated to head, dropped at
the end) and is called through httpx's ASGI transport: a figure is the app and the database,
with no network in between. Target (issue 11): sealing adds < 1 ms per note at p99. Figures go
to `benchmarks/results/notes.json`.
"""

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import os
import random
import statistics
import string
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from company import machine

from tandem.kit import infra
from tandem.kit.auth import Role, TokenIssuer, generate_key_pair
from tandem.kit.migrations import alembic_ini, upgrade
from tandem.kit.settings import service_environment
from tandem.sessions import notes
from tandem.sessions.main import app
from tandem.sessions.models import Mentorship, WorkspaceStatus
from tandem.sessions.sealing import Keyring, new_key, seal, unseal

Json = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "notes.json"
DATABASE = "bench_notes"
MENTORSHIPS = 50
SEED = 11


def server_url() -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(ROOT / ".tandem" / "bench-postgres")


@contextlib.asynccontextmanager
async def running_app(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, TokenIssuer]]:
    keys = generate_key_pair()
    master = base64.b64encode(os.urandom(32)).decode()
    os.environ.update(
        service_environment(
            "sessions",
            database_url=database_url,
            nats_url=os.environ.get("NATS_URL") or f"nats://127.0.0.1:{infra.free_port()}",
            jwt_public_key=keys.public_pem,
            service_signing_key=keys.private_pem,
            notes_master_keys=json.dumps({"bench": master}),
            log_level="WARNING",
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client, TokenIssuer(keys.private_pem)


async def mentorships(organization_id: UUID) -> list[tuple[UUID, UUID]]:
    """Started two-person mentorships, written straight to the database: (id, author)."""
    found = []
    async with app.state.sessionmaker() as session, session.begin():
        for _ in range(MENTORSHIPS):
            members = [uuid4(), uuid4()]
            mentorship = Mentorship(
                id=uuid4(),
                organization_id=organization_id,
                program_id=uuid4(),
                member_ids=members,
                status=WorkspaceStatus.ACTIVE,
                started_at=datetime.now(UTC),
            )
            session.add(mentorship)
            found.append((mentorship.id, members[0]))
    return found


@contextlib.contextmanager
def sealing_off() -> Iterator[None]:
    """The notes code path with sealing replaced by pass-throughs: the baseline."""
    originals = notes.seal, notes.unseal, notes._open_key
    notes.seal = lambda _key, plaintext, _bound: plaintext  # type: ignore[assignment]
    notes.unseal = lambda _key, sealed, _bound: sealed  # type: ignore[assignment]
    notes._open_key = lambda _keyring, _stored: b""  # type: ignore[assignment]
    try:
        yield
    finally:
        notes.seal, notes.unseal, notes._open_key = originals


def body_of(rng: random.Random, size: int) -> str:
    return "".join(rng.choices(string.ascii_letters + " .,", k=size))


Sample = tuple[float, float]


async def timed(request: Awaitable[httpx.Response]) -> tuple[Sample, httpx.Response]:
    """The request's latency and this process's CPU time for it (the app's work, without the
    database server's, and less disturbed by other processes on the machine), in ms; and its
    answer (a refusal stops the run)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    response = await request
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu_started) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code} {response.text[:300]}")
    return (elapsed, cpu), response


async def one_round(
    client: httpx.AsyncClient,
    headers: dict[UUID, dict[str, str]],
    pairs: list[tuple[UUID, UUID]],
    rng: random.Random,
    count: int,
    body_bytes: int,
) -> tuple[list[Sample], list[Sample]]:
    """`count` notes written, then each read by its author: latencies and CPU times in ms."""
    writes: list[Sample] = []
    reads: list[Sample] = []
    written = []
    for _ in range(count):
        mentorship_id, author = rng.choice(pairs)
        payload = {"body": body_of(rng, body_bytes), "visibility": "shared"}
        path = f"/mentorships/{mentorship_id}/notes"
        sample, response = await timed(client.post(path, json=payload, headers=headers[author]))
        writes.append(sample)
        written.append((response.json()["id"], author))
    for note_id, author in written:
        sample, _ = await timed(client.get(f"/notes/{note_id}", headers=headers[author]))
        reads.append(sample)
    return writes, reads


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def figures(samples: list[Sample]) -> Json:
    wall = sorted(elapsed for elapsed, _ in samples)
    cpu = sorted(spent for _, spent in samples)
    return {
        "requests": len(wall),
        "p50_ms": round(statistics.median(wall), 3),
        "p99_ms": round(_p99(wall), 3),
        "max_ms": round(wall[-1], 3),
        "cpu_p50_ms": round(statistics.median(cpu), 3),
        "cpu_p99_ms": round(_p99(cpu), 3),
    }


def sealing_alone(body_bytes: int, repeats: int) -> Json:
    """One note sealed and opened, with its organization's key unwrapped each time (as every
    request does), without the app: microseconds per note."""
    keyring = Keyring({"bench": new_key()}, "bench")
    organization_id = uuid4()
    wrapped = keyring.wrap(organization_id, new_key())
    bound = uuid4().bytes * 2
    plaintext = body_of(random.Random(SEED), body_bytes).encode()  # noqa: S311 - test data
    seal_us, open_us = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        sealed = seal(keyring.unwrap(organization_id, wrapped), plaintext, bound)
        seal_us.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        unseal(keyring.unwrap(organization_id, wrapped), sealed, bound)
        open_us.append((time.perf_counter() - started) * 1e6)
    return {
        "repeats": repeats,
        "seal_p50_us": round(statistics.median(seal_us), 2),
        "seal_p99_us": round(sorted(seal_us)[int(repeats * 0.99)], 2),
        "open_p50_us": round(statistics.median(open_us), 2),
        "open_p99_us": round(sorted(open_us)[int(repeats * 0.99)], 2),
    }


async def measure(arguments: argparse.Namespace) -> Json:
    url = server_url()
    database_url = await infra.create_database(url, DATABASE, recreate=True)
    try:
        await upgrade(alembic_ini("sessions"), database_url)
        async with running_app(database_url) as (client, issuer):
            organization_id = uuid4()
            pairs = await mentorships(organization_id)
            headers = {
                author: {
                    "Authorization": "Bearer "
                    + issuer.issue(str(author), organization_id, [Role.PARTICIPANT])
                }
                for _, author in pairs
            }
            rng = random.Random(SEED)  # noqa: S311 - reproducible data, not secrets
            per_round = arguments.notes // arguments.rounds
            await one_round(client, headers, pairs, rng, 50, arguments.body_bytes)  # warm-up
            samples: dict[str, dict[str, list[Sample]]] = {
                mode: {"write": [], "read": []} for mode in ("sealed", "plain")
            }
            gc.disable()
            try:
                for _ in range(arguments.rounds):
                    for mode in ("sealed", "plain"):
                        switch = sealing_off() if mode == "plain" else contextlib.nullcontext()
                        with switch:
                            writes, reads = await one_round(
                                client, headers, pairs, rng, per_round, arguments.body_bytes
                            )
                        samples[mode]["write"] += writes
                        samples[mode]["read"] += reads
                        gc.collect()
            finally:
                gc.enable()
    finally:
        await infra.drop_database(url, DATABASE)
    runs = {
        mode: {kind: figures(values) for kind, values in by_kind.items()}
        for mode, by_kind in samples.items()
    }
    added = {
        kind: {
            figure: round(runs["sealed"][kind][figure] - runs["plain"][kind][figure], 3)
            for figure in ("p50_ms", "p99_ms", "cpu_p50_ms", "cpu_p99_ms")
        }
        for kind in ("write", "read")
    }
    return {
        "benchmark": "notes",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine()
        | {"postgresql_source": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"},
        "settings": {
            "notes_per_mode": per_round * arguments.rounds,
            "rounds": arguments.rounds,
            "body_bytes": arguments.body_bytes,
            "mentorships": MENTORSHIPS,
            "seed": SEED,
        },
        "sealed": runs["sealed"],
        "baseline_plain": runs["plain"],
        "sealing_adds": added,
        "sealing_alone": sealing_alone(arguments.body_bytes, 20_000),
        "target": "sealing adds < 1 ms per note at p99",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=2000, help="notes written per mode")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--body-bytes", type=int, default=2000)
    report = asyncio.run(measure(parser.parse_args()))
    print(
        f"\n{'mode':<14} {'kind':<6} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'cpu p50':>8} {'cpu p99':>8}"
    )
    for mode in ("sealed", "baseline_plain"):
        for kind, run in report[mode].items():
            print(
                f"{mode:<14} {kind:<6} {run['requests']:>8} {run['p50_ms']:>8.3f} "
                f"{run['p99_ms']:>8.3f} {run['max_ms']:>8.3f} {run['cpu_p50_ms']:>8.3f} "
                f"{run['cpu_p99_ms']:>8.3f}"
            )
    print(f"\nsealing adds: {report['sealing_adds']}")
    print(f"sealing alone: {report['sealing_alone']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to benchmarks/results/{RESULTS.name}")


if __name__ == "__main__":
    main()
