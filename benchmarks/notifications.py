"""Live notifications through the gateway: latency at a fixed rate, and the cost of a resume.

    .venv/bin/python benchmarks/notifications.py [--people 200] [--rate 200] [--seconds 10]
                                                 [--backlog 20000]

A NATS server of its own (temporary directory, `sync_interval: always` as production runs it)
and the gateway as a uvicorn process of its own. `--people` people each hold a subscription over
a WebSocket; events (`ProposalCreated`, each for one person drawn at random) are published at
`--rate` per second for `--seconds`. A figure is the time from just before an event's publish
(its acknowledgement included) to its notification read by its person's client: JetStream, the
gateway's one consumer, its fan-out, strawberry and the WebSocket. Baseline, in the same run: the
same events read straight from the stream by one ordered consumer in the benchmark's process (no
gateway, no WebSocket).

Resume: with `--backlog` events of other people after a person's cursor, and 10 of theirs among
them, the time from subscribing with that cursor to their tenth notification: the replay reads
every notification event after the cursor. Figures go to `benchmarks/results/notifications.json`.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tandem.kit import bus, infra
from tandem.kit.auth import Role, TokenIssuer, generate_key_pair
from tandem.kit.contracts.matching import ProposalCreated
from tandem.kit.events import Envelope
from tandem.kit.settings import service_environment

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "notifications.json"
STREAM = "BENCH_NOTIFICATIONS"
STOP_SECONDS = 30
SUBSCRIBE = "subscription($after: String) { notifications(after: $after) { cursor kind } }"
Json = dict[str, Any]


@contextlib.asynccontextmanager
async def gateway(environment: dict[str, str]) -> AsyncIterator[str]:
    """The gateway as a process of its own, as `dev.py up` runs it; yields its WebSocket URL."""
    port = infra.free_port()
    command = ["-m", "uvicorn", "--factory", "tandem.gateway.main:create_app", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command, "--log-level", "warning", env=os.environ | environment
    )
    try:
        await asyncio.to_thread(infra.wait_for_port, port)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            print(f"the gateway did not stop within {STOP_SECONDS} s of SIGTERM: killed")
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def subscription(url: str, token: str, after: int) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as client:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await client.send(json.dumps(init))
        assert json.loads(await client.recv())["type"] == "connection_ack"
        body = {"query": SUBSCRIBE, "variables": {"after": str(after)}}
        await client.send(json.dumps({"id": "1", "type": "subscribe", "payload": body}))
        yield client


async def cursor_of(client: ClientConnection) -> int:
    message = json.loads(await client.recv())
    if message["type"] != "next" or "errors" in message["payload"]:
        raise RuntimeError(message)
    return int(message["payload"]["data"]["notifications"]["cursor"])


async def publish(js: JetStreamContext, organization_id: UUID, person_id: UUID) -> int:
    event = ProposalCreated(
        organization_id=organization_id,
        proposal_id=uuid4(),
        program_id=uuid4(),
        member_ids=[person_id],
    )
    envelope = Envelope.wrap(event, "bench").model_dump_json().encode()
    return int((await js.publish(event.type, envelope)).seq)


async def at_rate(
    js: JetStreamContext, organization_id: UUID, people: list[UUID], rate: int, seconds: int
) -> dict[int, float]:
    """Publishes `rate` events a second for `seconds`; returns when each was sent, by cursor."""
    sent: dict[int, float] = {}
    rng = random.Random(7)  # noqa: S311 - reproducible data, not secrets
    started = time.perf_counter()
    for n in range(rate * seconds):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        before = time.perf_counter()
        sent[await publish(js, organization_id, rng.choice(people))] = before
    return sent


class Arrivals:
    """When each cursor was read, until all `expected` are in."""

    def __init__(self, expected: int) -> None:
        self.at: dict[int, float] = {}
        self.expected = expected
        self.complete = asyncio.Event()

    def note(self, cursor: int) -> None:
        self.at[cursor] = time.perf_counter()
        if len(self.at) >= self.expected:
            self.complete.set()


def latency(sent: dict[int, float], arrivals: Arrivals) -> Json:
    delays = sorted(arrivals.at[cursor] - sent[cursor] for cursor in sent)
    return {
        "events": len(delays),
        "p50_ms": round(1000 * statistics.median(delays), 2),
        "p99_ms": round(1000 * delays[int(0.99 * (len(delays) - 1))], 2),
        "max_ms": round(1000 * delays[-1], 2),
    }


async def through_gateway(
    js: JetStreamContext, url: str, issuer: TokenIssuer, arguments: argparse.Namespace
) -> Json:
    organization_id = uuid4()
    people = [uuid4() for _ in range(arguments.people)]
    arrivals = Arrivals(arguments.rate * arguments.seconds)
    start = (await js.stream_info(STREAM)).state.last_seq

    async def read(client: ClientConnection) -> None:
        while True:
            arrivals.note(await cursor_of(client))

    async with contextlib.AsyncExitStack() as clients:
        readers = []
        for person in people:
            token = issuer.issue(person, organization_id, [Role.PARTICIPANT])
            client = await clients.enter_async_context(subscription(url, token, start))
            readers.append(asyncio.create_task(read(client)))
        sent = await at_rate(js, organization_id, people, arguments.rate, arguments.seconds)
        await arrivals.complete.wait()
        for reader in readers:
            reader.cancel()
    return latency(sent, arrivals)


async def straight_from_the_stream(js: JetStreamContext, arguments: argparse.Namespace) -> Json:
    arrivals = Arrivals(arguments.rate * arguments.seconds)

    async def note(message: Any) -> None:
        arrivals.note(message.metadata.sequence.stream)

    consumer = await js.subscribe(
        "tandem.>", stream=STREAM, cb=note, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )
    people = [uuid4() for _ in range(arguments.people)]
    sent = await at_rate(js, uuid4(), people, arguments.rate, arguments.seconds)
    await arrivals.complete.wait()
    await consumer.unsubscribe()
    return latency(sent, arrivals)


async def resume(
    js: JetStreamContext, url: str, issuer: TokenIssuer, arguments: argparse.Namespace
) -> Json:
    organization_id, person, others = uuid4(), uuid4(), [uuid4() for _ in range(100)]
    after = (await js.stream_info(STREAM)).state.last_seq
    drawn = random.Random(3)  # noqa: S311 - reproducible data, not secrets
    theirs = set(drawn.sample(range(arguments.backlog), 10))
    for n in range(arguments.backlog):
        await publish(js, organization_id, person if n in theirs else others[n % len(others)])
    token = issuer.issue(person, organization_id, [Role.PARTICIPANT])
    started = time.perf_counter()
    async with subscription(url, token, after) as client:
        for _ in theirs:
            await cursor_of(client)
    seconds = time.perf_counter() - started
    return {
        "events_after_cursor": arguments.backlog,
        "theirs": len(theirs),
        "seconds": round(seconds, 3),
        "events_read_per_second": round(arguments.backlog / seconds),
    }


async def main(arguments: argparse.Namespace) -> None:
    keys = generate_key_pair()
    issuer = TokenIssuer(keys.private_pem)
    with tempfile.TemporaryDirectory(prefix="bench-notifications-nats-") as store:
        server = infra.embedded_nats(Path(store), sync_always=True).start()
        try:
            connection = await nats.connect(server.url)
            js = connection.jetstream()
            await bus.ensure_stream(js, STREAM)
            environment = service_environment(
                "gateway", jwt_public_key=keys.public_pem, nats_url=server.url, stream_name=STREAM
            )
            async with gateway(environment) as url:
                baseline = await straight_from_the_stream(js, arguments)
                live = await through_gateway(js, url, issuer, arguments)
                resumed = await resume(js, url, issuer, arguments)
            await connection.close()
        finally:
            server.stop()
    figures = {
        "people_connected": arguments.people,
        "rate_per_second": arguments.rate,
        "seconds": arguments.seconds,
        "through_gateway": live,
        "baseline_straight_from_stream": baseline,
        "resume": resumed,
    }
    print(json.dumps(figures, indent=2))
    report = {
        "benchmark": "notifications",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "nats": "embedded, sync_interval: always",
            "gateway": "a uvicorn process of its own; clients and publisher in the benchmark's",
        },
        "notifications": figures,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backlog", type=int, default=20_000)
    asyncio.run(main(parser.parse_args()))
