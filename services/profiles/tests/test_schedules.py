"""People's schedules (`POST /people/schedules`): what sessions reads to plan meetings."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from factories import Org

from tandem.kit.auth import Role, Scope
from tandem.kit.testing.plugin import ClientFactory

Json = dict[str, Any]

MONDAY_MORNING = {"weekday": 0, "start": "09:00:00", "end": "11:00:00"}


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def sessions_service(client_for: ClientFactory, org: Org) -> Any:
    return client_for(
        Role.PARTNER, organization_id=org.id, subject="sessions", scopes=[Scope.SNAPSHOTS_READ]
    )


async def absent(org: Org, person: Json, start: date, end: date) -> Json:
    body = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    response = await org.admin.post(f"/people/{person['id']}/absences", json=body)
    assert response.status_code == 201, response.text
    created: Json = response.json()
    return created


async def test_a_schedule_holds_the_zone_the_windows_and_the_absences_not_yet_over(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person(time_zone="Europe/Paris")
    await org.admin.put(f"/people/{ada['id']}/availability", json={"windows": [MONDAY_MORNING]})
    today = today_in("Europe/Paris")
    await absent(org, ada, today - timedelta(days=9), today - timedelta(days=1))
    current = await absent(org, ada, today - timedelta(days=2), today)
    coming = await absent(org, ada, today + timedelta(days=30), today + timedelta(days=31))

    response = await sessions_service(client_for, org).post(
        "/people/schedules", json={"person_ids": [ada["id"]]}
    )

    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "person_id": ada["id"],
            "time_zone": "Europe/Paris",
            "windows": [MONDAY_MORNING],
            "absences": [current, coming],
        }
    ]


async def test_an_absence_is_over_after_its_last_day_in_the_persons_own_zone(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    zones = ["Pacific/Kiritimati", "Pacific/Pago_Pago"]  # UTC+14 and UTC-11
    people = [await org.person(time_zone=zone) for zone in zones]
    kept = {}
    for person, zone in zip(people, zones, strict=True):
        today = today_in(zone)
        await absent(org, person, today - timedelta(days=3), today - timedelta(days=1))
        kept[person["id"]] = await absent(org, person, today, today)

    response = await org.admin.post(
        "/people/schedules", json={"person_ids": [person["id"] for person in people]}
    )

    assert response.status_code == 200, response.text
    assert {item["person_id"]: item["absences"] for item in response.json()} == {
        person_id: [absence] for person_id, absence in kept.items()
    }


async def test_unknown_foreign_and_erased_people_are_left_out_in_the_order_asked(
    client_for: ClientFactory,
) -> None:
    org, elsewhere = Org(client_for), Org(client_for)
    ada, bea, gone = await org.person(), await org.person(), await org.person()
    stranger = await elsewhere.person()
    erased = await org.admin.post(f"/people/{gone['id']}/erasure")
    assert erased.status_code == 200, erased.text
    asked = [bea["id"], stranger["id"], str(uuid.uuid4()), gone["id"], ada["id"], bea["id"]]

    response = await sessions_service(client_for, org).post(
        "/people/schedules", json={"person_ids": asked}
    )

    assert response.status_code == 200, response.text
    assert [item["person_id"] for item in response.json()] == [bea["id"], ada["id"]]


async def test_only_hr_admins_and_services_with_snapshots_read_may_ask(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person()
    owner = await org.person()
    body = {"person_ids": [ada["id"]]}
    bi = client_for(Role.PARTNER, organization_id=org.id, subject="bi", scopes=[Scope.KPIS_READ])

    assert (await sessions_service(client_for, org).post("/people/schedules", json=body)).is_success
    assert (await org.admin.post("/people/schedules", json=body)).is_success
    for refused in (org.as_person(ada), org.as_person(owner, Role.PROGRAM_ADMIN), bi):
        response = await refused.post("/people/schedules", json=body)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client_for().post("/people/schedules", json=body)).status_code == 401


async def test_at_most_500_people_are_read_at_once(client_for: ClientFactory) -> None:
    org = Org(client_for)
    asked = [str(uuid.uuid4()) for _ in range(501)]

    too_many = await org.admin.post("/people/schedules", json={"person_ids": asked})
    at_the_limit = await org.admin.post("/people/schedules", json={"person_ids": asked[:500]})
    none = await org.admin.post("/people/schedules", json={"person_ids": []})

    assert (too_many.status_code, none.status_code) == (422, 422)
    assert (at_the_limit.status_code, at_the_limit.json()) == (200, [])
