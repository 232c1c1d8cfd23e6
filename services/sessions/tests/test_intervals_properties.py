"""The scheduler's interval arithmetic (`scheduling.intervals`, its inner loops written for
speed) against sets of minutes on random spans: merging, intersecting, subtracting, clipping,
and whether spans cover or overlap a range."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.sessions.scheduling.intervals import (
    Spans,
    clipped,
    covers,
    intersect,
    merged,
    overlaps,
    subtract,
)

# A small range, so that spans often touch, share ends or differ by one minute.
MINUTES = st.integers(0, 30)


def minutes(spans: Spans) -> set[int]:
    return {minute for start, end in spans for minute in range(start, end)}


def as_spans(found: set[int]) -> Spans:
    """The minutes as sorted, disjoint spans, touching ones joined."""
    spans: Spans = []
    for minute in sorted(found):
        if spans and spans[-1][1] == minute:
            spans[-1] = (spans[-1][0], minute + 1)
        else:
            spans.append((minute, minute + 1))
    return spans


raw_spans = st.lists(st.tuples(MINUTES, MINUTES), max_size=12)
spans = raw_spans.map(merged)


@settings(max_examples=500)
@given(raw_spans)
def test_merged_spans_are_the_same_minutes_sorted_and_joined(raw: Spans) -> None:
    assert merged(raw) == as_spans(minutes([(s, e) for s, e in raw if s < e]))


@settings(max_examples=500)
@given(spans, spans)
def test_intersect_keeps_the_minutes_in_both(first: Spans, second: Spans) -> None:
    assert merged(intersect(first, second)) == as_spans(minutes(first) & minutes(second))
    assert all(start < end for start, end in intersect(first, second))


@settings(max_examples=500)
@given(spans, spans)
def test_subtract_keeps_the_minutes_in_the_first_only(first: Spans, second: Spans) -> None:
    assert merged(subtract(first, second)) == as_spans(minutes(first) - minutes(second))
    assert all(start < end for start, end in subtract(first, second))


@settings(max_examples=500)
@given(spans, MINUTES, MINUTES)
def test_clipped_is_the_intersection_with_one_span(found: Spans, low: int, high: int) -> None:
    assert clipped(found, low, high) == (intersect(found, [(low, high)]) if low < high else [])


@settings(max_examples=500)
@given(spans, MINUTES, st.integers(1, 60))
def test_covers_and_overlaps_say_what_the_minutes_say(
    found: Spans, start: int, length: int
) -> None:
    inside = set(range(start, start + length))
    assert covers(found, start, start + length) == any(inside <= set(range(s, e)) for s, e in found)
    assert overlaps(found, start, start + length) == bool(inside & minutes(found))
