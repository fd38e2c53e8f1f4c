"""The data that crosses the clustering stages: edges, placements, story orders, clusters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Article
from .params import ClusterParams


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float


@dataclass(frozen=True)
class Placement:
    """Why an article belongs to its story: the verified pair that placed it
    (not :class:`storydiff.align.Link`, which links paragraphs)."""

    partner: str
    partner_path: str
    jaccard: float
    containment: float
    shared_paragraphs: int


@dataclass(frozen=True)
class Member:
    article: Article
    similarity_to_first: Similarity | None
    linked_by: Placement | None


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    order_source: str
    members: tuple[Member, ...]

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(m.article for m in self.members)


@dataclass(frozen=True)
class Clustering:
    params: ClusterParams
    clusters: tuple[Cluster, ...]


@dataclass(frozen=True)
class Edge:
    a: int
    b: int
    similarity: Similarity
    shared: int

    @property
    def strength(self) -> tuple[float, float]:
        return (self.similarity.containment, self.similarity.jaccard)


#: Runs the template guard on edges that need it; returns those that pass.
Judge = Callable[[list[Edge]], list[Edge]]


@dataclass(frozen=True)
class StoryOrder:
    """One story's versions oldest first, what decided that order, and the
    edge placing each later version (``placed_by[i]`` places ``versions[i + 1]``)."""

    versions: list[Article]
    source: str
    placed_by: list[Edge | None]


@dataclass(frozen=True)
class Settled:
    """What :func:`settled_links` decided."""

    components: list[list[int]]
    edges: list[Edge]
    #: For each component of several articles (by its first member): its
    #: order. Settling needs them to find the deciding edges; :func:`assemble`
    #: reuses them instead of ordering every story again.
    orders: dict[int, StoryOrder]
