"""Apply a version overlay to the version it is based on.

``add`` brings new items; ``amend`` restates items by id; ``repeal`` removes them. The base
is never edited: a new :class:`ResolvedVersion` is returned. An amended or repealed rule keeps
its past: its earlier revision stays, with ``applies`` clipped to end where the new text
starts (the overlay's ``effective`` time unless the new revision says otherwise), so that
history is still judged by the text in force at the time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from guarantor.agreement import convert
from guarantor.agreement import model as m
from guarantor.agreement import schema as s
from guarantor.agreement.docerrors import suggest
from guarantor.agreement.origins import Origin, Origins
from guarantor.agreement.yamlsource import SourceIndex
from guarantor.errors import Problem

__all__ = ["apply_overlay", "clip_before"]

_SECTIONS = convert.SECTIONS


def clip_before(applies: Sequence[m.Interval], cut: datetime) -> tuple[m.Interval, ...]:
    """The parts of ``applies`` before ``cut``."""
    kept: list[m.Interval] = []
    for interval in applies:
        if interval.start >= cut:
            continue
        end = cut if interval.end is None or interval.end > cut else interval.end
        kept.append(m.Interval(interval.start, end))
    return tuple(kept)


class _Overlay:
    def __init__(
        self, base: m.ResolvedVersion, info: m.VersionInfo, origins: Origins, index: SourceIndex
    ) -> None:
        self.info = info
        self.origins = origins
        self.index = index
        self.problems: list[Problem] = []
        self.items: dict[str, list[Any]] = {sec: list(getattr(base, sec)) for sec in _SECTIONS}

    def ids(self, section: str) -> list[str]:
        return [str(i.id) for i in self.items[section]]

    def problem(
        self, path: tuple[str | int, ...], found: str, expected: str, fix: str, code: str
    ) -> None:
        self.problems.append(Problem(self.index.locate(path), found, expected, fix, code))

    def add(self, section: str, docs: Sequence[Any]) -> None:
        build = convert.builder(section, self.info.id, self.info.effective)
        for position, doc in enumerate(docs):
            path = ("add", section, position)
            if doc.id in self.ids(section):
                self.problem(
                    (*path, "id"),
                    f"'{doc.id}' added, but it already exists",
                    f"a new id under add.{section}",
                    f"move it to amend.{section} to change it, or choose a new id",
                    "duplicate_id",
                )
                continue
            self.items[section].append(build(doc))
            self.origins.record(section, doc.id, self.info.id, Origin(self.index.file, path))

    def amend(self, section: str, docs: Sequence[Any]) -> None:
        build = convert.builder(section, self.info.id, self.info.effective)
        for position, doc in enumerate(docs):
            path = ("amend", section, position)
            if doc.id not in self.ids(section):
                self._unknown(path, section, doc.id, "amend")
                continue
            new = build(doc)
            if section == "rules":
                self._supersede(doc.id, min(i.start for i in new.applies))
                self.items[section].append(new)
            else:
                self.items[section] = [new if i.id == doc.id else i for i in self.items[section]]
            self.origins.record(section, doc.id, self.info.id, Origin(self.index.file, path))

    def repeal(self, section: str, ids: Sequence[str]) -> None:
        for position, item_id in enumerate(ids):
            if item_id not in self.ids(section):
                self._unknown(("repeal", section, position), section, item_id, "repeal")
            elif section == "rules":
                self._supersede(item_id, self.info.effective)
            else:
                self.items[section] = [i for i in self.items[section] if i.id != item_id]

    def _supersede(self, rule_id: str, cut: datetime) -> None:
        kept: list[m.Rule] = []
        for rule in self.items["rules"]:
            if rule.id == rule_id:
                clipped = clip_before(rule.applies, cut)
                if clipped:
                    kept.append(dataclasses.replace(rule, applies=clipped))
            else:
                kept.append(rule)
        self.items["rules"] = kept

    def _unknown(self, path: tuple[str | int, ...], section: str, item_id: str, verb: str) -> None:
        hint = suggest(item_id, self.ids(section))
        self.problem(
            path,
            f"{verb} of '{item_id}', which the base version does not have",
            f"the id of an existing item of {section}",
            (hint + " " if hint else "") + f"use add.{section} for a new item",
            "unknown_reference",
        )


def apply_overlay(
    base: m.ResolvedVersion,
    doc: s.OverlayFile,
    info: m.VersionInfo,
    origins: Origins,
    index: SourceIndex,
) -> tuple[m.ResolvedVersion, list[Problem]]:
    overlay = _Overlay(base, info, origins, index)
    for section in _SECTIONS:
        overlay.repeal(section, getattr(doc.repeal, section, []))
        overlay.amend(section, getattr(doc.amend, section))
        overlay.add(section, getattr(doc.add, section))
    sections: dict[str, Any] = {sec: tuple(overlay.items[sec]) for sec in _SECTIONS}
    resolved = dataclasses.replace(base, version=info, lineage=(*base.lineage, info), **sections)
    return resolved, overlay.problems
