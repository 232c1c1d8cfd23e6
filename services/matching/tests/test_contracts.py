"""What other processes read of matching (the gateway now; sessions and feedback soon), read
as they read it: the kit's contract models through kit's `ServiceClient`, against the real
app. A field renamed or dropped on either side fails here."""

import uuid

import httpx
from conftest import Profiles
from factories import Program
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.matching import (
    MentorshipRead,
    MentorshipStatus,
    ProposalRead,
    ProposalStatus,
    RunRead,
    RunStatus,
)
from tandem.kit.pagination import Page
from tandem.kit.testing.plugin import ClientFactory


def consumer(client: httpx.AsyncClient) -> tuple[ServiceClient, str]:
    """A service client over the real app, and the token the test client carries."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    return ServiceClient("matching", str(client.base_url), client), token


async def test_the_gateway_reads_proposals_and_mentorships_as_the_contract_says(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (pair,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    mentee, mentee_token = consumer(program.person(pair.mentee_id))
    mentor, mentor_token = consumer(program.person(pair.mentor_id))

    mine = await mentee.get("/me/proposals", mentee_token, Page[ProposalRead], {"limit": 5})
    first = await mentee.post(f"/proposals/{pair.id}/acceptance", mentee_token, ProposalRead)
    second = await mentor.post(f"/proposals/{pair.id}/acceptance", mentor_token, ProposalRead)
    theirs = await mentor.get("/me/mentorships", mentor_token, Page[MentorshipRead])

    (proposal,) = mine.items
    assert (proposal.id, proposal.status) == (pair.id, ProposalStatus.PENDING)
    assert proposal.explanation.criteria["skill_fit"].points == 320
    assert (first.status, second.status) == (ProposalStatus.PENDING, ProposalStatus.ACCEPTED)
    (mentorship,) = theirs.items
    assert (mentorship.mentor_id, mentorship.status) == (pair.mentor_id, MentorshipStatus.ACTIVE)
    raw = (await program.person(pair.mentor_id).get("/me/mentorships")).json()["items"][0]
    assert set(raw) == set(MentorshipRead.model_fields), "matching serves the contract's fields"


async def test_the_gateway_reads_a_programs_runs_and_mentorships_as_the_contract_says(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (pair,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    for member in (pair.mentee_id, pair.mentor_id):
        await program.person(member).post(f"/proposals/{pair.id}/acceptance")
    admin, token = consumer(program.program_admin)

    runs = await admin.get(f"/programs/{program.id}/runs", token, Page[RunRead])
    one = await admin.get(f"/runs/{run}", token, RunRead)
    mentorships = await admin.get(
        f"/programs/{program.id}/mentorships", token, Page[MentorshipRead]
    )

    assert [listed.id for listed in runs.items] == [run]
    assert one.status is RunStatus.COMPLETED
    assert one.result is not None
    assert (one.result.matched, one.result.unmatched) == (1, [])
    (mentorship,) = mentorships.items
    assert mentorship.member_ids == pair.member_ids
    raw = (await program.program_admin.get(f"/runs/{run}")).json()
    assert set(raw) == set(RunRead.model_fields), "matching serves the contract's fields"


async def test_a_batch_of_mentorships_holds_those_the_caller_may_read_as_the_contract_says(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, pairs = await program.completed_run(db_session, pairs=2)
    await program.hr_admin.post(f"/runs/{run}/publication")
    for pair in pairs:
        for member in (pair.mentee_id, pair.mentor_id):
            await program.person(member).post(f"/proposals/{pair.id}/acceptance")
    ids = [
        (await program.person(pair.mentee_id).get("/me/mentorships")).json()["items"][0]["id"]
        for pair in pairs
    ]
    asked = {"ids": [*reversed(ids), str(uuid.uuid4())]}
    member, member_token = consumer(program.person(pairs[0].mentee_id))
    admin, admin_token = consumer(program.program_admin)
    elsewhere = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    own = await member.post("/mentorships/batch", member_token, list[MentorshipRead], asked)
    administered = await admin.post("/mentorships/batch", admin_token, list[MentorshipRead], asked)
    foreign = await elsewhere.post("/mentorships/batch", json=asked)
    too_many = await elsewhere.post("/mentorships/batch", json={"ids": [ids[0]] * 101})

    assert [str(mentorship.id) for mentorship in own] == [ids[0]]
    assert [str(mentorship.id) for mentorship in administered] == list(reversed(ids))
    assert foreign.json() == []
    assert too_many.status_code == 422
