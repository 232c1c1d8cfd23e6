from collections.abc import AsyncGenerator
from typing import Any

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from tandem.gateway import budgets
from tandem.gateway.admin import AdminMutations, AdminQueries
from tandem.gateway.budgets import ASKS_A_SERVICE
from tandem.gateway.context import Context
from tandem.gateway.permissions import IsAuthenticated
from tandem.gateway.settings import GatewaySettings
from tandem.gateway.surveys import SurveyMutations, SurveyQueries
from tandem.gateway.types.health import ServiceHealth
from tandem.gateway.types.kpis import Kpis
from tandem.gateway.types.matching import Mentorship, Proposal
from tandem.gateway.types.me import (
    MemberQuery,
    listed,
    read_mentorships,
    read_proposals,
    read_upcoming_sessions,
)
from tandem.gateway.types.member_mutations import MemberMutation
from tandem.gateway.types.notifications import Notification, my_notifications
from tandem.gateway.types.sessions import Session
from tandem.kit.errors import AppError

log = structlog.get_logger()

DOCUMENTS_KEPT = 256
"""Documents whose parse and validation (budgets included) are kept for the next request that
sends the same text: a screen sends the same few documents again and again."""


@strawberry.type
class Query(MemberQuery, AdminQueries, SurveyQueries):
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        metadata=ASKS_A_SERVICE,
        description="Readiness of every service behind the gateway (checked every few seconds).",
    )
    async def health(self, info: Info[Context, Any]) -> list[ServiceHealth]:
        return await info.context.health.services()

    @strawberry.field(permission_classes=[IsAuthenticated])
    def kpis(self) -> Kpis:
        return Kpis()

    my_proposals = listed(
        Proposal,
        read_proposals,
        "The caller's proposals, newest first (as `me { proposals }`).",
        permission_classes=[IsAuthenticated],
    )
    my_mentorships = listed(
        Mentorship,
        read_mentorships,
        "The caller's mentorships, newest first (as `me { mentorships }`).",
        permission_classes=[IsAuthenticated],
    )
    my_sessions = listed(
        Session,
        read_upcoming_sessions,
        "The caller's proposed and scheduled sessions that have not ended, soonest first (as "
        "`me { upcomingSessions }`).",
        permission_classes=[IsAuthenticated],
    )


@strawberry.type
class Mutation(MemberMutation, AdminMutations, SurveyMutations):
    pass


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="The caller's notifications as they happen (over a WebSocket, "
        "graphql-transport-ws, the token in `connection_init`); with `after`, first every one "
        "since that cursor.",
    )
    async def notifications(
        self, info: Info[Context, Any], after: str | None = None
    ) -> AsyncGenerator[Notification, None]:
        async for notification in my_notifications(info, after):
            yield notification


def _is_unexpected(error: GraphQLError) -> bool:
    """Expected outcomes (permissions, not found, unavailable) keep their message."""
    original = error.original_error
    return original is not None and not isinstance(original, AppError | GraphQLError)


class _Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Logs each error without the document: strawberry's own log quotes it, and values in
        it may be free text (a note, a comment), as may a refusal of one ("cannot represent
        ...: <value>"), so only our own outcomes keep their message. Without suggestions no
        error names what the document might have meant: strawberry's own switch covers unknown
        fields only, not arguments, types or enum values."""
        for error in errors:
            if self.config.disable_field_suggestions:
                error.message = error.message.split(" Did you mean ")[0]
            original, path = error.original_error, error.path
            if _is_unexpected(error):
                log.error("graphql_unexpected_error", path=path, exc_info=original)
            elif isinstance(original, AppError):
                log.info("graphql_outcome", outcome=original.type_name, detail=error.message)
            else:
                log.info("graphql_document_refused", path=path)


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
        extensions=[
            *budgets.extensions(settings),
            lambda: ParserCache(maxsize=DOCUMENTS_KEPT),
            lambda: ValidationCache(maxsize=DOCUMENTS_KEPT),
            lambda: MaskErrors(should_mask_error=_is_unexpected),
        ],
    )
