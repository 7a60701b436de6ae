"""Every real solution of a polynomial system with finitely many solutions.

Solving ``grad f = 0`` for a polynomial f symbolically (``sp.solve``) buries
cubic and quintic roots in radicals and ``CRootOf`` objects and can take
minutes.  Here each variable is eliminated instead: a resultant (two
variables) or a lexicographic Groebner basis (more) gives, for every
variable, one polynomial in that variable alone whose roots include the
variable's value at every solution.  The real roots of those polynomials are
isolated exactly (SymPy's interval isolation over the rationals, so none is
missed) and refined to :data:`DIGITS` digits; the solutions are the
combinations of coordinates at which every equation vanishes to that
precision.  A root keeps its exact form when its minimal polynomial has
degree at most four and the radical expression is short.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> [(s[x].exact, s[y].exact) for s in real_solutions([x**2 - 2, y - x], (x, y))]
[(-sqrt(2), -sqrt(2)), (sqrt(2), sqrt(2))]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

# Working precision (decimal digits) of the refined roots, and the relative
# size below which a polynomial evaluated at them counts as zero: the roots
# are exact to about DIGITS digits, so a true zero shows as ~10^-DIGITS while
# anything that is not a zero stays far above ZERO_TOLERANCE.
DIGITS = 50
ZERO_TOLERANCE = mpmath.mpf(10) ** -25
# Exact forms longer than this (as text) are not worth showing.
MAX_EXACT_LENGTH = 60


@dataclass(frozen=True)
class RealRoot:
    """A real number known to :data:`DIGITS` digits, with its exact form when short.

    >>> RealRoot(mpmath.mpf(2), sp.Integer(2)).as_sympy()
    2
    """

    value: mpmath.mpf
    exact: sp.Expr | None

    def as_sympy(self) -> sp.Expr:
        """The exact form, or a 17-digit Float (enough for every double).

        >>> RealRoot(mpmath.mpf(1) / 3, None).as_sympy()
        0.33333333333333333
        """
        if self.exact is not None:
            return self.exact
        return sp.Float(mpmath.nstr(self.value, 17), 17)


def _short_forms(factor: sp.Poly) -> list[sp.Expr]:
    """Exact real roots of an irreducible factor when they are short radicals."""
    if factor.degree() == 1:
        c1, c0 = factor.all_coeffs()
        return [sp.Rational(-c0, c1)]
    if factor.degree() > 4:
        return []
    found = sp.roots(factor, multiple=True)
    return [
        root
        for root in found
        if not root.has(sp.I) and len(str(root)) <= MAX_EXACT_LENGTH and root.is_real is not False
    ]


def real_roots(poly: sp.Poly) -> list[RealRoot]:
    """Every distinct real root of a univariate polynomial over the rationals, ascending.

    >>> x = sp.Symbol("x")
    >>> [r.exact for r in real_roots(sp.Poly((x - 1) ** 2 * (x**2 - 3), x))]
    [-sqrt(3), 1, sqrt(3)]
    >>> [mpmath.nstr(r.value, 8) for r in real_roots(sp.Poly(x**5 - x - 1, x))]
    ['1.1673040']
    """
    if poly.is_zero or poly.degree() < 1:
        return []
    eps = sp.Rational(1, 10 ** (DIGITS - 5))
    found: list[RealRoot] = []
    with mpmath.workdps(DIGITS + 10):
        for factor, _ in poly.factor_list()[1]:
            forms = _short_forms(factor)
            for (low, high), _ in factor.intervals(eps=eps):
                value = (mpmath.mpf(low.p) / low.q + mpmath.mpf(high.p) / high.q) / 2
                exact = next(
                    (f for f in forms if abs(sp.N(f, DIGITS) - sp.Float(value, DIGITS)) < eps),
                    None,
                )
                found.append(RealRoot(value, exact))
    return sorted(found, key=lambda root: root.value)


def _eliminant(
    polys: Sequence[sp.Poly], gens: Sequence[sp.Symbol], var: sp.Symbol
) -> sp.Poly | None:
    """A nonzero polynomial in ``var`` alone vanishing at every solution (None: none exists)."""
    others = [g for g in gens if g != var]
    if len(polys) == 2 and len(others) == 1:
        other = others[0]
        a, b = (sp.Poly(p.as_expr(), other, var) for p in polys)
        if a.degree(other) > 0 and b.degree(other) > 0:
            result = sp.Poly(sp.resultant(a.as_expr(), b.as_expr(), other), var)
            if not result.is_zero:
                return result
    basis = sp.groebner([p.as_expr() for p in polys], *others, var, order="lex")
    if list(basis.exprs) == [1]:
        return sp.Poly(1, var)
    if not basis.is_zero_dimensional:
        return None
    last = basis.exprs[-1]
    return sp.Poly(last, var)


def _vanishes(poly: sp.Poly, point: Sequence[mpmath.mpf]) -> bool:
    """Whether ``poly`` is zero at ``point`` to the working precision, relative to its size."""
    value = mpmath.mpf(0)
    scale = mpmath.mpf(0)
    for monomial, coefficient in poly.terms():
        term = mpmath.mpf(coefficient.p) / coefficient.q
        size = abs(term)
        for power, coordinate in zip(monomial, point, strict=True):
            term *= coordinate**power
            size *= max(1, abs(coordinate)) ** power
        value += term
        scale += size
    return abs(value) <= ZERO_TOLERANCE * max(scale, 1)


def real_solutions(
    polys: Sequence[sp.Expr | sp.Poly], gens: Sequence[sp.Symbol]
) -> list[dict[sp.Symbol, RealRoot]] | None:
    """Every real solution of ``polys = 0`` (rational coefficients), or None when the
    system has infinitely many complex solutions.

    >>> x, y = sp.symbols("x y")
    >>> real_solutions([x * y - 1, x - y], (x, y)) == [
    ...     {x: RealRoot(-1, -1), y: RealRoot(-1, -1)}, {x: RealRoot(1, 1), y: RealRoot(1, 1)}]
    True
    >>> real_solutions([x - y], (x, y)) is None
    True
    """
    system = [sp.Poly(p, *gens, domain="QQ") for p in polys]
    system = [p for p in system if not p.is_zero]
    if any(p.is_ground for p in system):
        return []
    if not system:
        return None
    coordinates: list[list[RealRoot]] = []
    for var in gens:
        eliminant = _eliminant(system, gens, var)
        if eliminant is None:
            return None
        coordinates.append(real_roots(eliminant))
    solutions: list[dict[sp.Symbol, RealRoot]] = []
    with mpmath.workdps(DIGITS + 10):
        for combination in itertools.product(*coordinates):
            point = [root.value for root in combination]
            if all(_vanishes(p, point) for p in system):
                solutions.append(dict(zip(gens, combination, strict=True)))
    return solutions


def vanishes_at(expr: sp.Expr, gens: Sequence[sp.Symbol], point: Sequence[mpmath.mpf]) -> bool:
    """Whether ``expr`` is zero at a point known to :data:`DIGITS` digits (relative to
    the size of its terms for a polynomial with rational coefficients).

    >>> x = sp.Symbol("x")
    >>> vanishes_at(x**2 - 4, [x], [mpmath.mpf(2)]), vanishes_at(x - 1, [x], [mpmath.mpf(2)])
    (True, False)
    >>> vanishes_at(sp.exp(x) - 1, [x], [mpmath.mpf(0)])
    True
    """
    with mpmath.workdps(DIGITS + 10):
        if expr.is_polynomial(*gens):
            poly = sp.Poly(expr, *gens)
            if all(c.is_Rational for c in poly.coeffs()):
                return _vanishes(poly, point)
        value = sp.lambdify(gens, expr, "mpmath")(*point)
        return bool(abs(value) <= ZERO_TOLERANCE)


__all__ = ["DIGITS", "ZERO_TOLERANCE", "RealRoot", "real_roots", "real_solutions", "vanishes_at"]
