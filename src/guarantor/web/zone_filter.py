"""An agreement zone as a filter of the desk's lists, map and counts.

A zone made of oblasts (``admin_units`` of level 1) filters by those oblasts, which the
counts can answer at once; any other zone (a GeoJSON shape, a buffer around a line) filters
by its shape: the incidents whose point lies in it. The shape is resolved once per loaded
agreement (a buffer is built in a local projection, which takes a moment).
"""

from __future__ import annotations

from typing import Any

from guarantor.agreement.geometry import resolve_zones
from guarantor.agreement.loader import LoadedAgreement
from guarantor.errors import GuarantorError
from guarantor.services.desk import FilterInvalid

__all__ = ["zone_filter"]

_SHAPES: dict[tuple[str, str, str], tuple[LoadedAgreement, Any]] = {}


def zone_filter(
    loaded: LoadedAgreement, zone: str, *, field: str = "query.zone"
) -> tuple[tuple[str, ...] | None, Any]:
    """(oblasts, None) for a zone made of oblasts, else (None, its WGS 84 shape), in the
    agreement's latest version; :class:`FilterInvalid` for a zone it does not have."""
    version = loaded.latest
    zones = {z.id: z for z in version.zones}
    if zone not in zones:
        raise FilterInvalid(
            f"{field}: agreement '{loaded.id}' has no zone '{zone}'; expected one of "
            f"{', '.join(sorted(zones)) or 'none'}; fix: use one of those ids"
        )
    found = zones[zone]
    if found.kind == "admin_units" and found.admin_level == 1:
        return tuple(found.units), None
    key = (loaded.id, version.version.id, zone)
    cached = _SHAPES.get(key)
    if cached is None or cached[0] is not loaded:
        shapes, problems = resolve_zones(version, loaded.folder)
        if zone not in shapes:
            why = "; ".join(f"{p.field}: {p.found} ({p.fix})" for p in problems) or "no shape"
            raise GuarantorError(f"{field}: zone '{zone}' has no usable shape: {why}")
        cached = (loaded, shapes[zone])
        _SHAPES[key] = cached
    return None, cached[1]
