"""Flows for the mentor↔mentee assignment, solved with OR-Tools.

Source → mentee (capacity 1) → mentor (capacity 1 per candidate edge) → sink (the mentor's
capacity). The constraint matrix of this network is totally unimodular, so the flow optimum is
the integer optimum and every answer here is proven optimal on the edges it is given.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

MAX_SCORE = 1000


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


def fairest_matching(edges: Edges, network: Network, size: int) -> NDArray[np.bool_]:
    """Among the matchings of `size` mentees (the maximum), those whose worst edge is best,
    and among those one with the largest total score. Returns which edges it uses.

    The best worst edge is found exactly by bisection on a score threshold: the largest
    threshold whose edges still admit a matching of `size` mentees.
    """
    if size == 0:
        return np.zeros(len(edges), dtype=bool)
    thresholds = np.unique(edges.scores)
    low, high = 0, _highest_possible_threshold(edges, thresholds, size)
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
