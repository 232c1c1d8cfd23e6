"""Cohort timetabling: every answer keeps every hard rule (checked here, independently of the
module), the solver places as many as brute force can, and the reasons are right."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.sessions.scheduling.cohort import (
    BoundSource,
    CandidateSeries,
    CohortMentorship,
    CohortPlan,
    CohortRules,
    Span,
    UnplacedReason,
    plan_cohort,
    plan_cohort_greedily,
)

ZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
# Monday of the week in which Europe changes its clocks (2027-03-28); New York changed on the 14th.
MONDAY = datetime(2027, 3, 22, tzinfo=UTC)


@dataclass(frozen=True)
class Instance:
    mentorships: list[CohortMentorship]
    zones: dict[UUID, str]
    rules: CohortRules
    booked: dict[UUID, list[Span]]


# The independent checker -----------------------------------------------------------------------


def broken_rules(instance: Instance, chosen: Mapping[UUID, CandidateSeries]) -> list[str]:
    """Every hard rule `chosen` (mentorship id → series) breaks, from the raw input."""
    rules = instance.rules
    sessions: dict[UUID, list[Span]] = {p: list(s) for p, s in instance.booked.items()}
    for mentorship in instance.mentorships:
        if mentorship.mentorship_id in chosen:
            for person in mentorship.member_ids:
                sessions.setdefault(person, []).extend(chosen[mentorship.mentorship_id].occurrences)
    broken = []
    buffer = timedelta(minutes=rules.buffer_minutes)
    for person, spans in sessions.items():
        zone = ZoneInfo(instance.zones[person])
        for k, (start, end) in enumerate(spans):
            for other_start, other_end in spans[k + 1 :]:
                if start < other_end + buffer and other_start < end + buffer:
                    broken.append(f"{person} booked twice at {start} and {other_start}")
        local_starts = [start.astimezone(zone) for start, _ in spans]
        days = Counter(start.date() for start in local_starts)
        weeks = Counter(start.isocalendar()[:2] for start in local_starts)
        broken += [
            f"{person}: {n} on {day}" for day, n in days.items() if n > rules.max_sessions_per_day
        ]
        broken += [
            f"{person}: {n} in week {week}"
            for week, n in weeks.items()
            if n > rules.max_sessions_per_week
        ]
    return broken


def assert_keeps_the_rules(instance: Instance, plan: CohortPlan) -> None:
    by_id = {m.mentorship_id: m for m in instance.mentorships}
    placed = [p.mentorship_id for p in plan.placements]
    unplaced = [u.mentorship_id for u in plan.unplaced]
    assert len(set(placed)) == len(placed), "a mentorship placed twice"
    assert sorted(placed + unplaced) == sorted(by_id), "every mentorship answered exactly once"
    for placement in plan.placements:
        candidates = by_id[placement.mentorship_id].candidates
        assert candidates[placement.candidate_index] is placement.candidate
    chosen = {p.mentorship_id: p.candidate for p in plan.placements}
    assert broken_rules(instance, chosen) == []
    assert len(placed) <= plan.bound
    for gap in plan.unplaced:
        candidates = by_id[gap.mentorship_id].candidates
        assert gap.reason == (
            UnplacedReason.TAKEN_BY_OTHERS if candidates else UnplacedReason.NO_COMMON_TIME
        )
        # Taken by others: none of its candidates fits beside what was placed.
        for candidate in candidates:
            assert broken_rules(instance, {**chosen, gap.mentorship_id: candidate})


def most_placeable(instance: Instance) -> int:
    """Brute force: the most mentorships any choice places (depth first, pruned by count)."""
    mentorships = instance.mentorships
    best = 0

    def extend(k: int, chosen: dict[UUID, CandidateSeries]) -> None:
        nonlocal best
        if len(chosen) + len(mentorships) - k <= best:
            return
        if k == len(mentorships):
            best = len(chosen)
            return
        mentorship = mentorships[k]
        for candidate in mentorship.candidates:
            trial = {**chosen, mentorship.mentorship_id: candidate}
            if not broken_rules(instance, trial):
                extend(k + 1, trial)
        extend(k + 1, chosen)

    extend(0, {})
    return best


# Instances -------------------------------------------------------------------------------------


def rules(day: int = 2, week: int = 3, buffer: int = 15) -> CohortRules:
    return CohortRules(
        max_sessions_per_day=day,
        max_sessions_per_week=week,
        buffer_minutes=buffer,
        time_limit_seconds=10,
        workers=1,
    )


@st.composite
def spans(draw: st.DrawFn) -> Span:
    start = MONDAY + timedelta(days=draw(st.integers(0, 9)), minutes=30 * draw(st.integers(0, 47)))
    return start, start + timedelta(minutes=draw(st.sampled_from([30, 60, 90])))


@st.composite
def instances(draw: st.DrawFn, max_mentorships: int = 8, max_people: int = 6) -> Instance:
    people = [uuid4() for _ in range(draw(st.integers(2, max_people)))]
    zones = {person: draw(st.sampled_from(ZONES)) for person in people}
    mentorships = []
    for _ in range(draw(st.integers(1, max_mentorships))):
        members = draw(st.lists(st.sampled_from(people), min_size=2, max_size=3, unique=True))
        candidates = draw(
            st.lists(
                st.builds(
                    CandidateSeries,
                    st.lists(spans(), min_size=1, max_size=3).map(tuple),
                    st.integers(0, 5),
                ),
                max_size=3,
            )
        )
        mentorships.append(CohortMentorship(uuid4(), tuple(members), tuple(candidates)))
    # At most one booked session a person: it cannot break a cap or the buffer on its own.
    booked = {person: [draw(spans())] for person in people if draw(st.booleans())}
    caps = rules(
        draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.sampled_from([0, 15, 30]))
    )
    return Instance(mentorships, zones, caps, booked)


# Properties ------------------------------------------------------------------------------------


def plans(instance: Instance) -> tuple[CohortPlan, CohortPlan]:
    arguments = (instance.mentorships, instance.zones, instance.rules, instance.booked)
    return plan_cohort(*arguments), plan_cohort_greedily(*arguments)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_every_plan_keeps_every_hard_rule(instance: Instance) -> None:
    solved, greedy = plans(instance)
    assert_keeps_the_rules(instance, solved)
    assert_keeps_the_rules(instance, greedy)
    assert len(solved.placements) >= len(greedy.placements)


@settings(max_examples=25, deadline=None)
@given(instances(max_mentorships=60, max_people=40))
def test_plans_of_many_groups_keep_every_hard_rule(instance: Instance) -> None:
    # Enough mentorships for several CP-SAT batches and lone mentorships beside them.
    solved, greedy = plans(instance)
    assert_keeps_the_rules(instance, solved)
    assert_keeps_the_rules(instance, greedy)
    assert len(greedy.placements) <= len(solved.placements) <= solved.bound
    assert solved.status == "optimal"


@settings(max_examples=100, deadline=None)
@given(instances())
def test_the_solver_places_as_many_as_brute_force(instance: Instance) -> None:
    solved, _ = plans(instance)
    most = most_placeable(instance)
    assert solved.status == "optimal"
    assert len(solved.placements) == most
    assert solved.bound == most


# Constructed cases -----------------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0, minutes: int = 60) -> Span:
    start = MONDAY + timedelta(days=day, hours=hour, minutes=minute)
    return start, start + timedelta(minutes=minutes)


def series(*occurrences: Span, cost: int = 0) -> CandidateSeries:
    return CandidateSeries(tuple(occurrences), cost)


class Cohort:
    """A mentor and mentees, each mentee's mentorship with the candidates given."""

    def __init__(self, zone: str = "UTC") -> None:
        self.mentor = uuid4()
        self.zones = {self.mentor: zone}
        self.mentorships: list[CohortMentorship] = []
        self.booked: dict[UUID, list[Span]] = {}

    def mentee(self, *candidates: CandidateSeries) -> UUID:
        mentee = uuid4()
        self.zones[mentee] = "UTC"
        mentorship = CohortMentorship(uuid4(), (self.mentor, mentee), candidates)
        self.mentorships.append(mentorship)
        return mentorship.mentorship_id

    def instance(self, caps: CohortRules) -> Instance:
        return Instance(self.mentorships, self.zones, caps, self.booked)

    def plan(self, caps: CohortRules | None = None) -> CohortPlan:
        instance = self.instance(caps or rules())
        plan = plan_cohort(instance.mentorships, instance.zones, instance.rules, instance.booked)
        assert_keeps_the_rules(instance, plan)
        return plan

    def greedy_plan(self, caps: CohortRules | None = None) -> CohortPlan:
        instance = self.instance(caps or rules())
        plan = plan_cohort_greedily(
            instance.mentorships, instance.zones, instance.rules, instance.booked
        )
        assert_keeps_the_rules(instance, plan)
        return plan


def reasons(plan: CohortPlan) -> dict[UUID, UnplacedReason]:
    return {gap.mentorship_id: gap.reason for gap in plan.unplaced}


def test_a_mentorship_without_candidates_has_no_common_time() -> None:
    cohort = Cohort()
    placed = cohort.mentee(series(at(0, 9)))
    lonely = cohort.mentee()

    plan = cohort.plan()

    assert [p.mentorship_id for p in plan.placements] == [placed]
    assert reasons(plan) == {lonely: UnplacedReason.NO_COMMON_TIME}
    assert (plan.bound, plan.bound_source, plan.status) == (1, BoundSource.SOLVER, "optimal")


def test_a_mentorship_whose_only_time_the_mentor_gives_to_another_is_taken_by_others() -> None:
    cohort = Cohort()
    cohort.mentee(series(at(0, 9), at(7, 9)))
    cohort.mentee(series(at(7, 9, minute=30), at(14, 9)))

    plan = cohort.plan()

    assert len(plan.placements) == 1
    assert list(reasons(plan).values()) == [UnplacedReason.TAKEN_BY_OTHERS]
    assert plan.bound == 1


def test_the_buffer_keeps_one_persons_sessions_apart() -> None:
    cohort = Cohort()
    cohort.mentee(series(at(0, 9)))
    cohort.mentee(series(at(0, 10, minute=10)))

    assert len(cohort.plan(rules(buffer=15)).placements) == 1
    assert len(cohort.plan(rules(buffer=10)).placements) == 2


def test_the_day_cap_counts_the_persons_own_local_day() -> None:
    # 23:00 and 01:00 UTC: two days in London, one evening in New York.
    late, early = at(0, 23), at(1, 1)
    for zone, placed in (("Europe/London", 2), ("America/New_York", 1)):
        cohort = Cohort(zone)
        cohort.mentee(series(late))
        cohort.mentee(series(early))

        assert len(cohort.plan(rules(day=1)).placements) == placed, zone


def test_the_week_cap_counts_the_persons_own_iso_week() -> None:
    # Sunday 22:00 and Monday 02:00 UTC: two weeks in London, one Monday in Kolkata.
    sunday, monday = at(6, 22), at(7, 2)
    for zone, placed in (("Europe/London", 2), ("Asia/Kolkata", 1)):
        cohort = Cohort(zone)
        cohort.mentee(series(sunday))
        cohort.mentee(series(monday))

        assert len(cohort.plan(rules(week=1)).placements) == placed, zone


def test_sessions_booked_before_take_their_time_and_count_for_the_caps() -> None:
    cohort = Cohort()
    clashing = cohort.mentee(series(at(0, 9)))
    capped = cohort.mentee(series(at(1, 15)))
    free = cohort.mentee(series(at(2, 9)))
    cohort.booked = {cohort.mentor: [at(0, 9, minute=30), at(1, 9)]}

    plan = cohort.plan(rules(day=1))

    assert [p.mentorship_id for p in plan.placements] == [free]
    assert reasons(plan) == {
        clashing: UnplacedReason.TAKEN_BY_OTHERS,
        capped: UnplacedReason.TAKEN_BY_OTHERS,
    }
    assert plan.bound == 1


def test_placing_more_comes_before_anyone_s_preference() -> None:
    cohort = Cohort()
    cohort.mentee(series(at(0, 9), cost=0), series(at(1, 9), cost=5))
    cohort.mentee(series(at(0, 9, minute=30), cost=0))

    greedy, solved = cohort.greedy_plan(), cohort.plan()

    assert len(greedy.placements) == 1
    assert [p.candidate_index for p in solved.placements] == [1, 0]
    assert (solved.status, solved.bound, solved.preference_cost) == ("optimal", 2, 5)


def test_a_mentor_s_mentees_are_spread_over_days() -> None:
    cohort = Cohort()
    cohort.mentee(series(at(0, 9), cost=0), series(at(1, 9), cost=1))
    cohort.mentee(series(at(0, 11), cost=0), series(at(2, 11), cost=1))

    greedy, solved = cohort.greedy_plan(), cohort.plan()

    assert (len(greedy.placements), greedy.crowded_sessions) == (2, 1)
    assert (len(solved.placements), solved.crowded_sessions) == (2, 0)
    assert solved.preference_cost == 1
    assert solved.status == "optimal"


def test_the_greedy_states_the_bound_of_the_candidates() -> None:
    cohort = Cohort()
    cohort.mentee(series(at(0, 9)))
    cohort.mentee(series(at(0, 9)))
    cohort.mentee()

    plan = cohort.greedy_plan()

    assert (plan.status, plan.bound, plan.bound_source) == ("greedy", 2, BoundSource.CANDIDATES)


def test_a_naive_time_is_refused() -> None:
    cohort = Cohort()
    start = datetime(2027, 3, 22, 9)
    cohort.mentee(series((start, start + timedelta(hours=1))))

    with pytest.raises(ValueError, match="aware"):
        cohort.plan()
