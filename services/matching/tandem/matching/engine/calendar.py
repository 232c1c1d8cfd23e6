"""Availability on 15-minute UTC slots over the whole program period, so daylight saving time
is exact. Weeks of the period that look the same for every person of a time zone are stored
once (a "week class") with how often they occur; a DST change makes its own class.

Two views of the same free time: the soft criterion counts it over each person's own local
dates of the period, less their days away, as a mean per week; the hard rule
`min_weekly_overlap_minutes` counts it per program week (see `Calendar`), on each person's
windows whatever their dates, and skips the weeks either person is away at any moment of.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tandem.kit.availability import (
    DAYS_PER_WEEK,
    GRID_MINUTES,
    MINUTES_PER_DAY,
    WeeklyWindow,
    free_intervals,
)
from tandem.matching.engine.types import Flags, Floats, Ints, Period

Absences = tuple[tuple[date, date], ...]
"""Local dates away, each (first, last) inclusive."""

SLOTS_PER_DAY = MINUTES_PER_DAY // GRID_MINUTES
SLOTS_PER_WEEK = SLOTS_PER_DAY * DAYS_PER_WEEK
WORD_BITS = 64
WORDS_PER_WEEK = -(-SLOTS_PER_WEEK // WORD_BITS)
_ALL_BITS = np.uint64(2**64 - 1)
_BLAS = ThreadpoolController()


@dataclass(frozen=True)
class Calendar:
    """The program period on a UTC grid. Local day `i` of any time zone is `origin + i` days
    (the period is days 1 to `days`), and grid week `k` covers the UTC days `7k` to `7k + 7`
    after `origin`, wide enough for zones from UTC-12 to UTC+14.

    Program week `w`, of the hard rule, covers the UTC days `1 + 7w` to `8 + 7w`: the whole
    seven-day weeks from the period's first day at 00:00 UTC (a shorter rest at the end is not
    a week), or the period itself when it is shorter than a week. Local days 0 to `days + 1`
    reach into them."""

    origin: date
    days: int

    @classmethod
    def of(cls, period: Period) -> Calendar:
        return cls(period.start - timedelta(days=1), (period.end - period.start).days + 1)

    @property
    def weeks(self) -> int:
        return -(-(self.days + 3) // DAYS_PER_WEEK)

    @property
    def program_weeks(self) -> int:
        return max(1, self.days // DAYS_PER_WEEK)

    @property
    def program_week_days(self) -> int:
        return min(self.days, DAYS_PER_WEEK)

    def program_week(self, week: int) -> tuple[date, date]:
        """Program week `week`'s first and last day."""
        first = self.origin + timedelta(days=1 + DAYS_PER_WEEK * week)
        return first, first + timedelta(days=self.program_week_days - 1)

    def weekday(self, day: NDArray[np.int64]) -> NDArray[np.int64]:
        return (self.origin.weekday() + day) % DAYS_PER_WEEK

    def absent(self, absences: Absences) -> Flags:
        """Which local days (0 to `days + 1`) fall in an absence."""
        day = np.arange(self.days + 2)
        away = np.zeros(self.days + 2, dtype=bool)
        for first, last in absences:
            away |= (day >= (first - self.origin).days) & (day <= (last - self.origin).days)
        return away


@dataclass(frozen=True)
class ZoneDays:
    """A time zone's UTC offset at each local midnight of the period (local days 0 to
    `days + 2`), the local days whose offset changes during the day (DST), which the kit
    converts one window at a time, and the days its people are away: the zone as seen by
    people with the same absences."""

    name: str
    offsets: Ints
    irregular: Flags
    absent: Flags

    @classmethod
    def of(cls, name: str, calendar: Calendar, absences: Absences = ()) -> ZoneDays:
        zone = ZoneInfo(name)
        offsets = np.array(
            [
                offset_minutes(calendar.origin + timedelta(days=day), zone)
                for day in range(calendar.days + 3)
            ],
            dtype=np.int64,
        )
        irregular = offsets[:-1] != offsets[1:]
        return cls(name, offsets, irregular, calendar.absent(absences))

    def week_signatures(self, calendar: Calendar) -> Ints:
        """One row per grid week: what each local day that can reach into the week looks like
        (outside the period, its offset, or a unique code for a DST day or a day away). Weeks
        with equal rows hold the same free slots for every person in the zone."""
        days = np.arange(-1, DAYS_PER_WEEK * calendar.weeks + 8)
        inside = (days >= 1) & (days <= calendar.days)
        clipped = np.clip(days, 0, calendar.days + 1)
        codes = np.where(self.irregular[clipped], 100_000 + days, self.offsets[clipped])
        codes = np.where(self.absent[clipped], 200_000 + days, codes)
        codes = np.where(inside, codes, 50_000)
        first = DAYS_PER_WEEK * np.arange(calendar.weeks)
        signatures: Ints = codes[first[:, None] + np.arange(DAYS_PER_WEEK + 2)[None, :]]
        return signatures

    def program_week_signatures(self, calendar: Calendar) -> Ints:
        """As `week_signatures`, for the program weeks and without days away: what each local
        day that reaches into the week looks like (its offset, or a code for a DST day)."""
        days = (
            DAYS_PER_WEEK * np.arange(calendar.program_weeks)[:, None]
            + np.arange(DAYS_PER_WEEK + 2)[None, :]
        )
        clipped = np.minimum(days, calendar.days + 1)
        codes = np.where(self.irregular[clipped], 100_000 + days, self.offsets[clipped])
        signatures: Ints = np.where(days <= calendar.days + 1, codes, 50_000)
        return signatures

    def present_weeks(self, calendar: Calendar) -> np.uint64:
        """The program weeks (bit `w` for week `w`) no day away reaches into, in UTC."""
        away = np.flatnonzero(self.absent)
        starts = away * MINUTES_PER_DAY - self.offsets[away]
        ends = (away + 1) * MINUTES_PER_DAY - self.offsets[away + 1]
        weeks = np.arange(calendar.program_weeks)
        begin = (1 + DAYS_PER_WEEK * weeks) * MINUTES_PER_DAY
        end = begin + calendar.program_week_days * MINUTES_PER_DAY
        touched = (starts[None, :] < end[:, None]) & (ends[None, :] > begin[:, None])
        return week_mask(weeks[~touched.any(axis=1)])


def week_mask(weeks: Ints) -> np.uint64:
    """The weeks as bits of one word (a program has at most 53 weeks)."""
    bits = np.left_shift(np.uint64(1), weeks.astype(np.uint64))
    return np.uint64(np.bitwise_or.reduce(bits, initial=np.uint64(0)))


def offset_minutes(day: date, zone: ZoneInfo) -> int:
    """The zone's UTC offset at the day's local midnight, in minutes."""
    offset = datetime.combine(day, time(), tzinfo=zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


@dataclass(frozen=True)
class WeekClasses:
    """Weeks grouped into classes that are equal for everyone: each class's representative
    week, how many weeks it stands for and which they are (bit `w` for week `w`, for the
    program weeks), and which zones share the same grouping."""

    weeks: Ints
    counts: Ints
    members: NDArray[np.uint64]
    zone_group: Ints

    @classmethod
    def of(cls, signatures: Sequence[Ints]) -> WeekClasses:
        """From each zone's week signatures (see `ZoneDays.week_signatures`)."""
        if not signatures:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty.astype(np.uint64), empty)
        per_zone = np.stack([_first_occurrence_labels(rows) for rows in signatures], axis=1)
        _, first, inverse, counts = np.unique(
            per_zone, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        inverse = inverse.ravel()
        members = np.array(
            [week_mask(np.flatnonzero(inverse == k)) for k in range(len(first))], dtype=np.uint64
        )
        patterns = [tuple(column.tolist()) for column in per_zone.T]
        group_of = {pattern: group for group, pattern in enumerate(dict.fromkeys(patterns))}
        zone_group = np.array([group_of[pattern] for pattern in patterns], dtype=np.int64)
        return cls(first.astype(np.int64), counts.astype(np.int64), members, zone_group)


def _first_occurrence_labels(rows: NDArray[np.int64]) -> Ints:
    """Rows labelled by first occurrence: equal rows, equal labels, and the same labels for
    any two inputs that group their rows the same way."""
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    labels: Ints = rank[inverse.ravel()].astype(np.int64)
    return labels


DayIntervals = dict[tuple[tuple[WeeklyWindow, ...], str, date], list[tuple[datetime, datetime]]]


@dataclass(frozen=True)
class SlotWeeks:
    """Which free time goes into bitsets: that of the local `days`, in weeks of `length` slots
    starting at the grid slots `starts` (one week per class)."""

    days: Ints
    starts: Ints
    length: int

    @classmethod
    def grid(cls, calendar: Calendar, classes: WeekClasses) -> SlotWeeks:
        """The soft criterion's: the period's local days, in grid weeks."""
        return cls(np.arange(1, calendar.days + 1), classes.weeks * SLOTS_PER_WEEK, SLOTS_PER_WEEK)

    @classmethod
    def program(cls, calendar: Calendar, classes: WeekClasses) -> SlotWeeks:
        """The hard rule's: every local day that reaches into a program week."""
        return cls(
            np.arange(calendar.days + 2),
            (1 + DAYS_PER_WEEK * classes.weeks) * SLOTS_PER_DAY,
            calendar.program_week_days * SLOTS_PER_DAY,
        )

    def days_reaching(self, start: int) -> Ints:
        """Of `days`, those whose free time can fall in the week starting at slot `start`: a
        local day lies within a day of the same UTC day, as offsets are under a day."""
        first = start * GRID_MINUTES // MINUTES_PER_DAY - 1
        last = (start + self.length) * GRID_MINUTES // MINUTES_PER_DAY + 1
        reaching: Ints = self.days[(self.days >= first) & (self.days <= last)]
        return reaching


@dataclass(frozen=True)
class Windows:
    """People's weekly windows, and each window as (weekday, first minute, end minute) of the
    day, with its owner's position: read once for every zone and every kind of week."""

    each: Sequence[Sequence[WeeklyWindow]]
    owner: Ints
    spans: Ints

    @classmethod
    def of(cls, windows: Sequence[Sequence[WeeklyWindow]]) -> Windows:
        owner = np.repeat(np.arange(len(windows)), [len(own) for own in windows])
        # Most people share windows: each distinct one (found by its fields, which hash
        # faster than the window) is read once.
        known: dict[tuple[int, time, time], tuple[int, int, int]] = {}
        spans = []
        for own in windows:
            for w in own:
                key = (w.weekday, w.start, w.end)
                span = known.get(key)
                if span is None:
                    span = known[key] = (w.weekday, *w.day_minutes)
                spans.append(span)
        return cls(windows, owner, np.array(spans, dtype=np.int64).reshape(-1, 3))

    def of_people(self, people: Ints) -> Windows:
        """The windows of the sorted `people`, who are numbered from 0 in that order."""
        mine = np.isin(self.owner, people)
        return Windows(
            [self.each[p] for p in people.tolist()],
            np.searchsorted(people, self.owner[mine]),
            self.spans[mine],
        )


def availability_bits(
    windows: Windows,
    zone_of_person: Ints,
    zones: Sequence[ZoneDays],
    weeks: SlotWeeks,
    calendar: Calendar,
    memo: DayIntervals,
) -> NDArray[np.uint64]:
    """Each person's free 15-minute UTC slots in each week class, as bitsets of shape
    (people, classes, WORDS_PER_WEEK)."""
    classes = len(weeks.starts)
    bits = np.zeros(len(windows.each) * classes * WORDS_PER_WEEK, dtype=np.uint64)
    for index, zone in enumerate(zones):
        members = np.flatnonzero(zone_of_person == index)
        own = windows.of_people(members)
        for week, low in enumerate(weeks.starts.tolist()):
            days = weeks.days_reaching(low)
            person, start, end = _zone_intervals(zone, own, calendar, days, memo)
            first = np.clip(start - low, 0, weeks.length)
            stop = np.clip(end - low, 0, weeks.length)
            some = stop > first
            words = (members[person[some]] * classes + week) * WORDS_PER_WEEK
            _set_ranges(bits, words, first[some], stop[some])
    return bits.reshape(len(windows.each), classes, WORDS_PER_WEEK)


def _zone_intervals(
    zone: ZoneDays,
    windows: Windows,
    calendar: Calendar,
    days: Ints,
    memo: DayIntervals,
) -> tuple[Ints, Ints, Ints]:
    """Free intervals as (person, first slot, end slot) on the grid, for the people of a zone,
    on the local `days` they are not away."""
    days = days[~zone.absent[days]]
    regular = days[~zone.irregular[days]]
    parts = [_regular_intervals(zone, windows.owner, windows.spans, regular, calendar)]
    parts += [
        _irregular_intervals(zone, windows, int(day), calendar, memo)
        for day in days[zone.irregular[days]]
    ]
    person, start, end = (np.concatenate(column) for column in zip(*parts, strict=True))
    return person, start, end


def _regular_intervals(
    zone: ZoneDays, owner: Ints, spans: Ints, days: Ints, calendar: Calendar
) -> tuple[Ints, Ints, Ints]:
    # On a day without a DST change every local minute is the midnight offset away from UTC.
    window, day = np.nonzero(spans[:, 0, None] == calendar.weekday(days)[None, :])
    midnight = days[day] * MINUTES_PER_DAY - zone.offsets[days[day]]
    first = -((-(midnight + spans[window, 1])) // GRID_MINUTES)
    end = (midnight + spans[window, 2]) // GRID_MINUTES
    return owner[window], first, end


def _irregular_intervals(
    zone: ZoneDays,
    windows: Windows,
    day: int,
    calendar: Calendar,
    memo: DayIntervals,
) -> tuple[Ints, Ints, Ints]:
    # A DST day: the kit decides what each window means (skipped and repeated hours).
    local = calendar.origin + timedelta(days=day)
    origin = datetime.combine(calendar.origin, time(), tzinfo=UTC)
    weekday = local.weekday()
    people = np.unique(windows.owner[windows.spans[:, 0] == weekday]).tolist()
    found = [
        (person, (start - origin) // timedelta(minutes=1), (end - origin) // timedelta(minutes=1))
        for person in people
        for start, end in _day_intervals(
            tuple(w for w in windows.each[person] if w.weekday == weekday), zone.name, local, memo
        )
    ]
    person, start, end = np.array(found, dtype=np.int64).reshape(-1, 3).T
    return person, -((-start) // GRID_MINUTES), end // GRID_MINUTES


def _day_intervals(
    windows: tuple[WeeklyWindow, ...], zone: str, day: date, memo: DayIntervals
) -> list[tuple[datetime, datetime]]:
    if not windows:
        return []
    if (windows, zone, day) not in memo:
        memo[windows, zone, day] = free_intervals(windows, zone, (), day, day)
    return memo[windows, zone, day]


def expand_ranges(starts: Ints, lengths: Ints) -> Ints:
    """Every index of the ranges `starts[i]` to `starts[i] + lengths[i]`."""
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(ends[-1] if len(ends) else 0)


def _set_ranges(bits: NDArray[np.uint64], words: Ints, first: Ints, stop: Ints) -> None:
    """Sets the bits `first[i]` to `stop[i]` (exclusive, `stop[i] > first[i]`) of the bitset
    whose first word is `words[i]`, a whole word at a time."""
    low, high = first // WORD_BITS, (stop - 1) // WORD_BITS
    pieces = high - low + 1
    word = expand_ranges(low, pieces)
    owner = np.repeat(np.arange(len(first)), pieces)
    lowest = np.maximum(first[owner] - word * WORD_BITS, 0).astype(np.uint64)
    width = np.minimum(stop[owner] - word * WORD_BITS, WORD_BITS).astype(np.uint64) - lowest
    masks = (_ALL_BITS >> (np.uint64(WORD_BITS) - width)) << lowest
    np.bitwise_or.at(bits, words[owner] + word, masks)


@dataclass(frozen=True)
class ColumnLabels:
    """The (class, word) columns of a group's bitsets, labelled so that columns equal for
    everyone in the group share a label; -1 for columns empty for everyone. `free` holds, per
    column, the slots someone in the group has free."""

    labels: Ints
    free: NDArray[np.uint64]

    @classmethod
    def of(cls, bits: NDArray[np.uint64]) -> ColumnLabels:
        columns = bits.reshape(len(bits), -1).T
        # Each column's words as one opaque value: `np.unique(axis=0)` compares the thousands
        # of words field by field, slowly. Big-endian bytes sort as the numbers do, so the
        # labels are the same.
        words = np.ascontiguousarray(columns, dtype=">u8")
        whole = words.view(np.dtype((np.void, words.shape[1] * words.itemsize))).ravel()
        _, inverse = np.unique(whole, return_inverse=True)
        labels: Ints = np.where(columns.any(axis=1), inverse.ravel(), -1).astype(np.int64)
        return cls(labels, np.bitwise_or.reduce(columns, axis=1))

    def week_class(self, index: int) -> ColumnLabels:
        """The columns of one week class."""
        part = slice(index * WORDS_PER_WEEK, (index + 1) * WORDS_PER_WEEK)
        return ColumnLabels(self.labels[part], self.free[part])


@dataclass(frozen=True)
class OverlapPlan:
    """How to count the common slots of two zone groups: as a product of matrices of 0 and 1
    (people by slots), one multiply-add a slot and pair in BLAS, where the and, the popcount
    and the sum of bitsets take three numpy passes a word. Of the (class, word) columns of
    the bitsets, only those with a slot free on both sides are read, and columns equal for
    everyone in both groups once; of their slots, only those someone on each side has free
    (and, see `alike_merged`, those free for the same people once). `weeks` is how many weeks
    each of those slots stands for.

    Every product and sum is a whole number below 2**24 (a program has at most 54 grid weeks
    of 672 slots), which float32 holds exactly in any order of summing."""

    columns: Ints
    slots: Ints
    weeks: Floats

    @classmethod
    def of(cls, left: ColumnLabels, right: ColumnLabels, counts: Ints) -> OverlapPlan:
        useful = np.flatnonzero((left.labels >= 0) & (right.labels >= 0))
        both = left.labels[useful] * (int(right.labels.max(initial=0)) + 1) + right.labels[useful]
        _, first, inverse = np.unique(both, return_index=True, return_inverse=True)
        column_weeks = np.bincount(inverse, weights=counts[useful // WORDS_PER_WEEK])
        columns = useful[first]
        slots = np.flatnonzero(_unpacked(left.free[columns] & right.free[columns]))
        return cls(columns, slots, column_weeks[slots // WORD_BITS].astype(np.float32))

    def flags(self, bits: NDArray[np.uint64]) -> Floats:
        """People's (people, classes, words) bitsets as (people, slots) of 0 and 1."""
        flags = _unpacked(bits.reshape(len(bits), -1)[:, self.columns])[:, self.slots]
        return flags.astype(np.float32)

    def alike_merged(self, bits: NDArray[np.uint64]) -> OverlapPlan:
        """The plan with the slots free for the same people of `bits` (everyone of both
        groups) counted once, for all their weeks: the summer weeks of zones that change
        clocks together hold their winter slots an hour earlier, in other columns."""
        if len(bits) == 0:
            return self
        owners = self.slot_owners(bits)
        rows = owners.view(np.dtype((np.void, owners.shape[1]))).ravel()
        _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        weeks = np.bincount(inverse.ravel(), weights=self.weeks, minlength=len(first))
        return OverlapPlan(self.columns, self.slots[first], weeks.astype(np.float32))

    def slot_owners(self, bits: NDArray[np.uint64]) -> NDArray[np.uint8]:
        """Who of the people of `bits` has each slot of the plan free, as (slots, people)
        flags packed eight to an octet."""
        flags = _unpacked(bits.reshape(len(bits), -1)[:, self.columns])[:, self.slots]
        return np.ascontiguousarray(np.packbits(flags, axis=0).T)

    def weighted(self, bits: NDArray[np.uint64]) -> Floats:
        """As `flags`, transposed to (slots, people), each slot counted for its weeks."""
        return np.ascontiguousarray(self.flags(bits).T) * self.weeks[:, None]

    @staticmethod
    def common_slots(left: Floats, right: Floats) -> Floats:
        """Slots free on both sides over the period, for every pair of a row of `left` (from
        `flags`) and a column of `right` (from `weighted`), in one BLAS thread (see
        `single_threaded_blas`)."""
        common: Floats = left @ right
        return common


def single_threaded_blas() -> AbstractContextManager[Any]:
    """BLAS on one thread: its threads spin while they wait, which on a busy machine costs
    many times the products of a tile, and the service's solver pool runs a solve per core."""
    limited: AbstractContextManager[Any] = _BLAS.limit(limits=1, user_api="blas")
    return limited


def _unpacked(words: NDArray[np.uint64]) -> Flags:
    """Bitsets as flags along the last axis, bit 0 of the first word first."""
    octets = np.ascontiguousarray(words).view(np.uint8)
    flags: Flags = np.unpackbits(octets, axis=-1, bitorder="little").view(bool)
    return flags
