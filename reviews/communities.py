"""Sub-problems: communities of methods that papers compare head to head (pure, no Django)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

# Louvain is randomised; a fixed seed keeps the dashboard's groups stable between recomputes.
COMMUNITY_SEED = 42


@dataclass
class Community:
    anchor: int  # the most compared method
    members: list[int]  # most compared first
    benchmarks: list[int]  # where they meet most, most first


def comparison_graph(cells: Iterable[tuple[object, int, int]]) -> tuple[nx.Graph, dict[int, Counter[int]]]:
    """Edges between methods reported together in one table cell group.

    `cells` yields (group key, benchmark id, method id) sorted by group key, where a group is one
    paper's results on one benchmark and model. Two methods in a group are linked; the weight counts
    the groups they share.
    """
    graph = nx.Graph()
    benchmarks_of: dict[int, Counter[int]] = defaultdict(Counter)
    current_key: object = None
    members: set[int] = set()
    benchmark = 0

    def flush() -> None:
        for a, b in combinations(sorted(members), 2):
            weight = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=weight + 1)
        for method in members:
            benchmarks_of[method][benchmark] += 1

    for key, benchmark_id, method_id in cells:
        if key != current_key:
            flush()
            current_key, members, benchmark = key, set(), benchmark_id
        members.add(method_id)
    flush()
    return graph, benchmarks_of


def find_communities(graph: nx.Graph, benchmarks_of: dict[int, Counter[int]], min_size: int = 2) -> list[Community]:
    """Communities of the comparison graph, largest first, each named by its most compared method."""
    if graph.number_of_edges() == 0:
        return []
    degree = dict(graph.degree(weight="weight"))
    found = []
    for group in nx.community.louvain_communities(graph, weight="weight", seed=COMMUNITY_SEED):
        if len(group) < min_size:
            continue
        members = sorted(group, key=lambda m: (-degree[m], m))
        meeting: Counter[int] = Counter()
        for method in members:
            meeting.update(benchmarks_of.get(method, Counter()))
        found.append(Community(anchor=members[0], members=members, benchmarks=[b for b, _ in meeting.most_common(3)]))
    found.sort(key=lambda c: (-len(c.members), -degree[c.anchor], c.anchor))
    return found
