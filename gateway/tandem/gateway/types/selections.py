"""What a query asks of each item of a list, read before the items are resolved, so that a list
can read for all its items at once what each would otherwise await on its own."""

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

ITEMS = (("edges", "node"), ("nodes",))
"""Where a connection holds its items."""


def asked_of_items(info: Info[Any, Any]) -> set[str]:
    """The names of the fields asked of the items of the list being resolved (fragments
    expanded; a field under `@skip` or `@include` counts as asked)."""
    asked: set[str] = set()
    for path in ITEMS:
        level = [item for field in info.selected_fields for item in _fields(field.selections)]
        for name in path:
            level = [
                item for field in level if field.name == name for item in _fields(field.selections)
            ]
        asked.update(field.name for field in level)
    return asked


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)
