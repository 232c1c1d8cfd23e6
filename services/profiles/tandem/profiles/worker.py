from tandem.kit.worker import run_worker
from tandem.profiles.settings import ProfilesSettings

if __name__ == "__main__":
    run_worker(ProfilesSettings)
