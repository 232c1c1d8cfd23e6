from tandem.kit.errors import BadRequest, Conflict, NotFound


class PersonNotFound(NotFound):
    detail = "No such person."


class PersonEmailTaken(Conflict):
    detail = "Another person of the organization has this email."


class PersonExternalIdTaken(Conflict):
    detail = "Another person of the organization has this external id."


class ManagerNotFound(BadRequest):
    detail = "The manager is not a person of this organization."


class ManagerCycle(Conflict):
    detail = "That manager would make a person their own (indirect) manager."


class PersonErased(Conflict):
    detail = "This person's data was erased."


class SkillNotFound(NotFound):
    detail = "No such skill."


class UnknownSkills(BadRequest):
    detail = "Some skills are not in the organization's catalogue."


class SkillNameTaken(Conflict):
    detail = "Another skill of the catalogue already has this name or alias."


class InvalidAvailabilityWindows(BadRequest):
    detail = "The availability is not valid."


class AbsenceNotFound(NotFound):
    detail = "No such absence."


class ProgramNotFound(NotFound):
    detail = "No such program."


class ProgramDatesOutOfOrder(BadRequest):
    detail = "The program would end before it starts."


class IllegalProgramTransition(Conflict):
    detail = "The program cannot move to that status from its current one."


class ProgramNotEnrolling(Conflict):
    detail = "The program is not open for enrollment."


class ProgramClosed(Conflict):
    detail = "The program is closed."


class AlreadyEnrolled(Conflict):
    detail = "The person is already enrolled in this program."


class RoleNotOffered(BadRequest):
    detail = "This program has no such role."


class MentorWithoutCapacity(BadRequest):
    detail = "A mentor must be able to take at least one mentee (capacity >= 1)."


class PersonNotActive(Conflict):
    detail = "Only active people can enroll."


class EnrollmentNotFound(NotFound):
    detail = "No such enrollment."


class ConflictNotFound(NotFound):
    detail = "No such conflict."


class ConflictAlreadyDeclared(Conflict):
    detail = "A conflict between these two people is already declared."


class ImportTooLarge(BadRequest):
    detail = "An import holds at most 20,000 rows; split it."


class EmptyFullSync(BadRequest):
    detail = "A full sync without a single sound row would mark everyone as left; refused."


class MassDepartureRefused(Conflict):
    """A full sync that would mark a large share of the organization as left: usually a
    truncated or filtered export. Nothing is written; `allow_mass_departure` confirms it."""

    def __init__(self, leaving: int, active: int) -> None:
        super().__init__(
            f"This full sync would mark {leaving} of {active} active people as left, more than "
            "a sync may without confirmation; check the export, or send allow_mass_departure."
        )


class UnreadableImport(BadRequest):
    detail = "The import could not be read."
