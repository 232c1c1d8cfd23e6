from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from fastapi import FastAPI

from tandem.matching.main import app


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app


@pytest.fixture(scope="session")
def pool() -> Iterator[ProcessPoolExecutor]:
    """The solver's process pool, as the worker has it."""
    with ProcessPoolExecutor(1) as executor:
        yield executor
