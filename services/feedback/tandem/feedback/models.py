"""The feedback tables: the KPI read model."""

from uuid import UUID

from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.db import Base


class Headcount(Base):
    """How many people each organization has: the first figure of the KPI read model."""

    __tablename__ = "headcount"

    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    people: Mapped[int]
