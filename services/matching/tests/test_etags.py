"""Reads of versioned resources send their version as the ETag an If-Match names."""

from conftest import Profiles
from factories import Program
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.testing.plugin import ClientFactory
from tandem.matching.models import (
    Mentorship,
)


async def test_a_proposal_and_a_mentorship_are_read_with_their_version_as_etag(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    _, (pair,) = await program.completed_run(db_session)
    mentorship = Mentorship(
        organization_id=program.organization_id,
        program_id=program.id,
        proposal_id=pair.id,
        mentor_id=pair.mentor_id,
        mentee_id=pair.mentee_id,
        member_ids=pair.member_ids,
    )
    db_session.add(mentorship)
    await db_session.flush()

    proposal = await program.program_admin.get(f"/proposals/{pair.id}")
    read = await program.person(pair.mentor_id).get(f"/mentorships/{mentorship.id}")

    assert proposal.headers["ETag"] == f'"{proposal.json()["version"]}"'
    assert read.headers["ETag"] == f'"{mentorship.version}"'
