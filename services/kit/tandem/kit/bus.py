"""NATS JetStream: connection, the one stream, durable consumers, durability check."""

import httpx
import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError

log = structlog.get_logger()

ALL_EVENTS = "tandem.>"
# JetStream drops a copy of a message id only this long after the first: it must cover the
# longest a relay takes to publish an event again after a crash (54 s seen in the chaos test).
DUPLICATE_WINDOW_SECONDS = 10 * 60.0


async def connect(url: str, name: str) -> NatsClient:
    """Connect, retrying until the server answers; later drops reconnect on their own.

    nats-py does both: with unlimited reconnects it retries the first connection too, every
    `reconnect_time_wait`, reporting each failure to `error_cb`.
    """
    return await nats.connect(
        url,
        name=name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        error_cb=_report_error,
    )


async def _report_error(error: Exception) -> None:
    """nats-py would print each failed attempt with its traceback; one line is enough."""
    log.debug("nats_error", error=repr(error))


async def ensure_stream(js: JetStreamContext, name: str, subject_prefix: str = "") -> None:
    config = StreamConfig(
        name=name,
        subjects=[subject_prefix + ALL_EVENTS],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        # No age or size limit: a read model is rebuilt by replaying every event from the first
        # (`tandem.kit.rebuild`), so the stream keeps them all.
        max_age=0,
    )
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


async def ensure_consumer(
    js: JetStreamContext, stream: str, durable: str, subjects: list[str], ack_wait: float
) -> None:
    """Create or update the service's durable pull consumer (both are idempotent)."""
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_deliver=-1,
    )
    await js.add_consumer(stream, filtered(config, subjects))


async def ensure_replay(
    js: JetStreamContext,
    stream: str,
    name: str,
    subjects: list[str],
    idle_seconds: float,
    first_sequence: int = 1,
) -> None:
    """A pull consumer that reads `subjects` from stream sequence `first_sequence` on,
    acknowledging nothing; the server deletes it after `idle_seconds` without a pull."""
    config = ConsumerConfig(
        durable_name=name,
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=first_sequence,
        inactive_threshold=idle_seconds,
    )
    await js.add_consumer(stream, filtered(config, subjects))


def filtered(config: ConsumerConfig, subjects: list[str]) -> ConsumerConfig:
    # Servers before 2.10 know only the single `filter_subject`.
    if len(subjects) == 1:
        config.filter_subject = subjects[0]
    else:
        config.filter_subjects = sorted(subjects)
    return config


async def warn_unless_synced(monitor_url: str | None) -> bool:
    """Log a warning unless the server confirms it syncs every JetStream write to disk."""
    if monitor_url is None:
        log.warning(
            "jetstream_durability_unknown",
            hint="set <SERVICE>_NATS_MONITOR_URL to confirm sync_interval: always; without it "
            "acknowledged events may be lost on power failure",
        )
        return False
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            varz = (await client.get(f"{monitor_url.rstrip('/')}/varz")).json()
        synced = bool(varz.get("jetstream", {}).get("config", {}).get("sync_always", False))
    except (httpx.HTTPError, ValueError) as error:
        log.warning("jetstream_durability_unknown", monitor_url=monitor_url, error=str(error))
        return False
    if not synced:
        log.warning(
            "jetstream_not_synced",
            hint="the NATS server does not run with sync_interval: always; acknowledged "
            "events may be lost on power failure",
        )
    return synced
