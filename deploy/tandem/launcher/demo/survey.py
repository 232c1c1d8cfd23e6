"""A demo program's mid-program survey: written by the demo's HR admin with every kind of
question, sent at once to the program's participants by the feedback service's worker, and
answered by the members who held a first meeting, so that its results and the program's NPS
show (each above the small-group threshold). Done once: a later start-up finds the survey and
leaves it as it is."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo.http import REQUEST_TIMEOUT_SECONDS, Json, bearer, expect, for_each
from tandem.launcher.demo.load import demo_admin_token
from tandem.launcher.demo.model import DEMO_ORGANIZATION_ID

TITLE = "Halfway there"
QUESTIONS = [
    {"kind": "nps", "prompt": "How likely are you to recommend this program to a colleague?"},
    {"kind": "scale", "prompt": "How useful have your meetings been?"},
    {
        "kind": "single_choice",
        "prompt": "How often do you meet?",
        "choices": ["Weekly", "Every other week", "Monthly"],
    },
    {
        "kind": "multiple_choice",
        "prompt": "What have you worked on?",
        "choices": ["Career", "Skills", "Network", "Confidence"],
        "required": False,
    },
    {"kind": "text", "prompt": "What would make the program better?", "required": False},
]
NPS_SCORES = (10, 9, 9, 8, 10, 7, 9, 8, 10, 9, 7, 8)  # 7 promoters, 5 passives: all shown
SENT_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5
TOKEN_TTL_SECONDS = 600


@dataclass(frozen=True)
class DemoSurvey:
    id: str
    answered_now: int  # responses this start-up's members gave


async def survey_the_program(
    feedback_url: str, issuer: TokenIssuer, program_id: str, respondent_ids: list[str]
) -> DemoSurvey | None:
    """The program's survey, answered by `respondent_ids`, unless an earlier start-up wrote
    it; None when it was not sent in time."""
    admin = bearer(demo_admin_token(issuer))
    path = f"/programs/{program_id}/surveys"
    async with httpx.AsyncClient(
        base_url=feedback_url, headers=admin, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        listed = expect(await client.get(path, params={"limit": 50}), httpx.codes.OK).json()
        known = [s for s in listed["items"] if s["title"] == TITLE]
        if known:
            return DemoSurvey(id=known[0]["id"], answered_now=0)
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        survey = {"title": TITLE, "questions": QUESTIONS, "send": {"on": yesterday}}
        created = expect(await client.post(path, json=survey), httpx.codes.CREATED).json()
        if not await _sent(client, created["id"]):
            return None
    answers = list(zip(respondent_ids, NPS_SCORES, strict=False))
    await for_each(answers, lambda given: _answer(feedback_url, issuer, created["id"], *given))
    return DemoSurvey(id=created["id"], answered_now=len(answers))


async def _sent(admin: httpx.AsyncClient, survey_id: str) -> bool:
    """Whether the feedback worker sent the survey in time (its send point being past)."""
    try:
        async with asyncio.timeout(SENT_TIMEOUT_SECONDS):
            while True:
                survey = expect(await admin.get(f"/surveys/{survey_id}"), httpx.codes.OK).json()
                if survey["status"] == "sent":
                    return True
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        return False


async def _answer(
    feedback_url: str, issuer: TokenIssuer, survey_id: str, person_id: str, nps: int
) -> None:
    token = issuer.issue(
        person_id, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT], ttl_seconds=TOKEN_TTL_SECONDS
    )
    answers: list[Json] = [
        {"question": 0, "score": nps},
        {"question": 1, "score": 3 + nps % 3},
        {"question": 2, "choices": [nps % 2]},
        {"question": 3, "choices": [0, 1] if nps > 8 else [1]},
    ]
    async with httpx.AsyncClient(
        base_url=feedback_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_SECONDS
    ) as member:
        answered = await member.post(f"/surveys/{survey_id}/responses", json={"answers": answers})
    expect(answered, httpx.codes.CREATED)
