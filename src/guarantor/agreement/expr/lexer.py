"""Turns rule expression text into tokens.

Token kinds: ``int``, ``float``, ``string``, ``ident``, the keywords ``true``, ``false``,
``null`` and ``in``, every operator and punctuation mark as its own text (``&&``, ``(``),
and ``eof`` last. Mistakes people make when they know another language (``&``, ``=``,
``and``) are reported with the operator they meant.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from guarantor.errors import ExpressionError

__all__ = ["KEYWORDS", "Token", "tokenize"]

KEYWORDS = frozenset({"true", "false", "null", "in"})

_MISTAKES = {"and": "&&", "or": "||", "not": "!", "&": "&&", "|": "||", "=": "=="}
_OPERATORS = (
    "||", "&&", "==", "!=", "<=", ">=",
    "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", ".", ",", "(", ")", "[", "]",
)  # fmt: skip
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
_NUMBER = re.compile(r"\d+(?P<fraction>\.\d+)?(?P<exponent>[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERAND_EXAMPLE = 'an operand such as severity, 3 or "shelling"'


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its exact text, its offsets and, for literals, its value."""

    kind: str
    text: str
    start: int
    end: int
    value: int | float | str | None = None


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``eof`` token; raise on bad text."""
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(source) and source[pos].isspace():
            pos += 1
        if pos >= len(source):
            tokens.append(Token("eof", "", pos, pos))
            return tokens
        token = _next_token(source, pos)
        tokens.append(token)
        pos = token.end


def _next_token(source: str, pos: int) -> Token:
    char = source[pos]
    if char.isdigit():
        return _number(source, pos)
    if char in "\"'":
        return _string(source, pos)
    word = _WORD.match(source, pos)
    if word:
        return _word(source, word.group(), pos)
    for op in _OPERATORS:
        if source.startswith(op, pos):
            return Token(op, op, pos, pos + len(op))
    if char in _MISTAKES:
        raise _mistake(source, char, pos)
    raise ExpressionError(
        f"unexpected character {char!r} at position {pos}",
        position=pos,
        expected=f"{_OPERAND_EXAMPLE}, or an operator such as &&, == or +",
        fix=f'remove {char!r}; strings go in quotes, e.g. "{char}"',
        source=source,
    )


def _word(source: str, word: str, pos: int) -> Token:
    end = pos + len(word)
    if word in _MISTAKES:
        raise _mistake(source, word, pos)
    if word in KEYWORDS:
        return Token(word, word, pos, end)
    return Token("ident", word, pos, end)


def _mistake(source: str, text: str, pos: int) -> ExpressionError:
    meant = _MISTAKES[text]
    return ExpressionError(
        f"'{text}' is not an operator; did you mean '{meant}'?",
        position=pos,
        expected=f"'{meant}'",
        fix=f"write '{meant}' instead of '{text}' at position {pos}",
        source=source,
    )


def _number(source: str, pos: int) -> Token:
    match = _NUMBER.match(source, pos)
    assert match is not None  # the caller saw a digit
    end = match.end()
    text = match.group()
    if end < len(source) and (source[end].isalnum() or source[end] == "_"):
        bad = _WORD.match(source, end)
        tail = bad.group() if bad else source[end]
        raise ExpressionError(
            f"malformed number '{text}{tail}' at position {pos}",
            position=pos,
            expected="a number such as 3, 1.5 or 1e3",
            fix=f"put an operator or a space between '{text}' and '{tail}'",
            source=source,
        )
    if match.group("fraction") is None and match.group("exponent") is None:
        return Token("int", text, pos, end, int(text))
    value = float(text)
    if math.isinf(value):
        raise ExpressionError(
            f"number '{text}' at position {pos} is too large",
            position=pos,
            expected="a number below 1e308",
            fix=f"write a smaller number than '{text}'",
            source=source,
        )
    return Token("float", text, pos, end, value)


def _string(source: str, pos: int) -> Token:
    quote = source[pos]
    chars: list[str] = []
    i = pos + 1
    while i < len(source) and source[i] != "\n":
        char = source[i]
        if char == quote:
            return Token("string", source[pos : i + 1], pos, i + 1, "".join(chars))
        if char == "\\":
            if source[i + 1 : i + 2] in ("", "\n"):
                break
            chars.append(_escape(source, i))
            i += 2
            continue
        chars.append(char)
        i += 1
    raise ExpressionError(
        f"unterminated string starting at position {pos}",
        position=pos,
        expected=f"a closing {quote} on the same line, e.g. {quote}shelling{quote}",
        fix=f"add {quote} at the end of the string",
        source=source,
    )


def _escape(source: str, backslash: int) -> str:
    code = source[backslash + 1 : backslash + 2]
    if code in _ESCAPES:
        return _ESCAPES[code]
    raise ExpressionError(
        f"unknown escape '\\{code}' at position {backslash}",
        position=backslash,
        expected="one of the escapes \\\" \\' \\\\ \\n \\t \\r",
        fix="write \\\\ for a literal backslash",
        source=source,
    )
