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
# Slack by span class (a day, a week, a month, longer). Day spans get none: two reports of
# consecutive days are two days. Reports with an exact time (a span under an hour) get
# ``instant_slack_hours``: an exact one matches only within a few hours.
_SLACK_HOURS: Final = MappingProxyType({1: 0.0, 2: 12.0, 3: 24.0, 4: 48.0})


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How fusion decides that two reports describe one event.

    A pair of reports is a *candidate* when both have a place and a time, their places are
    within the larger of their place tolerances, their time spans (widened by the slack of
    the coarser one) overlap, and their types and weapons are compatible. A candidate is
    *linked* when its score (place closeness + time closeness + text agreement + shared
    URL) reaches ``link_score``. Two reports that share a document (same URL and the same
    text, or an identical text of ``document_tokens`` or more) are linked whatever their
    places (the same article geocoded twice). See :mod:`guarantor.evidence.fusion.links`.
    """

    slack_hours: Mapping[int, float] = field(default_factory=lambda: dict(_SLACK_HOURS))
    instant_slack_hours: float = 3.0
    max_span_hours: float = 38 * 24.0  # longer spans (a year, contradictions) never block
    link_score: float = 1.5
    text_weight: float = 1.0  # text agreement in -1..1 is multiplied by this
    url_bonus: float = 1.0
    toll_weight: float = 2.5  # minus this x |ln((toll a + 1) / (toll b + 1))|
    actor_weight: float = 1.0  # minus this when both name the actors and they differ
    same_point_km: float = 1.0  # closer than this counts as the same place
    coarse_km: float = 50.0  # tolerance from which a report only attaches to its best match
    coarse_hours: float = 25.0  # idem for the length of the time span (a day and an hour)
    coarse_text_similarity: float = 60.0  # coarse reports link only where the texts agree
    wide_text_similarity: float = 60.0  # idem for links beyond the exact-place tolerance
    token_chars: int = 4  # words shorter than this do not block coarse reports
    probe_group_cap: int = 8  # a report probes with the words at most this many reports share
    token_group_cap: int = 30  # a word more reports share in one time bucket does not block
    same_document_similarity: float = 90.0  # text similarity for "the same article"
    near_identical_similarity: float = 90.0  # text similarity of two echoes
    informative_tokens: int = 6  # texts with fewer tokens only ever add to a score
    document_tokens: int = 30  # identical texts this long are one item, wherever geocoded
    document_window_hours: float = 72.0
    document_group_cap: int = 200  # a URL shared by more reports is a live blog, not one item
    claim_max_km: float = 1000.0  # place tolerance up to which a shared claim links on its own
    coarse_claim_variety: int = 3  # a coarse claim of more different events links nothing
    claim_group_cap: int = 200  # a claim more reports make (a country, a year) does not block
    text_chars: int = 300  # normalised text compared by similarity
    compatible_types: Mapping[str, str] = field(default_factory=dict)  # type -> group
    compatible_weapons: Mapping[str, str] = field(default_factory=dict)  # weapon -> group
    itemised_kinds: tuple[str, ...] = ("register",)  # outlet kinds whose records are items
    workers: int = 2

    def slack(self, time_precision: int) -> float:
        return float(self.slack_hours.get(time_precision, max(self.slack_hours.values())))

    @property
    def max_slack(self) -> float:
        return max(self.instant_slack_hours, *self.slack_hours.values())
