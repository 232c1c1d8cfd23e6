"""At-risk mentorships: each active one that needs a look, with its reasons, for the program's
admins."""

import uuid
from datetime import UTC, datetime, timedelta

from conftest import FakeProfiles
from factories import MONDAY, Pair, deliver, fit, held_session, rating, started_pair
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import CheckinFlagged, FitAnswer
from tandem.kit.contracts.matching import MentorshipPaused
from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import (
    ActionItemCompleted,
    ActionItemFact,
    ActionItemOverdue,
    SessionNoShow,
    SessionScheduled,
)
from tandem.kit.events import Envelope
from tandem.kit.testing.plugin import ClientFactory


async def _rated(
    session: AsyncSession, app: FastAPI, pair: Pair, start: datetime, stars: int
) -> None:
    session_id = await held_session(session, app, pair, start)
    await deliver(session, app, rating(pair, session_id, start, 0, stars))


async def _missed(session: AsyncSession, app: FastAPI, pair: Pair, start: datetime) -> None:
    missed = pair.fact(SessionNoShow, uuid.uuid4(), start, absent_ids=pair.member_ids[:1])
    await deliver(session, app, missed)


async def test_each_mentorship_at_risk_is_listed_with_its_reasons(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id], cadence=Cadence.WEEKLY)
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    recently = datetime.now(UTC) - timedelta(days=3)
    fine, new = [await started_pair(db_session, app, organization, program) for _ in range(2)]
    await _rated(db_session, app, fine, recently, 5)
    quiet, booked, unhappy, unfit, absent, paused = [
        await started_pair(db_session, app, organization, program) for _ in range(6)
    ]
    await held_session(db_session, app, quiet, MONDAY)
    await held_session(db_session, app, booked, MONDAY)
    next_week = datetime.now(UTC) + timedelta(days=7)
    await deliver(db_session, app, booked.fact(SessionScheduled, uuid.uuid4(), next_week))
    await _rated(db_session, app, unhappy, recently - timedelta(days=7), 2)
    await _rated(db_session, app, unhappy, recently, 1)
    await held_session(db_session, app, unfit, recently)
    await deliver(db_session, app, fit(unfit, 1, FitAnswer.NOT_A_GOOD_FIT))
    await held_session(db_session, app, absent, recently)
    await _missed(db_session, app, absent, recently - timedelta(days=1))
    await _missed(db_session, app, absent, recently - timedelta(days=2))
    await held_session(db_session, app, paused, MONDAY)
    await deliver(
        db_session,
        app,
        MentorshipPaused(
            organization_id=organization,
            mentorship_id=paused.mentorship_id,
            program_id=program,
            revision=2,
        ),
    )

    answer = await admin.get(f"/programs/{program}/at-risk")

    assert answer.status_code == 200, answer.text
    reasons = {item["mentorship_id"]: item["reasons"] for item in answer.json()["items"]}
    assert reasons == {
        str(quiet.mentorship_id): ["no_recent_session", "no_session_booked"],
        str(booked.mentorship_id): ["no_recent_session"],
        str(unhappy.mentorship_id): ["low_ratings"],
        str(unfit.mentorship_id): ["not_a_good_fit"],
        str(absent.mentorship_id): ["repeated_no_shows"],
    }
    assert str(fine.mentorship_id) not in reasons
    assert str(new.mentorship_id) not in reasons


async def test_at_risk_mentorships_come_a_page_at_a_time(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    program = profiles.add_program(organization)
    hr = client_for(Role.HR_ADMIN, organization_id=organization, person_id=uuid.uuid4())
    for _ in range(5):
        await held_session(
            db_session, app, await started_pair(db_session, app, organization, program)
        )

    first = (await hr.get(f"/programs/{program}/at-risk?limit=3")).json()
    rest = (
        await hr.get(f"/programs/{program}/at-risk?limit=3&cursor={first['next_cursor']}")
    ).json()

    assert len(first["items"]) == 3
    assert len(rest["items"]) == 2
    assert rest["next_cursor"] is None
    ids = [item["mentorship_id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(set(ids))


async def test_at_risk_is_for_the_programs_admins_and_of_its_organization(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    program = profiles.add_program(organization)
    path = f"/programs/{program}/at-risk"
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())

    assert (await participant.get(path)).status_code == 403
    assert (await other_admin.get(path)).status_code == 403
    assert (await foreign.get(path)).status_code == 404
    assert (
        await client_for(Role.HR_ADMIN, organization_id=organization).get(f"{path}?cursor=x")
    ).status_code == 400


def _action_item(pair: Pair, name: str, kind: type[ActionItemFact]) -> ActionItemFact:
    return kind(
        organization_id=pair.organization_id,
        action_item_id=uuid.uuid5(pair.mentorship_id, name),
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        session_id=None,
        owner_id=pair.member_ids[0],
        due_date=None,
    )


async def test_a_flagged_checkin_and_overdue_action_items_piling_up_put_a_mentorship_at_risk(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    program = profiles.add_program(organization, cadence=Cadence.WEEKLY)
    hr = client_for(Role.HR_ADMIN, organization_id=organization, person_id=uuid.uuid4())
    soon = datetime.now(UTC) + timedelta(days=2)
    flagged, piling, caught_up, one_late = [
        await started_pair(db_session, app, organization, program) for _ in range(4)
    ]
    for pair in (flagged, piling, caught_up, one_late):
        await held_session(db_session, app, pair, datetime.now(UTC) - timedelta(days=2))
        await deliver(db_session, app, pair.fact(SessionScheduled, uuid.uuid4(), soon))
    concern = CheckinFlagged(
        organization_id=organization,
        checkin_id=uuid.uuid4(),
        mentorship_id=flagged.mentorship_id,
        program_id=program,
        author_id=flagged.member_ids[1],
    )
    late = [_action_item(piling, name, ActionItemOverdue) for name in ("a", "b", "b")]
    overdue_again = Envelope.wrap(late[0], "test")
    # Done before (or after) it was told overdue: either way it no longer piles up.
    cleared = [
        _action_item(caught_up, "a", ActionItemCompleted),
        _action_item(caught_up, "a", ActionItemOverdue),
        _action_item(caught_up, "b", ActionItemOverdue),
    ]
    await deliver(
        db_session,
        app,
        concern,
        *late,
        overdue_again,
        overdue_again,
        *cleared,
        _action_item(one_late, "a", ActionItemOverdue),
    )

    answer = await hr.get(f"/programs/{program}/at-risk")

    assert answer.status_code == 200, answer.text
    found = {
        item["mentorship_id"]: (
            item["reasons"],
            item["flagged_checkins"],
            item["open_overdue_action_items"],
        )
        for item in answer.json()["items"]
    }
    assert found == {
        str(flagged.mentorship_id): (["flagged_checkin"], 1, 0),
        str(piling.mentorship_id): (["overdue_action_items"], 0, 2),
    }
