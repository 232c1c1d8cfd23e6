"""Relay connections over the services' keyset pages: a page knows the cursor after its last
item only, so that is the one cursor given (on the last edge, and as `endCursor`)."""

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from tandem.kit.pagination import Page

Node = TypeVar("Node")
Read = TypeVar("Read")


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
        description="set on the page's last edge only (the services page by keyset)"
    )


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


def connection(
    page: Page[Read], node: Callable[[Read], Node], after: str | None
) -> Connection[Node]:
    nodes = [node(item) for item in page.items]
    edges = [
        Edge(node=each, cursor=page.next_cursor if index == len(nodes) - 1 else None)
        for index, each in enumerate(nodes)
    ]
    info = PageInfo(
        has_next_page=page.next_cursor is not None,
        has_previous_page=after is not None,
        start_cursor=None,
        end_cursor=page.next_cursor,
    )
    return Connection(edges=edges, page_info=info)
