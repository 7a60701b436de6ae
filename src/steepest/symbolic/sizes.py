"""The cost of an expression, estimated before SymPy does the work.

SymPy evaluates exact arithmetic as soon as an expression is built:
``sqrt(3)^(10^8)`` becomes ``3^50000000`` (a number of 24 million digits)
the moment the power is formed, and ``(2 pi)^(10^8)`` becomes
``2^100000000 * pi^100000000``.  The parser therefore asks this model about
every power *before* building it, and about every other node right after,
and refuses what is too large with one sentence naming the limit:

* **digits**: an upper estimate of the decimal digits of the exact numbers
  in an expression (integers, fractions, radicals, constants such as pi and e,
  their sums, products and powers, nested powers), computed from the sizes of
  the pieces, never by computing them exactly;
* **terms**: how many terms the full expansion of a polynomial would have
  (a sum of ``t`` terms to the power ``n`` has ``C(t + n - 1, n)``), because
  simplification expands;
* **nodes**: the size of the expression tree;
* **roots**: a root of an exact number is taken by factoring it, so the
  number under a root is limited in digits.

>>> model = SizeModel()
>>> import sympy
>>> x, y = sympy.symbols("x y")
>>> round(model.power_digits(sympy.sqrt(3), sympy.Integer(10**8)))
23856063
>>> model.terms((x + y) ** 3)
4.0
>>> model.nodes(x + 2 * y)
5
"""

from __future__ import annotations

import math

import sympy

MAX_DIGITS = 1000
"""Largest number of decimal digits an exact number may have (estimated before it is computed)."""

MAX_EXPONENT = 1000
"""Largest integer exponent (numerator or denominator) on a base that is not a number."""

MAX_TERMS = 10_000
"""Most terms the full expansion of an expression may have ((x+y)^2 has 3)."""

MAX_NODES = 10_000
"""Most nodes (numbers, variables, operations) an expression tree may have."""

MAX_ROOT_DIGITS = 300
"""Most digits of an exact number under a root (roots are found by factoring)."""

_LOG10_2 = math.log10(2)
# Digits charged for a constant: log10 of its size (pi^1000 has 497 digits before the point).
_CONSTANT_DIGITS = {sympy.pi: math.log10(math.pi), sympy.E: math.log10(math.e)}


def _rational_digits(number: sympy.Rational) -> float:
    return math.log10(max(abs(int(number.p)), int(number.q), 1))


def _log10_size(exponent: sympy.Rational) -> float:
    """log10 of |p/q| for a rational exponent that is not zero."""
    return math.log10(abs(int(exponent.p))) - math.log10(int(exponent.q))


def _log10_abs(number: sympy.Basic, digits: float) -> float:
    """log10 of the size of a number that is not rational, from 15 significant digits.

    Falls back on ``digits`` (an upper bound) when the value cannot be had.
    """
    try:
        value = number.evalf(15)
    except Exception:  # any failure of the estimate falls back on the bound
        return digits
    if not isinstance(value, sympy.Float) or not value.is_finite:
        return digits
    if value == 0:
        return -math.inf
    return float(sympy.log(abs(value), 10).evalf(15))


def _scaled(digits: float, log10_factor: float) -> float:
    """``digits * 10**log10_factor`` without overflow (inf when it is astronomically large)."""
    if digits == 0 or log10_factor == -math.inf:
        return 0.0
    total = math.log10(digits) + log10_factor
    return math.inf if total > 300 else 10.0**total


def _multinomial_terms(terms: float, power: float) -> float:
    """Terms of ``(t1 + ... + tk)^n``: C(k + n - 1, n), as a float (inf when huge)."""
    if terms <= 1 or power < 1:
        return 1.0
    if math.isinf(terms) or math.isinf(power):
        return math.inf
    log_count = math.lgamma(terms + power) - math.lgamma(power + 1) - math.lgamma(terms)
    return math.inf if log_count > 700 else math.exp(log_count)


def _leaf_size(expr: sympy.Basic) -> tuple[bool, float, float, int]:
    """(is a number, digits, expansion terms, nodes) of a node without arguments."""
    if isinstance(expr, sympy.Rational):
        return True, _rational_digits(expr), 1.0, 1
    if isinstance(expr, sympy.Float):
        return True, float(expr._prec) * _LOG10_2, 1.0, 1
    if isinstance(expr, sympy.NumberSymbol | sympy.core.numbers.ImaginaryUnit):
        return True, _CONSTANT_DIGITS.get(expr, 0.5), 1.0, 1
    return bool(getattr(expr, "is_number", False)), 0.0, 1.0, 1


class SizeModel:
    """Digits, expansion terms and tree nodes of SymPy expressions, remembered per node.

    One model serves one parse: every node is measured once, so checking each
    new node costs only its own new parts.

    >>> import sympy
    >>> model = SizeModel()
    >>> round(model.digits(sympy.Integer(2) ** 100))
    30
    """

    def __init__(self) -> None:
        self._sizes: dict[sympy.Basic, tuple[bool, float, float, int]] = {}

    def _measure(self, expr: sympy.Basic) -> tuple[bool, float, float, int]:
        """(is a number, digits, expansion terms, nodes) of ``expr``, walked with a stack."""
        known = self._sizes.get(expr)
        if known is not None:
            return known
        stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
        while stack:
            node, children_done = stack.pop()
            if node in self._sizes:
                continue
            if not node.args:
                self._sizes[node] = _leaf_size(node)
            elif children_done:
                parts = [self._sizes[arg] for arg in node.args]
                self._sizes[node] = self._combine(node, parts)
            else:
                stack.append((node, True))
                stack.extend((arg, False) for arg in node.args if arg not in self._sizes)
        return self._sizes[expr]

    def _combine(
        self, expr: sympy.Basic, parts: list[tuple[bool, float, float, int]]
    ) -> tuple[bool, float, float, int]:
        number = all(part[0] for part in parts)
        nodes = 1 + sum(part[3] for part in parts)
        if isinstance(expr, sympy.Pow):
            digits = self.power_digits(expr.base, expr.exp)
            return number, digits, self.power_terms(expr.base, expr.exp), nodes
        if isinstance(expr, sympy.exp):
            return number, self.power_digits(sympy.E, expr.args[0]), 1.0, nodes
        if isinstance(expr, sympy.Add):
            terms = sum(part[2] for part in parts)
        elif isinstance(expr, sympy.Mul):
            terms = math.prod(part[2] for part in parts)
        else:
            terms = 1.0  # a function: its argument is expanded on its own
        if number and isinstance(expr, sympy.Add | sympy.Mul):
            digits = sum(part[1] for part in parts)  # exact numbers combine
        else:
            digits = max(part[1] for part in parts)
        return number, digits, terms, nodes

    def digits(self, expr: sympy.Basic) -> float:
        """Estimated decimal digits of the exact numbers in ``expr``.

        >>> import sympy
        >>> SizeModel().digits(sympy.Rational(1, 1000))
        3.0
        """
        return self._measure(expr)[1]

    def terms(self, expr: sympy.Basic) -> float:
        """Estimated number of terms of ``expr`` fully expanded.

        >>> import sympy
        >>> a, b, c = sympy.symbols("a b c")
        >>> SizeModel().terms((a + b + c) ** 2 * (a + 1))
        12.0
        """
        return self._measure(expr)[2]

    def nodes(self, expr: sympy.Basic) -> int:
        """Number of nodes of the expression tree of ``expr``.

        >>> import sympy
        >>> SizeModel().nodes(sympy.sin(sympy.Symbol("x")))
        2
        """
        return self._measure(expr)[3]

    def is_number(self, expr: sympy.Basic) -> bool:
        """Whether ``expr`` has no variables (``2 sqrt(3) pi`` is a number).

        >>> import sympy
        >>> SizeModel().is_number(2 * sympy.sqrt(3) * sympy.pi)
        True
        """
        return self._measure(expr)[0]

    def power_digits(self, base: sympy.Basic, exponent: sympy.Basic) -> float:
        """Estimated digits of the numbers in ``base^exponent``, without forming it.

        A rational exponent multiplies the digits of the base by its size;
        a number exponent that is not rational (``2^(pi 10^8)``) by the
        largest value it could have; a variable exponent leaves them.

        >>> import sympy
        >>> round(SizeModel().power_digits(sympy.Integer(9), sympy.Integer(9**9)))
        369693100
        """
        _, base_digits, _, _ = self._measure(base)
        exponent_number, exponent_digits, _, _ = self._measure(exponent)
        if isinstance(exponent, sympy.Rational):
            if exponent == 0 or base_digits == 0:
                return base_digits
            return _scaled(base_digits, _log10_size(exponent))
        if exponent_number:
            # digits(base) * |exponent|, with |exponent| from a low-precision value.
            return max(_scaled(base_digits, _log10_abs(exponent, exponent_digits)), exponent_digits)
        return max(base_digits, exponent_digits)

    def power_terms(self, base: sympy.Basic, exponent: sympy.Basic) -> float:
        """Terms of ``base^exponent`` expanded (a negative power expands its denominator).

        >>> import sympy
        >>> x, y, z = sympy.symbols("x y z")
        >>> SizeModel().power_terms(x + y + z, sympy.Integer(2))
        6.0
        """
        if not isinstance(exponent, sympy.Rational):
            return 1.0
        numerator = abs(int(exponent.p))
        power = math.inf if numerator.bit_length() > 1000 else float(numerator // int(exponent.q))
        return _multinomial_terms(self._measure(base)[2], power)

    def refuse_power(self, base: sympy.Basic, exponent: sympy.Basic) -> str | None:
        """Why ``base^exponent`` must not be formed, or None when it may.

        >>> import sympy
        >>> print(SizeModel().refuse_power(sympy.sqrt(2), sympy.Integer(10) ** 999))
        the number sqrt(2)^(10^999) would have more than 10^300 digits; exact numbers are
        limited to 1000 digits
        """
        number = self.is_number(base)
        if isinstance(exponent, sympy.Rational):
            numerator, denominator = abs(int(exponent.p)), int(exponent.q)
            if not number and max(numerator, denominator) > MAX_EXPONENT:
                return f"exponents are limited to {MAX_EXPONENT} in size on a variable"
            if denominator > 1 and number and self.digits(base) > MAX_ROOT_DIGITS:
                return (
                    f"a root of a number of {_magnitude(self.digits(base))} digits; roots "
                    f"are taken of exact numbers of at most {MAX_ROOT_DIGITS} digits"
                )
        digits = self.power_digits(base, exponent)
        if digits > MAX_DIGITS:
            what = "the number" if number else "the numbers in"
            return (
                f"{what} {_operand(base)}^{_operand(exponent)} would have "
                f"{_magnitude(digits)} digits; exact numbers are limited to {MAX_DIGITS} digits"
            )
        terms = self.power_terms(base, exponent)
        if terms > MAX_TERMS:
            return _terms_message(f"{_operand(base)}^{_operand(exponent)}", terms)
        return None

    def refuse(self, expr: sympy.Basic) -> str | None:
        """Why the built expression ``expr`` is too large, or None.

        >>> import sympy
        >>> SizeModel().refuse(sympy.Integer(10) ** 1200)
        'a number in 10^1200 would have about 1200 digits; exact numbers are limited to 1000 digits'
        """
        _, digits, terms, nodes = self._measure(expr)
        for node in (expr, *expr.args):
            if isinstance(node, sympy.Pow) and not self.is_number(node.base):
                reason = self.refuse_power(node.base, node.exp)
                if reason is not None:
                    return reason
        if digits > MAX_DIGITS:
            return (
                f"a number in {_short(expr)} would have {_magnitude(digits)} digits; "
                f"exact numbers are limited to {MAX_DIGITS} digits"
            )
        if terms > MAX_TERMS:
            return _terms_message(_short(expr), terms)
        if nodes > MAX_NODES:
            return (
                f"the expression has {nodes} parts; expressions are limited to {MAX_NODES} "
                "parts (numbers, variables and operations)"
            )
        return None


def _terms_message(what: str, terms: float) -> str:
    return (
        f"{what} expands to {_magnitude(terms)} terms; expansions are limited to "
        f"{MAX_TERMS} terms (keep the power of a sum small, or use fewer terms)"
    )


def _magnitude(value: float) -> str:
    """``1200`` -> 'about 1200', ``3e9`` -> 'about 10^9', inf -> 'more than 10^300'."""
    if math.isinf(value):
        return "more than 10^300"
    if value < 1e6:
        return f"about {value:.0f}"
    return f"about 10^{math.floor(math.log10(value))}"


def _short(expr: sympy.Basic, limit: int = 30) -> str:
    """A short text for ``expr`` in messages, without printing huge numbers."""
    if isinstance(expr, sympy.Integer) and abs(int(expr.p)) >= 10**6:
        written = str(abs(int(expr.p)))
        sign = "-" if expr.p < 0 else ""
        if written.rstrip("0") == "1":
            return f"{sign}10^{len(written) - 1}"
        if len(written) > 20:
            return f"a {len(written)}-digit number"
    text = "e" if expr == sympy.E else str(expr).replace("**", "^")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _operand(expr: sympy.Basic) -> str:
    """``_short(expr)``, in parentheses unless it is a single number, name or call."""
    text = _short(expr)
    simple = (expr.is_Atom and not isinstance(expr, sympy.Rational)) or expr.is_Integer
    simple = simple or isinstance(expr, sympy.Function) or (
        isinstance(expr, sympy.Pow) and expr.exp == sympy.Rational(1, 2)
    )
    if simple and not text.startswith(("-", "a ")) and "^" not in text:
        return text
    return f"({text})"


__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_NODES",
    "MAX_ROOT_DIGITS",
    "MAX_TERMS",
    "SizeModel",
]
