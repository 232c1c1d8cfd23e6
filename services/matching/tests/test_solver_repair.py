"""Re-solving with pairs to keep: a pending proposal stays unless changing it pays clearly."""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from test_solver import person

from tandem.matching.engine import (
    STABILITY_BONUS,
    Participant,
    Period,
    Pin,
    Proposal,
    Rules,
    Weights,
    match,
)

PERIOD = Period(date(2025, 3, 1), date(2025, 4, 30))
SKILL = UUID(int=99)
# A proficiency level is worth 100 points: less than the stability bonus.
SKILL_ONLY = Weights(
    skill_fit=0.5, interests=0, availability=0, time_zone=0, cross_department=0.5, seniority=0
)
RULES = Rules(kind="traditional", shared_language_required=False)


def pairs(proposals: Iterable[Proposal]) -> set[tuple[int, int]]:
    return {(p.mentor_id.int, p.mentee_id.int) for p in proposals}


def pool(second_mentor_proficiency: int) -> list[Participant]:
    """One mentee wanting SKILL; mentor 10 offers it at 3, mentor 11 at the given level."""
    return [
        person(1, wanted={SKILL: 1}, level=1),
        person(10, "mentor", offered={SKILL: 3}, level=3),
        person(11, "mentor", offered={SKILL: second_mentor_proficiency}, level=3),
    ]


def test_without_pairs_to_keep_the_better_mentor_wins() -> None:
    result = match(pool(4), RULES, SKILL_ONLY, PERIOD)

    assert pairs(result.proposals) == {(11, 1)}


def test_a_kept_pair_stays_when_the_alternative_is_only_a_little_better() -> None:
    kept = [Pin(mentor_id=UUID(int=10), mentee_id=UUID(int=1))]

    result = match(pool(4), RULES, SKILL_ONLY, PERIOD, keep=kept)

    assert pairs(result.proposals) == {(10, 1)}
    assert result.proposals[0].score == 300  # the reported score carries no bonus


def test_a_kept_pair_gives_way_to_a_much_better_one() -> None:
    kept = [Pin(mentor_id=UUID(int=10), mentee_id=UUID(int=1))]
    people = [
        person(1, wanted={SKILL: 1}, level=1),
        person(10, "mentor", offered={SKILL: 1}, level=3),
        person(11, "mentor", offered={SKILL: 5}, level=3),
    ]

    result = match(people, RULES, SKILL_ONLY, PERIOD, keep=kept)

    assert STABILITY_BONUS < 400  # proficiency 5 against 1 is worth 400 points here
    assert pairs(result.proposals) == {(11, 1)}


def test_kept_pairs_survive_pruning_and_unknown_people_are_ignored() -> None:
    mentees = [person(n, wanted={SKILL: 1}, level=1) for n in range(1, 4)]
    mentors = [person(10 + n, "mentor", offered={SKILL: 2 + n}, level=3) for n in range(3)]
    kept = [
        Pin(mentor_id=UUID(int=10), mentee_id=UUID(int=3)),
        Pin(mentor_id=UUID(int=77), mentee_id=UUID(int=1)),
    ]

    result = match(
        [*mentees, *mentors],
        RULES,
        SKILL_ONLY,
        PERIOD,
        keep=kept,
        keep_per_person=1,
    )

    assert (10, 3) in pairs(result.proposals)
    assert result.stats.value.matched == 3
