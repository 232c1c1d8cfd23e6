"""Partners' door: each service's REST API through the gateway host, at `/api/<service>/…`,
and one OpenAPI document of them all. A bearer token is checked here before a byte is
forwarded, and again by the service, which alone decides what its holder may do."""

from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from tandem.gateway.settings import SERVICES, GatewaySettings
from tandem.kit.auth import TokenVerifier
from tandem.kit.errors import BadRequest, NotFound, Unauthorized, Unavailable
from tandem.kit.logs import CORRELATION_HEADER, correlation_id

PREFIX = "/api"
OPEN_PATHS: Mapping[str, tuple[str, ...]] = {"sessions": ("calendar-feeds/",)}
"""Reached without a token: a calendar feed's secret address is its own key."""
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
"""Every method goes on: the service answers what it does not support (405, its own Allow)."""
GATEWAY_ANSWERS = {
    "401": "No valid bearer token (checked here before anything is forwarded).",
    "413": "A body larger than the gateway forwards.",
    "429": "Too many requests from this client; `Retry-After` says how long to wait.",
    "503": "The service did not answer.",
}
"""What the gateway itself may answer to any forwarded request."""

router = APIRouter(prefix=PREFIX)


class NoSuchService(NotFound):
    detail = f"No such service: the gateway forwards {', '.join(SERVICES)}."


@router.get("/openapi.json", summary="Every service's REST API as served through this host")
async def combined_openapi(request: Request) -> dict[str, Any]:
    """One OpenAPI document of the four services as partners reach them here: each path under
    `/api/<service>`, each schema named `<service>.<name>`, each operation id prefixed with its
    service. 503 while a service does not answer."""
    settings: GatewaySettings = request.app.state.settings
    http: httpx.AsyncClient = request.app.state.http
    combined: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Tandem REST APIs", "version": "1"},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    for service, url in settings.service_urls().items():
        document = await _openapi_of(http, service, url)
        _merge(combined, service, document)
    return combined


@router.api_route("/{service}/{path:path}", methods=_METHODS, include_in_schema=False)
async def forward(service: str, path: str, request: Request) -> Response:
    """The request as it came, to the service; its answer as it comes back."""
    settings: GatewaySettings = request.app.state.settings
    if service not in SERVICES:
        raise NoSuchService()
    if not path.startswith(OPEN_PATHS.get(service, ())):
        _require_token(request)
    http: httpx.AsyncClient = request.app.state.http
    try:
        upstream = http.build_request(
            request.method,
            f"{settings.service_urls()[service]}/{_raw_target(request)}",
            headers=_forwardable(request.headers.items()) | {CORRELATION_HEADER: correlation_id()},
            content=request.stream(),
        )
    except httpx.InvalidURL as error:
        raise BadRequest("The path cannot be forwarded.") from error
    try:
        answer = await http.send(upstream, stream=True)
    except httpx.HTTPError as error:
        raise Unavailable(f"The {service} service did not answer.") from error
    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=_forwardable(answer.headers.items()),
        background=BackgroundTask(answer.aclose),
    )


def _raw_target(request: Request) -> str:
    """The path after `/api/<service>/` and the query, as the client sent them (still
    percent-encoded: decoded, an encoded `?` or `/` would change what is asked)."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.split(b"/", 3)[3] if raw.count(b"/") >= 3 else b""
    query: bytes = request.scope.get("query_string", b"")
    return (path + (b"?" + query if query else b"")).decode("ascii", "replace")


def _require_token(request: Request) -> None:
    verifier: TokenVerifier = request.app.state.token_verifier
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    verifier.verify(token)


def _forwardable(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: value for name, value in headers if name.lower() not in _NOT_FORWARDED}


async def _openapi_of(http: httpx.AsyncClient, service: str, url: str) -> dict[str, Any]:
    try:
        answer = await http.get(f"{url}/openapi.json")
        answer.raise_for_status()
    except httpx.HTTPError as error:
        raise Unavailable(f"The {service} service did not answer.") from error
    document: dict[str, Any] = answer.json()
    return document


def _merge(combined: dict[str, Any], service: str, document: dict[str, Any]) -> None:
    document = _renamed(document, service)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation["operationId"] = f"{service}_{operation['operationId']}"
                _add_gateway_answers(operation)
        combined["paths"][f"{PREFIX}/{service}{path}"] = operations
    components = document.get("components", {})
    for name, schema in components.get("schemas", {}).items():
        combined["components"]["schemas"][f"{service}.{name}"] = schema
    combined["components"]["securitySchemes"].update(components.get("securitySchemes", {}))


def _add_gateway_answers(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in GATEWAY_ANSWERS.items():
        responses.setdefault(status, {"description": description})


_SCHEMAS = "#/components/schemas/"


def _renamed(node: Any, service: str) -> Any:
    """`node` with every reference to a schema pointing at the service's copy of it."""
    if isinstance(node, dict):
        return {
            key: (
                f"{_SCHEMAS}{service}.{value.removeprefix(_SCHEMAS)}"
                if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMAS)
                else _renamed(value, service)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_renamed(item, service) for item in node]
    return node
