"""One error family, rendered once as RFC 9457 problem+json."""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger()


class AppError(Exception):
    """An expected outcome with an HTTP status; subclasses name the outcome."""

    status: ClassVar[int] = HTTPStatus.INTERNAL_SERVER_ERROR
    detail: ClassVar[str] = "The request could not be completed."

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        self.instance_detail = detail or self.detail
        self.extensions = extensions
        super().__init__(self.instance_detail)

    @property
    def type_name(self) -> str:
        return type(self).__name__

    @property
    def headers(self) -> Mapping[str, str]:
        return {}


class BadRequest(AppError):
    status = HTTPStatus.BAD_REQUEST
    detail = "The request is not valid."


class Unauthorized(AppError):
    status = HTTPStatus.UNAUTHORIZED
    detail = "A valid bearer token is required."


class Forbidden(AppError):
    status = HTTPStatus.FORBIDDEN
    detail = "You may not do this."


class NotFound(AppError):
    status = HTTPStatus.NOT_FOUND
    detail = "No such resource."


class Conflict(AppError):
    status = HTTPStatus.CONFLICT
    detail = "The request conflicts with the current state."


class VersionMismatch(AppError):
    status = HTTPStatus.PRECONDITION_FAILED
    detail = "The resource changed since you read it; read it again and retry."


class ConcurrentChange(Conflict):
    detail = "The resource was changed by another request at the same time; read it and retry."


class Unavailable(AppError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    detail = "A dependency is unavailable; try again later."
    retry_after_seconds: ClassVar[int] = 5

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class DatabaseUnavailable(Unavailable):
    detail = "The database is unavailable for a moment; try again shortly."


class Problem(BaseModel):
    """An error, as RFC 9457 problem details; some carry more members (e.g. `errors`)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(
        body | extensions, status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem(
        exc.status, exc.type_name, exc.instance_detail, headers=exc.headers, **exc.extensions
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return problem(422, "ValidationError", "The payload is malformed.", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    headers = exc.headers
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers = {"Allow": ", ".join(_methods_of_path(request))}
    return problem(exc.status_code, phrase, str(exc.detail), headers=headers)


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods_of_path(request: Request) -> list[str]:
    """Every method of the path: Starlette's `Allow` names only those of the first route that
    matched it, while several routes may share a path (`GET /people` and `POST /people`)."""
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


# PostgreSQL refuses some text outright (a NUL character); that is bad input, not a bug.
UNSTORABLE_TEXT_SQLSTATES = {"22021", "22P05"}
# Two requests wanted what only one may have; a constraint without a named error of its own.
CONFLICT_SQLSTATES = {"23505", "23P01"}  # unique violation, exclusion violation
# Two transactions got in each other's way and PostgreSQL gave up one: the same request again
# may well succeed.
CONCURRENT_CHANGE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
# The server is shutting down, crashed, starting up, or full; class 08 is a lost connection.
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}


def violated_constraint(error: DBAPIError) -> str | None:
    """The name of the constraint an integrity error violated, as the driver reports it."""
    driver_error = getattr(error.orig, "orig", None)  # asyncpg's, under SQLAlchemy's DBAPI one
    return getattr(driver_error, "constraint_name", None)


def _database_away(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return (
        exc.connection_invalidated or sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES
    )


def is_database_outage(error: BaseException) -> bool:
    """The database is away (unreachable, restarting, the connection lost, every connection
    busy), as opposed to refusing what was asked of it: worth the same request again later."""
    if isinstance(error, DatabaseUnavailable | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and _database_away(error)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if _database_away(exc):
        return await _database_unavailable(request, exc)
    if sqlstate in UNSTORABLE_TEXT_SQLSTATES:
        return problem(400, "UnstorableText", "The text holds characters that cannot be stored.")
    if sqlstate in CONFLICT_SQLSTATES:
        log.info("unnamed_violation", route=_route_of(request), constraint=violated_constraint(exc))
        return await _app_error(request, Conflict())
    if sqlstate in CONCURRENT_CHANGE_SQLSTATES:
        log.info("concurrent_change", route=_route_of(request), sqlstate=sqlstate)
        return await _app_error(request, ConcurrentChange())
    return await _unexpected_error(request, exc)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database_unavailable", route=_route_of(request), error=type(exc).__name__)
    return await _app_error(request, DatabaseUnavailable())


async def _stale_write(request: Request, exc: Exception) -> JSONResponse:
    """Another transaction changed a versioned row between this request's read and its write."""
    lost = VersionMismatch() if "if-match" in request.headers else ConcurrentChange()
    return await _app_error(request, lost)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", route=_route_of(request), exc_info=exc)
    return problem(500, "InternalError", "An unexpected error occurred; it has been logged.")


def _route_of(request: Request) -> str:
    """The matched route's template (`/calendar-feeds/{secret}.ics`), never the path itself:
    a path can carry a secret or a person's id, and logs keep neither."""
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_unavailable)  # every connection is busy
    app.add_exception_handler(StaleDataError, _stale_write)
    app.add_exception_handler(Exception, _unexpected_error)


# What any operation may answer: bad input or cursor (400), no token (401), not allowed (403),
# not found (404), a business conflict (409), a malformed payload (422), a dependency away (503).
COMMON_ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 503)
PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"
RETRY_AFTER = {
    "headers": {
        "Retry-After": {
            "description": "seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


def document_problems(document: dict[str, Any]) -> None:
    """Every operation of an OpenAPI document answers its errors as problem+json: the common
    statuses, and 412 where it takes `If-Match`. FastAPI's own 422 (plain JSON) is replaced."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(operation):
                responses[str(status)] = {
                    "description": HTTPStatus(status).phrase,
                    "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
                } | (RETRY_AFTER if status == HTTPStatus.SERVICE_UNAVAILABLE else {})
            operation["responses"] = dict(sorted(responses.items()))


def _error_statuses(operation: dict[str, Any]) -> list[int]:
    takes_if_match = any(
        parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match"
        for parameter in operation.get("parameters", [])
    )
    return sorted([*COMMON_ERROR_STATUSES, *([412] if takes_if_match else [])])
