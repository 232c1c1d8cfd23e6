from uuid import UUID

from pydantic import BaseModel


class HeadcountRead(BaseModel):
    organization_id: UUID
    people: int
