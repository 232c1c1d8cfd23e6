from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.contracts.matching import MatchRunRequested
from tandem.kit.inbox import Handlers
from tandem.matching import service
from tandem.matching.settings import MatchingSettings


async def on_match_run_requested(session: AsyncSession, event: MatchRunRequested) -> None:
    pool = service.solver_pool(MatchingSettings().solver_processes)
    await service.execute_run(session, event.organization_id, event.run_id, pool)


HANDLERS: Handlers = {MatchRunRequested: on_match_run_requested}
