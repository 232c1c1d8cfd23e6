"""What a service's handlers, chores and routes are given: built once per process at start-up
(the worker's and the API's alike, so an operator's replay applies an event as the worker does)
and closed when the process stops. Nothing reads the environment per event.

A service declares its `Wiring`: a factory of its typed dependencies (settings, pooled clients,
a process pool, credentials), and handlers and chores that take them as their last argument.
"""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Scope, ServiceCredentials, TokenIssuer
from tandem.kit.events import Event
from tandem.kit.inbox import Handlers
from tandem.kit.settings import ServiceSettings

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
DepsT = TypeVar("DepsT")

EventHandler = Callable[[AsyncSession, Any, DepsT], Awaitable[None]]


@dataclass(frozen=True)
class Chore(Generic[DepsT]):
    """Work a worker does on a clock rather than on an event, each time in one transaction
    (expiring what is due, forgetting what is old). A run that returns True left work due (it
    takes a bounded batch): the next run follows at once instead of after `every_seconds`."""

    name: str
    every_seconds: float
    run: Callable[[AsyncSession, DepsT], Awaitable[bool | None]]


@dataclass(frozen=True)
class Wiring(Generic[SettingsT, DepsT]):
    """`dependencies(settings)` is entered once per process; it raises `StartupRefused` when a
    process cannot do its work (a credential is missing), so it fails at start-up, not on the
    first event."""

    dependencies: Callable[[SettingsT], contextlib.AbstractAsyncContextManager[DepsT]]
    handlers: Mapping[type[Event], EventHandler[DepsT]] = field(default_factory=dict)
    chores: Sequence[Chore[DepsT]] = ()
    # Kit's chores a service opts into, built from its settings at start-up (their clock and
    # batch are settings): `tandem.kit.timers.TIMER_CHORES`.
    configured_chores: Sequence[Callable[[SettingsT], Chore[Any]]] = ()
    # Above 1, the consumer applies up to this many events per transaction (one inbox insert
    # and one commit for them all): for a read model that takes in events in bulk. A failing
    # batch is applied again one event per transaction (`tandem.kit.inbox.Consumer`).
    events_per_transaction: int = 1

    def handlers_with(self, dependencies: DepsT) -> Handlers:
        return {kind: _given(handle, dependencies) for kind, handle in self.handlers.items()}


def _given(handle: EventHandler[DepsT], dependencies: DepsT) -> Callable[..., Awaitable[None]]:
    async def handle_with_dependencies(session: AsyncSession, event: Any) -> None:
        await handle(session, event, dependencies)

    return handle_with_dependencies


@contextlib.asynccontextmanager
async def settings_only(settings: SettingsT) -> AsyncIterator[SettingsT]:
    """The dependencies of a service whose handlers need nothing but its settings."""
    yield settings


class StartupRefused(RuntimeError):
    """A process cannot do its work as configured; the message says what to set."""


def service_credentials(settings: ServiceSettings, scopes: list[Scope]) -> ServiceCredentials:
    """The service's own credentials, for work no user asked for; refuses without a key."""
    if settings.service_signing_key is None:
        variable = f"{settings.model_config.get('env_prefix', '')}SERVICE_SIGNING_KEY"
        raise StartupRefused(
            f"{variable} is not set: the {settings.service_name} service reads other services "
            "on its own (no user behind the work) and signs its tokens with that key"
        )
    issuer = TokenIssuer(settings.service_signing_key, settings.jwt_issuer, settings.jwt_audience)
    return ServiceCredentials(settings.service_name, issuer, scopes)
