"""A safe parser for math written the way learners write it.

The text is split into tokens by a hand-written tokenizer and read by a
recursive-descent (Pratt) parser that builds SymPy objects directly.  No user
text ever reaches Python's ``eval``, ``exec``, ``sympify`` or ``parse_expr``:
anything that is not math (attribute access, strings, ``lambda`` bodies,
semicolons, imports, dunder names) is a :class:`~steepest.errors.ParseError`
that names the column of the problem.

Reading rules (the ones most calculus courses use):

* ``e`` is Euler's number, ``pi`` (or ``π``) is π; every other single letter is
  a variable, and so are Greek letter names (``theta``, ``alpha``, ``lambda``)
  and subscripted names (``x_1``, ``theta_0``).
* Juxtaposition multiplies: ``2x``, ``3x^2 y^3``, ``(x+1)(x-1)``, ``2 sin x``.
* ``^`` and ``**`` are powers and group to the right: ``x^2^3`` is x^(2^3);
  ``-x^2`` is -(x^2).
* A function name without parentheses takes the product that follows it, up to
  the next operator or function name: ``sin 2x`` is sin(2x), ``sin x cos x`` is
  sin(x)·cos(x), ``ln x + 1`` is ln(x) + 1.  ``sin^2 x`` is (sin x)^2.
* ``log`` and ``ln`` are the natural logarithm; ``log_2(x)``, ``log_a x``,
  ``log(x, a)``, ``log2`` and ``log10`` have the base they show.
* Unicode fractions are fractions: ``½x`` is x/2 and ``x^½`` is sqrt(x); a
  mixed number such as ``3½`` is refused (3 + 1/2 or 3*(1/2)?).
* Decimals are exact: ``0.1`` is 1/10.  ``1e-3`` (no spaces) is scientific
  notation; ``2e^x`` and ``2 e - 3`` use Euler's e.

Where the notation is ambiguous the parser asks instead of guessing:
``sinx`` (did you mean sin(x)?), ``xy`` (x*y?), ``x2`` (x^2, 2*x or x_2?),
``1/2 x`` ((1/2)*x or 1/(2*x)?), ``sin^-1(x)`` (asin(x) or 1/sin(x)?).
Derivative notation (``d/dx``, ``x'``) and function notation (``f(x)``) are
refused with an explanation, because they are not expressions.

Variables are SymPy symbols with ``real=True``; build matching symbols with
:func:`symbol` (a bare ``sympy.Symbol("x")`` is a different symbol).

>>> parse("3x^2 y^3")
3*x**2*y**3
>>> parse("e^-x sin 2x")
exp(-x)*sin(2*x)
>>> parse("sinx")
Traceback (most recent call last):
...
steepest.errors.ParseError: unknown name 'sinx': did you mean sin(x)? (at column 1)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sympy

from steepest.errors import ParseError
from steepest.symbolic.sizes import (
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_ROOT_DIGITS,
    MAX_TERMS,
    SizeModel,
)

MAX_LENGTH = 2000
"""Longest text accepted, in characters."""

MAX_DEPTH = 60
"""Deepest nesting of parentheses, bars, powers and signs."""

GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
GREEK_CAPITALS = [
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
]
GREEK_NAMES = frozenset(GREEK) | frozenset(GREEK_CAPITALS)

_GREEK_CHARACTERS = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "ρ": "rho", "σ": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Σ": "Sigma",
    "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega", "π": "pi",
}  # fmt: skip

_UNICODE_OPERATORS = {
    "−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/",
    "≤": "<=", "≥": ">=", "≠": "!=", "∞": "inf", "√": "sqrt", "⁄": "/",
}  # fmt: skip

# Vulgar fractions: ½ is read as (1/2), so ½x is x/2 and x^½ is sqrt(x).
_FRACTIONS = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5),
    "⅖": (2, 5), "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅐": (1, 7),
    "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8), "⅑": (1, 9), "⅒": (1, 10),
}  # fmt: skip

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
    "⁸": "8", "⁹": "9", "⁻": "-",
}  # fmt: skip

# One-argument functions: name -> SymPy constructor.
_UNARY: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "asin": sympy.asin,
    "acos": sympy.acos,
    "atan": sympy.atan,
    "asec": sympy.asec,
    "acsc": sympy.acsc,
    "acot": sympy.acot,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "arcsec": sympy.asec,
    "arccsc": sympy.acsc,
    "arccot": sympy.acot,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "sech": sympy.sech,
    "csch": sympy.csch,
    "coth": sympy.coth,
    "asinh": sympy.asinh,
    "acosh": sympy.acosh,
    "atanh": sympy.atanh,
    "arsinh": sympy.asinh,
    "arcosh": sympy.acosh,
    "artanh": sympy.atanh,
    "arcsinh": sympy.asinh,
    "arccosh": sympy.acosh,
    "arctanh": sympy.atanh,
    "exp": sympy.exp,
    "ln": sympy.log,
    "log": sympy.log,
    "log2": lambda u: sympy.log(u, 2),
    "log10": lambda u: sympy.log(u, 10),
    "sqrt": sympy.sqrt,
    "cbrt": lambda u: real_root(u, 3),
    "abs": sympy.Abs,
    "Abs": sympy.Abs,
    "sign": sympy.sign,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "ceiling": sympy.ceiling,
    "relu": lambda u: sympy.Max(u, 0),
    "sigmoid": lambda u: 1 / (1 + sympy.exp(-u)),
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
}


def real_root(u: sympy.Expr, n: int | sympy.Integer) -> sympy.Expr:
    """The real n-th root: for odd n it is real for negative u too (cbrt(-8) = -2).

    >>> real_root(sympy.Integer(-8), 3), real_root(sympy.Integer(16), 4)
    (-2, 2)
    """
    if int(n) % 2 == 0:
        return sympy.Pow(u, sympy.Rational(1, int(n)))
    return sympy.sign(u) * sympy.Abs(u) ** sympy.Rational(1, int(n))


_ROOTS = {"sqrt": sympy.Rational(1, 2), "cbrt": sympy.Rational(1, 3)}

# Functions whose arguments are a list: name -> (smallest, largest) count.
_MULTI_ARGUMENT = {
    "log": (1, 2),
    "root": (2, 2),
    "max": (2, 20),
    "min": (2, 20),
    "Piecewise": (1, 50),
    "piecewise": (1, 50),
}

FUNCTION_NAMES = frozenset(_UNARY) | frozenset(_MULTI_ARGUMENT)
"""Every function name the parser knows."""

_CONSTANTS: dict[str, sympy.Expr] = {
    "e": sympy.E,
    "pi": sympy.pi,
    "inf": sympy.oo,
    "oo": sympy.oo,
    "infinity": sympy.oo,
}

_INVERSES = {
    name: f"a{name}" for name in ("sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh")
}

_CONDITION_WORDS = {"True", "true", "otherwise", "False", "false", "and", "or", "not"}

_FUNCTION_NOTATION_LETTERS = {"f", "g", "h", "F", "G", "H"}

_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_DIGITS = "0123456789"
_DIGITS_SET = frozenset(_DIGITS)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SUBSCRIPTED = re.compile(r"([A-Za-z]+)_([A-Za-z0-9]+)")


@dataclass(frozen=True)
class WrittenDecimal:
    """A decimal as written: its exact value, half a unit of its last place, and its text.

    A decimal written to k places stands for any number that rounds to it:
    ``value`` plus or minus ``half`` (0.693147: 0.0000005; 1.5e-3: 0.00005).
    """

    value: sympy.Rational
    half: sympy.Rational
    text: str


_MARKING: ContextVar[dict[sympy.Symbol, WrittenDecimal] | None] = ContextVar(
    "steepest_marking_decimals", default=None
)


@contextmanager
def marking_decimals() -> Iterator[dict[sympy.Symbol, WrittenDecimal]]:
    """Within this block :func:`parse` reads each decimal as a symbol of its own.

    The dictionary it gives says what each symbol stands for, so that an
    answer can be judged to the places it writes (``2^x*0.693147`` for
    ``2^x*ln(2)``); integers stay integers.

    >>> with marking_decimals() as marks:
    ...     expr = parse("0.5x + 2")
    >>> [(m.text, m.value, m.half) for m in marks.values()]
    [('0.5', 1/2, 1/20)]
    >>> expr.xreplace({s: m.value for s, m in marks.items()})
    x/2 + 2
    """
    marks: dict[sympy.Symbol, WrittenDecimal] = {}
    token = _MARKING.set(marks)
    try:
        yield marks
    finally:
        _MARKING.reset(token)


def symbol(name: str) -> sympy.Symbol:
    """The SymPy symbol the parser uses for the variable ``name`` (a real symbol).

    >>> symbol("x") == parse("x")
    True
    """
    return sympy.Symbol(name, real=True)


def variable_sort_key(name: str) -> tuple[int, list[object]]:
    """Sort key giving the stable variable order: x, y, z, then alphabetical.

    Digits sort as numbers, so ``x_2`` comes before ``x_10``.

    >>> sorted(["b", "z", "x_10", "a", "x", "x_2", "y"], key=variable_sort_key)
    ['x', 'y', 'z', 'a', 'b', 'x_2', 'x_10']
    """
    first = {"x": 0, "y": 1, "z": 2}.get(name, 3)
    pieces: list[object] = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name) if p]
    return first, [(0, p) if isinstance(p, int) else (1, p) for p in pieces]


def variables(expr: sympy.Basic) -> tuple[sympy.Symbol, ...]:
    """The free symbols of ``expr`` in the stable order (x, y, z, then alphabetical).

    >>> variables(parse("a x^2 + z y"))
    (x, y, z, a)
    """
    return tuple(sorted(expr.free_symbols, key=lambda s: variable_sort_key(s.name)))  # type: ignore[attr-defined]


def is_variable_name(name: str) -> bool:
    """Whether ``name`` is read as a variable: one letter (not e), a Greek name, or x_1.

    >>> [is_variable_name(n) for n in ("x", "theta", "x_1", "e", "xy")]
    [True, True, True, False, False]
    """
    if len(name) == 1:
        return name.isascii() and name.isalpha() and name != "e"
    if name in GREEK_NAMES:
        return True
    match = _SUBSCRIPTED.fullmatch(name)
    return bool(match) and (len(match.group(1)) == 1 or match.group(1) in GREEK_NAMES)


@dataclass(frozen=True)
class Token:
    """One piece of the text: a number, a name, an operator, or the end."""

    kind: str  # "number", "name", "op", "end"
    text: str
    column: int  # 1-based
    space_before: bool = False


def _error(message: str, text: str, column: int | None) -> ParseError:
    return ParseError(message, text=text, column=column)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, refusing every character that is not math.

    >>> [t.text for t in tokenize("2x^2 + sin(x)")]
    ['2', 'x', '^', '2', '+', 'sin', '(', 'x', ')', '']
    """
    tokens: list[Token] = []
    position = 0
    length = len(text)
    space = False
    while position < length:
        char = text[position]
        column = position + 1
        if char.isspace():
            space = True
            position += 1
            continue
        if char in _DIGITS or (char == "." and text[position + 1 : position + 2] in _DIGITS_SET):
            match = _NUMBER.match(text, position)
            assert match is not None
            end = match.end()
            if text[end : end + 1] == ".":
                raise _error("a number cannot have a second decimal point", text, end + 1)
            if match.group(0).endswith("."):
                raise _error(
                    "a decimal point must be followed by digits (write 2.0 or 2)", text, end
                )
            tokens.append(Token("number", match.group(0), column, space))
            position = end
        elif char.isascii() and char.isalpha():
            match = _NAME.match(text, position)
            assert match is not None
            name = match.group(0)
            if "__" in name or name.endswith("_"):
                raise _error(
                    f"'{name}' is not a math name (underscores only mark subscripts, as in x_1)",
                    text,
                    column,
                )
            tokens.append(Token("name", name, column, space))
            position = match.end()
        elif char == "_":
            raise _error("names cannot start with '_'", text, column)
        elif char in _GREEK_CHARACTERS:
            tokens.append(Token("name", _GREEK_CHARACTERS[char], column, space))
            position += 1
        elif char in _SUPERSCRIPTS:
            start = position
            while position < length and text[position] in _SUPERSCRIPTS:
                position += 1
            digits = "".join(_SUPERSCRIPTS[c] for c in text[start:position])
            if not re.fullmatch(r"-?\d+", digits):
                raise _error("a superscript must be a whole number such as ² or ⁻¹", text, column)
            tokens.append(Token("op", "^", column, space))
            if digits.startswith("-"):
                tokens.append(Token("op", "-", column))
                digits = digits[1:]
            tokens.append(Token("number", digits, column))
        elif char in _FRACTIONS:
            tokens.extend(_fraction_tokens(text, position, tokens, space))
            position += 1
        elif char in _UNICODE_OPERATORS:
            replacement = _UNICODE_OPERATORS[char]
            kind = "name" if replacement.isalpha() else "op"
            tokens.append(Token(kind, replacement, column, space))
            position += 1
        else:
            two = text[position : position + 2]
            if two in ("**", "<=", ">=", "==", "!="):
                tokens.append(Token("op", "^" if two == "**" else two, column, space))
                position += 2
            elif char in "+-*/^(),|<>":
                tokens.append(Token("op", char, column, space))
                position += 1
            else:
                rest = text[position + 1 :]
                raise _error(_bad_character_message(char, tokens, rest), text, column)
        space = False
    tokens.append(Token("end", "", length + 1, space))
    return tokens


def _fraction_tokens(text: str, position: int, tokens: list[Token], space: bool) -> list[Token]:
    """The tokens ( n / d ) of the Unicode fraction at ``position``, or a question where
    a number or a factor is glued before it (3½: 3 + 1/2 or 3*(1/2)?)."""
    char, column = text[position], position + 1
    numerator, denominator = _FRACTIONS[char]
    if tokens and tokens[-1].kind == "number":  # 3½ and 3 ½ are mixed numbers
        whole = tokens[-1].text
        written = text[tokens[-1].column - 1 : position + 1]
        raise _error(
            f"'{written}' is ambiguous: write {whole} + {numerator}/{denominator} "
            f"for the mixed number, or {whole}*{numerator}/{denominator} for the product",
            text,
            column,
        )
    if tokens and not space and (tokens[-1].kind == "name" or tokens[-1].text == ")"):
        raise _error(
            f"a fraction right after {tokens[-1].text!r} is ambiguous (a product or a "
            f"power?): write it first, as in {char}x, or as a power, as in "
            f"x^({numerator}/{denominator})",
            text,
            column,
        )
    return [
        Token("op", "(", column, space),
        Token("number", str(numerator), column),
        Token("op", "/", column),
        Token("number", str(denominator), column),
        Token("op", ")", column),
    ]


def _bad_character_message(char: str, tokens: list[Token], rest: str = "") -> str:
    previous = tokens[-1] if tokens else None
    if char == "'" and previous is not None and (previous.kind == "name" or previous.text == ")"):
        return (
            "prime notation (x', f') asks for a derivative, it is not an expression: "
            "write the expression itself and differentiate it with derive()"
        )
    if char in "'\"`":
        return "quotes are not math: strings are not allowed"
    if char == ".":
        return "'.' is only allowed as a decimal point between digits (no attribute access)"
    if char == ";":
        return "';' is not math: write a single expression"
    if char == ":":
        return "':' is not math (no lambda, slices or dictionaries)"
    if char == "=":
        right = rest.strip().lstrip("=").strip()
        example = f"{_shorten(right)}" if right and "=" not in right else "x^2 instead of y = x^2"
        return (
            f"'=' makes an equation, not an expression: write only the right-hand side ({example})"
        )
    if char in "[]{}":
        return f"'{char}' is not used for grouping here: use parentheses ( )"
    if char == "!":
        return "'!' (factorial) is not supported"
    if char == "∂":
        return (
            "'∂' is derivative notation, not part of an expression: "
            "write the expression and choose the variable with derive(expr, wrt=...)"
        )
    if char == "\\":
        return "'\\' is not understood: write sqrt(x), not LaTeX such as \\sqrt{x}"
    return f"unexpected character {char!r}"


# Binding powers of the infix operators.
_SUM = 10
_PRODUCT = 20
_SIGN = 30
_POWER = 40
_COMPARISONS = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.abs_depth = 0
        self.sizes = SizeModel()

    # -- token helpers -------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def fail(self, message: str, token: Token | None = None) -> ParseError:
        token = token or self.token
        return _error(message, self.text, token.column)

    def expect(self, text: str, message: str) -> Token:
        if self.token.text != text:
            raise self.fail(message)
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")

    def leave(self) -> None:
        self.depth -= 1

    # -- entry -------------------------------------------------------------
    def parse(self) -> sympy.Expr:
        if self.token.kind == "end":
            raise self.fail("the expression is empty")
        expr = self.expression(0)
        token = self.token
        if token.kind != "end":
            if token.text in _COMPARISONS or token.text in ("==", "!="):
                raise self.fail(
                    "a comparison is not an expression; comparisons only appear as "
                    "conditions inside piecewise((value, condition), ...)"
                )
            if token.text == ")":
                raise self.fail("unmatched ')'")
            if token.kind == "name" and token.text in _CONDITION_WORDS:
                raise self.fail(
                    f"'{token.text}' only belongs in a Piecewise condition, "
                    "such as Piecewise((x^2, x < 1), (2x + 1, True))"
                )
            if token.text == ",":
                raise self.fail(
                    "unexpected ',': write one expression "
                    "(a comma only separates function arguments such as log(x, 2))"
                )
            raise self.fail(f"unexpected {token.text!r}")
        if not isinstance(expr, sympy.Expr):
            raise _error("the text is a condition, not an expression", self.text, 1)
        self.check_infinity_alone()
        return expr

    def check_infinity_alone(self) -> None:
        """Infinity is a value on its own (``inf``, ``-inf``: a limit, a point of one), never
        part of a larger expression: there it swallows the rest (``x + inf`` is ``inf``, a
        "function" with no variable) and every answer about it would be about something
        else than what was written."""
        words = [t for t in self.tokens if t.kind == "name" and _CONSTANTS.get(t.text) is sympy.oo]
        if not words:
            return
        others = [t for t in self.tokens if t.kind != "end" and t.text not in ("+", "-", "(", ")")]
        if len(others) > 1:
            raise self.fail(
                f"'{words[0].text}' (infinity) is not a number to compute with: it only stands "
                "alone, as a value such as a limit; for a limit at infinity write the "
                "expression without it and give the point as inf (steepest limit EXPR --at inf)",
                words[0],
            )

    # -- Pratt core ------------------------------------------------------
    def starts_operand(self, token: Token) -> bool:
        if token.kind in ("number", "name"):
            return token.text not in ("and", "or")
        return token.text in ("(", "|")

    def expression(self, right_binding: int) -> sympy.Expr:
        self.enter()
        try:
            start = self.token
            left = self.prefix()
            last_operator = ""
            while True:
                token = self.token
                if token.kind == "op" and token.text in ("+", "-") and right_binding < _SUM:
                    self.advance()
                    right = self.expression(_SUM)
                    if token.text == "+":
                        left = self.build(lambda a, b: a + b, left, right, token)
                    else:
                        left = self.build(lambda a, b: a - b, left, right, token)
                    last_operator = token.text
                elif token.kind == "op" and token.text in ("*", "/") and right_binding < _PRODUCT:
                    self.advance()
                    if self.token.kind == "op" and self.token.text in ("*", "/", "^"):
                        raise self.fail(f"{token.text!r} is followed by another operator")
                    right = self.expression(_PRODUCT)
                    if token.text == "/":
                        left = self.divide(left, right, token)
                    else:
                        left = self.build(lambda a, b: a * b, left, right, token)
                    last_operator = token.text
                elif token.kind == "op" and token.text == "^":
                    # Powers group to the right: x^2^3 is x^(2^3).
                    self.advance()
                    signed = self.token.kind == "op" and self.token.text == "-"
                    first = self.peek() if signed else self.token
                    if signed:
                        exponent = self.signed_exponent()
                    else:
                        exponent = self.expression(_POWER - 1)
                    self.refuse_glued_exponent(left, token, first, signed)
                    left = self.power(left, exponent, token)
                    last_operator = "^"
                elif right_binding < _PRODUCT and self.implicit_product_follows():
                    if last_operator == "/":
                        raise self.ambiguous_division(start, token)
                    right = self.expression(_PRODUCT)
                    left = self.build(lambda a, b: a * b, left, right, token)
                    last_operator = "implicit"
                else:
                    if right_binding >= _PRODUCT:
                        self.refuse_number_after_operand()
                    return left
        finally:
            self.leave()

    def ambiguous_division(self, start: Token, token: Token) -> ParseError:
        # Parse the factor that follows only to quote it in the question.
        before = self.text[start.column - 1 : token.column - 1].strip()
        try:
            self.expression(_PRODUCT)
            after = _shorten(self.text[token.column - 1 : self.token.column - 1])
        except ParseError:
            after = token.text
        slash = _last_top_level_slash(before)
        numerator, denominator = _shorten(before[:slash]), _shorten(before[slash + 1 :])
        before = _shorten(before)
        return self.fail(
            f"'{before} {after}' is ambiguous: did you mean ({before})*{after} or "
            f"{numerator}/({denominator}*{after})? Add parentheses",
            token,
        )

    def refuse_glued_exponent(
        self, base: sympy.Expr, caret: Token, first: Token, signed: bool
    ) -> None:
        # x^2y is x^2*y (a monomial), but e^-2x, e^2x and 2^3x are written by
        # people who mean e^(-2x): a number exponent glued to the factor after
        # it is a question when the exponent is signed or the base is a number.
        following = self.token
        # e^½x: the tokens ( 1 / 2 ) of one fraction character are glued the same way.
        fraction = (
            first.text == "("
            and self.text[first.column - 1 : first.column] in _FRACTIONS
            and self.tokens[self.index - 1].column == first.column
        )
        glued = (
            (fraction or (first.kind == "number" and self.tokens[self.index - 1] is first))
            and not following.space_before
            and (following.kind == "name" or following.text == "(")
        )
        if not glued or not (signed or base.is_number):
            return
        before = self.tokens[self.tokens.index(caret) - 1]
        base_text = before.text if before.kind in ("name", "number") else "(...)"
        sign = "-" if signed else ""
        factor = _shorten(self.quote_next_factor())
        exponent = self.text[first.column - 1] if fraction else first.text
        raise self.fail(
            f"'{base_text}^{sign}{exponent}{factor}' is ambiguous: did you mean "
            f"{base_text}^({sign}{exponent}{factor}) or "
            f"{base_text}^({sign}{exponent})*{factor}? Add parentheses",
            caret,
        )

    def signed_exponent(self) -> sympy.Expr:
        sign = self.advance()
        operand = self.expression(_POWER - 1)
        return self.build(lambda a, _: -a, operand, operand, sign)

    def refuse_number_after_operand(self) -> None:
        token = self.token
        if token.kind != "number":
            return
        previous = self.tokens[self.index - 1]
        if previous.kind == "number":
            raise self.fail(
                f"two numbers side by side: did you mean {previous.text}*{token.text} "
                f"or {previous.text}{token.text}?",
                token,
            )
        raise self.fail(
            f"a number right after {previous.text!r} is ambiguous: write the number first "
            f"({token.text}x) or use an operator (x*{token.text}, x^{token.text})",
            token,
        )

    def implicit_product_follows(self) -> bool:
        token = self.token
        if not self.starts_operand(token):
            return False
        if token.text == "|" and self.abs_depth > 0:
            return False  # a closing bar
        if token.kind == "number":
            self.refuse_number_after_operand()
        return not (token.kind == "name" and token.text in _CONDITION_WORDS)

    def prefix(self) -> sympy.Expr:
        token = self.token
        if token.kind == "number":
            self.advance()
            return self.number(token)
        if token.kind == "name":
            return self.name()
        if token.text == "-":
            self.advance()
            if self.token.text in ("+", "-") and self.token.kind == "op":
                raise self.fail("two signs in a row: use parentheses, e.g. -(-x)")
            operand = self.expression(_SIGN)
            return self.build(lambda a, _: -a, operand, operand, token)
        if token.text == "+":
            self.advance()
            if self.token.text in ("+", "-") and self.token.kind == "op":
                raise self.fail("two signs in a row: use parentheses, e.g. +(-x)")
            return self.expression(_SIGN)
        if token.text == "(":
            self.advance()
            if self.token.text == ")":
                raise self.fail("empty parentheses")
            inner = self.grouped(lambda: self.expression(0))
            if self.token.text == ",":
                raise self.fail("a list of values in parentheses is not an expression")
            self.expect(")", "missing ')'" if self.token.kind == "end" else "expected ')'")
            return inner
        if token.text == "|":
            return self.absolute_value()
        if token.kind == "end":
            raise self.fail("the expression ends too early")
        if token.text == ")":
            raise self.fail("unmatched ')'" if self.depth <= 1 else "expected an expression")
        raise self.fail(f"expected an expression, found {token.text!r}")

    def grouped(self, read: Callable[[], sympy.Basic]) -> sympy.Basic:
        # Inside parentheses a bar opens a new absolute value; it cannot close one
        # that was opened outside them.
        saved, self.abs_depth = self.abs_depth, 0
        try:
            return read()
        finally:
            self.abs_depth = saved

    def absolute_value(self) -> sympy.Expr:
        opening = self.advance()
        if self.token.text == "|" and self.peek().kind == "end":
            raise self.fail("empty absolute value bars")
        self.abs_depth += 1
        try:
            inner = self.expression(0)
        finally:
            self.abs_depth -= 1
        closing = self.token
        if closing.text != "|":
            raise self.fail("missing closing '|' for the absolute value", opening)
        # |2|x|-1| could be |2|*x*|-1| or |2*|x| - 1|: a closing bar that could
        # also open a nested one, with enough bars left to close both, is a question.
        following = self.peek()
        bars_left = sum(1 for t in self.tokens[self.index + 1 :] if t.text == "|")
        if (following.kind in ("number", "name") or following.text == "(") and bars_left >= 2:
            raise self.fail(
                "ambiguous absolute value bars: write nested absolute values with abs(...)",
                closing,
            )
        self.advance()
        return self.checked(sympy.Abs(inner), opening)

    # -- numbers, names and functions --------------------------------------
    def number(self, token: Token) -> sympy.Expr:
        match = _NUMBER.fullmatch(token.text)
        assert match is not None
        mantissa, exponent_text = match.group(1), match.group(2)
        whole, _, fraction = mantissa.partition(".")
        digits = (whole + fraction).lstrip("0")
        exponent = int(exponent_text) if exponent_text else 0
        if len(digits) > MAX_DIGITS or abs(exponent) > MAX_DIGITS:
            raise self.fail(f"numbers are limited to {MAX_DIGITS} digits", token)
        value = sympy.Rational(int(whole + fraction or "0"), 10 ** len(fraction))
        if exponent:
            value = value * sympy.Rational(10) ** exponent
        marks = _MARKING.get()
        if marks is not None and "." in mantissa:
            half = sympy.Rational(1, 2) * sympy.Rational(10) ** (exponent - len(fraction))
            mark = sympy.Dummy(f"decimal{len(marks)}", real=True)
            marks[mark] = WrittenDecimal(value, half, token.text)
            return mark
        return value

    def name(self) -> sympy.Expr:
        token = self.advance()
        name = token.text
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in FUNCTION_NAMES:
            return self.function(token, name)
        if name.startswith("log_"):
            return self.function(token, "log", base=self.log_base(token, name[4:]))
        if name in ("and", "or", "not", "True", "true", "False", "false", "otherwise"):
            raise self.fail(
                f"'{name}' only belongs in a Piecewise condition, "
                "such as Piecewise((x^2, x < 1), (2x + 1, True))",
                token,
            )
        if is_variable_name(name):
            if name in _FUNCTION_NOTATION_LETTERS and self.token.text == "(":
                raise self.fail(
                    f"{name}(...) is function notation, not an expression: write the formula "
                    f"itself (x^2 rather than {name}(x)), or {name}*(...) for a product",
                    token,
                )
            if (
                name == "d"
                and self.token.text == "/"
                and self.peek().kind == "name"
                and (self.peek().text.startswith("d"))
            ):
                raise self.fail(_derivative_notation_message(), token)
            if (
                self.token.text == "("
                and not self.token.space_before
                and self._parenthesized_symbols_follow()
            ):
                raise self.fail(
                    f"{name}(...) looks like function notation: to multiply, write "
                    f"{name}*(...); to use a formula, write the formula itself",
                    token,
                )
            return symbol(name)
        raise self.fail(_unknown_name_message(name), token)

    def _parenthesized_symbols_follow(self) -> bool:
        # name(a) or name(a, b): the shape of f(x), never a product anyone writes.
        offset = 1
        while True:
            item = self.peek(offset)
            if item.kind != "name" or not is_variable_name(item.text):
                return False
            after = self.peek(offset + 1)
            if after.text == ")":
                return True
            if after.text != ",":
                return False
            offset += 2

    def log_base(self, token: Token, base_text: str) -> sympy.Expr:
        if base_text.isdigit():
            base: sympy.Expr = sympy.Integer(int(base_text))
            if base in (0, 1):
                raise self.fail(f"a logarithm cannot have base {base_text}", token)
            return base
        if base_text == "e":
            return sympy.E
        if is_variable_name(base_text):
            return symbol(base_text)
        suggestion = re.match(r"(\d+|[A-Za-z])(.+)", base_text)
        hint = (
            f": did you mean log_{suggestion.group(1)}({suggestion.group(2)})?"
            if suggestion
            else ""
        )
        raise self.fail(f"unknown logarithm base '{base_text}'{hint}", token)

    def function(self, token: Token, name: str, base: sympy.Expr | None = None) -> sympy.Expr:
        power: int | None = None
        if self.token.text == "^":
            power = self.function_power(name)
        if name in ("Piecewise", "piecewise"):
            if self.token.text != "(":
                raise self.fail("Piecewise needs its pieces in parentheses", token)
            value = self.piecewise(token)
        elif self.token.text == "(":
            arguments = self.call_arguments(name)
            value = self.apply(token, name, arguments, base)
        else:
            if name in _MULTI_ARGUMENT and name not in _UNARY:
                raise self.fail(f"{name} needs its arguments in parentheses", token)
            if not self.starts_operand(self.token) and self.token.text != "-":
                raise self.fail(
                    f"{name} needs an argument, as in {name}(x)",
                    token if self.token.kind == "end" else None,
                )
            # √x/2 is quoted as written, not as sqrt x/2.
            written = "√" if self.text[token.column - 1] == "√" else f"{name} "
            argument = self.bare_argument(name, written)
            value = self.apply(token, name, [argument], base)
        if power is not None:
            value = self.power(value, sympy.Integer(power), token)
        return value

    def function_power(self, name: str) -> int:
        caret = self.advance()
        negative = False
        parenthesized = self.token.text == "("
        if parenthesized:
            self.advance()
        if self.token.text == "-":
            negative = True
            self.advance()
        token = self.token
        if negative and token.text == "1":
            inverse = _INVERSES.get(name)
            if inverse is None:
                raise self.fail(
                    f"{name}^-1 is ambiguous: did you mean the reciprocal 1/{name}(x)? "
                    f"Write {name}(x)^-1",
                    caret,
                )
            raise self.fail(
                f"{name}^-1 is ambiguous: did you mean the inverse function {inverse}(x) "
                f"or the reciprocal 1/{name}(x)? Write {inverse}(x) or {name}(x)^-1",
                caret,
            )
        if token.kind != "number" or not token.text.isdigit() or negative:
            raise self.fail(
                f"after {name}^ only a whole power such as {name}^2 x is understood; "
                f"write {name}(x)^n for other powers",
                caret,
            )
        self.advance()
        if parenthesized:
            self.expect(")", "expected ')'")
        return int(token.text)

    def call_arguments(self, name: str) -> list[sympy.Expr]:
        opening = self.advance()
        if self.token.text == ")":
            raise self.fail(f"{name}() needs an argument", opening)
        arguments = [self.grouped(lambda: self.expression(0))]
        while self.token.text == ",":
            self.advance()
            arguments.append(self.grouped(lambda: self.expression(0)))
        if self.token.text != ")":
            raise self.fail("missing ')'" if self.token.kind == "end" else "expected ')'")
        self.advance()
        return arguments

    def bare_argument(self, name: str, written: str) -> sympy.Expr:
        # sin 2x is sin(2x) and sin x cos x is sin(x) cos(x): the argument is a
        # numeric coefficient and one factor.  More than that (sin x y, sin x e^x)
        # or a division right after it (sin x/2) is a question, not a guess.
        self.enter()
        try:
            start = self.token
            factors = []
            if self.token.text == "-":
                sign = self.advance()
                operand = self.expression(_PRODUCT)
                factors.append(self.build(lambda a, _: -a, operand, operand, sign))
            else:
                factors.append(self.expression(_PRODUCT))
            while self.starts_operand(self.token) and not self.is_function_start(self.token):
                if self.token.text == "|" and self.abs_depth > 0:
                    break
                if self.token.text in _CONDITION_WORDS:
                    break
                if self.token.kind == "number":
                    self.refuse_number_after_operand()
                if any(f.free_symbols for f in factors):
                    argument = _shorten(self.text[start.column - 1 : self.token.column - 1])
                    following = _shorten(self.quote_next_factor())
                    raise self.fail(
                        f"'{written}{argument} {following}' is ambiguous: "
                        "did you mean "
                        f"{name}({argument})*{following} or {name}({argument}*{following})? "
                        "Use parentheses"
                    )
                factors.append(self.expression(_PRODUCT))
            if self.token.text == "/" and not self.is_function_start(self.peek()):
                argument = _shorten(self.text[start.column - 1 : self.token.column - 1])
                following = self.peek().text or "..."
                raise self.fail(
                    f"'{written}{argument}/{following}' is ambiguous: did you mean "
                    f"{name}({argument})/{following} or {name}({argument}/{following})? "
                    "Use parentheses"
                )
            return sympy.Mul(*factors)
        finally:
            self.leave()

    def quote_next_factor(self) -> str:
        """The text of the factor that starts here, to quote it in a question."""
        saved, first = self.index, self.token
        try:
            self.expression(_PRODUCT)
        except ParseError:
            self.index = saved
            return first.text
        end, self.index = self.token, saved
        return self.text[first.column - 1 : end.column - 1].strip()

    def is_function_start(self, token: Token) -> bool:
        return token.kind == "name" and (
            token.text in FUNCTION_NAMES or token.text.startswith("log_")
        )

    def apply(
        self, token: Token, name: str, arguments: list[sympy.Expr], base: sympy.Expr | None
    ) -> sympy.Expr:
        low, high = _MULTI_ARGUMENT.get(name, (1, 1))
        if not low <= len(arguments) <= high:
            expected = str(low) if low == high else (
                f"{low} or {high}" if high == low + 1 else f"{low} to {high}")
            raise self.fail(
                f"{name} takes {expected} argument{'s' if high > 1 else ''}, not {len(arguments)}",
                token,
            )
        for argument in arguments:
            if not isinstance(argument, sympy.Expr):
                raise self.fail(f"the argument of {name} must be an expression", token)
        if name == "log" and (len(arguments) == 2 or base is not None):
            if base is not None and len(arguments) == 2:
                raise self.fail("give the base of the logarithm once", token)
            log_base = base if base is not None else arguments[1]
            if log_base in (0, 1) or log_base.is_nonpositive:
                raise self.fail("the base of a logarithm must be positive and not 1", token)
            value = sympy.log(arguments[0]) / sympy.log(log_base)
        elif name == "root":
            degree = arguments[1]
            if degree == 0:
                raise self.fail("root(x, 0) is not defined", token)
            if degree.is_Integer and degree > 0:
                self.refuse_size(self.sizes.refuse_power(arguments[0], 1 / degree), token)
                value = real_root(arguments[0], degree)
            else:
                value = self.power(arguments[0], 1 / degree, token)
        elif name in ("max", "min"):
            value = (sympy.Max if name == "max" else sympy.Min)(*arguments)
        else:
            if name in _ROOTS:
                # SymPy takes roots of exact numbers at once, by factoring them.
                self.refuse_size(self.sizes.refuse_power(arguments[0], _ROOTS[name]), token)
            value = _UNARY[name](arguments[0])
        return self.checked(value, token)

    def piecewise(self, token: Token) -> sympy.Expr:
        self.advance()  # "("
        pieces: list[tuple[sympy.Expr, sympy.Basic]] = []
        while True:
            start = self.token
            if start.text != "(":
                raise self.fail("each piece of a Piecewise is written (value, condition)")
            self.advance()
            value = self.grouped(lambda: self.expression(0))
            if self.token.text != ",":
                raise self.fail("expected ',' between the value and the condition of a piece")
            self.advance()
            condition = self.grouped(self.condition)
            self.expect(")", "expected ')' after the condition of a piece")
            pieces.append((value, condition))
            if self.token.text == ",":
                self.advance()
                continue
            self.expect(")", "expected ')' to close Piecewise")
            break
        try:
            result = sympy.Piecewise(*pieces)
        except (TypeError, ValueError) as exc:
            raise self.fail(
                f"these pieces do not form a piecewise function ({exc})", token
            ) from None
        return self.checked(result, token)

    # -- conditions (only inside Piecewise) --------------------------------
    def condition(self) -> sympy.Basic:
        self.enter()
        try:
            left = self.conjunction()
            while self.token.text == "or":
                self.advance()
                left = sympy.Or(left, self.conjunction())
            return left
        finally:
            self.leave()

    def conjunction(self) -> sympy.Basic:
        left = self.negation()
        while self.token.text == "and":
            self.advance()
            left = sympy.And(left, self.negation())
        return left

    def negation(self) -> sympy.Basic:
        token = self.token
        if token.text == "not":
            self.advance()
            return sympy.Not(self.negation())
        if token.text in ("True", "true", "otherwise"):
            self.advance()
            return sympy.true
        if token.text in ("False", "false"):
            self.advance()
            return sympy.false
        left = self.expression(0)
        comparisons = []
        while self.token.text in _COMPARISONS or self.token.text in ("==", "!="):
            operator = self.advance()
            right = self.expression(0)
            if operator.text == "==":
                comparisons.append(sympy.Eq(left, right))
            elif operator.text == "!=":
                comparisons.append(sympy.Ne(left, right))
            else:
                comparisons.append(_COMPARISONS[operator.text](left, right))
            left = right
        if not comparisons:
            raise self.fail("expected a condition such as x < 1, or True", token)
        return sympy.And(*comparisons)

    # -- building SymPy objects safely -------------------------------------
    def build(
        self,
        operation: Callable[[sympy.Expr, sympy.Expr], sympy.Expr],
        left: sympy.Expr,
        right: sympy.Expr,
        token: Token,
    ) -> sympy.Expr:
        for operand in (left, right):
            if not isinstance(operand, sympy.Expr):
                raise self.fail("a condition cannot be used in arithmetic", token)
        return self.checked(operation(left, right), token)

    def divide(self, left: sympy.Expr, right: sympy.Expr, token: Token) -> sympy.Expr:
        if right == 0:
            raise self.fail("division by zero", token)
        return self.build(lambda a, b: a / b, left, right, token)

    def power(self, base: sympy.Expr, exponent: sympy.Expr, token: Token) -> sympy.Expr:
        for operand in (base, exponent):
            if not isinstance(operand, sympy.Expr):
                raise self.fail("a condition cannot be used in arithmetic", token)
        self.refuse_size(self.sizes.refuse_power(base, exponent), token)
        if base.is_number and base.is_nonpositive and exponent.free_symbols:
            why = (
                "0^x is 0 for x > 0 and undefined otherwise"
                if base == 0
                else "(-2)^(1/2) is not real"
            )
            raise self.fail(
                f"a power of {'0' if base == 0 else 'a negative number'} with a variable "
                f"exponent is not a real function ({why}); write the values you mean, "
                "e.g. with piecewise",
                token,
            )
        if base.is_number and base.is_negative and exponent.is_Rational and exponent.q % 2:
            # (-8)^(1/3) is the real cube root, -2, as cbrt(-8) is.
            magnitude = sympy.Pow(-base, exponent)
            return self.checked(-magnitude if exponent.p % 2 else magnitude, token)
        return self.checked(sympy.Pow(base, exponent), token)

    def checked(self, value: sympy.Basic, token: Token) -> sympy.Expr:
        if value.has(sympy.zoo, sympy.nan):
            raise self.fail(
                "the expression has an undefined value here (such as 1/0 or log(0))", token
            )
        if value.has(sympy.I):
            raise self.fail(
                "the expression has an imaginary value here (such as sqrt(-1)); "
                "steepest works with real numbers (for the real cube root of a negative "
                "number write cbrt(-8) or root(-8, 3))",
                token,
            )
        self.refuse_size(self.sizes.refuse(value), token)
        return value  # type: ignore[return-value]

    def refuse_size(self, reason: str | None, token: Token) -> None:
        """Refuse, with the limit and why, what the size model says is too large."""
        if reason is not None:
            raise self.fail(reason, token)


def _derivative_notation_message() -> str:
    return (
        "d/dx is an instruction, not part of an expression: write the expression alone "
        "and choose the variable with derive(expr, wrt='x') or `steepest diff EXPR --wrt x`"
    )


_KNOWN_WORDS = sorted(set(FUNCTION_NAMES) | set(GREEK_NAMES) | {"pi", "inf"}, key=len, reverse=True)


def _split_name(name: str) -> list[str]:
    """Greedy split of an unknown name into known words and single letters."""
    pieces: list[str] = []
    position = 0
    while position < len(name):
        for word in _KNOWN_WORDS:
            if name.startswith(word, position) and len(word) > 1:
                pieces.append(word)
                position += len(word)
                break
        else:
            match = re.match(r"\d+|.", name[position:])
            assert match is not None
            pieces.append(match.group(0))
            position += len(match.group(0))
    return pieces


def _shorten(fragment: str, limit: int = 40) -> str:
    """A piece of the user's text short enough to quote in a message."""
    fragment = fragment.strip()
    return fragment if len(fragment) <= limit else fragment[: limit - 3] + "..."


def _last_top_level_slash(text: str) -> int:
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
        elif char in "/⁄÷" and depth == 0:
            return index
    return len(text)


def _suggest(pieces: list[str]) -> str:
    """Turn pieces of a run-together name into the reading it most likely meant."""
    parts: list[str] = []
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        if piece in FUNCTION_NAMES and index + 1 < len(pieces):
            argument: list[str] = []
            index += 1
            while index < len(pieces) and pieces[index] not in FUNCTION_NAMES:
                argument.append(pieces[index])
                index += 1
            if not argument:  # a function name right after another: sincosx
                inner = _suggest(pieces[index:])
                index = len(pieces)
            elif argument[0].isdigit():
                inner = argument[0] + "*".join(argument[1:])
            else:
                inner = "*".join(argument)
            parts.append(f"{piece}({inner})")
        else:
            parts.append(piece)
            index += 1
    return "*".join(parts)


# What other programs call a value that is not a number (SymPy's zoo and nan).
_UNDEFINED_NAMES = {"zoo", "nan", "undefined", "complexinfinity"}


def _unknown_name_message(name: str) -> str:
    if len(name) > 24:
        return f"unknown name '{name[:20]}...': names are single letters, Greek names or x_1"
    if re.fullmatch(r"d[A-Za-z]+", name) and (len(name) == 2 or name[1:] in GREEK_NAMES):
        return f"'{name}' looks like derivative notation. " + _derivative_notation_message()
    if name.lower() in _UNDEFINED_NAMES:
        return (
            f"'{name}' is not a number steepest reads: an undefined value (such as 1/0) "
            "cannot be computed with; write the expression that leads to it, and ask for "
            "its limit (steepest limit \"1/x\" --at 0)"
        )
    if name in ("lim", "limit"):
        return "limits are not written inside an expression: use steepest.symbolic.limit()"
    if name in ("diff", "derivative", "integrate", "int", "integral", "sum"):
        return f"'{name}' is not a function steepest parses: write the expression itself"
    numbered = re.fullmatch(r"([A-Za-z]|" + "|".join(sorted(GREEK_NAMES)) + r")(\d+)", name)
    if numbered and numbered.group(1) != "e":
        letter, digits = numbered.groups()
        return (
            f"unknown name '{name}': did you mean {letter}^{digits}, {digits}*{letter} "
            f"or the subscripted variable {letter}_{digits}?"
        )
    pieces = _split_name(name)
    functions = [p for p in pieces if p in FUNCTION_NAMES]
    readable = not any(p in _MULTI_ARGUMENT and p not in _UNARY for p in functions)
    if readable and len(pieces) > 1 and pieces[-1] in FUNCTION_NAMES:
        # sinsin, xsin: a function name with nothing left for its argument.
        example = "(".join(functions) + "(x" + ")" * len(functions)
        return (
            f"unknown name '{name}': the names {', '.join(pieces)} run together and "
            f"the last, {pieces[-1]}, has no argument; write each function with its "
            f"argument in parentheses, as in {example}"
        )
    if readable and 1 < len(pieces) <= 8 and (
        len(name) <= 3 or any(len(p) > 1 for p in pieces)
    ):
        extra = f" or e^{pieces[1]}" if pieces[0] == "e" and len(pieces) == 2 else ""
        return f"unknown name '{name}': did you mean {_suggest(pieces)}{extra}?"
    return (
        f"unknown name '{name}': variables are single letters (x, y, t), Greek letter "
        "names (theta) or subscripted (x_1); functions are sin, cos, tan, exp, ln, log, "
        "sqrt, abs, ..."
    )


def parse(text: str | sympy.Expr | int | float) -> sympy.Expr:
    """Read a math expression written in learner notation into a SymPy expression.

    Accepts a SymPy expression (returned unchanged) or a Python number too.
    Raises :class:`steepest.ParseError` naming what is wrong and the column.

    >>> parse("x^2/(x+1)")
    x**2/(x + 1)
    >>> parse("log_2(x)")
    log(x)/log(2)
    >>> parse("|x - 1| + sin(x)^2")
    sin(x)**2 + Abs(x - 1)
    >>> parse("x; import os")
    Traceback (most recent call last):
    ...
    steepest.errors.ParseError: ';' is not math: write a single expression (at column 2)
    """
    if isinstance(text, sympy.Expr):
        return text
    if isinstance(text, bool):
        raise ParseError("True/False is not a math expression", text=str(text))
    if isinstance(text, int):
        return sympy.Integer(text)
    if isinstance(text, float):
        return sympy.Float(text)
    if not isinstance(text, str):
        raise ParseError(
            f"expected the text of an expression, not a {type(text).__name__}", text=None
        )
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
            text=text[:80],
        )
    return _Parser(text).parse()


def parse_function(text: str | sympy.Expr | int | float) -> sympy.Expr:
    """:func:`parse` for an expression taken as a function: infinity on its own is a value
    (a limit, the point of one), not a function to differentiate, minimize or plot.

    >>> parse_function("x^2 + 1")
    x**2 + 1
    >>> parse_function("-inf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    steepest.errors.ParseError: -inf is infinity, not a function of a variable: ...
    """
    expr = parse(text)
    if expr in (sympy.oo, -sympy.oo):
        raise ParseError(
            f"{'-' if expr == -sympy.oo else ''}inf is infinity, not a function of a variable: "
            "for a limit at infinity give the point as inf (steepest limit EXPR --at inf)",
            text=None)
    return expr


__all__ = [
    "FUNCTION_NAMES",
    "GREEK_NAMES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_ROOT_DIGITS",
    "MAX_TERMS",
    "Token",
    "WrittenDecimal",
    "is_variable_name",
    "marking_decimals",
    "parse",
    "parse_function",
    "symbol",
    "tokenize",
    "variable_sort_key",
    "variables",
]
