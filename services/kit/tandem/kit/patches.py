"""`XUpdate` schemas: every field may be left out, but only some may be set to null."""

from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class Patch(BaseModel):
    """A partial change. A field sent as null clears it only if listed in `clearable`."""

    model_config = ConfigDict(extra="forbid")

    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required_values(self) -> Self:
        nulled = sorted(
            name for name in self.model_fields_set - self.clearable if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null; leave the field out instead")
        return self
