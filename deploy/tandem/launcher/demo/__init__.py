"""The demo organization: generated from a seed, loaded through the profiles API.

`model` is what the generator makes, `world` the data it draws from, `generate` the generator,
`load` the loader that talks to the profiles API, `under_way` what puts a program under way
through the matching API, `workspace` what a mentorship's members write in the sessions API,
`first_meetings` what a few pairs say of their first meeting in the feedback service, `survey`
the program's survey they answer, `http` what they share.
"""

from tandem.launcher.demo.first_meetings import FirstMeetings, hold_first_meetings
from tandem.launcher.demo.generate import generate_demo
from tandem.launcher.demo.load import EnrolledProgram, LoadedDemo, demo_admin_token, load_demo
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
from tandem.launcher.demo.survey import DemoSurvey, survey_the_program
from tandem.launcher.demo.under_way import ProgramUnderWay, put_under_way
from tandem.launcher.demo.workspace import Workspace, fill_workspace, planned_mentorship

__all__ = [
    "DEMO_EMAIL_DOMAIN",
    "DEMO_ORGANIZATION_ID",
    "MAX_PEOPLE",
    "MIN_PEOPLE",
    "RECENT_HIRE_DAYS",
    "DemoOrganization",
    "DemoSurvey",
    "EnrolledProgram",
    "FirstMeetings",
    "LoadedDemo",
    "Person",
    "Program",
    "ProgramUnderWay",
    "Workspace",
    "demo_admin_token",
    "fill_workspace",
    "generate_demo",
    "hold_first_meetings",
    "load_demo",
    "planned_mentorship",
    "put_under_way",
    "survey_the_program",
]
