"""What a member still owes (`GET /me/checkins-due`): the fit check-in after their first held
session until they answer it, and the periodic check-in once its period fell due until they
give it; theirs alone, nobody else's, and nothing across organizations."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from factories import HOUR, MONDAY, deliver, happened_at, held_session, started_pair
from fastapi import FastAPI
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.service import period_start
from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import CheckinDueRead, CheckinKind
from tandem.kit.contracts.matching import MentorshipEnded
from tandem.kit.pagination import Page
from tandem.kit.testing.plugin import ClientFactory

PATH = "/me/checkins-due"
INTERVAL = timedelta(days=30)
"""The service's default check-in interval."""


async def _owed(member: httpx.AsyncClient, **params: object) -> Page[CheckinDueRead]:
    answer = await member.get(PATH, params=params)
    assert answer.status_code == 200, answer.text
    return TypeAdapter(Page[CheckinDueRead]).validate_json(answer.content)


def _member(
    client_for: ClientFactory, organization: uuid.UUID, person_id: uuid.UUID
) -> httpx.AsyncClient:
    return client_for(Role.PARTICIPANT, organization_id=organization, person_id=person_id)


async def test_the_fit_checkin_is_owed_after_a_held_session_until_answered(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    first, second = (_member(client_for, organization, person) for person in pair.member_ids)

    before = await _owed(first)
    await held_session(db_session, app, pair)
    owed = await _owed(first)
    answered = await first.post(
        f"/mentorships/{pair.mentorship_id}/fit-checkin", json={"answer": "good_fit"}
    )
    after = await _owed(first)
    still = await _owed(second)

    assert before.items == []
    assert owed.items == [
        CheckinDueRead(
            kind=CheckinKind.FIT,
            mentorship_id=pair.mentorship_id,
            program_id=pair.program_id,
            due_since=MONDAY + HOUR,
            period_start=None,
        )
    ]
    assert answered.status_code == 201, answered.text
    assert after.items == []
    assert [(due.kind, due.mentorship_id) for due in still.items] == [
        (CheckinKind.FIT, pair.mentorship_id)
    ]


async def test_a_periodic_checkin_is_owed_once_its_period_fell_due_until_given(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    now = datetime.now(UTC)
    fresh = await started_pair(db_session, app, organization)
    older = await started_pair(db_session, app, organization)
    started_at = now - INTERVAL - timedelta(days=3)
    await deliver(db_session, app, *happened_at(started_at, older.started()))
    fresh_member = _member(client_for, organization, fresh.member_ids[0])
    older_member = _member(client_for, organization, older.member_ids[0])

    nothing_yet = await _owed(fresh_member)
    owed = await _owed(older_member)
    given = await older_member.post(
        f"/mentorships/{older.mentorship_id}/checkins", json={"satisfaction": 4, "progress": 3}
    )
    after = await _owed(older_member)

    assert nothing_yet.items == []
    [due] = owed.items
    assert (due.kind, due.mentorship_id) == (CheckinKind.PROGRESS, older.mentorship_id)
    assert due.period_start == period_start(started_at, now, INTERVAL)
    assert due.due_since == started_at + INTERVAL
    assert given.status_code == 201, given.text
    assert given.json()["period_start"] == str(due.period_start)
    assert after.items == []


async def test_an_ended_mentorship_owes_nothing(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    await deliver(db_session, app, *happened_at(datetime.now(UTC) - 2 * INTERVAL, pair.started()))
    await held_session(db_session, app, pair)
    member = _member(client_for, organization, pair.member_ids[0])
    owed = await _owed(member)

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

    assert {due.kind for due in owed.items} == {CheckinKind.FIT, CheckinKind.PROGRESS}
    assert (await _owed(member)).items == []


async def test_another_member_sees_none_of_mine_and_another_organization_nothing(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    await held_session(db_session, app, pair)
    colleague = _member(client_for, organization, uuid.uuid4())
    admin = client_for(Role.HR_ADMIN, organization_id=organization, person_id=uuid.uuid4())
    # A member of `pair`, with a token of another organization.
    elsewhere = _member(client_for, uuid.uuid4(), pair.member_ids[0])

    for outsider in (colleague, admin, elsewhere):
        assert (await _owed(outsider)).items == []
    assert len((await _owed(_member(client_for, organization, pair.member_ids[0]))).items) == 1


async def test_the_checkins_owed_page_on_longest_owed_first(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    me = uuid.uuid4()
    pairs = []
    for days in (2, 0, 1):
        pair = await started_pair(db_session, app, organization)
        pair.member_ids[0] = me
        await deliver(db_session, app, pair.started())
        await held_session(db_session, app, pair, MONDAY + timedelta(days=days))
        pairs.append(pair)
    member = _member(client_for, organization, me)

    first = await _owed(member, limit=2)
    rest = await _owed(member, limit=2, cursor=first.next_cursor)
    forged = await member.get(PATH, params={"cursor": "bm90IG91cnM="})

    paged = [due.mentorship_id for due in first.items + rest.items]
    assert paged == [pairs[1].mentorship_id, pairs[2].mentorship_id, pairs[0].mentorship_id]
    assert rest.next_cursor is None
    assert forged.status_code == 400


async def test_a_caller_who_is_no_person_is_refused(
    client_for: ClientFactory, organization: uuid.UUID
) -> None:
    partner = client_for(Role.PARTNER, organization_id=organization, subject="bi")

    refused = await partner.get(PATH)

    assert refused.status_code == 403
