import asyncio

import pytest
from structlog.testing import capture_logs

from tandem.kit import worker


async def test_a_loop_that_ran_a_while_is_retried_soon_after_its_next_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "FIRST_RETRY_SECONDS", 0.01)
    monkeypatch.setattr(worker, "LAST_RETRY_SECONDS", 0.2)
    # fails twice at once, then after running longer than the longest wait, then at once
    runs_before_failing = [0.0, 0.0, 0.3, 0.0]
    finished = asyncio.Event()

    async def run() -> None:
        if not runs_before_failing:
            finished.set()
            await asyncio.Event().wait()
        await asyncio.sleep(runs_before_failing.pop(0))
        raise ConnectionRefusedError("the database restarts")

    with capture_logs() as logs:
        supervised = asyncio.create_task(worker._supervise("loop", run))
        await asyncio.wait_for(finished.wait(), 5)
        supervised.cancel()

    assert [entry["retry_in"] for entry in logs] == [0.01, 0.02, 0.01, 0.02]
