"""Retention compared fairly: the share of participants and of others who left, raw and
adjusted for who joins (a Mantel-Haenszel risk difference over strata: department, level band
and tenure band combined),
each difference with a 95% Wald interval, and the group sizes."""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date

from tandem.kit.contracts.feedback import Difference

Z_95 = 1.959964
TENURE_BANDS = [(1, "under_1y"), (3, "1_to_3y"), (5, "3_to_5y"), (math.inf, "5y_plus")]
LEVEL_BANDS = [(3, "levels_0_2"), (5, "levels_3_4"), (7, "levels_5_6"), (math.inf, "levels_7_up")]
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Leaver:
    """One person of the population: whether they took part, their stratum, whether they left."""

    participant: bool
    stratum: Hashable
    left: bool


@dataclass(frozen=True)
class _Group:
    people: int
    left: int

    @property
    def share(self) -> float:
        return self.left / self.people

    @property
    def variance(self) -> float:
        return self.share * (1 - self.share) / self.people


@dataclass(frozen=True)
class Comparison:
    participants: int
    others: int
    participants_left_share: float | None
    others_left_share: float | None
    raw: Difference | None
    stratified: Difference | None
    strata_compared: int
    people_outside_compared_strata: int


def compare(population: Iterable[Leaver]) -> Comparison:
    counts: dict[tuple[Hashable, bool], list[int]] = defaultdict(lambda: [0, 0])
    for person in population:
        counted = counts[person.stratum, person.participant]
        counted[0] += 1
        counted[1] += person.left
    strata = {stratum for stratum, _ in counts}
    by_stratum = {
        stratum: (_group(counts, stratum, True), _group(counts, stratum, False))
        for stratum in strata
    }
    participants = _summed(p for p, _ in by_stratum.values())
    others = _summed(o for _, o in by_stratum.values())
    compared = {k: pair for k, pair in by_stratum.items() if pair[0].people and pair[1].people}
    outside = sum(p.people + o.people for k, (p, o) in by_stratum.items() if k not in compared)
    return Comparison(
        participants=participants.people,
        others=others.people,
        participants_left_share=participants.share if participants.people else None,
        others_left_share=others.share if others.people else None,
        raw=_difference(participants, others) if participants.people and others.people else None,
        stratified=_mantel_haenszel(list(compared.values())) if compared else None,
        strata_compared=len(compared),
        people_outside_compared_strata=outside,
    )


def _summed(groups: Iterable[_Group]) -> _Group:
    listed = list(groups)
    return _Group(sum(g.people for g in listed), sum(g.left for g in listed))


def tenure_band(hire_date: date | None, on: date) -> str:
    if hire_date is None:
        return UNKNOWN
    years = (on - hire_date).days / 365.25
    return next(band for limit, band in TENURE_BANDS if years < limit)


def level_band(job_level: int | None) -> str:
    if job_level is None:
        return UNKNOWN
    return next(band for limit, band in LEVEL_BANDS if job_level < limit)


def stratum(
    department: str | None, job_level: int | None, hire_date: date | None, on: date
) -> tuple[str | None, str, str]:
    """Department, level band and tenure band at once: participants are compared with others
    alike in all three (a person without a department is alike those without one)."""
    return (department, level_band(job_level), tenure_band(hire_date, on))


def _group(counts: dict[tuple[Hashable, bool], list[int]], stratum: Hashable, kind: bool) -> _Group:
    people, left = counts.get((stratum, kind), [0, 0])
    return _Group(people, left)


def _difference(participants: _Group, others: _Group) -> Difference:
    estimate = participants.share - others.share
    return _interval(estimate, participants.variance + others.variance)


def _mantel_haenszel(strata: list[tuple[_Group, _Group]]) -> Difference:
    """Σ w·d / Σ w with w = n1·n0 / (n1 + n0); its variance Σ w²·var(d) / (Σ w)²."""
    weights = [p.people * o.people / (p.people + o.people) for p, o in strata]
    total = sum(weights)
    estimate = sum(w * (p.share - o.share) for w, (p, o) in zip(weights, strata, strict=True))
    variance = sum(
        w * w * (p.variance + o.variance) for w, (p, o) in zip(weights, strata, strict=True)
    )
    return _interval(estimate / total, variance / total**2)


def _interval(estimate: float, variance: float) -> Difference:
    margin = Z_95 * math.sqrt(variance)
    return Difference(
        difference=round(estimate, 6),
        low=round(estimate - margin, 6),
        high=round(estimate + margin, 6),
    )
