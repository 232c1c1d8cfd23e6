"""The member's home screen in one query (`me`), each part asked of its service only when the
screen selects it, and the changes a member makes on the way through the journey.

Lists are Relay connections over the services' keyset pages (`connections`); mentorships
resolve their members and next session through the request's DataLoaders (`loaders`)."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE, MAX_PAGE
from tandem.gateway.clients import Clients
from tandem.gateway.context import Context
from tandem.gateway.permissions import IsAuthenticated
from tandem.gateway.types.connections import Connection, paged
from tandem.gateway.types.feedback import Checkin, CheckinDue
from tandem.gateway.types.matching import Mentorship, MentorshipResult, Proposal
from tandem.gateway.types.outcomes import outcome
from tandem.gateway.types.people import Availability, Enrollment, Profile, Skills
from tandem.gateway.types.sessions import Session
from tandem.gateway.types.workspace import ActionItem, Goal, Slots, SlotsResult
from tandem.kit.contracts.matching import MentorshipRead, ProposalRead
from tandem.kit.contracts.sessions import SessionRead
from tandem.kit.errors import Forbidden
from tandem.kit.pagination import Page

PENDING_FEEDBACK_WINDOW = 20
"""Pending feedback is looked for among this many of the caller's latest held sessions."""


def own_id(info: Info[Context, Any]) -> UUID:
    person_id = info.context.require_principal().person_id
    if person_id is None:
        raise Forbidden("Only a person has a profile of their own.")
    return person_id


PageReader = Callable[[Clients, str, int, str | None], Awaitable[Page[Any]]]


def listed(
    node: Any,
    read: PageReader,
    description: str,
    made: Callable[[Any], Any] | None = None,
    **field: Any,
) -> Any:
    """A list of the caller's as a connection of `node`s: `read(clients, token, limit, cursor)`
    reads the service's page, `made` (default `node.of`) makes a node of each item; a node type
    with `prime` reads for the page what it is asked. `field` goes to `strawberry.field` (a
    root field's permissions)."""
    make = made or node.of

    async def resolve(
        info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Any]:
        clients, token = info.context.clients, info.context.token
        found = await paged(
            lambda limit, start: read(clients, token, limit, start), make, first, after
        )
        if hasattr(node, "prime"):
            await node.prime(info, found.nodes)
        return found

    return strawberry.field(
        resolver=resolve,
        graphql_type=Connection[node],
        metadata=ASKS_A_SERVICE,
        description=description,
        **field,
    )


def read_proposals(clients: Clients, *page: Any) -> Awaitable[Page[ProposalRead]]:
    return clients.matching.my_proposals(*page)


def read_mentorships(clients: Clients, *page: Any) -> Awaitable[Page[MentorshipRead]]:
    return clients.matching.my_mentorships(*page)


def read_upcoming_sessions(clients: Clients, *page: Any) -> Awaitable[Page[SessionRead]]:
    return clients.sessions.my_sessions(*page)


@strawberry.type(description="The caller's home screen: ask for the parts the screen shows.")
class Me:
    @strawberry.field(metadata=ASKS_A_SERVICE, description="The caller's whole profile.")
    async def profile(self, info: Info[Context, Any]) -> Profile:
        return Profile.of_whole(await info.context.clients.profiles.me(info.context.token))

    @strawberry.field(metadata=ASKS_A_SERVICE, description="Weekly windows, in their zone.")
    async def availability(self, info: Info[Context, Any]) -> Availability:
        profiles = info.context.clients.profiles
        return Availability.of(await profiles.availability(info.context.token, own_id(info)))

    @strawberry.field(metadata=ASKS_A_SERVICE, description="Skills offered and wanted.")
    async def skills(self, info: Info[Context, Any]) -> Skills:
        return Skills.of(
            await info.context.clients.profiles.skills(info.context.token, own_id(info))
        )

    @strawberry.field(metadata=ASKS_A_SERVICE, description="The programs the caller is in.")
    async def enrollments(self, info: Info[Context, Any]) -> list[Enrollment]:
        found = await info.context.clients.profiles.my_enrollments(info.context.token)
        return [Enrollment.from_pydantic(enrollment) for enrollment in found]

    proposals = listed(Proposal, read_proposals, "Proposals, newest first, with why.")
    mentorships = listed(
        Mentorship,
        read_mentorships,
        "Mentorships, newest first; their members and next sessions are read in one batch per "
        "request.",
    )
    upcoming_sessions = listed(
        Session,
        read_upcoming_sessions,
        "Proposed and scheduled sessions that have not ended, soonest first.",
    )
    goals = listed(
        Goal,
        lambda clients, *page: clients.sessions.my_goals(*page),
        "The caller's open goals in all their mentorships, newest first.",
    )
    open_action_items = listed(
        ActionItem,
        lambda clients, *page: clients.sessions.my_action_items(*page),
        "The action items the caller owns and has not done, newest first.",
    )
    check_ins = listed(
        Checkin,
        lambda clients, *page: clients.feedback.my_checkins(*page),
        "The caller's periodic check-ins, newest first.",
        made=Checkin.from_pydantic,  # a type made from the contract, which keeps no `of`
    )
    pending_check_ins = listed(
        CheckinDue,
        lambda clients, *page: clients.feedback.checkins_due(*page),
        "The check-ins the caller still owes, longest owed first: a mentorship's fit check-in "
        "once a session was held with them, and its periodic check-in once its period fell due, "
        "each until given.",
    )

    @strawberry.field(
        metadata={"cost": 2 * ASKS_A_SERVICE["cost"]},
        description=f"Held sessions the caller has not rated yet, latest first (among their "
        f"{PENDING_FEEDBACK_WINDOW} latest held sessions).",
    )
    async def pending_feedback(self, info: Info[Context, Any]) -> list[Session]:
        token, clients = info.context.token, info.context.clients
        held, given = await asyncio.gather(
            clients.sessions.my_held_sessions(token, PENDING_FEEDBACK_WINDOW, None),
            clients.feedback.my_feedback(token, MAX_PAGE, None),
        )
        rated = {feedback.session_id for feedback in given.items}
        return [Session.of(session) for session in held.items if session.id not in rated]


@strawberry.type
class MemberQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's home screen: profile, availability, enrollments, proposals, "
        "mentorships with their members and next session, upcoming sessions, goals, open action "
        "items, pending feedback and check-ins, and the check-ins they owe, in one query.",
    )
    def me(self) -> Me:
        return Me()

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        metadata=ASKS_A_SERVICE,
        description="One mentorship, for its members and its program's admins: its members, "
        "next session and notes (the caller's own and those shared) in one query. Forbidden for "
        "a colleague it is not theirs; NotFound for an id unknown in the caller's organization "
        "(another organization's included).",
    )
    async def mentorship(self, info: Info[Context, Any], id: UUID) -> MentorshipResult:
        found = info.context.clients.matching.mentorship(info.context.token, id)
        return await outcome(found, Mentorship.of)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        metadata=ASKS_A_SERVICE,
        description="The best times for a mentorship's next meeting, best first (its members).",
    )
    async def slots(
        self, info: Info[Context, Any], mentorship_id: UUID, first: int = 10
    ) -> SlotsResult:
        sessions = info.context.clients.sessions
        found = sessions.slots(info.context.token, mentorship_id, {"limit": min(max(first, 1), 50)})
        return await outcome(found, Slots.of)
