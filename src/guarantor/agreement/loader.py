"""Read an agreement folder into resolved versions, collecting every problem on the way.

``read_agreement`` never raises for problems in the content: it returns what it could build
and the list of problems (``check`` adds the semantic checks). ``load_agreement`` is the
strict form used by the rest of the product: it raises :class:`AgreementInvalid` listing
every error.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from guarantor.agreement import convert
from guarantor.agreement import model as m
from guarantor.agreement import schema as s
from guarantor.agreement.docerrors import suggest
from guarantor.agreement.lenient import validate_agreement_file, validate_overlay_file
from guarantor.agreement.origins import Origin, Origins
from guarantor.agreement.overlay import apply_overlay
from guarantor.agreement.yamlsource import SourceIndex, read_yaml
from guarantor.errors import AgreementError, AgreementInvalid, Location, Problem

__all__ = ["LoadedAgreement", "load_agreement", "read_agreement"]

_LIST_SECTIONS = convert.SECTIONS


@dataclass(frozen=True, slots=True)
class LoadedAgreement:
    """An agreement folder read and resolved: every version in chain order."""

    id: str
    title: str
    folder: Path
    versions: tuple[m.ResolvedVersion, ...]
    origins: dict[str, Origins]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def latest(self) -> m.ResolvedVersion:
        return self.versions[-1]

    def version(self, version_id: str | None) -> m.ResolvedVersion:
        if version_id is None:
            return self.latest
        for version in self.versions:
            if version.version.id == version_id:
                return version
        known = [v.version.id for v in self.versions]
        hint = suggest(version_id, known)
        raise AgreementError(
            f"agreement '{self.id}' has no version '{version_id}'; its versions are "
            f"{', '.join(known)}" + (f"; {hint}" if hint else "")
        )

    def as_of(self, day: date) -> m.ResolvedVersion:
        """The version known on ``day``: the latest adopted on or before it."""
        known = [v for v in self.versions if v.version.adopted <= day]
        if not known:
            first = self.versions[0].version
            raise AgreementError(
                f"agreement '{self.id}' was not yet adopted on {day.isoformat()}; its first "
                f"version '{first.id}' was adopted on {first.adopted.isoformat()}"
            )
        return known[-1]


def read_agreement(folder: Path) -> LoadedAgreement:
    if not folder.is_dir():
        raise AgreementError(
            f"no agreement folder at '{folder}': expected a folder holding agreement.yaml, "
            "e.g. agreements/minsk-2015; check the path"
        )
    if not (folder / "agreement.yaml").is_file():
        raise AgreementError(
            f"'{folder}' has no agreement.yaml: an agreement folder needs one with id, title "
            "and baseline; see docs/agreement-format.md"
        )
    reader = _Reader(folder)
    return reader.read()


def load_agreement(folder: Path) -> LoadedAgreement:
    from guarantor.agreement.checks import check_agreement

    loaded = check_agreement(read_agreement(folder))
    if loaded.errors:
        raise AgreementInvalid(
            f"agreement at '{folder}' has {len(loaded.errors)} problem(s); "
            f"run 'guarantor agreement check {folder}' for the list",
            problems=loaded.errors,
        )
    return loaded


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.indexes: dict[str, SourceIndex] = {}

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def validated(self, path: Path, overlay: bool) -> tuple[Any, SourceIndex]:
        display = self.display(path)
        data, index, problems = read_yaml(path, display)
        self.indexes[display] = index
        self.problems.extend(problems)
        if data is None:
            return None, index
        if not isinstance(data, dict):
            self.problems.append(
                Problem(
                    Location(display, 1, 1),
                    f"a {type(data).__name__}",
                    "a mapping of sections, e.g. 'clauses:'",
                    "start the file with section keys",
                    "not_a_mapping",
                )
            )
            return None, index
        validate = validate_overlay_file if overlay else validate_agreement_file
        doc, found = validate(data, index)
        self.problems.extend(found)
        return doc, index

    def read(self) -> LoadedAgreement:
        files = sorted(
            self.folder.glob("*.yaml"), key=lambda p: (p.name != "agreement.yaml", p.name)
        )
        docs = [(f, *self.validated(f, overlay=False)) for f in files]
        head = next((d for _, d, _ in docs if d is not None and d.baseline is not None), None)
        agreement_id = head.id if head and head.id else self.folder.name
        title = head.title if head and head.title else agreement_id
        if head is None or head.baseline is None:
            if not any(p.location.field and "baseline" in p.location.field for p in self.problems):
                self._missing_baseline()
            return LoadedAgreement(agreement_id, title, self.folder, (), {}, tuple(self.problems))
        origins = Origins(self.indexes)
        baseline = self._baseline(agreement_id, title, head.baseline, docs, origins)
        versions, per_version = [baseline], {baseline.version.id: origins}
        for version, version_origins in self._overlays(baseline, origins):
            versions.append(version)
            per_version[version.version.id] = version_origins
        return LoadedAgreement(
            agreement_id, title, self.folder, tuple(versions), per_version, tuple(self.problems)
        )

    def _missing_baseline(self) -> None:
        display = self.display(self.folder / "agreement.yaml")
        self.problems.append(
            Problem(
                Location(display, 1, 1),
                "no 'baseline' version",
                "baseline: {id: 2015-02-12, title: ..., adopted: 2015-02-12, "
                "effective: 2015-02-15T00:00:00+02:00, source: ...}",
                "add a baseline mapping to agreement.yaml",
                "missing_key",
            )
        )

    def _baseline(
        self,
        agreement_id: str,
        title: str,
        head: s.VersionDoc,
        docs: list[tuple[Path, Any, SourceIndex]],
        origins: Origins,
    ) -> m.ResolvedVersion:
        info = convert.version_info(head, self.display(self.folder / "agreement.yaml"))
        sections: dict[str, list[Any]] = {sec: [] for sec in _LIST_SECTIONS}
        taxonomy = None
        for _path, doc, index in docs:
            if doc is None:
                continue
            taxonomy = doc.taxonomy or taxonomy
            for section in _LIST_SECTIONS:
                for position, item in enumerate(getattr(doc, section)):
                    sections[section].append(
                        convert.builder(section, info.id, info.effective)(item)
                    )
                    origins.record(
                        section, item.id, info.id, Origin(index.file, (section, position))
                    )
        origins.record("version", info.id, "", Origin(info.file, ("baseline",)))
        sections["zones"] = [self._with_geometry(z) for z in sections["zones"]]
        return m.ResolvedVersion(
            agreement_id=agreement_id,
            title=title,
            version=info,
            lineage=(info,),
            taxonomy=convert.taxonomy(taxonomy),
            **{k: tuple(v) for k, v in sections.items()},
        )

    def _with_geometry(self, zone: m.Zone) -> m.Zone:
        """Read a zone's GeoJSON file into the model, so that a version is self-contained
        (its hash covers the geometry). A missing or broken file is reported by the checks."""
        if zone.geometry is not None or not zone.geometry_file:
            return zone
        path = self.folder / zone.geometry_file
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return zone
        return dataclasses.replace(zone, geometry=data) if isinstance(data, dict) else zone

    def _overlays(
        self, baseline: m.ResolvedVersion, origins: Origins
    ) -> list[tuple[m.ResolvedVersion, Origins]]:
        found = []
        for path in sorted((self.folder / "versions").glob("*.yaml")):
            doc, index = self.validated(path, overlay=True)
            if doc is not None:
                found.append((doc, index))
        chain: list[tuple[m.ResolvedVersion, Origins]] = []
        current, current_origins = baseline, origins
        remaining = list(found)
        while remaining:
            step = next((f for f in remaining if f[0].version.base == current.version.id), None)
            if step is None:
                self._orphans(remaining, current.version.id)
                break
            remaining.remove(step)
            doc, index = step
            info = convert.version_info(doc.version, index.file)
            current_origins = current_origins.copy()
            current_origins.record("version", info.id, "", Origin(index.file, ("version",)))
            current, problems = apply_overlay(current, doc, info, current_origins, index)
            current = dataclasses.replace(
                current, zones=tuple(self._with_geometry(z) for z in current.zones)
            )
            self.problems.extend(problems)
            chain.append((current, current_origins))
        return chain

    def _orphans(self, remaining: list[tuple[s.OverlayFile, SourceIndex]], last: str) -> None:
        for doc, index in remaining:
            base = doc.version.base
            self.problems.append(
                Problem(
                    index.locate(("version", "base")),
                    f"base '{base}'" if base else "no base",
                    f"the id of the version this one amends, here '{last}' "
                    "(versions form one chain)",
                    f"set version.base to '{last}' or to the version it really amends",
                    "broken_chain",
                )
            )
