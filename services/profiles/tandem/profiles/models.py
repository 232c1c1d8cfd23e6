from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.db import Base


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    email: Mapped[str]
    full_name: Mapped[str]
    version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by SQLAlchemy
