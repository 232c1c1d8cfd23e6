"""A person's erasure (profiles' `person.erased`): their words go, what identifies them goes,
what counts stays, so that no program's figures move.

- Session feedback: the comment is blanked; the row stays (its rating is the one the KPI facts
  count, and the program's admins keep seeing it in the list, without words).
- Periodic check-ins: the concern is blanked; satisfaction, progress and that a concern was
  raised (`flagged`) stay, as at-risk keeps counting it.
- Survey responses: a text answer loses its text and keeps that the question was answered;
  scores and choices stay, so results and response rates do not move.
- The person row: hire date, department and level go (in a small department they name
  someone); participant and left stay (retention's raw comparison counts them). It is marked
  erased, and a late `person.created` or `person.updated` fills in nothing again.
- The answers kept for retries that name them go; their check-ins due and survey reminders
  are dropped, none is armed for them again, and no survey goes to them any more.
- A write of theirs after the erasure (a token still valid) is refused, and one in flight is
  decided before or after it, never across it (one lock per person): no words outlive it.

Ids stay (ratings, fit answers, NPS, survey recipients, mentorship members): they are no
words, and the KPIs are counted from them. Redelivered, or told twice, an erasure changes
nothing more."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.errors import PersonWasErased
from tandem.feedback.repository import PersonDataRepository
from tandem.kit.db import advisory_lock
from tandem.kit.idempotency import forget_answers_about
from tandem.kit.inbox import occurred_at


async def hold_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    """Until the transaction ends, nothing else about the person is decided (an erasure, or a
    write that would keep their words)."""
    await advisory_lock(session, f"feedback.person:{organization_id}:{person_id}")


async def erased(session: AsyncSession, organization_id: UUID, person_id: UUID) -> bool:
    """Whether the person was erased, decided after any erasure of theirs in flight and holding
    it off until the caller's transaction ends."""
    await hold_person(session, organization_id, person_id)
    return await PersonDataRepository(session, organization_id, person_id).erased()


async def refuse_if_erased(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    if await erased(session, organization_id, person_id):
        raise PersonWasErased()


async def forget_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    await hold_person(session, organization_id, person_id)
    data = PersonDataRepository(session, organization_id, person_id)
    await data.anonymize(occurred_at())
    await data.forget_comments()
    await data.forget_concerns()
    for response in await data.survey_responses():
        if any("text" in answer for answer in response.answers):
            response.answers = _without_texts(response.answers)
    await session.flush()
    await data.forget_timers()
    await forget_answers_about(session, organization_id, person_id)


def _without_texts(answers: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{key: value for key, value in answer.items() if key != "text"} for answer in answers]
