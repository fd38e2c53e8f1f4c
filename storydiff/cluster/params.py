"""The clustering parameters: every knob, checked up front."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from ..signature import SignatureParams

ORDER_BY = ("time", "name", "given")


Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ClusterParams:
    """Every knob of clustering, checked up front."""

    signature: SignatureParams = field(default_factory=SignatureParams)
    #: Link when this much of the union of shingles is shared...
    min_jaccard: float = 0.3
    #: ...or this much of the smaller article's shingles.
    min_containment: float = 0.25
    #: Never link on fewer shared shingles than this (one shared quote is not a story).
    min_shared: int = 8
    #: A template pair swaps most names and figures in the paragraphs they share.
    max_slot_swap: float = 0.3
    bands: int = 64
    passage_sample: int = 8
    #: A band or passage key shared by more articles than this is furniture or
    #: a flood and proposes no pairs. A fixed number rather than a share of the
    #: corpus, so that whether two articles are candidates depends on the keys
    #: they share, not on how many articles were loaded beside them (an archive
    #: index then groups exactly as a batch run does).
    max_bucket: int = 100
    #: A passage key held by at most this many articles is rare evidence; in
    #: more, it is background or stock text and weighs 1/2, beyond twice 1/4.
    #: A syndicated story run by this many outlets still links at full weight.
    rare_bucket: int = 30
    #: A link whose shared passages are mostly common needs rare ones worth
    #: this share of the smaller article's sampled shingles.
    rare_share: float = 0.1
    #: A passage key held by at most this many articles is a reused passage:
    #: text few others carry, where one held by dozens is background.
    reuse_bucket: int = 5
    #: Link also on a reused passage: this many shared sampled passage keys
    #: that at most ``reuse_bucket`` articles hold (with a key every
    #: ``passage_sample`` shingles, about 50 words)...
    min_rare_passages: int = 6
    #: ...when they are at least this share of the smaller article's shingles
    #: (a round-up holding a brief shares the brief, not a tenth of itself).
    min_reuse_containment: float = 0.1
    order_by: str = "time"
    workers: int = 0

    def __post_init__(self) -> None:
        for name in ("min_jaccard", "min_containment", "max_slot_swap", "rare_share", "min_reuse_containment"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.max_bucket < 2:
            raise ValueError(f"max_bucket must be at least 2, got {self.max_bucket}")
        if self.reuse_bucket < 2:
            raise ValueError(f"reuse_bucket must be at least 2, got {self.reuse_bucket}")
        if self.rare_bucket < 1:
            raise ValueError(f"rare_bucket must be at least 1, got {self.rare_bucket}")
        if self.min_rare_passages < 1:
            raise ValueError(f"min_rare_passages must be at least 1, got {self.min_rare_passages}")
        if self.min_shared < 1:
            raise ValueError(f"min_shared must be at least 1, got {self.min_shared}")
        if self.bands <= 0 or self.signature.num_perm % self.bands:
            raise ValueError(f"bands must divide num_perm {self.signature.num_perm}, got {self.bands}")
        if self.order_by not in ORDER_BY:
            raise ValueError(f"order_by must be one of {', '.join(ORDER_BY)}, got {self.order_by!r}")

    def as_dict(self) -> dict[str, object]:
        out = {key: value for key, value in asdict(self).items() if key not in ("signature", "workers")}
        params: dict[str, object] = dict(self.signature.as_dict())
        params.update(out)
        params["rows"] = self.signature.num_perm // self.bands
        return params
