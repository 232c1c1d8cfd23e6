"""A person's erasure (profiles' `person.erased`): their words leave every table and the admins'
lists, what identifies them leaves the person row, their timers and kept answers go, and no
figure moves; told again it changes nothing; after it, their writes are refused and late events
fill nothing in; racing with their writes, it still leaves no words; over the real stream, the
worker applies it."""

import asyncio
import functools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from conftest import FakeProfiles
from factories import (
    MONDAY,
    Pair,
    deliver,
    fit,
    held_session,
    program_admin,
    rating,
    started_pair,
)
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tandem.feedback import erasure
from tandem.feedback.models import Person, SessionFeedback
from tandem.feedback.surveys import send_due_surveys
from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import FitAnswer
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.profiles import PersonCreated, PersonErased, PersonUpdated
from tandem.kit.db import create_sessionmaker
from tandem.kit.events import Envelope
from tandem.kit.testing.plugin import ClientFactory, EventNamespace
from tandem.kit.testing.workers import StartWorker, until
from tandem.kit.timers import Timer

SURVEY = {
    "title": "Halfway there",
    "questions": [
        {"kind": "nps", "prompt": "Would you recommend it to a colleague?"},
        {"kind": "text", "prompt": "Anything else?", "required": False},
    ],
    "send": {"days_after_start": 0},
    "remind_after_days": 7,
}
PAIRS = 3


@dataclass
class Words:
    """What one person wrote, each marked so that a search finds it anywhere."""

    comment: str
    concern: str
    answer: str
    department: str

    @classmethod
    def of(cls, who: str) -> "Words":
        mark = uuid.uuid4().hex[:8]
        return cls(
            f"{who} finds the sessions dull {mark}",
            f"{who} is afraid to speak up {mark}",
            f"{who} would rather leave {mark}",
            f"Cryptanalysis {mark}",
        )

    def all(self) -> list[str]:
        return [self.comment, self.concern, self.answer, self.department]


@dataclass
class Story:
    """A program whose members all gave feedback, checked in and answered a survey; `ada`, the
    first member, wrote `words`, and each other member words of their own."""

    organization: uuid.UUID
    admin: httpx.AsyncClient
    program: uuid.UUID
    pairs: list[Pair]
    survey_id: uuid.UUID
    ada: uuid.UUID
    words: Words
    others: dict[uuid.UUID, Words]


def _person(organization: uuid.UUID, person: uuid.UUID, department: str) -> PersonCreated:
    return PersonCreated(
        organization_id=organization,
        person_id=person,
        hire_date=date(2020, 5, 4),
        department=department,
        job_level=4,
        revision=1,
    )


def _erased(organization: uuid.UUID, person: uuid.UUID) -> PersonErased:
    return PersonErased(organization_id=organization, person_id=person)


@pytest.fixture
async def story(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> Story:
    """Told as `Story` says; a second survey sent after, that nobody answered yet."""
    admin, program = program_admin(client_for, profiles, organization)
    await admin.patch(
        f"/programs/{program}/feedback-settings", json={"admins_may_read_free_text": True}
    )
    pairs = [await started_pair(db_session, app, organization, program) for _ in range(PAIRS)]
    people = [person for pair in pairs for person in pair.member_ids]
    words = {person: Words.of(f"person {n}") for n, person in enumerate(people)}
    await deliver(db_session, app, *(_person(organization, p, words[p].department) for p in people))
    survey_id = await _sent_survey(admin, db_session, program)
    for pair in pairs:
        session_id = await held_session(db_session, app, pair)
        await deliver(
            db_session,
            app,
            *(rating(pair, session_id, MONDAY, n, 3 + n) for n in range(2)),
            *(fit(pair, n, FitAnswer.GOOD_FIT) for n in range(2)),
        )
        for person in pair.member_ids:
            await _write(_member(client_for, organization, person), pair, session_id, words[person])
    for person in people:
        answers = [{"question": 0, "score": 9}, {"question": 1, "text": words[person].answer}]
        member = _member(client_for, organization, person)
        responded = await member.post(f"/surveys/{survey_id}/responses", json={"answers": answers})
        assert responded.status_code == 201, responded.text
    await _sent_survey(admin, db_session, program)  # nobody answered it yet: reminders pending
    ada = people[0]
    return Story(organization, admin, program, pairs, survey_id, ada, words.pop(ada), words)


async def _sent_survey(
    admin: httpx.AsyncClient, session: AsyncSession, program: uuid.UUID
) -> uuid.UUID:
    """`SURVEY`, written by the program's admin and sent as the worker's chore would."""
    created = await admin.post(f"/programs/{program}/surveys", json=SURVEY)
    assert created.status_code == 201, created.text
    await send_due_surveys(session, 1000)
    await session.commit()
    return uuid.UUID(created.json()["id"])


def _member(client_for: ClientFactory, organization: uuid.UUID, person: uuid.UUID) -> Any:
    return client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)


async def _write(
    member: httpx.AsyncClient, pair: Pair, session_id: uuid.UUID, words: Words
) -> None:
    """Feedback with a comment (sent with an Idempotency-Key: its answer is kept), and a
    check-in with a concern."""
    given = await member.post(
        f"/sessions/{session_id}/feedback",
        json={"rating": 4, "got_what_needed": True, "comment": words.comment},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert given.status_code == 201, given.text
    checked_in = await member.post(
        f"/mentorships/{pair.mentorship_id}/checkins",
        json={"satisfaction": 2, "progress": 3, "concern": words.concern},
    )
    assert checked_in.status_code == 201, checked_in.text


async def _columns_holding(session: AsyncSession, words: list[str]) -> set[str]:
    """Every column of every table (`table.column`) holding any of `words` in any row."""
    columns = await session.execute(
        text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    )
    found = set()
    for table, column, kind in columns:
        as_text = f"convert_from(\"{column}\", 'UTF8')" if kind == "bytea" else f'"{column}"::text'
        for word in words:
            hits = await session.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE {as_text} LIKE :word'),
                {"word": f"%{word}%"},
            )
            if hits:
                found.add(f"{table}.{column}")
    return found


async def _figures(story: Story) -> dict[str, Any]:
    """The program's figures as its admin reads them, but for those by department (an erased
    person's department is forgotten: they count among people without one) and the survey's
    texts (they are words)."""
    board = (await story.admin.get(f"/programs/{story.program}/dashboard")).json()
    del board["departments"], board["department_sessions"]
    results = (await story.admin.get(f"/surveys/{story.survey_id}/results")).json()
    texts = results["questions"][1].pop("texts")
    assert texts is not None
    return {"board": board, "results": results}


async def _timers_for(session: AsyncSession, person: uuid.UUID) -> list[str]:
    found = await session.scalars(
        select(Timer.key)
        .where(Timer.payload["person_id"].astext == str(person))
        .execution_options(populate_existing=True)
    )
    return list(found)


async def _rows(session: AsyncSession) -> dict[str, list[str]]:
    """Every row of every table but the inbox (a new event adds its id there), as text."""
    tables = await session.scalars(
        text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_name NOT IN ('inbox', 'alembic_version')"
        )
    )
    rows = {}
    for table in list(tables):
        found = await session.scalars(text(f'SELECT t::text FROM "{table}" t ORDER BY 1'))
        rows[table] = list(found)
    return rows


async def test_an_erasure_leaves_no_words_of_theirs_anywhere_and_moves_no_figure(
    story: Story, client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    organization = story.organization
    everyone_elses = [word for words in story.others.values() for word in words.all()]
    assert await _columns_holding(db_session, story.words.all()) == {
        "session_feedback.comment",
        "progress_checkin.concern",
        "survey_response.answers",
        "person.department",
        "idempotency_key.body",
    }
    before = await _figures(story)
    timers = {key.split(":")[0] for key in await _timers_for(db_session, story.ada)}
    assert timers == {"checkin.due", "survey.reminder"}

    erasure = Envelope.wrap(_erased(organization, story.ada), "profiles")
    await deliver(db_session, app, erasure)

    assert await _columns_holding(db_session, story.words.all()) == set()
    assert await _figures(story) == before
    person = await db_session.get(Person, story.ada, populate_existing=True)
    assert person is not None
    assert (person.hire_date, person.department, person.job_level) == (None, None, None)
    assert person.erased_at is not None
    assert await _timers_for(db_session, story.ada) == []
    assert await _timers_for(db_session, story.pairs[0].member_ids[1]) != []
    assert len(await _columns_holding(db_session, everyone_elses)) == 5, "others keep theirs"

    feedback = (await story.admin.get(f"/programs/{story.program}/feedback")).json()["items"]
    flagged = await story.admin.get(f"/programs/{story.program}/flagged-checkins")
    results = (await story.admin.get(f"/surveys/{story.survey_id}/results")).json()
    comments = {item["author_id"]: item["comment"] for item in feedback}
    concerns = {item["author_id"]: item["concern"] for item in flagged.json()["items"]}
    others = {str(person): words for person, words in story.others.items()}
    assert comments == {str(story.ada): None} | {p: w.comment for p, w in others.items()}
    assert concerns == {str(story.ada): None} | {p: w.concern for p, w in others.items()}
    assert results["questions"][1]["texts"] == sorted(w.answer for w in others.values())

    told = await _rows(db_session)
    await deliver(db_session, app, erasure, _erased(organization, story.ada))
    assert await _rows(db_session) == told


async def test_after_an_erasure_their_writes_are_refused_and_late_events_fill_nothing_in(
    story: Story, client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    organization = story.organization
    ada = _member(client_for, organization, story.ada)
    pair = story.pairs[0]
    await deliver(db_session, app, _erased(organization, story.ada))
    feedback_id = (await ada.get("/me/feedback")).json()["items"][0]["id"]
    session_id = uuid.uuid4()
    new = Pair(organization, story.program, member_ids=[story.ada, uuid.uuid4()])
    late_move = PersonUpdated(
        organization_id=organization,
        person_id=story.ada,
        changed=["department"],
        manager_id=None,
        time_zone="UTC",
        status="active",
        department=story.words.department,
        job_level=5,
        revision=9,
    )
    late_started = MentorshipStarted.model_validate(new.started().model_dump())

    await deliver(
        db_session,
        app,
        _person(organization, story.ada, story.words.department),
        late_move,
        late_started,
        rating(pair, session_id, MONDAY, 0, 2),
    )
    writes = [
        await ada.post(
            f"/sessions/{session_id}/feedback",
            json={"rating": 4, "got_what_needed": True, "comment": story.words.comment},
        ),
        await ada.patch(f"/feedback/{feedback_id}", json={"comment": story.words.comment}),
        await ada.post(
            f"/mentorships/{pair.mentorship_id}/checkins",
            json={"satisfaction": 2, "progress": 3, "concern": story.words.concern},
        ),
        await ada.post(
            f"/surveys/{story.survey_id}/responses",
            json={"answers": [{"question": 0, "score": 9}]},
        ),
        await ada.post(
            f"/mentorships/{pair.mentorship_id}/fit-checkin", json={"answer": "good_fit"}
        ),
    ]

    assert [(w.status_code, w.json()["title"]) for w in writes] == [(403, "PersonWasErased")] * 5
    assert await _columns_holding(db_session, story.words.all()) == set()
    person = await db_session.get(Person, story.ada, populate_existing=True)
    assert person is not None
    assert (person.hire_date, person.department, person.job_level) == (None, None, None)
    assert await _timers_for(db_session, story.ada) == []
    assert await _timers_for(db_session, new.member_ids[1]) != []
    board = (await story.admin.get(f"/programs/{story.program}/dashboard")).json()
    assert board["total"]["ratings"] == 2 * PAIRS + 1, "a late rating of theirs still counts"
    later = await _sent_survey(story.admin, db_session, story.program)
    mine = (await ada.get("/me/surveys")).json()["items"]
    assert str(later) not in [survey["id"] for survey in mine]


async def _held_pairs(
    app: FastAPI, organization: uuid.UUID, count: int
) -> tuple[list[Pair], list[uuid.UUID]]:
    """`count` pairs, each with a session held, committed."""
    async with app.state.sessionmaker() as session:
        pairs = [await started_pair(session, app, organization) for _ in range(count)]
        return pairs, [await held_session(session, app, pair) for pair in pairs]


async def _erase(app: FastAPI, organization: uuid.UUID, person: uuid.UUID) -> None:
    """The person's erasure, applied as the worker would, in a transaction of its own."""
    async with app.state.sessionmaker() as session:
        await deliver(session, app, _erased(organization, person))


async def test_an_erasure_racing_with_their_writes_leaves_no_words(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    """Each of ten people gives feedback with a comment and checks in with a concern while
    their erasure is applied: whichever comes first, no word of theirs stays."""
    sessions = app.state.sessionmaker
    pairs, held = await _held_pairs(app, organization, 10)
    erase = functools.partial(_erase, app, organization)

    async def race(pair: Pair, session_id: uuid.UUID) -> list[int]:
        member = committing_client_for(
            Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
        )
        words = Words.of("racer")
        given, checked_in, _ = await asyncio.gather(
            member.post(
                f"/sessions/{session_id}/feedback",
                json={"rating": 4, "got_what_needed": True, "comment": words.comment},
            ),
            member.post(
                f"/mentorships/{pair.mentorship_id}/checkins",
                json={"satisfaction": 2, "progress": 3, "concern": words.concern},
            ),
            erase(pair.member_ids[0]),
        )
        return [given.status_code, checked_in.status_code]

    outcomes = await asyncio.gather(*map(race, pairs, held))

    assert {code for codes in outcomes for code in codes} <= {201, 403}
    async with sessions() as session:
        comments = await session.scalars(
            select(SessionFeedback.comment).where(SessionFeedback.organization_id == organization)
        )
        assert list(comments) == [None] * sum(given == 201 for given, _ in outcomes)
        assert await _columns_holding(session, ["racer"]) == set()


async def test_an_erasure_published_on_the_stream_is_applied_by_the_worker(
    own_engine: AsyncEngine,
    app: FastAPI,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    """Ada's feedback and person row in the worker's own database; her erasure published
    twice (a redelivery JetStream keeps), the worker running as deployed."""
    organization = uuid.uuid4()
    sessions = create_sessionmaker(own_engine, "feedback")
    words = Words.of("Ada")
    async with sessions() as session:
        pair = await started_pair(session, app, organization)
        ada = pair.member_ids[0]
        await deliver(session, app, _person(organization, ada, words.department))
        session.add(
            SessionFeedback(
                organization_id=organization,
                session_id=uuid.uuid4(),
                mentorship_id=pair.mentorship_id,
                program_id=pair.program_id,
                author_id=ada,
                session_start=MONDAY,
                rating=4,
                got_what_needed=True,
                comment=words.comment,
                editable_until=MONDAY,
            )
        )
        await session.commit()
    erasure = Envelope.wrap(_erased(organization, ada), "profiles")
    for _ in range(2):
        await own_js.publish(
            own_event_namespace.subject_prefix + erasure.type,
            erasure.model_dump_json().encode(),
            headers={"Nats-Msg-Id": uuid.uuid4().hex},
        )

    start_worker()

    async def forgotten() -> bool:
        async with sessions() as session:
            person = await session.get(Person, ada)
            return person is not None and person.erased_at is not None

    await until(forgotten, timeout=60)
    async with sessions() as session:
        assert await _columns_holding(session, words.all()) == set()
        assert await _timers_for(session, ada) == []


async def test_the_export_holds_everything_of_theirs_and_nothing_of_anyone_elses(
    story: Story, client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    organization = story.organization
    ada = _member(client_for, organization, story.ada)
    elsewhere = client_for(Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=story.ada)
    fitted = await ada.post(
        f"/mentorships/{story.pairs[0].mentorship_id}/fit-checkin", json={"answer": "good_fit"}
    )
    assert fitted.status_code == 201, fitted.text

    answer = await ada.get("/me/feedback-export")

    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    exported = answer.json()
    assert exported["person"] == {
        "hire_date": "2020-05-04",
        "department": story.words.department,
        "job_level": 4,
        "participant": False,
        "left_at": None,
        "erased_at": None,
    }
    assert [item["comment"] for item in exported["session_feedback"]] == [story.words.comment]
    assert [item["answer"] for item in exported["fit_checkins"]] == ["good_fit"]
    assert [item["concern"] for item in exported["checkins"]] == [story.words.concern]
    received = [item["survey_id"] for item in exported["surveys_received"]]
    assert len(received) == 2
    assert str(story.survey_id) in received
    assert [item["answers"] for item in exported["survey_responses"]] == [
        [
            {"question": 0, "score": 9, "choices": None, "text": None},
            {"question": 1, "score": None, "choices": None, "text": story.words.answer},
        ]
    ]
    authors = [
        item[author]
        for kind, author in [
            ("session_feedback", "author_id"),
            ("fit_checkins", "author_id"),
            ("checkins", "author_id"),
            ("survey_responses", "respondent_id"),
        ]
        for item in exported[kind]
    ]
    assert set(authors) == {str(story.ada)}
    assert not [w for words in story.others.values() for w in words.all() if w in answer.text]
    foreign = (await elsewhere.get("/me/feedback-export")).json()
    assert (foreign["person"], foreign["session_feedback"], foreign["checkins"]) == (None, [], [])
    assert (foreign["fit_checkins"], foreign["survey_responses"]) == ([], [])
    assert foreign["surveys_received"] == []

    await deliver(db_session, app, _erased(organization, story.ada))
    after = await ada.get("/me/feedback-export")

    assert not [word for word in story.words.all() if word in after.text]
    assert after.json()["person"]["erased_at"] is not None
    assert len(after.json()["checkins"]) == 1, "their numbers stay, and are still theirs"


async def _waiting_for_a_lock(session: AsyncSession, count: int) -> bool:
    waiting = await session.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    return waiting == count


async def test_a_write_and_an_erasure_in_either_order_leave_no_words(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    """The person held while their feedback with a comment and their erasure queue up behind,
    in one order and then the other; let go, each runs in its turn: the feedback given first
    is blanked, the one sent after is refused."""
    sessions = app.state.sessionmaker
    pairs, held = await _held_pairs(app, organization, 2)
    erase = functools.partial(_erase, app, organization)

    async def give(person: uuid.UUID, session_id: uuid.UUID) -> int:
        member = committing_client_for(
            Role.PARTICIPANT, organization_id=organization, person_id=person
        )
        comment = {"rating": 4, "got_what_needed": True, "comment": Words.of("queued").comment}
        given = await member.post(f"/sessions/{session_id}/feedback", json=comment)
        return given.status_code

    async def in_turn(pair: Pair, session_id: uuid.UUID, *, feedback_first: bool) -> Any:
        person = pair.member_ids[0]
        steps = [give(person, session_id), erase(person)]
        async with sessions() as holder, sessions() as watcher:
            await erasure.hold_person(holder, organization, person)
            first = asyncio.create_task(steps[0 if feedback_first else 1])
            await until(lambda: _waiting_for_a_lock(watcher, 1), timeout=20)
            second = asyncio.create_task(steps[1 if feedback_first else 0])
            await until(lambda: _waiting_for_a_lock(watcher, 2), timeout=20)
            await holder.rollback()
            return (await asyncio.gather(first, second))[0 if feedback_first else 1]

    given = [
        await in_turn(pairs[0], held[0], feedback_first=True),
        await in_turn(pairs[1], held[1], feedback_first=False),
    ]

    assert given == [201, 403]
    async with sessions() as session:
        comments = await session.scalars(
            select(SessionFeedback.comment).where(SessionFeedback.organization_id == organization)
        )
        assert list(comments) == [None]
        assert await _columns_holding(session, ["queued"]) == set()
