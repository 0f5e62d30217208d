"""Tolerances and thresholds of fusion, in one frozen object.

Place tolerances come from :func:`guarantor.evidence.precision.place_radius_km` (5 km for an
exact place up to 1,000 km for the country); time tolerances from the span a time-precision
code covers plus a slack of a few hours for exact reports. The defaults are the ones the
benchmarks in ``benchmarks/fusion_quality.py`` and ``benchmarks/fusion_speed.py`` measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["SPAN_HOURS", "FusionConfig"]

# How long the span of each time-precision code may be (UCDP date_prec), in hours.
SPAN_HOURS: Final = MappingProxyType(
    {1: 24.0, 2: 6 * 24.0, 3: 7 * 24.0, 4: 31 * 24.0, 5: 366 * 24.0}
)
_SLACK_HOURS: Final = MappingProxyType({1: 6.0, 2: 12.0, 3: 24.0, 4: 48.0, 5: 72.0})


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How fusion decides that two reports describe one event.

    A pair of reports is a *candidate* when both have a place and a time, their places are
    within the larger of their place tolerances, their time spans (widened by the slack of
    the coarser one) overlap, and their types and weapons are compatible. A candidate is
    *linked* when its score (place closeness + time closeness + text agreement + shared
    URL) reaches ``link_score``. Two reports that share a document (same URL and the same
    text) or, from one organisation, the same informative text, are linked whatever their
    places (the same article geocoded twice).
    """

    slack_hours: Mapping[int, float] = field(default_factory=lambda: dict(_SLACK_HOURS))
    max_span_hours: float = 400 * 24.0  # longer spans (contradictory precision) never block
    link_score: float = 1.5
    text_weight: float = 1.0  # text agreement in -1..1 is multiplied by this
    url_bonus: float = 1.0
    same_point_km: float = 1.0  # closer than this counts as the same place
    coarse_km: float = 50.0  # tolerance from which a report only attaches to its best match
    coarse_hours: float = 48.0  # idem for the length of the time span
    same_document_similarity: float = 90.0  # text similarity for "the same article"
    near_identical_similarity: float = 90.0  # text similarity of two echoes
    informative_tokens: int = 6  # texts with fewer tokens are not compared across places
    document_window_hours: float = 72.0
    document_group_cap: int = 200  # a URL shared by more reports is a live blog, not one item
    text_chars: int = 300  # normalised text compared by similarity
    compatible_types: Mapping[str, str] = field(default_factory=dict)  # type -> group
    compatible_weapons: Mapping[str, str] = field(default_factory=dict)  # weapon -> group
    itemised_kinds: tuple[str, ...] = ("register",)  # outlet kinds whose records are items
    workers: int = 2

    def slack(self, time_precision: int) -> float:
        return float(self.slack_hours.get(time_precision, max(self.slack_hours.values())))
