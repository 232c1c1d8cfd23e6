from collections.abc import Mapping
from http import HTTPStatus

from tandem.kit.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unavailable


class MentorshipNotFound(NotFound):
    detail = "No such mentorship."


class MentorshipNotActive(Conflict):
    detail = "The mentorship is paused or ended: no sessions are booked or changed in it."


class SessionNotFound(NotFound):
    detail = "No such session."


class SeriesNotFound(NotFound):
    detail = "No such series."


class PersonNotFound(NotFound):
    detail = "No such person."


class NotAMember(Forbidden):
    detail = "Only the members of this mentorship may do this."


class NotProgramAdmin(Forbidden):
    detail = "Only HR admins and this program's admins may do this."


class NotYourCalendar(Forbidden):
    detail = "Only the person themselves reads their busy times."


class SessionNotProposed(Conflict):
    detail = "The session is not waiting for confirmation."


class OwnProposal(Conflict):
    detail = "Another member confirms a proposed session, not the one who proposed it."


class SessionNotLive(Conflict):
    detail = "The session was cancelled, held or missed already."


class SessionNotScheduled(Conflict):
    detail = "Only a scheduled session is marked held or missed."


class SessionNotStarted(Conflict):
    detail = "A session is marked held or missed only after it starts."


class SessionInPast(BadRequest):
    detail = "A session is booked or moved to a time in the future."


class AbsentNotMembers(BadRequest):
    detail = "Only the session's members can be absent from it."


class MembersBusy(Conflict):
    detail = "A member already has a live session at that time."


class OccurrenceTaken(Conflict):
    detail = (
        "A member already has a live session at the time of one occurrence (see occurrence, "
        "starts_at): nothing of the series was booked."
    )


class InvalidRange(BadRequest):
    detail = "ends_at must follow starts_at, by at most 366 days."


class CalendarFeedNotFound(NotFound):
    """One answer for a token never issued, revoked or renewed away; never cached."""

    detail = "No such calendar feed."

    @property
    def headers(self) -> Mapping[str, str]:
        return {"Cache-Control": "no-store"}


class CalendarRefused(AppError):
    """An uploaded calendar that is not used; the detail says why."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    detail = "The calendar file was not used."


class CalendarFileTooLarge(AppError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    detail = "The calendar file is too large."


class InvalidHorizon(BadRequest):
    detail = "The slot horizon ends after it starts, in the future, at most 12 weeks after it."


class PlanningInputInvalid(BadRequest):
    detail = "The scheduler cannot plan with this input."


class MemberScheduleUnknown(Conflict):
    detail = "A member's time zone and availability are not known here yet."


class ProgramPeriodOver(Conflict):
    detail = "The program's period is over: there is nothing left to plan."


class NoCommonTime(Conflict):
    detail = "No weekly time fits every member in the rest of the program period."


class SeriesExists(Conflict):
    detail = "The mentorship already has a series with upcoming sessions."


class TimetableNotFound(NotFound):
    detail = "No such timetable."


class RunMentorshipsPending(Conflict):
    detail = (
        "The settled run started more mentorships than have arrived here yet: the program is "
        "timetabled once they have."
    )


class NoteNotFound(NotFound):
    """Also the answer for a note the caller may not read: whether it exists is not told."""

    detail = "No such note."


class NotNoteAuthor(Forbidden):
    detail = "Only its author changes or deletes a note."


class NotesUnavailable(Unavailable):
    detail = "Notes are not available: the service has no master key for them."


class NoteKeyUnavailable(Unavailable):
    detail = "The master key that wraps this organization's notes is not configured."


class GoalNotFound(NotFound):
    """Also the answer for a private goal of someone else: whether it exists is not told."""

    detail = "No such goal."


class MilestoneNotFound(NotFound):
    detail = "No such milestone."


class NotGoalOwner(Forbidden):
    detail = "Only its owner changes a goal and its milestones."


class TooManyMilestones(Conflict):
    detail = "A goal has at most 50 milestones."


class ActionItemNotFound(NotFound):
    detail = "No such action item."


class OwnerNotMember(BadRequest):
    detail = "An action item's owner is a member of the mentorship."


class AgendaEntryNotFound(NotFound):
    detail = "No such entry on this session's agenda."


class TooManyTopics(Conflict):
    detail = "A session's agenda has at most 50 topics."
