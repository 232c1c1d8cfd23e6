"""The tables kit keeps in every service's database: outbox, inbox and dead letters."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Identity, Index, LargeBinary, func, text
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.db import Base


class OutboxEvent(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unpublished", "position", postgresql_where=text("published_at IS NULL")),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, Identity(always=True), unique=True)
    subject: Mapped[str]
    envelope: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[datetime | None]


class InboxEvent(Base):
    __tablename__ = "inbox"

    event_id: Mapped[UUID] = mapped_column(primary_key=True)
    subject: Mapped[str]
    consumed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DeadLetter(Base):
    """A message that kept failing; kept raw, since it may not even parse. It belongs to the
    organization its event names (none when even that cannot be read): only that organization's
    operators see it."""

    __tablename__ = "dead_letter"
    __table_args__ = (Index("ix_dead_letter_organization", "organization_id", "stream_sequence"),)

    stream_sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    organization_id: Mapped[UUID | None]
    subject: Mapped[str]
    data: Mapped[str]
    error: Mapped[str]
    deliveries: Mapped[int]
    failed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    replayed_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    """The first answer to a write sent with an Idempotency-Key, kept for its retries."""

    __tablename__ = "idempotency_key"

    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    fingerprint: Mapped[str]
    claimed_at: Mapped[datetime]
    status_code: Mapped[int | None]
    media_type: Mapped[str | None]
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


EVENT_TABLES = [
    Base.metadata.tables[model.__tablename__] for model in (OutboxEvent, InboxEvent, DeadLetter)
]
IDEMPOTENCY_TABLE = Base.metadata.tables[IdempotencyKey.__tablename__]
