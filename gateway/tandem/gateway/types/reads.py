"""A service's read shown as a GraphQL type: each field the type declares is taken from the
read's field of the same name (an enum as its value), unless given; a field the read does not
have keeps its default."""

import dataclasses
import functools
from collections.abc import Hashable
from enum import Enum
from typing import Any, TypeVar, cast

from pydantic import BaseModel

Shown = TypeVar("Shown")


def shown(cls: type[Shown], read: BaseModel, **given: Any) -> Shown:
    shared = _shared_fields(cast("Hashable", cls), type(read))
    taken = {name: _plain(getattr(read, name)) for name in shared if name not in given}
    return cls(**taken, **given)


@functools.cache
def _shared_fields(cls: Any, read: type[BaseModel]) -> tuple[str, ...]:
    """Found once per pair: a dashboard shows a hundred reads, and pydantic's `model_fields`
    costs more than the copy."""
    return tuple(
        field.name
        for field in dataclasses.fields(cls)
        if field.init and field.name in read.model_fields
    )


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
