"""The demo organization loads into the real services, and every one of its programs matches:
what `python3 dev.py up` shows a newcomer."""

import httpx
from conftest import eventually

from tandem.kit.auth import TokenIssuer
from tandem.launcher.demo import demo_admin_token, load_demo
from tandem.launcher.stack import Stack


async def test_the_demo_loads_and_every_program_gets_proposals(
    stack: Stack, token_issuer: TokenIssuer
) -> None:
    token = demo_admin_token(token_issuer)
    headers = {"Authorization": f"Bearer {token}"}

    created = await load_demo(stack.config.service_url("profiles"), token)
    again = await load_demo(stack.config.service_url("profiles"), token)

    assert (created, again) == (240, 0)
    profiles = httpx.AsyncClient(base_url=stack.config.service_url("profiles"), headers=headers)
    matching = httpx.AsyncClient(
        base_url=stack.config.service_url("matching"), headers=headers, timeout=30
    )
    programs = (await profiles.get("/programs")).json()["items"]
    runs = {}
    for program in programs:
        queued = await matching.post(f"/programs/{program['id']}/runs", json={})
        assert queued.status_code == 202, queued.text
        runs[program["kind"]] = queued.json()["id"]

    async def all_completed() -> bool:
        """every demo program's run completed"""
        statuses = [(await matching.get(f"/runs/{run}")).json()["status"] for run in runs.values()]
        assert "failed" not in statuses
        return set(statuses) == {"completed"}

    await eventually(all_completed, timeout=240, interval=1)
    for kind, run in runs.items():
        result = (await matching.get(f"/runs/{run}")).json()["result"]
        assert result["matched"] > 0, (kind, result["stats"])
