"""From a completed run to mentorships: publication, answers, expiry, the end."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from conftest import Profiles
from factories import Program
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching.models import (
    Proposal,
)


async def _subjects(session: AsyncSession, program: Program) -> list[str]:
    """What the program's organization emitted (other tests' committed events stay)."""
    organization = program.organization_id
    events = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.envelope["payload"]["organization_id"].astext == str(organization))
        .order_by(OutboxEvent.position)
    )
    return [event.subject.removeprefix("tandem.matching.") for event in events]


async def test_publishing_sends_proposals_that_members_see_and_others_do_not(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)

    before = await program.person(proposal.mentee_id).get("/me/proposals")
    published = await program.program_admin.post(f"/runs/{run}/publication")
    mine = await program.person(proposal.mentee_id).get("/me/proposals")
    stranger = await program.person(uuid.uuid4()).get(f"/proposals/{proposal.id}")

    assert before.json() == {"items": [], "next_cursor": None}
    assert published.status_code == 200
    assert published.json()[0]["status"] == "pending"
    assert [item["id"] for item in mine.json()["items"]] == [str(proposal.id)]
    assert mine.json()["items"][0]["explanation"]["criteria"]["skill_fit"]["points"] == 320
    assert stranger.status_code == 403
    assert await _subjects(db_session, program) == ["proposal.created"]


async def test_a_run_is_published_once_and_only_by_its_admins(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, _ = await program.completed_run(db_session)
    other_admin = client_for(Role.PROGRAM_ADMIN, organization_id=program.organization_id)
    foreign_admin = client_for(Role.HR_ADMIN)

    assert (await other_admin.post(f"/runs/{run}/publication")).status_code == 403
    assert (await foreign_admin.post(f"/runs/{run}/publication")).status_code == 404
    assert (await program.hr_admin.post(f"/runs/{run}/publication")).status_code == 200
    again = await program.hr_admin.post(f"/runs/{run}/publication")
    assert (again.status_code, again.json()["title"]) == (409, "RunAlreadyPublished")


async def test_when_both_accept_the_mentorship_starts(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")

    first = await program.person(proposal.mentee_id).post(f"/proposals/{proposal.id}/acceptance")
    second = await program.person(proposal.mentor_id).post(f"/proposals/{proposal.id}/acceptance")
    mentorships = await program.person(proposal.mentor_id).get("/me/mentorships")

    assert first.json()["status"] == "pending"
    assert second.json()["status"] == "accepted"
    assert [(m["mentor_id"], m["mentee_id"], m["status"]) for m in mentorships.json()["items"]] == [
        (str(proposal.mentor_id), str(proposal.mentee_id), "active")
    ]
    assert await _subjects(db_session, program) == [
        "proposal.created",
        "proposal.accepted",
        "mentorship.started",
        "match_run.settled",
    ]


async def test_concurrent_accepts_start_exactly_one_mentorship(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    program = Program(committing_client_for, profiles)
    run, (proposal,) = await program.committed_run(app.state.sessionmaker)
    await program.hr_admin.post(f"/runs/{run}/publication")
    mentee, mentor = program.person(proposal.mentee_id), program.person(proposal.mentor_id)

    answers = await asyncio.gather(
        mentee.post(f"/proposals/{proposal.id}/acceptance"),
        mentor.post(f"/proposals/{proposal.id}/acceptance"),
        mentee.post(f"/proposals/{proposal.id}/acceptance"),
        mentor.post(f"/proposals/{proposal.id}/acceptance"),
    )

    assert sorted(answer.status_code for answer in answers) in (
        [200, 200, 200, 200],
        [200, 200, 200, 409],
        [200, 200, 409, 409],
    )
    assert (await mentee.get(f"/proposals/{proposal.id}")).json()["status"] == "accepted"
    assert len((await mentor.get("/me/mentorships")).json()["items"]) == 1


async def test_a_declined_proposal_cannot_be_accepted_afterwards(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")

    declined = await program.person(proposal.mentor_id).post(
        f"/proposals/{proposal.id}/declination"
    )
    late = await program.person(proposal.mentee_id).post(f"/proposals/{proposal.id}/acceptance")

    assert declined.json()["status"] == "declined"
    assert (late.status_code, late.json()["title"]) == (409, "ProposalNotPending")
    assert (await _subjects(db_session, program))[-2:] == ["proposal.declined", "match_run.settled"]


async def test_an_expired_proposal_cannot_be_accepted(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    await db_session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await db_session.commit()  # keep it through the refused request's rollback

    late = await program.person(proposal.mentee_id).post(f"/proposals/{proposal.id}/acceptance")

    assert (late.status_code, late.json()["title"]) == (409, "ProposalExpired")
    assert (await program.hr_admin.get(f"/proposals/{proposal.id}")).json()["status"] == "expired"


async def test_draft_proposals_are_invisible_to_their_members(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    _, (proposal,) = await program.completed_run(db_session)
    mentee = program.person(proposal.mentee_id)

    assert (await mentee.get(f"/proposals/{proposal.id}")).status_code == 403
    assert (await mentee.post(f"/proposals/{proposal.id}/acceptance")).status_code == 403


async def test_a_member_ends_a_mentorship_with_a_reason_and_others_cannot(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    for member in (proposal.mentee_id, proposal.mentor_id):
        await program.person(member).post(f"/proposals/{proposal.id}/acceptance")
    mentee = program.person(proposal.mentee_id)
    (mentorship,) = (await mentee.get("/me/mentorships")).json()["items"]
    path = f"/mentorships/{mentorship['id']}"

    stranger = await program.person(uuid.uuid4()).post(f"{path}/end", json={"reason": "other"})
    paused = await mentee.post(f"{path}/pause")
    ended = await mentee.post(f"{path}/end", json={"reason": "not_a_good_fit"})
    again = await mentee.post(f"{path}/end", json={"reason": "completed"})

    assert stranger.status_code == 403
    assert paused.json()["status"] == "paused"
    assert (ended.json()["status"], ended.json()["end_reason"]) == ("ended", "not_a_good_fit")
    assert again.status_code == 409
    assert (await _subjects(db_session, program))[-1] == "mentorship.ended"


async def test_run_details_are_for_the_programs_admins(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)

    assert (await program.program_admin.get(f"/runs/{run}")).status_code == 200
    assert (await program.person(proposal.mentee_id).get(f"/runs/{run}")).status_code == 403
    assert (
        await program.person(proposal.mentee_id).get(f"/runs/{run}/proposals")
    ).status_code == 403


async def test_a_run_lists_its_proposals_best_first_a_page_at_a_time(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, pairs = await program.completed_run(db_session, pairs=5)
    await db_session.execute(
        update(Proposal).where(Proposal.run_id == run).values(score=500)  # ties: the id orders them
    )
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = await program.program_admin.get(
            f"/runs/{run}/proposals", params={"limit": 2} | ({"cursor": cursor} if cursor else {})
        )
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    forged = await program.program_admin.get(f"/runs/{run}/proposals", params={"cursor": "e30="})

    assert sorted(seen) == sorted(str(pair.id) for pair in pairs)
    assert cursor is None
    assert forged.status_code == 400


async def test_a_circle_starts_when_every_member_accepts(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (circle,) = await program.completed_run(db_session, circle_size=4)
    await program.hr_admin.post(f"/runs/{run}/publication")

    answers = [
        await program.person(member).post(f"/proposals/{circle.id}/acceptance")
        for member in circle.member_ids
    ]
    mentorships = await program.person(circle.member_ids[2]).get("/me/mentorships")

    assert [answer.json()["status"] for answer in answers] == ["pending"] * 3 + ["accepted"]
    (mentorship,) = mentorships.json()["items"]
    assert (mentorship["mentor_id"], mentorship["mentee_id"]) == (None, None)
    assert sorted(mentorship["member_ids"]) == sorted(str(m) for m in circle.member_ids)
    (started,) = [
        event.envelope["payload"]
        for event in await db_session.scalars(select(OutboxEvent))
        if event.envelope["payload"].get("mentorship_id") == mentorship["id"]
    ]
    assert len(started["member_ids"]) == 4


async def test_a_program_admin_removed_in_profiles_loses_the_program_at_once(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    newcomer_id = uuid.uuid4()
    newcomer = client_for(
        Role.PROGRAM_ADMIN, organization_id=program.organization_id, person_id=newcomer_id
    )
    assert (await program.program_admin.get(f"/runs/{run}")).status_code == 200

    program.now["admin_ids"] = [str(newcomer_id)]  # HR replaced the admin after the run

    removed = program.program_admin
    assert (await removed.get(f"/runs/{run}")).status_code == 403
    assert (await removed.get(f"/runs/{run}/proposals")).status_code == 403
    assert (await removed.get(f"/proposals/{proposal.id}")).status_code == 403
    refused = await removed.post(f"/runs/{run}/publication")
    assert (refused.status_code, refused.json()["title"]) == (403, "NotProgramAdmin")
    assert (await newcomer.get(f"/runs/{run}")).status_code == 200
    assert (await newcomer.post(f"/runs/{run}/publication")).status_code == 200
    for member in proposal.member_ids:
        await program.person(member).post(f"/proposals/{proposal.id}/acceptance")
    (mentorship,) = (await program.person(proposal.mentee_id).get("/me/mentorships")).json()[
        "items"
    ]
    assert (await removed.get(f"/mentorships/{mentorship['id']}")).status_code == 403
    assert (await newcomer.get(f"/mentorships/{mentorship['id']}")).status_code == 200
    flagged = f"/programs/{program.id}/flagged-mentorships"
    assert (await removed.get(flagged)).status_code == 403
    assert (await newcomer.get(flagged)).status_code == 200


async def test_a_draft_or_closed_program_publishes_nothing(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, _ = await program.completed_run(db_session)

    answers = {}
    for status in ("closed", "draft"):
        program.now["status"] = status
        answers[status] = await program.hr_admin.post(f"/runs/{run}/publication")
    program.now["status"] = "active"
    published = await program.hr_admin.post(f"/runs/{run}/publication")

    assert [(a.status_code, a.json()["title"]) for a in answers.values()] == [
        (409, "ProgramNotMatchable")
    ] * 2
    assert published.status_code == 200


async def test_another_organizations_program_has_no_flagged_mentorships_but_a_404(
    client_for: ClientFactory, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    stranger = client_for(Role.HR_ADMIN)

    unknown = await program.hr_admin.get(f"/programs/{uuid.uuid4()}/flagged-mentorships")
    foreign = await stranger.get(f"/programs/{program.id}/flagged-mentorships")
    own = await program.hr_admin.get(f"/programs/{program.id}/flagged-mentorships")

    assert (unknown.status_code, foreign.status_code) == (404, 404)
    assert own.json() == {"items": [], "next_cursor": None}


async def test_a_programs_runs_and_mentorships_are_for_its_admins_and_not_another_organization(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (pair,) = await program.completed_run(db_session)
    stranger = client_for(Role.HR_ADMIN)
    lists = [f"/programs/{program.id}/runs", f"/programs/{program.id}/mentorships"]

    for path in lists:
        member = await program.person(pair.mentee_id).get(path)
        foreign = await stranger.get(path)
        own = await program.hr_admin.get(path, params={"limit": 1})
        assert (member.status_code, foreign.status_code, own.status_code) == (403, 404, 200)
    assert [item["id"] for item in (await program.hr_admin.get(lists[0])).json()["items"]] == [
        str(run)
    ]
