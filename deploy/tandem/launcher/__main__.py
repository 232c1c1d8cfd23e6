"""`python3 dev.py up` starts the whole system; `python3 dev.py token` prints a dev token."""

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import uuid
from pathlib import Path

from tandem.kit import infra
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.logs import configure_logging
from tandem.launcher import running
from tandem.launcher.demo import (
    DEMO_ORGANIZATION_ID,
    DemoSurvey,
    EnrolledProgram,
    FirstMeetings,
    ProgramUnderWay,
    Workspace,
    demo_admin_token,
    fill_workspace,
    hold_first_meetings,
    load_demo,
    planned_mentorship,
    put_under_way,
    survey_the_program,
)
from tandem.launcher.keys import load_or_create_keys, load_or_create_notes_master_keys
from tandem.launcher.stack import SERVICES, Stack, StackConfig
from tandem.launcher.subjects import check_person

PROGRAM = "python3 dev.py"  # how a developer runs it


def main() -> None:
    arguments = _parser().parse_args()
    arguments.run(arguments)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(".tandem"))
    commands = parser.add_subparsers(required=True)
    up = commands.add_parser("up", help="start everything and load the demo organization")
    up.add_argument("--port", type=int, default=8000, help="gateway port; services follow it")
    up.set_defaults(run=lambda arguments: asyncio.run(_up(arguments)))
    token = commands.add_parser("token", help="print a development bearer token")
    token.add_argument("--role", type=Role, choices=list(Role), default=Role.HR_ADMIN)
    token.add_argument("--organization", type=uuid.UUID, default=DEMO_ORGANIZATION_ID)
    token.add_argument("--subject", help="person id, or a partner's client id")
    token.add_argument("--scope", action="append", default=[], help="e.g. people:write")
    token.add_argument("--hours", type=int, default=12)
    token.set_defaults(run=_token)
    return parser


def _token(arguments: argparse.Namespace) -> None:
    keys = load_or_create_keys(arguments.state_dir / "keys")
    issuer = TokenIssuer(keys.private_pem)
    subject = arguments.subject or (
        "partner" if arguments.role is Role.PARTNER else str(uuid.uuid4())
    )
    if arguments.subject and arguments.role is not Role.PARTNER:
        _require_person(arguments, issuer)
    token = issuer.issue(
        subject, arguments.organization, [arguments.role], arguments.scope, arguments.hours * 3600
    )
    print(token)


def _require_person(arguments: argparse.Namespace, issuer: TokenIssuer) -> None:
    """Refuse a subject that is no person of the organization; say so when that can't be asked."""
    try:
        person_id = uuid.UUID(arguments.subject)
    except ValueError:
        raise SystemExit(
            f"{PROGRAM} token: --subject must be a person id (a UUID) for {arguments.role}"
        ) from None
    profiles_url = running.profiles_url(arguments.state_dir)
    check = check_person(profiles_url, issuer, arguments.organization, person_id)
    organization = f"organization {arguments.organization}"
    if check.is_person is False:
        raise SystemExit(
            f"{PROGRAM} token: {person_id} is no person of {organization}: {check.explanation}"
        )
    if check.is_person is None:
        print(
            f"{PROGRAM} token: warning: could not check that {person_id} is a person of "
            f"{organization}: {check.explanation}",
            file=sys.stderr,
        )


async def _up(arguments: argparse.Namespace) -> None:
    configure_logging("launcher")
    state_dir: Path = arguments.state_dir.resolve()
    keys = load_or_create_keys(state_dir / "keys")
    nats_server = None
    postgres_url = _postgres(state_dir / "postgres")
    nats_url, monitor_url = os.environ.get("NATS_URL"), os.environ.get("NATS_MONITOR_URL")
    if nats_url is None:
        _say(f"Starting NATS JetStream (embedded, data in {state_dir / 'nats'})")
        nats_server = infra.embedded_nats(state_dir / "nats").start()
        nats_url, monitor_url = nats_server.url, nats_server.monitor_url
    else:
        _say(f"Using NATS at {nats_url} (NATS_URL)")
    ports = {name: arguments.port + 1 + index for index, name in enumerate(SERVICES)}
    metrics_ports = {name: port + 100 for name, port in ports.items()}
    metrics_ports["gateway"] = arguments.port + 100
    stack = Stack(
        StackConfig(
            postgres_url=postgres_url,
            nats_url=nats_url,
            nats_monitor_url=monitor_url,
            jwt_public_key=keys.public_pem,
            service_signing_key=keys.private_pem,
            gateway_port=arguments.port,
            service_ports=ports,
            metrics_ports=metrics_ports,
            log_dir=_log_dir(state_dir),
            extra_env={
                "SESSIONS_NOTES_MASTER_KEYS": load_or_create_notes_master_keys(state_dir / "keys")
            },
        )
    )
    try:
        _say(f"Creating and migrating the databases of {', '.join(SERVICES)}")
        await stack.prepare()
        stack.start()
        for process in stack.processes.values():
            _say(f"Started {process.name} (log: {process.log_path})")
        _say("Waiting until every service answers")
        await stack.wait_ready()
        running.record(state_dir, stack.config.service_url("profiles"))
        issuer = TokenIssuer(keys.private_pem)
        token = demo_admin_token(issuer)
        _say("Loading the demo organization (people, skills, availability, programs)")
        demo = await load_demo(stack.config.service_url("profiles"), token)
        under_way = [await _put_under_way(stack, issuer, program) for program in demo.under_way]
        workspaces = [await _fill_workspace(stack, issuer, *done) for done in under_way]
        meetings = [await _hold_first_meetings(stack, issuer, *done) for done in under_way]
        surveys = [await _survey(stack, issuer, *held) for held in meetings if held]
        _announce(stack, token, demo.created, under_way, workspaces, meetings, surveys, state_dir)
        await _supervise_until_signalled(stack)
    finally:
        running.forget(state_dir)
        stack.stop()
        if nats_server is not None:
            nats_server.stop()


def _say(step: str) -> None:
    print(step, flush=True)


def _postgres(data_dir: Path) -> str:
    if given := os.environ.get("DATABASE_URL"):
        _say("Using the PostgreSQL server DATABASE_URL names")
        return given
    _say(f"Starting PostgreSQL (embedded, data in {data_dir})")
    return infra.start_embedded_postgres(data_dir)


def _log_dir(state_dir: Path) -> Path:
    log_dir = state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    return log_dir


async def _put_under_way(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram
) -> tuple[EnrolledProgram, ProgramUnderWay]:
    _say(f"Putting the demo program {program.name!r} under way (match, publish, every yes)")
    done = await put_under_way(stack.config.service_url("matching"), issuer, program, _say)
    _say(
        f"Accepted {done.accepted_now} proposals of {program.name!r} now; "
        f"{done.accepted} of its {done.proposals} proposals are mentorships "
        "(the sessions service plans their meetings once every proposal is answered)"
    )
    return program, done


async def _fill_workspace(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram, done: ProgramUnderWay
) -> Workspace | None:
    """The members of one mentorship whose meetings are planned write in their workspace."""
    if not done.accepted:
        return None
    _say(f"Waiting for the sessions service to plan the meetings of {program.name!r}")
    urls = {service: stack.config.service_url(service) for service in ("matching", "sessions")}
    mentorship = await planned_mentorship(urls, issuer, program.id)
    if mentorship is None:
        _say(f"No meeting of {program.name!r} is planned yet: its workspaces stay empty")
        return None
    _say(f"Writing in a mentorship's workspace of {program.name!r} (goal, notes, an action item)")
    return await fill_workspace(stack.config.service_url("sessions"), issuer, mentorship)


async def _hold_first_meetings(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram, done: ProgramUnderWay
) -> tuple[EnrolledProgram, FirstMeetings] | None:
    """A few pairs of the program meet for the first time and say how it went."""
    if not done.accepted:
        return None
    _say(f"Holding first meetings in {program.name!r} and rating them (about a minute)")
    urls = {s: stack.config.service_url(s) for s in ("matching", "sessions", "feedback")}
    held = await hold_first_meetings(urls, issuer, program.id)
    _say(f"{held.held} first meetings of {program.name!r} are held ({held.rated_now} rated now)")
    return program, held


async def _survey(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram, meetings: FirstMeetings
) -> DemoSurvey | None:
    """The program's survey, answered by those who held a first meeting."""
    _say(f"Sending a survey to the participants of {program.name!r} and answering it")
    feedback_url = stack.config.service_url("feedback")
    return await survey_the_program(feedback_url, issuer, program.id, list(meetings.members))


def _announce(
    stack: Stack,
    token: str,
    added: int,
    under_way: list[tuple[EnrolledProgram, ProgramUnderWay]],
    workspaces: list[Workspace | None],
    meetings: list[tuple[EnrolledProgram, FirstMeetings] | None],
    surveys: list[DemoSurvey | None],
    state_dir: Path,
) -> None:
    lines = [
        "",
        "Tandem is running.",
        f"  GraphQL (GraphiQL in a browser): {stack.config.gateway_url}/graphql",
        *(
            f"  {service:<9} API docs: {stack.config.service_url(service)}/docs"
            for service in SERVICES
        ),
        "  metrics (private ports): "
        + ", ".join(f"{port}" for port in stack.config.metrics_ports.values())
        + " (GET /metrics on 127.0.0.1)",
        f"  demo organization: {DEMO_ORGANIZATION_ID} ({added} people added now)",
        *(line for program, done in under_way for line in _under_way_lines(stack, program, done)),
        *(
            line
            for workspace in workspaces
            if workspace
            for line in _workspace_lines(stack, workspace)
        ),
        *(line for held in meetings if held for line in _first_meetings_lines(stack, *held)),
        *(
            f"    its survey's results: GET {stack.config.service_url('feedback')}"
            f"/surveys/{survey.id}/results"
            for survey in surveys
            if survey
        ),
        f"  logs: {state_dir / 'logs'}",
        "",
        "Send this header (an HR admin of the demo organization, valid 12 hours):",
        f"  Authorization: Bearer {token}",
        "",
        "Try: { health { service status } kpis { headcount } }",
        "Stop with Ctrl-C.",
    ]
    print("\n".join(lines), flush=True)


def _under_way_lines(stack: Stack, program: EnrolledProgram, done: ProgramUnderWay) -> list[str]:
    lines = [f"  demo program under way: {program.name} ({done.accepted} mentorships)"]
    if done.member_id is not None:
        lines += [
            f"    one of its members: {done.member_id}; with a token for them",
            f"    ({PROGRAM} token --role participant --subject {done.member_id}):",
            f"    GET {stack.config.service_url('matching')}/me/mentorships, "
            f"GET {stack.config.service_url('sessions')}/me/sessions",
        ]
    return lines


def _workspace_lines(stack: Stack, workspace: Workspace) -> list[str]:
    mentorship = f"{stack.config.service_url('sessions')}/mentorships/{workspace.mentorship_id}"
    lines = [
        f"    a workspace in use, as its member {workspace.member_id} "
        f"({PROGRAM} token --role participant --subject {workspace.member_id}):",
        f"    GET {mentorship}/goals, {mentorship}/notes",
    ]
    if workspace.first_session_id is not None:
        agenda = f"{stack.config.service_url('sessions')}/sessions/{workspace.first_session_id}"
        lines.append(f"    the first meeting's agenda: GET {agenda}/agenda")
    return lines


def _first_meetings_lines(
    stack: Stack, program: EnrolledProgram, meetings: FirstMeetings
) -> list[str]:
    kpis = f"{stack.config.service_url('feedback')}/programs/{program.id}"
    lines = [
        f"    {meetings.held} first meetings held and rated; as the HR admin below:",
        f"    GET {kpis}/dashboard, {kpis}/at-risk, {kpis}/report (one HTML page)",
    ]
    if meetings.not_a_good_fit is not None:
        lines += [
            f"    {meetings.not_a_good_fit} found their pair not a good fit; as them:",
            f"    GET {stack.config.service_url('matching')}/me/rematch-offers",
        ]
    if meetings.owes_fit_checkin is not None:
        lines += [
            f"    {meetings.owes_fit_checkin} still owes the fit check-in; as them, in GraphQL:",
            "    { me { pendingCheckIns { nodes { kind mentorshipId dueSince } } } }",
        ]
    return lines


async def _supervise_until_signalled(stack: Stack) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    while not stop.is_set():
        stack.restart_dead()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


if __name__ == "__main__":
    main()
