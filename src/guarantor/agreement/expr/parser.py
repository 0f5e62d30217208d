"""A precedence-climbing parser for rule expressions.

Precedence, lowest first: ``c ? a : b``; ``||``; ``&&``; ``== != < <= > >= in``; ``+ -``;
``* / %``; unary ``! -``; postfix ``.name``, ``f(...)``, ``a[i]``. Binary operators are left
associative; the ternary is right associative and, as in CEL, its condition and ``then``
branch are ``||`` expressions (a nested ternary there needs parentheses).
"""

from __future__ import annotations

from guarantor.agreement.expr.ast import (
    BINARY_PRECEDENCE,
    BoolLit,
    Call,
    Expr,
    FloatLit,
    Ident,
    Index,
    IntLit,
    ListExpr,
    Member,
    NullLit,
    StringLit,
    Ternary,
    Unary,
    deepest,
)
from guarantor.agreement.expr.ast import Binary as BinaryNode
from guarantor.agreement.expr.lexer import Token, tokenize
from guarantor.errors import ExpressionError

__all__ = ["MAX_DEPTH", "parse"]

MAX_DEPTH = 100
"""How deeply a tree may nest; deeper text is refused so no later walk can overflow."""
_MAX_NESTING = 48  # brackets, unary operators and ternaries; each costs ~7 parser frames

_OPERAND = 'an operand such as severity, 3 or "shelling"'
_LOWEST_BINARY = min(BINARY_PRECEDENCE.values())
_CLOSERS = {"(": ")", "[": "]"}


def parse(source: str) -> Expr:
    """Parse ``source`` into a tree; raise :class:`ExpressionError` at the first mistake."""
    tree = _Parser(source).parse()
    deep = deepest(tree, MAX_DEPTH)
    if deep is not None:
        raise _too_deep(source, deep.start)
    return tree


def _too_deep(source: str, position: int) -> ExpressionError:
    return ExpressionError(
        f"expression nested too deeply at position {position}",
        position=position,
        expected=f"at most {MAX_DEPTH} levels of operators and {_MAX_NESTING} of brackets",
        fix="split the rule, drop redundant brackets, or use 'x in [a, b, ...]' for long || chains",
        source=source,
    )


def _describe(token: Token) -> str:
    return "end of expression" if token.kind == "eof" else f"'{token.text}'"


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.nesting = 0

    # -- token helpers -------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def last_end(self) -> int:
        return self.tokens[self.index - 1].end

    def error(self, token: Token, expected: str, fix: str, detail: str = "") -> ExpressionError:
        message = f"unexpected {_describe(token)} at position {token.start}"
        return ExpressionError(
            f"{message}{detail}",
            position=token.start,
            expected=expected,
            fix=fix,
            source=self.source,
        )

    def close(self, opener: Token, *, listing: bool = False) -> None:
        closer = _CLOSERS[opener.kind]
        token = self.peek()
        if token.kind == closer:
            self.advance()
            return
        where = f"the '{opener.text}' at position {opener.start}"
        if listing:
            expected = f"',' or '{closer}'"
            fix = f"separate the items with ',' or close {where} with '{closer}'"
        else:
            expected = f"'{closer}'"
            fix = f"add '{closer}' to close {where}"
        raise self.error(token, expected, fix, detail=f"; expected {expected} to close {where}")

    # -- grammar -------------------------------------------------------------------------

    def parse(self) -> Expr:
        first = self.peek()
        if first.kind == "eof":
            raise ExpressionError(
                "empty expression",
                position=0,
                expected="an expression such as severity >= 3",
                fix="write a condition, e.g. severity >= 3",
                source=self.source,
            )
        expr = self.expression()
        token = self.peek()
        if token.kind != "eof":
            raise self.trailing(token)
        return expr

    def trailing(self, token: Token) -> ExpressionError:
        if token.kind in (")", "]"):
            fix = f"remove the extra '{token.text}' or add the missing opening bracket"
        else:
            fix = f"join the parts with an operator such as && or remove '{token.text}'"
        return self.error(
            token,
            expected="an operator such as &&, || or ==, or the end of the expression",
            fix=fix,
        )

    def nested(self) -> None:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise _too_deep(self.source, self.peek().start)

    def expression(self) -> Expr:
        self.nested()
        try:
            return self.ternary()
        finally:
            self.nesting -= 1

    def ternary(self) -> Expr:
        start = self.peek().start
        condition = self.binary(_LOWEST_BINARY)
        question = self.peek()
        if question.kind != "?":
            return condition
        self.advance()
        then = self.binary(_LOWEST_BINARY)
        colon = self.peek()
        if colon.kind != ":":
            fix = f"add ': <value>' for the '?' at position {question.start}"
            if colon.kind == "?":
                fix = "put the nested '? :' between the '?' and ':' in parentheses"
            expected = "':' followed by the value when the condition is false"
            raise self.error(colon, expected, fix)
        self.advance()
        otherwise = self.expression()
        return Ternary(condition, then, otherwise, start=start, end=self.last_end())

    def binary(self, min_precedence: int) -> Expr:
        start = self.peek().start
        left = self.unary()
        while True:
            token = self.peek()
            precedence = BINARY_PRECEDENCE.get(token.kind)
            if precedence is None or precedence < min_precedence:
                return left
            self.advance()
            right = self.binary(precedence + 1)
            left = BinaryNode(token.kind, left, right, start=start, end=self.last_end())

    def unary(self) -> Expr:
        token = self.peek()
        if token.kind in ("!", "-"):
            self.advance()
            self.nested()
            operand = self.unary()
            self.nesting -= 1
            return Unary(token.kind, operand, start=token.start, end=self.last_end())
        return self.postfix(self.primary(), token.start)

    def postfix(self, expr: Expr, start: int) -> Expr:
        while True:
            token = self.peek()
            if token.kind == ".":
                self.advance()
                name = self.member_name(token)
                expr = Member(expr, name, start=start, end=self.last_end())
            elif token.kind == "(":
                expr = self.call(expr, token)
            elif token.kind == "[":
                self.advance()
                index = self.expression()
                self.close(token)
                expr = Index(expr, index, start=start, end=self.last_end())
            else:
                return expr

    def member_name(self, dot: Token) -> str:
        token = self.peek()
        if token.kind != "ident":
            raise self.error(
                token,
                expected="a name after '.', e.g. params.max_calibre_mm",
                fix=f"write a param name after the '.' at position {dot.start}",
            )
        self.advance()
        return token.text

    def call(self, callee: Expr, paren: Token) -> Expr:
        if not isinstance(callee, Ident):
            raise self.error(
                paren,
                expected="an operator such as && or ==; only a function name can be called",
                fix="call a function by name, e.g. size(params.types)",
            )
        self.advance()
        args = self.items(")")
        self.close(paren, listing=True)
        return Call(callee.name, args, start=callee.start, end=self.last_end())

    def items(self, closer: str) -> tuple[Expr, ...]:
        items: list[Expr] = []
        if self.peek().kind == closer:
            return ()
        items.append(self.expression())
        while self.peek().kind == ",":
            self.advance()
            items.append(self.expression())
        return tuple(items)

    def primary(self) -> Expr:
        token = self.advance()
        start, end = token.start, token.end
        if token.kind == "int" and isinstance(token.value, int):
            return IntLit(token.value, start=start, end=end)
        if token.kind == "float" and isinstance(token.value, float):
            return FloatLit(token.value, start=start, end=end)
        if token.kind == "string" and isinstance(token.value, str):
            return StringLit(token.value, start=start, end=end)
        if token.kind in ("true", "false"):
            return BoolLit(token.kind == "true", start=start, end=end)
        if token.kind == "null":
            return NullLit(start=start, end=end)
        if token.kind == "ident":
            return Ident(token.text, start=start, end=end)
        if token.kind in _CLOSERS:
            return self.group(token)
        raise self.error(token, expected=_OPERAND, fix=self.operand_fix(token))

    def group(self, opener: Token) -> Expr:
        if opener.kind == "(":
            inner = self.expression()
            self.close(opener)
            return inner
        items = self.items("]")
        self.close(opener, listing=True)
        return ListExpr(items, start=opener.start, end=self.last_end())

    def operand_fix(self, token: Token) -> str:
        if token.kind == "eof":
            return "finish the expression: add an operand after the last operator"
        if token.kind == ")":
            return "remove the ')' or put an operand before it"
        if token.kind in BINARY_PRECEDENCE:
            return f"put an operand before '{token.text}'"
        return f"replace '{token.text}' with an operand"
