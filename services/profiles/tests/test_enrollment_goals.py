"""Enrollment goals (`POST /programs/{id}/enrollment-goals`): what sessions reads when a
mentorship starts, to make members' first goals; participants' words, for services alone."""

import uuid

from factories import Org

from tandem.kit.auth import Role, Scope
from tandem.kit.testing.plugin import ClientFactory


async def test_services_read_the_goals_of_active_enrollments_that_state_them(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    program = await org.program()
    ada, bob, cy, dee = [await org.person() for _ in range(4)]
    await org.enroll(program, ada, goals="Learn to lead a team")
    await org.enroll(program, bob)
    withdrawn = await org.enroll(program, cy, goals="Public speaking")
    await org.admin.post(f"/enrollments/{withdrawn['id']}/withdrawal")
    sessions = client_for(
        Role.PARTNER, organization_id=org.id, subject="sessions", scopes=[Scope.SNAPSHOTS_READ]
    )
    asked = {"person_ids": [person["id"] for person in (ada, bob, cy, dee)]}

    answer = await sessions.post(f"/programs/{program['id']}/enrollment-goals", json=asked)
    by_admin = await org.admin.post(f"/programs/{program['id']}/enrollment-goals", json=asked)
    elsewhere = await client_for(
        Role.PARTNER, organization_id=uuid.uuid4(), scopes=[Scope.SNAPSHOTS_READ]
    ).post(f"/programs/{program['id']}/enrollment-goals", json=asked)

    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"person_id": ada["id"], "goals": "Learn to lead a team"}]
    assert by_admin.status_code == 403
    assert elsewhere.status_code == 404
