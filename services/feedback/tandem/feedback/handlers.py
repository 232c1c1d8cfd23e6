"""Events feedback consumes (profiles' people and enrollments, matching's proposals and
mentorships, sessions' sessions, goals, milestones and action items, its own ratings, fit answers,
flagged check-ins, check-ins due and survey facts), turned into service calls that keep the read
model and the members' check-ins due; the chores its workers run (kit's timers, sending surveys
when due); the dependencies its processes share, built once."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback import checkins, erasure, service, surveys
from tandem.feedback.repository import Profiles, ProposalAnswer
from tandem.feedback.service import Dependencies
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.contracts.feedback import (
    CheckinDue,
    CheckinFlagged,
    FitCheckedIn,
    SessionFeedbackSubmitted,
    SurveyResponded,
    SurveySent,
)
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    MentorshipStarted,
    MentorshipStatus,
    ProposalAccepted,
    ProposalCreated,
    ProposalDeclined,
    ProposalExpired,
    ProposalStatus,
    ProposalWithdrawn,
)
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    PersonCreated,
    PersonDeactivated,
    PersonErased,
    PersonUpdated,
)
from tandem.kit.contracts.sessions import (
    ActionItemCompleted,
    ActionItemOverdue,
    GoalAchieved,
    GoalCreated,
    GoalDropped,
    GoalFact,
    GoalStatus,
    MilestoneCompleted,
    MilestoneCreated,
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionProposed,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from tandem.kit.timers import TIMER_CHORES
from tandem.kit.wiring import Chore, EventHandler, Wiring

PROFILES_TIMEOUT_SECONDS = 10
LEFT = "left"
"""The status of a person who left the organization (profiles' `PersonStatus.LEFT`)."""


@contextlib.asynccontextmanager
async def feedback_dependencies(settings: FeedbackSettings) -> AsyncIterator[Dependencies]:
    async with httpx.AsyncClient(timeout=PROFILES_TIMEOUT_SECONDS) as http:
        yield Dependencies(settings=settings, profiles=Profiles(http, settings.profiles_url))


async def on_person_created(session: AsyncSession, event: PersonCreated, _: Dependencies) -> None:
    await service.record_person(session, event.organization_id, event.person_id, event.hire_date)
    await service.record_placement(session, event)


async def on_person_updated(session: AsyncSession, event: PersonUpdated, _: Dependencies) -> None:
    await service.record_placement(session, event)


async def on_person_deactivated(
    session: AsyncSession, event: PersonDeactivated, _: Dependencies
) -> None:
    """Only leaving counts for retention; a leave of absence is no leaving."""
    if event.status == LEFT:
        await service.record_leaving(session, event.organization_id, event.person_id)


async def on_person_erased(session: AsyncSession, event: PersonErased, _: Dependencies) -> None:
    await erasure.forget_person(session, event.organization_id, event.person_id)


async def on_enrollment_created(
    session: AsyncSession, event: EnrollmentCreated, _: Dependencies
) -> None:
    await service.record_enrollment(session, event.organization_id, event.person_id)
    await service.record_enrollment_fact(session, event)


async def on_mentorship_started(
    session: AsyncSession, event: MentorshipStarted, dependencies: Dependencies
) -> None:
    await service.start_mentorship(
        session, event.organization_id, event.mentorship_id, event.program_id, event.member_ids
    )
    await _follow(session, event, dependencies)


async def _follow(
    session: AsyncSession,
    event: MentorshipStarted | MentorshipEnded | MentorshipPaused | MentorshipResumed,
    dependencies: Dependencies,
) -> None:
    """The members' check-ins due as the mentorship now stands."""
    await checkins.follow_mentorship(
        session, dependencies.settings, event.organization_id, event.mentorship_id, _now()
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def on_mentorship_ended(
    session: AsyncSession, event: MentorshipEnded, dependencies: Dependencies
) -> None:
    status = (
        MentorshipStatus.COMPLETED
        if event.status == MentorshipStatus.COMPLETED
        else MentorshipStatus.ENDED
    )
    await service.move_mentorship(
        session, event.organization_id, event.mentorship_id, event.program_id, status
    )
    await _follow(session, event, dependencies)


async def on_mentorship_paused(
    session: AsyncSession, event: MentorshipPaused, dependencies: Dependencies
) -> None:
    await service.move_mentorship(
        session,
        event.organization_id,
        event.mentorship_id,
        event.program_id,
        MentorshipStatus.PAUSED,
        event.revision,
    )
    await _follow(session, event, dependencies)


async def on_mentorship_resumed(
    session: AsyncSession, event: MentorshipResumed, dependencies: Dependencies
) -> None:
    await service.move_mentorship(
        session,
        event.organization_id,
        event.mentorship_id,
        event.program_id,
        MentorshipStatus.ACTIVE,
        event.revision,
    )
    await _follow(session, event, dependencies)


async def on_session_proposed(
    session: AsyncSession, event: SessionProposed, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.PROPOSED)


async def on_session_scheduled(
    session: AsyncSession, event: SessionScheduled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.SCHEDULED)


async def on_session_rescheduled(
    session: AsyncSession, event: SessionRescheduled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.SCHEDULED, moves_times=True)


async def on_session_held(session: AsyncSession, event: SessionHeld, _: Dependencies) -> None:
    await service.record_session(session, event, SessionStatus.HELD)


async def on_session_no_show(session: AsyncSession, event: SessionNoShow, _: Dependencies) -> None:
    await service.record_session(session, event, SessionStatus.NO_SHOW, absent_ids=event.absent_ids)


async def on_session_cancelled(
    session: AsyncSession, event: SessionCancelled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.CANCELLED)


async def on_feedback_submitted(
    session: AsyncSession, event: SessionFeedbackSubmitted, _: Dependencies
) -> None:
    await service.record_rating(session, event)


async def on_fit_checked_in(session: AsyncSession, event: FitCheckedIn, _: Dependencies) -> None:
    await service.record_fit(session, event)


async def on_checkin_due(
    session: AsyncSession, event: CheckinDue, dependencies: Dependencies
) -> None:
    await checkins.checkin_fell_due(session, dependencies.settings, event, _now())


async def on_survey_sent(session: AsyncSession, event: SurveySent, _: Dependencies) -> None:
    await surveys.record_survey_sent(session, event)


async def on_survey_responded(
    session: AsyncSession, event: SurveyResponded, _: Dependencies
) -> None:
    await surveys.record_survey_response(session, event)


def sending_due_surveys(settings: FeedbackSettings) -> Chore[Any]:
    """Surveys go out on the timers' clock and batch."""

    async def send(session: AsyncSession, _: object) -> bool:
        batch = settings.timer_batch_size
        return await surveys.send_due_surveys(session, batch) == batch

    return Chore("send_due_surveys", settings.timer_poll_seconds, send)


async def on_proposal_created(
    session: AsyncSession, event: ProposalCreated, _: Dependencies
) -> None:
    await service.record_proposal(session, event)


def _proposal_answered(status: ProposalStatus) -> EventHandler[Dependencies]:
    async def on_proposal_answered(
        session: AsyncSession, event: ProposalAnswer, _: Dependencies
    ) -> None:
        await service.record_proposal_answer(session, event, status)

    return on_proposal_answered


def _goal_moved(status: GoalStatus) -> EventHandler[Dependencies]:
    async def on_goal(session: AsyncSession, event: GoalFact, _: Dependencies) -> None:
        await service.record_goal(session, event, status)

    return on_goal


async def on_milestone_created(
    session: AsyncSession, event: MilestoneCreated, _: Dependencies
) -> None:
    await service.record_milestone(session, event, completed=False)


async def on_milestone_completed(
    session: AsyncSession, event: MilestoneCompleted, _: Dependencies
) -> None:
    await service.record_milestone(session, event, completed=True)


async def on_action_item_overdue(
    session: AsyncSession, event: ActionItemOverdue, _: Dependencies
) -> None:
    await service.record_action_item(session, event, overdue=True)


async def on_action_item_completed(
    session: AsyncSession, event: ActionItemCompleted, _: Dependencies
) -> None:
    await service.record_action_item(session, event, completed=True)


async def on_checkin_flagged(session: AsyncSession, event: CheckinFlagged, _: Dependencies) -> None:
    await service.record_flag(session, event)


WIRING: Wiring[FeedbackSettings, Dependencies] = Wiring(
    feedback_dependencies,
    {
        PersonCreated: on_person_created,
        PersonDeactivated: on_person_deactivated,
        PersonErased: on_person_erased,
        EnrollmentCreated: on_enrollment_created,
        MentorshipStarted: on_mentorship_started,
        MentorshipEnded: on_mentorship_ended,
        MentorshipPaused: on_mentorship_paused,
        MentorshipResumed: on_mentorship_resumed,
        SessionProposed: on_session_proposed,
        SessionScheduled: on_session_scheduled,
        SessionRescheduled: on_session_rescheduled,
        SessionHeld: on_session_held,
        SessionNoShow: on_session_no_show,
        SessionCancelled: on_session_cancelled,
        SessionFeedbackSubmitted: on_feedback_submitted,
        FitCheckedIn: on_fit_checked_in,
        CheckinDue: on_checkin_due,
        SurveySent: on_survey_sent,
        SurveyResponded: on_survey_responded,
        PersonUpdated: on_person_updated,
        ProposalCreated: on_proposal_created,
        ProposalAccepted: _proposal_answered(ProposalStatus.ACCEPTED),
        ProposalDeclined: _proposal_answered(ProposalStatus.DECLINED),
        ProposalExpired: _proposal_answered(ProposalStatus.EXPIRED),
        ProposalWithdrawn: _proposal_answered(ProposalStatus.WITHDRAWN),
        GoalCreated: _goal_moved(GoalStatus.OPEN),
        GoalAchieved: _goal_moved(GoalStatus.ACHIEVED),
        GoalDropped: _goal_moved(GoalStatus.DROPPED),
        MilestoneCreated: on_milestone_created,
        MilestoneCompleted: on_milestone_completed,
        ActionItemOverdue: on_action_item_overdue,
        ActionItemCompleted: on_action_item_completed,
        CheckinFlagged: on_checkin_flagged,
    },
    configured_chores=(*TIMER_CHORES, sending_due_surveys),
    events_per_transaction=200,
)
