from tandem.kit.worker import run_worker
from tandem.sessions.handlers import WIRING
from tandem.sessions.settings import SessionsSettings

if __name__ == "__main__":
    run_worker(SessionsSettings, WIRING)
