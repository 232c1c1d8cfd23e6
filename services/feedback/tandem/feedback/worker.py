from tandem.feedback.handlers import WIRING
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.worker import run_worker

if __name__ == "__main__":
    run_worker(FeedbackSettings, WIRING)
