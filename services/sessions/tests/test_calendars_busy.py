"""Busy times from uploaded calendars: exports as Google Calendar and Outlook write them,
floating times, all-day events, free/busy periods, recurrences (checked against a plain
expansion from the first occurrence), and files that are refused with a clear error."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.sessions.calendars import (
    BusyInterval,
    CalendarTooLarge,
    CalendarUnreadable,
    CalendarUploadRefused,
    UploadLimits,
    busy_intervals,
)

BERLIN = ZoneInfo("Europe/Berlin")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")


def ics(text: str) -> bytes:
    """A fixture as a file: CRLF line ends, as RFC 5545 wants and exports write."""
    return text.strip().replace("\n", "\r\n").encode() + b"\r\n"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def pairs(intervals: list[BusyInterval]) -> list[tuple[datetime, datetime]]:
    return [(interval.start, interval.end) for interval in intervals]


GOOGLE_EXPORT = ics("""
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:ada.lovelace@example.org
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:America/Los_Angeles
X-LIC-LOCATION:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
TZNAME:PDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
TZNAME:PST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20250901T100000
DTEND;TZID=Europe/Berlin:20250901T103000
RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20261130T225959Z;BYDAY=MO
EXDATE;TZID=Europe/Berlin:20261019T100000
DTSTAMP:20261007T091500Z
UID:3k1v9q0hd3ofp8cq4ev2qg8c1s@google.com
CREATED:20250820T120000Z
DESCRIPTION:
LAST-MODIFIED:20261001T080000Z
LOCATION:
SEQUENCE:2
STATUS:CONFIRMED
SUMMARY:Team sync
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20261026T140000
DTEND;TZID=Europe/Berlin:20261026T143000
DTSTAMP:20261007T091500Z
UID:3k1v9q0hd3ofp8cq4ev2qg8c1s@google.com
RECURRENCE-ID;TZID=Europe/Berlin:20261026T100000
CREATED:20250820T120000Z
LAST-MODIFIED:20261005T080000Z
SEQUENCE:3
STATUS:CONFIRMED
SUMMARY:Team sync (moved)
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20261102T100000
DTEND;TZID=Europe/Berlin:20261102T103000
DTSTAMP:20261007T091500Z
UID:3k1v9q0hd3ofp8cq4ev2qg8c1s@google.com
RECURRENCE-ID;TZID=Europe/Berlin:20261102T100000
SEQUENCE:3
STATUS:CANCELLED
SUMMARY:Team sync
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART:20261014T120000Z
DTEND:20261014T130000Z
DTSTAMP:20261007T091500Z
UID:0f6cd2l1v8b4nq1bq3s5mfp7ab@google.com
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Dentist
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:19901015
DTEND;VALUE=DATE:19901016
RRULE:FREQ=YEARLY
DTSTAMP:20261007T091500Z
UID:BIRTHDAY_a1b2c3@google.com
STATUS:CONFIRMED
SUMMARY:Grace's birthday
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261021
DTEND;VALUE=DATE:20261023
DTSTAMP:20261007T091500Z
UID:7h2m4k9s1c5e3g8j0l6n2p4r6t@google.com
STATUS:CONFIRMED
SUMMARY:Team offsite
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=America/Los_Angeles:20261005T173000
DTEND;TZID=America/Los_Angeles:20261005T183000
RRULE:FREQ=WEEKLY;UNTIL=20261014;BYDAY=MO,WE;WKST=SU
DTSTAMP:20261007T091500Z
UID:1jarqa007psjkn0363l86t432q@google.com
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Dragon boats
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
""")


def test_a_google_export_gives_its_opaque_events_with_moves_and_cancellations() -> None:
    busy = busy_intervals(GOOGLE_EXPORT, zone=BERLIN, start=at(2026, 10, 12), end=at(2026, 11, 9))

    assert pairs(busy) == [
        (at(2026, 10, 12, 8), at(2026, 10, 12, 8, 30)),  # Monday 10:00 CEST
        # Dragon boats, Monday and Wednesday 17:30 Los Angeles, until the 14th (a date, inclusive)
        (at(2026, 10, 13, 0, 30), at(2026, 10, 13, 1, 30)),
        (at(2026, 10, 14, 12), at(2026, 10, 14, 13)),  # Dentist, in UTC
        (at(2026, 10, 15, 0, 30), at(2026, 10, 15, 1, 30)),
        # 19 October excluded; the offsite, two whole days in Berlin
        (at(2026, 10, 20, 22), at(2026, 10, 22, 22)),
        (at(2026, 10, 26, 13), at(2026, 10, 26, 13, 30)),  # moved to 14:00 CET
        # 2 November cancelled; the birthday is transparent
    ]


OUTLOOK_EXPORT = ics("""
BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-CALSTART:20261005T070000Z
X-CALEND:20261106T090000Z
X-WR-RELCALID:{0000002E-8C1B-2E2B-4F7A-9B7F2C3D4E5F}
X-WR-CALNAME:Calendar
X-PRIMARY-CALENDAR:TRUE
X-MS-OLK-WKHRSTART;TZID="W. Europe Standard Time":080000
X-MS-OLK-WKHREND;TZID="W. Europe Standard Time":170000
X-MS-OLK-WKHRDAYS:MO,TU,WE,TH,FR
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
CREATED:20260901T101010Z
DESCRIPTION:\\n
DTEND;TZID="W. Europe Standard Time":20261006T093000
DTSTAMP:20261005T120000Z
DTSTART;TZID="W. Europe Standard Time":20261006T090000
EXDATE;TZID="W. Europe Standard Time":20261015T090000
LAST-MODIFIED:20260901T101010Z
PRIORITY:5
RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TU,TH
SEQUENCE:0
SUMMARY;LANGUAGE=en-us:Stand-up
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000D0C3A1E8B4D8DA01000000000000000010000000A1
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-DISALLOW-COUNTER:FALSE
X-MS-OLK-CONFTYPE:0
END:VEVENT
BEGIN:VEVENT
CLASS:PUBLIC
DTEND;TZID="W. Europe Standard Time":20261013T130000
DTSTAMP:20261005T120000Z
DTSTART;TZID="W. Europe Standard Time":20261013T120000
SUMMARY;LANGUAGE=en-us:Lunch and learn (optional)
TRANSP:TRANSPARENT
UID:040000008200E00074C5B7101A82E00800000000D0C3A1E8B4D8DA01000000000000000010000000A2
X-MICROSOFT-CDO-BUSYSTATUS:FREE
END:VEVENT
BEGIN:VEVENT
CLASS:PUBLIC
DTEND;TZID="W. Europe Standard Time":20261014T160000
DTSTAMP:20261005T120000Z
DTSTART;TZID="W. Europe Standard Time":20261014T150000
SUMMARY;LANGUAGE=en-us:Quarterly review
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000D0C3A1E8B4D8DA01000000000000000010000000A3
X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE
END:VEVENT
BEGIN:VEVENT
CLASS:PUBLIC
DTEND;VALUE=DATE:20261024
DTSTAMP:20261005T120000Z
DTSTART;VALUE=DATE:20261023
SUMMARY;LANGUAGE=en-us:Out of office
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000D0C3A1E8B4D8DA01000000000000000010000000A4
X-MICROSOFT-CDO-ALLDAYEVENT:TRUE
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT
END:VCALENDAR
""")


def test_an_outlook_export_with_windows_zone_names_gives_its_busy_events() -> None:
    busy = busy_intervals(
        OUTLOOK_EXPORT, zone=AMSTERDAM, start=at(2026, 10, 5), end=at(2026, 11, 2)
    )

    standups = [
        (at(2026, 10, day, hour), at(2026, 10, day, hour, 30))
        for day, hour in [(6, 7), (8, 7), (13, 7), (20, 7), (22, 7), (27, 8), (29, 8)]
    ]  # 09:00 CEST, then CET after 25 October; the 15th excluded, COUNT ends on 5 November
    review = (at(2026, 10, 14, 13), at(2026, 10, 14, 14))  # tentative is busy
    out_of_office = (at(2026, 10, 22, 22), at(2026, 10, 23, 22))  # a whole day in Amsterdam
    assert pairs(busy) == sorted([*standups, review, out_of_office])


def test_floating_times_are_the_persons_local_times_across_their_clock_change() -> None:
    floating = ics("""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Floating//EN
BEGIN:VEVENT
UID:floating-1@example.org
DTSTAMP:20261001T000000Z
DTSTART:20261024T090000
DTEND:20261024T100000
RRULE:FREQ=WEEKLY;COUNT=3
END:VEVENT
END:VCALENDAR
""")

    busy = busy_intervals(floating, zone=NEW_YORK, start=at(2026, 10, 1), end=at(2026, 12, 1))

    # Saturdays 09:00 in New York: EDT, EDT, then EST after 1 November.
    assert pairs(busy) == [
        (at(2026, 10, 24, 13), at(2026, 10, 24, 14)),
        (at(2026, 10, 31, 13), at(2026, 10, 31, 14)),
        (at(2026, 11, 7, 14), at(2026, 11, 7, 15)),
    ]


def test_an_all_day_event_without_an_end_is_one_whole_local_day() -> None:
    one_day = ics("""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//All day//EN
BEGIN:VEVENT
UID:day-1@example.org
DTSTAMP:20261001T000000Z
DTSTART;VALUE=DATE:20261025
END:VEVENT
END:VCALENDAR
""")

    busy = busy_intervals(one_day, zone=BERLIN, start=at(2026, 10, 1), end=at(2026, 11, 1))

    # 25 October 2026 in Berlin has 25 hours (CEST to CET).
    assert pairs(busy) == [(at(2026, 10, 24, 22), at(2026, 10, 25, 23))]


FREE_BUSY = ics("""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp//Free-busy publisher//EN
METHOD:PUBLISH
BEGIN:VFREEBUSY
UID:fb-2026-10@example.org
DTSTAMP:20261010T000000Z
DTSTART:20261012T000000Z
DTEND:20261019T000000Z
ORGANIZER:mailto:ada.lovelace@example.org
FREEBUSY:20261012T090000Z/20261012T100000Z,20261013T090000Z/PT1H30M
FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261014T150000Z/20261014T160000Z
FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20261016T000000Z/20261017T000000Z
FREEBUSY;FBTYPE=FREE:20261015T090000Z/20261015T170000Z
END:VFREEBUSY
END:VCALENDAR
""")


def test_free_busy_periods_are_busy_unless_free() -> None:
    busy = busy_intervals(FREE_BUSY, zone=BERLIN, start=at(2026, 10, 12), end=at(2026, 10, 19))

    assert pairs(busy) == [
        (at(2026, 10, 12, 9), at(2026, 10, 12, 10)),
        (at(2026, 10, 13, 9), at(2026, 10, 13, 10, 30)),
        (at(2026, 10, 14, 15), at(2026, 10, 14, 16)),
        (at(2026, 10, 16), at(2026, 10, 17)),
    ]


def test_busy_times_are_clipped_to_the_horizon_and_merged() -> None:
    busy = busy_intervals(
        FREE_BUSY + b"", zone=BERLIN, start=at(2026, 10, 12, 9, 30), end=at(2026, 10, 16, 12)
    )

    assert pairs(busy)[0] == (at(2026, 10, 12, 9, 30), at(2026, 10, 12, 10))
    assert pairs(busy)[-1] == (at(2026, 10, 16), at(2026, 10, 16, 12))
    overlapping = ics("""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Overlap//EN
BEGIN:VFREEBUSY
UID:fb-overlap@example.org
DTSTAMP:20261010T000000Z
FREEBUSY:20261012T090000Z/20261012T100000Z,20261012T093000Z/20261012T110000Z
FREEBUSY:20261012T110000Z/20261012T113000Z
END:VFREEBUSY
END:VCALENDAR
""")
    merged = busy_intervals(overlapping, zone=UTC, start=at(2026, 10, 12), end=at(2026, 10, 13))
    assert pairs(merged) == [(at(2026, 10, 12, 9), at(2026, 10, 12, 11, 30))]


# Recurrences against a plain expansion ---------------------------------------------------------

FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
DAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frequency=st.sampled_from(list(FREQUENCIES)),
    interval=st.integers(min_value=1, max_value=4),
    first=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0)
    ),
    days=st.sets(st.integers(0, 6), max_size=3),
    minutes=st.integers(min_value=15, max_value=180),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
    horizon_start=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 30)),
)
def test_a_recurrence_since_long_ago_gives_what_a_plain_expansion_gives(
    frequency: str,
    interval: int,
    first: datetime,
    days: set[int],
    minutes: int,
    zone: str,
    horizon_start: date,
) -> None:
    by_day = ";BYDAY=" + ",".join(DAY_CODES[day] for day in sorted(days)) if days else ""
    calendar = ics(f"""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Recurrence//EN
BEGIN:VEVENT
UID:rule@example.org
DTSTAMP:20261001T000000Z
DTSTART;TZID={zone}:{first:%Y%m%dT%H%M%S}
DTEND;TZID={zone}:{first + timedelta(minutes=minutes):%Y%m%dT%H%M%S}
RRULE:FREQ={frequency};INTERVAL={interval}{by_day}
END:VEVENT
END:VCALENDAR
""")
    start = datetime.combine(horizon_start, datetime.min.time(), UTC)
    end = start + timedelta(days=60)
    local = ZoneInfo(zone)
    first_instant = first.replace(tzinfo=local).astimezone(UTC)
    length = (first + timedelta(minutes=minutes)).replace(tzinfo=local).astimezone(
        UTC
    ) - first_instant
    plain = rrule(
        FREQUENCIES[frequency],
        dtstart=first,
        interval=interval,
        byweekday=sorted(days) or None,
        until=end.astimezone(local).replace(tzinfo=None) + timedelta(days=1),
    )
    instants = {first_instant} | {wall.replace(tzinfo=local).astimezone(UTC) for wall in plain}
    expected: list[tuple[datetime, datetime]] = []
    for instant in sorted(instants):
        clipped = (max(instant, start), min(instant + length, end))
        if clipped[0] < clipped[1]:
            if expected and clipped[0] <= expected[-1][1]:
                expected[-1] = (expected[-1][0], max(expected[-1][1], clipped[1]))
            else:
                expected.append(clipped)

    busy = busy_intervals(calendar, zone=BERLIN, start=start, end=end)

    assert pairs(busy) == expected


# Refused files ---------------------------------------------------------------------------------


def event_with(*lines: str) -> bytes:
    body = "\n".join(lines)
    return ics(f"""
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Broken//EN
BEGIN:VEVENT
UID:broken@example.org
DTSTAMP:20261001T000000Z
{body}
END:VEVENT
END:VCALENDAR
""")


OCTOBER = (at(2026, 10, 1), at(2026, 11, 1))


def october(data: bytes, limits: UploadLimits | None = None) -> list[BusyInterval]:
    return busy_intervals(data, zone=BERLIN, start=OCTOBER[0], end=OCTOBER[1], limits=limits)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "not an iCalendar file"),
        (b"hello, this is a spreadsheet", "not an iCalendar file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an iCalendar file"),
        (GOOGLE_EXPORT[: len(GOOGLE_EXPORT) // 2], "not an iCalendar file"),
        (ics("BEGIN:VEVENT\nUID:1\nDTSTART:20261010T100000Z\nEND:VEVENT"), "BEGIN:VCALENDAR"),
        (event_with("DTSTART:2026-10-10 10:00", "DTEND:20261010T110000Z"), "DTSTART"),
        (event_with("DTSTART:20261010T100000Z", "DTEND:tomorrow"), "DTEND"),
        (event_with("DTSTART:20261010T100000Z", "RRULE:FREQ=SOMETIMES"), "RRULE"),
        (event_with("DTSTART:20261010T100000Z", "RRULE:FREQ=MINUTELY"), "more often than daily"),
        (event_with("DTEND:20261010T110000Z"), "no start"),
        (event_with("DTSTART;VALUE=DATE:20261010", "DTEND:20261010T110000Z"), "different kinds"),
        (event_with("DTSTART:20261010T100000Z", "EXDATE:last tuesday"), "EXDATE"),
    ],
)
def test_a_malformed_calendar_is_refused_with_a_clear_message(data: bytes, says: str) -> None:
    with pytest.raises(CalendarUnreadable) as refusal:
        october(data)

    assert says.lower() in str(refusal.value).lower()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(CalendarTooLarge, match="at most 1,048,576"):
        october(b"x" * (1024 * 1024 + 1))


def test_more_busy_times_than_the_limit_are_refused() -> None:
    daily = event_with("DTSTART:20260101T090000Z", "DTEND:20260101T100000Z", "RRULE:FREQ=DAILY")

    assert len(october(daily)) == 31
    with pytest.raises(CalendarTooLarge, match="at most 30 are taken"):
        october(daily, UploadLimits(max_intervals=30))


def test_a_rule_that_matches_no_day_gives_nothing_and_many_of_them_are_refused() -> None:
    february_30th = "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"
    one = event_with("DTSTART:19900101T090000Z", "DTEND:19900101T100000Z", february_30th)
    many = b"".join(
        [
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Many//EN\r\n",
            *(
                ics(
                    f"BEGIN:VEVENT\nUID:{n}@example.org\nDTSTAMP:20261001T000000Z\n"
                    f"DTSTART:19900101T090000Z\nDTEND:19900101T100000Z\n{february_30th}\n"
                    "END:VEVENT"
                )
                for n in range(20)
            ),
            b"END:VCALENDAR\r\n",
        ]
    )

    assert october(one) == []
    with pytest.raises(CalendarTooLarge, match="take too long"):
        october(many, UploadLimits(max_expansion=timedelta(seconds=0.5)))


def test_a_horizon_over_the_limit_is_the_callers_mistake() -> None:
    with pytest.raises(ValueError, match="at most"):
        busy_intervals(FREE_BUSY, zone=BERLIN, start=at(2026, 1, 1), end=at(2028, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        busy_intervals(FREE_BUSY, zone=BERLIN, start=datetime(2026, 1, 1), end=at(2026, 2, 1))


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from([GOOGLE_EXPORT, OUTLOOK_EXPORT, FREE_BUSY]),
    cuts=st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=8)), max_size=4),
)
def test_a_damaged_file_gives_busy_times_or_a_refusal_never_another_error(
    source: bytes, cuts: list[tuple[int, bytes]]
) -> None:
    damaged = bytearray(source)
    for position, replacement in cuts:
        at_position = position % (len(damaged) + 1)
        damaged[at_position : at_position + len(replacement)] = replacement

    try:
        busy = october(bytes(damaged))
    except CalendarUploadRefused:
        return
    assert all(OCTOBER[0] <= interval.start < interval.end <= OCTOBER[1] for interval in busy)
