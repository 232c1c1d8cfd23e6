"""A read model rebuilt from the stream: the replay writes the read model only (what handlers
emit or schedule is dropped with the shadow schema), and a stream that lost events is refused."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from nats.js import JetStreamContext
from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tandem.kit import bus
from tandem.kit.events import Envelope, Event
from tandem.kit.outbox import emit
from tandem.kit.rebuild import Replay, StreamIncomplete, rebuild_read_model
from tandem.kit.testing.plugin import EventNamespace
from tandem.kit.testing.workers import publish_copies
from tandem.kit.timers import set_timer

pytestmark = pytest.mark.usefixtures("clean_tables")
TALLY = Table("tally", MetaData(), Column("value", Integer, primary_key=True))


class Counted(Event):
    type: ClassVar[str] = "tandem.kittest.counted.happened"
    value: int


async def tally(session: AsyncSession, event: Counted) -> None:
    """Writes the read model, and has side effects a replay must not repeat."""
    await session.execute(insert(TALLY).values(value=event.value))
    emit(session, Counted(organization_id=event.organization_id, value=-event.value))
    due = datetime.now(UTC) + timedelta(days=1)
    await set_timer(session, f"kittest.tally:{event.value}", due, event)


@pytest.fixture
async def stream(js: JetStreamContext, own_event_namespace: EventNamespace) -> EventNamespace:
    """A stream of the test's own, whose first event is its first."""
    await bus.ensure_stream(js, own_event_namespace.stream, own_event_namespace.subject_prefix)
    return own_event_namespace


def _replay(js: JetStreamContext, stream: EventNamespace) -> Replay:
    return Replay(js, stream.stream, [stream.subject_prefix + Counted.type], {Counted: tally})


def _counted(value: int) -> Envelope:
    return Envelope.wrap(Counted(organization_id=uuid.uuid4(), value=value), "kittest")


async def _count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


async def test_a_replay_writes_the_read_model_and_repeats_no_side_effect(
    js: JetStreamContext, stream: EventNamespace, engine: AsyncEngine, service_database_url: str
) -> None:
    one, two = _counted(1), _counted(2)
    await publish_copies(js, stream, one, two, one)

    rebuilt = await rebuild_read_model(service_database_url, _replay(js, stream), [TALLY], "kt")

    async with engine.connect() as connection:
        assert list(await connection.scalars(text("SELECT value FROM tally ORDER BY 1"))) == [1, 2]
    assert (rebuilt.messages, rebuilt.skipped) == (3, 0)
    assert await _count(engine, "inbox") == 2
    assert (await _count(engine, "outbox"), await _count(engine, "timer")) == (0, 0)


@pytest.mark.parametrize("lose", ["first", "all"])
async def test_a_stream_that_lost_events_is_not_replayed(
    lose: str,
    js: JetStreamContext,
    stream: EventNamespace,
    engine: AsyncEngine,
    service_database_url: str,
) -> None:
    await publish_copies(js, stream, _counted(1), _counted(2))
    if lose == "first":
        await js.delete_msg(stream.stream, 1)
    else:
        await js.purge_stream(stream.stream)

    with pytest.raises(StreamIncomplete):
        await rebuild_read_model(service_database_url, _replay(js, stream), [TALLY], "kt")
    assert await _count(engine, "tally") == 0
