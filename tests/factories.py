"""Factories for test data: a small valid agreement folder that tests change one thing in."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["minimal_agreement", "write_agreement"]

_BASE: dict[str, Any] = {
    "id": "tiny",
    "title": "Tiny ceasefire",
    "baseline": {
        "id": "v1",
        "title": "Baseline",
        "adopted": "2015-02-12",
        "effective": "2015-02-15T00:00:00+02:00",
        "source": "text",
    },
    "sources": [{"id": "text", "title": "Official text", "publisher": "UN"}],
    "parties": [
        {"id": "ua", "name": "Ukraine", "kind": "state"},
        {"id": "osce", "name": "OSCE", "kind": "organisation"},
    ],
    "taxonomy": {
        "incident_types": [
            {"id": "shelling", "label": "Shelling"},
            {"id": "troop_presence", "label": "Troops seen", "hostile_act": False},
        ],
        "weapon_classes": [
            {
                "id": "artillery_100mm_plus",
                "label": "Artillery",
                "heavy": True,
                "min_calibre_mm": 100,
            }
        ],
        "severity": [{"value": 1, "label": "low"}, {"value": 3, "label": "high"}],
    },
    "zones": [
        {
            "id": "line",
            "name": "Line",
            "source": "text",
            "status": "official",
            "geometry": {"type": "LineString", "coordinates": [[37.5, 47.1], [38.0, 48.0]]},
        },
        {
            "id": "belt",
            "name": "Belt",
            "source": "text",
            "status": "official",
            "buffer": {"of": "line", "km": 25},
        },
        {
            "id": "donetsk",
            "name": "Donetsk",
            "source": "text",
            "status": "official",
            "admin_units": {"level": 1, "units": ["Donetsk Oblast"]},
        },
    ],
    "clauses": [
        {
            "id": "c1",
            "document": "package",
            "title": "Ceasefire",
            "text": "A ceasefire from {start}; no heavy weapons within {distance_km} km.",
            "source": "text",
            "status": "official",
            "params": {"start": "15 February 2015", "distance_km": 25},
        },
    ],
    "rules": [
        {
            "id": "hostile-act",
            "kind": "violation",
            "clause": "c1",
            "title": "Fire",
            "when": 'type == "shelling"',
            "status": "official",
        },
        {
            "id": "surge",
            "kind": "scenario",
            "clause": "c1",
            "title": "Surge",
            "when": "severity >= params.k",
            "params": {"k": 3, "n": 10},
            "status": "illustrative",
            "rationale": "stands in for an unstated threshold",
            "window": {"length": "24h", "group_by": ["oblast"], "above": "params.n"},
        },
    ],
    "directives": [
        {
            "id": "report",
            "scenario": "surge",
            "clause": "c1",
            "title": "Report",
            "status": "illustrative",
            "rationale": "the text names no deadline",
            "obligations": [{"party": "osce", "action": "report", "within": "24h"}],
        },
    ],
    "commitments": [
        {
            "id": "force",
            "party": "ua",
            "title": "Force",
            "indicator": "active_personnel",
            "unit": "persons",
            "target": 800000,
            "due": "2027-12-31",
            "clause": "c1",
            "status": "reported",
        },
    ],
}


def minimal_agreement() -> dict[str, Any]:
    return copy.deepcopy(_BASE)


def write_agreement(
    folder: Path,
    document: dict[str, Any] | None = None,
    overlays: dict[str, dict[str, Any]] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(document or minimal_agreement(), sort_keys=False, allow_unicode=True)
    (folder / "agreement.yaml").write_text(text, "utf-8")
    for name, overlay in (overlays or {}).items():
        (folder / "versions").mkdir(exist_ok=True)
        (folder / "versions" / f"{name}.yaml").write_text(
            yaml.safe_dump(overlay, sort_keys=False), "utf-8"
        )
    return folder
