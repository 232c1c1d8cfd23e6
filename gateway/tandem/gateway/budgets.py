"""What one request may ask of the gateway, measured on the document before anything runs.

A document is refused when it is too large (bytes, tokens), too deep, has too many aliases, or
costs too much. Its cost estimates the work of answering it:
- every field costs 1, except a field that asks a service, which costs `SERVICE_CALL`
  (declared on the field with `metadata=ASKS_A_SERVICE`);
- the fields selected below a list of objects are paid once per item: its parent's `first`
  items when the parent is a page, else `LIST_LENGTH`;
- a page size that the document does not write as a number (a variable) counts as `MAX_PAGE`.
"""

import contextlib
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
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
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from tandem.gateway.settings import GatewaySettings
from tandem.kit.errors import AppError, problem

MAX_PAGE = 100
LIST_LENGTH = 10
SERVICE_CALL = 50
ASKS_A_SERVICE = {"cost": SERVICE_CALL}


def extensions(settings: GatewaySettings) -> list[Callable[[], SchemaExtension]]:
    """The schema extensions that hold each budget (and, in production, refuse introspection)."""
    limits: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules([depth_limit(settings.max_depth)]),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: AddValidationRules([cost_limit(settings.max_cost, settings.max_depth)]),
    ]
    if settings.production:
        limits.append(DisableIntrospection)
    return limits


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """Strawberry's depth limit, except that it crashes (KeyError) on a spread of an unknown
    fragment; graphql's own rules refuse such a document with a proper message."""
    (strawberry_rule,) = QueryDepthLimiter(max_depth=max_depth).validation_rules

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            with contextlib.suppress(KeyError):
                strawberry_rule(context)

    return DepthLimit


def cost_limit(max_cost: int, max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing each operation that costs more than `max_cost`; it stops
    looking below `max_depth`, where the depth limit refuses the document anyway."""

    class CostLimit(ValidationRule):
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
            cost = _Costing(context.schema, fragments, max_depth).of(node.selection_set, root)
            if cost > max_cost:
                message = f"The query costs {cost}; the most allowed is {max_cost}."
                context.report_error(GraphQLError(message, node))

    return CostLimit


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        max_depth: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.max_depth = max_depth

    def of(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLCompositeType,
        page_size: int | None = None,
        depth: int = 0,
        spread: frozenset[str] = frozenset(),
    ) -> int:
        if depth > self.max_depth:
            return 0
        cost = 0
        for field_node, selected_on in self._fields(selection_set, parent, spread):
            field = getattr(selected_on, "fields", {}).get(field_node.name.value)
            if field is not None:
                cost += self._field(field_node, field, page_size, depth)
        return cost

    def _field(
        self, node: FieldNode, field: GraphQLField, page_size: int | None, depth: int
    ) -> int:
        own = _declared_cost(field)
        returned = get_named_type(field.type)
        if node.selection_set is None or not is_composite_type(returned):
            return own
        items = (page_size or LIST_LENGTH) if is_list_type(get_nullable_type(field.type)) else 1
        inner = self.of(node.selection_set, returned, _page_size(node, field), depth + 1)
        return own + items * inner

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, spread: frozenset[str]
    ) -> Iterable[tuple[FieldNode, GraphQLCompositeType]]:
        """The fields selected on `parent`, through fragments (each at most once on a path)."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = self._type(selection.type_condition, parent)
                yield from self._fields(selection.selection_set, on, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in spread:
                    on = self._type(fragment.type_condition, parent)
                    yield from self._fields(fragment.selection_set, on, spread | {name})

    def _type(self, condition: NamedTypeNode | None, parent: GraphQLCompositeType) -> Any:
        """The type a fragment selects on; unknown names are left to graphql's own rules."""
        return self.schema.get_type(condition.name.value) if condition else parent


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
        default = field.args["first"].default
        size = default.value if default is not None else None
    else:
        size = int(written.value) if isinstance(written, IntValueNode) else None
    return max(1, min(size, MAX_PAGE)) if isinstance(size, int) else MAX_PAGE


class ContentTooLarge(AppError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    detail = "The request body is larger than the gateway accepts."


class BodyLimit:
    """Refuses a request body over `max_bytes` as problem+json: by its declared length before a
    byte is read, or as soon as the bytes streamed in pass the limit. (Starlette's own limit
    answers in plain text.)"""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            refusal = ContentTooLarge()
            await problem(refusal.status, refusal.type_name, refusal.detail)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise ContentTooLarge()
            return message

        await self.app(scope, receive_within_limit, send)
