"""The fit check-in: once per member, after a session they held; "not a good fit" tells
matching through the outbox."""

import asyncio
import uuid

from factories import deliver, emitted, held_session, started_pair
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipEnded
from tandem.kit.testing.plugin import ClientFactory


async def test_the_fit_question_comes_after_the_first_held_session(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    path = f"/mentorships/{pair.mentorship_id}/fit-checkin"

    early = await member.post(path, json={"answer": "good_fit"})
    await held_session(db_session, app, pair)
    answered = await member.post(path, json={"answer": "good_fit"})
    again = await member.post(path, json={"answer": "still_deciding"})

    assert (early.status_code, early.json()["title"]) == (409, "NoHeldSessionYet")
    assert answered.status_code == 201, answered.text
    assert answered.json()["answer"] == "good_fit"
    assert (again.status_code, again.json()["title"]) == (409, "FitAlreadyGiven")
    types = [event["type"] for event in await emitted(db_session, organization)]
    assert types == ["tandem.feedback.fit.checked_in"]


async def test_not_a_good_fit_is_reported_to_matching_by_its_member(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    await held_session(db_session, app, pair)
    mentee = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )

    answered = await mentee.post(
        f"/mentorships/{pair.mentorship_id}/fit-checkin", json={"answer": "not_a_good_fit"}
    )

    assert answered.status_code == 201, answered.text
    reported = [
        event
        for event in await emitted(db_session, organization)
        if event["type"] == "tandem.feedback.fit.not_good"
    ]
    assert reported == [
        {
            "type": "tandem.feedback.fit.not_good",
            "organization_id": str(organization),
            "mentorship_id": str(pair.mentorship_id),
            "reported_by": str(pair.member_ids[1]),
        }
    ]


async def test_only_members_of_a_live_mentorship_of_the_organization_check_in(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    await held_session(db_session, app, pair)
    path = f"/mentorships/{pair.mentorship_id}/fit-checkin"
    outsider = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())
    foreign = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=pair.member_ids[0]
    )
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )

    assert (await outsider.post(path, json={"answer": "good_fit"})).status_code == 403
    assert (await foreign.post(path, json={"answer": "good_fit"})).status_code == 404
    assert (await member.post(path, json={"answer": "maybe"})).status_code == 422
    await deliver(
        db_session,
        app,
        MentorshipEnded(
            organization_id=organization,
            mentorship_id=pair.mentorship_id,
            program_id=pair.program_id,
            status="ended",
            reason="completed_early",
        ),
    )
    ended = await member.post(path, json={"answer": "good_fit"})
    assert (ended.status_code, ended.json()["title"]) == (409, "MentorshipNotLive")


async def test_concurrent_check_ins_of_one_member_keep_exactly_one(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    async with app.state.sessionmaker() as session:
        pair = await started_pair(session, app, organization)
        await held_session(session, app, pair)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    path = f"/mentorships/{pair.mentorship_id}/fit-checkin"

    answers = await asyncio.gather(
        *(member.post(path, json={"answer": "not_a_good_fit"}) for _ in range(10))
    )

    assert sorted(a.status_code for a in answers) == [201] + [409] * 9, [a.text for a in answers]
    async with app.state.sessionmaker() as session:
        reports = [
            e for e in await emitted(session, organization) if e["type"].endswith("fit.not_good")
        ]
    assert len(reports) == 1
