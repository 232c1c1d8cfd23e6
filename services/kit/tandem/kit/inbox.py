"""Idempotent consumption: the inbox records each event id with its effects, in one transaction.

A message is acknowledged only after that transaction commits, so a crash in between leads to a
redelivery that the inbox recognises. A message that keeps failing is moved to the dead-letter
store after a bounded number of deliveries, from where operators can replay it. The database
being away counts as no delivery: the consumer waits for it and tries the message again.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import structlog
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from pydantic import BaseModel, ValidationError
from sqlalchemy import ARRAY, String, Uuid, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.errors import Conflict, NotFound, is_database_outage
from tandem.kit.events import Envelope, Event
from tandem.kit.logs import bind_correlation_id, clear_correlation_id
from tandem.kit.metrics import EVENTS_HANDLED
from tandem.kit.models import DeadLetter, InboxEvent
from tandem.kit.writes import collecting_writes, next_event

log = structlog.get_logger()

FIRST_OUTAGE_WAIT_SECONDS = 0.1
LONGEST_OUTAGE_WAIT_SECONDS = 5.0

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
Handlers = Mapping[type[Event], Handler]


class DeadLetterNotFound(NotFound):
    detail = "No such dead letter."


class DeadLetterReplayFailed(Conflict):
    detail = "The dead letter failed again; it stays in the store."


class DeadLetterNotHandledHere(Conflict):
    detail = "Nothing in this service handles the dead letter's event type; it stays in the store."


async def apply_event(session: AsyncSession, handlers: Handlers, data: bytes) -> bool:
    """Apply one message's effects unless its event was applied before; True if applied now.

    An event of a type the service does not handle is passed over.
    """
    return (await apply_events(session, handlers, [data]))[0]


async def apply_events(
    session: AsyncSession, handlers: Handlers, messages: Sequence[bytes]
) -> list[bool]:
    """Apply the messages' effects in the caller's transaction, in the order given, each unless
    its event was applied before (in an earlier transaction, or earlier in `messages`); which
    were applied now. The inbox records every event of the batch in one statement."""
    envelopes = [Envelope.model_validate_json(data) for data in messages]
    handled = [
        (envelope, handler)
        for envelope in envelopes
        if (handler := _handler_of(handlers, envelope.type)) is not None
    ]
    events = [(envelope, handler, envelope.event()) for envelope, handler in handled]
    first_time = await _record_in_inbox(session, [envelope for envelope, _ in handled])
    applied: set[UUID] = set()
    async with _together(session, len(events) > 1):
        for envelope, handler, event in events:
            if envelope.id not in first_time or envelope.id in applied:
                continue
            applied.add(envelope.id)
            next_event(session)
            await _apply(session, handler, envelope, event)
    return [envelope.id in applied for envelope in envelopes]


def _together(session: AsyncSession, several: bool) -> contextlib.AbstractAsyncContextManager[None]:
    """Several events' writes go to the database together (`tandem.kit.writes`)."""
    return collecting_writes(session) if several else contextlib.nullcontext()


async def _record_in_inbox(session: AsyncSession, envelopes: Sequence[Envelope]) -> set[UUID]:
    """Which of the events the inbox did not know: those it records now."""
    if not envelopes:
        return set()
    ids = bindparam("ids", [envelope.id for envelope in envelopes], type_=ARRAY(Uuid))
    types = bindparam("types", [envelope.type for envelope in envelopes], type_=ARRAY(String))
    recorded = await session.scalars(
        insert(InboxEvent)
        .from_select(["event_id", "subject"], select(func.unnest(ids), func.unnest(types)))
        .on_conflict_do_nothing()
        .returning(InboxEvent.event_id)
    )
    return set(recorded)


async def _apply(session: AsyncSession, handler: Handler, envelope: Envelope, event: Event) -> None:
    bind_correlation_id(envelope.correlation_id)
    moment = _occurred_at.set(envelope.occurred_at)
    try:
        await handler(session, event)
    finally:
        _occurred_at.reset(moment)
    log.info("event_applied", event_id=str(envelope.id), type=envelope.type)


_occurred_at: ContextVar[datetime | None] = ContextVar("occurred_at", default=None)


def occurred_at() -> datetime:
    """When the event a handler applies happened (its envelope's time, set by its producer):
    what the read model dates a fact by, so that replaying the stream dates it the same."""
    moment = _occurred_at.get()
    if moment is None:
        raise LookupError("occurred_at() is asked outside an event's handler")
    return moment


def _handler_of(handlers: Handlers, event_type: str) -> Handler | None:
    return next((handle for kind, handle in handlers.items() if kind.type == event_type), None)


def _unless_cancelled() -> None:
    """Python 3.11's `wait_for` (which nats-py's fetch uses) may turn a cancellation that comes
    as its timeout runs out into a timeout: the task would go on pulling after it was stopped."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Consumer:
    """Pulls the service's durable consumer and applies each message exactly once.

    While it works through a batch it tells JetStream, every third of the ack wait, that each
    message not yet done is still in progress: a long handler (a solve) keeps its message, and
    the ack wait can stay short enough that a dead worker's messages go to another in seconds.

    With `events_per_transaction` above 1 it applies up to that many of the messages fetched
    (what had arrived, never waiting for more) in one transaction, and acks them after it
    commits. A batch that fails is applied again one message per transaction, so that only the
    failing message is retried and, in the end, dead-lettered. Within a batch the messages are
    applied in stream order; across redeliveries and workers no order holds, as without batches.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        handlers: Handlers,
        *,
        stream: str,
        durable: str,
        max_deliveries: int,
        backoff_seconds: Sequence[float],
        ack_wait_seconds: float,
        events_per_transaction: int = 1,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._js = js
        self._handlers = handlers
        self._stream = stream
        self._durable = durable
        self._max_deliveries = max_deliveries
        self._backoff_seconds = backoff_seconds
        self._heartbeat_seconds = ack_wait_seconds / 3
        self._events_per_transaction = events_per_transaction

    async def run(self, batch: int = 20) -> None:
        subscription = await self._js.pull_subscribe_bind(self._durable, self._stream)
        log.info("consumer_active", durable=self._durable)
        while True:
            try:
                messages = await subscription.fetch(
                    max(batch, self._events_per_transaction), timeout=1
                )
            except (TimeoutError, NatsTimeoutError):
                _unless_cancelled()
                continue
            unfinished = list(messages)
            async with self._in_progress(unfinished):
                while unfinished:
                    together = unfinished[: self._events_per_transaction]
                    await self.handle_together(together)
                    del unfinished[: len(together)]

    @contextlib.asynccontextmanager
    async def _in_progress(self, unfinished: list[Msg]) -> AsyncIterator[None]:
        """Heartbeats for the messages in `unfinished` (which the caller keeps current)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self._heartbeat_seconds)
                for message in list(unfinished):
                    try:
                        await message.in_progress()
                    except NatsError as error:  # the ack wait runs out: a redelivery, no loss
                        log.warning("heartbeat_failed", error=repr(error))

        beating = asyncio.create_task(beat())
        try:
            yield
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    async def handle(self, message: Msg) -> None:
        try:
            (applied,) = await self._apply([message])
        except Exception as error:
            await self._failed(message, message.metadata.num_delivered, error)
            return
        await self._done(message, applied)

    async def handle_together(self, messages: Sequence[Msg]) -> None:
        """The messages in one transaction; if it fails, each in one of its own."""
        if len(messages) == 1:
            await self.handle(messages[0])
            return
        try:
            applied = await self._apply(messages)
        except Exception as error:
            log.warning("batch_failed", size=len(messages), error=repr(error))
            EVENTS_HANDLED.labels("batch_split").inc()
            for message in messages:
                await self.handle(message)
            return
        for message, was_applied in zip(messages, applied, strict=True):
            await self._done(message, was_applied)

    async def _done(self, message: Msg, applied: bool) -> None:
        EVENTS_HANDLED.labels("applied" if applied else "duplicate").inc()
        await message.ack()

    async def _apply(self, messages: Sequence[Msg]) -> list[bool]:
        """Apply the messages in one transaction, as often as the database fails it.

        The database being away (down, restarting, the connection cut) is not the events'
        fault: the consumer waits until the database answers and tries the same delivery
        again, so an outage uses up none of their deliveries, and fetches nothing more
        meanwhile. Only a failure of a handler's own goes on to `_failed`.
        """
        wait = FIRST_OUTAGE_WAIT_SECONDS
        while True:
            try:
                async with self._sessionmaker() as session, session.begin():
                    return await apply_events(
                        session, self._handlers, [message.data for message in messages]
                    )
            except Exception as error:
                if not is_database_outage(error):
                    raise
                log.warning(
                    "events_wait_for_database", subject=messages[0].subject, error=repr(error)
                )
                EVENTS_HANDLED.labels("waited_for_database").inc()
            finally:
                clear_correlation_id()
            # Growing even when the database answers at once: a transaction that cuts its own
            # connection every time would otherwise be tried in a tight loop.
            wait = await self._until_database_answers(wait)

    async def _until_database_answers(self, wait: float) -> float:
        """Wait, probing with growing pauses from `wait` on; returns the next pause to use."""
        while True:
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_OUTAGE_WAIT_SECONDS)
            try:
                async with self._sessionmaker() as session:
                    await session.execute(select(1))
                return wait
            except Exception as error:
                if not is_database_outage(error):
                    raise

    async def _failed(self, message: Msg, deliveries: int, error: Exception) -> None:
        log.warning(
            "event_failed", subject=message.subject, deliveries=deliveries, error=repr(error)
        )
        if deliveries < self._max_deliveries:
            EVENTS_HANDLED.labels("retried").inc()
            delay = self._backoff_seconds[min(deliveries, len(self._backoff_seconds)) - 1]
            await message.nak(delay=delay)
            return
        await self._dead_letter(message, deliveries, error)
        EVENTS_HANDLED.labels("dead_lettered").inc()
        await message.ack()

    async def _dead_letter(self, message: Msg, deliveries: int, error: Exception) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                insert(DeadLetter)
                .values(
                    stream_sequence=message.metadata.sequence.stream,
                    organization_id=organization_of(message.data),
                    subject=message.subject,
                    data=message.data.decode(errors="replace"),
                    error=repr(error),
                    deliveries=deliveries,
                )
                .on_conflict_do_nothing()
            )


class _Payload(BaseModel):
    organization_id: UUID


class _Addressed(BaseModel):
    """Just enough of an envelope to tell whose event it is."""

    payload: _Payload


class _Typed(BaseModel):
    type: str


def _type_of(data: str) -> str | None:
    try:
        return _Typed.model_validate_json(data).type
    except ValidationError:
        return None


def organization_of(data: bytes) -> UUID | None:
    """The organization a raw message's event belongs to, if it can be read at all."""
    try:
        return _Addressed.model_validate_json(data).payload.organization_id
    except ValidationError:
        return None


async def consumer_lag(js: JetStreamContext, stream: str, durable: str) -> int:
    info = await js.consumer_info(stream, durable)
    return info.num_pending or 0


async def list_dead_letters(
    session: AsyncSession, organization_id: UUID, *, limit: int, after: int | None
) -> list[DeadLetter]:
    query = (
        select(DeadLetter)
        .where(DeadLetter.organization_id == organization_id)
        .order_by(DeadLetter.stream_sequence)
        .limit(limit)
    )
    if after is not None:
        query = query.where(DeadLetter.stream_sequence > after)
    return list(await session.scalars(query))


async def waiting_dead_letters(session: AsyncSession) -> int:
    waiting = select(func.count()).where(DeadLetter.replayed_at.is_(None))
    return (await session.scalar(waiting)) or 0


async def replay_dead_letter(
    session: AsyncSession, handlers: Handlers, organization_id: UUID, stream_sequence: int
) -> DeadLetter:
    """Apply one of the organization's dead letters now, in the caller's transaction."""
    letter = await session.scalar(
        select(DeadLetter)
        .where(
            DeadLetter.organization_id == organization_id,
            DeadLetter.stream_sequence == stream_sequence,
        )
        .with_for_update()
    )
    if letter is None:
        raise DeadLetterNotFound()
    event_type = _type_of(letter.data)
    if event_type is not None and _handler_of(handlers, event_type) is None:
        raise DeadLetterNotHandledHere(event_type=event_type)
    try:
        async with session.begin_nested():
            await apply_event(session, handlers, letter.data.encode())
    except Exception as error:
        raise DeadLetterReplayFailed(error=repr(error)) from error
    letter.replayed_at = datetime.now(UTC)
    return letter
