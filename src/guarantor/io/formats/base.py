"""The contract every importer keeps: an input file in, canonical report chunks out.

An importer reads its file in chunks (bounded memory for any file size) and yields for
each chunk the reports it could build, as a frame with :data:`REPORT_SCHEMA`, and a
:class:`Rejection` for every input record it could not turn into a report. It never drops a
record silently: ``records`` counts what it read, and every record read is either in
``reports`` or in ``rejections`` (one input row may yield several reports, e.g. a UCDP event
with three source articles: then ``records`` counts the reports it yields).

Importers fill what their layout carries; fields they cannot know stay null. Geocoding
(coordinates from place names, oblast and raion by point in polygon) and the common
validation run after them, in the intake service.
"""

from guarantor.services.intake_ports import (
    REJECTION_SCHEMA,
    Chunk,
    Importer,
    Rejection,
    rejections_frame,
)

__all__ = ["REJECTION_SCHEMA", "Chunk", "Importer", "Rejection", "rejections_frame"]
