from factories import Org

from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory

MONDAY_MORNING = {"weekday": 0, "start": "09:00:00", "end": "11:00:00"}


async def test_overlapping_windows_are_merged_and_weekly_minutes_counted(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person(time_zone="Europe/Amsterdam")
    windows = [MONDAY_MORNING, {"weekday": 0, "start": "10:30", "end": "12:00"}]

    response = await org.as_person(ada).put(
        f"/people/{ada['id']}/availability", json={"windows": windows}
    )

    assert response.status_code == 200
    assert response.json() == {
        "time_zone": "Europe/Amsterdam",
        "windows": [{"weekday": 0, "start": "09:00:00", "end": "12:00:00"}],
        "weekly_minutes": 180,
    }


async def test_windows_off_the_grid_or_backwards_are_a_400_and_nothing_changes(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person()
    me = org.as_person(ada)
    await me.put(f"/people/{ada['id']}/availability", json={"windows": [MONDAY_MORNING]})

    off_grid = await me.put(
        f"/people/{ada['id']}/availability",
        json={"windows": [{"weekday": 1, "start": "09:10", "end": "10:00"}]},
    )
    backwards = await me.put(
        f"/people/{ada['id']}/availability",
        json={"windows": [{"weekday": 1, "start": "11:00", "end": "10:00"}]},
    )
    outside_week = await me.put(
        f"/people/{ada['id']}/availability",
        json={"windows": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
    )

    assert (off_grid.status_code, backwards.status_code, outside_week.status_code) == (
        400,
        400,
        422,
    )
    assert off_grid.json()["title"] == "InvalidAvailabilityWindows"
    kept = (await me.get(f"/people/{ada['id']}/availability")).json()["windows"]
    assert kept == [MONDAY_MORNING]


async def test_free_intervals_are_in_utc_and_follow_daylight_saving(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person(time_zone="Europe/Amsterdam")
    me = org.as_person(ada)
    await me.put(f"/people/{ada['id']}/availability", json={"windows": [MONDAY_MORNING]})

    response = await me.get(
        f"/people/{ada['id']}/free-intervals", params={"start": "2025-03-24", "end": "2025-04-06"}
    )

    intervals = response.json()["intervals"]
    assert [(i["start"], i["end"]) for i in intervals] == [
        ("2025-03-24T08:00:00Z", "2025-03-24T10:00:00Z"),  # CET, UTC+1
        ("2025-03-31T07:00:00Z", "2025-03-31T09:00:00Z"),  # CEST, UTC+2
    ]


async def test_an_absence_removes_its_days_from_the_free_intervals(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person()
    me = org.as_person(ada)
    await me.put(f"/people/{ada['id']}/availability", json={"windows": [MONDAY_MORNING]})

    absence = await me.post(
        f"/people/{ada['id']}/absences", json={"start_date": "2025-03-31", "end_date": "2025-04-04"}
    )
    free = await me.get(
        f"/people/{ada['id']}/free-intervals", params={"start": "2025-03-24", "end": "2025-04-13"}
    )
    await me.delete(f"/people/{ada['id']}/absences/{absence.json()['id']}")
    free_again = await me.get(
        f"/people/{ada['id']}/free-intervals", params={"start": "2025-03-24", "end": "2025-04-13"}
    )

    assert absence.status_code == 201
    assert len(free.json()["intervals"]) == 2
    assert len(free_again.json()["intervals"]) == 3


async def test_backwards_absences_and_ranges_are_refused(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada = await org.person()
    me = org.as_person(ada)

    absence = await me.post(
        f"/people/{ada['id']}/absences", json={"start_date": "2025-04-04", "end_date": "2025-03-31"}
    )
    too_long = await me.get(
        f"/people/{ada['id']}/free-intervals", params={"start": "2025-01-01", "end": "2027-01-01"}
    )

    assert absence.status_code == 422
    assert too_long.status_code == 400


async def test_a_colleague_cannot_read_someone_elses_calendar(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada, bea = await org.person(), await org.person()

    assert (await org.as_person(bea).get(f"/people/{ada['id']}/availability")).status_code == 403
    assert (await org.as_person(bea).get(f"/people/{ada['id']}/absences")).status_code == 403
    assert (
        await org.as_person(bea).put(f"/people/{ada['id']}/availability", json={"windows": []})
    ).status_code == 403


CALENDAR = ["availability", "absences", "free-intervals?start=2027-01-04&end=2027-01-10"]


async def test_a_program_admin_reads_the_calendar_of_the_people_in_their_program(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, admin = await org.person(), await org.person()
    program = await org.program(admin_ids=[admin["id"]])
    await org.enroll(program, ada)
    program_admin = org.as_person(admin, Role.PROGRAM_ADMIN)

    for part in CALENDAR:
        assert (await program_admin.get(f"/people/{ada['id']}/{part}")).status_code == 200, part


async def test_the_admin_of_another_program_may_not_read_a_calendar(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bea, admin = await org.person(), await org.person(), await org.person()
    theirs, other = await org.program(admin_ids=[admin["id"]]), await org.program()
    await org.enroll(other, ada)
    await org.enroll(theirs, bea)
    program_admin = org.as_person(admin, Role.PROGRAM_ADMIN)

    for part in CALENDAR:
        assert (await program_admin.get(f"/people/{ada['id']}/{part}")).status_code == 403, part


async def test_a_program_admin_no_longer_reads_the_calendar_of_who_left_the_program(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, admin = await org.person(), await org.person()
    program = await org.program(admin_ids=[admin["id"]])
    enrollment = await org.enroll(program, ada)
    program_admin = org.as_person(admin, Role.PROGRAM_ADMIN)
    before = await program_admin.get(f"/people/{ada['id']}/availability")

    await org.admin.post(f"/enrollments/{enrollment['id']}/withdrawal")
    after = await program_admin.get(f"/people/{ada['id']}/availability")

    assert (before.status_code, after.status_code) == (200, 403)


async def test_a_program_admin_removed_from_the_program_no_longer_reads_calendars(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, admin = await org.person(), await org.person()
    program = await org.program(admin_ids=[admin["id"]])
    await org.enroll(program, ada)
    program_admin = org.as_person(admin, Role.PROGRAM_ADMIN)

    await org.admin.patch(f"/programs/{program['id']}", json={"admin_ids": []})

    assert (await program_admin.get(f"/people/{ada['id']}/absences")).status_code == 403
