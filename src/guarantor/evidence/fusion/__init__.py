"""Fusion: reports become incidents, explainably, with independent corroboration.

See :mod:`guarantor.evidence.fusion.api` for the pipeline and the incremental run.
"""

from guarantor.evidence.fusion.api import PAIRS_SCHEMA, FusionResult, fuse, fuse_incremental
from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.decisions import (
    Confirm,
    Decision,
    Merge,
    NotSame,
    Reject,
    Split,
    decision_from_dict,
    decision_to_dict,
)

__all__ = [
    "PAIRS_SCHEMA",
    "Confirm",
    "Decision",
    "FusionConfig",
    "FusionResult",
    "Merge",
    "NotSame",
    "Reject",
    "Split",
    "decision_from_dict",
    "decision_to_dict",
    "fuse",
    "fuse_incremental",
]
