"""The demo organization: generated from a seed, loaded through the profiles API.

`model` is what the generator makes, `world` the data it draws from, `generate` the generator,
`load` the loader that talks to the profiles API.
"""

from tandem.launcher.demo.generate import generate_demo
from tandem.launcher.demo.load import demo_admin_token, load_demo
from tandem.launcher.demo.model import (
    DEMO_EMAIL_DOMAIN,
    DEMO_ORGANIZATION_ID,
    MAX_PEOPLE,
    MIN_PEOPLE,
    RECENT_HIRE_DAYS,
    DemoOrganization,
    Person,
    Program,
)

__all__ = [
    "DEMO_EMAIL_DOMAIN",
    "DEMO_ORGANIZATION_ID",
    "MAX_PEOPLE",
    "MIN_PEOPLE",
    "RECENT_HIRE_DAYS",
    "DemoOrganization",
    "Person",
    "Program",
    "demo_admin_token",
    "generate_demo",
    "load_demo",
]
