"""Expected refusals of a mutation, as members of its result union: the service's answer
(404, 403, 409, 412, 400/422) named as a type a screen can switch on. Anything else is an error
(masked when unexpected)."""

import strawberry

from tandem.kit import errors


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
