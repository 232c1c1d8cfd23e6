"""Retention compared fairly, from profiles' events: raw and within strata alike in department,
level band and tenure band, each with a 95% interval, checked against figures worked out by
hand."""

import math
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import deliver
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    PersonCreated,
    PersonDeactivated,
)
from tandem.kit.events import Event
from tandem.kit.testing.plugin import ClientFactory

SINCE = datetime.now(UTC).date() - timedelta(days=30)
UNDER_A_YEAR = SINCE - timedelta(days=180)
TWO_YEARS = SINCE - timedelta(days=730)


def _people(
    organization: uuid.UUID,
    hired: date,
    count: int,
    leavers: int,
    participants: bool,
    department: str | None = None,
    job_level: int | None = None,
) -> list[Event]:
    events: list[Event] = []
    for n in range(count):
        person = uuid.uuid4()
        events.append(
            PersonCreated(
                organization_id=organization,
                person_id=person,
                hire_date=hired,
                department=department,
                job_level=job_level,
                revision=1,
            )
        )
        if participants:
            events.append(
                EnrollmentCreated(
                    organization_id=organization,
                    enrollment_id=uuid.uuid4(),
                    program_id=uuid.uuid4(),
                    person_id=person,
                    role=EnrollmentRole.MENTEE,
                )
            )
        if n < leavers:
            events.append(
                PersonDeactivated(organization_id=organization, person_id=person, status="left")
            )
    return events


async def test_retention_matches_the_figures_worked_out_by_hand(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    # Under a year: participants 1 of 10 left, others 3 of 10. One to three years:
    # participants 2 of 20, others 1 of 5. Someone on leave has not left.
    await deliver(
        db_session,
        app,
        *_people(organization, UNDER_A_YEAR, 10, 1, participants=True),
        *_people(organization, UNDER_A_YEAR, 10, 3, participants=False),
        *_people(organization, TWO_YEARS, 20, 2, participants=True),
        *_people(organization, TWO_YEARS, 5, 1, participants=False),
    )
    on_leave = uuid.uuid4()
    await deliver(
        db_session,
        app,
        PersonCreated(organization_id=organization, person_id=on_leave, hire_date=TWO_YEARS),
        PersonDeactivated(organization_id=organization, person_id=on_leave, status="on_leave"),
    )
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    answer = await hr.get(f"/kpis/retention?since={SINCE}")

    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert (figures["participants"], figures["non_participants"]) == (30, 16)
    # Raw: 3/30 = 0.1 against 4/16 = 0.25.
    raw_se = math.sqrt(0.1 * 0.9 / 30 + 0.25 * 0.75 / 16)
    assert figures["raw"] == pytest.approx(
        {"difference": -0.15, "low": -0.15 - 1.959964 * raw_se, "high": -0.15 + 1.959964 * raw_se},
        abs=1e-5,
    )
    # Within bands: weights 10*10/20 = 5 and 20*6/26, differences 0.1-0.3 and 0.1-1/6.
    w1, w2 = 5.0, 120 / 26
    d1, d2 = -0.2, 0.1 - 1 / 6
    estimate = (w1 * d1 + w2 * d2) / (w1 + w2)
    variance = (
        w1**2 * (0.1 * 0.9 / 10 + 0.3 * 0.7 / 10) + w2**2 * (0.1 * 0.9 / 20 + (1 / 6) * (5 / 6) / 6)
    ) / (w1 + w2) ** 2
    margin = 1.959964 * math.sqrt(variance)
    assert figures["stratified"] == pytest.approx(
        {"difference": estimate, "low": estimate - margin, "high": estimate + margin}, abs=1e-5
    )
    assert (figures["strata_compared"], figures["people_outside_compared_strata"]) == (2, 0)


async def test_retention_within_department_and_level_matches_the_figures_worked_out_by_hand(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    # All hired under a year ago; strata by department and level band:
    #   Sales, levels 0-2:    participants 2 of 10 left, others 4 of 10
    #   Sales, levels 5-6:    participants 1 of 10,      others 1 of 5
    #   Research, levels 0-2: participants 0 of 5,       others 2 of 10
    #   Research, levels 5-6: participants 1 of 10,      no others: outside the comparison
    # (levels 1 and 2 share a band, so the first stratum mixes them.)
    def people(department: str, level: int, count: int, leavers: int, joined: bool) -> list[Event]:
        return _people(organization, UNDER_A_YEAR, count, leavers, joined, department, level)

    await deliver(
        db_session,
        app,
        *people("Sales", 1, 5, 1, joined=True),
        *people("Sales", 2, 5, 1, joined=True),
        *people("Sales", 2, 10, 4, joined=False),
        *people("Sales", 5, 10, 1, joined=True),
        *people("Sales", 6, 5, 1, joined=False),
        *people("Research", 2, 5, 0, joined=True),
        *people("Research", 2, 10, 2, joined=False),
        *people("Research", 5, 10, 1, joined=True),
    )
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    answer = await hr.get(f"/kpis/retention?since={SINCE}")

    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert figures["strata"] == ["department", "level_band", "tenure_band"]
    assert (figures["participants"], figures["non_participants"]) == (35, 25)
    assert figures["participants_left_share"] == pytest.approx(4 / 35)
    assert figures["non_participants_left_share"] == pytest.approx(7 / 25)
    raw_se = math.sqrt((4 / 35) * (31 / 35) / 35 + 0.28 * 0.72 / 25)
    raw = 4 / 35 - 0.28
    assert figures["raw"] == pytest.approx(
        {"difference": raw, "low": raw - 1.959964 * raw_se, "high": raw + 1.959964 * raw_se},
        abs=1e-5,
    )
    # Weights n1*n0/(n1+n0): 10*10/20 = 5, 10*5/15 = 10/3, 5*10/15 = 10/3.
    # Differences: 0.2-0.4 = -0.2, 0.1-0.2 = -0.1, 0-0.2 = -0.2.
    # Estimate: (5*-0.2 + 10/3*-0.1 + 10/3*-0.2) / (5 + 20/3) = -2 / (35/3) = -6/35.
    estimate = -6 / 35
    variances = [0.2 * 0.8 / 10 + 0.4 * 0.6 / 10, 0.1 * 0.9 / 10 + 0.2 * 0.8 / 5, 0.2 * 0.8 / 10]
    weights = [5, 10 / 3, 10 / 3]
    variance = sum(w * w * v for w, v in zip(weights, variances, strict=True)) / (35 / 3) ** 2
    margin = 1.959964 * math.sqrt(variance)
    assert figures["stratified"] == pytest.approx(
        {"difference": estimate, "low": estimate - margin, "high": estimate + margin}, abs=1e-5
    )
    assert (figures["strata_compared"], figures["people_outside_compared_strata"]) == (3, 10)


async def test_retention_of_groups_too_small_is_not_shown(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    await deliver(
        db_session,
        app,
        *_people(organization, UNDER_A_YEAR, 4, 1, participants=True),
        *_people(organization, UNDER_A_YEAR, 50, 5, participants=False),
    )
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    figures = (await hr.get(f"/kpis/retention?since={SINCE}")).json()

    assert figures["suppressed"] is True
    assert figures["participants_left_share"] is None
    assert figures["raw"] is None


async def test_retention_is_for_hr_and_bi_only(
    client_for: ClientFactory, organization: uuid.UUID
) -> None:
    path = f"/kpis/retention?since={SINCE}"
    bi = client_for(Role.PARTNER, organization_id=organization, scopes=[Scope.KPIS_READ])
    program_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization)
    participant = client_for(Role.PARTICIPANT, organization_id=organization)

    assert (await bi.get(path)).status_code == 200
    assert (await program_admin.get(path)).status_code == 403
    assert (await participant.get(path)).status_code == 403
    assert (await bi.get("/kpis/retention?since=yesterday")).status_code == 422
