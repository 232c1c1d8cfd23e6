"""The development keys (the token signing key, the notes master key): made once per checkout,
kept in .tandem/keys (never committed)."""

import base64
import json
import os
from pathlib import Path

from tandem.kit.auth import KeyPair, generate_key_pair


def load_or_create_keys(directory: Path) -> KeyPair:
    private, public = directory / "dev-private.pem", directory / "dev-public.pem"
    if not private.exists():
        directory.mkdir(parents=True, exist_ok=True)
        keys = generate_key_pair()
        private.write_text(keys.private_pem)
        private.chmod(0o600)
        public.write_text(keys.public_pem)
    return KeyPair(private.read_text(), public.read_text())


def load_or_create_notes_master_keys(directory: Path) -> str:
    """`SESSIONS_NOTES_MASTER_KEYS` for development: one random key, kept so that notes written
    in one run open in the next."""
    path = directory / "notes-master.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(os.urandom(32)).decode())
        path.chmod(0o600)
    return json.dumps({"dev": path.read_text().strip()})
