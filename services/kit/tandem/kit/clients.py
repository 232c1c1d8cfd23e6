"""Asking another service over HTTP, as the caller: their token and correlation id go along.
A read that finds the service silent is tried again; a service that keeps failing is not asked
for a while (a circuit breaker per service), so a caller is told at once rather than after a
timeout per request."""

from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import stamina
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from pydantic import TypeAdapter

from tandem.kit.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unavailable,
    VersionMismatch,
)
from tandem.kit.logs import CORRELATION_HEADER, correlation_id

Answer = TypeVar("Answer")

_ERRORS_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: VersionMismatch,
    422: BadRequest,
}


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    """Built once per contract: building one costs far more than a validation."""
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


@dataclass(frozen=True)
class Resilience:
    read_attempts: int = 3
    """A GET (idempotent) is sent up to this many times while the service is silent."""
    failures_to_open: int = 5
    """Silent answers in a row after which the service is not asked for `open_seconds`."""
    open_seconds: float = 10.0


class CircuitOpen(Unavailable):
    """Not asked: the service failed too often just now."""


class ServiceClient:
    """The other service's refusals come back as the same errors; silence as `Unavailable`."""

    def __init__(
        self,
        name: str,
        base_url: str,
        http: httpx.AsyncClient,
        resilience: Resilience = Resilience(),
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._read_attempts = resilience.read_attempts
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=resilience.failures_to_open,
            default_ttl=resilience.open_seconds,
            exclude=[(AppError, lambda error: not isinstance(error, Unavailable))],
        )

    async def ready(self) -> bool:
        try:
            response = await self._http.get(f"{self.base_url}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == httpx.codes.OK

    async def get(
        self, path: str, token: str, model: type[Answer], params: dict[str, Any] | None = None
    ) -> Answer:
        """The answer, validated as the contract `model` the other service serves."""
        response = await self._send("GET", path, token, params=params)
        answer: Answer = _adapter(model).validate_python(response.json())
        return answer

    async def get_bytes(self, path: str, token: str, params: dict[str, Any] | None = None) -> bytes:
        """The answer's body as sent, unparsed: for a caller that validates a large answer as its
        contract elsewhere (in another process), so that it never holds up the event loop."""
        response = await self._send("GET", path, token, params=params)
        return response.content

    async def post(
        self,
        path: str,
        token: str,
        model: type[Answer],
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """`headers` for what the request carries besides who asks (`If-Match`,
        `Idempotency-Key`)."""
        return await self.write("POST", path, token, model, body, headers)

    async def write(
        self,
        method: str,
        path: str,
        token: str,
        model: type[Answer],
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """A POST, PUT or PATCH (sent once: never retried), its answer validated as `model`."""
        response = await self._send(method, path, token, json=body, headers=headers)
        answer: Answer = _adapter(model).validate_python(response.json())
        return answer

    async def patch(
        self, path: str, token: str, model: type[Answer], body: Any, headers: dict[str, str]
    ) -> Answer:
        """A change of the fields in `body`; `headers` name the version it applies to
        (`If-Match`)."""
        response = await self._send("PATCH", path, token, json=body, headers=headers)
        answer: Answer = _adapter(model).validate_python(response.json())
        return answer

    async def _send(self, method: str, path: str, token: str, **request: Any) -> httpx.Response:
        if method != "GET":
            return await self._through_breaker(method, path, token, **request)
        retries = stamina.retry_context(
            on=_worth_retrying,
            attempts=self._read_attempts,
            wait_initial=0.05,
            wait_max=0.5,
            wait_jitter=0.05,
        )
        async for attempt in retries:
            with attempt:
                return await self._through_breaker(method, path, token, **request)
        raise AssertionError("stamina raises after the last attempt")

    async def _through_breaker(
        self, method: str, path: str, token: str, **request: Any
    ) -> httpx.Response:
        try:
            async with await self._breakers.get_breaker(self.name):
                return await self._once(method, path, token, **request)
        except OpenedState as opened:
            raise CircuitOpen(f"The {self.name} service failed too often just now.") from opened

    async def _once(
        self,
        method: str,
        path: str,
        token: str,
        headers: dict[str, str] | None = None,
        **content: Any,
    ) -> httpx.Response:
        sent = {
            **(headers or {}),
            "Authorization": f"Bearer {token}",
            CORRELATION_HEADER: correlation_id(),
        }
        try:
            response = await self._http.request(
                method, f"{self.base_url}{path}", headers=sent, **content
            )
        except httpx.HTTPError as error:
            raise self._unavailable() from error
        if response.status_code in _ERRORS_BY_STATUS:
            raise _ERRORS_BY_STATUS[response.status_code](response.json().get("detail"))
        if not response.is_success:
            raise self._unavailable()
        return response

    def _unavailable(self) -> Unavailable:
        return Unavailable(f"The {self.name} service did not answer.")


def _worth_retrying(error: Exception) -> bool:
    return isinstance(error, Unavailable) and not isinstance(error, CircuitOpen)
