"""What other services read of sessions, read as they read it: kit's contract model through
kit's `ServiceClient`, against the real app."""

import httpx
from factories import MONDAY, as_consumer, booked_id
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import SessionRead
from tandem.kit.pagination import Page


async def test_the_gateway_reads_a_members_sessions_and_changes_one_as_the_contract_says(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    session_id = await booked_id(db_session, started.mentorship_id, MONDAY)
    member = members[0]
    sessions, token = as_consumer(member)

    page = await sessions.get("/me/sessions", token, Page[SessionRead])
    (seen,) = page.items
    cancelled = await sessions.post(
        f"/sessions/{session_id}/cancellation",
        token,
        SessionRead,
        {"reason": "a clash"},
        {"If-Match": f'"{seen.version}"'},
    )

    raw = (await member.get(f"/sessions/{session_id}")).json()
    assert set(raw) == set(SessionRead.model_fields)
    assert seen.id == session_id
    assert (cancelled.status, cancelled.version) == ("cancelled", seen.version + 1)
