"""Use cases on agreements: find, check, load, store, view in force, diff, hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from guarantor.agreement import model as m
from guarantor.agreement.canonical import content_hash
from guarantor.agreement.checks import check_agreement
from guarantor.agreement.diff import Change, diff_versions
from guarantor.agreement.docerrors import suggest
from guarantor.agreement.loader import LoadedAgreement, load_agreement, read_agreement
from guarantor.errors import AgreementError
from guarantor.services.ports import UnitOfWorkFactory

__all__ = [
    "AgreementRef",
    "InForce",
    "StoreResult",
    "check_folder",
    "diff_refs",
    "in_force",
    "load_agreement_folder",
    "load_ref",
    "resolve_ref",
    "shipped_folders",
    "store_agreement",
]


@dataclass(frozen=True, slots=True)
class AgreementRef:
    """``FOLDER_OR_ID[@VERSION]`` as the user wrote it, resolved to a folder."""

    folder: Path
    version_id: str | None


@dataclass(frozen=True, slots=True)
class StoreResult:
    agreement_id: str
    version_id: str
    content_hash: str
    newly_stored: bool


@dataclass(frozen=True, slots=True)
class InForce:
    """A version as known on a day, with the rules in force at the start of that day (UTC)."""

    version: m.ResolvedVersion
    moment: datetime | None
    rules: tuple[m.Rule, ...]


def shipped_folders(agreements_dir: Path) -> list[Path]:
    if not agreements_dir.is_dir():
        raise AgreementError(
            f"agreements folder '{agreements_dir}' does not exist; run from the repository "
            "root or set GUARANTOR_AGREEMENTS_DIR"
        )
    return sorted(p.parent for p in agreements_dir.glob("*/agreement.yaml"))


def resolve_ref(text: str, agreements_dir: Path) -> AgreementRef:
    name, _, version = text.partition("@")
    folder = Path(name)
    if not folder.is_dir() and (agreements_dir / name).is_dir():
        folder = agreements_dir / name
    if not folder.is_dir():
        known = [p.name for p in shipped_folders(agreements_dir)] if agreements_dir.is_dir() else []
        hint = suggest(name, known)
        raise AgreementError(
            f"no agreement '{name}': expected a folder path or the id of a shipped agreement "
            f"({', '.join(known) or 'none found'}), optionally with @VERSION, e.g. "
            "minsk-2015@2020-07-27" + (f"; {hint}" if hint else "")
        )
    return AgreementRef(folder, version or None)


def check_folder(folder: Path) -> LoadedAgreement:
    return check_agreement(read_agreement(folder))


def load_agreement_folder(folder: Path) -> LoadedAgreement:
    return load_agreement(folder)


def load_ref(text: str, agreements_dir: Path) -> tuple[LoadedAgreement, m.ResolvedVersion]:
    ref = resolve_ref(text, agreements_dir)
    loaded = load_agreement(ref.folder)
    return loaded, loaded.version(ref.version_id)


def store_agreement(uow_factory: UnitOfWorkFactory, loaded: LoadedAgreement) -> list[StoreResult]:
    """Store every version; idempotent (an unchanged version is left as it is)."""
    results = []
    with uow_factory() as uow:
        for version in loaded.versions:
            digest = content_hash(version)
            added = uow.agreements.add(version, digest)
            results.append(StoreResult(loaded.id, version.version.id, digest, added))
        uow.commit()
    return results


def in_force(loaded: LoadedAgreement, version_id: str | None, as_of: date | None) -> InForce:
    if as_of is None:
        version = loaded.version(version_id)
        return InForce(version, None, version.rules)
    version = loaded.version(version_id) if version_id else loaded.as_of(as_of)
    moment = datetime.combine(as_of, time(0), tzinfo=UTC)
    return InForce(version, moment, version.rules_in_force(moment))


def diff_refs(
    a: str, b: str, agreements_dir: Path
) -> tuple[m.ResolvedVersion, m.ResolvedVersion, list[Change]]:
    _, version_a = load_ref(a, agreements_dir)
    _, version_b = load_ref(b, agreements_dir)
    return version_a, version_b, diff_versions(version_a, version_b)
