"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid
from typing import Any

from schemathesis.python.asgi import ASGIClient

from tandem.kit.app import create_app
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.testing.openapi import served, undocumented_answers
from tandem.profiles.router import routers
from tandem.profiles.settings import ProfilesSettings


def _created(http: ASGIClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _seed(http: ASGIClient) -> dict[str, str]:
    """An HR admin and a colleague enrolled in a program, a skill, an absence, a conflict."""
    admin = _created(http, "/people", {"email": "hana@example.com", "full_name": "Hana"})
    person = _created(
        http, "/people", {"email": "pat@example.com", "full_name": "Pat", "external_id": "pat-1"}
    )
    dates = {"start_date": "2027-01-04", "end_date": "2027-06-28"}
    program = _created(http, "/programs", {"name": "Pairs", "kind": "traditional"} | dates)
    moved = http.post(f"/programs/{program['id']}/transitions", json={"to": "enrolling"})
    assert moved.status_code == 200, moved.text
    enrollment = {"person_id": person["id"], "role": "mentee"}
    absence = {"start_date": "2027-02-01", "end_date": "2027-02-03"}
    conflict = {"person_ids": [admin["id"], person["id"]], "reason": "siblings"}
    return {
        "admin_id": admin["id"],
        "person_id": person["id"],
        "external_id": "pat-1",
        "skill_id": _created(http, "/skills", {"name": "Python"})["id"],
        "program_id": program["id"],
        "enrollment_id": _created(http, f"/programs/{program['id']}/enrollments", enrollment)["id"],
        "absence_id": _created(http, f"/people/{person['id']}/absences", absence)["id"],
        "conflict_id": _created(http, "/conflicts", conflict)["id"],
    }


async def test_every_answer_is_one_the_document_describes(
    own_database_url: str, token_issuer: TokenIssuer
) -> None:
    app = create_app(ProfilesSettings, routers=routers)
    organization = uuid.uuid4()
    with served(app) as http:
        setup = token_issuer.issue(uuid.uuid4(), organization, [Role.HR_ADMIN])
        http.headers["Authorization"] = f"Bearer {setup}"
        ids = _seed(http)
        token = token_issuer.issue(ids.pop("admin_id"), organization, [Role.HR_ADMIN])

        failures = undocumented_answers(app, token, ids)

    assert not failures, "\n\n".join(failures)
