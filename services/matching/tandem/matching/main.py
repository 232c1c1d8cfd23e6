import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from tandem.kit.app import create_app
from tandem.matching import service
from tandem.matching.router import routers
from tandem.matching.settings import MatchingSettings


@contextlib.asynccontextmanager
async def solving(app: FastAPI) -> AsyncIterator[None]:
    """The API's pool for what-if solves, shut down when the app stops."""
    settings: MatchingSettings = app.state.settings
    pool = service.solver_pool(settings.solver_processes)
    app.state.solver_pool = pool
    try:
        yield
    finally:
        pool.shutdown(cancel_futures=True)


app = create_app(MatchingSettings, routers=routers, lifespan=solving)
