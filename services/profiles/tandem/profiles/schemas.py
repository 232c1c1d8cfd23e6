from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class PersonCreate(BaseModel):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    organization_id: UUID
    email: str
    full_name: str
    version: int
    created_at: datetime
