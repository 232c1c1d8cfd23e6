"""Program surveys: written by the program's admins, sent once at their point to the program's
participants, answered once by each (their answers theirs alone), results in aggregate with
small groups suppressed and text only where the program allows it, reminders dropped for those
who answered; and the program's NPS and response rate on its dashboard and in its CSV, built
from facts."""

import asyncio
import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import FakeProfiles
from factories import Pair, deliver, emitted, started_pair
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.kpis.surveys import (
    Answered,
    net_promoter_score,
    nps_category,
    question_results,
)
from tandem.feedback.models import Survey
from tandem.feedback.surveys import send_due_surveys
from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import (
    NetPromoterScore,
    SurveyQuestion,
    SurveyResponded,
    SurveySent,
)
from tandem.kit.contracts.profiles import PersonDeactivated
from tandem.kit.events import Envelope
from tandem.kit.testing.plugin import ClientFactory
from tandem.kit.timers import Timer

QUESTIONS: list[dict[str, Any]] = [
    {"kind": "scale", "prompt": "How useful is the program?"},
    {"kind": "nps", "prompt": "Would you recommend it to a colleague?"},
    {"kind": "single_choice", "prompt": "Where do you meet?", "choices": ["office", "video"]},
    {
        "kind": "multiple_choice",
        "prompt": "What helped?",
        "choices": ["goals", "agendas", "notes"],
        "required": False,
    },
    {"kind": "text", "prompt": "Anything else?", "required": False},
]
SURVEY = {
    "title": "Halfway there",
    "questions": QUESTIONS,
    # The fake programs started on 2026-01-01: a point long past, due at once.
    "send": {"days_after_start": 0},
    "remind_after_days": 7,
}
SECRET = "My mentor talks only about himself"
BATCH = 1000


def answers(scale: int = 4, nps: int = 9, where: int = 0, **more: Any) -> dict[str, Any]:
    given = [
        {"question": 0, "score": scale},
        {"question": 1, "score": nps},
        {"question": 2, "choices": [where]},
    ]
    if "helped" in more:
        given.append({"question": 3, "choices": more["helped"]})
    if "text" in more:
        given.append({"question": 4, "text": more["text"]})
    return {"answers": given}


async def _sent_survey(
    client_for: ClientFactory,
    session: AsyncSession,
    organization: uuid.UUID,
    program: uuid.UUID,
    admin_id: uuid.UUID,
    survey: dict[str, Any] = SURVEY,
) -> uuid.UUID:
    """Written by the program's admin, then sent as the worker's chore would (committed: in a
    test's transaction, so that a refused request's rollback keeps it)."""
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    created = await admin.post(f"/programs/{program}/surveys", json=survey)
    assert created.status_code == 201, created.text
    await send_due_surveys(session, BATCH)
    await session.commit()
    return uuid.UUID(created.json()["id"])


@dataclass
class Surveyed:
    """A program (with its admin), the pairs of its mentorships, and a survey sent to them."""

    program: uuid.UUID
    admin_id: uuid.UUID
    pairs: list[Pair]
    survey_id: uuid.UUID


SurveyTo = Callable[[int], Awaitable[Surveyed]]


@pytest.fixture
def survey_to(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> SurveyTo:
    """`await survey_to(n)`: a program of `n` pairs, sent `SURVEY`."""

    async def make(pairs: int) -> Surveyed:
        admin_id = uuid.uuid4()
        program = profiles.add_program(organization, admin_ids=[admin_id])
        started = [await started_pair(db_session, app, organization, program) for _ in range(pairs)]
        survey_id = await _sent_survey(client_for, db_session, organization, program, admin_id)
        return Surveyed(program, admin_id, started, survey_id)

    return make


def _member(client_for: ClientFactory, pair: Pair, index: int) -> Any:
    return client_for(
        Role.PARTICIPANT, organization_id=pair.organization_id, person_id=pair.member_ids[index]
    )


async def _reminded(session: AsyncSession, survey_id: uuid.UUID) -> set[str]:
    """The people whose reminder of the survey is pending."""
    timers = await session.scalars(
        select(Timer)
        .where(Timer.key.startswith(f"survey.reminder:{survey_id}:"), Timer.fired_at.is_(None))
        .execution_options(populate_existing=True)
    )
    return {timer.payload["person_id"] for timer in timers}


async def test_a_survey_goes_out_once_to_the_members_of_the_programs_mentorships(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    pairs = [await started_pair(db_session, app, organization, program) for _ in range(2)]
    elsewhere = await started_pair(db_session, app, organization)
    leaver = pairs[1].member_ids[1]
    await deliver(
        db_session,
        app,
        PersonDeactivated(organization_id=organization, person_id=leaver, status="left"),
    )

    survey_id = await _sent_survey(client_for, db_session, organization, program, admin_id)
    sent_again = await send_due_surveys(db_session, BATCH)

    assert sent_again == 0
    recipients = {str(p) for pair in pairs for p in pair.member_ids} - {str(leaver)}
    survey = await db_session.get(Survey, survey_id)
    assert survey is not None
    assert (survey.status, survey.recipients) == ("sent", 3)
    sent = [e for e in await emitted(db_session, organization) if e["type"] == SurveySent.type]
    assert len(sent) == 1
    assert set(sent[0]["recipient_ids"]) == recipients
    assert set(sent[0]) == {"type", "organization_id", "survey_id", "program_id"} | {
        "recipient_ids",
        "sent_at",
    }
    assert await _reminded(db_session, survey_id) == recipients
    mine = (await _member(client_for, pairs[0], 0).get("/me/surveys")).json()["items"]
    assert [item["id"] for item in mine] == [str(survey_id)]
    assert mine[0]["questions"][2]["choices"] == ["office", "video"]
    assert (await _member(client_for, elsewhere, 0).get("/me/surveys")).json()["items"] == []
    listed = await client_for(Role.HR_ADMIN, organization_id=organization).get(
        f"/programs/{program}/surveys"
    )
    assert [item["status"] for item in listed.json()["items"]] == ["sent"]


async def test_a_survey_waits_for_its_point(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    pair = await started_pair(db_session, app, organization, program)
    at_the_end = SURVEY | {"send": {"on": "2099-12-31"}}

    survey_id = await _sent_survey(
        client_for, db_session, organization, program, admin_id, at_the_end
    )

    survey = await db_session.get(Survey, survey_id)
    assert survey is not None
    assert (survey.status, survey.send_at.isoformat()) == ("scheduled", "2099-12-31T09:00:00+00:00")
    assert (await _member(client_for, pair, 0).get(f"/surveys/{survey_id}")).status_code == 404


async def test_only_the_programs_admins_write_surveys_and_only_valid_ones(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    path = f"/programs/{program}/surveys"
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    choice = {"kind": "single_choice", "prompt": "Which?"}
    invalid = [
        {"questions": []},
        {"questions": [QUESTIONS[0]] * 31},
        {"questions": [choice | {"choices": ["only"]}]},
        {"questions": [choice | {"choices": ["same", "same"]}]},
        {"questions": [choice | {"choices": ["x" * 201, "y"]}]},
        {"questions": [QUESTIONS[0] | {"choices": ["a", "b"]}]},
        {"questions": [QUESTIONS[1], QUESTIONS[1]]},
        {"questions": [QUESTIONS[0] | {"prompt": "x" * 501}]},
        {"questions": [{"kind": "essay", "prompt": "?"}]},
        {"title": ""},
        {"send": {}},
        {"send": {"on": "2026-06-01", "days_after_start": 3}},
        {"send": {"days_before_end": -1}},
        {"remind_after_days": 0},
        {"remind_after_days": 61},
    ]

    for change in invalid:
        answer = await admin.post(path, json=SURVEY | change)
        assert answer.status_code == 422, (change, answer.text)
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=admin_id)
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())
    assert (await participant.post(path, json=SURVEY)).status_code == 403
    assert (await other_admin.post(path, json=SURVEY)).status_code == 403
    assert (await foreign.post(path, json=SURVEY)).status_code == 404
    assert (await foreign.get(path)).status_code == 404
    at_the_end = await admin.post(path, json=SURVEY | {"send": {"days_before_end": 0}})
    assert at_the_end.json()["send_at"] == "2026-12-31T09:00:00Z"
    assert (await admin.get(path)).json()["items"][0]["id"] == at_the_end.json()["id"]


async def test_each_recipient_answers_once_and_reads_only_their_own_answers(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    survey_to: SurveyTo,
    organization: uuid.UUID,
) -> None:
    surveyed = await survey_to(1)
    pair, survey_id = surveyed.pairs[0], surveyed.survey_id
    elsewhere = await started_pair(db_session, app, organization)
    path = f"/surveys/{survey_id}/responses"
    member, partner = _member(client_for, pair, 0), _member(client_for, pair, 1)

    given = await member.post(path, json=answers(text=SECRET, helped=[0, 2]))
    again = await member.post(path, json=answers(scale=1))

    assert given.status_code == 201, given.text
    assert (again.status_code, again.json()["title"]) == (409, "SurveyAlreadyAnswered")
    own = (await member.get(f"{path}/me")).json()
    assert own["answers"][0] == {"question": 0, "score": 4, "choices": None, "text": None}
    assert own["answers"][-1]["text"] == SECRET
    assert (await partner.get(f"{path}/me")).status_code == 404
    assert (await partner.get(f"/surveys/{survey_id}")).status_code == 200
    outsider = _member(client_for, elsewhere, 0)
    assert (await outsider.get(f"/surveys/{survey_id}")).status_code == 404
    assert (await outsider.post(path, json=answers())).status_code == 404
    foreign = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=pair.member_ids[1]
    )
    assert (await foreign.post(path, json=answers())).status_code == 404
    assert (await foreign.get(f"/surveys/{survey_id}")).status_code == 404
    assert await _reminded(db_session, survey_id) == {str(pair.member_ids[1])}
    responded = [
        e for e in await emitted(db_session, organization) if e["type"] == SurveyResponded.type
    ]
    assert [(e["respondent_id"], e["nps"]) for e in responded] == [(str(pair.member_ids[0]), 9)]
    assert SECRET not in str(await emitted(db_session, organization))


async def test_answers_that_do_not_fit_the_questions_are_refused(
    client_for: ClientFactory, survey_to: SurveyTo
) -> None:
    surveyed = await survey_to(1)
    survey_id = surveyed.survey_id
    member = _member(client_for, surveyed.pairs[0], 0)
    required = answers()["answers"]
    unfit = [
        [{"question": 0, "score": 6}, *required[1:]],
        [{"question": 0, "score": 0}, *required[1:]],
        [{"question": 0, "text": "good"}, *required[1:]],
        [{"question": 0, "score": 3, "text": "good"}, *required[1:]],
        [*required[:2], {"question": 2, "choices": [2]}],
        [*required[:2], {"question": 2, "choices": [0, 1]}],
        [*required, {"question": 3, "choices": []}],
        [*required, {"question": 3, "choices": [1, 1]}],
        [*required, {"question": 4, "score": 5}],
        [*required, {"question": 5, "text": "x"}],
        [*required, required[0]],
        required[1:],
        [*required, {"question": 4, "text": ""}],
        [*required, {"question": 4, "text": "x" * 2001}],
        [*required[:1], {"question": 1, "score": 11}, *required[2:]],
    ]

    for given in unfit:
        answer = await member.post(f"/surveys/{survey_id}/responses", json={"answers": given})
        assert answer.status_code == 422, (given, answer.text)
    assert (await member.get(f"/surveys/{survey_id}/responses/me")).status_code == 404
    fitting = await member.post(f"/surveys/{survey_id}/responses", json=answers())
    assert fitting.status_code == 201, fitting.text


async def test_concurrent_responses_of_one_person_keep_one(
    committing_client_for: ClientFactory,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    async with app.state.sessionmaker() as session:
        pair = await started_pair(session, app, organization, program)
    admin = committing_client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id
    )
    created = await admin.post(f"/programs/{program}/surveys", json=SURVEY)
    async with app.state.sessionmaker() as session, session.begin():
        await send_due_surveys(session, BATCH)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    path = f"/surveys/{created.json()['id']}/responses"

    given = await asyncio.gather(
        *(member.post(path, json=answers(scale=n % 5 + 1)) for n in range(10))
    )

    assert sorted(a.status_code for a in given) == [201] + [409] * 9, [a.text for a in given]
    kept = (await member.get(f"{path}/me")).json()
    assert kept["id"] == next(a.json()["id"] for a in given if a.status_code == 201)


async def test_a_survey_written_concurrently_under_one_idempotency_key_is_written_once(
    committing_client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    admin = committing_client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id
    )
    path, once = f"/programs/{program}/surveys", {"Idempotency-Key": str(uuid.uuid4())}

    written = await asyncio.gather(*(admin.post(path, json=SURVEY, headers=once) for _ in range(6)))

    assert {a.status_code for a in written} <= {201, 409}, [a.text for a in written]
    assert {a.json()["id"] for a in written if a.status_code == 201} == {
        item["id"] for item in (await admin.get(path)).json()["items"]
    }
    assert len((await admin.get(path)).json()["items"]) == 1


async def test_concurrent_sendings_send_a_survey_once(
    committing_client_for: ClientFactory,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    async with app.state.sessionmaker() as session:
        await started_pair(session, app, organization, program)
    admin = committing_client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id
    )
    await admin.post(f"/programs/{program}/surveys", json=SURVEY)

    async def send() -> None:
        async with app.state.sessionmaker() as session, session.begin():
            await send_due_surveys(session, BATCH)

    await asyncio.gather(*(send() for _ in range(4)))

    async with app.state.sessionmaker() as session:
        sent = [e for e in await emitted(session, organization) if e["type"] == SurveySent.type]
    assert len(sent) == 1


async def test_results_aggregate_the_answers_and_hide_small_groups_and_text_unless_allowed(
    client_for: ClientFactory, survey_to: SurveyTo, organization: uuid.UUID
) -> None:
    """Twelve recipients, ten answer: half a 5, half a 4; five promoters and five detractors;
    nine meet at the office and one by video (so both are hidden: the total minus one would
    give the other away); five write something; four say what helped."""
    surveyed = await survey_to(6)
    program, admin_id, survey_id = surveyed.program, surveyed.admin_id, surveyed.survey_id
    people = [(pair, index) for pair in surveyed.pairs for index in (0, 1)][:10]
    for n, (pair, index) in enumerate(people):
        extra: dict[str, Any] = {"text": f"answer {n}"} if n < 5 else {}
        if n < 4:
            extra["helped"] = [0]
        given = answers(scale=5 if n % 2 else 4, nps=10 if n < 5 else 3, where=int(n == 9), **extra)
        answer = await _member(client_for, pair, index).post(
            f"/surveys/{survey_id}/responses", json=given
        )
        assert answer.status_code == 201, answer.text
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)

    results = (await admin.get(f"/surveys/{survey_id}/results")).json()

    assert (results["recipients"], results["respondents"], results["response_rate"]) == (
        12,
        10,
        0.833,
    )
    scale, nps, where, helped, text = results["questions"]
    assert (scale["answered"], scale["average"]) == (10, 4.5)
    assert [(o["option"], o["people"]) for o in scale["options"]] == [
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 5),
        (5, 5),
    ]
    assert nps["nps"] == {"score": 0.0, "promoters": 5, "passives": 0, "detractors": 5}
    assert [(o["suppressed"], o["people"]) for o in where["options"]] == [(True, None)] * 2
    assert (helped["suppressed"], helped["answered"], helped["options"]) == (True, None, [])
    assert (text["answered"], text["texts"], text["texts_hidden"]) == (5, None, True)
    await admin.patch(
        f"/programs/{program}/feedback-settings", json={"admins_may_read_free_text": True}
    )
    allowed = (await admin.get(f"/surveys/{survey_id}/results")).json()["questions"][4]
    assert (allowed["texts"], allowed["texts_hidden"]) == ([f"answer {n}" for n in range(5)], False)


async def test_results_are_for_the_programs_admins_only(
    client_for: ClientFactory, survey_to: SurveyTo, organization: uuid.UUID
) -> None:
    surveyed = await survey_to(1)
    pair, survey_id = surveyed.pairs[0], surveyed.survey_id
    path = f"/surveys/{survey_id}/results"
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    assert (await _member(client_for, pair, 0).get(path)).status_code == 403
    assert (await other_admin.get(path)).status_code == 403
    assert (await other_admin.get(f"/surveys/{survey_id}")).status_code == 403
    assert (await foreign.get(path)).status_code == 404
    few = (await hr.get(path)).json()
    assert (few["recipients"], few["respondents"], few["response_rate"]) == (2, None, None)
    assert all(question["suppressed"] for question in few["questions"])


def _sent(pair: Pair, survey_id: uuid.UUID, recipients: list[uuid.UUID]) -> SurveySent:
    return SurveySent(
        organization_id=pair.organization_id,
        survey_id=survey_id,
        program_id=pair.program_id,
        recipient_ids=recipients,
        sent_at="2026-06-01T09:00:00Z",
    )


def _responded(pair: Pair, survey_id: uuid.UUID, person: uuid.UUID, nps: int) -> SurveyResponded:
    return SurveyResponded(
        organization_id=pair.organization_id,
        response_id=uuid.uuid5(survey_id, str(person)),
        survey_id=survey_id,
        program_id=pair.program_id,
        respondent_id=person,
        nps=nps,
    )


async def test_the_dashboard_counts_nps_and_response_rate_once_whatever_the_order(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    """Eight recipients; six answer, four promoters and two detractors (too few to show: the
    promoters are hidden with them, and so is the score, which would give them away); a
    response whose survey's sending has not arrived yet waits for it; redelivered facts count
    once."""
    program = profiles.add_program(organization)
    pair = Pair(organization, program)
    survey_id = uuid.uuid4()
    people = [uuid.uuid4() for _ in range(8)]
    responses = [
        Envelope.wrap(_responded(pair, survey_id, person, score), "test")
        for person, score in zip(people, [10, 9, 10, 9, 2, 5], strict=False)
    ]
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    async def surveys() -> dict[str, Any]:
        board: dict[str, Any] = (await hr.get(f"/programs/{program}/dashboard")).json()
        return board["surveys"]

    await deliver(db_session, app, *responses)
    early = await surveys()
    sent = Envelope.wrap(_sent(pair, survey_id, people), "test")
    await deliver(db_session, app, sent, sent, *responses)

    assert early["surveys_sent"] == 0
    assert early["nps"]["score"] is None
    assert await surveys() == {
        "surveys_sent": 1,
        "nps": {"score": None, "promoters": None, "passives": 0, "detractors": None},
        "nps_responses": 6,
        "recipients": 8,
        "responses": 6,
        "response_rate": 0.75,
    }
    report = (await hr.get(f"/programs/{program}/report")).text
    assert "<h2>Surveys</h2>" in report
    assert "<th>Answered</th><td>75%</td>" in report
    assert "<th>Net promoter score (-100 to 100)</th><td>not shown (too few people)" in report
    exported = (await hr.get(f"/programs/{program}/dashboard.csv")).text
    total = next(csv.DictReader(io.StringIO(exported)))
    assert total["period_start"] == "total"
    figures = ("surveys_sent", "survey_response_rate", "nps", "nps_responses")
    assert [total[name] for name in figures] == ["1", "0.75", "", "6"]


def test_nps_counts_promoters_passives_and_detractors_and_hides_a_small_one_with_the_score() -> (
    None
):
    person = [uuid.uuid4() for _ in range(15)]
    scores = [10] * 5 + [7] * 5 + [6] * 5

    balanced = net_promoter_score(zip(scores, person, strict=True))
    keen = net_promoter_score(zip([9] * 6, person, strict=False))
    one_detractor = net_promoter_score(zip([9] * 6 + [0], person, strict=False))

    assert balanced == NetPromoterScore(score=0.0, promoters=5, passives=5, detractors=5)
    assert keen == NetPromoterScore(score=100.0, promoters=6, passives=0, detractors=0)
    assert one_detractor == NetPromoterScore(
        score=None, promoters=None, passives=0, detractors=None
    )
    assert [nps_category(score) for score in (0, 6, 7, 8, 9, 10)] == [
        "detractors",
        "detractors",
        "passives",
        "passives",
        "promoters",
        "promoters",
    ]


def test_a_choice_picked_by_few_is_hidden_alone_when_choices_do_not_add_up() -> None:
    """Multiple choice: one person picks several, so no total gives a hidden choice away."""
    people = [uuid.uuid4() for _ in range(6)]
    question = SurveyQuestion(kind="multiple_choice", prompt="?", choices=["a", "b", "c"])
    picked = [Answered(p, choices=(0, 1) if n < 2 else (0,)) for n, p in enumerate(people)]

    results = question_results(3, question, picked, texts_allowed=True)

    assert [(o.option, o.people) for o in results.options] == [(0, 6), (1, None), (2, 0)]
