"""The demo organization the launcher loads."""

import uuid

import httpx

from tandem.kit.auth import Role, TokenIssuer

DEMO_ORGANIZATION_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "demo.tandem.example")
DEMO_HR_ADMIN_ID = uuid.uuid5(DEMO_ORGANIZATION_ID, "hr-admin")

DEMO_PEOPLE = [
    ("Amara Okafor", "amara.okafor@demo.tandem.example"),
    ("Bram de Vries", "bram.devries@demo.tandem.example"),
    ("Chen Wei", "chen.wei@demo.tandem.example"),
    ("Dolores Ruiz", "dolores.ruiz@demo.tandem.example"),
    ("Eitan Levi", "eitan.levi@demo.tandem.example"),
]


def demo_admin_token(issuer: TokenIssuer, ttl_seconds: int = 12 * 3600) -> str:
    return issuer.issue(
        DEMO_HR_ADMIN_ID, DEMO_ORGANIZATION_ID, [Role.HR_ADMIN], ttl_seconds=ttl_seconds
    )


async def load_demo(profiles_url: str, token: str) -> int:
    """Add the demo people; those already there are skipped. Returns how many were added."""
    added = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=profiles_url, headers=headers, timeout=10) as client:
        for full_name, email in DEMO_PEOPLE:
            response = await client.post("/people", json={"full_name": full_name, "email": email})
            if response.status_code == httpx.codes.CONFLICT:
                continue
            response.raise_for_status()
            added += 1
    return added
