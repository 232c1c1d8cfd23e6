"""Crashes lose nothing and double nothing: SIGKILLs of the relay, the consumer, NATS and
PostgreSQL while bulk imports produce over ten thousand events.

Two variants of the same small Tandem run side by side under the same crashes: the real one,
and a negative control with deduplication turned off (its relay publishes without message ids,
its inbox keeps no unique key). The control must show doubles, so the audit is shown able to
fail. The test runs its own PostgreSQL and NATS, since it kills them, whatever DATABASE_URL and
NATS_URL say; CI runs it in one pass only (see .ci/run).
"""

import asyncio
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import nats
import pytest
from chaos_rig import (
    Audit,
    Postgres,
    Variant,
    audit,
    hris_rows,
    import_until_accepted,
    kill_nats,
    quiet,
    shuffled,
)
from conftest import eventually

from tandem.kit import infra
from tandem.kit.auth import KeyPair, TokenIssuer

pytestmark = pytest.mark.chaos

KILLS = Counter({"relay": 12, "consumer": 12, "nats": 10, "postgres": 10})
BATCHES, BATCH_SIZE = 40, 250  # people imported per batch: one event each
SECONDS_BETWEEN_KILLS = 1.0
SECONDS_DOWN = 0.5  # how long a crashed server stays down before it is started again
SEED = 8
WINDOW_MARGIN = 4  # the duplicate window is this many times the longest republish seen


async def test_crashes_of_relay_consumer_nats_and_postgres_lose_and_double_nothing(
    tmp_path: Path,
    signing_keys: KeyPair,
    token_issuer: TokenIssuer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    began = time.monotonic()
    # Not under tmp_path: PostgreSQL runs as its own user, and every pytest run that starts
    # meanwhile makes pytest's temporary root private again.
    postgres = await asyncio.to_thread(Postgres, Path(tempfile.mkdtemp(prefix="tandem-chaos-")))
    nats_server = infra.embedded_nats(tmp_path / "nats").start()
    variants = [
        Variant(name, deduplicating, postgres.url, nats_server, signing_keys.public_pem, tmp_path)
        for name, deduplicating in [("real", True), ("control", False)]
    ]
    chaos = Chaos(variants, postgres, nats_server)
    try:
        for variant in variants:
            await variant.prepare()
            variant.start()
        for variant in variants:
            await variant.wait_ready()
        started = time.monotonic()
        production = asyncio.create_task(produce(variants, token_issuer, chaos))
        await chaos.run()
        produced_by = await production

        async def settled() -> bool:
            """every variant has published, delivered and acknowledged all it produced"""
            return all([await quiet(variant) for variant in variants])

        await eventually(settled, timeout=180, interval=1)
        settled_at = time.monotonic()
        real, control = [await audit(variant) for variant in variants]
        duplicate_window = await stream_duplicate_window(nats_server, variants[0].stream)
    finally:
        for variant in variants:
            variant.stop()
        nats_server.stop()
        await asyncio.to_thread(postgres.stop)
    kills = chaos.kills
    with capsys.disabled():  # the figures belong in CI's log, passed or not
        print(report(kills, real, control, [began, started, produced_by, settled_at]))

    assert kills.total() >= 40
    assert min(kills.values()) >= 8, kills
    assert real.produced >= 10_000
    assert real == Audit(
        produced=real.produced,
        published=real.produced,
        doubled_publishes=0,
        strangers=0,
        applied=real.produced,
        doubled_applications=0,
        doubled_effects=0,
        lost_effects=0,
        dead_letters=0,
        longest_republish_seconds=0.0,
    )
    # Without deduplication nothing is lost either, but copies get through and are applied.
    assert (control.lost_publishes, control.lost_applications, control.lost_effects) == (0, 0, 0)
    assert control.strangers == 0
    assert control.doubled_publishes > 0, control
    assert control.doubled_effects > 0, control
    # JetStream drops a copy only within its duplicate window: the control shows how late the
    # relay published an event again under the same crashes, and the window must cover that,
    # with room to spare for longer outages than these.
    assert control.longest_republish_seconds * WINDOW_MARGIN < duplicate_window


class Chaos:
    """Kills one part at each step, in every variant at once, and counts the kills."""

    def __init__(
        self, variants: list[Variant], postgres: Postgres, nats_server: infra.NatsServer
    ) -> None:
        self.kills: Counter[str] = Counter()
        self._variants = variants
        self._postgres = postgres
        self._nats = nats_server
        self._killed = asyncio.Condition()

    async def run(self) -> None:
        for kind in shuffled(KILLS, SEED):
            await asyncio.sleep(SECONDS_BETWEEN_KILLS)
            await self._kill(kind)
            async with self._killed:
                self.kills[kind] += 1
                self._killed.notify_all()

    async def _kill(self, kind: str) -> None:
        if kind in ("relay", "consumer"):
            for variant in self._variants:
                variant.crash(kind)
        elif kind == "nats":
            kill_nats(self._nats)
            await asyncio.sleep(SECONDS_DOWN)
            await asyncio.to_thread(self._nats.start)
        else:
            await asyncio.to_thread(self._postgres.kill)
            await asyncio.sleep(SECONDS_DOWN)
            await asyncio.to_thread(self._postgres.start)

    async def reached(self, kills: int) -> None:
        async with self._killed:
            await self._killed.wait_for(lambda: self.kills.total() >= kills)


async def produce(variants: list[Variant], issuer: TokenIssuer, chaos: Chaos) -> float:
    """Import the batches in step with the kills (the last after the last kill), each into a
    fresh organization of each variant; returns when the last import was accepted."""
    for batch in range(BATCHES):
        await chaos.reached(batch * KILLS.total() // (BATCHES - 1))
        rows = hris_rows(batch, BATCH_SIZE)
        await asyncio.gather(
            *(import_until_accepted(variant, issuer, uuid.uuid4(), rows) for variant in variants)
        )
    return time.monotonic()


async def stream_duplicate_window(server: infra.NatsServer, stream: str) -> float:
    connection = await nats.connect(server.url)
    try:
        info = await connection.jetstream().stream_info(stream)
    finally:
        await connection.close()
    return float(info.config.duplicate_window or 0)


def report(kills: Counter[str], real: Audit, control: Audit, moments: list[float]) -> str:
    began, started, produced_by, settled_at = moments
    return (
        f"\nchaos: kills {dict(kills)} ({kills.total()})"
        f"\n  real:    {real}\n  control: {control}"
        f"\n  set-up {started - began:.0f}s, producing under kills {produced_by - started:.0f}s, "
        f"settling {settled_at - produced_by:.0f}s, total {time.monotonic() - began:.0f}s"
    )
