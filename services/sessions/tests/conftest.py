import pytest
from fastapi import FastAPI

from tandem.sessions.main import app


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app
