from tandem.kit.migrations import run_env
from tandem.matching.models import Base
from tandem.matching.settings import MatchingSettings

run_env(Base.metadata, MatchingSettings)
