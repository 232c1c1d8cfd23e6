"""The mentor-mentee engine: every answer keeps every hard rule, and is optimal.

Hard rules are checked again here in plain Python, with the overlap of every week computed
from the kit's UTC intervals (`test_solver_availability`), so that the engine's vectorized
bitsets are checked, not trusted.
Optimality is checked against brute force on small pools and against scipy's assignment solver.
"""

import itertools
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from unittest import mock
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow
from scipy.optimize import linear_sum_assignment
from test_solver_availability import keeps_weekly_minimum

from tandem.kit.availability import WeeklyWindow
from tandem.matching.engine import (
    InvalidMatchInput,
    InvalidPin,
    MatchResult,
    ObjectiveValue,
    Participant,
    Period,
    Pin,
    Rules,
    ScoreTable,
    Weights,
    flow,
    match,
    score,
    scoring,
)
from tandem.matching.engine.checks import engine_order
from tandem.matching.engine.flow import (
    Network,
    best_per_owner,
    collect_candidates,
    participation_first,
    potentials_of_optimal_flow,
    quality_first,
)
from tandem.matching.engine.scoring import (
    MAX_SCORE,
    Stopwatch,
    build_pool,
    evaluate_block,
    score_pairs,
    weakest_week,
    week_slots,
)

ZONES = (
    "UTC",
    "Europe/Amsterdam",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
)
SKILLS = tuple(UUID(int=n) for n in range(1, 6))
PERIOD = Period(date(2025, 3, 1), date(2025, 4, 30))
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BRUTE_FORCE = settings(PROPERTY, max_examples=80)


# Building pools ----------------------------------------------------------------------------------


def quarter(index: int) -> time:
    return time(*divmod(index * 15 % (24 * 60), 60))


def person(
    number: int,
    role: str = "mentee",
    *,
    capacity: int = 1,
    department: str | None = None,
    level: int = 3,
    zone: str = "UTC",
    languages: frozenset[str] = frozenset({"en"}),
    interests: frozenset[str] = frozenset(),
    offered: dict[UUID, int] | None = None,
    wanted: dict[UUID, int] | None = None,
    windows: tuple[WeeklyWindow, ...] = (WeeklyWindow(0, time(9), time(12)),),
) -> Participant:
    return Participant(
        person_id=UUID(int=number),
        role=role,  # type: ignore[arg-type]
        capacity=capacity,
        department=department,
        job_level=level,
        manager_id=None,
        time_zone=zone,
        languages=languages,
        interests=interests,
        offered=offered or {},
        wanted=wanted or {},
        windows=windows,
    )


# Windows crowd into two working days, and most people live in or near Amsterdam, so that
# pairs often pass the rules and the solver has choices to make.
windows = st.builds(
    lambda day, start, length: WeeklyWindow(day, quarter(start), quarter(start + length)),
    st.integers(0, 1),
    st.integers(32, 64),
    st.integers(2, 16),
)
NEAR_AND_FAR = ("Europe/Amsterdam", "Europe/Amsterdam", "Europe/London", *ZONES)


@st.composite
def participants(draw: st.DrawFn, number: int, role: str) -> Participant:
    return Participant(
        person_id=UUID(int=number),
        role=role,  # type: ignore[arg-type]
        capacity=draw(st.sampled_from([1, 2, 3, 1, 0])),
        department=draw(st.sampled_from(["sales", "ops", None])),
        job_level=draw(st.integers(1, 4)) + (2 if role == "mentor" else 0),
        manager_id=None,
        time_zone=draw(st.sampled_from(NEAR_AND_FAR)),
        languages=draw(st.frozensets(st.sampled_from(["en", "en", "nl"]), min_size=1)),
        interests=draw(st.frozensets(st.sampled_from("abcde"), max_size=3)),
        offered=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3)),
        wanted=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=3)),
        windows=tuple(draw(st.lists(windows, min_size=1, max_size=3))),
    )


@st.composite
def pools(draw: st.DrawFn, mentees: int, mentors: int, either: int) -> list[Participant]:
    roles = (
        ["mentee"] * draw(st.integers(min(1, mentees), mentees))
        + ["mentor"] * draw(st.integers(min(1, mentors), mentors))
        + ["either"] * draw(st.integers(0, either))
    )
    return [draw(participants(1000 + n, role)) for n, role in enumerate(roles)]


@st.composite
def rule_sets(
    draw: st.DrawFn, kinds: Sequence[str] = ("traditional", "reverse", "peer", "onboarding")
) -> Rules:
    kind = draw(st.sampled_from(kinds))
    return Rules(
        kind=kind,
        department_policy=draw(
            st.sampled_from(["any", "any", "cross_department", "same_department"])
        ),
        max_level_gap=draw(st.none() | st.integers(0, 3)) if kind == "peer" else None,
        min_weekly_overlap_minutes=draw(st.sampled_from([0, 0, 15, 60])),
        shared_language_required=draw(st.booleans()),
        max_time_zone_distance_hours=draw(st.sampled_from([None, None, 3, 8])),
    )


weight_sets = st.builds(Weights, *(st.floats(0, 1, allow_nan=False) for _ in range(6)))


@st.composite
def forbidden_pairs(draw: st.DrawFn, people: Sequence[Participant]) -> set[frozenset[UUID]]:
    ids = [p.person_id for p in people]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4))
    return {frozenset(pair) for pair in pairs if pair[0] != pair[1]}


# The hard rules, in plain Python -------------------------------------------------------------


def clock_distance_minutes(a: Participant, b: Participant, day: date) -> int:
    def offset(p: Participant) -> int:
        delta = datetime.combine(day, time(), tzinfo=ZoneInfo(p.time_zone)).utcoffset()
        assert delta is not None
        return delta // timedelta(minutes=1)

    apart = abs(offset(a) - offset(b))
    return min(apart, 24 * 60 - apart)


def broken_rules(
    mentor: Participant,
    mentee: Participant,
    rules: Rules,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
) -> set[str]:
    gap = mentor.job_level - mentee.job_level
    same_department = mentor.department is not None and mentor.department == mentee.department
    wrong_seniority = {
        "traditional": gap <= 0,
        "onboarding": gap <= 0,
        "reverse": gap >= 0,
        "peer": rules.max_level_gap is not None and abs(gap) > rules.max_level_gap,
    }[rules.kind]
    apart = clock_distance_minutes(mentor, mentee, period.start)
    checks = {
        "self": mentor.person_id == mentee.person_id,
        "role": mentor.role == "mentee" or mentee.role == "mentor",
        "capacity": mentor.capacity < 1,
        "department_policy": (rules.department_policy == "cross_department" and same_department)
        or (rules.department_policy == "same_department" and not same_department),
        "seniority": wrong_seniority,
        "min_weekly_overlap_minutes": not keeps_weekly_minimum(
            mentor, mentee, period, rules.min_weekly_overlap_minutes
        ),
        "shared_language_required": rules.shared_language_required
        and not mentor.languages & mentee.languages,
        "max_time_zone_distance_hours": rules.max_time_zone_distance_hours is not None
        and apart > 60 * rules.max_time_zone_distance_hours,
        "forbidden": frozenset((mentor.person_id, mentee.person_id)) in forbidden,
    }
    return {rule for rule, broken in checks.items() if broken}


def assert_keeps_every_hard_rule(
    result: MatchResult,
    people: Sequence[Participant],
    rules: Rules,
    forbidden: Collection[frozenset[UUID]],
) -> None:
    by_id = {p.person_id: p for p in people}
    for proposal in result.proposals:
        mentor, mentee = by_id[proposal.mentor_id], by_id[proposal.mentee_id]
        assert broken_rules(mentor, mentee, rules, PERIOD, forbidden) == set(), proposal
    per_mentor = Counter(p.mentor_id for p in result.proposals)
    assert all(n <= by_id[mentor].capacity for mentor, n in per_mentor.items())
    assert max(Counter(p.mentee_id for p in result.proposals).values(), default=0) <= 1
    couples = Counter(frozenset((p.mentor_id, p.mentee_id)) for p in result.proposals)
    assert max(couples.values(), default=0) <= 1, "two people paired twice"


# Brute force -----------------------------------------------------------------------------------


def candidate_edges(
    table: ScoreTable,
    people: Sequence[Participant],
    rules: Rules,
    forbidden: Collection[frozenset[UUID]],
) -> dict[tuple[int, int], int]:
    """(row, col) -> score for every pair the rules allow, decided here in plain Python. For
    two "either" people allowed both ways, the engine keeps one direction: the test checks that
    it keeps exactly one, never the worse, and then follows its choice."""
    by_id = {p.person_id: p for p in people}
    allowed = {
        (row, col): int(table.scores[row, col])
        for row, mentee in enumerate(table.mentee_ids)
        for col, mentor in enumerate(table.mentor_ids)
        if not broken_rules(by_id[mentor], by_id[mentee], rules, PERIOD, forbidden)
    }
    row_of = {person_id: row for row, person_id in enumerate(table.mentee_ids)}
    col_of = {person_id: col for col, person_id in enumerate(table.mentor_ids)}
    for row, col in list(allowed):
        back = (row_of.get(table.mentor_ids[col]), col_of.get(table.mentee_ids[row]))
        if back in allowed:
            kept = [bool(table.allowed[row, col]), bool(table.allowed[back])]
            assert sum(kept) == 1, "exactly one direction of a two-way pair is kept"
            winner, loser = ((row, col), back) if kept[0] else (back, (row, col))
            assert allowed[winner] >= allowed[loser]
    return {edge: s for edge, s in allowed.items() if table.allowed[edge]}


def brute_force_best(
    edges: dict[tuple[int, int], int],
    rows: int,
    capacity: Sequence[int],
    quality: bool,
    required: Collection[int] = (),
) -> tuple[int, ...]:
    """The best objective over every assignment of the edges; `required` rows must be matched."""
    best: tuple[int, ...] | None = None
    options = [
        ([] if row in required else [None]) + [c for r, c in edges if r == row]
        for row in range(rows)
    ]
    for choice in itertools.product(*options):
        used = Counter(c for c in choice if c is not None)
        if any(n > capacity[c] for c, n in used.items()):
            continue
        scores = [edges[row, c] for row, c in enumerate(choice) if c is not None]
        key = (
            (sum(scores), len(scores))
            if quality
            else (len(scores), min(scores, default=0), sum(scores))
        )
        best = key if best is None or key > best else best
    assert best is not None
    return best


def achieved(result: MatchResult, quality: bool) -> tuple[int, ...]:
    value = result.stats.value
    if quality:
        return (value.total_score, value.matched)
    return (value.matched, value.worst_score or 0, value.total_score)


# Properties ------------------------------------------------------------------------------------


@PROPERTY
@given(data=st.data(), rules=rule_sets(), weights=weight_sets)
def test_every_proposed_pair_keeps_every_hard_rule(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(mentees=10, mentors=6, either=3))
    forbidden = data.draw(forbidden_pairs(people))
    objective = data.draw(st.sampled_from(["participation_first", "quality_first"]))

    result = match(people, rules, weights, PERIOD, forbidden=forbidden, objective=objective)

    assert_keeps_every_hard_rule(result, people, rules, forbidden)
    assert result.stats.bound == result.stats.value
    assert result.stats.gap == 0


@PROPERTY
@given(data=st.data(), rules=rule_sets(), weights=weight_sets)
def test_pins_are_in_the_answer_and_use_their_mentors_capacity(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(mentees=8, mentors=4, either=2))
    table = score(people, rules, weights, PERIOD)
    capacity = {p.person_id: p.capacity for p in people}
    pins: list[Pin] = []
    for row, col in data.draw(st.permutations(list(zip(*np.nonzero(table.allowed), strict=True)))):
        pin = Pin(table.mentor_ids[col], table.mentee_ids[row])
        taken = {p.mentee_id for p in pins} | {frozenset((p.mentor_id, p.mentee_id)) for p in pins}
        room = capacity[pin.mentor_id] - sum(p.mentor_id == pin.mentor_id for p in pins)
        couple = frozenset((pin.mentor_id, pin.mentee_id))
        if room and pin.mentee_id not in taken and couple not in taken:
            pins.append(pin)

    result = match(people, rules, weights, PERIOD, pins=pins)

    pinned = {(p.mentor_id, p.mentee_id) for p in result.proposals if p.pinned}
    assert pinned == {(p.mentor_id, p.mentee_id) for p in pins}
    assert_keeps_every_hard_rule(result, people, rules, frozenset())


@BRUTE_FORCE
@given(data=st.data(), rules=rule_sets(), weights=weight_sets)
def test_small_pools_match_brute_force(data: st.DataObject, rules: Rules, weights: Weights) -> None:
    people = data.draw(pools(mentees=4, mentors=2, either=2))  # at most 6 by 4
    forbidden = data.draw(forbidden_pairs(people))
    quality = data.draw(st.booleans())
    table = score(people, rules, weights, PERIOD, forbidden=forbidden)
    edges = candidate_edges(table, people, rules, forbidden)
    capacity = [next(p.capacity for p in people if p.person_id == m) for m in table.mentor_ids]

    result = match(
        people,
        rules,
        weights,
        PERIOD,
        forbidden=forbidden,
        objective="quality_first" if quality else "participation_first",
    )

    best = brute_force_best(edges, len(table.mentee_ids), capacity, quality)
    assert achieved(result, quality) == best


@BRUTE_FORCE
@given(
    data=st.data(),
    rules=rule_sets(kinds=["traditional", "reverse", "onboarding"]),
    weights=weight_sets,
)
def test_small_pools_with_pins_match_brute_force(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(mentees=4, mentors=2, either=2))
    quality = data.draw(st.booleans())
    table = score(people, rules, weights, PERIOD)
    edges = candidate_edges(table, people, rules, frozenset())
    capacity = [next(p.capacity for p in people if p.person_id == m) for m in table.mentor_ids]
    pinned = dict(
        data.draw(st.lists(st.sampled_from(sorted(edges)), max_size=2) if edges else st.just([]))
    )
    if any(sum(c == col for c in pinned.values()) > capacity[col] for col in pinned.values()):
        return
    forced = {
        edge: s for edge, s in edges.items() if edge[0] not in pinned or pinned[edge[0]] == edge[1]
    }
    pins = [Pin(table.mentor_ids[col], table.mentee_ids[row]) for row, col in pinned.items()]

    result = match(
        people,
        rules,
        weights,
        PERIOD,
        pins=pins,
        objective="quality_first" if quality else "participation_first",
    )

    best = brute_force_best(forced, len(table.mentee_ids), capacity, quality, required=set(pinned))
    assert achieved(result, quality) == best


@BRUTE_FORCE
@given(data=st.data(), rules=rule_sets(kinds=["peer"]), weights=weight_sets)
def test_small_peer_pools_of_either_people_match_brute_force(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(mentees=0, mentors=0, either=4))
    quality = data.draw(st.booleans())
    table = score(people, rules, weights, PERIOD)
    edges = candidate_edges(table, people, rules, frozenset())
    capacity = [next(p.capacity for p in people if p.person_id == m) for m in table.mentor_ids]

    result = match(
        people,
        rules,
        weights,
        PERIOD,
        objective="quality_first" if quality else "participation_first",
    )

    assert achieved(result, quality) == brute_force_best(
        edges, len(table.mentee_ids), capacity, quality
    )
    assert_keeps_every_hard_rule(result, people, rules, frozenset())


@settings(max_examples=25, deadline=None)
@given(
    mentees=st.integers(1, 30),
    mentors=st.integers(1, 30),
    weights=weight_sets,
    seed=st.integers(0, 2**32 - 1),
)
def test_the_assignment_case_totals_what_scipy_finds(
    mentees: int, mentors: int, weights: Weights, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    people = [
        person(
            n,
            "mentee" if n < mentees else "mentor",
            level=int(rng.integers(1, 6)),
            department=str(rng.choice(["a", "b", "c"])),
            zone=str(rng.choice(ZONES)),
            interests=frozenset(rng.choice(list("abcdef"), 3, replace=False).tolist()),
            offered={SKILLS[k]: int(rng.integers(1, 6)) for k in rng.permutation(5)[:2]},
            wanted={SKILLS[k]: int(rng.integers(1, 4)) for k in rng.permutation(5)[:2]},
            windows=(
                WeeklyWindow(int(rng.integers(0, 5)), quarter(int(rng.integers(32, 61))), time(18)),
            ),
        )
        for n in range(mentees + mentors)
    ]
    anything = Rules(kind="peer", shared_language_required=False)
    table = score(people, anything, weights, PERIOD)
    assert table.allowed.all()

    result = match(people, anything, weights, PERIOD, objective="quality_first")

    rows, cols = linear_sum_assignment(table.scores, maximize=True)
    assert result.stats.value.total_score == table.scores[rows, cols].sum()
    assert result.stats.value.matched == min(mentees, mentors)


@settings(PROPERTY, max_examples=30)
@given(data=st.data(), rules=rule_sets(), weights=weight_sets)
def test_pruning_candidates_keeps_the_matched_count(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(mentees=16, mentors=6, either=2))

    exact = match(people, rules, weights, PERIOD)
    pruned = match(people, rules, weights, PERIOD, keep_per_person=1)

    assert pruned.stats.value.matched == exact.stats.value.matched
    assert_keeps_every_hard_rule(pruned, people, rules, frozenset())


@settings(PROPERTY, max_examples=60)
@given(data=st.data(), rules=rule_sets(), weights=weight_sets, quality=st.booleans())
def test_certified_solves_on_pruned_candidates_reach_the_optimum_on_all(
    data: st.DataObject, rules: Rules, weights: Weights, quality: bool
) -> None:
    # One edge kept per person leaves out edges the optimum needs: the min-cut and
    # reduced-cost certificates must find and add them. Few mentors test the matched count
    # most, many mentors the worst pair.
    mentees, mentors = data.draw(st.sampled_from([(16, 6), (8, 14)]))
    people = data.draw(pools(mentees=mentees, mentors=mentors, either=2))
    pool = build_pool(people, rules, weights, PERIOD, [])
    network = Network(pool.rows, pool.capacity)

    def solved(keep: int | None) -> tuple[int | None, ...]:
        candidates = collect_candidates(pool, keep, Stopwatch())
        if quality:
            chosen = quality_first(candidates, network).chosen
            return (int(chosen.scores.sum()), len(chosen))
        chosen = participation_first(candidates, network, None).chosen
        worst = int(chosen.scores.min()) if len(chosen) else None
        return (len(chosen), worst, int(chosen.scores.sum()))

    assert solved(1) == solved(None)


@given(
    owners=st.integers(1, 6),
    keep=st.integers(0, 5),
    edges=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.one_of(st.integers(0, 3), st.integers(0, MAX_SCORE), st.integers(990, MAX_SCORE)),
        ),
        max_size=40,
    ),
    chunk=st.integers(1, 8),
)
def test_the_best_edges_of_an_owner_are_its_keep_best_and_those_tied_with_the_last(
    owners: int, keep: int, edges: list[tuple[int, int]], chunk: int
) -> None:
    owner = [first % owners for first, _ in edges]
    scores = [score for _, score in edges]

    def among_the_best(position: int) -> bool:
        own = sorted((s for o, s in zip(owner, scores, strict=True) if o == owner[position]))
        if keep == 0:  # no edge is among none: the cut is the highest score there can be
            return scores[position] >= MAX_SCORE
        return scores[position] >= own[::-1][min(keep, len(own)) - 1]

    with mock.patch.object(flow, "CHUNK_EDGES", chunk):
        found = best_per_owner(
            np.array(owner, dtype=np.int32), np.array(scores, dtype=np.int16), owners, keep
        )

    assert found.tolist() == [among_the_best(k) for k in range(len(edges))]


@settings(PROPERTY, max_examples=30)
@given(
    data=st.data(),
    rules=rule_sets(),
    weights=weight_sets,
    block=st.integers(1, 60),
    keep=st.none() | st.integers(0, 3),
    threads=st.integers(2, 4),
)
def test_blocks_judged_on_threads_give_the_candidates_of_one_thread(
    data: st.DataObject,
    rules: Rules,
    weights: Weights,
    block: int,
    keep: int | None,
    threads: int,
) -> None:
    people = data.draw(pools(mentees=16, mentors=6, either=2))
    pool = build_pool(people, rules, weights, PERIOD, [])

    with mock.patch.object(flow, "BLOCK_PAIRS", block):
        alone = collect_candidates(pool, keep, Stopwatch(), threads=1)
        together = collect_candidates(pool, keep, Stopwatch(), threads=threads)

    for field in ("rows", "cols", "scores"):
        assert np.array_equal(getattr(together.edges, field), getattr(alone.edges, field))
    for field in ("removed_by", "is_kept", "row_degree", "col_degree"):
        assert np.array_equal(getattr(together, field), getattr(alone, field))


@settings(PROPERTY)
@given(data=st.data(), rules=rule_sets(), weights=weight_sets, tile=st.integers(1, 40))
def test_skipping_tiles_the_cheap_rules_remove_keeps_every_feasible_pair(
    data: st.DataObject, rules: Rules, weights: Weights, tile: int
) -> None:
    people = data.draw(pools(mentees=16, mentors=6, either=2))
    pool = build_pool(people, rules, weights, PERIOD, [])
    rows = np.arange(pool.rows)

    with mock.patch.object(scoring, "TILE_PAIRS", tile):
        everything = evaluate_block(pool, rows)
        skipping = evaluate_block(pool, rows, cheap_failures_counted=0)

    assert np.array_equal(skipping.i, everything.i)
    assert np.array_equal(skipping.j, everything.j)
    assert np.array_equal(skipping.score, everything.score)
    # The packed overlap plans count what the people's own bitsets hold.
    i, j = (k.ravel() for k in np.indices(everything.candidate.shape))
    assert np.array_equal(everything.common_slots[i, j], score_pairs(pool, i, j).common_slots)
    assert np.array_equal(everything.weakest_week[i, j], weakest_week(*week_slots(pool, i, j)))


def test_weeks_a_clock_change_moves_for_everyone_are_counted_once() -> None:
    # Amsterdam's summer weeks are its winter weeks an hour earlier in UTC, for everyone
    # (and nobody is free on the Sunday its clocks change): one plan counts them all.
    people = [
        person(
            n,
            "mentor" if n % 3 == 0 else "mentee",
            windows=(
                WeeklyWindow(0, quarter(32 + n), quarter(44 + n)),
                WeeklyWindow(n % 5, quarter(40 + 3 * n), quarter(48 + 3 * n)),
            ),
            zone="Europe/Amsterdam",
        )
        for n in range(1, 13)
    ]
    pool = build_pool(people, Rules(min_weekly_overlap_minutes=15), Weights(), PERIOD, [])
    rows = np.arange(pool.rows)

    verdict = evaluate_block(pool, rows)

    assert len(pool.week_members) == 3
    assert len(pool.weekly_plans(0, 0)) == 1
    i, j = (k.ravel() for k in np.indices(verdict.candidate.shape))
    assert np.array_equal(verdict.weakest_week[i, j], weakest_week(*week_slots(pool, i, j)))
    assert verdict.weakest_week.any()


@settings(max_examples=20, deadline=None)
@given(data=st.data(), rules=rule_sets(), weights=weight_sets, seed=st.integers(0, 99))
def test_the_answer_depends_on_the_seed_not_on_the_input_order(
    data: st.DataObject, rules: Rules, weights: Weights, seed: int
) -> None:
    people = data.draw(pools(mentees=8, mentors=4, either=2))
    shuffled = data.draw(st.permutations(people))

    first = match(people, rules, weights, PERIOD, seed=seed)
    again = match(shuffled, rules, weights, PERIOD, seed=seed)

    assert first.proposals == again.proposals
    assert first.unmatched == again.unmatched


# Scores ----------------------------------------------------------------------------------------


def test_a_pair_scores_each_criterion_as_documented() -> None:
    python, sql = SKILLS[:2]
    mentor = person(
        1,
        "mentor",
        department="ops",
        level=5,
        zone="Europe/Amsterdam",
        interests=frozenset("abc"),
        offered={python: 4, sql: 2},
        windows=(WeeklyWindow(0, time(9), time(12)),),
    )
    mentee = person(
        2,
        department="sales",
        level=3,
        zone="Europe/London",
        interests=frozenset("bcd"),
        wanted={python: 1, sql: 3},
        windows=(WeeklyWindow(0, time(10), time(11, 30)),),
    )
    winter = Period(date(2025, 1, 6), date(2025, 2, 2))

    result = match([mentor, mentee], Rules(), Weights(), winter)

    (proposal,) = result.proposals
    raw = {c.criterion: c.raw for c in proposal.contributions}
    assert raw["skill_fit"] == pytest.approx((3 * 4 + 1 * 2) / (5 * (3 + 1)))
    assert raw["interests"] == pytest.approx(2 / 4)
    # 10:00-11:30 in London is 11:00-12:30 in Amsterdam: one common hour each Monday.
    assert raw["availability"] == pytest.approx(60)
    assert raw["time_zone"] == 1
    assert raw["cross_department"] == 1
    assert raw["seniority"] == 2
    points = sum(c.points for c in proposal.contributions)
    assert proposal.score == round(points)


def test_a_person_is_never_paired_with_themself() -> None:
    alone = person(1, "either", capacity=2, windows=(WeeklyWindow(0, time(9), time(17)),))

    result = match([alone], Rules(kind="peer"), Weights(), PERIOD)

    assert result.proposals == ()
    assert result.unmatched[0].removed_by == {}


def test_two_either_people_in_a_peer_program_are_paired_once() -> None:
    python = SKILLS[0]
    teaches = person(
        1, "either", offered={python: 5}, windows=(WeeklyWindow(0, time(9), time(12)),)
    )
    learns = person(2, "either", wanted={python: 1}, windows=(WeeklyWindow(0, time(9), time(12)),))

    result = match([teaches, learns], Rules(kind="peer"), Weights(), PERIOD)

    assert [(p.mentor_id, p.mentee_id) for p in result.proposals] == [
        (teaches.person_id, learns.person_id)
    ]


# Objectives ------------------------------------------------------------------------------------


def test_participation_first_matches_more_people_and_quality_first_scores_more() -> None:
    python, sql = SKILLS[:2]
    star = person(1, "mentor", level=5, offered={python: 5})
    plain = person(2, "mentor", level=5, offered={sql: 1})
    picky = person(3, level=1, wanted={python: 1})
    easy = person(4, level=1, wanted={python: 1})
    forbidden = {frozenset((plain.person_id, picky.person_id))}
    people = [star, plain, picky, easy]
    weights = Weights(
        skill_fit=1, interests=0, availability=0, time_zone=0, cross_department=0, seniority=0
    )

    fair = match(people, Rules(), weights, PERIOD, forbidden=forbidden)
    best = match(people, Rules(), weights, PERIOD, forbidden=forbidden, objective="quality_first")

    assert fair.stats.value.matched == 2
    assert {(p.mentor_id, p.mentee_id) for p in fair.proposals} == {
        (star.person_id, picky.person_id),
        (plain.person_id, easy.person_id),
    }
    assert best.stats.value.matched == 2  # a zero-score pair still counts second
    assert best.stats.value.total_score >= fair.stats.value.total_score


def test_participation_first_lifts_the_worst_pair_among_maximum_matchings() -> None:
    python, sql = SKILLS[:2]
    both = person(1, "mentor", level=5, offered={python: 5, sql: 5})
    python_only = person(2, "mentor", level=5, offered={python: 5})
    wants_both = person(3, level=1, wanted={python: 1, sql: 1})
    wants_python = person(4, level=1, wanted={python: 1})
    weights = Weights(
        skill_fit=1, interests=0, availability=0, time_zone=0, cross_department=0, seniority=0
    )

    result = match([both, python_only, wants_both, wants_python], Rules(), weights, PERIOD)

    assert result.stats.value.worst_score == 1000
    assert {(p.mentor_id, p.mentee_id) for p in result.proposals} == {
        (both.person_id, wants_both.person_id),
        (python_only.person_id, wants_python.person_id),
    }


def test_a_weak_pin_frees_the_others_to_score_more() -> None:
    python, sql, go = SKILLS[:3]
    weak_mentor = person(1, "mentor", level=5)
    weak_mentee = person(2, level=1, wanted={go: 1})
    a = person(3, "mentor", level=5, offered={python: 3, sql: 5})
    b = person(4, "mentor", level=5, offered={python: 2, sql: 3})
    x = person(5, level=1, wanted={python: 1})
    y = person(6, level=1, wanted={sql: 1})
    weights = Weights(
        skill_fit=1, interests=0, availability=0, time_zone=0, cross_department=0, seniority=0
    )
    people = [weak_mentor, weak_mentee, a, b, x, y]

    unpinned = match(people[2:], Rules(), weights, PERIOD)
    pinned = match(people, Rules(), weights, PERIOD, pins=[Pin(UUID(int=1), UUID(int=2))])

    # Alone, fairness prefers a-x and b-y (600 and 600) to a-y and b-x (1000 and 400); with a
    # pin scoring 0 the worst pair is the pin's whatever else happens, so the total decides.
    assert unpinned.stats.value == ObjectiveValue(2, 600, 1200)
    assert pinned.stats.value == ObjectiveValue(3, 0, 1400)


# Explanations ----------------------------------------------------------------------------------


def test_an_unmatched_mentee_learns_which_rule_and_how_far_to_relax_it() -> None:
    four_weeks = Period(date(2025, 1, 6), date(2025, 2, 2))
    mentor = person(1, "mentor", level=5, windows=(WeeklyWindow(0, time(9), time(10)),))
    mentee = person(2, level=1, windows=(WeeklyWindow(0, time(9, 30), time(11)),))
    rules = Rules(min_weekly_overlap_minutes=60)

    result = match([mentor, mentee], rules, Weights(), four_weeks)

    (unmatched,) = result.unmatched
    assert unmatched.reason == "no_candidates"
    assert unmatched.removed_by == {"min_weekly_overlap_minutes": 1}
    (relaxation,) = unmatched.relaxations
    assert str(relaxation) == (
        "min_weekly_overlap_minutes 60 → 30 (short of 60 minutes in 2025-01-06 to 2025-02-02)"
    )
    assert unmatched.short_weeks == relaxation.short_weeks
    assert match([mentor, mentee], relaxation.apply(rules), Weights(), four_weeks).unmatched == ()


def test_a_mentee_whose_candidates_went_to_others_is_told_so() -> None:
    mentor = person(1, "mentor", level=5, department="ops")
    first, second = person(2, level=1, department="ops"), person(3, level=1, department="ops")
    other_department = person(4, "mentor", level=5, department="sales")
    rules = Rules(department_policy="same_department")
    people = [mentor, first, second, other_department]

    result = match(people, rules, Weights(), PERIOD)

    (unmatched,) = result.unmatched
    assert unmatched.reason == "candidates_taken"
    assert unmatched.candidates == 1
    assert unmatched.removed_by == {"department_policy": 1}
    assert [str(r) for r in unmatched.relaxations] == ["department_policy same_department → any"]


def test_each_mentor_counts_once_under_the_first_rule_that_removes_them() -> None:
    mentee = person(1, level=1, windows=(WeeklyWindow(0, time(9), time(10)),))
    nothing_in_common = person(
        2,
        "mentor",
        level=5,
        languages=frozenset({"nl"}),
        windows=(WeeklyWindow(4, time(9), time(10)),),
    )
    only_the_hours = person(3, "mentor", level=5, windows=(WeeklyWindow(4, time(9), time(10)),))
    rules = Rules(min_weekly_overlap_minutes=30)

    (unmatched,) = match(
        [mentee, nothing_in_common, only_the_hours], rules, Weights(), PERIOD
    ).unmatched

    assert unmatched.removed_by == {"shared_language_required": 1, "min_weekly_overlap_minutes": 1}
    assert [str(r) for r in unmatched.relaxations] == [
        "min_weekly_overlap_minutes 30 → 0 (short of 30 minutes in 2025-03-01 to 2025-04-25)"
    ]


def test_relaxations_come_cheapest_first() -> None:
    mentee = person(1, level=1, zone="Europe/Amsterdam")
    far = person(2, "mentor", level=5, zone="Asia/Kolkata", windows=())
    foreign = person(3, "mentor", level=5, zone="Europe/Amsterdam", languages=frozenset({"hi"}))
    rules = Rules(max_time_zone_distance_hours=4)
    winter = Period(date(2025, 1, 6), date(2025, 2, 2))

    result = match([mentee, far, foreign], rules, Weights(), winter)

    (unmatched,) = result.unmatched
    assert unmatched.removed_by == {
        "shared_language_required": 1,
        "max_time_zone_distance_hours": 1,
    }
    # Kolkata is 4.5 hours from Amsterdam in winter: 5 hours gives up a fifth of the rule.
    assert [str(r) for r in unmatched.relaxations] == [
        "max_time_zone_distance_hours 4 → 5",
        "shared_language_required True → False",
    ]
    assert unmatched.relaxations[0].given_up == pytest.approx(0.2)


# Invalid input ---------------------------------------------------------------------------------


def test_a_pin_that_breaks_a_hard_rule_is_refused() -> None:
    mentor = person(1, "mentor", level=1)
    mentee = person(2, level=5)

    with pytest.raises(InvalidPin, match="seniority"):
        match([mentor, mentee], Rules(), Weights(), PERIOD, pins=[Pin(UUID(int=1), UUID(int=2))])


def test_a_pin_beyond_the_mentors_capacity_is_refused() -> None:
    people = [person(1, "mentor", level=5), person(2, level=1), person(3, level=1)]
    pins = [Pin(UUID(int=1), UUID(int=2)), Pin(UUID(int=1), UUID(int=3))]

    with pytest.raises(InvalidPin, match="capacity"):
        match(people, Rules(), Weights(), PERIOD, pins=pins)


def test_a_pin_in_the_wrong_role_is_refused() -> None:
    people = [person(1, "mentee", level=5), person(2, level=1)]

    with pytest.raises(InvalidPin, match="role"):
        match(people, Rules(), Weights(), PERIOD, pins=[Pin(UUID(int=1), UUID(int=2))])


@pytest.mark.parametrize("kind", ["mutual", "circle"])
def test_group_and_mutual_programs_are_not_this_engines(kind: str) -> None:
    with pytest.raises(InvalidMatchInput, match="mentor↔mentee"):
        match([person(1)], Rules(kind=kind), Weights(), PERIOD)  # type: ignore[arg-type]


def test_a_person_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidMatchInput, match="more than once"):
        match([person(1), person(1, "mentor")], Rules(), Weights(), PERIOD)


def test_an_absence_that_ends_before_it_starts_is_refused() -> None:
    backwards = replace(person(7), absences=((date(2025, 3, 9), date(2025, 3, 2)),))

    with pytest.raises(InvalidMatchInput, match="absence ends before it starts"):
        match([backwards], Rules(), Weights(), PERIOD)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"role": "member"}, "role 'member' is not one of"),
        ({"capacity": -1}, "capacity cannot be negative"),
        ({"time_zone": "Mars/Olympus"}, "'Mars/Olympus' is not a known IANA time zone"),
        ({"offered": {UUID(int=900): 6}}, "offered proficiencies run from 1 to 5"),
        ({"wanted": {UUID(int=900): 0}}, "wanted priorities run from 1 to 3"),
    ],
)
def test_the_first_unusable_participant_of_a_pool_is_named(
    changes: dict[str, object], problem: str
) -> None:
    """The pool's values are checked at once, and person by person only once one fails, to
    name the first: the engine's order (ids shuffled by the seed) decides which that is."""
    pool = [person(number, "mentor" if number % 3 else "mentee") for number in range(1, 40)]
    pool[17] = replace(pool[17], **changes)  # type: ignore[arg-type]
    pool[23] = replace(pool[23], **changes)  # type: ignore[arg-type]
    first = next(p for p in engine_order(pool, 5) if p in (pool[17], pool[23]))

    with pytest.raises(InvalidMatchInput, match=f"{first.person_id}: {problem}"):
        match(pool, Rules(), Weights(), PERIOD, seed=5)


def test_a_window_off_the_grid_is_refused_naming_the_person() -> None:
    odd = person(7, windows=(WeeklyWindow(0, time(9, 10), time(10)),))

    with pytest.raises(InvalidMatchInput, match=str(UUID(int=7))):
        match([odd], Rules(), Weights(), PERIOD)


@settings(max_examples=60, deadline=None)
@given(
    arcs=st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(0, 2), st.integers(-20, 20)),
        min_size=1,
        max_size=30,
    ),
    guess=st.lists(st.integers(-30, 30), min_size=8, max_size=8),
)
def test_potentials_are_the_shortest_distances_of_relaxing_every_arc(
    arcs: list[tuple[int, int, int, int]], guess: list[int]
) -> None:
    """The potentials that certify a min-cost flow (relaxing only the arcs out of the nodes
    that moved) are exactly those of Bellman-Ford relaxing every residual arc each round."""
    tails, heads, capacities, costs = (
        np.array(column, dtype=np.int64) for column in zip(*arcs, strict=True)
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    flow.set_node_supply(0, 1)
    flow.set_node_supply(7, -1)
    if flow.solve() != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        return
    flows = np.array([flow.flow(arc) for arc in range(len(arcs))], dtype=np.int64)
    residual = [
        (t, h, c)
        for t, h, u, c, f in zip(tails, heads, capacities, costs, flows, strict=True)
        if f < u
    ]
    residual += [
        (h, t, -c)
        for t, h, _, c, f in zip(tails, heads, capacities, costs, flows, strict=True)
        if f > 0
    ]
    expected = list(guess)
    for _ in range(len(expected)):
        for tail, head, cost in residual:
            expected[head] = min(expected[head], expected[tail] + int(cost))

    found = potentials_of_optimal_flow(
        np.array(guess, dtype=np.int64),
        tails.astype(np.int32),
        heads.astype(np.int32),
        capacities,
        costs,
        flows,
    )

    assert found.tolist() == expected
