from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.errors import Forbidden
from tandem.kit.outbox import emit
from tandem.profiles.errors import PersonEmailTaken
from tandem.profiles.models import Person
from tandem.profiles.repository import PersonRepository
from tandem.profiles.schemas import PersonCreate


def _require_people_admin(principal: Principal) -> None:
    if principal.has_role(Role.HR_ADMIN) or Scope.PEOPLE_WRITE in principal.scopes:
        return
    raise Forbidden("Only HR admins and HRIS partners may add people.")


async def create_person(session: AsyncSession, principal: Principal, data: PersonCreate) -> Person:
    _require_people_admin(principal)
    person = Person(organization_id=principal.organization_id, **data.model_dump())
    try:
        async with session.begin_nested():
            session.add(person)
    except IntegrityError as error:  # the unique (organization, email) constraint decides
        raise PersonEmailTaken() from error
    emit(session, PersonCreated(organization_id=person.organization_id, person_id=person.id))
    return person


async def get_person(session: AsyncSession, principal: Principal, person_id: UUID) -> Person:
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    if person.id != principal.person_id and not principal.has_role(
        Role.HR_ADMIN, Role.PROGRAM_ADMIN
    ):
        raise Forbidden("You may read only your own profile.")
    return person
