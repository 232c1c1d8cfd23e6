import uuid

import pytest
from things import ThingHappened

from tandem.kit.events import Envelope, UnknownEventType
from tandem.kit.logs import bind_correlation_id, clear_correlation_id


def test_an_envelope_carries_the_event_and_the_current_correlation_id() -> None:
    bind_correlation_id("request-42")
    try:
        envelope = Envelope.wrap(ThingHappened(organization_id=uuid.uuid4(), value=3), "kittest")
    finally:
        clear_correlation_id()

    decoded = Envelope.model_validate_json(envelope.model_dump_json())

    assert decoded.type == "tandem.kittest.thing.happened"
    assert decoded.version == 1
    assert decoded.producer == "kittest"
    assert decoded.correlation_id == "request-42"
    assert decoded.event() == ThingHappened(
        organization_id=envelope.payload["organization_id"], value=3
    )


def test_an_unknown_event_type_is_refused() -> None:
    envelope = Envelope(
        type="tandem.nobody.nothing.happened",
        version=1,
        producer="x",
        correlation_id="c",
        payload={},
    )

    with pytest.raises(UnknownEventType):
        envelope.event()


def test_every_contract_is_named_after_its_producer_module() -> None:
    from tandem.kit import contracts
    from tandem.kit.events import _EVENT_TYPES

    for event_type, event_class in _EVENT_TYPES.items():
        if event_class.__module__.startswith("tandem.kit.contracts."):
            producer = event_class.__module__.rsplit(".", 1)[1]
            assert event_type.startswith(f"tandem.{producer}."), event_type
            assert len(event_type.split(".")) == 4
    assert contracts.profiles
