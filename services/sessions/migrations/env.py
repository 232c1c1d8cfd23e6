import tandem.sessions.models  # noqa: F401  (the tables the migrations must build)
from tandem.kit.db import Base
from tandem.kit.migrations import run_env
from tandem.sessions.settings import SessionsSettings

run_env(Base.metadata, SessionsSettings)
