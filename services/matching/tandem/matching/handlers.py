import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.contracts.matching import MatchRunRequested
from tandem.kit.inbox import Handlers
from tandem.matching import service
from tandem.matching.settings import MatchingSettings


@functools.cache
def solver_pool() -> ProcessPoolExecutor:
    """Solves run in other processes, so the event loop keeps serving."""
    processes = MatchingSettings().solver_processes
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


async def on_match_run_requested(session: AsyncSession, event: MatchRunRequested) -> None:
    await service.execute_run(session, event.organization_id, event.run_id, solver_pool())


HANDLERS: Handlers = {MatchRunRequested: on_match_run_requested}
