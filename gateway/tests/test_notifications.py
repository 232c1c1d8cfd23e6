"""A person's notifications over a real WebSocket (graphql-transport-ws) to the gateway served by
uvicorn, fed by contract events published to a real JetStream stream.

No test waits for something not to arrive: after the events a subscriber must not get, the test
publishes one it must get; the stream delivers in order, so receiving that one first proves the
others were passed over."""

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
import uvicorn
from nats.js import JetStreamContext
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tandem.gateway.main import create_app
from tandem.gateway.notifications import CursorExpired, NotificationFeed, NotificationsFellBehind
from tandem.gateway.settings import GatewaySettings
from tandem.gateway.trusted import document_id
from tandem.kit.auth import KeyPair, Role, TokenIssuer, generate_key_pair
from tandem.kit.bus import ensure_stream
from tandem.kit.contracts.feedback import CheckinDue
from tandem.kit.contracts.matching import MentorshipStarted, ProposalCreated
from tandem.kit.contracts.sessions import (
    ActionItemOverdue,
    SessionCancelled,
    SessionReminderDue,
    SessionRescheduled,
    SessionScheduled,
)
from tandem.kit.events import Envelope, Event
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint

NOTIFICATIONS = """
subscription Notifications($after: String) {
  notifications(after: $after) {
    cursor kind occurredAt programId mentorshipId proposalId sessionId actionItemId
    startsAt dueAt dueDate
  }
}
"""
PROTOCOL = Subprotocol("graphql-transport-ws")


class _Server(uvicorn.Server):
    """Serves beside pytest, which keeps its own signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    signing_keys: KeyPair, nats_endpoint: NatsEndpoint, namespace: EventNamespace, **settings: Any
) -> AsyncIterator[str]:
    """The gateway under uvicorn; yields its GraphQL WebSocket URL."""
    app = create_app(
        GatewaySettings(
            jwt_public_key=signing_keys.public_pem,
            nats_url=nats_endpoint.url,
            stream_name=namespace.stream,
            subject_prefix=namespace.subject_prefix,
            **settings,
        )
    )
    listener = socket.create_server(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(app, log_config=None, access_log=False))
    running = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110 - uvicorn only sets a flag
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}/graphql"
    finally:
        server.should_exit = True
        await running


@pytest.fixture(scope="module")
async def jetstream(
    nats_endpoint: NatsEndpoint, event_namespace: EventNamespace
) -> AsyncIterator[JetStreamContext]:
    connection = await nats.connect(nats_endpoint.url)
    js = connection.jetstream()
    await ensure_stream(js, event_namespace.stream, event_namespace.subject_prefix)
    yield js
    await connection.close()


@pytest.fixture(scope="module")
async def gateway_url(
    signing_keys: KeyPair,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    jetstream: JetStreamContext,
) -> AsyncIterator[str]:
    async with serving(signing_keys, nats_endpoint, event_namespace) as url:
        yield url


class Bus:
    def __init__(self, js: JetStreamContext, namespace: EventNamespace) -> None:
        self.js = js
        self.namespace = namespace

    async def publish(self, event: Event) -> str:
        """Publishes `event` as a service's relay does; returns its cursor."""
        envelope = Envelope.wrap(event, "test")
        ack = await self.js.publish(
            self.namespace.subject_prefix + event.type,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(envelope.id)},
        )
        return str(ack.seq)

    async def now(self) -> str:
        """A cursor of the stream's end: subscribing after it, nothing published later is
        missed, however long the subscription takes to start."""
        return str((await self.js.stream_info(self.namespace.stream)).state.last_seq)


@pytest.fixture
def bus(jetstream: JetStreamContext, event_namespace: EventNamespace) -> Bus:
    return Bus(jetstream, event_namespace)


@contextlib.asynccontextmanager
async def connected(url: str, token: str | None) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[PROTOCOL]) as socket_:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket_.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield socket_


async def subscribe(
    socket_: ClientConnection, after: str | None, body: dict[str, Any] | None = None
) -> None:
    acknowledgement = json.loads(await socket_.recv())
    assert acknowledgement == {"type": "connection_ack"}, acknowledgement
    body = body or {"query": NOTIFICATIONS, "variables": {"after": after}}
    await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": body}))


@contextlib.asynccontextmanager
async def subscribed(url: str, token: str, after: str | None) -> AsyncIterator[ClientConnection]:
    async with connected(url, token) as socket_:
        await subscribe(socket_, after)
        yield socket_


async def received(socket_: ClientConnection) -> dict[str, Any]:
    message = json.loads(await socket_.recv())
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    notification: dict[str, Any] = message["payload"]["data"]["notifications"]
    return notification


async def closed_with(socket_: ClientConnection) -> tuple[int | None, str | None]:
    await socket_.wait_closed()
    return socket_.close_code, socket_.close_reason


class Person:
    def __init__(
        self,
        token_issuer: TokenIssuer,
        organization_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
    ) -> None:
        self.id = person_id or uuid.uuid4()
        self.organization_id = organization_id or uuid.uuid4()
        self.token = token_issuer.issue(self.id, self.organization_id, [Role.PARTICIPANT])


def proposal_for(*people: Person) -> ProposalCreated:
    return ProposalCreated(
        organization_id=people[0].organization_id,
        proposal_id=uuid.uuid4(),
        program_id=uuid.uuid4(),
        member_ids=[person.id for person in people],
    )


def session_fact(*people: Person) -> dict[str, Any]:
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    return {
        "organization_id": people[0].organization_id,
        "session_id": uuid.uuid4(),
        "mentorship_id": uuid.uuid4(),
        "program_id": uuid.uuid4(),
        "series_id": None,
        "member_ids": [person.id for person in people],
        "start": start,
        "end": start + timedelta(hours=1),
    }


async def test_a_person_is_told_each_kind_of_news_of_theirs_in_order(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    ada = Person(token_issuer)
    bob = Person(token_issuer, ada.organization_id)
    fact = session_fact(ada, bob)
    moved = fact | {"start": fact["start"] + timedelta(days=1), "end": fact["end"]}
    item = uuid.uuid4()
    due = datetime(2030, 2, 1, tzinfo=UTC)
    events: list[Event] = [
        proposal_for(ada, bob),
        MentorshipStarted(
            organization_id=ada.organization_id,
            mentorship_id=fact["mentorship_id"],
            program_id=fact["program_id"],
            mentor_id=bob.id,
            mentee_id=ada.id,
            member_ids=[ada.id, bob.id],
        ),
        SessionScheduled(**fact),
        SessionRescheduled(**moved, previous_start=fact["start"], previous_end=fact["end"]),
        SessionReminderDue(**moved),
        SessionCancelled(**moved, cause="member"),
        ActionItemOverdue(
            organization_id=ada.organization_id,
            action_item_id=item,
            mentorship_id=fact["mentorship_id"],
            program_id=fact["program_id"],
            session_id=fact["session_id"],
            owner_id=ada.id,
            due_date=date(2030, 1, 10),
        ),
        CheckinDue(
            organization_id=ada.organization_id,
            mentorship_id=fact["mentorship_id"],
            program_id=fact["program_id"],
            person_id=ada.id,
            due_at=due,
        ),
    ]
    async with subscribed(gateway_url, ada.token, after=await bus.now()) as socket_:
        cursors = [await bus.publish(event) for event in events]
        told = [await received(socket_) for _ in events]

    assert [notification["cursor"] for notification in told] == cursors
    assert [notification["kind"] for notification in told] == [
        "PROPOSAL_RECEIVED",
        "MENTORSHIP_STARTED",
        "SESSION_SCHEDULED",
        "SESSION_RESCHEDULED",
        "SESSION_REMINDER_DUE",
        "SESSION_CANCELLED",
        "ACTION_ITEM_OVERDUE",
        "CHECKIN_DUE",
    ]
    proposal, _, scheduled, rescheduled, *_, overdue, checkin = told
    assert proposal["proposalId"] == str(events[0].proposal_id)  # type: ignore[attr-defined]
    assert scheduled["sessionId"] == str(fact["session_id"])
    assert rescheduled["startsAt"] == moved["start"].isoformat()
    assert (overdue["actionItemId"], overdue["dueDate"]) == (str(item), "2030-01-10")
    assert (checkin["mentorshipId"], checkin["dueAt"]) == (
        str(fact["mentorship_id"]),
        due.isoformat(),
    )


async def test_nobody_is_told_of_another_persons_news_nor_of_another_organizations(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    ada = Person(token_issuer)
    bob = Person(token_issuer, ada.organization_id)
    # The same person id in another organization: its events are never ada's.
    impostor = Person(token_issuer, person_id=ada.id)
    start = await bus.now()
    async with (
        subscribed(gateway_url, ada.token, after=start) as adas,
        subscribed(gateway_url, bob.token, after=start) as bobs,
    ):
        bobs_own = await bus.publish(proposal_for(bob))
        await bus.publish(proposal_for(impostor))
        await bus.publish(SessionScheduled(**session_fact(impostor)))
        adas_own = await bus.publish(proposal_for(ada))
        shared = await bus.publish(SessionScheduled(**session_fact(ada, bob)))

        assert [(await received(adas))["cursor"] for _ in range(2)] == [adas_own, shared]
        assert [(await received(bobs))["cursor"] for _ in range(2)] == [bobs_own, shared]


async def test_what_happened_while_disconnected_is_told_on_reconnecting_once_each(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    ada = Person(token_issuer)
    async with subscribed(gateway_url, ada.token, after=await bus.now()) as socket_:
        first = await bus.publish(proposal_for(ada))
        assert (await received(socket_))["cursor"] == first

    while_away = [await bus.publish(proposal_for(ada)) for _ in range(3)]
    async with subscribed(gateway_url, ada.token, after=first) as socket_:
        replayed = [(await received(socket_))["cursor"] for _ in while_away]
        live = await bus.publish(proposal_for(ada))
        after_replay = (await received(socket_))["cursor"]

    assert replayed == while_away
    assert after_replay == live


async def test_events_published_while_resuming_are_told_without_gap_or_repeat(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    """The replay and the live feed overlap while the subscription starts: each event is told
    once, in order, whichever of the two carried it."""
    ada = Person(token_issuer)
    first = await bus.publish(proposal_for(ada))
    backlog = [await bus.publish(proposal_for(ada)) for _ in range(20)]

    async def publish_meanwhile() -> list[str]:
        return [await bus.publish(proposal_for(ada)) for _ in range(30)]

    async def resume() -> list[str]:
        async with subscribed(gateway_url, ada.token, after=first) as socket_:
            return [(await received(socket_))["cursor"] for _ in range(50)]

    told, published = await asyncio.gather(resume(), publish_meanwhile())

    assert told == backlog + published


async def test_a_cursor_older_than_the_stream_keeps_is_refused_rather_than_half_replayed(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    ada = Person(token_issuer)
    first = await bus.publish(proposal_for(ada))
    second = await bus.publish(proposal_for(ada))
    # The stream's age limit drops events as this purge does: the oldest first.
    await bus.js.purge_stream(bus.namespace.stream, seq=int(second))

    async with subscribed(gateway_url, ada.token, after=str(int(first) - 1)) as socket_:
        expired = json.loads(await socket_.recv())
    async with subscribed(gateway_url, ada.token, after=first) as socket_:
        kept = await received(socket_)

    assert expired["payload"]["errors"][0]["message"] == CursorExpired.detail
    assert kept["cursor"] == second


async def test_a_connection_without_a_valid_token_is_closed_as_forbidden(
    gateway_url: str, token_issuer: TokenIssuer
) -> None:
    expired = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT], ttl_seconds=-60)
    forged = TokenIssuer(generate_key_pair().private_pem).issue(
        uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT]
    )
    for token in (None, "not-a-token", expired, forged):
        async with connected(gateway_url, token) as socket_:
            assert await closed_with(socket_) == (4403, "Forbidden"), token


async def test_graphiqls_headers_pane_as_the_connection_payload_subscribes_in_any_case(
    gateway_url: str, bus: Bus, token_issuer: TokenIssuer
) -> None:
    """GraphiQL sends its Headers pane, as the person typed it, as the `connection_init`
    payload: a header name is the same in any case, as over HTTP."""
    ada = Person(token_issuer)
    for name in ("authorization", "AUTHORIZATION"):
        pane = {name: f"Bearer {ada.token}", "X-Request-Id": "graphiql"}
        async with connect(gateway_url, subprotocols=[PROTOCOL]) as socket_:
            await socket_.send(json.dumps({"type": "connection_init", "payload": pane}))
            await subscribe(socket_, await bus.now())
            published = await bus.publish(proposal_for(ada))

            assert (await received(socket_))["cursor"] == published, name


async def test_a_connection_is_closed_when_its_token_expires(
    gateway_url: str, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT], ttl_seconds=3)
    async with connected(gateway_url, token) as socket_:
        assert json.loads(await socket_.recv()) == {"type": "connection_ack"}
        assert await closed_with(socket_) == (4403, "Token expired")


async def test_a_partner_has_no_notifications(gateway_url: str, token_issuer: TokenIssuer) -> None:
    token = token_issuer.issue("hris", uuid.uuid4(), [Role.PARTNER])
    async with subscribed(gateway_url, token, after=None) as socket_:
        answer = json.loads(await socket_.recv())

    assert answer["payload"]["errors"][0]["message"] == "Only a person has notifications."


async def test_queries_and_mutations_are_refused_over_the_websocket(
    gateway_url: str, token_issuer: TokenIssuer
) -> None:
    """They go over HTTP, where each client's rate limit holds."""
    ada = Person(token_issuer)
    refusals = []
    decline = f'mutation {{ declineProposal(proposalId: "{uuid.uuid4()}") {{ __typename }} }}'
    for document in ("{ __typename }", decline):
        async with connected(gateway_url, ada.token) as socket_:
            await subscribe(socket_, None, {"query": document})
            refusals.append(json.loads(await socket_.recv()))

    for refusal in refusals:
        assert refusal["type"] == "error", refusal
        assert refusal["payload"][0]["extensions"]["code"] == "SubscriptionsOnly"


async def test_connections_are_bounded_per_person_and_per_process(
    signing_keys: KeyPair,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    token_issuer: TokenIssuer,
) -> None:
    ada, bob, cyd = (Person(token_issuer) for _ in range(3))
    async with (
        serving(
            signing_keys,
            nats_endpoint,
            event_namespace,
            max_connections_per_person=1,
            max_connections=2,
        ) as url,
        contextlib.AsyncExitStack() as open_,
    ):

        async def connect_as(person: Person) -> ClientConnection:
            return await open_.enter_async_context(connected(url, person.token))

        # Each connection is answered before the next is opened: the order they are counted in.
        assert json.loads(await (await connect_as(ada)).recv()) == {"type": "connection_ack"}
        adas_second = await closed_with(await connect_as(ada))
        assert json.loads(await (await connect_as(bob)).recv()) == {"type": "connection_ack"}
        cyds = await closed_with(await connect_as(cyd))

    assert adas_second == (1008, "Too many connections for this person")
    assert cyds == (1013, "The gateway is at capacity; try again later")


async def test_in_production_subscriptions_run_only_trusted_documents_within_budget(
    signing_keys: KeyPair,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    jetstream: JetStreamContext,
    bus: Bus,
    token_issuer: TokenIssuer,
    tmp_path: Path,
) -> None:
    aliased = "subscription { notifications { %s } }" % " ".join(  # noqa: UP031
        f"a{n}: cursor" for n in range(30)
    )
    manifest = tmp_path / "trusted-documents.json"
    manifest.write_text(
        json.dumps({document_id(NOTIFICATIONS): NOTIFICATIONS, document_id(aliased): aliased})
    )
    ada = Person(token_issuer)
    async with serving(
        signing_keys,
        nats_endpoint,
        event_namespace,
        environment="production",
        trusted_documents=manifest,
    ) as url:
        async with connected(url, ada.token) as socket_:
            await subscribe(socket_, None, {"query": "subscription { notifications { kind } }"})
            untrusted = json.loads(await socket_.recv())
        async with connected(url, ada.token) as socket_:
            await subscribe(socket_, None, {"documentId": document_id(aliased)})
            over_budget = json.loads(await socket_.recv())
        async with connected(url, ada.token) as socket_:
            body = {
                "documentId": document_id(NOTIFICATIONS),
                "variables": {"after": await bus.now()},
            }
            await subscribe(socket_, None, body)
            cursor = await bus.publish(proposal_for(ada))
            trusted = await received(socket_)

    assert untrusted["type"] == "error"
    assert untrusted["payload"][0]["extensions"]["code"] == "DocumentNotTrusted"
    assert over_budget["type"] == "error"
    assert "aliases" in over_budget["payload"][0]["message"]
    assert trusted["cursor"] == cursor


async def test_a_subscription_too_far_behind_is_ended_to_resume_from_its_cursor(
    signing_keys: KeyPair,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    bus: Bus,
    token_issuer: TokenIssuer,
) -> None:
    """Its client stopped reading: the notifications waiting for it are bounded, and past the
    bound the subscription ends instead of holding more (the client resumes by cursor)."""
    ada, bob = Person(token_issuer), Person(token_issuer)
    settings = GatewaySettings(
        jwt_public_key=signing_keys.public_pem,
        nats_url=nats_endpoint.url,
        stream_name=event_namespace.stream,
        subject_prefix=event_namespace.subject_prefix,
        notification_buffer=1,
    )
    async with contextlib.aclosing(NotificationFeed(settings)) as feed:
        start = int(await bus.now())
        adas = feed.follow((ada.organization_id, ada.id), start)
        bobs = feed.follow((bob.organization_id, bob.id), start)
        await bus.publish(proposal_for(ada))
        await bus.publish(proposal_for(bob))
        await anext(adas)
        await anext(bobs)

        for _ in range(2):  # one waits, the next finds no room
            await bus.publish(proposal_for(ada))
        witness = await bus.publish(proposal_for(bob))
        assert str((await anext(bobs)).cursor) == witness  # so ada's were handed out before

        with pytest.raises(NotificationsFellBehind):
            await anext(adas)
        await bobs.aclose()
