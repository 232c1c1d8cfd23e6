"""Cursors: opaque to clients, refused (400) when they are not ones the API gave out."""

import uuid
from datetime import UTC, datetime

import pytest

from tandem.kit.pagination import InvalidCursor, encode_cursor, page_of, typed_cursor


def test_a_cursor_gives_back_its_typed_sort_key() -> None:
    moment, ident = datetime(2027, 1, 4, 9, 30, tzinfo=UTC), uuid.uuid4()

    key = typed_cursor(
        encode_cursor([moment.isoformat(), str(ident)]), datetime.fromisoformat, uuid.UUID
    )

    assert key == [moment, ident]
    assert typed_cursor(None, uuid.UUID) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        encode_cursor(["2027-01-04T09:30:00+00:00"]),
        encode_cursor(["yesterday", str(uuid.uuid4())]),
        encode_cursor(["2027-01-04T09:30:00+00:00", 42]),
    ],
)
def test_a_cursor_the_api_did_not_give_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        typed_cursor(cursor, datetime.fromisoformat, uuid.UUID)


def test_a_page_has_a_next_cursor_only_when_more_follow() -> None:
    last = page_of([1, 2], 2, lambda n: [n])
    more = page_of([1, 2, 3], 2, lambda n: [n])

    assert (last.items, last.next_cursor) == ([1, 2], None)
    assert more.items == [1, 2]
    assert typed_cursor(more.next_cursor, int) == [2]
