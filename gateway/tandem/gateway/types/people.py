"""People as any colleague of the organization sees them (public fields only)."""

from strawberry.experimental import pydantic

from tandem.kit.contracts.profiles import PersonPublicRead


@pydantic.type(
    model=PersonPublicRead,
    all_fields=True,
    description="A person of the organization, as any colleague sees them.",
)
class Colleague:
    pass
