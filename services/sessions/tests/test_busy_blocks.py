"""A calendar partner pushes a person's busy times; the person reads their own."""

import asyncio
import uuid
from datetime import timedelta

from conftest import Profiles
from factories import HOUR, MONDAY, slot
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.testing.plugin import ClientFactory

DAY = timedelta(days=1)


def week(*blocks: dict[str, str]) -> dict[str, object]:
    return slot(MONDAY, minutes=7 * 24 * 60) | {"blocks": list(blocks)}


async def test_a_partner_replaces_a_persons_busy_times_in_a_range_and_they_read_them(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    partner = client_for(
        Role.PARTNER, organization_id=organization, subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    path = f"/people/{person}/busy-blocks"
    next_week = slot(MONDAY + 7 * DAY, minutes=60)

    first = await partner.put(path, json=week(slot(MONDAY), slot(MONDAY + DAY)))
    await partner.put(
        path, json=slot(MONDAY + 7 * DAY, minutes=7 * 24 * 60) | {"blocks": [next_week]}
    )
    replaced = await partner.put(path, json=week(slot(MONDAY + 2 * DAY, minutes=30)))
    read = await own.get(path, params=slot(MONDAY, minutes=14 * 24 * 60))

    assert first.status_code == 200, first.text
    assert len(first.json()["blocks"]) == 2
    assert replaced.status_code == 200
    starts = [block["starts_at"][:16] for block in read.json()["blocks"]]
    assert starts == ["2030-01-09T09:00", "2030-01-14T09:00"]


async def test_only_calendar_partners_of_the_persons_organization_push_busy_times(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    path = f"/people/{person}/busy-blocks"
    body = week(slot(MONDAY))
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    unscoped = client_for(Role.PARTNER, organization_id=organization, subject="hris")
    foreign = client_for(
        Role.PARTNER, organization_id=uuid.uuid4(), subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )
    colleague = client_for(Role.PARTICIPANT, organization_id=organization)

    assert (await participant.put(path, json=body)).status_code == 403
    assert (await unscoped.put(path, json=body)).status_code == 403
    assert (await foreign.put(path, json=body)).status_code == 404
    assert (await foreign.get(path, params=slot(MONDAY))).status_code == 404
    assert (await colleague.get(path, params=slot(MONDAY))).status_code == 403


async def test_busy_times_outside_the_range_or_too_many_are_refused(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    partner = client_for(
        Role.PARTNER, organization_id=organization, subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )
    path = f"/people/{person}/busy-blocks"

    outside = await partner.put(path, json=week(slot(MONDAY - HOUR)))
    too_long = await partner.put(path, json=slot(MONDAY, minutes=400 * 24 * 60) | {"blocks": []})
    too_many = await partner.put(path, json=week(*[slot(MONDAY)] * 2_001))
    backwards = await partner.get(
        path, params={"starts_at": MONDAY.isoformat(), "ends_at": MONDAY.isoformat()}
    )

    assert [outside.status_code, too_long.status_code, too_many.status_code] == [422] * 3
    assert backwards.status_code == 400


async def test_concurrent_replacements_of_one_range_leave_one_of_them(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    partner = committing_client_for(
        Role.PARTNER, organization_id=organization, subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )
    path = f"/people/{person}/busy-blocks"

    answers = await asyncio.gather(
        *(
            partner.put(path, json=week(slot(MONDAY + n * HOUR), slot(MONDAY + DAY)))
            for n in range(8)
        )
    )

    assert {answer.status_code for answer in answers} == {200}
    read = await partner.get(path, params=slot(MONDAY, minutes=7 * 24 * 60))
    assert len(read.json()["blocks"]) == 2
