"""A person's notifications, from the event stream to their open subscriptions.

Each gateway process reads the notification events once: one ordered JetStream consumer,
started with the first subscription, from the stream's end on. Each event is mapped to one
`Notification` for the people it concerns and handed to their subscriptions (a lookup per
person: the work per event does not grow with the people connected).

A notification's cursor is its event's stream sequence. A subscription resuming after a cursor
joins the live feed first, then replays the stream after the cursor up to the stream's end as it
was once joined (a pull consumer of its own, filtered to the notification subjects), then
goes on with the live notifications it buffered meanwhile: what was published before it joined
is in the replay, what came after is live, and a notification is sent only if its cursor is past
the last one sent, so none is lost or repeated. A cursor older than the stream's oldest kept
event (it keeps 30 days) is refused: replaying only what is left would hide a loss.

What a replay costs: it reads every notification event of every organization after the cursor
(on a NATS server before 2.10, which knows no filter of several subjects, every event), so a
reconnect after a short drop reads a few, one after a week reads a week's.
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from tandem.gateway.settings import GatewaySettings
from tandem.kit.bus import ALL_EVENTS, connect
from tandem.kit.contracts.feedback import CheckinDue
from tandem.kit.contracts.matching import MentorshipStarted, ProposalCreated
from tandem.kit.contracts.sessions import (
    ActionItemOverdue,
    SessionCancelled,
    SessionReminderDue,
    SessionRescheduled,
    SessionScheduled,
)
from tandem.kit.errors import BadRequest, Conflict, Unavailable
from tandem.kit.events import Envelope, Event

log = structlog.get_logger()

STREAM_WAIT_SECONDS = 1.0
READY_WAIT_SECONDS = 10.0
REPLAY_WAIT_SECONDS = 10.0
REPLAY_BATCH = 256


class NotificationKind(StrEnum):
    PROPOSAL_RECEIVED = "proposal_received"
    MENTORSHIP_STARTED = "mentorship_started"
    SESSION_SCHEDULED = "session_scheduled"
    SESSION_RESCHEDULED = "session_rescheduled"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_REMINDER_DUE = "session_reminder_due"
    ACTION_ITEM_OVERDUE = "action_item_overdue"
    CHECKIN_DUE = "checkin_due"


@dataclass(frozen=True)
class Notification:
    """Ids and times only, never free text (events carry none)."""

    cursor: int
    kind: NotificationKind
    occurred_at: datetime
    organization_id: UUID
    person_ids: frozenset[UUID]
    program_id: UUID
    mentorship_id: UUID | None = None
    proposal_id: UUID | None = None
    session_id: UUID | None = None
    action_item_id: UUID | None = None
    starts_at: datetime | None = None
    due_at: datetime | None = None
    due_date: date | None = None


def _members(event: Any) -> list[UUID]:
    return list(event.member_ids)


_CONCERNED: dict[type[Event], tuple[NotificationKind, Callable[[Any], list[UUID]]]] = {
    ProposalCreated: (NotificationKind.PROPOSAL_RECEIVED, _members),
    MentorshipStarted: (NotificationKind.MENTORSHIP_STARTED, _members),
    SessionScheduled: (NotificationKind.SESSION_SCHEDULED, _members),
    SessionRescheduled: (NotificationKind.SESSION_RESCHEDULED, _members),
    SessionCancelled: (NotificationKind.SESSION_CANCELLED, _members),
    SessionReminderDue: (NotificationKind.SESSION_REMINDER_DUE, _members),
    ActionItemOverdue: (NotificationKind.ACTION_ITEM_OVERDUE, lambda item: [item.owner_id]),
    CheckinDue: (NotificationKind.CHECKIN_DUE, lambda checkin: [checkin.person_id]),
}
"""Each notifying event, its kind and the people it concerns."""
_BY_TYPE = {event_type.type: concerned for event_type, concerned in _CONCERNED.items()}
_COPIED = (
    "program_id",
    "mentorship_id",
    "proposal_id",
    "session_id",
    "action_item_id",
    "due_at",
    "due_date",
)
"""A notification's ids and times are its event's fields of the same names, where it has them
(every notifying event has a `program_id`; a session's `start` is its `starts_at`)."""
NOTIFYING_TYPES = sorted(_BY_TYPE)


def notification_of(envelope: Envelope, cursor: int) -> Notification | None:
    """The notification an event makes, or None for an event that notifies nobody."""
    concerned = _BY_TYPE.get(envelope.type)
    if concerned is None:
        return None
    kind, people = concerned
    event = envelope.event()
    copied = {name: getattr(event, name) for name in _COPIED if hasattr(event, name)}
    return Notification(
        cursor=cursor,
        kind=kind,
        occurred_at=envelope.occurred_at,
        organization_id=event.organization_id,
        person_ids=frozenset(people(event)),
        starts_at=getattr(event, "start", None),
        **copied,
    )


def parse_cursor(cursor: str) -> int:
    if not cursor.isdigit() or len(cursor) > 20:
        raise InvalidCursor()
    return int(cursor)


class InvalidCursor(BadRequest):
    detail = "Not a notification cursor: pass the `cursor` of a notification received."


class CursorExpired(Conflict):
    detail = (
        "Events after this cursor are no longer kept, so some notifications may be missing: "
        "subscribe without a cursor, then read the current state."
    )


class NotificationsUnavailable(Unavailable):
    detail = "Notifications cannot be read now; subscribe again in a moment."


class NotificationsFellBehind(Unavailable):
    detail = (
        "This subscription fell too far behind its notifications and was ended; subscribe "
        "again after the last cursor received."
    )


Recipient = tuple[UUID, UUID]
"""An organization and a person of it."""


class _Listener:
    """One subscription's live notifications, waiting to be sent; bounded. It overflows only
    while full, so never while its subscription waits for the next one: the overflow is met at
    the next call."""

    def __init__(self, size: int) -> None:
        self.waiting: asyncio.Queue[Notification] = asyncio.Queue(size)
        self.fell_behind = False

    def offer(self, notification: Notification) -> None:
        try:
            self.waiting.put_nowait(notification)
        except asyncio.QueueFull:
            self.fell_behind = True

    async def next(self) -> Notification:
        if self.fell_behind:
            raise NotificationsFellBehind()
        return await self.waiting.get()


class NotificationFeed:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._subjects = [settings.subject_prefix + subject for subject in NOTIFYING_TYPES]
        self._listeners: defaultdict[Recipient, set[_Listener]] = defaultdict(set)
        self._nats: NatsClient | None = None
        self._started: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def follow(self, recipient: Recipient, after: int | None) -> AsyncIterator[Notification]:
        """The recipient's notifications after cursor `after` (none: from now on), then live."""
        js = await self._jetstream()
        listener = _Listener(self._settings.notification_buffer)
        self._listeners[recipient].add(listener)
        try:
            last = after or 0
            if after is not None:
                async for notification in self._replay(js, recipient, after):
                    yield notification
                    last = notification.cursor
            while True:
                notification = await listener.next()
                if notification.cursor > last:
                    yield notification
                    last = notification.cursor
        finally:
            self._listeners[recipient].discard(listener)
            if not self._listeners[recipient]:
                del self._listeners[recipient]

    async def aclose(self) -> None:
        if self._started is not None:
            self._started.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._started
        if self._nats is not None:
            await self._nats.close()

    async def _jetstream(self) -> JetStreamContext:
        """The live feed, started by the first subscription and ready before any joins it."""
        if self._started is None or (self._started.done() and not self._ready.is_set()):
            self._started = asyncio.create_task(self._start())  # again, after a failure
        try:
            await asyncio.wait_for(self._ready.wait(), READY_WAIT_SECONDS)
        except TimeoutError as error:
            raise NotificationsUnavailable() from error
        assert self._nats is not None
        return self._nats.jetstream()

    async def _start(self) -> None:
        if self._nats is None:
            self._nats = await connect(self._settings.nats_url, "gateway")
        js = self._nats.jetstream()
        try:
            await self._follow_the_stream(js)
        except NatsError as error:  # the next subscription tries again
            log.warning("notification_feed_failed", error=repr(error))
            return
        log.info("notification_feed_live", stream=self._settings.stream_name)
        self._ready.set()

    async def _follow_the_stream(self, js: JetStreamContext) -> None:
        while True:
            try:
                # Ordered: after a dropped connection or a gap it starts again past the last
                # event it handed on, so the live feed has no hole.
                await js.subscribe(
                    self._settings.subject_prefix + ALL_EVENTS,
                    stream=self._settings.stream_name,
                    cb=self._dispatch,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.NEW,
                    config=ConsumerConfig(filter_subjects=self._subjects),
                )
                return
            except NotFoundError:  # the services create the stream; wait for the first one
                await asyncio.sleep(STREAM_WAIT_SECONDS)

    async def _dispatch(self, message: Msg) -> None:
        notification = _read(message)
        if notification is None:
            return
        for recipient in _recipients(notification):
            for listener in self._listeners.get(recipient, ()):
                listener.offer(notification)

    async def _replay(
        self, js: JetStreamContext, recipient: Recipient, after: int
    ) -> AsyncIterator[Notification]:
        """The recipient's notifications after `after`, up to the stream's end as it is now."""
        stream = (await js.stream_info(self._settings.stream_name)).state
        if after + 1 < stream.first_seq:
            raise CursorExpired()
        end = stream.last_seq
        if end <= after:
            return
        # A pull consumer: one that pushes would count what it already sent as no longer
        # pending, so its count could not tell whether there is anything to read.
        replay = await js.pull_subscribe(
            self._settings.subject_prefix + ALL_EVENTS,
            stream=self._settings.stream_name,
            config=ConsumerConfig(
                filter_subjects=self._subjects,
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                opt_start_seq=after + 1,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=REPLAY_WAIT_SECONDS,
                mem_storage=True,
                num_replicas=1,
            ),
        )
        try:
            if not (await replay.consumer_info()).num_pending:
                return
            while True:
                for message in await self._next_batch(replay):
                    notification = _read(message)
                    if notification is not None and recipient in _recipients(notification):
                        yield notification
                    metadata = message.metadata
                    if metadata.sequence.stream >= end or not metadata.num_pending:
                        return
        finally:
            await replay.unsubscribe()

    async def _next_batch(self, replay: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await replay.fetch(REPLAY_BATCH, timeout=REPLAY_WAIT_SECONDS)
        except (TimeoutError, NatsTimeoutError) as error:
            raise NotificationsUnavailable() from error


def _read(message: Msg) -> Notification | None:
    try:
        envelope = Envelope.model_validate_json(message.data)
        return notification_of(envelope, message.metadata.sequence.stream)
    except ValidationError as error:
        log.warning("notification_unreadable", subject=message.subject, error=repr(error))
        return None


def _recipients(notification: Notification) -> Iterable[Recipient]:
    return ((notification.organization_id, person) for person in notification.person_ids)
