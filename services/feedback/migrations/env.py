from tandem.feedback.models import Base
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.migrations import run_env

run_env(Base.metadata, FeedbackSettings)
