"""Candidate edges and the flows that choose among them (OR-Tools), for the mentor↔mentee
assignment.

Source → mentee (capacity 1) → mentor (capacity 1 per candidate edge) → sink (the mentor's
capacity). The constraint matrix of this network is totally unimodular, so the flow optimum is
the integer optimum and every answer here is proven optimal on the edges it is given.
"""

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from tandem.matching.engine.calendar import expand_ranges, single_threaded_blas
from tandem.matching.engine.scoring import (
    BLOCK_PAIRS,
    MAX_SCORE,
    Pool,
    Stopwatch,
    evaluate_block,
    runs,
)
from tandem.matching.engine.types import HARD_RULES, Flags, Ints

# Whole-pool passes over the edges go in chunks of this many: temporaries of 8 MiB at most,
# which reuse memory the process has touched already (fresh memory costs a page fault a page).
CHUNK_EDGES = 1 << 20
# Scores in bands of this many, to find each person's best edges (see `best_per_owner`).
SCORE_BAND = 32
_FIELDS = ("rows", "cols", "scores")
# Blocks of pairs are judged on two threads: numpy's passes and BLAS let go of the GIL, so two
# cores share the scoring. The service runs a solve per solver process, one by default.
SCORING_THREADS = 2


class FlowFailed(RuntimeError):
    """OR-Tools did not report an optimal flow; the network is malformed (a bug, not an input)."""


@dataclass(frozen=True)
class Edges:
    """Candidate mentee (row) → mentor (column) edges and their scores, 0 to `MAX_SCORE`.
    A pool of 50,000 mentees has some 140 million: rows and columns are stored as int32 (the
    node numbers OR-Tools takes), scores as int16."""

    rows: NDArray[np.int32]
    cols: NDArray[np.int32]
    scores: NDArray[np.int16]

    def __len__(self) -> int:
        return len(self.rows)

    def where(self, keep: Flags | Ints) -> "Edges":
        """The edges where `keep` holds, or at the positions it lists. Flags become positions
        first: each mask would be counted and read again for every array."""
        at = np.flatnonzero(keep) if keep.dtype == np.bool_ else keep
        return Edges(self.rows[at], self.cols[at], self.scores[at])


@dataclass(frozen=True)
class Network:
    """The fixed part of the flow network: how many mentee rows, and each mentor's capacity."""

    rows: int
    capacity: NDArray[np.int64]

    @property
    def source(self) -> int:
        return self.rows + len(self.capacity)

    @property
    def sink(self) -> int:
        return self.source + 1

    def arcs(self, edges: Edges) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64]]:
        """Tails, heads and capacities: the mentees' arcs, then the edges, then the mentors'."""
        mentors = np.arange(self.rows, self.source, dtype=np.int32)
        tails = np.concatenate([np.full(self.rows, self.source, np.int32), edges.rows, mentors])
        heads = np.concatenate(
            [
                np.arange(self.rows, dtype=np.int32),
                edges.cols + np.int32(self.rows),
                np.full(len(mentors), self.sink, np.int32),
            ]
        )
        capacities = np.concatenate([np.ones(self.rows + len(edges), np.int64), self.capacity])
        return tails, heads, capacities

    def edge_arcs(self, edges: Edges) -> NDArray[np.int32]:
        return np.arange(self.rows, self.rows + len(edges), dtype=np.int32)

    def no_costs(self) -> Ints:
        """Costs of the mentors' arcs to the sink."""
        return np.zeros(len(self.capacity), dtype=np.int64)


@dataclass(frozen=True)
class Candidates:
    """Every feasible edge and which of them the flows start from (all of them without
    pruning), how many edges each mentee row and each mentor column has, and per mentee row
    how many mentors each hard rule removed (see `Block.funnel`)."""

    edges: Edges
    removed_by: Ints
    is_kept: Flags
    row_degree: Ints
    col_degree: Ints


def collect_candidates(
    pool: Pool, keep: int | None, stopwatch: Stopwatch, threads: int = SCORING_THREADS
) -> Candidates:
    """Scores every pair in blocks and keeps the feasible ones. With `keep`, also marks each
    mentee's and each mentor's `keep` best edges (edges tied with the last one kept too).
    Blocks are judged on `threads` threads and taken in order, so the answer is the same for
    any number; the stopwatch adds up the threads' times."""
    found_edges = _EdgeBuffer(pool.rows * pool.cols)
    removed_by = np.zeros((pool.rows, len(HARD_RULES)), dtype=np.int64)
    row_degree = np.zeros(pool.rows, dtype=np.int64)
    col_degree = np.zeros(pool.cols, dtype=np.int64)
    pool.prepare_overlaps()
    for rows, judged in _judged_in_order(pool, keep, threads):
        stopwatch.add(judged.stopwatch)
        with stopwatch.phase("filtering"):
            found_edges.append(judged.edges, judged.best, len(rows) * pool.cols)
            removed_by[rows] = judged.removed_by
            row_degree[rows] = judged.row_degree
            col_degree += judged.col_degree
    with stopwatch.phase("filtering"):
        edges, is_kept = found_edges.filled()
        if keep is not None:
            is_kept |= best_per_owner(edges.cols, edges.scores, pool.cols, keep)
        return Candidates(edges, removed_by, is_kept, row_degree, col_degree)


@dataclass(frozen=True)
class _Judged:
    """A block of rows judged: its feasible edges, which are among their mentee's best, and
    the counts `Candidates` keeps; with the time it took, by phase."""

    edges: Edges
    best: Flags
    removed_by: Ints
    row_degree: Ints
    col_degree: Ints
    stopwatch: Stopwatch


def _judged_in_order(pool: Pool, keep: int | None, threads: int) -> Iterator[tuple[Ints, _Judged]]:
    """Every block of rows with its verdict, in order, with up to `threads` blocks judged at
    once (numpy's passes and BLAS let go of the GIL). Only that many are ahead at any time:
    a block's verdict holds a few MiB a pair of arrays."""
    with single_threaded_blas(), ThreadPoolExecutor(threads) as executor:
        ahead: deque[tuple[Ints, Future[_Judged]]] = deque()
        for rows in _row_blocks(pool):
            ahead.append((rows, executor.submit(_judge, pool, rows, keep)))
            if len(ahead) > threads:
                rows_done, judged = ahead.popleft()
                yield rows_done, judged.result()
        while ahead:
            rows_done, judged = ahead.popleft()
            yield rows_done, judged.result()


def _judge(pool: Pool, rows: Ints, keep: int | None) -> _Judged:
    stopwatch = Stopwatch()
    found = evaluate_block(pool, rows, cheap_failures_counted=0, stopwatch=stopwatch)
    with stopwatch.phase("filtering"):
        edges = Edges(
            rows.astype(np.int32)[found.i], found.j.astype(np.int32), found.score.astype(np.int16)
        )
        return _Judged(
            edges,
            best_per_owner(found.i, edges.scores, len(rows), keep),
            found.funnel(),
            np.bincount(found.i, minlength=len(rows)),
            np.bincount(found.j, minlength=pool.cols),
            stopwatch,
        )


def _row_blocks(pool: Pool) -> Iterator[Ints]:
    """Mentee rows in blocks of about `BLOCK_PAIRS` pairs, each within one zone group."""
    block_rows = max(1, BLOCK_PAIRS // max(pool.cols, 1))
    for _, run in runs(pool.people.zone_group[pool.mentee_person]):
        for start in range(run.start, run.stop, block_rows):
            yield np.arange(start, min(start + block_rows, run.stop))


class _EdgeBuffer:
    """Edges, and whether each is among the best of its mentee, appended block by block into
    arrays with room for twice what the blocks so far promise for the whole pool; they grow
    when that falls short. Holding the blocks and concatenating them at the end would write
    every edge twice, and at 140 million edges the first touch of fresh memory is slow (page
    faults), while reserved memory never touched costs nothing."""

    def __init__(self, pairs: int) -> None:
        self.pairs, self.judged, self.size = pairs, 0, 0
        self.edges, self.best = _empty_edges(0), np.zeros(0, dtype=bool)

    def append(self, block: Edges, best: Flags, pairs: int) -> None:
        self.judged += pairs
        end = self.size + len(block)
        if end > len(self.best):
            self._grow(max(end, 2 * end * self.pairs // self.judged))
        for name in _FIELDS:
            getattr(self.edges, name)[self.size : end] = getattr(block, name)
        self.best[self.size : end] = best
        self.size = end

    def filled(self) -> tuple[Edges, Flags]:
        edges = Edges(*(getattr(self.edges, name)[: self.size] for name in _FIELDS))
        return edges, self.best[: self.size]

    def _grow(self, capacity: int) -> None:
        edges, best = self.filled()
        self.edges, self.best = _empty_edges(capacity), np.empty(capacity, dtype=bool)
        for name in _FIELDS:
            getattr(self.edges, name)[: self.size] = getattr(edges, name)
        self.best[: self.size] = best


def _empty_edges(capacity: int) -> Edges:
    return Edges(
        np.empty(capacity, dtype=np.int32),
        np.empty(capacity, dtype=np.int32),
        np.empty(capacity, dtype=np.int16),
    )


def best_per_owner(
    owner: NDArray[np.integer[Any]], scores: NDArray[np.int16], owners: int, keep: int | None
) -> Flags:
    """Edges among their owner's `keep` best scores (ties with the last one kept as well):
    those at or above the owner's cut, the highest score with `keep` edges at or above it (0
    for owners with fewer: all their edges are kept). The cut is found from two small
    histograms, of the bands of `SCORE_BAND` scores and then of the scores in the band that
    holds it: one of every score of 4,000 mentors takes 32 MiB, whose first touch (page
    faults) costs more than the counting."""
    if keep is None or len(owner) == 0:
        return np.ones(len(owner), dtype=bool)
    bands = _histogram(owner, scores // SCORE_BAND, owners, MAX_SCORE // SCORE_BAND + 1)
    band, at_most = _highest_reaching(bands, np.full(owners, keep))
    fewer = band < 0
    band[fewer] = 0
    above = at_most[:, -1] - np.take_along_axis(at_most, band[:, None], axis=1)[:, 0]
    in_band = np.empty(len(owner), dtype=bool)
    for part in _chunks(len(owner)):
        in_band[part] = scores[part] // SCORE_BAND == band[owner[part]]
    at = np.flatnonzero(in_band)
    inside = _histogram(owner[at], scores[at] % SCORE_BAND, owners, SCORE_BAND)
    offset, _ = _highest_reaching(inside, keep - above)
    cut = np.where(fewer, 0, np.minimum(band * SCORE_BAND + offset, MAX_SCORE))
    cut = cut.astype(scores.dtype)
    kept = np.empty(len(owner), dtype=bool)
    for part in _chunks(len(owner)):
        kept[part] = scores[part] >= cut[owner[part]]
    return kept


def _histogram(
    owner: NDArray[np.integer[Any]], level: NDArray[np.integer[Any]], owners: int, levels: int
) -> Ints:
    """How many edges each owner has at each level, as (owners, levels)."""
    counts = np.zeros(owners * levels, dtype=np.int64)
    for part in _chunks(len(owner)):
        counts += np.bincount(
            owner[part].astype(np.int64) * levels + level[part], minlength=owners * levels
        )
    return np.reshape(counts, (owners, levels))


def _highest_reaching(histogram: Ints, need: Ints) -> tuple[Ints, Ints]:
    """Per owner, the highest level with `need` edges at or above it (-1 if none has), and how
    many edges are at each level or below. A level has them when the edges below it are at
    most the owner's edges less `need`; those levels run from 0 up. The sums run forwards: a
    running sum over a reversed view is several times slower."""
    at_most: Ints = np.cumsum(histogram, axis=1)
    spare = at_most[:, -1] - need
    reaching = np.count_nonzero(at_most[:, :-1] <= spare[:, None], axis=1) + (spare >= 0)
    highest: Ints = reaching - 1
    return highest, at_most


def _chunks(length: int) -> Iterator[slice]:
    """Slices of at most `CHUNK_EDGES`, which bound the temporaries of whole-pool passes."""
    for start in range(0, length, CHUNK_EDGES):
        yield slice(start, min(start + CHUNK_EDGES, length))


# Flows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Solved:
    """The chosen edges, optimal over every candidate edge, and how many edges the flows were
    solved on (the kept ones and those the certificates added)."""

    chosen: Edges
    solved_edges: int


def participation_first(
    candidates: Candidates, network: Network, worst_pinned: int | None
) -> Solved:
    """The most mentees matched; among those matchings, the best worst edge (the worst pin
    bounds what fairness can reach); among those, the largest total score.

    The flows run on the kept edges, and each answer is then proven over every candidate
    edge. The matched count and the worst edge by the min cut of a max flow: a candidate edge
    outside the kept ones that crosses the cut could raise the flow, and with none crossing
    the cut bounds the flow on every edge. The total by the node potentials of the min-cost
    flow: an outside edge with a negative reduced cost could lower the cost, and with none
    the flow is optimal on every edge. Edges that fail a certificate join the kept ones, and
    the step runs again.
    """
    kept = _Kept(candidates, network)
    size = _proven_size(kept, _matched_upper_bound(candidates, network))
    threshold = _proven_fairest_threshold(kept, size, worst_pinned)
    return Solved(_proven_cheapest_flow(kept, size, threshold), len(kept.edges))


def quality_first(candidates: Candidates, network: Network) -> Solved:
    """A matching with the largest total score and, among those, the most mentees, proven
    over every candidate edge by the node potentials of the min-cost flow (see
    `participation_first`)."""
    kept = _Kept(candidates, network)
    potentials = np.zeros(network.sink + 1, dtype=np.int64)
    while True:
        used, potentials = _best_total_flow(kept.edges, network, potentials)
        if not kept.add(kept.cheaper(potentials, 0, _losses)):
            return Solved(kept.edges.where(used), len(kept.edges))


class _Kept:
    """The edges the flows run on: the kept candidates, and those the certificates add. The
    certificates look for edges outside them that could change an answer."""

    def __init__(self, candidates: Candidates, network: Network) -> None:
        self.everything, self.network = candidates.edges, network
        self.is_kept = candidates.is_kept.copy()
        self.edges = self.everything.where(self.is_kept)
        self.size_at = _SizeAtThreshold(self.edges, network)

    def add(self, found: Ints) -> bool:
        """Keeps the edges at positions `found` of every edge too; whether there were any."""
        if len(found) == 0:
            return False
        self.is_kept[found] = True
        more = self.everything.where(found)
        self.edges = Edges(
            *(np.concatenate([getattr(self.edges, f), getattr(more, f)]) for f in _FIELDS)
        )
        self.size_at = _SizeAtThreshold(self.edges, self.network)
        return True

    def crossing(self, threshold: int) -> Ints:
        """Outside edges scoring at least `threshold` from the source side of the last max
        flow's min cut to its sink side."""
        side = np.zeros(self.network.sink + 1, dtype=bool)
        side[self.size_at.flow.get_source_side_min_cut()] = True
        return self._outside(
            threshold,
            lambda at: (
                side[self.everything.rows[at]] & ~side[self.network.rows + self.everything.cols[at]]
            ),
        )

    def cheaper(
        self, potentials: Ints, threshold: int, costs: Callable[[NDArray[np.int16], int], Ints]
    ) -> Ints:
        """Outside edges scoring at least `threshold` whose arc, at `costs`, has a negative
        reduced cost under the potentials."""
        return self._outside(
            threshold,
            lambda at: (
                costs(self.everything.scores[at], self.network.rows)
                + potentials[self.everything.rows[at]]
                - potentials[self.network.rows + self.everything.cols[at]]
                < 0
            ),
        )

    def _outside(self, threshold: int, test: Callable[[Ints], Flags]) -> Ints:
        found = []
        for part in _chunks(len(self.everything)):
            outside = ~self.is_kept[part] & (self.everything.scores[part] >= threshold)
            at = part.start + np.flatnonzero(outside)
            found.append(at[test(at)])
        return np.concatenate([np.zeros(0, dtype=np.int64), *found])


def _proven_size(kept: _Kept, upper_bound: int) -> int:
    """The largest matching over every edge."""
    size = kept.size_at(0)
    while size < upper_bound and kept.add(kept.crossing(0)):
        size = kept.size_at(0)
    return size


def _matched_upper_bound(candidates: Candidates, network: Network) -> int:
    """No matching is larger than its mentees with a candidate, nor than what the mentors with
    candidates can take."""
    mentees = int(np.count_nonzero(candidates.row_degree))
    return min(mentees, int(np.minimum(candidates.col_degree, network.capacity).sum()))


def _proven_fairest_threshold(kept: _Kept, size: int, worst_pinned: int | None) -> int:
    """The best worst edge of the matchings of `size` mentees over every edge, capped by the
    worst pin."""
    floor = kept.size_at.worst_used()  # the matching that counted `size` is one of them
    while size:
        threshold = _fairest_threshold(kept.edges, kept.size_at, size, worst_pinned, floor)
        if worst_pinned is not None and threshold >= worst_pinned:
            return worst_pinned
        kept.size_at(threshold + 1)
        if not kept.add(kept.crossing(threshold + 1)):
            return threshold
        floor = threshold
    return 0


def _proven_cheapest_flow(kept: _Kept, size: int, threshold: int) -> Edges:
    """A matching of `size` mentees on the edges scoring at least `threshold` with the largest
    total score over every edge."""
    potentials = np.zeros(kept.network.sink + 1, dtype=np.int64)
    while True:
        eligible = kept.edges.where(kept.edges.scores >= threshold)
        used, potentials = _cheapest_flow_of_size(eligible, kept.network, size, potentials)
        if not kept.add(kept.cheaper(potentials, threshold, _shortfalls)):
            return eligible.where(used)


def _shortfalls(scores: NDArray[np.int16], rows: int) -> Ints:
    """Edge costs of the fairest matching: what each edge falls short of a perfect score."""
    shortfalls: Ints = MAX_SCORE - scores.astype(np.int64)
    return shortfalls


def _losses(scores: NDArray[np.int16], rows: int) -> Ints:
    """Edge costs of the best total, for `rows` mentees: minus a gain of score * (rows + 1)
    + 1, which ranks the total first and the matched count second (the count never adds up
    to one point)."""
    losses: Ints = -(scores.astype(np.int64) * (rows + 1) + 1)
    return losses


class _SizeAtThreshold:
    """The largest matching on the edges scoring at least a threshold. One max-flow graph
    serves every threshold: only the capacities of the edge arcs change between solves."""

    def __init__(self, edges: Edges, network: Network) -> None:
        self.flow = max_flow.SimpleMaxFlow()
        self.flow.add_arcs_with_capacity(*network.arcs(edges))
        self.edges, self.network = edges, network

    def __call__(self, threshold: int) -> int:
        capacities = (self.edges.scores >= threshold).astype(np.int64)
        self.flow.set_arcs_capacity(self.network.edge_arcs(self.edges), capacities)
        status = self.flow.solve(self.network.source, self.network.sink)
        if status != max_flow.SimpleMaxFlow.OPTIMAL:
            raise FlowFailed(f"max flow ended with status {status}")
        return int(self.flow.optimal_flow())

    def worst_used(self) -> int:
        """The lowest score among the edges the last solve's flow uses."""
        used = np.asarray(self.flow.flows(self.network.edge_arcs(self.edges))) > 0
        return int(self.edges.scores[used].min(initial=MAX_SCORE))


def _fairest_threshold(
    edges: Edges, size_at: _SizeAtThreshold, size: int, worst_pinned: int | None, floor: int
) -> int:
    """The best worst edge of the matchings of `size` mentees on `edges`, at least `floor`
    (a score of `edges` known to allow `size`).

    Found exactly by bisection on a score threshold: the largest threshold whose edges still
    admit a matching of `size` mentees. The worst pin bounds what fairness can reach, so no
    threshold above its score is sought: edges that good or better may all serve the total.
    The ceiling of the search is often the answer, so it is tried first.
    """
    thresholds = np.unique(edges.scores)
    low = int(np.searchsorted(thresholds, floor))
    ceiling = _best_worst_edge_possible(edges, size_at.network, size, thresholds[low:])
    high = int(np.searchsorted(thresholds, ceiling, side="right")) - 1
    if worst_pinned is not None:
        high = min(high, int(np.searchsorted(thresholds, worst_pinned)))
    if low < high:
        if size_at(int(thresholds[high])) == size:
            return int(thresholds[high])
        high -= 1
    while low < high:
        middle = (low + high + 1) // 2
        if size_at(int(thresholds[middle])) == size:
            # The flow may use better edges than asked for: its worst is a floor as well.
            worst = int(np.searchsorted(thresholds, size_at.worst_used()))
            low = min(max(middle, worst), high)
        else:
            high = middle - 1
    return int(thresholds[low])


def _best_worst_edge_possible(
    edges: Edges, network: Network, size: int, thresholds: NDArray[np.int16]
) -> int:
    """The highest of `thresholds` (ascending, the first known to allow `size`) at which no
    bound rules out a matching of `size` mentees on the edges scoring that much or more. A
    matching gives each mentee its own edge and each mentor at most its capacity, so it is
    no larger than the mentees with such an edge, nor than the sum over mentors of the
    smaller of their capacity and their number of such edges."""
    best_per_row = np.full(network.rows, -1, dtype=np.int64)
    # Scores of the same type as the result keep `maximum.at` on numpy's fast path (25x).
    np.maximum.at(best_per_row, edges.rows, edges.scores.astype(np.int64))
    best_per_row.sort()

    def bound(threshold: int) -> int:
        mentees = network.rows - int(np.searchsorted(best_per_row, threshold))
        degree = np.bincount(edges.cols[edges.scores >= threshold], minlength=len(network.capacity))
        return min(mentees, int(np.minimum(degree, network.capacity).sum()))

    low, high = 0, len(thresholds) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if bound(int(thresholds[middle])) >= size:
            low = middle
        else:
            high = middle - 1
    return int(thresholds[low])


def _best_total_flow(edges: Edges, network: Network, guess: Ints) -> tuple[Flags, Ints]:
    """Every mentee's unit of flow may bypass the mentors at no gain, so leaving someone
    unmatched is allowed whenever it frees a mentor for a better pair. Returns which edges
    the flow uses, and node potentials that prove it optimal (`guess` speeds them up)."""
    tails, heads, capacities = network.arcs(edges)
    bypass = np.array([network.rows])
    costs = np.concatenate(
        [np.zeros(network.rows, np.int64), _losses(edges.scores, network.rows), network.no_costs()]
    )
    return _min_cost_flow(
        network,
        edges,
        np.concatenate([tails, [network.source]]).astype(np.int32),
        np.concatenate([heads, [network.sink]]).astype(np.int32),
        np.concatenate([capacities, bypass]),
        np.concatenate([costs, [0]]),
        network.rows,
        guess,
    )


def _cheapest_flow_of_size(
    edges: Edges, network: Network, size: int, guess: Ints
) -> tuple[Flags, Ints]:
    tails, heads, capacities = network.arcs(edges)
    costs = np.concatenate(
        [
            np.zeros(network.rows, np.int64),
            _shortfalls(edges.scores, network.rows),
            network.no_costs(),
        ]
    )
    return _min_cost_flow(network, edges, tails, heads, capacities, costs, size, guess)


def _min_cost_flow(
    network: Network,
    edges: Edges,
    tails: NDArray[np.int32],
    heads: NDArray[np.int32],
    capacities: Ints,
    costs: Ints,
    supply: int,
    guess: Ints,
) -> tuple[Flags, Ints]:
    """Sends `supply` units from the source to the sink at the least cost. Returns which edges
    carry flow, and node potentials that prove the flow optimal, found from `guess`."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(network.source, supply)
    flow.set_node_supply(network.sink, -supply)
    status = flow.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise FlowFailed(f"min cost flow ended with status {status}")
    flows = np.asarray(flow.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)
    used: Flags = flows[network.edge_arcs(edges)] > 0
    return used, potentials_of_optimal_flow(guess, tails, heads, capacities, costs, flows)


def potentials_of_optimal_flow(
    guess: Ints,
    tails: NDArray[np.int32],
    heads: NDArray[np.int32],
    capacities: Ints,
    costs: Ints,
    flows: Ints,
) -> Ints:
    """Node potentials under which every arc of the residual network of an optimal flow has a
    nonnegative reduced cost: the shortest distances from a root joined to each node at the
    cost of its `guess`, by Bellman-Ford, each round relaxing at once every arc out of the
    nodes the round before moved (no other arc can lower anything), which gives the rounds of
    relaxing every arc. They exist because the residual network of an optimal flow has no
    negative cycle; a good guess (the potentials of a flow on nearly the same edges) saves
    rounds."""
    forward, backward = flows < capacities, flows > 0
    start = np.concatenate([tails[forward], heads[backward]])
    end = np.concatenate([heads[forward], tails[backward]])
    cost = np.concatenate([costs[forward], -costs[backward]])
    order = np.argsort(start, kind="stable")
    start, end, cost = start[order], end[order], cost[order]
    out_of = np.searchsorted(start, np.arange(len(guess) + 1))
    distance = guess.copy()
    moved = np.arange(len(distance))
    for _ in range(len(distance) + 1):
        arcs = expand_ranges(out_of[moved], out_of[moved + 1] - out_of[moved])
        relaxed = distance.copy()
        np.minimum.at(relaxed, end[arcs], distance[start[arcs]] + cost[arcs])
        moved = np.flatnonzero(relaxed < distance)
        if len(moved) == 0:
            return distance
        distance = relaxed
    raise FlowFailed("the residual network of the flow has a negative cycle")
