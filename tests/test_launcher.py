import subprocess
import sys
import uuid
from pathlib import Path

from tandem.kit.auth import Role, TokenVerifier
from tandem.kit.settings import AuthSettings
from tandem.launcher.demo import DEMO_ORGANIZATION_ID


def _token(state_dir: Path, *arguments: str) -> str:
    command = [sys.executable, "-m", "tandem.launcher", "--state-dir", str(state_dir), "token"]
    return subprocess.run(
        [*command, *arguments], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_the_token_command_prints_a_token_the_services_accept(tmp_path: Path) -> None:
    person = uuid.uuid4()

    token = _token(tmp_path, "--role", "participant", "--subject", str(person))

    public_key = (tmp_path / "keys" / "dev-public.pem").read_text()
    principal = TokenVerifier(AuthSettings(jwt_public_key=public_key)).verify(token)
    assert principal.person_id == person
    assert principal.organization_id == DEMO_ORGANIZATION_ID
    assert principal.roles == {Role.PARTICIPANT}


def test_the_dev_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    _token(tmp_path)
    first = (tmp_path / "keys" / "dev-private.pem").read_text()
    _token(tmp_path, "--role", "partner", "--scope", "people:write")

    assert (tmp_path / "keys" / "dev-private.pem").read_text() == first
    assert (tmp_path / "keys" / "dev-private.pem").stat().st_mode & 0o077 == 0
