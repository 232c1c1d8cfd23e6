"""Cursor pagination: opaque cursors carrying the sort key of the last item of a page."""

import base64
import json
from collections.abc import Callable
from dataclasses import field
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from tandem.kit.errors import BadRequest

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


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


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode()


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The sort key a cursor carries; `length` values, or the cursor is refused."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor() from error
    if not isinstance(key, list) or len(key) != length:
        raise InvalidCursor()
    return key


def typed_cursor(cursor: str | None, *types: Callable[[Any], Any]) -> list[Any] | None:
    """The sort key a cursor carries, each value converted by its type (e.g. `UUID`,
    `datetime.fromisoformat`); a value that does not convert refuses the cursor."""
    if cursor is None:
        return None
    key = decode_cursor(cursor, len(types))
    try:
        return [convert(value) for convert, value in zip(types, key, strict=True)]
    except (AttributeError, TypeError, ValueError) as error:
        raise InvalidCursor() from error


def page_of(items: list[T], limit: int, key: Any) -> Page[T]:
    """`items` fetched with `limit + 1`: the extra one tells whether another page follows."""
    if len(items) <= limit:
        return Page(items=items, next_cursor=None)
    kept = items[:limit]
    return Page(items=kept, next_cursor=encode_cursor(key(kept[-1])))
