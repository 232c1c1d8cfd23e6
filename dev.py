#!/usr/bin/env python3
"""Developer commands; needs only Python 3.11+. Creates .venv and installs what is missing.

python3 dev.py up       start the whole system with a demo organization (Ctrl-C stops)
python3 dev.py test     run every test (real PostgreSQL and NATS: embedded unless
                        DATABASE_URL / NATS_URL are set)
python3 dev.py lint     ruff (lint + format check), mypy, import-linter
python3 dev.py token    print a development token (see `python3 dev.py token --help`)
"""

import hashlib
import signal
import subprocess
import sys
import time
import venv
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
INSTALL_INPUTS = ["constraints.txt", "requirements-dev.txt", "**/pyproject.toml"]

# Each suite runs in a pytest process of its own: a service's fixtures start that service's app.
SUITE_PARENTS = [
    "services/kit",
    "services/profiles",
    "services/matching",
    "services/sessions",
    "services/feedback",
    "gateway",
    ".",
]


def suites() -> tuple[list[str], list[str]]:
    """The tests/ folders that hold tests (one that collects none fails the run), and those that
    hold none (skipped, and said so)."""
    found = [(parent + "/tests").removeprefix("./") for parent in SUITE_PARENTS]
    holding = [suite for suite in found if any((ROOT / suite).glob("test_*.py"))]
    return holding, [suite for suite in found if suite not in holding]


def main() -> int:
    command, arguments = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("help", [])
    commands = {"up": up, "test": test, "lint": lint, "token": token, "install": _installed}
    if command not in commands:
        print(__doc__)
        return 0 if command == "help" else 2
    install()
    return commands[command](arguments)


def _installed(_: list[str]) -> int:
    return 0


def install() -> None:
    """Create .venv and install every member, unless nothing changed since the last install."""
    stamp = VENV / ".installed"
    digest = _install_digest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    started = time.monotonic()
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    print("Installing the pinned dependencies (constraints.txt, requirements-dev.txt)", flush=True)
    _pip_install(["-c", "constraints.txt", "-r", "requirements-dev.txt"])
    stamp.write_text(digest)
    print(f"Installed in {time.monotonic() - started:.0f} s", flush=True)


def _pip_install(arguments: list[str]) -> None:
    """pip's account, a line per package it fetches or builds: neither its indented detail nor a
    line per package already there."""
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", *arguments]
    with subprocess.Popen(pip, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if not line.startswith((" ", "Requirement already satisfied")):
                print("  " + line, end="", flush=True)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, pip)


def _install_digest() -> str:
    files = sorted({path for pattern in INSTALL_INPUTS for path in ROOT.glob(pattern)})
    files = [path for path in files if ".venv" not in path.parts]
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()


def up(arguments: list[str]) -> int:
    return _run(["-m", "tandem.launcher", "up", *arguments])


def token(arguments: list[str]) -> int:
    return _run(["-m", "tandem.launcher", "token", *arguments])


def lint(_: list[str]) -> int:
    checks = [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
        ["lint-imports", "--no-cache"],
    ]
    failed = [check for check in checks if _run(check[1:], program=check[0]) != 0]
    return 1 if failed else 0


def test(arguments: list[str]) -> int:
    """Every suite; fails if any suite fails or collects no test. Ends with one summary line."""
    reports = ROOT / ".tandem" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    failed_suites = []
    run, skipped = suites()
    print("suites: " + ", ".join(run))
    for suite in skipped:
        print(f"skipped: {suite} (no test_*.py in it)")
    for suite in run:
        report = reports / (suite.replace("/", "_") + ".xml")
        report.unlink(missing_ok=True)
        print(f"\n=== {suite}", flush=True)
        code = _run(["-m", "pytest", suite, f"--junitxml={report}", *arguments])
        for key, value in _counts(report).items():
            totals[key] += value
        if code != 0:
            failed_suites.append(f"{suite} (pytest exit {code})")
    if failed_suites:
        print("\nfailed suites: " + ", ".join(failed_suites))
    print(f"\n{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if failed_suites else 0


def _counts(report: Path) -> dict[str, int]:
    if not report.exists():
        return {}
    suite = ElementTree.parse(report).getroot().find("testsuite")  # noqa: S314 - our own file
    assert suite is not None
    total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    return {"passed": total - skipped - failed, "failed": failed, "skipped": skipped}


def _run(arguments: list[str], program: str = "python") -> int:
    """Run one of the virtual environment's programs from the repository root.

    Ctrl-C reaches the program itself (it is in the terminal's process group); this process
    waits for it to finish stopping instead of killing it, so the launcher can stop the
    services and its embedded PostgreSQL and NATS on the way out.
    """
    command = [str(VENV / "bin" / program), *arguments]
    child = subprocess.Popen(command, cwd=ROOT)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    sys.exit(main())
