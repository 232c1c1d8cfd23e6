"""Candidate edges and the flows that choose among them (OR-Tools), for the mentor↔mentee
assignment.

Source → mentee (capacity 1) → mentor (capacity 1 per candidate edge) → sink (the mentor's
capacity). The constraint matrix of this network is totally unimodular, so the flow optimum is
the integer optimum and every answer here is proven optimal on the edges it is given.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from tandem.matching._scoring import (
    BLOCK_PAIRS,
    HARD_RULES,
    MAX_SCORE,
    Flags,
    Ints,
    Pool,
    Stopwatch,
    evaluate_block,
    runs,
)


class FlowFailed(RuntimeError):
    """OR-Tools did not report an optimal flow; the network is malformed (a bug, not an input)."""


@dataclass(frozen=True)
class Edges:
    """Candidate mentee (row) → mentor (column) edges and their scores, 0 to `MAX_SCORE`."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    scores: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.rows)

    def where(self, keep: NDArray[np.bool_]) -> "Edges":
        return Edges(self.rows[keep], self.cols[keep], self.scores[keep])


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
        mentors = np.arange(len(self.capacity))
        tails = np.concatenate([np.full(self.rows, self.source), edges.rows, self.rows + mentors])
        heads = np.concatenate(
            [np.arange(self.rows), self.rows + edges.cols, np.full(len(mentors), self.sink)]
        )
        capacities = np.concatenate([np.ones(self.rows + len(edges), np.int64), self.capacity])
        return tails.astype(np.int32), heads.astype(np.int32), capacities

    def edge_arcs(self, edges: Edges) -> NDArray[np.int32]:
        return np.arange(self.rows, self.rows + len(edges), dtype=np.int32)


@dataclass(frozen=True)
class Candidates:
    """Every feasible edge, the edges kept for the flow (all of them without pruning), and per
    mentee row how many mentors each hard rule removed (see `Block.funnel`)."""

    edges: Edges
    kept: Edges
    pruned: bool
    removed_by: Ints


def collect_candidates(pool: Pool, keep: int | None, stopwatch: Stopwatch) -> Candidates:
    """Scores every pair in blocks and keeps the feasible ones. With `keep`, also marks each
    mentee's and each mentor's `keep` best edges (edges tied with the last one kept too)."""
    block_rows = max(1, BLOCK_PAIRS // max(pool.cols, 1))
    parts: list[tuple[Ints, Ints, Ints, Flags]] = []
    removed_by = np.zeros((pool.rows, len(HARD_RULES)), dtype=np.int64)
    for _, run in runs(pool.people.zone_group[pool.mentee_person]):
        for start in range(run.start, run.stop, block_rows):
            rows = np.arange(start, min(start + block_rows, run.stop))
            found = evaluate_block(pool, rows, cheap_failures_counted=0, stopwatch=stopwatch)
            with stopwatch.phase("filtering"):
                best = _best_per_owner(found.i, found.score, len(rows), keep)
                parts.append((rows[found.i], found.j, found.score, best))
                removed_by[rows] = found.funnel()
    with stopwatch.phase("filtering"):
        edges = Edges(*(_joined([part[k] for part in parts]) for k in range(3)))
        if keep is None:
            return Candidates(edges, edges, pruned=False, removed_by=removed_by)
        best = _joined([part[3] for part in parts]).astype(bool)
        best |= _best_per_owner(edges.cols, edges.scores, pool.cols, keep)
        return Candidates(edges, edges.where(best), not best.all(), removed_by)


def _joined(parts: Sequence[NDArray[np.generic]]) -> Ints:
    joined: Ints = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
    return joined


def _best_per_owner(owner: Ints, scores: Ints, owners: int, keep: int | None) -> Flags:
    """Edges among their owner's `keep` best scores (ties with the last one kept as well)."""
    if keep is None:
        return np.ones(len(owner), dtype=bool)
    levels = MAX_SCORE + 1
    histogram = np.bincount(owner * levels + scores, minlength=owners * levels)
    at_least = np.cumsum(histogram.reshape(owners, levels)[:, ::-1], axis=1)[:, ::-1]
    enough = at_least >= keep
    cut = np.where(enough.any(axis=1), levels - 1 - np.argmax(enough[:, ::-1], axis=1), 0)
    kept: Flags = scores >= cut[owner]
    return kept


# Flows -------------------------------------------------------------------------------------------


def matching_size(edges: Edges, network: Network) -> int:
    """The largest number of mentees that can be matched using only `edges`."""
    return _SizeAtThreshold(edges, network)(0)


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


def fairest_matching(
    edges: Edges, network: Network, size: int, worst_pinned: int | None
) -> NDArray[np.bool_]:
    """Among the matchings of `size` mentees (the maximum), those whose worst edge is best,
    and among those one with the largest total score. Returns which edges it uses.

    The best worst edge is found exactly by bisection on a score threshold: the largest
    threshold whose edges still admit a matching of `size` mentees. The worst pin bounds what
    fairness can reach, so no threshold above its score is sought: edges that good or better
    may all serve the total.
    """
    if size == 0:
        return np.zeros(len(edges), dtype=bool)
    thresholds = np.unique(edges.scores)
    low, high = 0, _highest_possible_threshold(edges, thresholds, size)
    if worst_pinned is not None:
        high = min(high, int(np.searchsorted(thresholds, worst_pinned)))
    size_at = _SizeAtThreshold(edges, network)
    while low < high:
        middle = (low + high + 1) // 2
        if size_at(int(thresholds[middle])) == size:
            low = middle
        else:
            high = middle - 1
    eligible = edges.scores >= thresholds[low]
    chosen = np.zeros(len(edges), dtype=bool)
    chosen[eligible] = _cheapest_flow_of_size(edges.where(eligible), network, size)
    return chosen


def best_total_matching(edges: Edges, network: Network) -> NDArray[np.bool_]:
    """A matching with the largest total score and, among those, the most mentees. Returns
    which edges it uses.

    Every mentee's unit of flow may bypass the mentors at no gain, so leaving someone unmatched
    is allowed whenever it frees a mentor for a better pair.
    """
    # A gain of score * (rows + 1) + 1 ranks the total first and the matched count second: the
    # count can never add up to one point of score.
    gains = edges.scores * (network.rows + 1) + 1
    tails, heads, capacities = network.arcs(edges)
    costs = np.concatenate(
        [np.zeros(network.rows, np.int64), -gains, np.zeros(len(network.capacity), np.int64)]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.add_arc_with_capacity_and_unit_cost(network.source, network.sink, network.rows, 0)
    flow.set_node_supply(network.source, network.rows)
    flow.set_node_supply(network.sink, -network.rows)
    return _solved_edge_flows(flow, network.edge_arcs(edges))


def _cheapest_flow_of_size(edges: Edges, network: Network, size: int) -> NDArray[np.bool_]:
    tails, heads, capacities = network.arcs(edges)
    costs = np.concatenate(
        [
            np.zeros(network.rows, np.int64),
            MAX_SCORE - edges.scores,
            np.zeros(len(network.capacity), np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(network.source, size)
    flow.set_node_supply(network.sink, -size)
    return _solved_edge_flows(flow, network.edge_arcs(edges))


def _solved_edge_flows(
    flow: min_cost_flow.SimpleMinCostFlow, edge_arcs: NDArray[np.int32]
) -> NDArray[np.bool_]:
    status = flow.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise FlowFailed(f"min cost flow ended with status {status}")
    used: NDArray[np.bool_] = np.asarray(flow.flows(edge_arcs)) > 0
    return used


def _highest_possible_threshold(edges: Edges, thresholds: NDArray[np.int64], size: int) -> int:
    # A matching of `size` mentees gives each its own edge, so its worst edge is at most the
    # size-th best of the mentees' best edges: no threshold above that needs a probe.
    best_per_row = np.full(int(edges.rows.max()) + 1, -1, dtype=np.int64)
    np.maximum.at(best_per_row, edges.rows, edges.scores)
    ceiling = np.sort(best_per_row)[-size]
    return int(np.searchsorted(thresholds, ceiling, side="right")) - 1
