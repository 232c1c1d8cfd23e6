from uuid import UUID

from fastapi import APIRouter, status

from tandem.kit.auth import PrincipalDep
from tandem.kit.db import SessionDep
from tandem.profiles import service
from tandem.profiles.models import Person
from tandem.profiles.schemas import PersonCreate, PersonRead

router = APIRouter(prefix="/people", tags=["people"])


@router.post("", response_model=PersonRead, status_code=status.HTTP_201_CREATED)
async def create_person(data: PersonCreate, session: SessionDep, principal: PrincipalDep) -> Person:
    """Add a person to the caller's organization (HR admins, partners with `people:write`)."""
    return await service.create_person(session, principal, data)


@router.get("/{person_id}", response_model=PersonRead)
async def get_person(person_id: UUID, session: SessionDep, principal: PrincipalDep) -> Person:
    """A person of the caller's organization: their own profile, or anyone's for admins."""
    return await service.get_person(session, principal, person_id)
