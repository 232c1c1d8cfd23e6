"""Expected outcomes of a member's change as typed results: a mutation answers a union of its
success type and the refusals it may meet, so a screen handles each by its `__typename`.
Everything else (a service down, a bug) stays an error, and an unexpected one is masked."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from tandem.kit.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, VersionMismatch

Read = TypeVar("Read")
Success = TypeVar("Success")


@strawberry.interface(description="Why a change was refused.")
class Refusal:
    message: str


@strawberry.type(
    name="NotFound",
    description="Nothing the caller may see has this id (another organization's included).",
)
class NotFoundRefusal(Refusal):
    pass


@strawberry.type(description="The caller may see it but not change it.")
class NotAllowed(Refusal):
    pass


@strawberry.type(description="It changed since the version sent: read it again, then retry.")
class StaleVersion(Refusal):
    pass


@strawberry.type(
    name="Conflict", description="It cannot be done in its present state (taken, done twice...)."
)
class ConflictRefusal(Refusal):
    pass


@strawberry.type(description="A value sent is not acceptable.")
class Invalid(Refusal):
    pass


Refused = NotFoundRefusal | NotAllowed | StaleVersion | ConflictRefusal | Invalid
"""The refusals every change's result may be, besides its success."""

_REFUSALS: list[tuple[type[AppError], type[Refused]]] = [
    (VersionMismatch, StaleVersion),
    (NotFound, NotFoundRefusal),
    (Forbidden, NotAllowed),
    (Conflict, ConflictRefusal),
    (BadRequest, Invalid),
]


async def outcome(change: Awaitable[Read], convert: Callable[[Read], Success]) -> Success | Refused:
    """The change's result as `convert` shows it, or the refusal its service answered; any
    other error (unauthorized, unavailable) stays an error."""
    try:
        return convert(await change)
    except AppError as error:
        refusal = next((r for raised, r in _REFUSALS if isinstance(error, raised)), None)
        if refusal is None:
            raise
        said = error.instance_detail
        return refusal(message=said if isinstance(said, str) else error.detail)
