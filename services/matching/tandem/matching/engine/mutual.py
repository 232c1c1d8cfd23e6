"""The matching engine for mutual mentoring: two people each teach what the other wants.

Everyone may pair with everyone, so the pairs form a general graph, not the mentor↔mentee
network of `pairs.match`; Edmonds' blossom algorithm (rustworkx) picks them, exactly. The
criteria, hard rules, pins and explanations are the pair engine's, and so are the result types:
a proposal names its two people as `mentor_id` and `mentee_id`, the smaller id first.

- A pair's score counts both directions of the exchange: the skill fit of each direction, with
  the weaker one counting twice (see `_blend`); the other criteria are the same both ways.
- A pair passes every hard rule, and the hard rules of a peer program are the same both ways
  round (seniority is a gap, `max_level_gap` if set), so each pair is judged once. Role and
  capacity are ignored: everyone has one partner at most.

Proof without pruning is the blossom's. With pruning to each person's best partners, the
matched count is still proven maximal over every candidate pair (participation_first); the
worst pair is proven best over all of them when the stats' bound says so; the total is optimal
over the kept pairs and checked against the linear relaxation over every pair. An answer that
reaches every bound is proven optimal all the same (status "optimal"); otherwise the bound and
the gap say how far from it the answer may be.
"""

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

import numpy as np
import rustworkx as rx
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from tandem.matching.engine.checks import checked_pool
from tandem.matching.engine.explanations import objective_value, unmatched_with_reasons
from tandem.matching.engine.flow import potentials_of_optimal_flow
from tandem.matching.engine.scoring import (
    BLOCK_PAIRS,
    MAX_SCORE,
    Pool,
    Scored,
    Stopwatch,
    evaluate_block,
    pair_failures,
    points_per_criterion,
    score_pairs,
)
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    Contribution,
    Flags,
    Floats,
    HardRule,
    Ints,
    InvalidMatchInput,
    InvalidPin,
    MatchResult,
    MatchStats,
    Objective,
    ObjectiveValue,
    Participant,
    Period,
    Pin,
    Proposal,
    Rules,
    Unmatched,
    Weights,
)

__all__ = ["match_mutual"]

Arcs = NDArray[np.int32]

# An exchange is mostly as good as its weaker half: (2 * weaker + stronger) / 3.
_WEAKER_DIRECTION_WEIGHT = 2
# Pairs within this reduced cost narrow the gap before the proof: on 5,000 people they
# reached the optimum with 10,439 more pairs, where the whole gap would have taken 580,340.
NARROWING_REDUCED_COST = 40
# "other_direction" keeps one direction of a peer pair; here both directions make one pair.
_RULES: tuple[HardRule, ...] = tuple(rule for rule in HARD_RULES if rule != "other_direction")


class MatchingFailed(RuntimeError):
    """A solver did not report an optimum; the graph is malformed (a bug, not an input)."""


@dataclass(frozen=True)
class Pairs:
    """Unordered pairs of people by pool position, `low` < `high`, sorted, with their scores.

    Everyone is "either", so a pool position is a row and a column at once, of the same person.
    """

    low: Ints
    high: Ints
    score: Ints
    people: int

    def __len__(self) -> int:
        return len(self.low)

    @property
    def codes(self) -> Ints:
        codes: Ints = self.low * self.people + self.high
        return codes

    def where(self, keep: Flags) -> "Pairs":
        return Pairs(self.low[keep], self.high[keep], self.score[keep], self.people)

    def flags(self, ends: Ints, other_ends: Ints) -> Flags:
        """Which of these pairs join `ends[k]` and `other_ends[k]`, in either order."""
        wanted = np.minimum(ends, other_ends) * self.people + np.maximum(ends, other_ends)
        found = np.zeros(len(self), dtype=bool)
        found[np.searchsorted(self.codes, wanted)] = True
        return found

    def partnered(self, chosen: Flags) -> Flags:
        """Per person, whether a chosen pair includes them."""
        placed = np.zeros(self.people, dtype=bool)
        placed[self.low[chosen]] = placed[self.high[chosen]] = True
        return placed


@dataclass(frozen=True)
class Candidates:
    """Every pair that passes every hard rule, the pairs kept for the exact
    solver (all of them without pruning), and per person how many others each rule removed,
    in the order of `_RULES` (each counted once, under the first rule that removes them)."""

    pairs: Pairs
    kept: Flags
    removed_by: Ints

    @property
    def pruned(self) -> bool:
        return not self.kept.all()


@dataclass(frozen=True)
class Cover:
    """From a maximum matching of the double cover (everyone on both sides of a bipartite
    graph): `bound`, no matching of the pairs is larger, and `matching`, one that was found."""

    bound: int
    matching: Flags
    arcs: Ints


@dataclass(frozen=True)
class Solved:
    """The chosen pairs and how many pairs the blossom was given. With pruning, what is
    proven over every candidate: `worst_bound`, the best worst pair an answer of the maximum
    size may reach (participation_first), and `total_bound`, a total score of the non-pinned
    pairs no answer beats; `proven` says whether the answer reaches them, and so is optimal
    over every candidate all the same."""

    chosen: Flags
    solved_pairs: int
    worst_bound: int | None = None
    total_bound: int = 0
    proven: bool = True


def match_mutual(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    pins: Sequence[Pin] = (),
    objective: Objective = "participation_first",
    seed: int = 0,
    keep_per_person: int | None = None,
) -> MatchResult:
    """Propose pairs for a mutual program (`rules.kind` "mutual").

    "participation_first" pairs as many people as possible, then makes the worst pair as good
    as possible, then the total score; "quality_first" maximizes the total score (then the
    number of pairs). Pins name two people in any order; they are in every answer, and a pin
    that breaks a hard rule raises `InvalidPin`. The stats' `matched` counts pairs, `mentees`
    and `mentors` both the people. The seed breaks ties.

    `keep_per_person` prunes the pairs before the blossom: each person's best pairs are kept
    (ties with the last one too). The matched count stays exact: checked against an upper
    bound over every pair, and solved on every pair when the kept ones fall short of it.
    """
    stopwatch = Stopwatch()
    with stopwatch.phase("scoring"):
        pool = mutual_pool(participants, rules, weights, period, forbidden, seed)
    pinned = _pinned(pool, pins)
    candidates = collect_pairs(pool, pinned, keep_per_person, stopwatch)
    pin_scores = _exchange(pool, *_positions(pinned)).score
    worst_pinned = int(pin_scores.min()) if len(pin_scores) else None
    with stopwatch.phase("solving"):
        if objective == "participation_first":
            solved = _participation_first(candidates, worst_pinned)
        else:
            solved = _quality_first(candidates)
    pairs = candidates.pairs
    with stopwatch.phase("explaining"):
        proposals = _proposals(pool, pinned, pairs.low[solved.chosen], pairs.high[solved.chosen])
        placed = pairs.partnered(solved.chosen) | _pinned_people(pool, pinned)
        unmatched = _unmatched(pool, candidates, placed)
    value = objective_value(proposals)
    bound = _bound(value, solved, pin_scores)
    stats = MatchStats(
        objective=objective,
        status="optimal" if solved.proven else "optimal_on_kept_candidates",
        value=value,
        bound=bound,
        gap=_gap(value, bound),
        mentees=pool.rows,
        mentors=pool.cols,
        candidate_edges=len(pairs),
        solved_edges=solved.solved_pairs,
        seconds=dict(stopwatch.seconds),
    )
    return MatchResult(proposals, unmatched, stats)


# Input -------------------------------------------------------------------------------------------


def mutual_pool(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
    seed: int,
) -> Pool:
    """The pool with everyone as "either" with room for one, so that its rows and columns are
    the same people in the same order. It is scored as a peer program: mutual seniority is
    peer seniority (`max_level_gap`, ideal gap 0), and the scoring and the pair engine's
    checks know it by that name only; the rules are the same otherwise."""
    if rules.kind != "mutual":
        raise InvalidMatchInput(f"Program kind {rules.kind!r} is not a mutual program.")
    everyone = [replace(person, role="either", capacity=1) for person in participants]
    return checked_pool(everyone, replace(rules, kind="peer"), weights, period, forbidden, seed)


def _pinned(pool: Pool, pins: Sequence[Pin]) -> list[tuple[int, int]]:
    """The pins as pool positions, each checked against every hard rule."""
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    pairs = [_pin_positions(pool, index, pin) for pin in pins]
    per_person = Counter(position for pair in pairs for position in pair)
    for pin, pair in zip(pins, pairs, strict=True):
        if any(per_person[position] > 1 for position in pair):
            raise InvalidPin(f"{pin} pins someone who is in another pin.")
    first, second = _positions(pairs)
    failures = pair_failures(pool, first, second)
    for position, pin in enumerate(pins):
        broken = [rule for rule in HARD_RULES if failures[rule][position]]
        if broken:
            raise InvalidPin(f"{pin} breaks the hard rules: {', '.join(broken)}.")
    return pairs


def _pin_positions(pool: Pool, index: dict[UUID, int], pin: Pin) -> tuple[int, int]:
    if pin.mentor_id == pin.mentee_id:
        raise InvalidPin(f"{pin} pairs a person with themself.")
    if pin.mentor_id not in index or pin.mentee_id not in index:
        raise InvalidPin(f"{pin} names someone who is not in the pool.")
    first, second = (int(pool.row_of_person[index[p]]) for p in (pin.mentor_id, pin.mentee_id))
    return first, second


def _positions(pairs: Sequence[tuple[int, int]]) -> tuple[Ints, Ints]:
    first = np.array([one for one, _ in pairs], dtype=np.int64)
    second = np.array([other for _, other in pairs], dtype=np.int64)
    return first, second


def _pinned_people(pool: Pool, pinned: Sequence[tuple[int, int]]) -> Flags:
    taken = np.zeros(pool.rows, dtype=bool)
    taken[np.concatenate(_positions(pinned))] = True
    return taken


# Scores ------------------------------------------------------------------------------------------


def _exchange(pool: Pool, first: Ints, second: Ints, common: Ints | None = None) -> Scored:
    """The criteria and mutual scores of the pairs (first[k], second[k]). Every criterion is
    the same both ways round but the skill fit, which blends the two directions; seniority's
    raw gap is first's level minus second's."""
    first_teaches = score_pairs(pool, second, first, common)
    second_teaches = score_pairs(pool, first, second, first_teaches.common_slots)
    fit = _blend(first_teaches.normalized["skill_fit"], second_teaches.normalized["skill_fit"])
    raw = first_teaches.raw | {"skill_fit": fit}
    normalized = first_teaches.normalized | {"skill_fit": fit}
    points = points_per_criterion(pool.weights)
    total = np.zeros(len(first), dtype=np.float64)
    for criterion in CRITERIA:
        total += points[criterion] * normalized[criterion].astype(np.float64)
    return Scored(raw, normalized, np.rint(total).astype(np.int64), first_teaches.common_slots)


def _blend(one_way: Floats, other_way: Floats) -> Floats:
    """The skill fit of an exchange: the mean of its two directions with the weaker one
    counting twice. A pair where both learn ranks above one where only one learns, even
    when that one learns everything: (0.5, 0.5) gives 0.5, (1, 0) gives a third."""
    weaker = np.minimum(one_way, other_way)
    stronger = np.maximum(one_way, other_way)
    weight = np.float32(_WEAKER_DIRECTION_WEIGHT)
    blended: Floats = (weight * weaker + stronger) / (weight + 1)
    return blended


# Candidates --------------------------------------------------------------------------------------


def collect_pairs(
    pool: Pool, pinned: Sequence[tuple[int, int]], keep: int | None, stopwatch: Stopwatch
) -> Candidates:
    """Judges every pair once, in blocks of rows against the columns from the block's first
    row on (the upper triangle), and scores the pairs that pass. Pinned people count as
    having no room left, under the "capacity" rule."""
    people = pool.rows
    taken = _pinned_people(pool, pinned)
    block_rows = max(1, BLOCK_PAIRS // max(people, 1))
    parts: list[tuple[Ints, Ints, Ints]] = []
    removed_by = np.zeros((people, len(_RULES)), dtype=np.int64)
    for start in range(0, people, block_rows):
        rows = np.arange(start, min(start + block_rows, people))
        cols = np.arange(start, people)
        block = evaluate_block(pool, rows, cols, cheap_failures_counted=0, stopwatch=stopwatch)
        with stopwatch.phase("filtering"):
            failures = block.failures | {"capacity": taken[rows][:, None] | taken[cols][None, :]}
            left = block.candidate & (cols[None, :] > rows[:, None])
            for k, rule in enumerate(_RULES):
                removed = failures[rule] & left
                removed_by[rows, k] += removed.sum(axis=1)
                removed_by[start:, k] += removed.sum(axis=0)
                left &= ~removed
            i, j = np.nonzero(left)
        with stopwatch.phase("scoring"):
            scores = _exchange(pool, rows[i], cols[j], block.common_slots[i, j]).score
        parts.append((rows[i], cols[j], scores))
    with stopwatch.phase("filtering"):
        low, high, score = (_joined([part[k] for part in parts]) for k in range(3))
        pairs = Pairs(low, high, score, people)
        kept = np.ones(len(pairs), dtype=bool) if keep is None else _best_partners(pairs, keep)
    return Candidates(pairs, kept, removed_by)


def _joined(parts: Sequence[Ints]) -> Ints:
    joined: Ints = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return joined


def _best_partners(pairs: Pairs, keep: int) -> Flags:
    """The pairs among either person's `keep` best (ties with the last one kept as well)."""
    levels = MAX_SCORE + 1
    owner = np.concatenate([pairs.low, pairs.high])
    histogram = np.bincount(
        owner * levels + np.concatenate([pairs.score, pairs.score]),
        minlength=pairs.people * levels,
    )
    at_least = np.cumsum(histogram.reshape(pairs.people, levels)[:, ::-1], axis=1)[:, ::-1]
    enough = at_least >= keep
    cut = np.where(enough.any(axis=1), levels - 1 - np.argmax(enough[:, ::-1], axis=1), 0)
    kept: Flags = (pairs.score >= cut[pairs.low]) | (pairs.score >= cut[pairs.high])
    return kept


# Solving -----------------------------------------------------------------------------------------


def _participation_first(candidates: Candidates, worst_pinned: int | None) -> Solved:
    """The most pairs, then the best worst pair, then the best total.

    The worst pair is found by bisection on a score threshold: the largest one whose pairs
    still hold a matching of the maximum size. Each probe asks the cheap double cover first,
    which often decides it either way, and the blossom on the kept pairs only when it cannot.
    As in the pair engine, no threshold above the worst pin's score is sought."""
    pairs = candidates.pairs
    witness = _largest_matching(candidates)
    size = int(witness.sum())
    if size == 0:
        return Solved(witness, 0)
    thresholds = np.unique(pairs.score)
    low = int(np.searchsorted(thresholds, pairs.score[witness].min()))
    high = _highest_possible_threshold(pairs, thresholds, size)
    if worst_pinned is not None:
        high = min(high, int(np.searchsorted(thresholds, worst_pinned)))
    # Below the worst pin every threshold gives the same worst pair; the lowest, the best total.
    low = min(low, high)
    proven_high = high
    # The first probe is the ceiling: in a dense pool, the person whose best pair is the
    # worst often sets the worst pair of the answer too.
    middle = high
    while low < high:
        found, proven = _matching_of_size(candidates, pairs.score >= thresholds[middle], size)
        if found is not None:
            low, witness = middle, found
        else:
            high = middle - 1
            proven_high = min(proven_high, high) if proven else proven_high
        middle = (low + high + 1) // 2
    above = pairs.score >= thresholds[low]
    eligible = above & (candidates.kept | witness)
    chosen = blossom(pairs, eligible, pairs.score, max_cardinality=True)
    if not candidates.pruned:
        return Solved(chosen, int(eligible.sum()))
    chosen, solved = proven_best_total(pairs, above, eligible, chosen, size)
    total = int(pairs.score[chosen].sum())
    return Solved(chosen, solved, int(thresholds[proven_high]), total, proven_high == low)


def proven_best_total(
    pairs: Pairs, above: Flags, kept: Flags, chosen: Flags, size: int
) -> tuple[Flags, int]:
    """The matching of `size` pairs among the pairs `above` with the largest total, from
    `chosen`, the best on the `kept` ones: proven over all of them by reduced-cost fixing.

    Under the relaxation's potentials a matching with a pair of reduced cost r gains at most
    the relaxation's total minus r/2. So a matching better than the best found so far uses
    only pairs whose reduced cost is below twice the gap, and the blossom on those and the
    best so far finds the best of all (the best so far may use pairs above that reduced
    cost, and may be the best). The gap is narrowed first with the pairs of nearly no reduced
    cost: the relaxation is loose only by its odd cycles, and the fewer pairs the proof needs.
    Returns the matching and how many pairs the last blossom was given."""
    relaxed = _relaxation(pairs, above, pairs.score, size)
    solved = int(kept.sum())
    for slack in (NARROWING_REDUCED_COST, None):
        gap = relaxed.total - int(pairs.score[chosen].sum())
        if gap <= 0:
            break
        most = 2 * gap if slack is None else min(slack, 2 * gap)
        among = kept | chosen | (above & (relaxed.reduced_costs <= most))
        chosen, solved = blossom(pairs, among, pairs.score), int(among.sum())
    return chosen, solved


def _quality_first(candidates: Candidates) -> Solved:
    """The best total, then the most pairs. With pruning, pairs of two people left alone are
    added back and the blossom runs again until there are none: an answer that leaves such a
    pair out is not the best."""
    pairs, eligible = candidates.pairs, candidates.kept.copy()
    # A gain of score * (people + 1) + 1 ranks the total first and the pair count second.
    gains = pairs.score * (pairs.people + 1) + 1
    while True:
        chosen = blossom(pairs, eligible, gains, max_cardinality=False)
        alone = ~pairs.partnered(chosen)
        missed = alone[pairs.low] & alone[pairs.high] & ~eligible
        if not missed.any():
            break
        eligible |= missed
    if not candidates.pruned:
        return Solved(chosen, int(eligible.sum()))
    everything = np.ones(len(pairs), dtype=bool)
    gain_bound = _relaxed_total(pairs, everything, gains)
    proven = int(gains[chosen].sum()) == gain_bound
    return Solved(chosen, int(eligible.sum()), None, gain_bound // (pairs.people + 1), proven)


def _largest_matching(candidates: Candidates) -> Flags:
    """A matching of the most pairs over every candidate, proven so: it reaches an upper
    bound (the double cover's, then per connected component), or the blossom found it on
    every pair. With pruning, the blossom runs on the kept pairs first, then with every pair
    of the people it left alone, and on every pair only when those fall short."""
    pairs, everything = candidates.pairs, np.ones(len(candidates.pairs), dtype=bool)
    cover = double_cover_matching(pairs, everything)
    if cover.matching.sum() == cover.bound:
        return cover.matching
    if not candidates.pruned:
        return blossom(pairs, everything)
    found = blossom(pairs, candidates.kept | cover.matching)
    bound = cover.bound if found.sum() == cover.bound else _component_bound(pairs, cover)
    if found.sum() < bound:
        alone = ~pairs.partnered(found)
        found = blossom(pairs, candidates.kept | found | alone[pairs.low] | alone[pairs.high])
    if found.sum() < bound:
        found = blossom(pairs, everything)
    return found


def _matching_of_size(candidates: Candidates, among: Flags, size: int) -> tuple[Flags | None, bool]:
    """A matching of `size` pairs among the pairs `among`, or None, and whether None is
    proven over every such pair (it is not when only the kept ones were tried)."""
    pairs = candidates.pairs
    cover = double_cover_matching(pairs, among, size)
    if cover.bound < size:
        return None, True
    if cover.matching.sum() >= size:
        return cover.matching, True
    found = blossom(pairs, among & (candidates.kept | cover.matching))
    if found.sum() >= size:
        return found, True
    return None, not candidates.pruned


def _highest_possible_threshold(pairs: Pairs, thresholds: Ints, size: int) -> int:
    # A matching of `size` pairs has 2 * size people, each with a pair at least as good as
    # its worst: no threshold above the 2 * size-th best of everyone's best pairs needs a probe.
    ceiling = np.sort(_best_per_person(pairs))[-2 * size]
    return int(np.searchsorted(thresholds, ceiling, side="right")) - 1


def _best_per_person(pairs: Pairs) -> Ints:
    best = np.full(pairs.people, -1, dtype=np.int64)
    np.maximum.at(best, pairs.low, pairs.score)
    np.maximum.at(best, pairs.high, pairs.score)
    return best


# Matchings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxation:
    """The linear relaxation of a matching problem: no matching gains more than `total`,
    and none with pair `k` more than `total - reduced_costs[k] / 2`."""

    total: int
    reduced_costs: Ints


def _relaxed_total(pairs: Pairs, among: Flags, gains: Ints, size: int | None = None) -> int:
    """No matching of the pairs `among` (of exactly `size` pairs if given) gains more in
    total; see `_relaxation`."""
    return _relaxation(pairs, among, gains, size).total


def _relaxation(pairs: Pairs, among: Flags, gains: Ints, size: int | None = None) -> Relaxation:
    """The linear relaxation of the matchings of the pairs `among` (of exactly `size` pairs
    if given), as a min-cost flow on the double cover (see `double_cover_matching`), where a
    matching is a flow through both arcs of each of its pairs. It is tight but for odd cycles,
    so an answer that reaches its total is optimal. A pair's reduced cost is that of its two
    arcs under node potentials that prove the flow optimal: a matching with the pair costs at
    least that much more than the flow, whose cost is minus twice the total."""
    people = pairs.people
    tails, heads, pair_arcs = _double_cover(pairs, among)
    chosen = np.flatnonzero(among)
    costs = np.zeros(len(tails), dtype=np.int64)
    costs[pair_arcs] = -np.concatenate([gains[chosen], gains[chosen]])
    capacities = np.ones(len(tails), dtype=np.int64)
    source, sink = 2 * people, 2 * people + 1
    if size is None:  # anyone may stay alone: a free arc from the source to the sink
        tails = np.append(tails, source).astype(np.int32)
        heads = np.append(heads, sink).astype(np.int32)
        capacities, costs = np.append(capacities, people), np.append(costs, 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supply = people if size is None else 2 * size
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise MatchingFailed(f"min cost flow ended with status {status}")
    flows = np.asarray(flow.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)
    potentials = potentials_of_optimal_flow(
        np.zeros(2 * people + 2, dtype=np.int64), tails, heads, capacities, costs, flows
    )
    arcs = costs[pair_arcs] + potentials[tails[pair_arcs]] - potentials[heads[pair_arcs]]
    reduced = np.zeros(len(pairs), dtype=np.int64)
    reduced[chosen] = arcs[: len(chosen)] + arcs[len(chosen) :]
    return Relaxation(-int(flow.optimal_cost()) // 2, reduced)


def _double_cover(pairs: Pairs, among: Flags) -> tuple[Arcs, Arcs, Arcs]:
    """The arcs of the double cover of the pairs `among` as a flow network: source to every
    person on the left, each pair as two arcs from left to right, every person on the right
    to the sink. Tails, heads, and the positions of the pairs' arcs (the pairs in order, then
    the same pairs the other way round)."""
    people, chosen = pairs.people, np.flatnonzero(among)
    low, high = pairs.low[chosen], pairs.high[chosen]
    source, sink = 2 * people, 2 * people + 1
    everyone = np.arange(people)
    tails = np.concatenate([np.full(people, source), low, high, people + everyone])
    heads = np.concatenate([everyone, people + high, people + low, np.full(people, sink)])
    pair_arcs = np.arange(people, people + 2 * len(chosen), dtype=np.int32)
    return tails.astype(np.int32), heads.astype(np.int32), pair_arcs


def double_cover_matching(pairs: Pairs, among: Flags, wanted: int | None = None) -> Cover:
    """A maximum matching of the double cover of the pairs `among` (a max flow): every person
    on both sides, each pair as two arcs. A matching of the pairs gives one twice its size, so
    half of it bounds every matching. Its arcs form paths and cycles; every other arc of each
    is a matching, short of the bound by half an odd cycle at most; augmenting paths then
    close most of that, up to `wanted` pairs if given."""
    people = pairs.people
    tails, heads, pair_arcs = _double_cover(pairs, among)
    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, np.ones(len(tails), dtype=np.int64))
    status = flow.solve(2 * people, 2 * people + 1)
    if status != max_flow.SimpleMaxFlow.OPTIMAL:
        raise MatchingFailed(f"max flow ended with status {status}")
    used = np.asarray(flow.flows(pair_arcs)) > 0
    successor = np.full(people, -1, dtype=np.int64)
    successor[tails[pair_arcs][used]] = heads[pair_arcs][used] - people
    bound = int(used.sum()) // 2
    enough = bound if wanted is None else min(bound, wanted)
    chosen = np.flatnonzero(among)
    mate = _augmented(pairs.low[chosen], pairs.high[chosen], _every_other_arc(successor), enough)
    matched = np.flatnonzero(mate > np.arange(people))
    return Cover(bound, pairs.flags(matched, mate[matched]), successor)


def _every_other_arc(successor: Ints) -> Ints:
    """A matching, as each person's mate or -1, from arcs that form paths and cycles
    (`successor[v]` follows v, or -1): walking each path from its start and each cycle from
    anywhere, take an arc whenever both its ends are still free."""
    has_predecessor = np.zeros(len(successor), dtype=bool)
    has_predecessor[successor[successor >= 0]] = True
    starts = np.flatnonzero(~has_predecessor & (successor >= 0)).tolist()
    rest = np.flatnonzero(successor >= 0).tolist()
    following = successor.tolist()
    seen, mate = [False] * len(successor), [-1] * len(successor)
    for start in starts + rest:
        person = start
        while person >= 0 and not seen[person]:
            seen[person] = True
            after = following[person]
            if after >= 0 and mate[person] < 0 and mate[after] < 0:
                mate[person], mate[after] = after, person
            person = after
    return np.array(mate, dtype=np.int64)


def _augmented(low: Ints, high: Ints, mate: Ints, wanted: int) -> Ints:
    """The matching `mate` grown by augmenting paths over the pairs (low[k], high[k]) until it
    has `wanted` pairs or the search finds no path (it skips paths through odd cycles, which
    only the blossom algorithm sees)."""
    mate = mate.copy()
    while np.count_nonzero(mate >= 0) // 2 < wanted and _augment(low, high, mate):
        pass
    return mate


def _augment(low: Ints, high: Ints, mate: Ints) -> bool:
    """Grows `mate` by one augmenting path if a search finds one. Trees grow from everyone
    alone at once, level by level: an outer person reaches a partnered one (inner), whose mate
    is outer on the next level. A pair joining outer people of two trees closes a path."""
    people = len(mate)
    root = np.where(mate < 0, np.arange(people), -1)
    parent = np.full(people, -1, dtype=np.int64)
    outer = mate < 0
    labelled = outer.copy()
    frontier = outer.copy()
    while frontier.any():
        from_low, from_high = frontier[low], frontier[high]
        near = np.concatenate([low[from_low], high[from_high]])
        far = np.concatenate([high[from_low], low[from_high]])
        closing = np.flatnonzero(outer[far] & (root[far] != root[near]))
        if len(closing):
            one, other = int(near[closing[0]]), int(far[closing[0]])
            _rematch_to_root(mate, parent, one)
            _rematch_to_root(mate, parent, other)
            mate[one], mate[other] = other, one
            return True
        fresh = ~labelled[far]
        inner, first = np.unique(far[fresh], return_index=True)
        # Of two mates reached on the same level, one is inner, the other its outer mate.
        once = ~np.isin(mate[inner], inner) | (inner < mate[inner])
        inner, first = inner[once], first[once]
        parent[inner] = near[fresh][first]
        root[inner] = root[parent[inner]]
        following = mate[inner]
        root[following] = root[inner]
        labelled[inner] = labelled[following] = outer[following] = True
        frontier = np.zeros(people, dtype=bool)
        frontier[following] = True
    return False


def _rematch_to_root(mate: Ints, parent: Ints, person: int) -> None:
    """Along the tree path from outer `person` to its root, each inner person takes its
    parent instead of its mate; `person` is left free for its new partner."""
    inner = int(mate[person])
    while inner >= 0:
        above = int(parent[inner])
        next_inner = int(mate[above])
        mate[inner], mate[above] = above, inner
        inner = next_inner


def _component_bound(pairs: Pairs, cover: Cover) -> int:
    """The double cover's bound per connected component: a component of an odd number of
    people leaves one alone, which the bound over the whole graph can miss."""
    graph: rx.PyGraph[None, None] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from([None] * pairs.people)
    graph.extend_from_edge_list(list(zip(pairs.low.tolist(), pairs.high.tolist(), strict=True)))
    component = np.zeros(pairs.people, dtype=np.int64)
    for label, members in enumerate(rx.connected_components(graph)):
        component[list(members)] = label
    arcs = np.bincount(component[cover.arcs >= 0], minlength=int(component.max()) + 1)
    return int((arcs // 2).sum())


def blossom(
    pairs: Pairs, among: Flags, weights: Ints | None = None, *, max_cardinality: bool = True
) -> Flags:
    """A maximum weight matching of the pairs `among` (rustworkx, exact), among those of the
    most pairs when `max_cardinality`; without weights, simply one of the most pairs."""
    chosen = np.flatnonzero(among)
    graph: rx.PyGraph[None, int] = rx.PyGraph(multigraph=False)
    graph.add_nodes_from([None] * pairs.people)
    given = np.ones(len(chosen), dtype=np.int64) if weights is None else weights[chosen]
    graph.extend_from_weighted_edge_list(
        list(
            zip(
                pairs.low[chosen].tolist(),
                pairs.high[chosen].tolist(),
                given.tolist(),
                strict=True,
            )
        )
    )
    mates = rx.max_weight_matching(graph, max_cardinality=max_cardinality, weight_fn=int)
    found = np.array(sorted(mates), dtype=np.int64).reshape(-1, 2)
    return pairs.flags(found[:, 0], found[:, 1])


# Explaining --------------------------------------------------------------------------------------


def _proposals(
    pool: Pool, pinned: Sequence[tuple[int, int]], low: Ints, high: Ints
) -> tuple[Proposal, ...]:
    pin_first, pin_second = _positions(pinned)
    ids = [pool.people.ids[person] for person in pool.mentee_person.tolist()]
    ends = zip(
        np.concatenate([pin_first, low]).tolist(),
        np.concatenate([pin_second, high]).tolist(),
        strict=True,
    )
    ordered = [(a, b) if ids[a].int < ids[b].int else (b, a) for a, b in ends]
    first, second = _positions(ordered)
    found = _exchange(pool, first, second)
    points = points_per_criterion(pool.weights)
    raw = {c: found.raw[c].tolist() for c in CRITERIA}
    normalized = {c: found.normalized[c].tolist() for c in CRITERIA}
    proposals = [
        Proposal(
            mentor_id=ids[a],
            mentee_id=ids[b],
            score=points_scored,
            pinned=k < len(pinned),
            contributions=tuple(
                Contribution(c, raw[c][k], normalized[c][k], points[c] * normalized[c][k])
                for c in CRITERIA
            ),
        )
        for k, ((a, b), points_scored) in enumerate(zip(ordered, found.score.tolist(), strict=True))
    ]
    return tuple(sorted(proposals, key=lambda p: (p.mentor_id.int, p.mentee_id.int)))


def _unmatched(pool: Pool, candidates: Candidates, placed: Flags) -> tuple[Unmatched, ...]:
    """Everyone in no pair, with the reasons and the single rule changes that would pair them
    with someone else left alone."""
    pairs = candidates.pairs
    alone = np.flatnonzero(~placed)
    degree = np.bincount(pairs.low, minlength=pairs.people) + np.bincount(
        pairs.high, minlength=pairs.people
    )
    return unmatched_with_reasons(pool, alone, alone, degree, candidates.removed_by, _RULES)


def _bound(value: ObjectiveValue, solved: Solved, pin_scores: Ints) -> ObjectiveValue:
    """What no answer over every candidate beats in the figures the objective ranks (the
    matched count is exact); the figures it does not rank are the answer's own."""
    if solved.proven:
        return value
    worst = value.worst_score
    if solved.worst_bound is not None:
        worst = min([solved.worst_bound, *pin_scores.tolist()])
    total = int(pin_scores.sum()) + solved.total_bound
    return replace(value, worst_score=worst, total_score=total)


def _gap(value: ObjectiveValue, bound: ObjectiveValue) -> float:
    """How far the total may be from the best over every candidate, relative to the bound."""
    if bound.total_score == 0:
        return 0.0
    return (bound.total_score - value.total_score) / bound.total_score
