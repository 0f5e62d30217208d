"""Bad input has defined behaviour and a clear message: no rules, null fields, division by
zero, zero-length windows, broken thresholds, frames and records the engine cannot read."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from engine_factories import engine_version, incident, pairs, rule, run_both, window_rule

from guarantor.agreement.model import Geofence
from guarantor.errors import GuarantorError
from guarantor.scenarios.batch import evaluate_batch
from guarantor.scenarios.errors import (
    IncidentInputError,
    RuleCompileError,
    WindowLengthError,
)
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.program import compile_version
from guarantor.scenarios.stream import StreamEvaluator


def test_a_version_with_no_rules_gives_empty_results_and_says_why() -> None:
    version = engine_version()
    results = evaluate_batch(version, records_to_frame([incident("i1", 0)]))
    assert results.violations.is_empty() and results.activations.is_empty()
    assert results.obligations.is_empty()
    assert "has no rules" in results.notes[0]
    assert StreamEvaluator(version, lateness_seconds=0).push(incident("i1", 0)) == []


def test_an_incident_with_a_null_field_a_rule_reads_does_not_fire_it() -> None:
    by_sector = window_rule("by-sector", threshold=1, group_by=("sector",))
    version = engine_version(rule("severe", "severity >= 3"), by_sector)
    results = run_both(version, [incident("i1", 0), incident("i2", 1, severity=4)])
    assert pairs(results, "violations") == [("severe", "i2")]
    assert pairs(results) == [("by-sector", "i2")]  # null sector is a group of its own


def test_a_rule_that_divides_by_zero_does_not_fire_and_does_not_crash() -> None:
    version = engine_version(rule("ratio", "deaths / injured > 1"))
    records = [incident("i1", 0, deaths=3, injured=0), incident("i2", 1, deaths=3, injured=1)]
    assert pairs(run_both(version, records), "violations") == [("ratio", "i2")]


def test_a_literal_zero_divisor_compiles_and_never_fires() -> None:
    version = engine_version(rule("broken", "deaths / 0 > 1"))
    assert pairs(run_both(version, [incident("i1", 0, deaths=3)]), "violations") == []


def test_a_zero_length_window_is_a_guarantor_error_naming_the_rule() -> None:
    with pytest.raises(WindowLengthError) as caught:
        compile_version(engine_version(window_rule("surge", hours=0)))
    assert isinstance(caught.value, GuarantorError)
    assert "rule 'surge' (revision 'v1')" in str(caught.value)


def test_a_threshold_naming_a_missing_param_is_refused() -> None:
    with pytest.raises(RuleCompileError, match="threshold 'limit', which is not a param"):
        compile_version(engine_version(window_rule("surge", threshold="limit")))


def test_a_geofence_on_an_unknown_zone_is_refused() -> None:
    fenced = rule("fenced", "true", kind="scenario", geofence=Geofence("nowhere"))
    with pytest.raises(RuleCompileError, match="geofence zone 'nowhere'"):
        compile_version(engine_version(fenced))


def test_a_frame_without_time_is_refused_with_the_fix() -> None:
    version = engine_version(rule("any", "true"))
    with pytest.raises(IncidentInputError, match="no 'time' column"):
        evaluate_batch(version, pl.DataFrame({"incident_id": ["i1"]}))


def test_a_frame_with_naive_times_is_refused() -> None:
    version = engine_version(rule("any", "true"))
    frame = pl.DataFrame({"incident_id": ["i1"], "time": [datetime(2020, 1, 1)]})
    with pytest.raises(IncidentInputError, match="no time zone"):
        evaluate_batch(version, frame)


def test_a_frame_row_without_an_id_is_refused() -> None:
    version = engine_version(rule("any", "true"))
    frame = records_to_frame([incident("i1", 0)]).with_columns(incident_id=pl.lit(None, pl.String))
    with pytest.raises(IncidentInputError, match="have no incident_id"):
        evaluate_batch(version, frame)


def test_a_pushed_incident_without_an_offset_is_refused() -> None:
    stream = StreamEvaluator(engine_version(rule("any", "true")), lateness_seconds=0)
    with pytest.raises(IncidentInputError, match="add the UTC offset"):
        stream.push({"id": "i1", "time": "2020-01-01T00:00:00"})


def test_a_pushed_field_of_the_wrong_type_is_refused() -> None:
    stream = StreamEvaluator(engine_version(rule("any", "true")), lateness_seconds=0)
    with pytest.raises(IncidentInputError, match="has severity 'high'; expected an int"):
        stream.push(incident("i1", 0, severity="high"))


def test_a_frame_in_the_incident_schema_is_read_with_its_narrow_types() -> None:
    version = engine_version(rule("severe", "severity * 100 >= 300"))
    frame = records_to_frame([incident("i1", 0, severity=3)]).with_columns(
        pl.col("severity").cast(pl.Int8)
    )
    assert pairs(evaluate_batch(version, frame), "violations") == [("severe", "i1")]
