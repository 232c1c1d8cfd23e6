"""How often one client may ask: each bearer token (or, without one, each address) gets a rate
of requests to the GraphQL endpoint and the partners' door; over it the answer is 429 with the
seconds to wait, before the request is read."""

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tandem.kit.errors import problem


def parse_rate(rate: str) -> RateLimitItem:
    """`600/minute`, `20/second`, ... (the `limits` package's notation)."""
    return parse(rate)


class RateLimit:
    def __init__(self, app: ASGIApp, rate: str, paths: tuple[str, ...]) -> None:
        self.app = app
        self.rate = parse_rate(rate)
        self.paths = paths
        # Per process: behind several gateway replicas a client gets the rate from each.
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        client = _client(scope)
        if await self.limiter.hit(self.rate, client):
            await self.app(scope, receive, send)
            return
        window = await self.limiter.get_window_stats(self.rate, client)
        wait = max(1, math.ceil(window.reset_time - time.time()))
        refusal = problem(
            429,
            "TooManyRequests",
            f"Too many requests from this client; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
        await refusal(scope, receive, send)


def _client(scope: Scope) -> str:
    """A digest of the bearer token (never the token itself, which could end up in a dump of
    memory), else the address the request came from."""
    authorization = Headers(scope=scope).get("authorization", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    host, _ = scope.get("client") or ("unknown", 0)
    return f"address:{host}"
