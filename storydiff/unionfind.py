"""Disjoint sets: the one union-find that grouping, the archive and the baselines share."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class UnionFind(Generic[T]):
    """Sets of items joined pair by pair, each set's members kept in the
    order they joined (the larger set absorbs the smaller; on a tie, the set
    of the first item named)."""

    def __init__(self, items: Iterable[T]) -> None:
        self.parent: dict[T, T] = {}
        self.members: dict[T, list[T]] = {}
        for item in items:
            self.parent[item] = item
            self.members[item] = [item]

    def find(self, item: T) -> T:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]  # path halving
            item = parent[item]
        return item

    def union(self, a: T, b: T) -> bool:
        """Join the sets of ``a`` and ``b``; False when they were one already."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return True

    def groups(self) -> list[list[T]]:
        """Every set, in the order of its oldest surviving root."""
        return list(self.members.values())
