"""Series: a program's cadence (weekly, biweekly, monthly) over its dates as one weekly slot
(a local weekday and time in an anchor zone) and its occurrences.

The slot is the one that fits the most occurrences (then by preference: the series' slot
given, inside everyone's working hours, the series starting earlier); a local time that the
anchor zone's clocks skip or repeat on an occurrence's date is never chosen, so an occurrence
is never written as such a time. Each occurrence the slot does not fit (daylight saving moved
a member's clock against the anchor's, an absence, a busy block, another session) alone moves
to the best free slot of its cadence period, nearest to its planned time, saying why; or is
reported as unplaceable.

Cadence periods, in anchor-zone local dates from the first day: weekly, 7 days each, the
occurrence on the slot's weekday; biweekly, 14 days each, the occurrence in the first 7;
monthly, calendar months, the occurrence the n-th slot weekday of the month (n from the
first occurrence, at most 4), so that "FREQ=MONTHLY;BYDAY=nXX" describes it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from tandem.kit.availability import (
    DAYS_PER_WEEK,
    GRID_MINUTES,
    MINUTES_PER_DAY,
    InvalidAvailability,
    validate_time_zone,
)
from tandem.kit.contracts.profiles import Cadence
from tandem.sessions.scheduling.free_time import (
    common_free,
    occupied,
    shared,
    window_spans,
    working_spans,
)
from tandem.sessions.scheduling.intervals import (
    Spans,
    clipped,
    covers,
    instant,
    intersect,
    minute_floor,
    overlaps,
    subtract,
    widened,
)
from tandem.sessions.scheduling.slots import best_start, check_request, start_ranges
from tandem.sessions.scheduling.types import (
    InvalidSchedulingInput,
    MemberCalendar,
    Occurrence,
    OccurrenceReason,
    OccurrenceReasonCode,
    OccurrenceStatus,
    Preference,
    SeriesPlan,
    WeeklySlot,
)

SLOTS_PER_DAY = MINUTES_PER_DAY // GRID_MINUTES
MAX_MONTHLY_ORDINAL = 4
Code = OccurrenceReasonCode


def plan_series(
    members: Sequence[MemberCalendar],
    cadence: Cadence,
    first_day: date,
    last_day: date,
    duration_minutes: int,
    *,
    anchor_zone: str | None = None,
    buffer_minutes: int = 0,
    preference: Preference | None = None,
) -> SeriesPlan:
    """Plan `cadence` from `first_day` to `last_day` (inclusive, local dates of `anchor_zone`,
    by default the first member's zone) for 2 to 8 members as a weekly slot and its
    occurrences (see the module's description). `preference.near` is not used; its weekly
    slot (such as the series' current one) wins ties. Raises `InvalidSchedulingInput`."""
    plans = best_series(
        members,
        cadence,
        first_day,
        last_day,
        duration_minutes,
        count=1,
        anchor_zone=anchor_zone,
        buffer_minutes=buffer_minutes,
        preference=preference,
    )
    return plans[0] if plans else SeriesPlan(cadence, timedelta(minutes=duration_minutes), None, ())


def best_series(
    members: Sequence[MemberCalendar],
    cadence: Cadence,
    first_day: date,
    last_day: date,
    duration_minutes: int,
    *,
    count: int,
    anchor_zone: str | None = None,
    buffer_minutes: int = 0,
    preference: Preference | None = None,
) -> list[SeriesPlan]:
    """Up to `count` series plans at different weekly slots, best first: `plan_series`'s plan,
    then each time the plan `plan_series` gives once the members have the earlier plans'
    planned occurrences as other sessions. The weekly slots are ranked once; taking earlier
    plans' times only lowers a slot's fits, so each pick re-checks only the slots ranked above
    the best re-checked one. Raises `InvalidSchedulingInput`."""
    preference = preference or Preference()
    zone_name = _anchor(members, anchor_zone)
    zone = ZoneInfo(zone_name)
    if first_day > last_day:
        raise InvalidSchedulingInput(f"The period {first_day} to {last_day} ends before it starts.")
    start, end = _midnight(first_day, zone), _midnight(last_day + timedelta(days=1), zone)
    check_request(members, duration_minutes, start, end, buffer_minutes)
    low, high = minute_floor(start), minute_floor(end)
    busy = [occupied(member.busy, buffer_minutes) for member in members]
    free = common_free(members, low, high, buffer_minutes, busy)
    working_hours = shared(working_spans(members, preference.working_hours, low, high))
    board = _board(
        free,
        working_hours,
        duration_minutes,
        cadence_periods(cadence, first_day, last_day),
        cadence,
        zone,
    )
    ranking = _Ranking(board, preference.weekly_slot, zone_name)
    plans: list[SeriesPlan] = []
    members = list(members)
    while len(plans) < count:
        slot = ranking.best(board)
        if slot is None:
            break
        placer = _Placer(members, board, slot, duration_minutes, buffer_minutes, busy)
        plans.append(SeriesPlan(cadence, timedelta(minutes=duration_minutes), slot, placer.place()))
        planned = tuple((o.planned_start, o.planned_end) for o in plans[-1].occurrences)
        members = [replace(m, sessions=m.sessions + planned) for m in members]
        taken = occupied(planned, buffer_minutes)
        board = _board(
            subtract(board.free, taken),
            working_hours,
            duration_minutes,
            board.periods,
            cadence,
            zone,
        )
    return plans


def cadence_periods(cadence: Cadence, first_day: date, last_day: date) -> list[tuple[date, date]]:
    """The cadence's periods from `first_day` to `last_day`, each (first, last) inclusive."""
    if cadence is Cadence.MONTHLY:
        months = [first_day]
        while (following := _next_month(months[-1])) <= last_day:
            months.append(following)
        bounds = [*months, last_day + timedelta(days=1)]
        return [(first, following - timedelta(days=1)) for first, following in pairwise(bounds)]
    length = DAYS_PER_WEEK * (2 if cadence is Cadence.BIWEEKLY else 1)
    count = -(-((last_day - first_day).days + 1) // length)
    return [
        (
            first_day + timedelta(days=length * k),
            min(last_day, first_day + timedelta(days=length * k + length - 1)),
        )
        for k in range(count)
    ]


def occurrence_dates(
    cadence: Cadence, periods: Sequence[tuple[date, date]], weekday: int
) -> list[tuple[int, date]]:
    """(period index, local date) of each occurrence on `weekday`; periods too short to hold
    one have none."""
    firsts = [_on_or_after(first, weekday) for first, _ in periods]
    if cadence is Cadence.MONTHLY:
        ordinal = min(MAX_MONTHLY_ORDINAL, (firsts[0].day - 1) // DAYS_PER_WEEK + 1)
        firsts = [_nth_weekday(first, weekday, ordinal) for first, _ in periods]
    return [
        (k, day)
        for k, (day, (first, last)) in enumerate(zip(firsts, periods, strict=True))
        if first <= day <= last
    ]


def _anchor(members: Sequence[MemberCalendar], anchor_zone: str | None) -> str:
    if anchor_zone is None and not members:
        raise InvalidSchedulingInput("A series needs members.")
    name = anchor_zone or members[0].time_zone
    try:
        return validate_time_zone(name)
    except InvalidAvailability as problem:
        raise InvalidSchedulingInput(f"The anchor zone: {problem}") from problem


# Choosing the weekly slot ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Board:
    """What every candidate slot is measured against: everyone's free time and working hours,
    the grid indexes at which a meeting fits the free time, and those inside working hours
    (as sets: ranking the weekly slots asks about each slot's every occurrence)."""

    free: Spans
    working_hours: Spans
    starts: frozenset[int]
    working: frozenset[int]
    periods: list[tuple[date, date]]
    cadence: Cadence
    zone: ZoneInfo


def _board(
    free: Spans,
    working_hours: Spans,
    duration_minutes: int,
    periods: list[tuple[date, date]],
    cadence: Cadence,
    zone: ZoneInfo,
) -> _Board:
    return _Board(
        free=free,
        working_hours=working_hours,
        starts=_indexes(start_ranges(free, duration_minutes)),
        working=_indexes(start_ranges(intersect(free, working_hours), duration_minutes)),
        periods=periods,
        cadence=cadence,
        zone=zone,
    )


def _indexes(ranges: Spans) -> frozenset[int]:
    return frozenset(index for first, stop in ranges for index in range(first, stop))


_Key = tuple[int, bool, int, int]


class _Ranking:
    """The weekly slots that fit an occurrence on the first board, best first (by occurrences
    fitted, the preferred slot, occurrences inside working hours, the earliest first fit;
    then the earlier weekday and time), with each slot's occurrences' grid indexes."""

    def __init__(self, board: _Board, preferred: WeeklySlot | None, zone_name: str) -> None:
        self.preferred = preferred
        self.zone_name = zone_name
        self.indexes: dict[tuple[int, int], list[int]] = {}
        ranked: list[tuple[_Key, int, int]] = []
        for weekday in range(DAYS_PER_WEEK):
            days = [
                _day_indexes(day, board.zone)
                for _, day in occurrence_dates(board.cadence, board.periods, weekday)
            ]
            for quarter in _fitting_quarters(days, board.starts):
                indexes = [day[quarter] for day in days]
                if None in indexes:
                    continue
                safe = [index for index in indexes if index is not None]
                key = self._key(board, weekday, quarter, safe)
                if key is not None:
                    self.indexes[weekday, quarter] = safe
                    ranked.append((key, -weekday, -quarter))
        ranked.sort(reverse=True)
        self.ranked = [(key, -weekday, -quarter) for key, weekday, quarter in ranked]

    def best(self, board: _Board) -> WeeklySlot | None:
        """The best slot on `board`, whose free time is the first board's or less."""
        best: tuple[_Key, int, int] | None = None
        for key, weekday, quarter in self.ranked:
            if best is not None and (key, -weekday, -quarter) < best:
                break  # its fits now are its first fits or fewer
            now = self._key(board, weekday, quarter, self.indexes[weekday, quarter])
            if now is not None and (best is None or (now, -weekday, -quarter) > best):
                best = now, -weekday, -quarter
        return None if best is None else self._slot(-best[1], -best[2])

    def _key(self, board: _Board, weekday: int, quarter: int, indexes: list[int]) -> _Key | None:
        fitting = [index for index in indexes if index in board.starts]
        if not fitting:
            return None
        working = sum(index in board.working for index in fitting)
        preferred = self.preferred is not None and self._slot(weekday, quarter) == self.preferred
        return len(fitting), preferred, working, -min(fitting)

    def _slot(self, weekday: int, quarter: int) -> WeeklySlot:
        return WeeklySlot(weekday, _clock(quarter), self.zone_name)


def _fitting_quarters(days: list[list[int | None]], starts: frozenset[int]) -> set[int]:
    """The quarter hours at which a meeting fits on at least one of the days (a weekly slot
    that fits on none is no candidate)."""
    return {quarter for day in days for quarter, index in enumerate(day) if index in starts}


def _day_indexes(day: date, zone: ZoneInfo) -> list[int | None]:
    """The grid index of each quarter hour of the local `day`, None for a local time the
    clocks skip or repeat that day."""
    midnight = _midnight(day, zone)
    if midnight.utcoffset() == _midnight(day + timedelta(days=1), zone).utcoffset():
        base = minute_floor(midnight) // GRID_MINUTES
        return list(range(base, base + SLOTS_PER_DAY))
    return [_unambiguous_index(day, _clock(quarter), zone) for quarter in range(SLOTS_PER_DAY)]


def _unambiguous_index(day: date, clock: time, zone: ZoneInfo) -> int | None:
    local = datetime.combine(day, clock, tzinfo=zone)
    skipped = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(
        tzinfo=None
    )
    repeated = local.replace(fold=1).utcoffset() != local.utcoffset()
    return None if skipped or repeated else minute_floor(local) // GRID_MINUTES


# Placing the occurrences -------------------------------------------------------------------------


class _Placer:
    """Puts each occurrence on the slot, or moves it within its period, or gives it up."""

    def __init__(
        self,
        members: Sequence[MemberCalendar],
        board: _Board,
        slot: WeeklySlot,
        duration_minutes: int,
        buffer_minutes: int,
        busy: Sequence[Spans],
    ) -> None:
        self.members = members
        self.busy = dict(zip((m.person_id for m in members), busy, strict=True))
        self.sessions = {m.person_id: occupied(m.sessions, buffer_minutes) for m in members}
        self.board = board
        self.slot = slot
        self.duration = duration_minutes
        self.buffer = buffer_minutes
        self.planned = [
            (k, minute_floor(slot.on(day)))
            for k, day in occurrence_dates(board.cadence, board.periods, slot.weekday)
        ]
        self.fitting = {
            k: start for k, start in self.planned if start // GRID_MINUTES in board.starts
        }
        self.reference = instant(min(self.fitting.values()))

    def place(self) -> tuple[Occurrence, ...]:
        placed = dict(self.fitting)
        occurrences = []
        for index, (k, start) in enumerate(self.planned):
            if k in self.fitting:
                occurrences.append(
                    self._occurrence(index, k, start, start, OccurrenceStatus.ON_SLOT)
                )
                continue
            reasons = self._why_not(start)
            moved = self._move(k, start, [s for other, s in placed.items() if other != k])
            if moved is None:
                no_time = self._no_free_time(k)
                occurrences.append(
                    self._occurrence(
                        index, k, start, None, OccurrenceStatus.UNPLACEABLE, (*reasons, no_time)
                    )
                )
            else:
                placed[k] = moved
                occurrences.append(
                    self._occurrence(index, k, start, moved, OccurrenceStatus.MOVED, reasons)
                )
        return tuple(occurrences)

    def _occurrence(
        self,
        index: int,
        k: int,
        planned: int,
        start: int | None,
        status: OccurrenceStatus,
        reasons: tuple[OccurrenceReason, ...] = (),
    ) -> Occurrence:
        return Occurrence(
            index=index,
            planned_start=instant(planned),
            planned_end=instant(planned + self.duration),
            start=None if start is None else instant(start),
            end=None if start is None else instant(start + self.duration),
            status=status,
            period=self.board.periods[k],
            reasons=reasons,
        )

    def _move(self, k: int, planned: int, others: list[int]) -> int | None:
        """The best start in period `k` for everyone, away from the series' other
        occurrences, nearest to the planned one."""
        first, last = self.board.periods[k]
        low = minute_floor(_midnight(first, self.board.zone))
        high = minute_floor(_midnight(last + timedelta(days=1), self.board.zone))
        taken = widened(((start, start + self.duration) for start in others), self.buffer)
        free = subtract(clipped(self.board.free, low, high), taken)
        working_hours = clipped(self.board.working_hours, low, high)
        return best_start(free, working_hours, self.duration, planned)

    def _why_not(self, start: int) -> tuple[OccurrenceReason, ...]:
        end = start + self.duration
        found: dict[Code, list[MemberCalendar]] = {}
        for member in self.members:
            for code in self._member_codes(member, start, end):
                found.setdefault(code, []).append(member)
        return tuple(
            OccurrenceReason(code, self._text(code, who, start), tuple(m.person_id for m in who))
            for code, who in found.items()
        )

    def _member_codes(self, member: MemberCalendar, start: int, end: int) -> list[Code]:
        codes = []
        zone = ZoneInfo(member.time_zone)
        days = {instant(minute).astimezone(zone).date() for minute in (start, end - 1)}
        if any(first <= day <= last for day in days for first, last in member.absences):
            codes.append(Code.ABSENCE)
        if not covers(window_spans(member.windows, member.time_zone, start, end), start, end):
            codes.append(
                Code.DST_SHIFT if self._clocks_moved(zone, start) else Code.OUTSIDE_WINDOWS
            )
        if overlaps(self.busy[member.person_id], start, end):
            codes.append(Code.BUSY)
        if overlaps(self.sessions[member.person_id], start, end):
            codes.append(Code.TAKEN)
        return codes

    def _clocks_moved(self, zone: ZoneInfo, start: int) -> bool:
        """Whether the member's clock stands at another distance from the anchor's than on
        the first occurrence the slot fits."""
        return _distance(zone, self.board.zone, instant(start)) != _distance(
            zone, self.board.zone, self.reference
        )

    def _text(self, code: Code, who: list[MemberCalendar], start: int) -> str:
        count = f"{len(who)} of {len(self.members)} members"
        when = f"{self.slot} on {instant(start).astimezone(self.board.zone):%Y-%m-%d}"
        buffer = f" (with the {self.buffer}-minute buffer)" if self.buffer else ""
        if code is Code.DST_SHIFT:
            zones = ", ".join(sorted({m.time_zone for m in who}))
            return (
                f"Daylight saving: the clocks of {zones} and {self.board.zone.key} changed on "
                f"different dates, so {when} falls outside the weekly windows of {count}."
            )
        return {
            Code.ABSENCE: f"{count} away on {when}.",
            Code.OUTSIDE_WINDOWS: f"{when} falls outside the weekly windows of {count}.",
            Code.BUSY: f"{count} busy in their calendar at {when}{buffer}.",
            Code.TAKEN: f"{count} in another Tandem session at {when}{buffer}.",
        }[code]

    def _no_free_time(self, k: int) -> OccurrenceReason:
        first, last = self.board.periods[k]
        return OccurrenceReason(
            Code.NO_FREE_TIME,
            f"No time from {first} to {last} ({self.board.zone.key}) at which every member is "
            "free for the whole meeting.",
        )


# Dates and clocks --------------------------------------------------------------------------------


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _clock(quarter: int) -> time:
    return time(*divmod(quarter * GRID_MINUTES, 60))


def _distance(zone: ZoneInfo, anchor: ZoneInfo, moment: datetime) -> timedelta | None:
    own, theirs = moment.astimezone(zone).utcoffset(), moment.astimezone(anchor).utcoffset()
    return None if own is None or theirs is None else own - theirs


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % DAYS_PER_WEEK)


def _nth_weekday(day: date, weekday: int, ordinal: int) -> date:
    """The `ordinal`-th `weekday` of `day`'s month."""
    return _on_or_after(day.replace(day=1), weekday) + timedelta(weeks=ordinal - 1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
