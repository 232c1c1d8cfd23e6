"""Outbox relay throughput: how fast a backlog of events goes from the outbox onto the stream.

    .venv/bin/python benchmarks/relay.py [--events 5000] [--batch 100] [--runs 3]

The relay (`tandem.kit.outbox.OutboxRelay.publish_pending`) drains a backlog of `--events`
outbox rows from a fresh database `bench_relay` of the PostgreSQL that `DATABASE_URL` names
(without it, an embedded one in `.tandem/bench-postgres`) onto a NATS server of its own,
started in a temporary directory with `sync_interval: always` as production runs it. A run
times the whole drain; a batch's seconds are how long its rows stay locked and unmarked, the
time in which a crash makes the relay publish them again. Figures go to
`benchmarks/results/relay.json`.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

import nats
from sqlalchemy import text

from tandem.kit import bus, infra
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.events import Event
from tandem.kit.migrations import create_event_tables
from tandem.kit.outbox import OutboxRelay, emit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "relay.json"
DATABASE = "bench_relay"
STREAM = "BENCH_RELAY"
Json = dict[str, Any]


class BenchmarkHappened(Event):
    type: ClassVar[str] = "tandem.bench.thing.happened"
    person_id: UUID


def server_url() -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(ROOT / ".tandem" / "bench-postgres")


async def drain_once(database_url: str, nats_url: str, events: int, batch: int) -> float:
    """Fill the outbox with `events` rows, then time one relay publishing all of them."""
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine, "bench")
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        await js.purge_stream(STREAM)
        async with engine.begin() as database:
            await database.execute(text("TRUNCATE outbox"))
        async with sessionmaker() as session, session.begin():
            for _ in range(events):
                emit(session, BenchmarkHappened(organization_id=uuid4(), person_id=uuid4()))
        relay = OutboxRelay(engine, sessionmaker, js, batch_size=batch)
        started = time.perf_counter()
        published = await relay.publish_pending()
        seconds = time.perf_counter() - started
        assert published == events, published
        assert (await js.stream_info(STREAM)).state.messages == events
        return seconds
    finally:
        await connection.close()
        await engine.dispose()


async def main(arguments: argparse.Namespace) -> None:
    database_url = await infra.create_database(server_url(), DATABASE, recreate=True)
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(create_event_tables)
    await engine.dispose()
    with tempfile.TemporaryDirectory(prefix="bench-relay-nats-") as store:
        server = infra.embedded_nats(Path(store), sync_always=True).start()
        try:
            connection = await nats.connect(server.url)
            await bus.ensure_stream(connection.jetstream(), STREAM)
            await connection.close()
            runs = [
                await drain_once(database_url, server.url, arguments.events, arguments.batch)
                for _ in range(arguments.runs)
            ]
        finally:
            server.stop()
    await infra.drop_database(server_url(), DATABASE)
    median = statistics.median(runs)
    batches = -(-arguments.events // arguments.batch)
    figures = {
        "events": arguments.events,
        "batch_size": arguments.batch,
        "runs_seconds": [round(run, 3) for run in runs],
        "median_seconds": round(median, 3),
        "events_per_second": round(arguments.events / median),
        "seconds_per_batch": round(median / batches, 4),
    }
    print(json.dumps(figures, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "relay",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql_source": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
            "nats": "embedded, sync_interval: always",
        },
        "relay": figures,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
