"""Session feedback: members only, held sessions only, once each, changed within a window by
version; nobody reads another's feedback; comments never leave the service."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from factories import MONDAY, deliver, emitted, held_session, started_pair
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.models import SessionFeedback
from tandem.kit.auth import Role
from tandem.kit.contracts.sessions import SessionScheduled
from tandem.kit.testing.plugin import ClientFactory

RATING = {"rating": 4, "got_what_needed": True, "comment": "She showed me the roadmap tool"}


async def test_a_member_rates_a_held_session_once_and_the_event_carries_no_comment(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    session_id = await held_session(db_session, app, pair)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )

    given = await member.post(f"/sessions/{session_id}/feedback", json=RATING)
    again = await member.post(f"/sessions/{session_id}/feedback", json=RATING)

    assert given.status_code == 201, given.text
    assert given.headers["ETag"] == '"1"'
    assert given.json()["comment"] == RATING["comment"]
    assert again.status_code == 409
    assert again.json()["title"] == "FeedbackAlreadyGiven"
    events = await emitted(db_session, organization)
    assert [event["type"] for event in events] == ["tandem.feedback.session_feedback.submitted"]
    assert events[0]["rating"] == 4
    assert RATING["comment"] not in str(events)


async def test_feedback_is_for_held_sessions_and_their_members_only(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    planned = uuid.uuid4()
    await deliver(db_session, app, pair.fact(SessionScheduled, planned, MONDAY))
    held = await held_session(db_session, app, pair, MONDAY + timedelta(days=7))
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    outsider = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())

    not_held = await member.post(f"/sessions/{planned}/feedback", json=RATING)
    not_member = await outsider.post(f"/sessions/{held}/feedback", json=RATING)
    unknown = await member.post(f"/sessions/{uuid.uuid4()}/feedback", json=RATING)
    out_of_range = await member.post(f"/sessions/{held}/feedback", json=RATING | {"rating": 6})

    assert (not_held.status_code, not_held.json()["title"]) == (409, "SessionNotHeld")
    assert (not_member.status_code, not_member.json()["title"]) == (403, "NotAMember")
    assert unknown.status_code == 404
    assert out_of_range.status_code == 422


async def test_another_organizations_session_and_feedback_are_not_found(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    session_id = await held_session(db_session, app, pair)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    feedback_id = (await member.post(f"/sessions/{session_id}/feedback", json=RATING)).json()["id"]
    # The same person id, but a token of another organization.
    foreign = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=pair.member_ids[0]
    )

    assert (await foreign.post(f"/sessions/{session_id}/feedback", json=RATING)).status_code == 404
    assert (await foreign.get(f"/feedback/{feedback_id}")).status_code == 404
    assert (await foreign.patch(f"/feedback/{feedback_id}", json={"rating": 1})).status_code == 404


async def test_a_participant_cannot_read_or_change_anothers_feedback(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    session_id = await held_session(db_session, app, pair)
    author = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    partner = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )
    admin = client_for(Role.HR_ADMIN, organization_id=organization, person_id=uuid.uuid4())
    feedback_id = (await author.post(f"/sessions/{session_id}/feedback", json=RATING)).json()["id"]

    assert (await partner.get(f"/feedback/{feedback_id}")).status_code == 404
    assert (await admin.get(f"/feedback/{feedback_id}")).status_code == 404
    assert (await partner.patch(f"/feedback/{feedback_id}", json={"rating": 1})).status_code == 404
    assert (await partner.get("/me/feedback")).json()["items"] == []
    own = (await author.get("/me/feedback")).json()["items"]
    assert [item["id"] for item in own] == [feedback_id]
    assert (await author.get(f"/feedback/{feedback_id}")).json()["rating"] == 4


async def test_feedback_changes_by_version_and_a_stale_version_changes_nothing(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    session_id = await held_session(db_session, app, pair)
    author = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    feedback_id = (await author.post(f"/sessions/{session_id}/feedback", json=RATING)).json()["id"]
    path = f"/feedback/{feedback_id}"

    changed = await author.patch(
        path, json={"rating": 2, "comment": None}, headers={"If-Match": '"1"'}
    )
    stale = await author.patch(path, json={"rating": 5}, headers={"If-Match": '"1"'})

    assert changed.status_code == 200, changed.text
    assert (changed.json()["rating"], changed.json()["comment"], changed.json()["version"]) == (
        2,
        None,
        2,
    )
    assert stale.status_code == 412
    assert (await author.get(path)).json()["rating"] == 2
    revisions = [e["revision"] for e in await emitted(db_session, organization)]
    assert revisions == [1, 2]


async def test_feedback_cannot_change_once_its_window_has_passed(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    session_id = await held_session(db_session, app, pair)
    author = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    feedback_id = (await author.post(f"/sessions/{session_id}/feedback", json=RATING)).json()["id"]
    await db_session.execute(
        update(SessionFeedback)
        .where(SessionFeedback.id == uuid.UUID(feedback_id))
        .values(editable_until=datetime.now(UTC) - timedelta(seconds=1))
    )

    late = await author.patch(f"/feedback/{feedback_id}", json={"rating": 1})

    assert (late.status_code, late.json()["title"]) == (409, "FeedbackNoLongerEditable")


async def test_concurrent_feedback_of_one_member_on_one_session_keeps_exactly_one(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    async with app.state.sessionmaker() as session:
        pair = await started_pair(session, app, organization)
        session_id = await held_session(session, app, pair)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )

    answers = await asyncio.gather(
        *(member.post(f"/sessions/{session_id}/feedback", json=RATING) for _ in range(12))
    )

    assert sorted(a.status_code for a in answers) == [201] + [409] * 11, [a.text for a in answers]
    async with app.state.sessionmaker() as session:
        stored = await session.scalars(
            select(SessionFeedback).where(SessionFeedback.session_id == session_id)
        )
        assert len(list(stored)) == 1


async def test_concurrent_changes_naming_one_version_leave_exactly_one_winner(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    async with app.state.sessionmaker() as session:
        pair = await started_pair(session, app, organization)
        session_id = await held_session(session, app, pair)
    author = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    feedback_id = (await author.post(f"/sessions/{session_id}/feedback", json=RATING)).json()["id"]

    answers = await asyncio.gather(
        *(
            author.patch(
                f"/feedback/{feedback_id}", json={"rating": n}, headers={"If-Match": '"1"'}
            )
            for n in (1, 2, 3, 5, 1, 2, 3, 5)
        )
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * 7, [a.text for a in answers]
    assert (await author.get(f"/feedback/{feedback_id}")).json()["version"] == 2
