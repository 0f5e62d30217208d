"""Storage adapter of Guarantor: SQL through SQLAlchemy Core, migrations through Alembic.

SQLite (embedded, the default) and PostgreSQL (a shared server) are two URLs of one adapter::

    engine = make_engine("sqlite:///var/guarantor.db")   # or postgresql://user:pw@host/db
    upgrade(engine)                                      # apply the shipped migrations
    with SqlUnitOfWork(engine) as uow:
        uow.agreements.add(version, content_hash)
        uow.commit()

Nothing heavy happens at import time: engines are made by the composition root.
"""

from guarantor.storage import (
    incident_tables,  # noqa: F401  (its tables join the metadata)
    obligation_tables,  # noqa: F401  (its tables join the metadata)
    security_tables,  # noqa: F401  (its tables join the metadata)
)
from guarantor.storage.codec import canonical_document, canonical_json, to_jsonable
from guarantor.storage.engine import make_engine, normalize_url, writer_lock
from guarantor.storage.migrate import current_revision, head_revision, require_current, upgrade
from guarantor.storage.report_store import BatchRecord, SqlReportStore
from guarantor.storage.repositories import AgreementRepository, StoredVersion
from guarantor.storage.unit_of_work import SqlUnitOfWork

__all__ = [
    "AgreementRepository",
    "BatchRecord",
    "SqlReportStore",
    "SqlUnitOfWork",
    "StoredVersion",
    "canonical_document",
    "canonical_json",
    "current_revision",
    "head_revision",
    "make_engine",
    "normalize_url",
    "require_current",
    "to_jsonable",
    "upgrade",
    "writer_lock",
]
