"""Relay connections over the services' keyset pages.

A service's page ends with its own cursor, which the gateway passes through untouched as the
connection's `endCursor`. An edge inside a page has no cursor of the service's, so the gateway
gives it one of its own: the service cursor the page started from and how many items of that
page come before the next one (at most a page). Asked to continue from it, the gateway fetches
that many more items from the same service cursor and skips them."""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry
from strawberry.relay import PageInfo

from tandem.gateway.budgets import MAX_PAGE, page_size
from tandem.kit.errors import BadRequest
from tandem.kit.pagination import Page

Read = TypeVar("Read")
Node = TypeVar("Node")

_OWN = "gw."


class InvalidCursor(BadRequest):
    detail = "The cursor is not one this API gave out."


@strawberry.type(description="An item of a list, and the cursor to continue after it.")
class Edge(Generic[Node]):
    node: Node
    cursor: str


@strawberry.type(description="A page of a list: pass `pageInfo.endCursor` as `after` for the next.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    nodes: list[Node]
    page_info: PageInfo


async def connection(
    fetch: Callable[[int, str | None], Awaitable[Page[Read]]],
    convert: Callable[[Read], Node],
    first: int,
    after: str | None,
) -> Connection[Node]:
    """The page of `first` items after `after`: `fetch(limit, service_cursor)` reads the
    service's page."""
    first = page_size(first)
    start, skip = _read(after)
    page = await fetch(first + skip, start)
    nodes = [convert(item) for item in page.items[skip:]]
    cursors = [_own(start, skip + position + 1) for position in range(len(nodes))]
    if cursors and page.next_cursor is not None:
        cursors[-1] = page.next_cursor
    edges = [Edge(node=node, cursor=cursor) for node, cursor in zip(nodes, cursors, strict=True)]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.next_cursor is not None,
            has_previous_page=after is not None,
            start_cursor=None,
            end_cursor=cursors[-1] if cursors else after,
        ),
    )


def _own(start: str | None, skip: int) -> str:
    return _OWN + base64.urlsafe_b64encode(json.dumps([start, skip]).encode()).decode()


def _read(after: str | None) -> tuple[str | None, int]:
    """The service cursor to start from and the items to skip; a service's cursor as is."""
    if after is None or not after.startswith(_OWN):
        return after, 0
    try:
        start, skip = json.loads(base64.urlsafe_b64decode(after.removeprefix(_OWN)))
    except (binascii.Error, ValueError, TypeError) as error:
        raise InvalidCursor() from error
    if not (start is None or isinstance(start, str)) or type(skip) is not int:
        raise InvalidCursor()
    if not 0 < skip <= MAX_PAGE:
        raise InvalidCursor()
    return start, skip
