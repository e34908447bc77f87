"""R expressions of columns, as a reference call can pass them, turned into polars expressions.

A case's ``call.json`` records an argument such as ``qic(y = breaches / attendances * 100)`` as
``{"expression": "breaches / attendances * 100", "columns": ["breaches", "attendances"]}``.
This module reads the arithmetic R allows in such an argument: numbers, column names (plain or
in backticks), ``+ - * / ^ %% %/%``, unary minus, comparisons, ``& | !``, parentheses, ``NA``,
``TRUE``/``FALSE`` and a few vectorised functions (``log exp sqrt abs round ifelse as.numeric
as.Date``...). R's precedence is kept: ``^`` binds tighter than unary minus (``-2^2`` is -4),
comparisons tighter than ``!``, ``!`` tighter than ``&``, ``&`` tighter than ``|``. Anything
else is refused with a message naming it, never evaluated.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl


class ExpressionError(ValueError):
    """An R expression this reader does not understand; the message says what and where."""


_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?)
    | (?P<string>"[^"]*"|'[^']*')
    | (?P<quoted>`[^`]+`)
    | (?P<name>[A-Za-z.][A-Za-z0-9._]*)
    | (?P<op>%/%|%%|<=|>=|==|!=|&&|\|\||[-+*/^()<>!&|,=])
    )""",
    re.VERBOSE,
)

_FUNCTIONS: dict[str, Callable[..., pl.Expr]] = {
    "log": lambda x, base=None: x.log() if base is None else x.log(base),
    "log10": lambda x: x.log10(),
    "log2": lambda x: x.log(2),
    "log1p": lambda x: x.log1p(),
    "exp": lambda x: x.exp(),
    "sqrt": lambda x: x.sqrt(),
    "abs": lambda x: x.abs(),
    "round": lambda x, digits=None: x.round(0 if digits is None else _literal_int(digits)),
    "floor": lambda x: x.floor(),
    "ceiling": lambda x: x.ceil(),
    "as.numeric": lambda x: x.cast(pl.Float64),
    "as.double": lambda x: x.cast(pl.Float64),
    "as.integer": lambda x: x.cast(pl.Float64).cast(pl.Int64),
    "as.Date": lambda x: _as_date(x),
    "ifelse": lambda test, yes, no: pl.when(test).then(yes).otherwise(no),
    "is.na": lambda x: x.is_null(),
    "c": lambda x: x,  # c(x) of one column is the column
}


def _as_date(x: pl.Expr) -> pl.Expr:
    return x.cast(pl.String).str.to_date(strict=False)


def _literal_int(expr: pl.Expr) -> int:
    value = pl.select(expr).item()
    return int(value)


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    source: str
    columns: frozenset[str]
    at: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (text is not None and token[1] != text):
            found = "the end" if token is None else repr(token[1])
            wanted = repr(text) if text is not None else "a value"
            raise ExpressionError(f"in {self.source!r}: expected {wanted}, found {found}")
        self.at += 1
        return token

    def accept(self, *texts: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in texts:
            self.at += 1
            return token[1]
        return None

    # Precedence, loosest first: | & ! comparison +- */%% unary-minus ^
    def parse(self) -> pl.Expr:
        expr = self.either()
        if self.peek() is not None:
            raise ExpressionError(f"in {self.source!r}: unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return expr

    def either(self) -> pl.Expr:
        expr = self.both()
        while self.accept("|", "||"):
            expr = expr | self.both()
        return expr

    def both(self) -> pl.Expr:
        expr = self.negation()
        while self.accept("&", "&&"):
            expr = expr & self.negation()
        return expr

    def negation(self) -> pl.Expr:
        if self.accept("!"):
            return ~self.negation()
        return self.comparison()

    def comparison(self) -> pl.Expr:
        expr = self.sum()
        op = self.accept("<", ">", "<=", ">=", "==", "!=")
        if op is None:
            return expr
        right = self.sum()
        return {
            "<": expr < right,
            ">": expr > right,
            "<=": expr <= right,
            ">=": expr >= right,
            "==": expr == right,
            "!=": expr != right,
        }[op]

    def sum(self) -> pl.Expr:
        expr = self.product()
        while op := self.accept("+", "-"):
            right = self.product()
            expr = expr + right if op == "+" else expr - right
        return expr

    def product(self) -> pl.Expr:
        expr = self.unary()
        while op := self.accept("*", "/", "%%", "%/%"):
            right = self.unary()
            if op == "*":
                expr = expr * right
            elif op == "/":
                expr = expr.cast(pl.Float64) / right
            elif op == "%%":
                expr = expr - (expr / right).floor() * right  # R's %% takes the divisor's sign
            else:
                expr = (expr / right).floor()
        return expr

    def unary(self) -> pl.Expr:
        if self.accept("-"):
            return -self.unary()
        if self.accept("+"):
            return self.unary()
        return self.power()

    def power(self) -> pl.Expr:
        base = self.atom()
        if self.accept("^"):
            return base.cast(pl.Float64).pow(
                self.unary()
            )  # right-associative, binds -x on the right
        return base

    def atom(self) -> pl.Expr:
        kind, text = self.take()
        if kind == "number":
            number = float(text.rstrip("L"))
            return pl.lit(number)
        if kind == "string":
            return pl.lit(text[1:-1])
        if kind == "op" and text == "(":
            expr = self.either()
            self.take(")")
            return expr
        if kind in ("name", "quoted"):
            name = text.strip("`")
            if kind == "name" and self.accept("("):
                return self.call(name)
            if kind == "name" and name in ("NA", "NA_real_", "NA_integer_", "NaN"):
                return pl.lit(None, pl.Float64)
            if kind == "name" and name in ("TRUE", "T", "FALSE", "F"):
                return pl.lit(name in ("TRUE", "T"))
            if name not in self.columns:
                known = ", ".join(sorted(self.columns))
                raise ExpressionError(
                    f"in {self.source!r}: {name!r} is not a column of the input ({known})"
                )
            return pl.col(name)
        raise ExpressionError(f"in {self.source!r}: unexpected {text!r}")

    def call(self, name: str) -> pl.Expr:
        if name not in _FUNCTIONS:
            known = ", ".join(sorted(_FUNCTIONS))
            raise ExpressionError(
                f"in {self.source!r}: the R function {name}() is not supported; known: {known}"
            )
        args: list[pl.Expr] = []
        named: dict[str, pl.Expr] = {}
        if not self.accept(")"):
            while True:
                token, following = (
                    self.peek(),
                    (self.tokens[self.at + 1] if self.at + 1 < len(self.tokens) else None),
                )
                if token and token[0] == "name" and following == ("op", "="):
                    self.at += 2
                    named[token[1]] = self.either()
                else:
                    args.append(self.either())
                if self.accept(")"):
                    break
                self.take(",")
        try:
            return _FUNCTIONS[name](*args, **named)
        except TypeError:
            raise ExpressionError(f"in {self.source!r}: wrong arguments to {name}()") from None


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while source[at:].strip():
        match = _TOKEN.match(source, at)
        if match is None:
            raise ExpressionError(f"in {source!r}: cannot read {source[at:].strip()[:10]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


def r_expression(source: str, columns: list[str] | tuple[str, ...]) -> pl.Expr:
    """The polars expression for an R expression over ``columns``."""
    return _Parser(_tokens(source), source, frozenset(columns)).parse()
