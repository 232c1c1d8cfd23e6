"""Feedback's worker as deployed (its own process, taking in events 200 per transaction): killed
in the middle of a batch and started again, it applies every event once."""

import uuid
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext
from sqlalchemy import text

from tandem.kit.auth import KeyPair
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.db import create_engine
from tandem.kit.events import Envelope
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint, StartProcess
from tandem.kit.testing.workers import publish_copies, until, worker_environment

PEOPLE = 5000
WAITING_FOR_HEADCOUNT = (
    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'headcount'::regclass"
)


async def test_a_worker_killed_in_the_middle_of_a_batch_loses_no_event_and_doubles_none(
    start_process: StartProcess,
    own_database_url: str,
    nats_endpoint: NatsEndpoint,
    own_event_namespace: EventNamespace,
    signing_keys: KeyPair,
    own_js: JetStreamContext,
) -> None:
    organization = uuid.uuid4()
    people = [
        Envelope.wrap(PersonCreated(organization_id=organization, person_id=uuid.uuid4()), "p")
        for _ in range(PEOPLE)
    ]
    await publish_copies(own_js, own_event_namespace, *people, *people[:500])  # and some copies
    environment = worker_environment(
        "feedback", own_database_url, nats_endpoint, own_event_namespace, signing_keys
    )
    engine = create_engine(own_database_url)

    async def count(query: str) -> int:
        async with engine.connect() as connection:
            return int(await connection.scalar(text(query)) or 0)

    async def applied() -> int:
        return await count("SELECT count(*) FROM inbox")

    async def a_batch_waits() -> bool:
        return await count(WAITING_FOR_HEADCOUNT) > 0

    try:
        first = start_process(["-m", "tandem.feedback.worker"], environment)
        await until(lambda: _more_than(applied, 0))
        async with engine.connect() as holder:  # the next batch waits inside its transaction
            await holder.execute(text("LOCK TABLE headcount IN SHARE MODE"))
            await until(a_batch_waits)
            first.kill()  # SIGKILL in the middle of a batch
            first.wait()
            await holder.rollback()
        when_killed = await applied()

        start_process(["-m", "tandem.feedback.worker"], environment)
        await until(lambda: _more_than(applied, PEOPLE - 1))

        assert 0 < when_killed < PEOPLE
        assert await count("SELECT count(*) FROM person") == PEOPLE
        assert await count("SELECT people FROM headcount") == PEOPLE  # each counted once
        assert await count("SELECT count(*) FROM dead_letter") == 0
    finally:
        await engine.dispose()


async def _more_than(count: Callable[[], Awaitable[int]], floor: int) -> bool:
    return await count() > floor
