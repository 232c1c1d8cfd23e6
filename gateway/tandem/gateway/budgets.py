"""What one request may ask of the gateway, measured on the document before anything runs.

A document is refused when it is too large (bytes, tokens), nests too deep, has too many
aliases, or costs too much. Its cost estimates the work of answering it:
- every field costs 1, except a field that asks a service, which costs `SERVICE_CALL`
  (declared on the field with `metadata=ASKS_A_SERVICE`); every fragment spread costs 1;
- the selections below a list of objects are paid once per item: its parent's `first` items
  when the parent is a page, else `LIST_LENGTH`;
- a page size that the document does not write as a number (a variable) counts as `MAX_PAGE`.

Depth, aliases and cost are measured in one walk whose work is bounded, because strawberry's
depth and alias limits expand every fragment spread anew and take exponential time on a
document of fragments that spread the next one twice: here a fragment is expanded once per
selection set (execution merges repeats too), nothing below the depth limit is entered, and the
walk stops once it has met more fields and spreads than the cost budget.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
)

from tandem.gateway.settings import GatewaySettings
from tandem.kit.errors import AppError, problem

MAX_PAGE = 100
LIST_LENGTH = 10
SERVICE_CALL = 50
ASKS_A_SERVICE = {"cost": SERVICE_CALL}


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int


def extensions(settings: GatewaySettings) -> list[Callable[[], SchemaExtension]]:
    """The schema extensions that hold each budget (and, in production, refuse introspection)."""
    limits = Limits(settings.max_depth, settings.max_aliases, settings.max_cost)
    rules: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules([measure(limits)]),
    ]
    if settings.production:
        rules.append(DisableIntrospection)
    return rules


@functools.cache
def measure(limits: Limits) -> type[ValidationRule]:
    """A validation rule refusing each operation over a limit of depth, aliases or cost (one
    class per limits, so that a validation kept for a document is found again)."""

    class Measure(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            context: ValidationContext = self.context
            root = context.schema.get_root_type(node.operation)
            if root is None:
                return
            fragments = {
                definition.name.value: definition
                for definition in context.document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            walk = _Walk(context.schema, fragments, limits)
            try:
                cost = walk.cost_of(node.selection_set, root)
            except _OverBudget:
                cost = None
            for message in walk.refusals(cost):
                context.report_error(GraphQLError(message, node))

    return Measure


class _OverBudget(Exception):
    pass


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], limits: Limits
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limits = limits
        self.met = 0
        self.aliases = 0
        self.too_deep = False

    def refusals(self, cost: int | None) -> list[str]:
        limits = self.limits
        if cost is None:
            return [f"The query costs more than {limits.max_cost}, the most allowed."]
        refusals = []
        if self.too_deep:
            refusals.append(f"The query nests deeper than {limits.max_depth}, the most allowed.")
        if self.aliases > limits.max_aliases:
            allowed = f"the most allowed is {limits.max_aliases}"
            refusals.append(f"The query has {self.aliases} aliases; {allowed}.")
        if cost > limits.max_cost:
            refusals.append(f"The query costs {cost}; the most allowed is {limits.max_cost}.")
        return refusals

    def cost_of(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        page_size: int | None = None,
        depth: int = 0,
    ) -> int:
        cost = 0
        for selection, selected_on in self._selections(selection_set, parent, set()):
            self._meet()
            if isinstance(selection, FragmentSpreadNode):
                cost += 1
                continue
            self.aliases += selection.alias is not None
            field = getattr(selected_on, "fields", {}).get(selection.name.value)
            cost += self._field(selection, field, page_size, depth) if field else 1
        return cost

    def _field(
        self, node: FieldNode, field: GraphQLField, page_size: int | None, depth: int
    ) -> int:
        own = _declared_cost(field)
        returned = get_named_type(field.type)
        if node.selection_set is None or not is_composite_type(returned):
            return own
        if depth + 1 > self.limits.max_depth:
            self.too_deep = True
            return own
        items = (page_size or LIST_LENGTH) if is_list_type(get_nullable_type(field.type)) else 1
        inner = self.cost_of(node.selection_set, returned, _page_size(node, field), depth + 1)
        return own + items * inner

    def _selections(
        self, selection_set: SelectionSetNode, parent: Any, expanded: set[str]
    ) -> Iterable[tuple[FieldNode | FragmentSpreadNode, Any]]:
        """The fields selected on `parent` and the spreads met on the way; a fragment spread
        again in the same selection set is merged by execution, so it is expanded once (which
        also ends a cycle)."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = self._type(selection.type_condition, parent)
                yield from self._selections(selection.selection_set, on, expanded)
            elif isinstance(selection, FragmentSpreadNode):
                yield selection, parent
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in expanded:
                    expanded.add(name)
                    on = self._type(fragment.type_condition, parent)
                    yield from self._selections(fragment.selection_set, on, expanded)

    def _type(self, condition: NamedTypeNode | None, parent: Any) -> Any:
        """The type a fragment selects on; unknown names are left to graphql's own rules."""
        return self.schema.get_type(condition.name.value) if condition else parent

    def _meet(self) -> None:
        """Each field and spread met adds at least 1 to the cost: past the budget, stop."""
        self.met += 1
        if self.met > self.limits.max_cost:
            raise _OverBudget


def _declared_cost(field: GraphQLField) -> int:
    definition = field.extensions.get("strawberry-definition")
    metadata = getattr(definition, "metadata", None) or {}
    return int(metadata.get("cost", 1))


def _page_size(node: FieldNode, field: GraphQLField) -> int | None:
    """The `first` items a page field may return; None for a field that is no page."""
    if "first" not in field.args:
        return None
    written = next((arg.value for arg in node.arguments or () if arg.name.value == "first"), None)
    if written is None:
        argument = field.args["first"]  # strawberry fills the older `default_value`
        size = argument.default.value if argument.default else argument.default_value
    else:
        size = int(written.value) if isinstance(written, IntValueNode) else None
    return page_size(size) if isinstance(size, int) else MAX_PAGE


def page_size(first: int) -> int:
    """How many items a page of `first` holds: 1 to `MAX_PAGE`."""
    return max(1, min(first, MAX_PAGE))


class ContentTooLarge(AppError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    detail = "The request body is larger than the gateway accepts."


class BodyLimit:
    """Refuses a request body over `max_bytes` (or, under a path prefix of `larger`, over its
    limit) as problem+json: by its declared length before a byte is read, or as soon as the
    bytes streamed in pass the limit. (Starlette's own limit answers in plain text.)"""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def _limit(self, path: str) -> int:
        return next(
            (limit for prefix, limit in self.larger.items() if path.startswith(prefix)),
            self.max_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            refusal = ContentTooLarge()
            await problem(refusal.status, refusal.type_name, refusal.detail)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise ContentTooLarge()
            return message

        await self.app(scope, receive_within_limit, send)
