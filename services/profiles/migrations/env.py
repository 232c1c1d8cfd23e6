from tandem.kit.migrations import run_env
from tandem.profiles.models import Base
from tandem.profiles.settings import ProfilesSettings

run_env(Base.metadata, ProfilesSettings)
