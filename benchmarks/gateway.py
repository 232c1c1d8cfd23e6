"""The member's screens through the gateway, against the real services, with the same data
read straight from the services as the baseline, in the same run.

Every service and the gateway run as real processes (the launcher's `Stack`, uvicorn) on the
PostgreSQL of `DATABASE_URL` (fresh `bench_screens_*` databases, dropped at the end) and an
embedded NATS. One organization is seeded through the APIs: a mentor with `--mentorships`
mentorships (traditional programs of at most 20 mentees each, matched by a published run whose
proposals both members accept), whose cohort the sessions worker timetables.

Two screens are read as that mentor, each at a fixed rate (`--rate` requests per second for
`--seconds`, sent on schedule whatever the answers do, the two ways side by side):
- dashboard: `me.mentorships(first: 50)` with each mentorship's members and next session;
- me: the home screen (profile, availability, skills, enrollments, proposals, mentorships
  with members and next session, upcoming sessions, goals, open action items, pending
  feedback, check-ins).
`gateway` is one GraphQL request; `direct` is what a client would do without the gateway: the
same service calls, as concurrent as their order allows (the mentorships first, then one batch
of people and one of next sessions). A latency runs from the request's scheduled time to its
parsed answer. Figures: requests per second done, p50, p99, errors.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/gateway.py [--mentorships 50] [--rate 10] [--seconds 20]
"""

import argparse
import asyncio
import base64
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from company import machine

from tandem.kit import infra
from tandem.kit.auth import KeyPair, Role, TokenIssuer, generate_key_pair
from tandem.launcher.stack import SERVICES, Stack, StackConfig

RESULTS = Path(__file__).resolve().parent / "results" / "gateway.json"
PER_PROGRAM = 20  # the largest capacity a mentor may give
ALL_WEEK = [{"weekday": day, "start": "00:00", "end": "00:00"} for day in range(7)]

DASHBOARD = """{ me { mentorships(first: 50) { edges { node {
  id status members { id fullName } nextSession { id startsAt status } } } } } }"""
HOME = """{ me {
  profile { fullName email version } availability { weeklyMinutes } skills { offered { skillId } }
  enrollments { programId role }
  proposals(first: 20) { nodes { id status why { criterion points } } }
  mentorships(first: 50) { nodes { id members { fullName } nextSession { startsAt } } }
  upcomingSessions(first: 20) { nodes { id startsAt } }
  goals(first: 20) { nodes { title } } openActionItems(first: 20) { nodes { what } }
  pendingFeedback { id } checkIns(first: 20) { nodes { satisfaction } } } }"""


class Member:
    """The mentor's HTTP clients: to the gateway, and to each service directly."""

    def __init__(self, stack: Stack, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self.http = httpx.AsyncClient(headers=headers, timeout=60, limits=limits)
        self.gateway = f"{stack.config.gateway_url}/graphql"
        self.url = {service: stack.config.service_url(service) for service in SERVICES}

    async def graphql(self, query: str) -> Any:
        response = await self.http.post(self.gateway, json={"query": query})
        response.raise_for_status()
        body = response.json()
        if "errors" in body:
            raise RuntimeError(body["errors"][0]["message"])
        return body["data"]

    async def get(self, service: str, path: str, **params: Any) -> Any:
        response = await self.http.get(f"{self.url[service]}{path}", params=params)
        response.raise_for_status()
        return response.json()

    async def post(self, service: str, path: str, body: Any) -> Any:
        response = await self.http.post(f"{self.url[service]}{path}", json=body)
        response.raise_for_status()
        return response.json()

    async def dashboard_direct(self) -> Any:
        mentorships = (await self.get("matching", "/me/mentorships", limit=50))["items"]
        people = sorted({member for m in mentorships for member in m["member_ids"]})
        return await asyncio.gather(
            self.post("profiles", "/people/batch", {"ids": people}),
            self.post(
                "sessions",
                "/mentorships/next-sessions",
                {"mentorship_ids": [m["id"] for m in mentorships]},
            ),
        )

    async def home_direct(self, person_id: str) -> Any:
        return await asyncio.gather(
            self.get("profiles", "/me"),
            self.get("profiles", f"/people/{person_id}/availability"),
            self.get("profiles", f"/people/{person_id}/skills"),
            self.get("profiles", "/me/enrollments"),
            self.get("matching", "/me/proposals", limit=20),
            self.dashboard_direct(),
            self.get("sessions", "/me/sessions", limit=20),
            self.get("sessions", "/me/goals", limit=20),
            self.get("sessions", "/me/action-items", limit=20),
            self.get("sessions", "/me/held-sessions", limit=20),
            self.get("feedback", "/me/feedback", limit=100),
            self.get("feedback", "/me/checkins", limit=20),
        )


async def at_rate(
    calls: dict[str, Callable[[], Awaitable[Any]]], rate: float, seconds: float
) -> Any:
    """Each of `calls` sent `rate` times a second on schedule, side by side (so that both ways
    meet the same load on a shared machine); latencies from each scheduled time."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def timed(call: Callable[[], Awaitable[Any]], due: float) -> float | None:
        try:
            await call()
        except (httpx.HTTPError, RuntimeError):
            return None
        return loop.time() - due

    tasks: dict[str, list[asyncio.Task[float | None]]] = {way: [] for way in calls}
    for index in range(int(rate * seconds)):
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        for way, call in calls.items():
            tasks[way].append(asyncio.create_task(timed(call, due)))
    return {
        way: _figures(await asyncio.gather(*sent), loop.time() - start)
        for way, sent in tasks.items()
    }


def _figures(latencies: list[float | None], elapsed: float) -> dict[str, Any]:
    done = sorted(latency for latency in latencies if latency is not None)
    quantiles = statistics.quantiles(done, n=100, method="inclusive") if len(done) > 1 else done
    return {
        "requests": len(latencies),
        "errors": len(latencies) - len(done),
        "requests_per_second": round(len(done) / elapsed, 1),
        "p50_ms": round(statistics.median(done) * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1) if len(quantiles) > 98 else None,
    }


async def seed(stack: Stack, issuer: TokenIssuer, mentorships: int) -> tuple[str, str]:
    """An organization whose mentor has `mentorships` started, and their cohorts timetabled;
    the mentor's id and token."""
    organization = uuid.uuid4()
    admin = issuer.issue(uuid.uuid4(), organization, [Role.HR_ADMIN])
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {admin}"}, timeout=120) as http:
        profiles, matching = (
            stack.config.service_url("profiles"),
            stack.config.service_url("matching"),
        )

        async def person(name: str, level: int) -> str:
            email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com"
            body = {"email": email, "full_name": name, "job_level": level, "languages": ["en"]}
            created = (await http.post(f"{profiles}/people", json=body)).json()
            await http.put(
                f"{profiles}/people/{created['id']}/availability", json={"windows": ALL_WEEK}
            )
            return str(created["id"])

        mentor = await person("Mentor", 8)
        left, index, programs = mentorships, 0, []
        while left:
            size = min(left, PER_PROGRAM)
            mentees = [await person(f"Mentee{index + n}", 2) for n in range(size)]
            index, left = index + size, left - size
            programs.append(
                await _matched(http, issuer, organization, profiles, matching, mentor, mentees)
            )
        sessions = stack.config.service_url("sessions")
        for program_id in programs:

            async def timetabled(program_id: str = program_id) -> bool:
                """the sessions worker timetabled the program's cohort (it takes CPU meanwhile)"""
                found = await http.get(f"{sessions}/programs/{program_id}/timetables")
                return bool(found.json()["items"])

            await until(timetabled)
    return mentor, issuer.issue(mentor, organization, [Role.PARTICIPANT])


async def _matched(
    http: httpx.AsyncClient,
    issuer: TokenIssuer,
    organization: uuid.UUID,
    profiles: str,
    matching: str,
    mentor: str,
    mentees: list[str],
) -> str:
    """The id of a traditional program whose published run paired `mentor` with each of
    `mentees`, every proposal accepted."""
    today = date.today()
    program = (
        await http.post(
            f"{profiles}/programs",
            json={
                "name": f"Mentoring {uuid.uuid4().hex[:6]}",
                "kind": "traditional",
                "start_date": today.isoformat(),
                "end_date": (today + timedelta(weeks=12)).isoformat(),
            },
        )
    ).json()
    await http.post(f"{profiles}/programs/{program['id']}/transitions", json={"to": "enrolling"})
    enrollments = f"{profiles}/programs/{program['id']}/enrollments"
    await http.post(
        enrollments, json={"person_id": mentor, "role": "mentor", "capacity": len(mentees)}
    )
    for mentee in mentees:
        await http.post(enrollments, json={"person_id": mentee, "role": "mentee"})
    run = (await http.post(f"{matching}/programs/{program['id']}/runs", json={})).json()

    async def completed() -> bool:
        return bool(
            (await http.get(f"{matching}/runs/{run['id']}")).json()["status"] == "completed"
        )

    await until(completed)
    proposals = (await http.post(f"{matching}/runs/{run['id']}/publication")).json()
    for proposal in proposals:
        for member in proposal["member_ids"]:
            token = issuer.issue(member, organization, [Role.PARTICIPANT])
            answer = await http.post(
                f"{matching}/proposals/{proposal['id']}/acceptance",
                headers={"Authorization": f"Bearer {token}"},
            )
            answer.raise_for_status()
    return str(program["id"])


async def sessions_heard(member: Member, mentorships: int) -> None:
    """Wait until the sessions service has heard of every mentorship's start."""

    async def heard() -> bool:
        items = (await member.get("matching", "/me/mentorships", limit=50))["items"]
        asked = {"mentorship_ids": [m["id"] for m in items]}
        known = await member.post("sessions", "/mentorships/next-sessions", asked)
        return len(items) == len(known) == mentorships

    await until(heard)


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    while True:
        if await check():
            return
        await asyncio.sleep(0.5)


def stack_config(
    database_url: str, nats: infra.NatsServer, keys: KeyPair, logs: Path
) -> StackConfig:
    return StackConfig(
        postgres_url=database_url,
        nats_url=nats.url,
        nats_monitor_url=nats.monitor_url,
        jwt_public_key=keys.public_pem,
        service_signing_key=keys.private_pem,
        gateway_port=infra.free_port(),
        service_ports={service: infra.free_port() for service in SERVICES},
        database_prefix="bench_screens_",
        log_dir=logs,
        extra_env={
            "GATEWAY_RATE_LIMIT": "1000000/minute",
            "SESSIONS_NOTES_MASTER_KEYS": json.dumps(
                {"bench": base64.b64encode(os.urandom(32)).decode()}
            ),
        },
    )


async def main(mentorships: int, rate: float, seconds: float) -> None:
    database_url = os.environ["DATABASE_URL"]
    keys = generate_key_pair()
    issuer = TokenIssuer(keys.private_pem)
    with tempfile.TemporaryDirectory() as scratch:
        nats = infra.embedded_nats(Path(scratch) / "nats").start()
        config = stack_config(database_url, nats, keys, Path(scratch))
        stack = Stack(config)
        try:
            await stack.prepare(fresh=True)
            stack.start()
            await stack.wait_ready()
            began = time.perf_counter()
            mentor_id, token = await seed(stack, issuer, mentorships)
            member = Member(stack, token)
            await sessions_heard(member, mentorships)
            seeded_s = round(time.perf_counter() - began, 1)
            figures = await measure(member, mentor_id, rate, seconds)
            shown = await member.graphql(DASHBOARD)
        finally:
            stack.stop()
            nats.stop()
            for service in SERVICES:
                await infra.drop_database(database_url, config.database_prefix + service)
    edges = shown["me"]["mentorships"]["edges"]
    report = {
        "benchmark": "gateway",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "mentorships": mentorships,
        "dashboard_shows": {
            "mentorships": len(edges),
            "members": sum(len(edge["node"]["members"]) for edge in edges),
            "with_next_session": sum(edge["node"]["nextSession"] is not None for edge in edges),
        },
        "rate_per_second": rate,
        "seconds": seconds,
        "seeding_s": seeded_s,
        "screens": figures,
        "gateway_p50_over_direct": {
            screen: round(f["gateway"]["p50_ms"] / f["direct"]["p50_ms"], 2)
            for screen, f in figures.items()
        },
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


async def measure(member: Member, mentor_id: str, rate: float, seconds: float) -> Any:
    ways: dict[str, dict[str, Callable[[], Awaitable[Any]]]] = {
        "dashboard": {
            "direct": member.dashboard_direct,
            "gateway": lambda: member.graphql(DASHBOARD),
        },
        "me": {
            "direct": lambda: member.home_direct(mentor_id),
            "gateway": lambda: member.graphql(HOME),
        },
    }
    figures: dict[str, dict[str, Any]] = {}
    for screen, calls in ways.items():
        await at_rate(calls, rate, 2)  # warm: connections, first-call costs
        figures[screen] = await at_rate(calls, rate, seconds)
        print(screen, figures[screen])
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentorships", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.mentorships, arguments.rate, arguments.seconds))
