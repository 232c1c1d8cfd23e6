"""One event end to end: profiles → outbox → JetStream → feedback's inbox → the gateway."""

import json
import uuid

import nats
from conftest import MAX_DELIVERIES, Organization, eventually, settles_at

from tandem.kit import infra
from tandem.launcher.stack import Stack


async def test_every_service_is_ready_behind_the_gateway(organization: Organization) -> None:
    data = await organization.graphql("{ health { service status } }")

    assert {entry["service"]: entry["status"] for entry in data["health"]} == {
        "profiles": "READY",
        "matching": "READY",
        "sessions": "READY",
        "feedback": "READY",
    }


async def test_people_added_on_profiles_are_counted_exactly_once_through_the_gateway(
    organization: Organization,
) -> None:
    await organization.add_people(3)

    assert await settles_at(organization.headcount, 3) == 3


async def test_changes_made_while_nats_is_down_all_arrive_once_it_is_back(
    organization: Organization, own_nats: infra.NatsServer
) -> None:
    own_nats.stop()
    try:
        await organization.add_people(5)  # the outbox keeps them; the API does not need NATS
        assert await organization.headcount() == 0
    finally:
        own_nats.start()

    assert await settles_at(organization.headcount, 5) == 5


async def test_a_worker_killed_while_consuming_loses_and_repeats_nothing(
    organization: Organization, stack: Stack
) -> None:
    await organization.add_people(10)
    stack.processes["feedback-worker"].kill()  # SIGKILL, with events in flight
    await organization.add_people(10, first=10)
    assert stack.restart_dead() == ["feedback-worker"]

    assert await settles_at(organization.headcount, 20) == 20


async def test_a_poison_message_is_dead_lettered_after_the_configured_deliveries(
    organization: Organization, own_nats: infra.NatsServer
) -> None:
    connection = await nats.connect(own_nats.url)
    try:
        poison = {
            "id": str(uuid.uuid4()),
            "type": "tandem.profiles.person.created",
            "payload": {"organization_id": str(organization.id)},  # whose operators see it
        }
        await connection.jetstream().publish(
            "tandem.profiles.person.created", json.dumps(poison).encode()
        )
    finally:
        await connection.close()

    async def dead_lettered() -> bool:
        """the poison message is in feedback's dead-letter store"""
        letters = await organization.dead_letters()
        return any(json.loads(letter["data"]) == poison for letter in letters)

    await eventually(dead_lettered)
    (letter,) = [
        item for item in await organization.dead_letters() if json.loads(item["data"]) == poison
    ]
    assert letter["deliveries"] == MAX_DELIVERIES


async def test_a_correlation_id_crosses_from_the_request_into_the_consumer_logs(
    organization: Organization, stack: Stack
) -> None:
    correlation = f"e2e-{uuid.uuid4()}"
    await organization.add_people(1, headers={"X-Correlation-ID": correlation})
    assert stack.config.log_dir is not None
    worker_log = stack.config.log_dir / "feedback-worker.log"

    async def logged() -> bool:
        """feedback's worker logged applying the event under the request's correlation id"""
        entries = [
            json.loads(line) for line in worker_log.read_text().splitlines() if line[:1] == "{"
        ]
        return any(
            entry.get("message") == "event_applied" and entry.get("correlation_id") == correlation
            for entry in entries
        )

    await eventually(logged)
