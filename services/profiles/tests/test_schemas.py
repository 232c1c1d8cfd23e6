"""What the API accepts is what its OpenAPI document says: checked as sent, typed as JSON."""

from typing import Any

from factories import Org

from tandem.kit.testing.plugin import ClientFactory
from tandem.profiles.main import app

PERSON = {"email": "ada@example.com", "full_name": "Ada Lovelace"}
PROGRAM = {"name": "X", "kind": "peer", "start_date": "2027-01-01", "end_date": "2027-06-01"}


def _field(schema: str, name: str) -> dict[str, Any]:
    field: dict[str, Any] = app.openapi()["components"]["schemas"][schema]["properties"][name]
    return field


async def test_a_name_is_as_long_as_sent_and_not_blank(client_for: ClientFactory) -> None:
    org = Org(client_for)

    padded = await org.admin.post("/people", json=PERSON | {"full_name": " " * 10 + "A" * 195})
    blank = await org.admin.post("/people", json=PERSON | {"full_name": "\x1c"})
    kept = await org.admin.post("/people", json=PERSON | {"full_name": "  Ada  "})

    assert _field("PersonCreate", "full_name")["maxLength"] == 200
    assert (padded.status_code, blank.status_code) == (422, 422)
    assert kept.json()["full_name"] == "Ada"


async def test_a_language_code_may_come_padded_and_in_any_case(client_for: ClientFactory) -> None:
    org = Org(client_for)

    response = await org.admin.post("/people", json=PERSON | {"languages": [" NL ", "pt-BR"]})

    assert response.json()["languages"] == ["nl", "pt-br"]


def test_a_change_offers_null_only_for_the_fields_it_clears() -> None:
    assert "anyOf" not in _field("PersonUpdate", "full_name")
    assert "anyOf" not in _field("ProgramUpdate", "start_date")
    assert {"type": "null"} in _field("PersonUpdate", "manager_id")["anyOf"]


async def test_numbers_flags_and_dates_come_as_their_json_types(client_for: ClientFactory) -> None:
    org = Org(client_for)

    level_as_text = await org.admin.post("/people", json=PERSON | {"job_level": "3"})
    date_as_number = await org.admin.post("/people", json=PERSON | {"hire_date": 0})
    weight_as_flag = await org.admin.post(
        "/programs", json=PROGRAM | {"weights": {"seniority": False}}
    )
    flag_as_number = await org.admin.post("/imports/people", json={"rows": [], "full_sync": 0})

    statuses = [level_as_text, date_as_number, weight_as_flag, flag_as_number]
    assert [response.status_code for response in statuses] == [422, 422, 422, 422]


async def test_batch_is_not_read_as_a_person_id(client_for: ClientFactory) -> None:
    response = await Org(client_for).admin.patch("/people/batch", json={})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
