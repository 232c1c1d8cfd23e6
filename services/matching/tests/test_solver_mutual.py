"""Mutual mentoring: every pair keeps every hard rule both ways round, and the answer is optimal.

Hard rules are checked again in plain Python by the pair engine's tests (`broken_rules`), in both
directions. Pair scores are rebuilt here from the pair engine's score table, each direction
read from its own row and column, so the blend of the two directions is checked, not trusted.
Optimality is checked against every matching of small pools, and the bound of a pruned
answer against the exact answer.
"""

import itertools
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from uuid import UUID

import numpy as np
import pytest
import rustworkx as rx
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_solver import (
    BRUTE_FORCE,
    PERIOD,
    PROPERTY,
    SKILLS,
    broken_rules,
    forbidden_pairs,
    participants,
    person,
    weight_sets,
)

from tandem.kit.availability import WeeklyWindow
from tandem.matching.engine import (
    CRITERIA,
    InvalidMatchInput,
    InvalidPin,
    MatchResult,
    Objective,
    ObjectiveValue,
    Participant,
    Pin,
    Rules,
    Weights,
    score,
)
from tandem.matching.engine.mutual import (
    Pairs,
    blossom,
    double_cover_matching,
    match_mutual,
    proven_best_total,
)

SKILL_ONLY = Weights(
    skill_fit=1, interests=0, availability=0, time_zone=0, cross_department=0, seniority=0
)
OBJECTIVES: tuple[Objective, ...] = ("participation_first", "quality_first")

Pair = frozenset[UUID]


# Building pools ----------------------------------------------------------------------------------


@st.composite
def pools(draw: st.DrawFn, most: int) -> list[Participant]:
    size = draw(st.integers(0, most))
    return [
        draw(participants(2000 + n, draw(st.sampled_from(["either", "mentee"]))))
        for n in range(size)
    ]


@st.composite
def mutual_rules(draw: st.DrawFn) -> Rules:
    return Rules(
        kind="mutual",
        department_policy=draw(
            st.sampled_from(["any", "any", "cross_department", "same_department"])
        ),
        max_level_gap=draw(st.none() | st.integers(0, 2)),
        min_weekly_overlap_minutes=draw(st.sampled_from([0, 0, 15, 60])),
        shared_language_required=draw(st.booleans()),
        max_time_zone_distance_hours=draw(st.sampled_from([None, None, 3, 8])),
    )


def mutual(one: Participant, **changes: object) -> Participant:
    return replace(one, role="either", **changes)  # type: ignore[arg-type]


# The rules and scores, again -------------------------------------------------------------------


def allowed(
    one: Participant, other: Participant, rules: Rules, forbidden: Collection[Pair]
) -> bool:
    """Every hard rule both ways round, as a peer program judges it; role and capacity aside."""
    peer = replace(rules, kind="peer")
    return all(
        not broken_rules(mentor, mentee, peer, PERIOD, forbidden) - {"role", "capacity"}
        for mentor, mentee in ((one, other), (other, one))
    )


def pair_scores(
    people: Sequence[Participant], rules: Rules, weights: Weights, forbidden: Collection[Pair]
) -> dict[Pair, int]:
    """Every allowed pair's score: the criteria of the pair engine's table, the skill fit of the
    two directions blended with the weaker one counting twice."""
    everyone = [mutual(p, capacity=1) for p in people]
    table = score(everyone, replace(rules, kind="peer"), weights, PERIOD)
    row = {person_id: k for k, person_id in enumerate(table.mentee_ids)}
    col = {person_id: k for k, person_id in enumerate(table.mentor_ids)}
    given = {c: float(getattr(weights, c)) for c in CRITERIA}
    points = {
        c: 1000 * w / sum(given.values()) if any(given.values()) else 0.0 for c, w in given.items()
    }
    found = {}
    for k, one in enumerate(people):
        for other in people[k + 1 :]:
            if not allowed(one, other, rules, forbidden):
                continue
            a, b = one.person_id, other.person_id
            normalized = {c: table.normalized[c][row[b], col[a]] for c in CRITERIA}
            fits = sorted([normalized["skill_fit"], table.normalized["skill_fit"][row[a], col[b]]])
            normalized["skill_fit"] = (np.float32(2) * fits[0] + fits[1]) / np.float32(3)
            total = sum(points[c] * float(normalized[c]) for c in CRITERIA)
            found[frozenset((a, b))] = round(total)
    return found


def assert_keeps_every_hard_rule(
    result: MatchResult, people: Sequence[Participant], rules: Rules, forbidden: Collection[Pair]
) -> None:
    by_id = {p.person_id: p for p in people}
    for proposal in result.proposals:
        assert proposal.mentor_id.int < proposal.mentee_id.int
        one, other = by_id[proposal.mentor_id], by_id[proposal.mentee_id]
        assert allowed(one, other, rules, forbidden), proposal
    placed = Counter(
        p for proposal in result.proposals for p in (proposal.mentor_id, proposal.mentee_id)
    )
    assert max(placed.values(), default=0) <= 1, "someone in two pairs"
    unmatched = {u.person_id for u in result.unmatched}
    assert unmatched == set(by_id) - set(placed)


# Brute force -----------------------------------------------------------------------------------


def matchings(people: Sequence[UUID], pairs: Mapping[Pair, int]) -> Iterator[list[Pair]]:
    """Every matching of the pairs among `people`."""
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    yield from matchings(rest, pairs)
    for other in rest:
        if frozenset((first, other)) in pairs:
            others = [p for p in rest if p != other]
            for found in matchings(others, pairs):
                yield [frozenset((first, other)), *found]


def brute_force_best(
    people: Sequence[UUID], pairs: Mapping[Pair, int], quality: bool, pinned: Sequence[int] = ()
) -> tuple[int, ...]:
    best: tuple[int, ...] | None = None
    for found in matchings(people, pairs):
        scores = [*pinned, *(pairs[pair] for pair in found)]
        key = (
            (sum(scores), len(scores))
            if quality
            else (len(scores), min(scores, default=0), sum(scores))
        )
        best = key if best is None or key > best else best
    assert best is not None
    return best


def paired(result: MatchResult) -> set[tuple[int, int]]:
    return {(p.mentor_id.int, p.mentee_id.int) for p in result.proposals}


def achieved(result: MatchResult, quality: bool) -> tuple[int, ...]:
    value = result.stats.value
    if quality:
        return (value.total_score, value.matched)
    return (value.matched, value.worst_score or 0, value.total_score)


# Properties ------------------------------------------------------------------------------------


@PROPERTY
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets)
def test_every_pair_keeps_every_hard_rule_both_ways_round(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(most=16))
    forbidden = data.draw(forbidden_pairs(people)) if people else set()
    objective = data.draw(st.sampled_from(OBJECTIVES))
    keep = data.draw(st.sampled_from([None, 1, 2]))

    result = match_mutual(
        people,
        rules,
        weights,
        PERIOD,
        forbidden=forbidden,
        objective=objective,
        keep_per_person=keep,
    )

    assert_keeps_every_hard_rule(result, people, rules, forbidden)
    alone = [p for p in people if p.person_id in {u.person_id for u in result.unmatched}]
    assert not any(allowed(a, b, rules, forbidden) for a, b in itertools.combinations(alone, 2))


@BRUTE_FORCE
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets)
def test_small_pools_match_brute_force(data: st.DataObject, rules: Rules, weights: Weights) -> None:
    people = data.draw(pools(most=9))
    forbidden = data.draw(forbidden_pairs(people)) if people else set()
    quality = data.draw(st.booleans())
    pairs = pair_scores(people, rules, weights, forbidden)

    result = match_mutual(
        people,
        rules,
        weights,
        PERIOD,
        forbidden=forbidden,
        objective="quality_first" if quality else "participation_first",
    )

    ids = [p.person_id for p in people]
    assert achieved(result, quality) == brute_force_best(ids, pairs, quality)
    assert {
        frozenset((p.mentor_id, p.mentee_id)): p.score for p in result.proposals
    }.items() <= pairs.items()
    assert result.stats.status == "optimal"
    assert result.stats.bound == result.stats.value
    assert result.stats.gap == 0


@BRUTE_FORCE
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets)
def test_small_pools_with_pins_match_brute_force(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(most=9))
    quality = data.draw(st.booleans())
    pairs = pair_scores(people, rules, weights, ())
    pins: list[Pin] = []
    for pair in data.draw(
        st.lists(st.sampled_from(sorted(pairs, key=sorted)), max_size=2) if pairs else st.just([])
    ):
        if not any(pair & {pin.mentor_id, pin.mentee_id} for pin in pins):
            pins.append(Pin(*data.draw(st.permutations(sorted(pair)))))

    result = match_mutual(
        people,
        rules,
        weights,
        PERIOD,
        pins=pins,
        objective="quality_first" if quality else "participation_first",
    )

    pinned = {frozenset((pin.mentor_id, pin.mentee_id)) for pin in pins}
    taken = set().union(*pinned)
    rest = [p.person_id for p in people if p.person_id not in taken]
    best = brute_force_best(rest, pairs, quality, [pairs[pair] for pair in pinned])
    assert achieved(result, quality) == best
    assert {frozenset((p.mentor_id, p.mentee_id)) for p in result.proposals if p.pinned} == pinned


@settings(PROPERTY, max_examples=30)
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets)
def test_pruning_keeps_the_matched_count_and_the_bound_holds(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(most=24))
    objective = data.draw(st.sampled_from(OBJECTIVES))

    exact = match_mutual(people, rules, weights, PERIOD, objective=objective)
    pruned = match_mutual(people, rules, weights, PERIOD, objective=objective, keep_per_person=1)

    bound = pruned.stats.bound
    assert exact.stats.value.total_score <= bound.total_score
    assert pruned.stats.gap == pytest.approx(
        (bound.total_score - pruned.stats.value.total_score) / bound.total_score
        if bound.total_score
        else 0
    )
    if objective == "participation_first":
        assert pruned.stats.value.matched == exact.stats.value.matched
        assert (exact.stats.value.worst_score or 0) <= (bound.worst_score or 0)
        # The total is proven by reduced-cost fixing whenever the worst pair is.
        if pruned.stats.value.worst_score == exact.stats.value.worst_score:
            assert pruned.stats.value.total_score == exact.stats.value.total_score
    if pruned.stats.status == "optimal":
        assert achieved(pruned, objective == "quality_first") == achieved(
            exact, objective == "quality_first"
        )


@BRUTE_FORCE
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets)
def test_a_pruned_answer_is_bounded_and_optimal_when_it_says_so_by_brute_force(
    data: st.DataObject, rules: Rules, weights: Weights
) -> None:
    people = data.draw(pools(most=9))
    quality = data.draw(st.booleans())
    pairs = pair_scores(people, rules, weights, ())
    pinned = data.draw(
        st.sampled_from(sorted(pairs, key=sorted)) | st.none() if pairs else st.none()
    )
    pins = [Pin(*sorted(pinned))] if pinned else []

    pruned = match_mutual(
        people,
        rules,
        weights,
        PERIOD,
        pins=pins,
        objective="quality_first" if quality else "participation_first",
        keep_per_person=data.draw(st.sampled_from([1, 2])),
    )

    rest = [p.person_id for p in people if not pinned or p.person_id not in pinned]
    best = brute_force_best(rest, pairs, quality, [pairs[pinned]] if pinned else [])
    best_total = best[0] if quality else best[2]
    assert achieved(pruned, quality) <= best
    assert best_total <= pruned.stats.bound.total_score
    if not quality:
        assert pruned.stats.value.matched == best[0]
        assert best[1] <= (pruned.stats.bound.worst_score or 0)
    if pruned.stats.status == "optimal":
        assert achieved(pruned, quality) == best


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
@example(seed=76)
def test_reduced_cost_fixing_finds_the_best_total_of_a_matching_of_the_most_pairs(
    seed: int,
) -> None:
    # Fixing narrows the gap in two rounds; the second must not lose the first one's answer.
    rng = np.random.default_rng(seed)
    people = int(rng.integers(4, 12))
    low, high = np.triu_indices(people, k=1)
    drawn = rng.random(len(low)) < rng.uniform(0.2, 0.8)
    pairs = Pairs(low[drawn], high[drawn], rng.integers(0, 200, int(drawn.sum())), people)
    everything = np.ones(len(pairs), dtype=bool)
    largest = blossom(pairs, everything)
    kept = largest | (rng.random(len(pairs)) < 0.3)
    start = blossom(pairs, kept, pairs.score)

    chosen, _ = proven_best_total(pairs, everything, kept, start, int(largest.sum()))

    best = blossom(pairs, everything, pairs.score)
    assert chosen.sum() == largest.sum()
    assert pairs.score[chosen].sum() == pairs.score[best].sum()


@settings(max_examples=20, deadline=None)
@given(data=st.data(), rules=mutual_rules(), weights=weight_sets, seed=st.integers(0, 99))
def test_the_answer_depends_on_the_seed_not_on_the_input_order(
    data: st.DataObject, rules: Rules, weights: Weights, seed: int
) -> None:
    people = data.draw(pools(most=12))
    shuffled = data.draw(st.permutations(people))

    first = match_mutual(people, rules, weights, PERIOD, seed=seed)
    again = match_mutual(shuffled, rules, weights, PERIOD, seed=seed)

    assert first.proposals == again.proposals
    assert first.unmatched == again.unmatched


@settings(max_examples=200, deadline=None)
@given(people=st.integers(2, 40), density=st.floats(0.02, 0.6), seed=st.integers(0, 2**32 - 1))
def test_the_double_cover_bounds_every_matching_and_finds_a_valid_one(
    people: int, density: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    low, high = np.triu_indices(people, k=1)
    drawn = rng.random(len(low)) < density
    pairs = Pairs(low[drawn], high[drawn], rng.integers(0, 1001, int(drawn.sum())), people)

    cover = double_cover_matching(pairs, np.ones(len(pairs), dtype=bool))

    ends = np.concatenate([pairs.low[cover.matching], pairs.high[cover.matching]]).tolist()
    assert len(set(ends)) == len(ends)
    graph: rx.PyGraph[None, None] = rx.PyGraph()
    graph.add_nodes_from([None] * people)
    graph.extend_from_edge_list(list(zip(pairs.low.tolist(), pairs.high.tolist(), strict=True)))
    largest = len(rx.max_weight_matching(graph, max_cardinality=True))
    assert cover.matching.sum() <= largest <= cover.bound


# Scores ----------------------------------------------------------------------------------------


def test_a_pair_scores_both_directions_with_the_weaker_counting_twice() -> None:
    python, sql = SKILLS[:2]
    ann = person(1, "either", level=4, offered={python: 5}, wanted={sql: 1})
    bob = person(2, "either", level=3, offered={sql: 2}, wanted={python: 1})

    (proposal,) = match_mutual([bob, ann], Rules(kind="mutual"), Weights(), PERIOD).proposals

    assert (proposal.mentor_id, proposal.mentee_id) == (ann.person_id, bob.person_id)
    contributions = {c.criterion: c for c in proposal.contributions}
    # Ann teaches Bob everything he wants (1.0); Bob covers 2 of 5 levels of Ann's wish (0.4).
    assert contributions["skill_fit"].normalized == pytest.approx((2 * 0.4 + 1.0) / 3)
    assert contributions["seniority"].raw == 1
    assert proposal.score == round(sum(c.points for c in proposal.contributions))


def test_a_real_exchange_beats_teaching_one_way_however_well() -> None:
    python, sql, go = SKILLS[:3]
    expert = person(1, "either", offered={python: 5, sql: 5}, wanted={go: 1})
    learner = person(2, "either", wanted={python: 1})
    gopher = person(3, "either", offered={go: 3}, wanted={sql: 1})
    beginner = person(4, "either", wanted={sql: 1})

    result = match_mutual(
        [expert, learner, gopher, beginner],
        Rules(kind="mutual"),
        SKILL_ONLY,
        PERIOD,
        objective="quality_first",
    )

    scores = {(p.mentor_id.int, p.mentee_id.int): p.score for p in result.proposals}
    # The expert and the gopher exchange: all one way, 3/5 the other, so (2 * 0.6 + 1) / 3.
    # The expert teaching the learner or the beginner everything would be worth a third.
    assert scores == {(1, 3): 733, (2, 4): 0}


# Rules and objectives --------------------------------------------------------------------------


def test_seniority_is_a_gap_either_way_and_capacity_and_role_do_not_matter() -> None:
    junior = person(1, "mentee", capacity=3, level=3)
    senior = person(2, "mentor", capacity=0, level=5)
    far_junior = person(3, "mentee", level=0)

    result = match_mutual(
        [senior, junior, far_junior], Rules(kind="mutual", max_level_gap=2), Weights(), PERIOD
    )

    assert paired(result) == {(1, 2)}
    (alone,) = result.unmatched
    assert (alone.person_id, alone.reason) == (far_junior.person_id, "no_candidates")
    assert alone.removed_by == {"seniority": 2}
    assert [str(r) for r in alone.relaxations] == []


def test_participation_first_pairs_more_people_and_quality_first_scores_more() -> None:
    python, sql = SKILLS[:2]
    a = person(1, "either", offered={python: 5}, wanted={sql: 1})
    b = person(2, "either", offered={sql: 5}, wanted={python: 1})
    c = person(3, "either", wanted={python: 1})
    d = person(4, "either", wanted={sql: 1})
    forbidden = {frozenset((c.person_id, d.person_id))}
    rules = Rules(kind="mutual")

    fair = match_mutual([a, b, c, d], rules, SKILL_ONLY, PERIOD, forbidden=forbidden)
    best = match_mutual(
        [a, b, c, d], rules, SKILL_ONLY, PERIOD, forbidden=forbidden, objective="quality_first"
    )

    # Teaching one way only is a third of an exchange: 333 for a-c and b-d.
    assert paired(fair) == {(1, 3), (2, 4)}
    assert fair.stats.value == ObjectiveValue(2, 333, 666)
    assert paired(best) == {(1, 2)}
    assert best.stats.value == ObjectiveValue(1, 1000, 1000)


def test_participation_first_lifts_the_worst_pair_and_quality_first_takes_the_best_total() -> None:
    python, sql = SKILLS[:2]
    # A ring 1-2-3-4-1 (1-3 and 2-4 forbidden) with two ways to pair everyone:
    # 1-2 (1000) and 3-4 (400), or 2-3 (600) and 4-1 (600).
    one = person(1, "either", offered={python: 5}, wanted={sql: 1})
    two = person(2, "either", offered={sql: 5}, wanted={python: 1})
    three = person(3, "either", offered={python: 2}, wanted={sql: 1})
    four = person(4, "either", offered={sql: 2}, wanted={python: 1})
    forbidden = {frozenset((UUID(int=1), UUID(int=3))), frozenset((UUID(int=2), UUID(int=4)))}
    people, rules = [one, two, three, four], Rules(kind="mutual")

    fair = match_mutual(people, rules, SKILL_ONLY, PERIOD, forbidden=forbidden)
    best = match_mutual(
        people, rules, SKILL_ONLY, PERIOD, forbidden=forbidden, objective="quality_first"
    )

    assert fair.stats.value == ObjectiveValue(2, 600, 1200)
    assert paired(fair) == {(2, 3), (1, 4)}
    assert best.stats.value == ObjectiveValue(2, 400, 1400)
    assert paired(best) == {(1, 2), (3, 4)}


def test_two_odd_groups_leave_one_person_each_and_a_pruned_answer_can_still_be_proven() -> None:
    # Two departments of three: a triangle each, so two pairs at most. The double cover's
    # bound over the whole pool says three; the bound per connected component says two.
    people = [person(n, "either", department="ab"[n % 2], level=(n + 1) // 2) for n in range(1, 7)]
    rules = Rules(kind="mutual", department_policy="same_department")

    pruned = match_mutual(people, rules, Weights(), PERIOD, keep_per_person=1)

    assert pruned.stats.solved_edges < pruned.stats.candidate_edges
    assert pruned.stats.value.matched == 2
    assert [u.reason for u in pruned.unmatched] == ["candidates_taken"] * 2
    # The kept pairs hold the best answer, and the relaxation over every pair proves it.
    assert pruned.stats.status == "optimal"
    assert pruned.stats.value == match_mutual(people, rules, Weights(), PERIOD).stats.value


# Pins and explanations -------------------------------------------------------------------------


def test_a_pin_names_its_two_people_in_any_order() -> None:
    people = [person(n, "either") for n in range(1, 5)]

    result = match_mutual(
        people, Rules(kind="mutual"), Weights(), PERIOD, pins=[Pin(UUID(int=3), UUID(int=1))]
    )

    assert [(p.mentor_id.int, p.mentee_id.int, p.pinned) for p in result.proposals] == [
        (1, 3, True),
        (2, 4, False),
    ]


def test_a_pin_that_breaks_a_hard_rule_is_refused() -> None:
    people = [person(1, "either", languages=frozenset({"nl"})), person(2, "either")]

    with pytest.raises(InvalidPin, match="shared_language_required"):
        match_mutual(
            people, Rules(kind="mutual"), Weights(), PERIOD, pins=[Pin(UUID(int=1), UUID(int=2))]
        )


def test_a_person_in_two_pins_is_refused() -> None:
    people = [person(n, "either") for n in range(1, 4)]
    pins = [Pin(UUID(int=1), UUID(int=2)), Pin(UUID(int=3), UUID(int=1))]

    with pytest.raises(InvalidPin, match="another pin"):
        match_mutual(people, Rules(kind="mutual"), Weights(), PERIOD, pins=pins)


def test_someone_pinned_counts_as_taken_for_the_others() -> None:
    people = [person(n, "either") for n in range(1, 4)]

    result = match_mutual(
        people, Rules(kind="mutual"), Weights(), PERIOD, pins=[Pin(UUID(int=1), UUID(int=2))]
    )

    (alone,) = result.unmatched
    assert (alone.person_id, alone.reason, alone.candidates) == (UUID(int=3), "no_candidates", 0)
    assert alone.removed_by == {"capacity": 2}


def test_an_unmatched_person_learns_which_rule_and_how_far_to_relax_it() -> None:
    four_weeks = replace(PERIOD, start=date(2025, 1, 6), end=date(2025, 2, 2))
    early = person(1, "either", windows=(WeeklyWindow(0, time(9), time(10)),))
    late = person(2, "either", windows=(WeeklyWindow(0, time(9, 30), time(11)),))
    rules = Rules(kind="mutual", min_weekly_overlap_minutes=60)

    result = match_mutual([early, late], rules, Weights(), four_weeks)

    assert [u.reason for u in result.unmatched] == ["no_candidates"] * 2
    assert all(u.removed_by == {"min_weekly_overlap_minutes": 1} for u in result.unmatched)
    relaxation = result.unmatched[0].relaxations[0]
    assert str(relaxation) == (
        "min_weekly_overlap_minutes 60 → 30 (short of 60 minutes in 2025-01-06 to 2025-02-02)"
    )
    assert (
        match_mutual([early, late], relaxation.apply(rules), Weights(), four_weeks).unmatched == ()
    )


@pytest.mark.parametrize("kind", ["peer", "traditional", "circle"])
def test_other_program_kinds_are_not_this_engines(kind: str) -> None:
    with pytest.raises(InvalidMatchInput, match="not a mutual program"):
        match_mutual([person(1, "either")], Rules(kind=kind), Weights(), PERIOD)  # type: ignore[arg-type]
