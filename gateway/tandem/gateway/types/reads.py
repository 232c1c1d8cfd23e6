"""A service's read shown as a GraphQL type: each field the type declares is taken from the
read's field of the same name (an enum as its value), unless given; a field the read does not
have keeps its default."""

import dataclasses
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

Shown = TypeVar("Shown")


def shown(cls: type[Shown], read: BaseModel, **given: Any) -> Shown:
    taken = {
        field.name: _plain(getattr(read, field.name))
        for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        if field.init and field.name not in given and field.name in type(read).model_fields
    }
    return cls(**taken, **given)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value
