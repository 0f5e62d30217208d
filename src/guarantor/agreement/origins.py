"""Where each item of a resolved version was written: its file and its path in that file."""

from __future__ import annotations

from dataclasses import dataclass, field

from guarantor.agreement.yamlsource import Path_, SourceIndex
from guarantor.errors import Location

__all__ = ["Origin", "Origins"]

Key = tuple[str, str, str]  # (section, item id, revision or "")


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    path: Path_


@dataclass(slots=True)
class Origins:
    """Positions of items, by (section, id, revision). Copied per version as overlays apply."""

    indexes: dict[str, SourceIndex]
    items: dict[Key, Origin] = field(default_factory=dict)

    def record(self, section: str, item_id: str, revision: str, origin: Origin) -> None:
        self.items[(section, item_id, revision)] = origin

    def copy(self) -> Origins:
        return Origins(self.indexes, dict(self.items))

    def locate(
        self, section: str, item_id: str, revision: str = "", field_path: Path_ = ()
    ) -> Location:
        origin = self.items.get((section, item_id, revision))
        if origin is None:
            origin = next(
                (o for k, o in self.items.items() if k[0] == section and k[1] == item_id), None
            )
        if origin is None:
            return Location(f"{section}:{item_id}")
        index = self.indexes[origin.file]
        path = (*origin.path, *field_path)
        label = f"{section}.{item_id}" + (
            "." + ".".join(map(str, field_path)) if field_path else ""
        )
        return index.locate(path, label)
