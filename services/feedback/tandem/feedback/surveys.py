"""Program surveys: an admin writes one and names when it goes out; at that time it is sent to
the program's participants (the members of its mentorships as feedback knows them, but for
those who left), who answer once each, are reminded once if they have not after the days the
survey names, and read only their own answers. The program's admins read the results in
aggregate (small groups suppressed) and text answers only where the program allows it."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.erasure import refuse_if_erased
from tandem.feedback.errors import AnswersDoNotFit, SurveyAlreadyAnswered, SurveyNotFound
from tandem.feedback.kpis.suppression import MINIMUM_GROUP
from tandem.feedback.kpis.surveys import Answered, question_results
from tandem.feedback.models import RESPONSE_ONCE_PER_PERSON, Survey, SurveyResponse
from tandem.feedback.program_settings import admins_read_free_text
from tandem.feedback.repository import (
    SurveyFactRepository,
    SurveyKey,
    SurveyRepository,
    SurveyResponseRepository,
)
from tandem.feedback.schemas import SendPoint, SurveyCreate, SurveyResponseCreate
from tandem.feedback.service import Dependencies, administered_program, own_person_id
from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.feedback import (
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    SurveyReminderDue,
    SurveyResponded,
    SurveyResultsRead,
    SurveySent,
    SurveyStatus,
)
from tandem.kit.db import constraint_errors
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.timers import cancel_timer, set_timer

SEND_TIME = time(9, 0, tzinfo=UTC)
"""A survey goes out at this time on its day."""


def _now() -> datetime:
    return datetime.now(UTC)


def send_at(point: SendPoint, program_start: date, program_end: date) -> datetime:
    if point.on is not None:
        day = point.on
    elif point.days_after_start is not None:
        day = program_start + timedelta(days=point.days_after_start)
    else:
        day = program_end - timedelta(days=point.days_before_end or 0)
    return datetime.combine(day, SEND_TIME)


# What admins do --------------------------------------------------------------------------------


async def create_survey(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    data: SurveyCreate,
) -> Survey:
    """A survey of the program, to go out at its send point (at once if that is past)."""
    program = await administered_program(principal, dependencies.profiles, program_id)
    survey = Survey(
        organization_id=principal.organization_id,
        program_id=program.id,
        title=data.title,
        questions=[question.model_dump(mode="json") for question in data.questions],
        send_at=send_at(data.send, program.start_date, program.end_date),
        remind_after_days=data.remind_after_days,
        status=SurveyStatus.SCHEDULED,
        created_by=own_person_id(principal),
    )
    await SurveyRepository(session).add(survey)
    return survey


async def list_program_surveys(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    limit: int,
    cursor: str | None,
) -> Page[Survey]:
    await administered_program(principal, dependencies.profiles, program_id)
    items = await SurveyRepository(session).page_of_program(
        principal.organization_id, program_id, limit, typed_cursor(cursor, SurveyKey)
    )
    return page_of(items, limit, lambda survey: (survey.send_at, survey.id))


async def survey_results(
    session: AsyncSession, dependencies: Dependencies, principal: Principal, survey_id: UUID
) -> SurveyResultsRead:
    """Each question's answers in aggregate, for the program's admins."""
    survey = await SurveyRepository(session).get(principal.organization_id, survey_id)
    await administered_program(principal, dependencies.profiles, survey.program_id)
    responses = await SurveyResponseRepository(session).answers(survey.id)
    texts_allowed = await admins_read_free_text(session, survey.organization_id, survey.program_id)
    answered: dict[int, list[Answered]] = defaultdict(list)
    for respondent, answers in responses:
        for answer in map(SurveyAnswer.model_validate, answers):
            answered[answer.question].append(
                Answered(respondent, answer.score, tuple(answer.choices or ()), answer.text)
            )
    enough = (survey.recipients or 0) >= MINIMUM_GROUP
    return SurveyResultsRead(
        survey_id=survey.id,
        program_id=survey.program_id,
        minimum_group=MINIMUM_GROUP,
        recipients=survey.recipients,
        respondents=len(responses) if enough else None,
        response_rate=round(len(responses) / (survey.recipients or 1), 3) if enough else None,
        questions=[
            question_results(index, question, answered[index], texts_allowed)
            for index, question in enumerate(_questions(survey))
        ],
    )


def _questions(survey: Survey) -> list[SurveyQuestion]:
    return [SurveyQuestion.model_validate(question) for question in survey.questions]


# What participants do --------------------------------------------------------------------------


async def get_survey(
    session: AsyncSession, dependencies: Dependencies, principal: Principal, survey_id: UUID
) -> Survey:
    """For those it was sent to and the program's admins; to other participants it does not
    exist."""
    survey = await SurveyRepository(session).get(principal.organization_id, survey_id)
    if principal.person_id is not None and await SurveyRepository(session).sent_to(
        survey.id, principal.person_id
    ):
        return survey
    if not principal.has_role(Role.HR_ADMIN, Role.PROGRAM_ADMIN):
        raise SurveyNotFound()
    await administered_program(principal, dependencies.profiles, survey.program_id)
    return survey


async def list_own_surveys(
    session: AsyncSession, principal: Principal, limit: int, cursor: str | None
) -> Page[Survey]:
    """The surveys sent to the caller, newest first."""
    items = await SurveyRepository(session).page_sent_to(
        principal.organization_id, own_person_id(principal), limit, typed_cursor(cursor, SurveyKey)
    )
    return page_of(items, limit, lambda survey: (survey.sent_at, survey.id))


async def respond(
    session: AsyncSession, principal: Principal, survey_id: UUID, data: SurveyResponseCreate
) -> SurveyResponse:
    """A recipient's one response (a second is a conflict); their reminder, if still due,
    is dropped."""
    respondent_id = own_person_id(principal)
    await refuse_if_erased(session, principal.organization_id, respondent_id)
    repository = SurveyRepository(session)
    survey = await repository.get(principal.organization_id, survey_id)
    if not await repository.sent_to(survey.id, respondent_id):
        raise SurveyNotFound()
    questions = _questions(survey)
    answers = _fitted(questions, data.answers)
    response = SurveyResponse(
        organization_id=survey.organization_id,
        survey_id=survey.id,
        program_id=survey.program_id,
        respondent_id=respondent_id,
        answers=[answer.model_dump(exclude_none=True) for answer in answers],
    )
    async with constraint_errors(session, {RESPONSE_ONCE_PER_PERSON: SurveyAlreadyAnswered}):
        await SurveyResponseRepository(session).add(response)
    await cancel_timer(session, _reminder_key(survey.id, respondent_id))
    nps = next(
        (answer.score for answer in answers if questions[answer.question].kind is QuestionKind.NPS),
        None,
    )
    emit(
        session,
        SurveyResponded(
            organization_id=survey.organization_id,
            response_id=response.id,
            survey_id=survey.id,
            program_id=survey.program_id,
            respondent_id=respondent_id,
            nps=nps,
        ),
    )
    return response


async def own_response(
    session: AsyncSession, principal: Principal, survey_id: UUID
) -> SurveyResponse:
    return await SurveyResponseRepository(session).of_respondent(
        principal.organization_id, survey_id, own_person_id(principal)
    )


EXPECTED = {
    QuestionKind.SCALE: "a `score` from 1 to 5",
    QuestionKind.NPS: "a `score` from 0 to 10",
    QuestionKind.SINGLE_CHOICE: "`choices` naming one of its choices",
    QuestionKind.MULTIPLE_CHOICE: "`choices` naming one or more of its choices, each once",
    QuestionKind.TEXT: "a `text`",
}


def _fitted(questions: list[SurveyQuestion], answers: list[SurveyAnswer]) -> list[SurveyAnswer]:
    """The answers, in question order, each fitting its question, one per question at most and
    one for every required question."""
    by_question: dict[int, SurveyAnswer] = {}
    for answer in answers:
        if answer.question >= len(questions):
            raise AnswersDoNotFit(f"The survey has no question {answer.question}.")
        if answer.question in by_question:
            raise AnswersDoNotFit(f"Question {answer.question} is answered twice.")
        question = questions[answer.question]
        if not _fits(question, answer):
            raise AnswersDoNotFit(
                f"Question {answer.question} takes {EXPECTED[question.kind]}, and nothing else."
            )
        by_question[answer.question] = answer
    missing = [i for i, question in enumerate(questions) if question.required]
    missing = [i for i in missing if i not in by_question]
    if missing:
        raise AnswersDoNotFit(f"Required questions are unanswered: {missing}.")
    return [by_question[i] for i in sorted(by_question)]


def _fits(question: SurveyQuestion, answer: SurveyAnswer) -> bool:
    given = {name for name in ("score", "choices", "text") if getattr(answer, name) is not None}
    choices = answer.choices or []
    match question.kind:
        case QuestionKind.SCALE:
            return given == {"score"} and 1 <= (answer.score or 0) <= 5
        case QuestionKind.NPS:
            return given == {"score"}
        case QuestionKind.TEXT:
            return given == {"text"}
        case QuestionKind.SINGLE_CHOICE:
            return given == {"choices"} and len(choices) == 1 and _among(choices, question)
        case QuestionKind.MULTIPLE_CHOICE:
            distinct = len(set(choices)) == len(choices)
            return given == {"choices"} and bool(choices) and distinct and _among(choices, question)


def _among(choices: list[int], question: SurveyQuestion) -> bool:
    return all(0 <= choice < len(question.choices) for choice in choices)


# Sending and reminding (the worker's chore) ----------------------------------------------------


def _reminder_key(survey_id: UUID, person_id: UUID) -> str:
    return f"survey.reminder:{survey_id}:{person_id}"


async def send_due_surveys(session: AsyncSession, batch_size: int) -> int:
    """Send up to `batch_size` surveys whose time came, in the caller's transaction; returns
    how many. A survey goes out once: its status changes with the sending, and another worker
    skips the surveys this one holds."""
    due = await SurveyRepository(session).claim_due(batch_size)
    for survey in due:
        await _send(session, survey)
    return len(due)


async def _send(session: AsyncSession, survey: Survey) -> None:
    repository = SurveyRepository(session)
    now = _now()
    recipients = await repository.participants(survey.organization_id, survey.program_id)
    await repository.add_recipients(survey, recipients, now)
    survey.status, survey.sent_at, survey.recipients = SurveyStatus.SENT, now, len(recipients)
    await session.flush()
    emit(
        session,
        SurveySent(
            organization_id=survey.organization_id,
            survey_id=survey.id,
            program_id=survey.program_id,
            recipient_ids=recipients,
            sent_at=now,
        ),
    )
    if survey.remind_after_days is None:
        return
    remind_at = now + timedelta(days=survey.remind_after_days)
    for person_id in recipients:
        reminder = SurveyReminderDue(
            organization_id=survey.organization_id,
            survey_id=survey.id,
            program_id=survey.program_id,
            person_id=person_id,
        )
        await set_timer(session, _reminder_key(survey.id, person_id), remind_at, reminder)


# The read model: feedback's own survey facts ---------------------------------------------------


async def record_survey_sent(session: AsyncSession, event: SurveySent) -> None:
    await SurveyFactRepository(session).sent(event)


async def record_survey_response(session: AsyncSession, event: SurveyResponded) -> None:
    await SurveyFactRepository(session).responded(event)
