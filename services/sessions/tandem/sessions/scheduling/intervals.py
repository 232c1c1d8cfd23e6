"""Interval arithmetic on whole UTC minutes: instants as minutes since the Unix epoch, spans
as sorted, disjoint, half-open `(start, end)` pairs. Linear merges, no minute-by-minute scans.
"""

import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

Span = tuple[int, int]
Spans = list[Span]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def minute_floor(moment: datetime) -> int:
    return math.floor(moment.timestamp() / 60)


def minute_ceil(moment: datetime) -> int:
    return math.ceil(moment.timestamp() / 60)


def instant(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


def merged(spans: Iterable[Span]) -> Spans:
    """The spans sorted, those that overlap or touch joined, empty ones dropped."""
    out: Spans = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


# The merges below are the scheduler's inner loops: they unpack each span once and compare
# with conditional expressions rather than call len, min and max on every step.


def intersect(first: Spans, second: Spans) -> Spans:
    out: Spans = []
    i = j = 0
    count, other_count = len(first), len(second)
    while i < count and j < other_count:
        start, end = first[i]
        other_start, other_end = second[j]
        if other_start > start:
            start = other_start
        if end < other_end:
            i += 1
        else:
            end = other_end
            j += 1
        if start < end:
            out.append((start, end))
    return out


def subtract(spans: Spans, removed: Spans) -> Spans:
    """`spans` less every minute of `removed` (both sorted and disjoint)."""
    out: Spans = []
    j, count = 0, len(removed)
    for start, end in spans:
        while j < count and removed[j][1] <= start:
            j += 1
        cursor, k = start, j
        while k < count:
            removed_start, removed_end = removed[k]
            if removed_start >= end:
                break
            if removed_start > cursor:
                out.append((cursor, removed_start))
            if removed_end > cursor:
                cursor = removed_end
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def clipped(spans: Spans, low: int, high: int) -> Spans:
    """The minutes of `spans` (sorted and disjoint) from `low` to `high`, found by bisection:
    a series' periods clip a horizon's free time many times."""
    out: Spans = []
    if low >= high:
        return out
    for start, end in spans[bisect_right(spans, low, key=_end) :]:
        if start >= high:
            break
        out.append((max(start, low), min(end, high)))
    return out


def _end(span: Span) -> int:
    return span[1]


def covers(spans: Spans, start: int, end: int) -> bool:
    """Whether one span holds all of `[start, end)`."""
    at = bisect_right(spans, (start, end)) - 1
    if at + 1 < len(spans) and spans[at + 1][0] == start:
        at += 1
    return at >= 0 and spans[at][0] <= start and end <= spans[at][1]


def widened(spans: Iterable[Span], margin: int) -> Spans:
    return merged((start - margin, end + margin) for start, end in spans)


def overlaps(spans: Spans, start: int, end: int) -> bool:
    """Whether any span shares a minute with `[start, end)`."""
    at = bisect_right(spans, (end, end))
    return at > 0 and spans[at - 1][1] > start
