"""Whether a session still fits a member's schedule, checked against a minute-by-minute count
on generated schedules (zones without clock changes: planning across them is the scheduler's
to prove)."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.kit.contracts.profiles import AbsenceRead, PersonSchedule, WindowItem
from tandem.sessions.service import misfits

ZONES = ["UTC", "Asia/Tokyo", "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham"]
FIRST_DAY = date(2030, 3, 4)
QUARTERS_PER_DAY = 96


@st.composite
def windows(draw: st.DrawFn) -> list[WindowItem]:
    found = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, QUARTERS_PER_DAY - 1))
        end = draw(st.integers(start + 1, QUARTERS_PER_DAY))
        found.append(
            WindowItem(
                weekday=draw(st.integers(0, 6)),
                start=_clock(start),
                end=_clock(end % QUARTERS_PER_DAY),
            )
        )
    return found


def _clock(quarter: int) -> time:
    return time(quarter // 4, quarter % 4 * 15)


@st.composite
def schedules(draw: st.DrawFn) -> PersonSchedule:
    absences = []
    for _ in range(draw(st.integers(0, 2))):
        first = FIRST_DAY + timedelta(days=draw(st.integers(0, 9)))
        last = first + timedelta(days=draw(st.integers(0, 2)))
        absences.append(AbsenceRead(id=uuid.uuid4(), start_date=first, end_date=last))
    return PersonSchedule(
        person_id=uuid.uuid4(),
        time_zone=draw(st.sampled_from(ZONES)),
        windows=draw(windows()),
        absences=absences,
    )


def _inside(window: WindowItem, moment: datetime) -> bool:
    end = window.end if window.end != time(0) else None
    return (
        moment.weekday() == window.weekday
        and window.start <= moment.time()
        and (end is None or moment.time() < end)
    )


def _counted(schedule: PersonSchedule, start: datetime, end: datetime) -> list[str]:
    zone = ZoneInfo(schedule.time_zone)
    minutes = int((end - start).total_seconds() // 60)
    local = [(start + timedelta(minutes=m)).astimezone(zone) for m in range(minutes)]
    reasons = []
    days = {moment.date() for moment in local}
    if any(a.start_date <= day <= a.end_date for a in schedule.absences for day in days):
        reasons.append("absent")
    covered = all(any(_inside(w, moment) for w in schedule.windows) for moment in local)
    if schedule.windows and not covered:
        reasons.append("outside_windows")
    return reasons


@settings(max_examples=300, deadline=None)
@given(
    schedule=schedules(),
    offset=st.integers(0, 7 * 24 * 60),
    minutes=st.integers(15, 240),
)
def test_a_session_fits_exactly_when_every_minute_of_it_does(
    schedule: PersonSchedule, offset: int, minutes: int
) -> None:
    start = datetime.combine(FIRST_DAY, time(), UTC) + timedelta(minutes=offset)
    end = start + timedelta(minutes=minutes)

    assert misfits(schedule, start, end) == _counted(schedule, start, end)
