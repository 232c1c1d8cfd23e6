"""Feedback's refusals, named; rendered once as problem+json by kit."""

from http import HTTPStatus

from tandem.kit.errors import AppError, Conflict, Forbidden, NotFound


class KpisForbidden(Forbidden):
    detail = "Only admins and partners with `kpis:read` may read KPIs."


class OrganizationKpisForbidden(Forbidden):
    detail = "Only HR admins and partners with `kpis:read` may read organization-wide KPIs."


class NotProgramAdmin(Forbidden):
    detail = "Only HR admins and this program's admins may read its KPIs."


class NotAMember(Forbidden):
    detail = "Only the members of this mentorship may do this."


class NotAPerson(Forbidden):
    detail = "Only a person gives feedback of their own."


class SessionNotFound(NotFound):
    detail = "No such session."


class MentorshipNotFound(NotFound):
    detail = "No such mentorship."


class FeedbackNotFound(NotFound):
    detail = "No such feedback."


class SessionNotHeld(Conflict):
    detail = "Feedback is given on held sessions only."


class FeedbackAlreadyGiven(Conflict):
    detail = "You gave feedback on this session already; change it instead."


class FeedbackNoLongerEditable(Conflict):
    detail = "The time to change this feedback has passed."


class NoHeldSessionYet(Conflict):
    detail = "The fit question comes after the mentorship's first held session."


class MentorshipNotLive(Conflict):
    detail = "The mentorship has ended."


class FitAlreadyGiven(Conflict):
    detail = "You answered the fit question for this mentorship already."


class CheckinAlreadyGiven(Conflict):
    detail = "You checked in on this mentorship for this period already."


class SurveyNotFound(NotFound):
    detail = "No such survey."


class SurveyResponseNotFound(NotFound):
    detail = "You have not answered this survey."


class SurveyAlreadyAnswered(Conflict):
    detail = "You answered this survey already."


class AnswersDoNotFit(AppError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    detail = "The answers do not fit the survey's questions."


class PersonWasErased(Forbidden):
    detail = "This person's data was erased; feedback keeps nothing more of theirs."
