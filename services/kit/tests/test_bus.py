import asyncio
import uuid
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from tandem.kit import bus, infra
from tandem.kit.testing.plugin import EventNamespace


@pytest.mark.parametrize("sync_always", [True, False])
async def test_an_app_tells_whether_jetstream_syncs_every_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sync_always: bool
) -> None:
    server = infra.embedded_nats(tmp_path, sync_always=sync_always).start()
    try:
        confirmed = await bus.warn_unless_synced(server.monitor_url)
    finally:
        server.stop()

    assert confirmed is sync_always
    assert ("jetstream_not_synced" in capsys.readouterr().out) is not sync_always


async def test_without_a_monitoring_url_durability_is_reported_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await bus.warn_unless_synced(None) is False
    assert "jetstream_durability_unknown" in capsys.readouterr().out


async def test_stream_and_consumer_set_up_twice_are_the_same_and_can_change_subjects(
    js: JetStreamContext, event_namespace: EventNamespace
) -> None:
    prefix = event_namespace.subject_prefix
    durable = f"setup_{uuid.uuid4().hex[:8]}"
    for subjects in (
        [f"{prefix}tandem.a.b.c"],
        [f"{prefix}tandem.a.b.c"],
        [f"{prefix}tandem.x.y.z"],
    ):
        await bus.ensure_stream(js, event_namespace.stream, prefix)
        await bus.ensure_consumer(js, event_namespace.stream, durable, subjects, ack_wait=5)

    info = await js.consumer_info(event_namespace.stream, durable)
    stream = await js.stream_info(event_namespace.stream)

    assert info.config.filter_subject == f"{prefix}tandem.x.y.z"
    assert stream.config.subjects == [f"{prefix}tandem.>"]
    assert stream.config.duplicate_window == bus.DUPLICATE_WINDOW_SECONDS
    await js.delete_consumer(event_namespace.stream, durable)


async def test_a_stream_made_with_the_old_two_minute_duplicate_window_is_widened(
    js: JetStreamContext, event_namespace: EventNamespace
) -> None:
    """Under repeated crashes the relay published an event again up to 54 s after its first
    copy; JetStream drops such a copy only inside the window, so it has a wide margin."""
    name = f"WIDENED_{uuid.uuid4().hex[:8].upper()}"
    prefix = f"{event_namespace.subject_prefix}{name.lower()}."
    await js.add_stream(
        StreamConfig(name=name, subjects=[prefix + bus.ALL_EVENTS], duplicate_window=120)
    )
    try:
        await bus.ensure_stream(js, name, prefix)
        window = (await js.stream_info(name)).config.duplicate_window
    finally:
        await js.delete_stream(name)

    assert window == bus.DUPLICATE_WINDOW_SECONDS >= 10 * 60


async def test_connecting_keeps_trying_while_the_server_is_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures: list[Exception] = []

    async def report(error: Exception) -> None:
        failures.append(error)

    monkeypatch.setattr(bus, "_report_error", report)
    connecting = asyncio.create_task(bus.connect("nats://127.0.0.1:1", "test"))
    await asyncio.sleep(0.8)
    gave_up = connecting.done()
    connecting.cancel()

    assert not gave_up
    assert len(failures) >= 2
