from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from tandem.gateway.context import Context


class IsAuthenticated(BasePermission):
    message = "A valid bearer token is required."

    def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        return info.context.principal is not None
