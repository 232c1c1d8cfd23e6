"""Every list pages to its end without a repeat or a gap, and refuses cursors it did not give."""

import base64
import json
from typing import Any

import httpx
import pytest
from factories import Org

from tandem.kit.testing.plugin import ClientFactory


def crafted(key: Any) -> str:
    return base64.b64encode(json.dumps(key).encode()).decode()


async def every_page(client: httpx.AsyncClient, path: str, **params: Any) -> list[str]:
    """The ids of every item, following `next_cursor` two at a time."""
    ids: list[str] = []
    cursor: dict[str, str] = {}
    while True:
        response = await client.get(path, params={"limit": 2, **params, **cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids
        cursor = {"cursor": page["next_cursor"]}


@pytest.mark.parametrize("path", ["/people", "/programs", "/skills"])
@pytest.mark.parametrize("key", [["a", "b"], [None, None], [1, 2], ["a"], "a", {"a": 1}])
async def test_a_crafted_cursor_is_a_400(client_for: ClientFactory, path: str, key: Any) -> None:
    org = Org(client_for)

    response = await org.admin.get(path, params={"cursor": crafted(key)})

    assert response.status_code == 400, response.text
    assert response.json()["title"] == "InvalidCursor"


@pytest.mark.parametrize("key", [["a"], [None], [1], ["a", "b"]])
async def test_a_crafted_enrollments_cursor_is_a_400(client_for: ClientFactory, key: Any) -> None:
    org = Org(client_for)
    program = await org.program()

    response = await org.admin.get(
        f"/programs/{program['id']}/enrollments", params={"cursor": crafted(key)}
    )

    assert response.status_code == 400, response.text


async def test_every_page_of_people_comes_once_even_with_equal_names(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    people = [await org.person(full_name=name) for name in ["Bo", "Al", "Bo", "Cy", "Bo", "Al"]]

    ids = await every_page(org.admin, "/people")

    assert sorted(ids) == sorted(person["id"] for person in people)


async def test_every_page_of_programs_comes_once_newest_first(client_for: ClientFactory) -> None:
    org = Org(client_for)
    programs = [await org.program(enrolling=False) for _ in range(5)]

    ids = await every_page(org.admin, "/programs")

    assert sorted(ids) == sorted(program["id"] for program in programs)


async def test_every_page_of_skills_comes_once(client_for: ClientFactory) -> None:
    org = Org(client_for)
    skills = [await org.skill(name) for name in ["Go", "SQL", "Rust", "C", "Ada"]]

    ids = await every_page(org.admin, "/skills")

    assert sorted(ids) == sorted(skill["id"] for skill in skills)


async def test_every_page_of_a_programs_enrollments_comes_once(client_for: ClientFactory) -> None:
    org = Org(client_for)
    program = await org.program()
    enrollments = [await org.enroll(program, await org.person()) for _ in range(5)]

    ids = await every_page(org.admin, f"/programs/{program['id']}/enrollments")

    assert sorted(ids) == sorted(enrollment["id"] for enrollment in enrollments)
