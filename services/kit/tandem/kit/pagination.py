"""Cursor pagination: opaque cursors carrying the sort key of the last item of a page.

A list declares its sort key as a NamedTuple (e.g. `name: str, id: UUID`); a cursor is that key
as JSON, read back strictly as that type. A cursor the API did not give out is a 400, never a
value the database refuses.
"""

import base64
import binascii
import functools
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass
from pydantic_core import to_json
from sqlalchemy import ColumnElement, Select, UnaryExpression, and_, or_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import operators

from tandem.kit.errors import BadRequest

T = TypeVar("T")
K = TypeVar("K", bound=tuple[Any, ...])

Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
SortColumn = ColumnElement[Any] | InstrumentedAttribute[Any]
Int32 = Annotated[int, Field(ge=-(2**31), lt=2**31)]
"""A sort key held in an `integer` column."""


class InvalidCursor(BadRequest):
    detail = "The cursor is not one this API gave out."


@dataclass(frozen=True, config=ConfigDict(revalidate_instances="always", from_attributes=True))
class Page(Generic[T]):
    """A page of a list: a service pages ORM objects, and a router declares `Page[XRead]` as
    its response model, which validates each item anew into `XRead`."""

    items: list[T]
    next_cursor: str | None = field(
        metadata={"description": "Pass as `cursor` for the next page; null at the end."}
    )


def encode_cursor(key: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(to_json(key)).decode()


@functools.cache
def _reader(key_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(key_type, config=ConfigDict(strict=True))


def typed_cursor(cursor: str | None, key_type: type[K]) -> K | None:
    """The sort key a cursor carries, read strictly as `key_type`; None for the first page."""
    if cursor is None:
        return None
    try:
        key: K = _reader(key_type).validate_json(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, UnicodeEncodeError, ValidationError) as error:
        raise InvalidCursor() from error
    return key


def page_of(items: list[T], limit: int, key: Callable[[T], tuple[Any, ...]]) -> Page[T]:
    """`items` fetched with `limit + 1`: the extra one tells whether another page follows."""
    if len(items) <= limit:
        return Page(items=items, next_cursor=None)
    kept = items[:limit]
    return Page(items=kept, next_cursor=encode_cursor(key(kept[-1])))


def keyset(
    query: Select[T], order: Sequence[SortColumn], after: tuple[Any, ...] | None
) -> Select[T]:
    """`query` sorted by `order` (columns, some as `column.desc()`), and after a cursor's key
    (its values in the same order) only what follows it."""
    query = query.order_by(*order)
    if after is None:
        return query
    columns = [_ascending(column) for column in order]
    follows = [
        and_(
            *(earlier == value for (earlier, _), value in zip(columns[:n], after, strict=False)),
            column < key if descending else column > key,
        )
        for n, ((column, descending), key) in enumerate(zip(columns, after, strict=True))
    ]
    return query.where(or_(*follows))


def _ascending(column: SortColumn) -> tuple[SortColumn, bool]:
    """The column itself, and whether `order` sorts it descending."""
    if isinstance(column, UnaryExpression) and column.modifier is operators.desc_op:
        return column.element, True
    return column, False
