"""What a mutation sends to a service: the fields given (an unset one is left out, so the
service leaves it as it is), as JSON."""

import dataclasses
from typing import Any

import strawberry
from pydantic_core import to_jsonable_python


def given(**fields: Any) -> dict[str, Any]:
    kept = {name: value for name, value in fields.items() if value is not strawberry.UNSET}
    answer: dict[str, Any] = to_jsonable_python(kept)
    return answer


def sent(input_object: Any) -> dict[str, Any]:
    """A strawberry input (nested ones too), as its service reads it."""
    return given(
        **{
            field.name: _value(getattr(input_object, field.name))
            for field in dataclasses.fields(input_object)
        }
    )


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return [_value(item) for item in value]
    return sent(value) if dataclasses.is_dataclass(value) else value
