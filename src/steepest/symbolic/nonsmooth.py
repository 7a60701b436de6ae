"""Derivatives of functions with kinks and jumps: |x|, sign, max, min, relu,
floor, ceil, piecewise.

SymPy writes their derivatives with ``sign``, ``Heaviside`` and
``DiracDelta``; those formulas hold away from the kinks and jumps, where
DiracDelta is 0.  At a kink the derivative may not exist (|x| at 0) or may
exist all the same (x|x| at 0).  :func:`derivative` gives a formula that is
right wherever it is defined and *undefined* (NaN once compiled) exactly where
the formula cannot decide; :func:`decide_at` settles such a point from the
one-sided limits, or says in one sentence that there is no derivative.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> d = derivative(sp.Max(x, 0), x)
>>> [d.subs(x, v) for v in (-2, 3)]
[0, 1]
>>> d.subs(x, 0)
nan
>>> decide_at(sp.Max(x, 0), x, {x: sp.Integer(0)})
Traceback (most recent call last):
...
steepest.errors.SteepestError: the derivative of max(0, x) ... differ (0 and 1)
>>> decide_at(x * sp.Abs(x), x, {x: sp.Integer(0)})
0
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from steepest.errors import SteepestError
from steepest.symbolic.points import at_point
from steepest.symbolic.printing import text_form

KINKED = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.floor, sp.ceiling, sp.Heaviside, sp.Piecewise)
JUMPING = (sp.sign, sp.floor, sp.ceiling, sp.Heaviside, sp.Piecewise)
"""The functions among :data:`KINKED` that can jump (the others are continuous)."""


class KinkMark(sp.Function):
    """1 where its argument is not 0, undefined (NaN) where it is: multiplied into a
    derivative formula, it leaves the formula undefined exactly at a kink or jump.

    A plain SymPy function (not a Piecewise) so that compiling stays fast.

    >>> x = sp.Symbol("x", real=True)
    >>> KinkMark(x).subs(x, 2), KinkMark(x).subs(x, 0)
    (1, nan)
    """

    nargs = 1

    @classmethod
    def eval(cls, u: sp.Expr) -> sp.Expr | None:
        if u.is_zero:
            return sp.nan
        if u.is_zero is False:
            return sp.Integer(1)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Integer(0)


def kink_mark_numpy(u: Any) -> Any:
    """:class:`KinkMark` for NumPy arrays (what compiled derivatives call).

    >>> kink_mark_numpy(np.array([-1.0, 0.0, 2.0]))
    array([ 1., nan,  1.])
    """
    return np.where(np.asarray(u) == 0, np.nan, 1.0)


def heaviside_numpy(u: Any, at_zero: Any = 0.5) -> Any:
    """SymPy's ``Heaviside(u, at_zero)`` for NumPy arrays.

    Given to the compiler directly: otherwise SymPy rewrites it as a piecewise
    function and simplifies its conditions, which can take seconds.

    >>> heaviside_numpy(np.array([-1.0, 0.0, 2.0]), 0)
    array([0., 0., 1.])
    """
    return np.heaviside(np.real(np.asarray(u)).astype(float), at_zero)


NUMPY_FUNCTIONS = {"KinkMark": kink_mark_numpy, "Heaviside": heaviside_numpy}
"""What :func:`sympy.lambdify` needs, besides NumPy, to compile these derivatives."""


def derivative(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """d expr / d var, undefined (NaN) where a kink or jump leaves it undecided.

    >>> x = sp.Symbol("x", real=True)
    >>> derivative(sp.Abs(x), x).subs(x, -3), derivative(sp.floor(x), x).subs(x, 0.5)
    (-1, 0)
    """
    # SymPy differentiates a piecewise function branch by branch, which says nothing
    # where the branch changes (x for x < 1, 2x otherwise has no derivative at 1):
    # the formula is left undefined wherever a condition's two sides meet.
    # Added, not multiplied: a product with a slope of 0 would fold the mark away.
    marks = sp.Add(*(KinkMark(u) - 1 for u in _piecewise_switches(expr, var)))
    result = sp.diff(expr, var) + marks
    if not result.has(sp.Derivative, sp.DiracDelta, sp.Heaviside, sp.sign):
        return result
    result = result.replace(
        lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, (sp.floor, sp.ceiling)),
        lambda e: (
            (KinkMark(e.expr.args[0] - sp.floor(e.expr.args[0])) - 1) * sp.diff(e.expr.args[0], var)
        ),
    )
    result = result.replace(sp.DiracDelta, lambda *a: KinkMark(a[0]) - 1)
    result = result.replace(sp.Heaviside, lambda *a: sp.Heaviside(a[0], 0) * KinkMark(a[0]))
    return result.replace(sp.sign, lambda u: sp.sign(u) * KinkMark(u))


def _piecewise_switches(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """lhs - rhs of each condition on ``var`` in a piecewise part of ``expr``."""
    found: list[sp.Expr] = []
    for atom in expr.atoms(sp.Piecewise):
        for _, condition in atom.args:
            for relation in _relations(condition):
                difference = relation.lhs - relation.rhs
                if difference.has(var) and difference not in found:
                    found.append(difference)
    return found


def switch_equations(expr: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """Expressions whose zeros are where a kinked function in ``expr`` may switch branch
    as ``var`` moves: u for |u|, sign(u) and steps, a - b for max and min of a and b,
    lhs - rhs for each condition of a piecewise function.

    A superset: the derivative may exist at such a point all the same (x|x| at 0).
    floor and ceil switch at infinitely many points and are left to the caller.

    >>> x = sp.Symbol("x", real=True)
    >>> switch_equations(sp.Max(x**2, 1) + sp.Abs(x - 2), x)
    [1 - x**2, x - 2]
    """
    found: list[sp.Expr] = []

    def add(difference: sp.Expr) -> None:
        difference = sp.expand(difference) if difference.is_polynomial(var) else difference
        if difference.has(var) and difference not in found and -difference not in found:
            found.append(difference)

    for atom in sp.preorder_traversal(expr):
        if isinstance(atom, (sp.Abs, sp.sign, sp.Heaviside)):
            add(atom.args[0])
        elif isinstance(atom, (sp.Max, sp.Min)):
            for a, b in itertools.combinations(atom.args, 2):
                add(a - b)
        elif isinstance(atom, sp.Piecewise):
            for _, condition in atom.args:
                for relation in _relations(condition):
                    add(relation.lhs - relation.rhs)
    return sorted(found, key=sp.default_sort_key)


def _relations(condition: Any) -> list[sp.Basic]:
    if isinstance(condition, sp.logic.boolalg.Boolean) and not isinstance(condition, sp.Rel):
        return [r for r in condition.atoms(sp.Rel)]
    return [condition] if isinstance(condition, sp.Rel) else []


def branch_near(expr: sp.Expr, var: sp.Symbol, sample: sp.Expr) -> sp.Expr:
    """``expr`` with each kinked function replaced by the branch it takes at ``sample``:
    the smooth formula of ``expr`` on the interval around ``sample`` where no
    :func:`switch_equations` expression vanishes.

    >>> x = sp.Symbol("x", real=True)
    >>> branch_near(sp.Abs(x) + sp.Max(x, 1), x, sp.Integer(-3))
    1 - x
    """

    def sign_at(u: sp.Expr) -> int:
        value = sp.N(u.subs(var, sample), 30)
        if not value.is_number or value.is_real is False:
            raise SteepestError(f"{text_form(u)} is not a real number at {var} = {sample}")
        return 0 if value == 0 else (1 if value > 0 else -1)

    def pick(atom: sp.Expr) -> sp.Expr:
        if isinstance(atom, sp.Abs):
            return atom.args[0] * sign_at(atom.args[0])
        if isinstance(atom, sp.sign):
            return sp.Integer(sign_at(atom.args[0]))
        if isinstance(atom, sp.Heaviside):
            return sp.Integer(int(sign_at(atom.args[0]) > 0))
        if isinstance(atom, (sp.Max, sp.Min)):
            values = [sp.N(a.subs(var, sample), 30) for a in atom.args]
            best = max if isinstance(atom, sp.Max) else min
            return atom.args[values.index(best(values))]
        for piece, condition in atom.args:  # a Piecewise
            if bool(condition.subs(var, sample)):
                return piece
        return sp.nan

    return expr.replace(lambda e: isinstance(e, KINKED[:4] + (sp.Heaviside, sp.Piecewise)), pick)


def away_from_kinks(derivative_formula: sp.Expr) -> sp.Expr:
    """A derivative formula as it holds away from kinks and jumps (DiracDelta is 0 there).

    >>> x = sp.Symbol("x", real=True)
    >>> away_from_kinks(sp.diff(sp.sign(x) * x**2, x))
    2*x*sign(x)
    """
    if not derivative_formula.has(sp.DiracDelta, sp.Derivative, KinkMark):
        return derivative_formula
    zero = sp.Integer(0)
    return (
        derivative_formula.replace(KinkMark, lambda *a: sp.Integer(1))
        .replace(sp.DiracDelta, lambda *a: zero)
        .replace(
            lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, (sp.floor, sp.ceiling)),
            lambda e: zero,
        )
    )


def derivative_at(expr: sp.Expr, var: sp.Symbol, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """d expr / d var at ``point``, exact; where its formula breaks down there (a kink,
    0/0) decided from the one-sided slopes by :func:`decide_at`.

    >>> x, y = sp.symbols("x y", real=True)
    >>> derivative_at(x * sp.Abs(x), x, {x: sp.Integer(0)}), derivative_at(sp.Abs(x), x, {x: 2})
    (0, 1)
    >>> derivative_at(x * sp.sqrt(x**2 + y**2), x, {x: 0, y: 0})  # the formula is 0/0 there
    0
    """
    point = {v: sp.sympify(e) for v, e in point.items()}
    formula = derivative(expr, var) if expr.has(*KINKED) else sp.diff(expr, var)
    value = at_point(formula, point)
    if value.has(sp.nan, sp.zoo) or value.is_finite is False:
        return decide_at(expr, var, point)
    return value


def decide_at(
    expr: sp.Expr, var: sp.Symbol, point: Mapping[sp.Symbol, sp.Expr], *, middle: bool = False
) -> sp.Expr:
    """The derivative along ``var`` at ``point`` where the formula is undefined there.

    If expr is continuous along ``var`` at the point and the derivative has
    the same finite limit from both sides, that limit is the derivative (the
    mean value theorem); otherwise there is none, and the error says why.
    With ``middle``, a corner where both one-sided slopes are finite gives their
    mean instead (a subgradient of |x| at 0, what descent steps along).
    """
    from steepest.symbolic._limits import OSCILLATES, UNDETERMINED, compute

    here = point[var]
    others = {v: value for v, value in point.items() if v != var}
    where = ", ".join(f"{v} = {text_form(value)}" for v, value in point.items())
    head = f"the derivative of {text_form(expr)} with respect to {var} does not exist at {where}"
    along = away_from_kinks(at_point(expr, others))
    along = along.rewrite(sp.Piecewise) if along.has(sp.Max, sp.Min) else along
    value = along.subs(var, here)
    whole = at_point(expr, point)  # x y / (x^2 + y^2) is 0 along y = 0 but 0/0 at the origin
    if not (value.is_finite and whole.is_finite) or whole.has(sp.nan):
        raise SteepestError(f"{head}: the function is not defined there")
    if along.has(*JUMPING):
        through = compute(along, var, here, "both")
        if not (through.exists and sp.simplify(through.value - value) == 0):
            raise SteepestError(f"{head}: the function is not continuous there")
    slopes = compute(sp.diff(along, var), var, here, "both")
    if slopes.reason in (OSCILLATES, UNDETERMINED):
        # No limit of the slope proves nothing (x^2 sin(1/x), 0 at 0, has slope 0 there):
        # the derivative's definition, the limit of the difference quotient, decides.
        slopes = compute((along - value) / (var - here), var, here, "both")
    if slopes.exists:
        return slopes.value
    if slopes.reason == OSCILLATES:
        raise SteepestError(f"{head}: the difference quotient oscillates there")
    if slopes.left is not None and slopes.right is not None:
        if middle and slopes.left.is_finite and slopes.right.is_finite:
            return (slopes.left + slopes.right) / 2
        left, right = text_form(slopes.left), text_form(slopes.right)
        if slopes.left == slopes.right:  # both oo or both -oo
            raise SteepestError(
                f"{head}: the slope tends to {left} from both sides (a vertical tangent)"
            )
        raise SteepestError(
            f"{head}: the slopes from the left and right differ ({left} and {right})"
        )
    if slopes.exists is None:
        # SymPy could not find the limit: that proves nothing about the derivative.
        raise SteepestError(
            f"could not decide whether the derivative of {text_form(expr)} with respect to "
            f"{var} exists at {where}: the limit of its slope there could not be found "
            "exactly; a numerical derivative (steepest numdiff) estimates it"
        )
    raise SteepestError(f"{head}: the slope has no limit there")


__all__ = [
    "JUMPING",
    "KINKED",
    "NUMPY_FUNCTIONS",
    "KinkMark",
    "away_from_kinks",
    "branch_near",
    "decide_at",
    "derivative",
    "derivative_at",
    "heaviside_numpy",
    "kink_mark_numpy",
    "switch_equations",
]
