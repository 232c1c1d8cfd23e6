"""Who may do what in profiles: pure decisions on the caller's roles and scopes (no queries);
the service loads the object and asks here."""

from uuid import UUID

from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.errors import Forbidden
from tandem.profiles.models import Program


def require_hr_admin(principal: Principal) -> None:
    principal.require_role(Role.HR_ADMIN)


def require_people_writer(principal: Principal) -> None:
    if not (principal.has_role(Role.HR_ADMIN) or Scope.PEOPLE_WRITE in principal.scopes):
        raise Forbidden("Only HR admins and HRIS partners with people:write may change people.")


def is_self_or_hr_admin(principal: Principal, person_id: UUID) -> bool:
    return principal.person_id == person_id or principal.has_role(Role.HR_ADMIN)


def require_self_or_hr_admin(principal: Principal, person_id: UUID) -> None:
    if not is_self_or_hr_admin(principal, person_id):
        raise Forbidden("This is for the person themselves and HR admins.")


def _administers(principal: Principal, program: Program) -> bool:
    return principal.has_role(Role.HR_ADMIN) or (
        principal.has_role(Role.PROGRAM_ADMIN) and principal.person_id in program.admin_ids
    )


def require_program_admin(principal: Principal, program: Program) -> None:
    if not _administers(principal, program):
        raise Forbidden("Only HR admins and this program's admins may do this.")
