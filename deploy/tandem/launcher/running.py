"""While `up` runs, where its services answer, kept in the state directory for the commands
that ask them (`token` checks its subject with profiles)."""

import json
from pathlib import Path

_RECORD = "running.json"


def record(state_dir: Path, profiles_url: str) -> None:
    (state_dir / _RECORD).write_text(json.dumps({"profiles_url": profiles_url}))


def forget(state_dir: Path) -> None:
    (state_dir / _RECORD).unlink(missing_ok=True)


def profiles_url(state_dir: Path) -> str | None:
    """The running profiles service, or None when `up` is not running."""
    try:
        url: str = json.loads((state_dir / _RECORD).read_text())["profiles_url"]
    except FileNotFoundError:
        return None
    return url
