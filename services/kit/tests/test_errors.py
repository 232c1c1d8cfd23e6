from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory


async def test_an_app_error_is_rendered_as_problem_json(client_for: ClientFactory) -> None:
    response = await client_for().get("/refuse")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "ThingRefused",
        "status": 409,
        "detail": "The thing was refused.",
    }


async def test_a_malformed_request_is_a_422_problem_naming_the_field(
    client_for: ClientFactory,
) -> None:
    response = await client_for().get("/items/not-a-number")

    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "ValidationError"
    assert body["errors"][0]["loc"] == ["path", "item_id"]


async def test_an_unexpected_error_is_a_500_problem_that_hides_internals(
    client_for: ClientFactory,
) -> None:
    response = await client_for().get("/crash")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


async def test_an_unknown_route_is_a_404_problem(client_for: ClientFactory) -> None:
    response = await client_for(Role.HR_ADMIN).get("/nowhere")

    assert response.status_code == 404
    assert response.json()["status"] == 404
