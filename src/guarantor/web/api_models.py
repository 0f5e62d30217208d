"""Response models of the desk's read API (they make the OpenAPI document).

Each is made from a dataclass of :mod:`guarantor.services.desk_views` by
:func:`model_of`: the same fields in the same order, with the views nested in it replaced by
their models and tuples by lists; only what the API adds (field descriptions, a field left
out, a wider type) is written here. They are built from the views with ``model_validate``
(``from_attributes``).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from guarantor.services import desk_views as views

__all__ = [
    "ActivationOut",
    "ActivationPage",
    "DashboardOut",
    "DecisionOut",
    "IncidentDetailOut",
    "IncidentOut",
    "IncidentPage",
    "ObligationOut",
    "ObligationPage",
    "ReportDetailOut",
    "ReportOut",
    "ReportPage",
    "SearchOut",
    "SourceOut",
    "ViolationOut",
    "ViolationPage",
    "model_of",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _Page(_Out):
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: last")
    total: int = Field(description="matching items visible to you, on every page")


_MODELS: dict[type, type[BaseModel]] = {}  # view -> its model, for views nested in others


def _api_type(annotation: Any) -> Any:
    """``annotation`` of a view's field as the API declares it: nested views become their
    models, ``tuple[X, ...]`` becomes ``list[X]``."""
    if annotation in _MODELS:
        return _MODELS[annotation]
    if typing.get_origin(annotation) is tuple:
        item, _ = typing.get_args(annotation)
        return list[_api_type(item)]  # type: ignore[misc]
    return annotation


def model_of(
    name: str,
    view: type,
    described: Mapping[str, str] | None = None,
    left_out: Collection[str] = (),
    widened: Mapping[str, Any] | None = None,
) -> type[BaseModel]:
    """The response model ``name`` of the dataclass ``view``: its fields in order, less
    ``left_out``, with ``described`` fields given that description and ``widened`` ones that
    type. Views nested in it must have their model made first."""
    hints = typing.get_type_hints(view)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(view):
        if field.name in left_out:
            continue
        annotation = (widened or {}).get(field.name, _api_type(hints[field.name]))
        description = (described or {}).get(field.name)
        fields[field.name] = (annotation, Field(description=description))
    model = create_model(name, __base__=_Out, __module__=__name__, **fields)
    _MODELS[view] = model
    return model


def _page_of(name: str, item: type[BaseModel]) -> type[BaseModel]:
    return create_model(name, __base__=_Page, __module__=__name__, items=(list[item], ...))  # type: ignore[valid-type]


if TYPE_CHECKING:  # to the type checker each is an API model; its fields are made below
    IncidentOut = _Out
    MemberOut = _Out
    ViolationOut = _Out
    DecisionOut = _Out
    IncidentDetailOut = _Out
    ReportOut = _Out
    ReportDetailOut = _Out
    SourceOut = _Out
    ActivationOut = _Out
    ObligationOut = _Out
    MarkerOut = _Out
    DayCountOut = _Out
    OblastCountOut = _Out
    TotalsOut = _Out
    DashboardOut = _Out
    SearchOut = _Out
    IncidentPage = _Page
    ViolationPage = _Page
    ReportPage = _Page
    ActivationPage = _Page
    ObligationPage = _Page
else:
    IncidentOut = model_of(
        "IncidentOut",
        views.IncidentSummary,
        {"reports": "member reports", "sources": "independent sources"},
    )
    IncidentPage = _page_of("IncidentPage", IncidentOut)
    MemberOut = model_of(
        "MemberOut",
        views.MemberReport,
        {
            "joined_by": "the member it was linked to; null: the seed",
            "evidence": "why it joined (distance, hours, ...)",
        },
    )
    ViolationOut = model_of("ViolationOut", views.ViolationView)
    ViolationPage = _page_of("ViolationPage", ViolationOut)
    DecisionOut = model_of("DecisionOut", views.DecisionView)
    IncidentDetailOut = model_of(
        "IncidentDetailOut",
        views.IncidentDetail,
        widened={"disagreements": dict[str, Any] | list[Any] | None},
    )
    ReportOut = model_of("ReportOut", views.ReportSummary)
    ReportPage = _page_of("ReportPage", ReportOut)
    ReportDetailOut = model_of(
        "ReportDetailOut",
        views.ReportDetail,
        {"incident_id": "its incident, when fused and visible to you"},
    )
    SourceOut = model_of(
        "SourceOut", views.SourceView, {"reports": "reports of the source visible to you"}
    )
    ActivationOut = model_of("ActivationOut", views.ActivationView)
    ActivationPage = _page_of("ActivationPage", ActivationOut)
    ObligationOut = model_of(
        "ObligationOut",
        views.ObligationView,
        {
            "status": "open, acknowledged, done or waived",
            "overdue": "due has passed while open or acknowledged",
        },
        left_out=("contributing", "explanation"),
    )
    ObligationPage = _page_of("ObligationPage", ObligationOut)
    MarkerOut = model_of("MarkerOut", views.Marker)
    DayCountOut = model_of("DayCountOut", views.DayCount)
    OblastCountOut = model_of("OblastCountOut", views.OblastCount)
    TotalsOut = model_of("TotalsOut", views.Totals)
    DashboardOut = model_of(
        "DashboardOut",
        views.Dashboard,
        {
            "markers": "most recent first, at most marker_cap",
            "markers_capped": "more incidents matched than the cap",
        },
    )
    SearchOut = model_of("SearchOut", views.SearchResult)
