"""The small service kit is tested through: a settings class, an event, a handler, routes."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from uuid import UUID

from fastapi import APIRouter
from pydantic_settings import SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tandem.kit.db import SessionDep
from tandem.kit.errors import Conflict
from tandem.kit.events import Event
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.patches import Patch
from tandem.kit.settings import ServiceSettings
from tandem.kit.timers import TIMER_CHORES, set_timer
from tandem.kit.versioning import ExpectedVersion
from tandem.kit.wiring import Wiring, settings_only


class KitTestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KITTEST_", extra="ignore")
    service_name: ClassVar[str] = "kittest"


class ThingHappened(Event):
    type: ClassVar[str] = "tandem.kittest.thing.happened"
    value: int


class SlowThingHappened(Event):
    type: ClassVar[str] = "tandem.kittest.slow_thing.happened"
    seconds: float


class ReminderDue(Event):
    type: ClassVar[str] = "tandem.kittest.reminder.due"
    item_id: UUID
    start: datetime


class ThingRefused(Conflict):
    detail = "The thing was refused."


async def record_thing(session: AsyncSession, event: ThingHappened, _: object) -> None:
    if event.value < 0:
        raise ValueError("negative things are poison")
    await session.execute(
        text("INSERT INTO effect (value) VALUES (:value)"), {"value": event.value}
    )


async def record_slowly(session: AsyncSession, event: SlowThingHappened, _: object) -> None:
    await asyncio.sleep(event.seconds)
    await session.execute(text("INSERT INTO effect (value) VALUES (0)"))


WIRING: Wiring[KitTestSettings, object] = Wiring(
    settings_only, {ThingHappened: record_thing, SlowThingHappened: record_slowly}
)
HANDLERS = WIRING.handlers_with(None)
# What a worker process of the timer tests runs: the relay and the timer chores, no consumer.
TIMER_WIRING: Wiring[KitTestSettings, object] = Wiring(
    settings_only, configured_chores=TIMER_CHORES
)
router = APIRouter(route_class=IdempotentRoute)


@router.get("/refuse")
async def refuse() -> None:
    raise ThingRefused()


@router.get("/crash")
async def crash() -> None:
    raise RuntimeError("secret internals")


@router.post("/effects", status_code=201)
async def add_effect(value: int, session: SessionDep) -> None:
    """Writes, then refuses negative values: the write must not survive the refusal."""
    await session.execute(text("INSERT INTO effect (value) VALUES (:value)"), {"value": value})
    if value < 0:
        raise ThingRefused()


GATE = 7
"""The advisory lock `/gated-effects` waits for: tests hold it to keep a request running."""


@router.post("/gated-effects", status_code=201)
async def add_effect_at_gate(value: int, session: SessionDep) -> None:
    """Writes, then waits at the gate with its transaction open: a request still running."""
    await session.execute(text("INSERT INTO effect (value) VALUES (:value)"), {"value": value})
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:gate)"), {"gate": GATE})


@router.post("/locked-effects", status_code=201)
async def add_effect_locking(value: int, first: int, then: int, session: SessionDep) -> None:
    """Writes, locks row `first` of `lockable`, waits at the gate, then locks row `then`: two
    requests locking the same rows in opposite orders deadlock once the gate opens."""
    await session.execute(text("INSERT INTO effect (value) VALUES (:value)"), {"value": value})
    lock = text("SELECT id FROM lockable WHERE id = :id FOR UPDATE")
    await session.execute(lock, {"id": first})
    await session.execute(text("SELECT pg_advisory_xact_lock_shared(:gate)"), {"gate": GATE})
    await session.execute(lock, {"id": then})


@router.post("/things", status_code=201)
async def add_thing(name: str, start: int, session: SessionDep) -> None:
    """Names are unique and spans [start, start + 10) may not overlap."""
    await session.execute(
        text("INSERT INTO thing (name, span) VALUES (:name, int4range(:start, :start + 10))"),
        {"name": name, "start": start},
    )


@router.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


@router.get("/effects")
async def count_effects(session: SessionDep) -> int:
    return int(await session.scalar(text("SELECT count(*) FROM effect")) or 0)


class ThingChange(Patch):
    clearable = frozenset({"note"})

    name: str | None = None
    note: str | None = None


@router.patch("/things/{thing_id}")
async def change_thing(thing_id: int, data: ThingChange, version: ExpectedVersion) -> int | None:
    return version


@router.patch("/stale")
async def stale() -> None:
    """What SQLAlchemy raises when another transaction changed a versioned row first."""
    raise StaleDataError("UPDATE statement on table 'thing' expected to update 1 row(s); 0 were")


@router.put("/timers/{item_id}", status_code=204)
async def remind(
    item_id: UUID, organization_id: UUID, in_seconds: float, session: SessionDep
) -> None:
    """Sets the item's reminder `in_seconds` from now (a service's write moving its timer)."""
    due_at = datetime.now(UTC) + timedelta(seconds=in_seconds)
    event = ReminderDue(organization_id=organization_id, item_id=item_id, start=due_at)
    await set_timer(session, f"kittest.reminder:{item_id}", due_at, event)
