import importlib.util
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from conftest import Organization

from tandem.kit.auth import KeyPair, Role, TokenVerifier
from tandem.kit.settings import AuthSettings
from tandem.launcher import running
from tandem.launcher.demo import DEMO_ORGANIZATION_ID
from tandem.launcher.stack import Stack


def _launcher(state_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tandem.launcher", "--state-dir", str(state_dir), "token"]
    return subprocess.run([*command, *arguments], capture_output=True, text=True, check=False)


def _token(state_dir: Path, *arguments: str) -> str:
    finished = _launcher(state_dir, *arguments)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.strip()


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


def test_dev_py_runs_every_suite_and_skips_none() -> None:
    spec = importlib.util.spec_from_file_location("dev", Path(__file__).parents[1] / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)

    run, skipped = dev.suites()

    assert skipped == []
    assert "services/sessions/tests" in run


def test_the_token_help_names_the_command_a_developer_types(tmp_path: Path) -> None:
    finished = _launcher(tmp_path, "--help")

    assert finished.stdout.startswith("usage: python3 dev.py token")


def test_a_subject_that_cannot_be_checked_gets_a_token_and_a_warning(tmp_path: Path) -> None:
    person = uuid.uuid4()

    finished = _launcher(tmp_path, "--role", "participant", "--subject", str(person))

    assert finished.returncode == 0
    assert finished.stdout.strip()
    assert f"could not check that {person} is a person" in finished.stderr
    assert "the stack is not running" in finished.stderr


def test_a_subject_that_is_no_uuid_is_refused_for_a_person(tmp_path: Path) -> None:
    finished = _launcher(tmp_path, "--role", "participant", "--subject", "alice")

    assert finished.returncode != 0
    assert finished.stdout == ""
    assert "--subject must be a person id" in finished.stderr


@pytest.fixture
def running_state_dir(tmp_path: Path, stack: Stack, signing_keys: KeyPair) -> Path:
    """A state directory as `dev.py up` leaves it while the stack runs."""
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "dev-private.pem").write_text(signing_keys.private_pem)
    (keys / "dev-public.pem").write_text(signing_keys.public_pem)
    running.record(tmp_path, stack.config.service_url("profiles"))
    return tmp_path


async def _person_id(stack: Stack, organization: Organization) -> str:
    await organization.add_people(1)
    async with httpx.AsyncClient(base_url=stack.config.service_url("profiles")) as http:
        headers = {"Authorization": f"Bearer {organization.token}"}
        people = await http.get("/people", headers=headers)
    person_id: str = people.json()["items"][0]["id"]
    return person_id


async def test_a_person_of_the_organization_gets_a_token_without_a_word(
    running_state_dir: Path, stack: Stack, organization: Organization
) -> None:
    person = await _person_id(stack, organization)

    in_organization = ["--role", "participant", "--organization", str(organization.id)]

    finished = _launcher(running_state_dir, *in_organization, "--subject", person)

    assert finished.returncode == 0
    assert finished.stdout.strip()
    assert finished.stderr == ""


async def test_a_subject_that_is_no_person_of_the_organization_is_refused(
    running_state_dir: Path, stack: Stack, organization: Organization
) -> None:
    someone_elses = await _person_id(stack, organization)
    stranger = str(uuid.uuid4())
    in_organization = ["--role", "participant", "--organization", str(organization.id)]

    refusals = [  # a person of another organization, and an id that is nobody
        _launcher(running_state_dir, "--role", "participant", "--subject", someone_elses),
        _launcher(running_state_dir, *in_organization, "--subject", stranger),
    ]

    for refused, person in zip(refusals, [someone_elses, stranger], strict=True):
        assert refused.returncode != 0
        assert refused.stdout == ""
        assert f"{person} is no person of organization" in refused.stderr
