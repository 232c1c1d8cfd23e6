"""`XUpdate` schemas: every field may be left out, but only some may be set to null."""

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


def not_nullable(schema: dict[str, Any]) -> None:
    """Take null out of a JSON schema that offers it (as an `anyOf` option and as a default)."""
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    if schema.get("default", ...) is None:
        schema.pop("default")


def _null_only_where_clearable(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The JSON schema says what the validator below accepts: a field outside `clearable`
    may be left out, but its schema does not offer null."""
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, field in schema.get("properties", {}).items():
        if name not in clearable:
            not_nullable(field)


class Patch(BaseModel):
    """A partial change. A field sent as null clears it only if listed in `clearable`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_null_only_where_clearable)

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required_values(self) -> Self:
        nulled = sorted(
            name for name in self.model_fields_set - self.clearable if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null; leave the field out instead")
        return self
