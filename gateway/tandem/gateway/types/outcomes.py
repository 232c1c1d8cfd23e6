"""Expected refusals of a mutation, as members of its result union: the service's answer
(404, 403, 409, 412, 400/422) named as a type a screen can switch on. Anything else is an error
(masked when unexpected)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from tandem.kit import errors

Read = TypeVar("Read")
Success = TypeVar("Success")


@strawberry.type(description="No such object in the caller's organization (another's is none).")
class NotFound:
    message: str


@strawberry.type(description="The caller may not do this.")
class Forbidden:
    message: str


@strawberry.type(description="The object's state does not allow it now (e.g. a draft program).")
class Conflict:
    message: str


@strawberry.type(description="The object changed since the version given: read it again.")
class StaleVersion:
    message: str


@strawberry.type(description="The service refused the input.")
class Invalid:
    message: str


Refusal = NotFound | Forbidden | Conflict | StaleVersion | Invalid

_REFUSALS: list[tuple[type[errors.AppError], type[Refusal]]] = [
    (errors.NotFound, NotFound),
    (errors.Forbidden, Forbidden),
    (errors.VersionMismatch, StaleVersion),
    (errors.Conflict, Conflict),
    (errors.BadRequest, Invalid),
]


def refusal(error: errors.AppError) -> Refusal:
    """The refusal `error` names; `error` itself (raised again) when it names none, such as a
    service that did not answer."""
    for raised, refused in _REFUSALS:
        if isinstance(error, raised):
            return refused(message=str(error))
    raise error


async def outcome(change: Awaitable[Read], convert: Callable[[Read], Success]) -> Success | Refusal:
    """The change's result as `convert` shows it, or the refusal its service answered."""
    try:
        return convert(await change)
    except errors.AppError as error:
        return refusal(error)
