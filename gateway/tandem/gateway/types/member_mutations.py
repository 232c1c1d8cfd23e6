"""What a member does on the way through the journey, each a mutation answering a union of its
result and the refusals it may meet (`outcomes`). Every change is checked again by the service
that owns the object; a version (`If-Match`) guards each change of something that has one."""

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from pydantic import ValidationError
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE
from tandem.gateway.context import Context
from tandem.gateway.permissions import IsAuthenticated
from tandem.gateway.types.feedback import (
    Checkin,
    CheckinInput,
    CheckinResult,
    FeedbackInput,
    FeedbackResult,
    FitCheckin,
    FitCheckinResult,
    SessionFeedback,
)
from tandem.gateway.types.inputs import given, sent, unsent
from tandem.gateway.types.matching import Proposal, ProposalResult
from tandem.gateway.types.me import own_id
from tandem.gateway.types.outcomes import Invalid, outcome
from tandem.gateway.types.people import (
    Availability,
    AvailabilityResult,
    Enrollment,
    EnrollmentInput,
    EnrollmentResult,
    OfferedSkillInput,
    Profile,
    ProfileChange,
    ProfileResult,
    Skills,
    SkillsResult,
    WantedSkillInput,
    WindowInput,
)
from tandem.gateway.types.sessions import Series, SeriesResult, Session
from tandem.gateway.types.workspace import (
    ActionItem,
    ActionItemInput,
    ActionItemResult,
    BookingInput,
    Goal,
    GoalChange,
    GoalInput,
    GoalResult,
    MilestoneInput,
    Note,
    NoteInput,
    NoteResult,
    SessionResult,
)
from tandem.kit.contracts.sessions import SeriesCancel


def change_by_member(description: str) -> Any:
    """A mutation for a caller with a token, asking one service."""
    return strawberry.mutation(
        permission_classes=[IsAuthenticated], metadata=ASKS_A_SERVICE, description=description
    )


@strawberry.type
class MemberMutation:
    # Profile -------------------------------------------------------------------------------

    @change_by_member("Change the caller's own profile fields.")
    async def edit_profile(self, info: Info[Context, Any], change: ProfileChange) -> ProfileResult:
        profiles = info.context.clients.profiles
        return await outcome(profiles.update_me(info.context.token, sent(change)), Profile.of_whole)

    @change_by_member("Replace the skills the caller offers and wants.")
    async def set_skills(
        self,
        info: Info[Context, Any],
        offered: list[OfferedSkillInput] | None = None,
        wanted: list[WantedSkillInput] | None = None,
    ) -> SkillsResult:
        body = {
            "offered": [sent(s) for s in offered or []],
            "wanted": [sent(s) for s in wanted or []],
        }
        profiles = info.context.clients.profiles
        change = profiles.set_skills(info.context.token, own_id(info), body)
        return await outcome(change, Skills.of)

    @change_by_member("Replace the caller's weekly windows.")
    async def set_availability(
        self, info: Info[Context, Any], windows: list[WindowInput]
    ) -> AvailabilityResult:
        body = {"windows": [sent(window) for window in windows]}
        profiles = info.context.clients.profiles
        change = profiles.set_availability(info.context.token, own_id(info), body)
        return await outcome(change, Availability.of)

    @change_by_member("Enroll in a program while it is enrolling.")
    async def enroll(
        self, info: Info[Context, Any], program_id: UUID, enrollment: EnrollmentInput
    ) -> EnrollmentResult:
        profiles = info.context.clients.profiles
        change = profiles.enroll(info.context.token, program_id, sent(enrollment))
        return await outcome(change, Enrollment.from_pydantic)

    # Proposals -----------------------------------------------------------------------------

    @change_by_member("Say yes to a proposal; with every member's yes the mentorship starts.")
    async def accept_proposal(self, info: Info[Context, Any], proposal_id: UUID) -> ProposalResult:
        matching = info.context.clients.matching
        answer = matching.answer_proposal(info.context.token, proposal_id, yes=True)
        return await outcome(answer, Proposal.of)

    @change_by_member("Say no to a proposal.")
    async def decline_proposal(self, info: Info[Context, Any], proposal_id: UUID) -> ProposalResult:
        matching = info.context.clients.matching
        answer = matching.answer_proposal(info.context.token, proposal_id, yes=False)
        return await outcome(answer, Proposal.of)

    # Sessions ------------------------------------------------------------------------------

    @change_by_member("Propose a session of a mentorship; another member confirms it.")
    async def book_session(
        self, info: Info[Context, Any], mentorship_id: UUID, booking: BookingInput
    ) -> SessionResult:
        sessions = info.context.clients.sessions
        change = sessions.book(info.context.token, mentorship_id, sent(booking))
        return await outcome(change, Session.of)

    @change_by_member(
        "Move a session to a new time, with a reason its members alone read; "
        "refused if it changed since `version`.",
    )
    async def reschedule_session(
        self,
        info: Info[Context, Any],
        session_id: UUID,
        version: int,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
    ) -> SessionResult:
        body = given(starts_at=starts_at, ends_at=ends_at, reason=reason)
        sessions = info.context.clients.sessions
        change = sessions.change(info.context.token, session_id, version, "reschedule", body)
        return await outcome(change, Session.of)

    @change_by_member(
        "Confirm a session another member proposed; refused if it changed since `version`."
    )
    async def confirm_session(
        self, info: Info[Context, Any], session_id: UUID, version: int
    ) -> SessionResult:
        sessions = info.context.clients.sessions
        change = sessions.change(info.context.token, session_id, version, "confirmation")
        return await outcome(change, Session.of)

    @change_by_member(
        "Cancel a proposed or scheduled session, with a reason only its members read; refused "
        "if it changed since `version`.",
    )
    async def cancel_session(
        self, info: Info[Context, Any], session_id: UUID, version: int, reason: str
    ) -> SessionResult:
        sessions = info.context.clients.sessions
        body = {"reason": reason}
        change = sessions.change(info.context.token, session_id, version, "cancellation", body)
        return await outcome(change, Session.of)

    @change_by_member(
        "Say a scheduled session took place, once it has started; refused if it changed since "
        "`version`.",
    )
    async def mark_session_held(
        self, info: Info[Context, Any], session_id: UUID, version: int
    ) -> SessionResult:
        sessions = info.context.clients.sessions
        change = sessions.change(info.context.token, session_id, version, "held")
        return await outcome(change, Session.of)

    @change_by_member(
        "Say who of its members missed a scheduled session, once it has started; refused if it "
        "changed since `version`.",
    )
    async def mark_session_no_show(
        self, info: Info[Context, Any], session_id: UUID, version: int, absent_ids: list[UUID]
    ) -> SessionResult:
        sessions = info.context.clients.sessions
        body = {"absent_ids": [str(person_id) for person_id in absent_ids]}
        change = sessions.change(info.context.token, session_id, version, "no-show", body)
        return await outcome(change, Session.of)

    @change_by_member(
        "Cancel the rest of a series: its proposed and scheduled sessions from `startingAt` "
        "(default now) on, with a reason only its members read; refused if it changed since "
        "`version`.",
    )
    async def cancel_series(
        self,
        info: Info[Context, Any],
        series_id: UUID,
        version: int,
        reason: str,
        starting_at: datetime | None = None,
    ) -> SeriesResult:
        try:
            cancel = SeriesCancel(starting_at=starting_at, reason=reason)
        except ValidationError as error:
            return Invalid(message=unsent(error))
        sessions = info.context.clients.sessions
        change = sessions.cancel_series(info.context.token, series_id, version, cancel)
        return await outcome(change, Series.of)

    # Goals, action items, notes ------------------------------------------------------------

    @change_by_member("Set a goal in a mentorship.")
    async def create_goal(
        self, info: Info[Context, Any], mentorship_id: UUID, goal: GoalInput
    ) -> GoalResult:
        sessions = info.context.clients.sessions
        change = sessions.create_goal(info.context.token, mentorship_id, sent(goal))
        return await outcome(change, Goal.of)

    @change_by_member("Change a goal of the caller's; refused if changed since `version`.")
    async def update_goal(
        self, info: Info[Context, Any], goal_id: UUID, version: int, change: GoalChange
    ) -> GoalResult:
        sessions = info.context.clients.sessions
        made = sessions.update_goal(info.context.token, goal_id, version, sent(change))
        return await outcome(made, Goal.of)

    @change_by_member("Add a step to a goal of the caller's.")
    async def add_milestone(
        self, info: Info[Context, Any], goal_id: UUID, milestone: MilestoneInput
    ) -> GoalResult:
        sessions = info.context.clients.sessions
        change = sessions.add_milestone(info.context.token, goal_id, sent(milestone))
        return await outcome(change, Goal.of)

    @change_by_member(
        "Mark a milestone done (or not); refused if it changed since `version`.",
    )
    async def complete_milestone(
        self, info: Info[Context, Any], milestone_id: UUID, version: int, done: bool = True
    ) -> GoalResult:
        sessions = info.context.clients.sessions
        change = sessions.update_milestone(
            info.context.token, milestone_id, version, {"done": done}
        )
        return await outcome(change, Goal.of)

    @change_by_member("Note an action item agreed in a session.")
    async def create_action_item(
        self, info: Info[Context, Any], session_id: UUID, item: ActionItemInput
    ) -> ActionItemResult:
        sessions = info.context.clients.sessions
        change = sessions.create_action_item(info.context.token, session_id, sent(item))
        return await outcome(change, ActionItem.of)

    @change_by_member(
        "Mark an action item done (or open again); refused if it changed since `version`.",
    )
    async def complete_action_item(
        self, info: Info[Context, Any], action_item_id: UUID, version: int, done: bool = True
    ) -> ActionItemResult:
        sessions = info.context.clients.sessions
        token = info.context.token
        change = sessions.update_action_item(token, action_item_id, version, {"done": done})
        return await outcome(change, ActionItem.of)

    @change_by_member("Write a note in a mentorship.")
    async def write_note(
        self, info: Info[Context, Any], mentorship_id: UUID, note: NoteInput
    ) -> NoteResult:
        sessions = info.context.clients.sessions
        change = sessions.write_note(info.context.token, mentorship_id, sent(note))
        return await outcome(change, Note.of)

    @change_by_member("Change a note of the caller's; refused if changed since `version`.")
    async def edit_note(
        self,
        info: Info[Context, Any],
        note_id: UUID,
        version: int,
        body: str | None = strawberry.UNSET,
        visibility: str | None = strawberry.UNSET,
    ) -> NoteResult:
        sessions = info.context.clients.sessions
        change = given(body=body, visibility=visibility)
        made = sessions.edit_note(info.context.token, note_id, version, change)
        return await outcome(made, Note.of)

    # Feedback ------------------------------------------------------------------------------

    @change_by_member("Rate a held session, once.")
    async def give_feedback(
        self, info: Info[Context, Any], session_id: UUID, feedback: FeedbackInput
    ) -> FeedbackResult:
        given = info.context.clients.feedback.give_feedback(
            info.context.token, session_id, sent(feedback)
        )
        return await outcome(given, SessionFeedback.from_pydantic)

    @change_by_member(
        "Say whether the mentorship is a good fit (good_fit, still_deciding, "
        "not_a_good_fit), once, after a held session.",
    )
    async def check_in_fit(
        self, info: Info[Context, Any], mentorship_id: UUID, answer: str
    ) -> FitCheckinResult:
        feedback = info.context.clients.feedback
        given = feedback.check_in_fit(info.context.token, mentorship_id, {"answer": answer})
        return await outcome(given, FitCheckin.of)

    @change_by_member("Check in on a mentorship, once per period.")
    async def check_in(
        self, info: Info[Context, Any], mentorship_id: UUID, checkin: CheckinInput
    ) -> CheckinResult:
        feedback = info.context.clients.feedback
        given = feedback.check_in(info.context.token, mentorship_id, sent(checkin))
        return await outcome(given, Checkin.from_pydantic)
