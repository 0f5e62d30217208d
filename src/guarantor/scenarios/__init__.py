"""The rules engine (scenarios layer, PRODUCT.md section 5).

An agreement version compiles once (:func:`compile_version`) into a rule table over one
intermediate form (:mod:`guarantor.scenarios.ir`) with two targets:

* batch, Polars over whole frames: :func:`evaluate_batch`; over history, each incident
  judged by the version in force at its time: :func:`evaluate_history`; all history under
  one version: :func:`evaluate_under`; what two versions decide differently: :func:`diff`;
* stream, incidents pushed one at a time with explicit issue and retract events:
  :class:`StreamEvaluator` (and :class:`LiveResults` to keep the live set); frames of new
  incidents in time order take a columnar path (:mod:`guarantor.scenarios.stream_columnar`)
  with the same events.

Both give :class:`Results`: violations, scenario activations and obligations, each with a
JSON explanation. The batch keeps violation explanations columnar (a struct per row) and
renders their JSON text once, when :attr:`Results.violations` is first read (to show, store
or compare); :meth:`Results.violation_table` gives the rows unrendered.
The semantics (nulls, windows, rising edges, amendments, lateness) are
documented in ``ir``, ``windows``, ``stream`` and ``history``. :func:`evaluate_case` is the
evaluator the agreement case runner calls.
"""

from guarantor.scenarios.batch import evaluate_batch, evaluate_prepared
from guarantor.scenarios.case_evaluator import evaluate_case, evaluate_case_both
from guarantor.scenarios.errors import (
    IncidentInputError,
    LateIncidentError,
    RuleCompileError,
    ScenarioError,
    WindowLengthError,
)
from guarantor.scenarios.events import LiveResults, StreamEvent
from guarantor.scenarios.frame import prepare_incidents, records_to_frame
from guarantor.scenarios.history import (
    VersionDiff,
    diff,
    evaluate_history,
    evaluate_under,
    version_intervals,
)
from guarantor.scenarios.program import VersionProgram, compile_version
from guarantor.scenarios.results import (
    ACTIVATION_SCHEMA,
    OBLIGATION_SCHEMA,
    VIOLATION_SCHEMA,
    Finding,
    Results,
)
from guarantor.scenarios.stream import StreamEvaluator

__all__ = [
    "ACTIVATION_SCHEMA",
    "OBLIGATION_SCHEMA",
    "VIOLATION_SCHEMA",
    "Finding",
    "IncidentInputError",
    "LateIncidentError",
    "LiveResults",
    "Results",
    "RuleCompileError",
    "ScenarioError",
    "StreamEvaluator",
    "StreamEvent",
    "VersionDiff",
    "VersionProgram",
    "WindowLengthError",
    "compile_version",
    "diff",
    "evaluate_batch",
    "evaluate_case",
    "evaluate_case_both",
    "evaluate_history",
    "evaluate_prepared",
    "evaluate_under",
    "prepare_incidents",
    "records_to_frame",
    "version_intervals",
]
