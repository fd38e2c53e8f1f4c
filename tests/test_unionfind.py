"""The one union-find (storydiff.unionfind) against a breadth-first search of the same graph."""

from __future__ import annotations

from collections import defaultdict, deque

from hypothesis import given
from hypothesis import strategies as st

from storydiff.cluster import connected_parts
from storydiff.unionfind import UnionFind

EDGES = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=60)


def reference_components(nodes: list[int], edges: list[tuple[int, int]]) -> set[frozenset[int]]:
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[int] = set()
    parts = set()
    for start in nodes:
        if start in seen:
            continue
        part, queue = {start}, deque([start])
        while queue:
            for other in neighbours[queue.popleft()]:
                if other not in part:
                    part.add(other)
                    queue.append(other)
        seen |= part
        parts.add(frozenset(part))
    return parts


@given(EDGES)
def test_groups_are_the_connected_components(edges: list[tuple[int, int]]) -> None:
    sets = UnionFind(range(31))
    joined = [sets.union(a, b) for a, b in edges]
    assert {frozenset(g) for g in sets.groups()} == reference_components(list(range(31)), edges)
    # A union reports a join exactly when the two were apart: n - joins groups remain.
    assert len(sets.groups()) == 31 - sum(joined)


@given(EDGES)
def test_connected_parts_are_sorted_and_ordered_by_their_first_node(edges: list[tuple[int, int]]) -> None:
    nodes = list(range(30, -1, -1))
    parts = connected_parts(nodes, edges)
    assert {frozenset(p) for p in parts} == reference_components(nodes, edges)
    assert all(p == sorted(p) for p in parts)
    firsts = [next(n for n in nodes if n in p) for p in parts]
    assert firsts == sorted(firsts, key=nodes.index)
