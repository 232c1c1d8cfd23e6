"""What a mutation sends to a service: the fields given (an unset one is left out, so the
service leaves it as it is), as JSON."""

import dataclasses
from typing import Any

import strawberry
from pydantic import ValidationError
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


def unsent(refused: ValidationError) -> str:
    """Why a service's contract refuses the input before it is sent, field by field (never
    the value given: it may be free text)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in each['loc'])}: {each['msg']}"
        for each in refused.errors(include_input=False, include_url=False)
    )
