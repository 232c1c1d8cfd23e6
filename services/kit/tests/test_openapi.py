"""The OpenAPI document the app factory serves says what the app answers."""

from typing import Any

from fastapi import FastAPI

from tandem.kit.testing.plugin import ClientFactory

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operation(app: FastAPI, path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = app.openapi()["paths"][path][method]
    return operation


def test_every_operation_answers_its_errors_as_problem_json(app: FastAPI) -> None:
    responses = _operation(app, "/items/{item_id}", "get")["responses"]

    assert list(responses) == ["200", "400", "401", "403", "404", "409", "422", "503"]
    assert all(responses[status]["content"] == PROBLEM for status in responses if status != "200")
    assert "HTTPValidationError" not in app.openapi()["components"]["schemas"]
    assert app.openapi()["components"]["schemas"]["Problem"]["required"] == [
        "title",
        "status",
        "detail",
    ]


def test_a_503_says_when_to_try_again(app: FastAPI) -> None:
    unavailable = _operation(app, "/items/{item_id}", "get")["responses"]["503"]

    assert unavailable["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_an_operation_that_takes_if_match_may_answer_412(app: FastAPI) -> None:
    assert "412" in _operation(app, "/things/{thing_id}", "patch")["responses"]
    assert "412" not in _operation(app, "/items/{item_id}", "get")["responses"]


def test_an_optional_parameter_is_absent_rather_than_null(app: FastAPI) -> None:
    (_, if_match) = _operation(app, "/things/{thing_id}", "patch")["parameters"]

    assert if_match["schema"]["type"] == "string"
    assert "anyOf" not in if_match["schema"]
    assert "default" not in if_match["schema"]


def test_a_patch_offers_null_only_for_fields_it_clears(app: FastAPI) -> None:
    fields = app.openapi()["components"]["schemas"]["ThingChange"]["properties"]

    assert fields["name"] == {"title": "Name", "type": "string"}
    assert {"type": "null"} in fields["note"]["anyOf"]


async def test_a_405_allows_every_method_of_the_path(client_for: ClientFactory) -> None:
    response = await client_for().put("/effects")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}


async def test_if_match_takes_a_version_and_refuses_anything_else(
    client_for: ClientFactory,
) -> None:
    client = client_for()

    def change(tag: str) -> Any:
        return client.patch("/things/1", json={}, headers={"If-Match": tag})

    assert (await change('"3"')).json() == 3
    assert (await change('W/"3"')).json() == 3
    assert (await change("three")).status_code == 400
    assert (await change("1" * 10)).status_code == 400
