"""Are two expressions equal where both are defined?

:func:`compare` decides it the way a careful marker does: a structural
check first, then evaluation of both sides at the same points (a few easy
ones such as x = 1, then random ones spread over the real line), keeping
only the points where both are real numbers: their common real domain.  A
point where they differ is checked again with 30 significant digits before
it is reported, so rounding never makes an equal answer "incorrect".  When
too few points lie in the common domain, exact simplification (under a time
limit) decides; if that does not settle it either, the outcome is
``None``: could not decide.

>>> from steepest.symbolic import parse
>>> compare(parse("sin(2x)"), parse("2 sin x cos x")).equal
True
>>> outcome = compare(parse("2x + 1"), parse("2x"))
>>> outcome.equal, outcome.point, outcome.values
(False, {'x': 0.5}, (2.0, 1.0))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from steepest.errors import TimeLimitError
from steepest.symbolic.parser import variable_sort_key
from steepest.symbolic.timed import timed

RTOL = 1e-7
"""Relative tolerance of a comparison in double precision."""

MIN_POINTS = 6
"""Points of the common domain needed before evaluation may say "equal"."""

# Easy points first, so that a counterexample is one a learner can check by hand.
_NICE = (0.5, 1.0, 2.0, -1.0, 1.5, 3.0, -0.5, -2.0)
_RANDOM_RANGES = ((-2.0, 2.0, 8), (0.05, 3.0, 6), (-9.0, 9.0, 4), (1.02, 4.0, 4))
_SEED = 20260
# Far points, after the others: a difference that starts beyond the usual range is seen too.
_WIDE = (12.0, -12.0, 25.5, -25.5, 60.0, 150.0, -150.0, 1000.0, -1000.0, 0.01, -0.01)
_STRICT_DIGITS = 45
_STRICT_TOL = 1e-30  # relative to max(|values|, 1): far below any rounding at 45 digits
_STRICT_POINTS = 4
_KINK_POINTS = 24  # points checked with 45 digits around pieces, per variable and base point
# Functions whose pieces meet where an argument crosses zero.
_KINKS = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min, sympy.Piecewise)


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`.

    ``equal`` is True, False, or None (could not decide); ``how`` says what
    decided it (``"identical"``, ``"evaluation"``, ``"simplification"``);
    where they differ, ``point`` is a point of the common domain and
    ``values`` the two values there (first expression, then second).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> compare(x**2, x * x).how
    'identical'
    """

    equal: bool | None
    how: str
    point: dict[str, float] | None = None
    values: tuple[Any, Any] | None = None
    checked: int = field(default=0)


def sample_points(names: Sequence[sympy.Symbol]) -> dict[sympy.Symbol, np.ndarray]:
    """The points where expressions in ``names`` are compared: easy ones, then random ones.

    Always the same points for the same variables (a fixed seed), so that a
    verdict never changes from one call to the next.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> sample_points([x])[x][:3]
    array([0.5, 1. , 2. ])
    """
    rng = np.random.default_rng(_SEED)
    points: dict[sympy.Symbol, np.ndarray] = {}
    for index, name in enumerate(names):
        nice = np.roll(np.array(_NICE), index)
        random = np.concatenate([rng.uniform(lo, hi, n) for lo, hi, n in _RANDOM_RANGES])
        rng.shuffle(random)
        points[name] = np.concatenate([nice, random, np.roll(np.array(_WIDE), index)])
    return points


def evaluate(
    exprs: Sequence[sympy.Expr], points: dict[sympy.Symbol, np.ndarray]
) -> list[np.ndarray]:
    """The values of each expression at the points, ``nan`` where it is not a real number.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> evaluate([sp.log(x)], {x: np.array([1.0, -1.0])})[0]
    array([ 0., nan])
    """
    names = list(points)
    size = len(next(iter(points.values()))) if points else 1
    arguments = [points[n].astype(complex) for n in names]
    try:
        function = sympy.lambdify(names, list(exprs), modules="numpy")
        with np.errstate(all="ignore"):
            raw = function(*arguments)
        values = [np.broadcast_to(np.asarray(v, dtype=complex), (size,)) for v in raw]
    except Exception:  # what NumPy cannot print or compute (AccumBounds...) SymPy evaluates
        values = [_evaluate_slowly(expr, names, arguments, size) for expr in exprs]
    return [_real_part(v) for v in values]


def _evaluate_slowly(
    expr: sympy.Expr, names: list[sympy.Symbol], arguments: list[np.ndarray], size: int
) -> np.ndarray:
    """Point by point with SymPy's own numbers (piecewise functions, floor...)."""
    out = np.full(size, np.nan, dtype=complex)
    for i in range(size):
        subs = {n: sympy.Float(float(a[i].real)) for n, a in zip(names, arguments, strict=True)}
        try:
            value = complex(expr.xreplace(subs).evalf(17))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        out[i] = value
    return out


def _real_part(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=complex)
    with np.errstate(all="ignore"):
        real = values.real.copy()
        bad = ~np.isfinite(values) | (np.abs(values.imag) > 1e-9 * (1 + np.abs(values.real)))
    real[bad] = np.nan
    return real


def close(a: np.ndarray, b: np.ndarray, rtol: float = RTOL) -> np.ndarray:
    """Where two arrays of values agree (to ``rtol``, relative to the larger value).

    >>> close(np.array([1.0, 2.0]), np.array([1.0 + 1e-12, 2.5])).tolist()
    [True, False]
    """
    with np.errstate(all="ignore"):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-6)
        return np.abs(a - b) <= rtol * scale


def free_variables(*exprs: sympy.Expr) -> list[sympy.Symbol]:
    """The variables of all the expressions, in the course's order (x, y, z, then others).

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> free_variables(y + 1, x)
    [x, y]
    """
    found: set[sympy.Symbol] = set()
    for expr in exprs:
        found |= expr.free_symbols  # type: ignore[arg-type]
    return sorted(found, key=lambda s: variable_sort_key(s.name))


def differ_exactly(
    a: sympy.Expr,
    b: sympy.Expr,
    point: dict[sympy.Symbol, float],
    timeout: float = 1.0,
    *,
    digits: int = 30,
    tol: float = 1e-12,
) -> bool | None:
    """Whether ``a`` and ``b`` differ at ``point``, with 30 significant digits (None: unknown).

    ``tol`` is the relative gap that counts as a difference (relative to the
    larger value; with ``digits`` digits of working precision).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> differ_exactly(x**2, x * x, {x: 0.3}), differ_exactly(x, 2 * x, {x: 0.3})
    (False, True)
    >>> differ_exactly(x, x + sp.Rational(1, 10**15), {x: 0.5}, digits=45, tol=1e-30)
    True
    """
    subs = {name: sympy.Rational(value) for name, value in point.items()}

    def work() -> bool | None:
        left = sympy.N(a.xreplace(subs), digits)
        right = sympy.N(b.xreplace(subs), digits)
        if not (left.is_number and right.is_number):
            return None
        if left.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or right.has(
            sympy.zoo, sympy.nan, sympy.oo, -sympy.oo
        ):
            return None
        gap = abs(sympy.N(left - right, digits))
        floor = 1 if tol < 1e-15 else 1e-20  # a strict check measures against 1 near zero
        scale = max(abs(complex(left)), abs(complex(right)), floor)
        return bool(gap > tol * scale)

    try:
        return timed(work, timeout, "checking a value with 30 digits")
    except (TimeLimitError, TypeError, ValueError):
        return None


def compare(
    a: sympy.Expr,
    b: sympy.Expr,
    *,
    timeout: float = 2.0,
    rtol: float = RTOL,
    within: Sequence[sympy.Expr] = (),
) -> Comparison:
    """Whether ``a`` equals ``b`` on the real domain where both are defined.

    ``rtol`` is the relative tolerance of the evaluation (only a difference
    confirmed with 30 digits counts when ``rtol`` is the default); ``timeout``
    bounds the SymPy work.  ``within`` are expressions that must be defined
    too (the function whose derivative ``a`` and ``b`` are: 1/|x| is the
    derivative of ln x where ln x is defined).

    >>> from steepest.symbolic import parse
    >>> compare(parse("1/|x|"), parse("1/x"), within=[parse("ln x")]).equal
    True

    >>> from steepest.symbolic import parse
    >>> compare(parse("ln(x^2)"), parse("2 ln|x|")).equal
    True
    >>> compare(parse("x^2 - 1"), parse("(x - 1)(x + 1)")).equal
    True
    """
    if a == b:
        return Comparison(True, "identical")
    names = free_variables(a, b, *within)
    points = sample_points(names)
    left, right, *domain = evaluate([a, b, *within], points)
    for values in domain:
        left[np.isnan(values)] = np.nan
        right[np.isnan(values)] = np.nan
    both = ~np.isnan(left) & ~np.isnan(right)
    agree = close(left, right, rtol)
    for index in np.flatnonzero(both & ~agree):
        point = {name: float(points[name][index]) for name in names}
        verdict = differ_exactly(a, b, point) if rtol == RTOL else True
        if verdict is False:
            continue
        if verdict is None and rtol == RTOL:
            continue
        return Comparison(
            False,
            "evaluation",
            {n.name: v for n, v in point.items()},
            (float(left[index]), float(right[index])),
            int(both.sum()),
        )
    checked = int(both.sum())
    if checked >= MIN_POINTS:
        if rtol == RTOL:
            found = _confirm(a, b, names, points, both, within)
            if found is not None:
                return found
        return Comparison(True, "evaluation", checked=checked)
    try:
        difference = timed(lambda: sympy.simplify(a - b), timeout, "simplifying the difference")
    except TimeLimitError:
        difference = None
    if difference is not None and difference == 0:
        return Comparison(True, "simplification", checked=checked)
    # One side is a real number where the other is not, at many points: not equal there.
    only_one = np.flatnonzero(np.isnan(left) != np.isnan(right))
    if len(only_one) >= MIN_POINTS:
        index = only_one[0]
        point = {n.name: float(points[n][index]) for n in names}
        shown = tuple(None if np.isnan(v[index]) else float(v[index]) for v in (left, right))
        return Comparison(False, "evaluation", point, shown, checked)
    return Comparison(None, "undecided", checked=checked)


def _confirm(
    a: sympy.Expr,
    b: sympy.Expr,
    names: list[sympy.Symbol],
    points: dict[sympy.Symbol, np.ndarray],
    both: np.ndarray,
    within: Sequence[sympy.Expr],
) -> Comparison | None:
    """A difference that double precision hides, or that lies between the points: else None.

    Three checks after the values agree: a difference free of the variables
    must be exactly zero (``e^(-1000)`` is not); the values agree to
    45 significant digits at a few points (``2x + 10^-9`` is not ``2x``); and
    where an answer has pieces (``|u|``, ``max``, ``sign``, piecewise), points
    on both sides of each place where a piece ends, and beyond the last one,
    agree too (``3x^2 + max(0, x - 10)`` is not ``3x^2``), along each
    variable in turn with the others held at points of the common domain.
    """
    difference = a - b
    if difference.free_symbols and not difference.has(*_KINKS):
        try:  # over one denominator, a constant difference shows itself
            difference = timed(lambda: sympy.cancel(difference), 0.5, "cancelling")
        except (TimeLimitError, sympy.PolynomialError, TypeError, ValueError):
            difference = a - b
    if not difference.free_symbols and difference.is_zero is False:
        index = int(np.flatnonzero(both)[0])
        point = {n: float(points[n][index]) for n in names}
        return _differs(a, b, point, int(both.sum()))
    for index in np.flatnonzero(both)[:_STRICT_POINTS]:
        point = {n: float(points[n][index]) for n in names}
        if differ_exactly(a, b, point, digits=_STRICT_DIGITS, tol=_STRICT_TOL):
            return _differs(a, b, point, int(both.sum()))
    if not difference.has(*_KINKS):
        return None
    # Along each variable, the others held at a point of the common domain.
    bases = [{n: float(points[n][i]) for n in names} for i in np.flatnonzero(both)[:2]]
    for name in names:
        for base in bases[: 1 if len(names) == 1 else 2]:
            held = {n: sympy.Rational(v) for n, v in base.items() if n != name}
            extra = _around_kinks(difference.xreplace(held), name)
            if not extra:
                continue
            grid = {n: np.full(len(extra), base[n]) for n in names}
            grid[name] = np.array(extra)
            left, right, *domain = evaluate([a, b, *within], grid)
            for values in domain:
                left[np.isnan(values)] = np.nan
            for index in np.flatnonzero(~np.isnan(left) & ~np.isnan(right))[:_KINK_POINTS]:
                point = {n: float(grid[n][index]) for n in names}
                if differ_exactly(a, b, point, digits=_STRICT_DIGITS, tol=_STRICT_TOL):
                    return _differs(a, b, point, int(both.sum()))
    return None


def _around_kinks(expr: sympy.Expr, name: sympy.Symbol) -> list[float]:
    """Points on both sides of each zero of the arguments of ``expr``'s pieces, and beyond."""
    switches: list[sympy.Expr] = []
    for part in expr.atoms(*_KINKS):
        if isinstance(part, sympy.Piecewise):
            for _, condition in part.args:
                switches += [r.lhs - r.rhs for r in condition.atoms(sympy.Rel)]
        elif isinstance(part, (sympy.Max, sympy.Min)):
            switches += [p - q for p in part.args for q in part.args if p is not q]
        else:
            switches.append(part.args[0])
    places: set[float] = set()
    for switch in switches[:8]:
        try:
            zeros = timed(
                lambda s=switch: sympy.solveset(s, name, sympy.S.Reals), 0.5, "finding pieces"
            )
        except (TimeLimitError, TypeError, ValueError, NotImplementedError):
            continue
        if isinstance(zeros, sympy.FiniteSet):
            for zero in list(zeros)[:6]:
                try:
                    places.add(float(zero))
                except (TypeError, ValueError):
                    continue
    if not places:
        return []
    out = [p + d for p in sorted(places) for d in (-0.3, -1e-3, 1e-3, 0.3)]
    far = [max(places) + 5.0, max(places) + 50.0, min(places) - 5.0, min(places) - 50.0]
    return [*far, *out]


def _differs(
    a: sympy.Expr, b: sympy.Expr, point: dict[sympy.Symbol, float], checked: int
) -> Comparison:
    subs = {n: sympy.Rational(v) for n, v in point.items()}
    values = tuple(float(sympy.N(e.xreplace(subs), 20)) for e in (a, b))
    return Comparison(False, "evaluation", {n.name: v for n, v in point.items()}, values, checked)


__all__ = [
    "MIN_POINTS",
    "RTOL",
    "Comparison",
    "close",
    "compare",
    "differ_exactly",
    "evaluate",
    "free_variables",
    "sample_points",
]
