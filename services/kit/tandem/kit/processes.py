"""Process pools for CPU-heavy work (a solve), whose processes never outlive their parent.

A process killed with SIGKILL cannot stop its pool; without a watch, its workers would go on
solving for nobody. Each pool process watches its parent instead and exits when it is gone
(POSIX reparents an orphan, so its parent pid changes), within half a second.
"""

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from tandem.kit.app import tune_garbage_collector

PARENT_POLL_SECONDS = 0.5


def process_pool(processes: int) -> ProcessPoolExecutor:
    """Fresh (spawned) processes that, like the APIs, collect cyclic garbage less often."""
    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_pool_process,
        initargs=(os.getpid(),),
    )


def _start_pool_process(parent_pid: int) -> None:
    tune_garbage_collector()
    threading.Thread(
        target=_exit_when_orphaned, args=(parent_pid,), name="parent-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
