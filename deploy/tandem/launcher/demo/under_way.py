"""Putting a demo program under way through the matching API: a match run as the demo HR
admin, its publication, and every member's yes, each with their own participant token.

Once every proposal is answered, matching announces the run settled and the services that
follow a mentorship's start (sessions) take it from there on their own."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo.http import (
    REQUEST_TIMEOUT_SECONDS,
    DemoLoadFailed,
    Json,
    all_items,
    bearer,
    expect,
    for_each,
)
from tandem.launcher.demo.load import EnrolledProgram, demo_admin_token
from tandem.launcher.demo.model import DEMO_ORGANIZATION_ID

RUN_TIMEOUT_SECONDS = 180
RUN_POLL_SECONDS = 0.5
TOKEN_TTL_SECONDS = 600

Say = Callable[[str], None]


@dataclass(frozen=True)
class ProgramUnderWay:
    proposals: int  # published for the program, by this start-up or an earlier one
    accepted_now: int  # proposals this start-up's answers accepted (their mentorships started)
    accepted: int  # of `proposals`, how many are accepted
    member_id: str | None  # someone in one of its mentorships, to look through their eyes


@dataclass(frozen=True)
class _Answer:
    proposal_id: str
    member_token: str


async def put_under_way(
    matching_url: str, issuer: TokenIssuer, program: EnrolledProgram, say: Say
) -> ProgramUnderWay:
    """Match, publish and accept the program, picking up where an earlier start-up stopped.

    Safe on every start-up: a program whose members already have proposals gets no new run,
    and only the members' unanswered proposals are accepted.
    """
    tokens = {person_id: _participant_token(issuer, person_id) for person_id in program.member_ids}
    async with httpx.AsyncClient(
        base_url=matching_url,
        headers=bearer(demo_admin_token(issuer)),
        timeout=REQUEST_TIMEOUT_SECONDS,
    ) as client:
        proposals = await _proposals_of(client, program, tokens)
        if not proposals:
            say(f"Matching {program.name!r} (a match run in the matching worker)")
            run_id = await _completed_run(client, program.id)
            published = await _publish(client, run_id)
            say(f"Published {published} proposals of {program.name!r} to their members")
            proposals = await _proposals_of(client, program, tokens)
        answers = [
            _Answer(proposal["id"], tokens[member_id])
            for proposal in proposals.values()
            if proposal["status"] == "pending"
            for member_id in proposal["member_ids"]
            if member_id not in proposal["accepted_by"]
        ]
        answered = await for_each(answers, lambda answer: _accept(client, answer))
    # A proposal's last yes is the one that answers `accepted`.
    accepted_now = {p["id"] for p in answered if p["status"] == "accepted"}
    accepted = accepted_now | {p["id"] for p in proposals.values() if p["status"] == "accepted"}
    example = proposals[min(accepted)]["member_ids"][0] if accepted else None
    return ProgramUnderWay(len(proposals), len(accepted_now), len(accepted), example)


def _participant_token(issuer: TokenIssuer, person_id: str) -> str:
    return issuer.issue(
        person_id, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT], ttl_seconds=TOKEN_TTL_SECONDS
    )


async def _proposals_of(
    client: httpx.AsyncClient, program: EnrolledProgram, tokens: dict[str, str]
) -> dict[str, Json]:
    """The program's proposals its members see, by id (each member sees only their own)."""
    seen = await for_each(
        tokens.values(), lambda token: all_items(client, "/me/proposals", limit=50, token=token)
    )
    return {
        proposal["id"]: proposal
        for mine in seen
        for proposal in mine
        if proposal["program_id"] == program.id
    }


async def _completed_run(client: httpx.AsyncClient, program_id: str) -> str:
    # The key makes a start-up that died before publishing find its run again (for a day).
    queued = await client.post(
        f"/programs/{program_id}/runs",
        json={},
        headers={"Idempotency-Key": f"demo-run-{program_id}"},
    )
    run: Json = expect(queued, httpx.codes.ACCEPTED).json()
    try:
        async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
            while run["status"] != "completed":
                if run["status"] == "failed":
                    raise DemoLoadFailed(f"The demo's match run {run['id']} failed: {run}")
                await asyncio.sleep(RUN_POLL_SECONDS)
                run = expect(await client.get(f"/runs/{run['id']}"), httpx.codes.OK).json()
    except TimeoutError:
        raise DemoLoadFailed(
            f"The demo's match run {run['id']} did not complete in {RUN_TIMEOUT_SECONDS} s"
        ) from None
    return str(run["id"])


async def _publish(client: httpx.AsyncClient, run_id: str) -> int:
    response = await client.post(f"/runs/{run_id}/publication")
    return len(expect(response, httpx.codes.OK).json())


async def _accept(client: httpx.AsyncClient, answer: _Answer) -> Json:
    response = await client.post(
        f"/proposals/{answer.proposal_id}/acceptance", headers=bearer(answer.member_token)
    )
    accepted: Json = expect(response, httpx.codes.OK).json()
    return accepted
