"""The profiles worker of the chaos test's negative control: the real worker, except that its
relay publishes without `Nats-Msg-Id`, so JetStream cannot recognise the copies that a crash
between publishing and committing makes it publish again.

Run as a script (`python tests/control_relay.py`), with the profiles worker's environment.
"""

import runpy
from typing import Any, cast

from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit import worker
from tandem.kit.outbox import OutboxRelay


class _WithoutMessageIds:
    """Passes publishes on to JetStream, leaving out the message id that deduplicates them."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(
        self, subject: str, payload: bytes, timeout: float, headers: dict[str, str]
    ) -> Any:
        kept = {name: value for name, value in headers.items() if name != "Nats-Msg-Id"}
        return await self._js.publish(subject, payload, timeout=timeout, headers=kept or None)


class RelayWithoutMessageIds(OutboxRelay):
    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        **options: Any,
    ) -> None:
        without_ids = cast("JetStreamContext", _WithoutMessageIds(js))
        super().__init__(engine, sessionmaker, without_ids, **options)


if __name__ == "__main__":
    worker.OutboxRelay = RelayWithoutMessageIds  # type: ignore[misc]
    runpy.run_module("tandem.profiles.worker", run_name="__main__")
