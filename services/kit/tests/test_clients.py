"""Asking another service: the caller's token and correlation id go along, its refusals come
back as the same errors, and silence or a crash as `Unavailable`."""

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from tandem.kit.clients import CircuitOpen, Resilience, ServiceClient
from tandem.kit.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unavailable,
    VersionMismatch,
)
from tandem.kit.logs import CORRELATION_HEADER


class Answered(BaseModel):
    status: str


def client(handler: httpx.MockTransport) -> ServiceClient:
    return ServiceClient("matching", "http://matching/", httpx.AsyncClient(transport=handler))


async def test_a_post_carries_the_token_the_correlation_id_and_the_body() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "accepted"})

    body = await client(httpx.MockTransport(answer)).post(
        "/proposals/1/acceptance", "t0k", Answered
    )

    assert body == Answered(status="accepted")
    (request,) = seen
    assert (request.method, request.url.path) == ("POST", "/proposals/1/acceptance")
    assert request.headers["Authorization"] == "Bearer t0k"
    assert CORRELATION_HEADER in request.headers


async def test_a_post_sends_its_headers_and_takes_any_success() -> None:
    seen: list[httpx.Request] = []

    def created(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"status": "proposed"})

    body = await client(httpx.MockTransport(created)).post(
        "/mentorships/1/sessions", "t0k", Answered, {"at": "noon"}, {"If-Match": '"3"'}
    )

    assert body == Answered(status="proposed")
    assert seen[0].headers["If-Match"] == '"3"'
    assert seen[0].headers["Authorization"] == "Bearer t0k"


async def test_a_patch_is_sent_once_with_the_version_it_changes() -> None:
    seen: list[httpx.Request] = []

    def stale(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(412, json={"detail": "The program changed."})

    with pytest.raises(VersionMismatch):
        await client(httpx.MockTransport(stale)).patch(
            "/programs/1", "t0k", Answered, {"name": "x"}, {"If-Match": '"3"'}
        )

    (request,) = seen
    assert (request.method, request.headers["If-Match"]) == ("PATCH", '"3"')
    assert request.content == b'{"name":"x"}'


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (412, VersionMismatch),
        (422, BadRequest),
        (500, Unavailable),
    ],
)
async def test_refusals_come_back_as_the_same_errors(status: int, error: type[AppError]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"detail": "The proposal expired."})

    with pytest.raises(error):
        await client(httpx.MockTransport(refuse)).get("/me/proposals", "t0k", Answered)


async def test_a_service_that_does_not_answer_is_unavailable() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Unavailable, match="matching service did not answer"):
        await client(httpx.MockTransport(fail)).post("/x", "t0k", Answered)


async def test_an_answer_that_breaks_the_contract_is_refused() -> None:
    def drift(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"state": "accepted"})

    with pytest.raises(ValidationError):
        await client(httpx.MockTransport(drift)).get("/proposals/1", "t0k", Answered)


async def test_bytes_come_as_sent_with_the_token_and_refusals_as_the_same_errors() -> None:
    body = b'{"status": "accepted", "padding": "\\u00e9"}'
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/gone":
            return httpx.Response(404, json={"detail": "No program."})
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    matching = client(httpx.MockTransport(answer))

    assert await matching.get_bytes("/programs/1/snapshot", "t0k", {"at": "now"}) == body
    assert seen[0].headers["Authorization"] == "Bearer t0k"
    assert seen[0].url.params["at"] == "now"
    with pytest.raises(NotFound):
        await matching.get_bytes("/gone", "t0k")


async def test_a_read_is_tried_again_while_the_service_is_silent_a_write_is_not() -> None:
    answers = iter([503, 200, 503, 200])
    seen: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(next(answers), json={"status": "ok"})

    matching = client(httpx.MockTransport(flaky))

    assert await matching.get("/proposals/1", "t0k", Answered) == Answered(status="ok")
    with pytest.raises(Unavailable):
        await matching.post("/proposals/1/acceptance", "t0k", Answered)
    assert seen == ["GET", "GET", "POST"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_a_put_or_patch_is_sent_once_with_its_body_and_headers(method: str) -> None:
    seen: list[httpx.Request] = []

    def silent(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"status": "down"})

    with pytest.raises(Unavailable):
        await client(httpx.MockTransport(silent)).write(
            method, "/goals/1", "t0k", Answered, {"title": "x"}, {"If-Match": '"2"'}
        )

    (request,) = seen
    assert (request.method, request.content, request.headers["If-Match"]) == (
        method,
        b'{"title":"x"}',
        '"2"',
    )


async def test_a_service_that_keeps_failing_is_not_asked_for_a_while() -> None:
    seen: list[httpx.Request] = []

    def down(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500, json={})

    matching = client(httpx.MockTransport(down))
    for _ in range(Resilience().failures_to_open):
        with pytest.raises(Unavailable):
            await matching.post("/x", "t0k", Answered)
    asked = len(seen)

    with pytest.raises(CircuitOpen):
        await matching.get("/proposals/1", "t0k", Answered)
    assert len(seen) == asked


async def test_refusals_are_answers_and_never_open_the_circuit() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/fine":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404, json={"detail": "No proposal."})

    matching = client(httpx.MockTransport(refuse))
    for _ in range(3 * Resilience().failures_to_open):
        with pytest.raises(NotFound):
            await matching.post("/missing", "t0k", Answered)

    assert await matching.get("/fine", "t0k", Answered) == Answered(status="ok")
