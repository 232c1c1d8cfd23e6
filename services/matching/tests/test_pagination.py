"""Every list pages to its end without a repeat or a gap, and refuses cursors it did not give."""

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from conftest import Profiles
from factories import Program
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.contracts.matching import (
    ProposalStatus,
)
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching.models import (
    Mentorship,
    Proposal,
    RematchOffer,
)


def crafted(key: Any) -> str:
    return base64.b64encode(json.dumps(key).encode()).decode()


async def every_page(client: httpx.AsyncClient, path: str) -> list[str]:
    """The ids of every item, following `next_cursor` two at a time."""
    ids: list[str] = []
    cursor: dict[str, str] = {}
    while True:
        response = await client.get(path, params={"limit": 2, **cursor})
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            return ids
        cursor = {"cursor": page["next_cursor"]}


@pytest.mark.parametrize(
    "key", [[2**31, str(uuid.uuid4())], [-(2**63), str(uuid.uuid4())], ["a", "b"], [None, None]]
)
async def test_a_crafted_proposals_cursor_is_a_400(
    client_for: ClientFactory, db_session: AsyncSession, key: Any, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, _ = await program.completed_run(db_session)

    response = await program.program_admin.get(
        f"/runs/{run}/proposals", params={"cursor": crafted(key)}
    )

    assert response.status_code == 400, response.text


@pytest.mark.parametrize("path", ["/me/proposals", "/me/mentorships", "/me/rematch-offers"])
@pytest.mark.parametrize(
    "key", [["a", "b"], [1, 2], [None, None], ["2027-01-04T09:30:00", str(uuid.uuid4())]]
)
async def test_a_crafted_cursor_of_my_lists_is_a_400(
    client_for: ClientFactory, path: str, key: Any, profiles: Profiles
) -> None:
    me = Program(client_for, profiles).person(uuid.uuid4())

    response = await me.get(path, params={"cursor": crafted(key)})

    assert response.status_code == 400, response.text


async def test_every_page_of_a_runs_proposals_comes_once(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, pairs = await program.completed_run(db_session, pairs=7)
    await db_session.execute(
        update(Proposal).where(Proposal.id.in_([pair.id for pair in pairs[:3]])).values(score=9)
    )

    ids = await every_page(program.program_admin, f"/runs/{run}/proposals")

    assert sorted(ids) == sorted(str(pair.id) for pair in pairs)


async def test_every_page_of_my_proposals_mentorships_and_offers_comes_once(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    _, pairs = await program.completed_run(db_session, pairs=5)
    me = pairs[0].mentor_id
    mentorships, offers = [], []
    for pair in pairs:
        await db_session.execute(
            update(Proposal)
            .where(Proposal.id == pair.id)
            .values(status=ProposalStatus.ACCEPTED, mentor_id=me, member_ids=[me, pair.mentee_id])
        )
        mentorship = Mentorship(
            organization_id=program.organization_id,
            program_id=program.id,
            proposal_id=pair.id,
            mentor_id=me,
            mentee_id=pair.mentee_id,
            member_ids=[me, pair.mentee_id],
        )
        db_session.add(mentorship)
        await db_session.flush()
        offer = RematchOffer(
            organization_id=program.organization_id,
            program_id=program.id,
            mentorship_id=mentorship.id,
            person_id=me,
        )
        db_session.add(offer)
        await db_session.flush()
        mentorships.append(str(mentorship.id))
        offers.append(str(offer.id))
    client = program.person(me)

    assert sorted(await every_page(client, "/me/proposals")) == sorted(str(p.id) for p in pairs)
    assert sorted(await every_page(client, "/me/mentorships")) == sorted(mentorships)
    assert sorted(await every_page(client, "/me/rematch-offers")) == sorted(offers)
