"""Decimals in an answer count to the places written: one rule for every kind of answer.

A decimal written to k places stands for any number that rounds to it
(0.693147 for ln(2) = 0.69314718...; 1.5e-3 to the places of its mantissa,
so within 0.00005).  An answer with decimals is right when choosing such a
number for each decimal, the same wherever the answer is evaluated, makes
it exactly the right answer: ``2^x*0.693147`` for ``2^x*ln(2)``,
``4*0.693147`` or ``0.5403`` for a value, ``2.718^2`` for e^2.  A decimal
that is wrong in a written digit stays wrong (``2^x*0.6932``, ``0.52`` for
cos(1) = 0.5403), and each decimal is held to its own places, not to those
of the shortest decimal elsewhere in the answer.

>>> from steepest.symbolic import parse
>>> written = read_marked(parse, "2^x*0.693147")
>>> fit = expression_fits(written, parse("2^x*ln(2)"))
>>> fit is not None and fit.named
(('0.693147', 'ln(2)'),)
>>> number_fits(read_marked(parse, "0.5403"), sympy.cos(1))
True
>>> number_fits(read_marked(parse, "0.52"), sympy.cos(1))
False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from steepest.errors import TimeLimitError
from steepest.practice.equivalence import (
    MIN_POINTS,
    close,
    compare,
    evaluate,
    free_variables,
    sample_points,
)
from steepest.symbolic.parser import WrittenDecimal, marking_decimals
from steepest.symbolic.printing import text_form
from steepest.symbolic.timed import timed

_FIT_RTOL = 1e-9  # agreement, once the decimals are fitted, in double precision
_STRICT_DIGITS = 45


@dataclass(frozen=True)
class Written:
    """An answer as read, with each decimal a symbol of its own.

    ``value`` is what the reader gave (an expression, a tuple of them, a
    list of points...) with the decimals as symbols; ``decimals`` says what
    each symbol stands for.
    """

    value: Any
    decimals: dict[sympy.Symbol, WrittenDecimal]

    def exact(self, part: Any = None) -> Any:
        """``part`` (or the whole answer) with each decimal its written value."""
        values = {s: d.value for s, d in self.decimals.items()}
        return _replace(self.value if part is None else part, values)


def _replace(obj: Any, values: dict[sympy.Symbol, sympy.Expr]) -> Any:
    if isinstance(obj, sympy.Basic):
        return obj.xreplace(values)
    if isinstance(obj, tuple):
        return tuple(_replace(o, values) for o in obj)
    if isinstance(obj, list):
        return [_replace(o, values) for o in obj]
    return obj


def read_marked(read: Callable[[str], Any], text: str) -> Written:
    """``read(text)`` with each decimal a symbol; a plain reading where that changes it.

    The reader (:func:`~steepest.symbolic.parse` or one built on it) is run
    twice, plainly and marking decimals; where the marked reading with the
    written values put back is not the plain one (a form the reader treats
    differently for a symbol), the plain reading is given, with no decimals.

    >>> from steepest.symbolic import parse
    >>> w = read_marked(parse, "0.5x")
    >>> [d.text for d in w.decimals.values()], w.exact()
    (['0.5'], x/2)
    """
    plain = read(text)
    if "." not in text:
        return Written(plain, {})
    try:
        with marking_decimals() as marks:
            value = read(text)
    except Exception:  # any reading the marks upset: the plain one stands
        return Written(plain, {})
    written = Written(value, dict(marks))
    try:
        same = written.exact() == plain
    except (TypeError, ValueError):
        same = False
    return written if same else Written(plain, {})


def numbers_equal(mine: sympy.Expr, right: sympy.Expr) -> bool | None:
    """Whether two numbers are equal: SymPy's verdict on the difference where it has
    one (``1e-100`` is not ``0``), else to 45 significant digits; None: not real numbers.

    >>> numbers_equal(sympy.sqrt(2) ** 2, sympy.Integer(2)), numbers_equal(sympy.Integer(1), 0)
    (True, False)
    """
    try:
        zero = (mine - right).is_zero
    except (TypeError, ValueError):
        zero = None
    if zero is not None:
        return bool(zero)
    try:
        a, b = sympy.N(mine, _STRICT_DIGITS), sympy.N(right, _STRICT_DIGITS)
        gap = abs(complex(sympy.N(a - b, _STRICT_DIGITS)))
        a, b = complex(a), complex(b)
    except (TypeError, ValueError):
        return None
    if abs(a.imag) > 1e-12 or abs(b.imag) > 1e-12:
        return None
    return gap <= 1e-30 * max(abs(a.real), abs(b.real), 1.0)


def number_fits(written: Written, right: sympy.Expr, part: Any = None) -> bool | None:
    """Whether a number written with decimals is ``right`` to the places written.

    ``part`` is the number among ``written.value`` (a coordinate of a point),
    or the whole of it.  Exact where it writes no decimal; None where either
    is not a real number.

    >>> from steepest.symbolic import parse
    >>> number_fits(read_marked(parse, "1000*2.3026"), 1000 * sympy.log(10))
    True
    >>> number_fits(read_marked(parse, "1.5e-3"), sympy.Rational(1, 25))
    False
    """
    mine = written.value if part is None else part
    exact = written.exact(mine)
    equal = numbers_equal(exact, right)
    if equal is not False:
        return equal
    used = [s for s in written.decimals if s in mine.free_symbols]
    if not used:
        return False
    values = {s: written.decimals[s].value for s in used}
    try:
        gap = sympy.N(right - exact, _STRICT_DIGITS)
        slopes = [sympy.N(sympy.diff(mine, s).xreplace(values), 30) for s in used]
        # The decimals moved by half a unit each, all the way that closes the gap.
        far = {
            s: d + sympy.sign(slope) * sympy.sign(gap) * written.decimals[s].half
            for s, d, slope in zip(used, values.values(), slopes, strict=True)
        }
        beyond = sympy.N(right - mine.xreplace(far), _STRICT_DIGITS)
        return bool(complex(gap).real * complex(beyond).real <= 0)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Fit:
    """Decimals that make an expression right: each written decimal with the exact
    constant it rounds (where steepest recognises one)."""

    named: tuple[tuple[str, str], ...]
    confirmed: bool = True
    """False where the fitted values agree in double precision but no exact
    constants were found to confirm it: steepest cannot decide."""


def expression_fits(
    written: Written,
    right: sympy.Expr,
    part: sympy.Expr | None = None,
    *,
    within: Sequence[sympy.Expr] = (),
    timeout: float = 1.0,
) -> Fit | None:
    """Whether constants that round to the decimals written make ``part`` equal ``right``.

    The constants are fitted at the comparison points (the same for every
    point) and must lie within half a unit of each decimal's last place;
    then the answer with them must agree with ``right`` everywhere on the
    common domain.  None: they do not fit.

    >>> from steepest.symbolic import parse
    >>> expression_fits(read_marked(parse, "2^x*0.6932"), parse("2^x*ln(2)")) is None
    True
    """
    mine = written.value if part is None else part
    used = [s for s in written.decimals if s in mine.free_symbols]
    exact = written.exact(mine)
    names = free_variables(exact, right, *within)
    if not used or not names:
        return None
    points = sample_points(names)
    size = len(points[names[0]])
    start = np.array([float(written.decimals[s].value) for s in used])
    half = np.array([float(written.decimals[s].half) for s in used])
    slopes = [sympy.diff(mine, s) for s in used]
    target, *domain = evaluate([right, *within], points)
    usable = ~np.isnan(target)
    for values in domain:
        usable &= ~np.isnan(values)
    current = start.copy()
    for _ in range(3):  # Newton steps on the least-squares fit
        at = {**points, **{s: np.full(size, c) for s, c in zip(used, current, strict=True)}}
        value, *jacobian = evaluate([mine, *slopes], at)
        rows = usable & ~np.isnan(value)
        for column in jacobian:
            rows &= ~np.isnan(column)
        if rows.sum() < MIN_POINTS:
            return None
        scale = np.maximum(np.abs(target[rows]), 1.0)
        matrix = np.stack([c[rows] for c in jacobian], axis=1) / scale[:, None]
        step = np.linalg.lstsq(matrix, (target[rows] - value[rows]) / scale, rcond=None)[0]
        current = current + step
    if np.any(np.abs(current - start) > half * (1 + 1e-9) + 1e-15):
        return None
    at = {**points, **{s: np.full(size, c) for s, c in zip(used, current, strict=True)}}
    (value,) = evaluate([mine], at)
    rows = usable & ~np.isnan(value)
    if rows.sum() < MIN_POINTS or not np.all(close(value[rows], target[rows], _FIT_RTOL)):
        return None
    return _name_constants(written, mine, used, current, right, within, timeout)


def _name_constants(
    written: Written,
    mine: sympy.Expr,
    used: list[sympy.Symbol],
    fitted: np.ndarray,
    right: sympy.Expr,
    within: Sequence[sympy.Expr],
    timeout: float,
) -> Fit | None:
    """The exact constants the fitted decimals are (fractions, or made of the right
    answer's own constants: ln 2, pi, sqrt(3)...), confirmed by an exact comparison.

    None where the exact constants found make the answer wrong after all (a
    difference double precision hides); an unconfirmed fit where no exact
    constants are found."""
    constants = sorted(
        {
            sub
            for sub in sympy.preorder_traversal(right)
            if isinstance(sub, sympy.Expr) and sub.is_number and not sub.is_Rational
        },
        key=sympy.default_sort_key,
    )[:8]

    def snap() -> dict[sympy.Symbol, sympy.Expr]:
        return {
            s: sympy.nsimplify(float(c), constants, tolerance=1e-9 * max(1.0, abs(float(c))))
            for s, c in zip(used, fitted, strict=True)
        }

    try:
        exact = timed(snap, timeout, "naming the constants")
    except (TimeLimitError, TypeError, ValueError):
        return Fit((), confirmed=False)
    whole = written.exact(mine.xreplace(exact))
    equal = compare(whole, right, timeout=timeout, within=within).equal
    if equal is False:
        return None
    if equal is None:
        return Fit((), confirmed=False)
    return Fit(tuple((written.decimals[s].text, text_form(exact[s])) for s in used))


__all__ = [
    "Fit",
    "Written",
    "expression_fits",
    "number_fits",
    "numbers_equal",
    "read_marked",
]
