from pathlib import Path

import pytest
from fastapi import FastAPI

from tandem.profiles.main import app


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app


@pytest.fixture(scope="session")
def alembic_ini() -> Path:
    return Path(__file__).parents[1] / "alembic.ini"
