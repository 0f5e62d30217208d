"""The write side of the desk's JSON API, as one router for :func:`guarantor.web.app.create_app`:

* :mod:`.api_write_reports`: ``POST /api/reports``, ``POST /api/reports/batch``;
* :mod:`.api_write_decisions`: ``POST /api/incidents/{id}/confirm|reject|split``,
  ``POST /api/incidents/merge``, ``POST /api/incidents/not-same``;
* :mod:`.api_write_obligations`: ``POST /api/obligations/{id}/acknowledge|done|waive``.

Every route needs a signed-in user with the route's permission and the CSRF header (checked
app-wide); every change is audited.
"""

from __future__ import annotations

from fastapi import APIRouter

from guarantor.web import api_write_decisions, api_write_obligations, api_write_reports

__all__ = ["router"]

router = APIRouter()
router.include_router(api_write_reports.router)
router.include_router(api_write_decisions.router)
router.include_router(api_write_obligations.router)
