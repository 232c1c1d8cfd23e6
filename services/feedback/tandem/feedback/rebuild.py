"""`python -m tandem.feedback.rebuild`: the KPI read model rebuilt from the stream while the API
keeps answering from the one it replaces (`tandem.kit.rebuild`). Configured as the worker is."""

from tandem.feedback.handlers import WIRING
from tandem.feedback.models import READ_MODEL
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.rebuild import run_rebuild

if __name__ == "__main__":
    run_rebuild(FeedbackSettings, WIRING, READ_MODEL)
