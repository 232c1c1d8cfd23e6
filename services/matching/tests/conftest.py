import pytest
from fastapi import FastAPI

from tandem.matching.main import app


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app
