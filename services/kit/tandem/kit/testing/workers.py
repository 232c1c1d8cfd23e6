"""For tests of a service's worker as it runs: its real process (which a test may SIGKILL), and
what it leaves on the stream and in the database.

`start_process` (a fixture of the plugin) starts the processes and kills what is left of them
when the test ends; `worker_environment` configures a worker on the test servers.
"""

import asyncio
import contextlib
import json
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any
from uuid import UUID

import pytest
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.kit.auth import KeyPair
from tandem.kit.events import Envelope
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint

StartWorker = Callable[[], subprocess.Popen[bytes]]


def worker_environment(
    service: str,
    database_url: str,
    nats_endpoint: NatsEndpoint,
    namespace: EventNamespace,
    signing_keys: KeyPair,
    **values: str,
) -> dict[str, str]:
    """The environment of `service`'s worker on the test servers, logging warnings only and
    taking small batches back to back (so that a kill lands in the middle of one)."""
    return service_environment(
        service,
        database_url=database_url,
        nats_url=nats_endpoint.url,
        nats_monitor_url=nats_endpoint.monitor_url,
        stream_name=namespace.stream,
        subject_prefix=namespace.subject_prefix,
        jwt_public_key=signing_keys.public_pem,
        log_level="WARNING",
        timer_batch_size="2",
        timer_poll_seconds="0.05",
        relay_batch_size="10",
        relay_idle_poll_seconds="0.05",
        **values,
    )


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    """Wait until `check()` holds; the test fails when it still does not after `timeout`."""
    for _ in range(int(timeout / 0.01)):
        if await check():
            return
        await asyncio.sleep(0.01)
    pytest.fail("the workers did not get there")


async def stream_envelopes(
    js: JetStreamContext, namespace: EventNamespace, event_type: str
) -> list[dict[str, Any]]:
    """Every envelope of `event_type` on the real stream, in order."""
    subscription = await js.subscribe(namespace.subject_prefix + event_type, ordered_consumer=True)
    envelopes = []
    with contextlib.suppress(TimeoutError):
        while True:
            message = await subscription.next_msg(timeout=1.0)
            envelopes.append(json.loads(message.data))
    await subscription.unsubscribe()
    return envelopes


def assert_each_once(envelopes: list[dict[str, Any]], expected: set[UUID], id_field: str) -> None:
    """Each object of `expected` (its id in the payloads' `id_field`) has one event on the
    stream, and nothing else has any: every timer fired once."""
    per_event = Counter(envelope["id"] for envelope in envelopes)
    per_object = Counter(UUID(envelope["payload"][id_field]) for envelope in envelopes)
    assert set(per_object) == expected, "a timer never fired, or one fired that should not"
    assert max(per_event.values()) == 1, "an event was published twice"
    assert max(per_object.values()) == 1, "a timer fired twice"


async def _count(engine: AsyncEngine, query: str) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query)) or 0)


async def fired_timers(engine: AsyncEngine) -> int:
    return await _count(engine, "SELECT count(*) FROM timer WHERE fired_at IS NOT NULL")


async def all_fired_and_published(engine: AsyncEngine, count: int) -> bool:
    """`count` timers fired, and the relay published every event in the outbox."""
    unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    return await fired_timers(engine) == count and await _count(engine, unpublished) == 0


@contextlib.asynccontextmanager
async def running(work: Coroutine[None, None, None]) -> AsyncIterator[None]:
    """`work` (a consumer's `run()`, a relay's) as a task while the block runs, cancelled after."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def publish_copies(
    js: JetStreamContext, namespace: EventNamespace, *envelopes: Envelope
) -> None:
    """Each envelope as a message of its own, under a new message id each time: copies JetStream
    keeps, which only the inbox tells apart."""
    for envelope in envelopes:
        await js.publish(
            namespace.subject_prefix + envelope.type,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": uuid.uuid4().hex},
        )
