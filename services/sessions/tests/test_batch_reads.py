"""A screen's notes and agendas in one call each: a page of notes per mentorship and the agenda
of each session asked for, read as each member reads them one by one; the others' mentorships
and sessions, and another organization's, are simply left out."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from conftest import Profiles
from factories import MONDAY, as_consumer, booked_id, started_mentorship
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import AgendaRead, MentorshipNotes
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.service import Dependencies

SECRET = "Quokka-5521 is my worry"


async def _note(member: httpx.AsyncClient, mentorship_id: uuid.UUID, visibility: str) -> str:
    written = await member.post(
        f"/mentorships/{mentorship_id}/notes",
        json={"body": f"{visibility}: {SECRET}", "visibility": visibility},
    )
    assert written.status_code == 201, written.text
    return str(written.json()["id"])


def _pages(*mentorship_ids: uuid.UUID, limit: int = 10) -> dict[str, object]:
    return {"pages": [{"mentorship_id": str(each)} for each in mentorship_ids], "limit": limit}


async def test_each_mentorship_gets_the_notes_its_reader_may_read_as_the_contract_says(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    mine = await _note(members[1], started.mentorship_id, "private")
    shared = await _note(members[0], started.mentorship_id, "shared")
    await _note(members[0], started.mentorship_id, "private")
    quiet = await started_mentorship(
        db_session, dependencies, profiles, organization, member_ids=started.member_ids
    )
    sessions, token = as_consumer(members[1])

    found = await sessions.post(
        "/mentorships/notes",
        token,
        list[MentorshipNotes],
        _pages(quiet.mentorship_id, started.mentorship_id),
    )

    assert [(each.mentorship_id, each.next_cursor) for each in found] == [
        (quiet.mentorship_id, None),
        (started.mentorship_id, None),
    ]
    assert found[0].notes == []
    assert sorted(str(note.id) for note in found[1].notes) == sorted([shared, mine])


async def test_notes_page_on_from_the_cursor_given(
    started: MentorshipStarted, members: list[httpx.AsyncClient]
) -> None:
    written = [await _note(members[0], started.mentorship_id, "private") for _ in range(3)]
    sessions, token = as_consumer(members[0])

    first = await sessions.post(
        "/mentorships/notes", token, list[MentorshipNotes], _pages(started.mentorship_id, limit=2)
    )
    asked = {
        "pages": [{"mentorship_id": str(started.mentorship_id), "cursor": first[0].next_cursor}],
        "limit": 2,
    }
    rest = await sessions.post("/mentorships/notes", token, list[MentorshipNotes], asked)

    paged = [str(note.id) for note in first[0].notes + rest[0].notes]
    assert len(first[0].notes) == 2
    assert sorted(paged) == sorted(written)
    assert rest[0].cursor == first[0].next_cursor
    assert rest[0].next_cursor is None


async def test_one_mentorship_asked_at_two_cursors_gets_both_pages(
    started: MentorshipStarted, members: list[httpx.AsyncClient]
) -> None:
    for _ in range(3):
        await _note(members[0], started.mentorship_id, "private")
    sessions, token = as_consumer(members[0])
    (first,) = await sessions.post(
        "/mentorships/notes", token, list[MentorshipNotes], _pages(started.mentorship_id, limit=1)
    )
    both = {
        "pages": [
            {"mentorship_id": str(started.mentorship_id)},
            {"mentorship_id": str(started.mentorship_id), "cursor": first.next_cursor},
        ],
        "limit": 1,
    }
    forged = {"pages": [{"mentorship_id": str(started.mentorship_id), "cursor": "bm9wZQ=="}]}

    found = await sessions.post("/mentorships/notes", token, list[MentorshipNotes], both)
    refused = await members[0].post("/mentorships/notes", json=forged | {"limit": 1})

    assert [(page.cursor, len(page.notes)) for page in found] == [
        (None, 1),
        (first.next_cursor, 1),
    ]
    assert found[0].notes == first.notes
    assert found[1].notes[0].id != first.notes[0].id
    assert refused.status_code == 400


async def test_someone_elses_and_another_organizations_notes_are_left_out(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    await _note(members[0], started.mentorship_id, "shared")
    others = await started_mentorship(db_session, dependencies, profiles, organization)
    outsider = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=others.member_ids[0]
    )
    admin = client_for(Role.HR_ADMIN, organization_id=organization)
    # A member of `started`, with a token of another organization.
    elsewhere = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )
    asked = _pages(started.mentorship_id, others.mentorship_id)

    own_only = await outsider.post("/mentorships/notes", json=asked)
    answers = [await each.post("/mentorships/notes", json=asked) for each in (admin, elsewhere)]

    assert own_only.json() == [
        {
            "mentorship_id": str(others.mentorship_id),
            "cursor": None,
            "notes": [],
            "next_cursor": None,
        }
    ]
    assert [answer.status_code for answer in answers] in ([200, 200], [403, 200])
    assert answers[1].json() == []
    assert all("Quokka" not in answer.text for answer in [own_only, *answers])


async def test_a_notes_batch_is_bounded(members: list[httpx.AsyncClient]) -> None:
    too_many = _pages(*(uuid.uuid4() for _ in range(101)))
    too_long = _pages(uuid.uuid4(), limit=201)

    refused = [
        await members[0].post("/mentorships/notes", json=body)
        for body in (too_many, too_long, {"pages": [], "limit": 5})
    ]

    assert [answer.status_code for answer in refused] == [422, 422, 422]


def _an_hour_ago() -> datetime:
    return (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


async def test_each_session_gets_its_agenda_as_its_reader_sees_it(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    owner, other = members
    goal = await owner.post(
        f"/mentorships/{started.mentorship_id}/goals",
        json={"title": "Mine", "visibility": "private"},
    )
    await owner.post(
        f"/goals/{goal.json()['id']}/milestones", json={"title": "soon", "due_date": "2030-01-02"}
    )
    held = await booked_id(db_session, started.mentorship_id, _an_hour_ago())
    upcoming = await booked_id(db_session, started.mentorship_id, MONDAY)
    await other.post(f"/sessions/{upcoming}/agenda/topics", json={"title": "Career paths"})
    item = await owner.post(
        f"/sessions/{held}/action-items",
        json={"what": "Read the RFC", "owner_id": str(started.member_ids[1])},
    )
    assert item.status_code == 201, item.text
    asked = {"session_ids": [str(upcoming), str(held)]}
    owners, others = (as_consumer(member) for member in members)

    owners_view = await owners[0].post("/agendas/batch", owners[1], list[AgendaRead], asked)
    others_view = await others[0].post("/agendas/batch", others[1], list[AgendaRead], asked)
    one_by_one = [(await owner.get(f"/sessions/{each}/agenda")).json() for each in (upcoming, held)]

    assert [agenda.session_id for agenda in owners_view] == [upcoming, held]
    assert [topic.title for topic in owners_view[0].topics] == ["Career paths"]
    assert [entry.goal_id for entry in owners_view[1].milestones] == [uuid.UUID(goal.json()["id"])]
    assert others_view[1].milestones == [], "the owner's private goal stays theirs"
    assert [entry.carried_over for entry in owners_view[0].action_items] == [True]
    assert [entry.carried_over for entry in owners_view[1].action_items] == [False]
    assert owners_view[1].following_session_id == upcoming
    assert [agenda.model_dump(mode="json") for agenda in owners_view] == one_by_one


async def test_someone_elses_and_another_organizations_agendas_are_left_out(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    theirs = await booked_id(db_session, started.mentorship_id, MONDAY)
    await members[0].post(f"/sessions/{theirs}/agenda/topics", json={"title": SECRET})
    others = await started_mentorship(db_session, dependencies, profiles, organization)
    mine = await booked_id(db_session, others.mentorship_id, MONDAY + timedelta(days=1))
    outsider = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=others.member_ids[0]
    )
    elsewhere = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )
    asked = {"session_ids": [str(theirs), str(mine)]}

    own_only = await outsider.post("/agendas/batch", json=asked)
    nothing = await elsewhere.post("/agendas/batch", json=asked)

    assert [agenda["session_id"] for agenda in own_only.json()] == [str(mine)]
    assert nothing.json() == []
    assert "Quokka" not in own_only.text + nothing.text


async def test_an_agendas_batch_is_bounded(members: list[httpx.AsyncClient]) -> None:
    too_many = {"session_ids": [str(uuid.uuid4()) for _ in range(101)]}

    refused = await members[0].post("/agendas/batch", json=too_many)
    empty = await members[0].post("/agendas/batch", json={"session_ids": []})

    assert [refused.status_code, empty.status_code] == [422, 422]
