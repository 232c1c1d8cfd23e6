"""Relay connections over the services' keyset pages.

A service's page knows the cursor after its last item only: `connection` gives that one (on
the last edge, and as `endCursor`). `paged` reads the page itself and gives every edge a
cursor: the last edge's and `endCursor` are the service's own, passed through; an edge inside
the page gets one of the gateway's, the service cursor the page started from and how many
items of it come before the next (at most a page), so that continuing from it fetches that
many more items from the same service cursor and skips them."""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from tandem.gateway.budgets import MAX_PAGE, page_size
from tandem.kit.errors import BadRequest
from tandem.kit.pagination import Page

Node = TypeVar("Node")
Read = TypeVar("Read")

_OWN = "gw."


class InvalidCursor(BadRequest):
    detail = "The cursor is not one this API gave out."


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(description="true when `after` was given")
    start_cursor: str | None = strawberry.field(description="always null: pages go forward")
    end_cursor: str | None = strawberry.field(description="pass as `after` for the next page")


@strawberry.type
class Edge(Generic[Node]):
    node: Node
    cursor: str | None = strawberry.field(
        description="pass as `after` to continue after this item (lists that page by the "
        "service's keyset alone set it on the page's last edge only)"
    )


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    nodes: list[Node] = strawberry.field(description="the edges' nodes, for a screen that pages on")
    page_info: PageInfo


def connection(
    page: Page[Read], node: Callable[[Read], Node], after: str | None
) -> Connection[Node]:
    nodes = [node(item) for item in page.items]
    cursors: list[str | None] = [None] * len(nodes)
    if cursors:
        cursors[-1] = page.next_cursor
    return _connection(nodes, cursors, page, after)


async def paged(
    fetch: Callable[[int, str | None], Awaitable[Page[Read]]],
    node: Callable[[Read], Node],
    first: int,
    after: str | None,
) -> Connection[Node]:
    """The page of `first` items after `after`: `fetch(limit, service_cursor)` reads the
    service's page."""
    first = page_size(first)
    start, skip = _read(after)
    page = await fetch(first + skip, start)
    nodes = [node(item) for item in page.items[skip:]]
    cursors: list[str | None] = [_own(start, skip + index + 1) for index in range(len(nodes))]
    if cursors and page.next_cursor is not None:
        cursors[-1] = page.next_cursor
    return _connection(nodes, cursors, page, after)


def _connection(
    nodes: list[Node], cursors: list[str | None], page: Page[Read], after: str | None
) -> Connection[Node]:
    edges = [Edge(node=each, cursor=cursor) for each, cursor in zip(nodes, cursors, strict=True)]
    info = PageInfo(
        has_next_page=page.next_cursor is not None,
        has_previous_page=after is not None,
        start_cursor=None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return Connection(edges=edges, nodes=nodes, page_info=info)


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
