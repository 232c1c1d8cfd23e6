"""The caller's notifications, live over a WebSocket (graphql-transport-ws), resumable."""

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway import notifications
from tandem.gateway.context import Context
from tandem.gateway.notifications import NotificationFeed, parse_cursor
from tandem.kit.errors import Forbidden

strawberry.enum(notifications.NotificationKind)


@strawberry.type(description="Something that happened to the caller; ids and times only.")
class Notification:
    cursor: str = strawberry.field(
        description="pass the last one received as `after` when subscribing again"
    )
    kind: notifications.NotificationKind
    occurred_at: datetime
    program_id: UUID
    mentorship_id: UUID | None
    proposal_id: UUID | None = strawberry.field(description="a proposal received")
    session_id: UUID | None = strawberry.field(
        description="a session's kinds; an action item's session, if it has one"
    )
    action_item_id: UUID | None
    starts_at: datetime | None = strawberry.field(
        description="a session's start (after a reschedule, the new one)"
    )
    due_at: datetime | None = strawberry.field(description="a check-in's due time")
    due_date: date | None = strawberry.field(description="an action item's due date")

    @classmethod
    def of(cls, notification: notifications.Notification) -> "Notification":
        return cls(
            cursor=str(notification.cursor),
            kind=notification.kind,
            occurred_at=notification.occurred_at,
            program_id=notification.program_id,
            mentorship_id=notification.mentorship_id,
            proposal_id=notification.proposal_id,
            session_id=notification.session_id,
            action_item_id=notification.action_item_id,
            starts_at=notification.starts_at,
            due_at=notification.due_at,
            due_date=notification.due_date,
        )


class NoNotifications(Forbidden):
    detail = "Only a person has notifications."


async def my_notifications(
    info: Info[Context, Any], after: str | None
) -> AsyncGenerator[Notification, None]:
    principal = info.context.require_principal()
    if principal.person_id is None:
        raise NoNotifications()
    cursor = None if after is None else parse_cursor(after)
    connection = info.context.request
    assert connection is not None  # strawberry sets it before any resolver runs
    feed: NotificationFeed = connection.app.state.notifications
    recipient = (principal.organization_id, principal.person_id)
    async for notification in feed.follow(recipient, cursor):
        yield Notification.of(notification)
