from tandem.kit.worker import run_worker
from tandem.matching.handlers import WIRING
from tandem.matching.settings import MatchingSettings

if __name__ == "__main__":
    run_worker(MatchingSettings, WIRING)
