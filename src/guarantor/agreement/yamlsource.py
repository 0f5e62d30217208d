"""Read YAML while remembering where every value was (file, line, column).

``read_yaml`` returns the plain Python data and a :class:`SourceIndex` that maps a path
inside the data (keys and list indices) to its position, so that every validation problem
can point at ``file:line:column``. Duplicate keys, which YAML loaders silently collapse,
are reported as problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from guarantor.errors import Location, Problem

__all__ = ["Path_", "SourceIndex", "read_yaml"]

Path_ = tuple[str | int, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class SourceIndex:
    """Positions of the values of one file, by their path in the data."""

    file: str
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int], field_name: str | None = None) -> Location:
        """The position of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe and probe not in self.marks:
            probe = probe[:-1]
        line, column = self.marks.get(probe, (1, 1))
        name = field_name if field_name is not None else _dotted(path)
        return Location(self.file, line, column, name or None)


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def read_yaml(path: Path, display: str) -> tuple[object, SourceIndex, list[Problem]]:
    """Parse ``path``; on a syntax error return ``None`` data and one problem."""
    index = SourceIndex(display)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, index, [_decode_problem(display, exc)]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, index, []
        problems: list[Problem] = []
        _walk(node, (), index, problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return None, index, [_syntax_problem(display, exc)]
    finally:
        loader.dispose()
    return data, index, problems


def _walk(node: yaml.Node, path: Path_, index: SourceIndex, problems: list[Problem]) -> None:
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    # A quoted scalar is marked at its first character of content, not at the quote.
    index.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1 + int(quoted))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                problems.append(_duplicate_problem(index.file, key_node, key, seen[key]))
            seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            _walk(value_node, child, index, problems)
            index.marks[(*child, "__key__")] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _walk(item, (*path, position), index, problems)


def _duplicate_problem(file: str, key_node: yaml.Node, key: str, first_line: int) -> Problem:
    return Problem(
        location=Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1, key),
        found=f"the key '{key}' a second time (first on line {first_line})",
        expected="each key once per mapping",
        fix=f"merge the two '{key}' entries or remove one; YAML would silently keep the last",
        code="duplicate_key",
    )


def _syntax_problem(file: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return Problem(
        location=Location(file, line, column),
        found=f"YAML that does not parse ({exc.problem or exc.context})",
        expected="well-formed YAML, e.g. 'id: ceasefire' with consistent indentation",
        fix="check indentation and quoting at this position; quote text containing ': ' or '#'",
        code="yaml_syntax",
    )


def _decode_problem(file: str, exc: UnicodeDecodeError) -> Problem:
    return Problem(
        location=Location(file, None, None),
        found=f"bytes that are not UTF-8 at byte {exc.start}",
        expected="a UTF-8 text file",
        fix="re-save the file as UTF-8 (e.g. iconv -f cp1251 -t utf-8)",
        code="encoding",
    )
