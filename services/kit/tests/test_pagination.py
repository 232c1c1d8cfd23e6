"""Cursors: opaque to clients, refused (400) when they are not ones the API gave out."""

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from pydantic import AwareDatetime
from sqlalchemy import column, select, table

from tandem.kit.pagination import (
    Int32,
    InvalidCursor,
    encode_cursor,
    keyset,
    page_of,
    typed_cursor,
)


class NewestFirst(NamedTuple):
    at: AwareDatetime
    id: uuid.UUID


class BestFirst(NamedTuple):
    score: Int32
    id: uuid.UUID


class ByName(NamedTuple):
    name: str
    id: uuid.UUID


class ByNumber(NamedTuple):
    number: Int32


def crafted(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def test_a_cursor_gives_back_its_typed_sort_key() -> None:
    moment, ident = datetime(2027, 1, 4, 9, 30, 0, 123456, tzinfo=UTC), uuid.uuid4()

    key = typed_cursor(encode_cursor(NewestFirst(moment, ident)), NewestFirst)

    assert key == (moment, ident)
    assert typed_cursor(None, NewestFirst) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "",
        "////",
        crafted(["2027-01-04T09:30:00+00:00"]),
        crafted(["2027-01-04T09:30:00+00:00", str(uuid.uuid4()), 1]),
        crafted(["yesterday", str(uuid.uuid4())]),
        crafted(["2027-01-04T09:30:00", str(uuid.uuid4())]),
        crafted(["2027-01-04T09:30:00+00:00", 42]),
        crafted([None, None]),
        crafted([1, 2]),
        crafted(["a", "b"]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_the_api_did_not_give_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        typed_cursor(cursor, NewestFirst)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**80, "7", 7.5, True])
def test_a_number_the_database_column_cannot_hold_is_refused(value: Any) -> None:
    with pytest.raises(InvalidCursor):
        typed_cursor(crafted([value, str(uuid.uuid4())]), BestFirst)


def test_text_keys_take_text_only() -> None:
    ident = uuid.uuid4()

    assert typed_cursor(crafted(["Ada", str(ident)]), ByName) == ("Ada", ident)
    with pytest.raises(InvalidCursor):
        typed_cursor(crafted([1, str(ident)]), ByName)


def test_a_page_has_a_next_cursor_only_when_more_follow() -> None:
    last = page_of([1, 2], 2, lambda n: ByNumber(n))
    more = page_of([1, 2, 3], 2, lambda n: ByNumber(n))

    assert (last.items, last.next_cursor) == ([1, 2], None)
    assert more.items == [1, 2]
    assert typed_cursor(more.next_cursor, ByNumber) == (2,)


def test_a_keyset_page_follows_the_cursors_key_in_each_columns_direction() -> None:
    ranked = table("ranked", column("score"), column("id"))

    query = keyset(select(ranked), (ranked.c.score.desc(), ranked.c.id), (7, 3))

    assert " ".join(str(query.compile(compile_kwargs={"literal_binds": True})).split()) == (
        "SELECT ranked.score, ranked.id FROM ranked "
        "WHERE ranked.score < 7 OR ranked.score = 7 AND ranked.id > 3 "
        "ORDER BY ranked.score DESC, ranked.id"
    )


def test_the_first_keyset_page_is_only_sorted() -> None:
    ranked = table("ranked", column("id"))

    query = keyset(select(ranked), (ranked.c.id,), None)

    assert " ".join(str(query).split()) == "SELECT ranked.id FROM ranked ORDER BY ranked.id"
