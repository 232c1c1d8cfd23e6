"""The development signing key: made once per checkout, kept in .tandem/keys (never committed)."""

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
