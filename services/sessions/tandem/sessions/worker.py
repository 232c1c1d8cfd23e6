from tandem.kit.worker import run_worker
from tandem.sessions.settings import SessionsSettings

if __name__ == "__main__":
    run_worker(SessionsSettings)
