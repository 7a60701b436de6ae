"""Finding and classifying the critical points of a function of several variables.

SymPy's ``nonlinsolve`` loses isolated solutions when a system also has
non-isolated ones (for the sauna function it keeps the lines x = 0 and y = 0
and drops the minimum at (4, 4) and the saddle at (6, 6)).  The solver here
works case by case instead: every equation ``df/dv = 0`` is factored, each
factor that can vanish opens one case, a univariate factor gives exact roots,
a factor in several variables is solved for one of them, and a case that
ends with variables still unconstrained is a non-isolated family.  Every
answer is checked by substituting it back into the gradient.

The functions here work on SymPy expressions whose variables are real
symbols; :mod:`steepest.symbolic.calculus` does the parsing and renaming.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp
from sympy.calculus.util import continuous_domain, periodicity

from steepest.errors import SteepestError, TimeLimitError
from steepest.symbolic._algebraic import DIGITS, ZERO_TOLERANCE, real_solutions, vanishes_at
from steepest.symbolic.points import at_point
from steepest.symbolic.printing import text_form

# What SymPy's solvers raise when they give up inside, on input they accept
# ("cannot determine truth value of Relational" is a TypeError): not solvable exactly.
SYMPY_SOLVER_FAILURES = (NotImplementedError, TypeError, ValueError)

MINIMUM = "minimum"
MAXIMUM = "maximum"
SADDLE = "saddle"
DEGENERATE = "degenerate"
BOUNDARY = "boundary"
KINDS = (MINIMUM, MAXIMUM, SADDLE, DEGENERATE, BOUNDARY)
# How a point was found: by solving grad f = 0 completely, or by a search.
EXACTLY = "exactly"
NUMERICALLY = "numerically"

# Highest derivative order tried when the second derivative of a function of
# one variable vanishes at a stationary point.
MAX_DERIVATIVE_ORDER = 12
# Factors per equation and cases in total: far beyond any textbook function,
# and a guard against a combinatorial blow-up on pathological input.
MAX_CASES = 4000

Box = Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]


Interior = Callable[[sp.Expr, Sequence[sp.Symbol], Box], list["CriticalPoint"]]
"""How the points inside a box are found: ``(f, variables, box) -> classified points``."""


class ExactSolutionError(SteepestError):
    """grad f = 0 has no exact solution SymPy can find; ``points`` (filled in by
    :func:`~steepest.symbolic.critical_points`) holds what a numerical search found.

    >>> ExactSolutionError("cannot solve cos(x) = x for x exactly").points
    []
    """

    def __init__(self, message: str, *, points: list[CriticalPoint] | None = None):
        super().__init__(message)
        self.points = points or []


def with_search_results(error: SteepestError, points: list[CriticalPoint]) -> SteepestError:
    """``error`` retold with the critical points a numerical search found, which it carries.

    >>> print(with_search_results(ExactSolutionError("cannot solve it"), []))
    cannot solve it; a numerical search found no critical point (its results: ...)
    """
    count = f"{len(points)} critical point(s)" if points else "no critical point"
    message = (
        f"{str(error).rstrip('; ')}; a numerical search found {count} "
        "(its results: error.points, or fallback='numeric')"
    )
    if isinstance(error, TimeLimitError):
        return CriticalPointsTimeLimitError(message + "; or give a larger timeout=", points=points)
    return ExactSolutionError(message, points=points)


class CriticalPointsTimeLimitError(TimeLimitError):
    """grad f = 0 could not be solved exactly in time; ``points`` holds the critical
    points a numerical search found instead (labelled ``found="numerically"``,
    with no claim that they are all).

    >>> error = CriticalPointsTimeLimitError("too slow", points=[])
    >>> isinstance(error, TimeLimitError), error.points
    (True, [])
    """

    def __init__(self, message: str, *, points: list[CriticalPoint]):
        super().__init__(message)
        self.points = points


@dataclass
class CriticalPoint:
    """One critical point, or one non-isolated family of them.

    ``point`` maps variable names to exact SymPy values (``float()`` works on
    them).  For a family, ``free`` names the variables left free along it and
    ``point`` holds only the coordinates that are fixed (or, on a curve, given
    as expressions in the free ones).  ``kind`` is one of ``minimum``,
    ``maximum``, ``saddle``, ``degenerate`` (the second-derivative test says
    nothing, or the point belongs to a family) and, with a ``domain``,
    ``boundary`` (a candidate for the extreme values on the edge of the box;
    ``note`` says which edge).  ``value`` is f at the point (on a family, an
    expression in the free variables unless f is constant along it).
    ``exact`` is False when a coordinate has no short exact form: it is then
    a 17-digit SymPy Float, correct to double precision.  ``found`` is
    ``"exactly"`` (the list is complete) or ``"numerically"`` (a point a
    numerical search found, with no claim that the list is complete).
    ``region`` is set on an entry for a whole interval (or region) where f is
    constant, every point of which is critical (``free`` names its variables;
    :attr:`where` says it in words).  ``span`` is set on a curve or surface
    given by expressions in the free variables that are real only for some of
    them (x = sqrt(1 - y^2) needs -1 <= y <= 1): the set, or the conditions,
    where the free variables may lie.  A critical point is where the gradient
    is 0 or does not exist; ``note`` says which.

    >>> import sympy as sp
    >>> p = CriticalPoint({"x": sp.Integer(2)}, "minimum", sp.Integer(0))
    >>> p.to_dict()["point"]
    {'x': '2'}
    """

    point: dict[str, sp.Expr]
    kind: str
    value: sp.Expr
    free: tuple[str, ...] = ()
    note: str = ""
    exact: bool = True
    found: str = EXACTLY
    region: sp.Set | None = None
    span: sp.Set | sp.Basic | None = None

    def _region_text(self) -> str:
        if isinstance(self.region, sp.ProductSet):
            return region_text(self.free, self.region)
        return region_text(self.free[0], self.region)

    @property
    def where(self) -> str:
        """The point, family or region in words: ``(x = 2)``, ``every point with x < 0``.

        >>> import sympy as sp
        >>> CriticalPoint({}, "degenerate", sp.Integer(0), ("x",),
        ...               region=sp.Interval.open(-1, 1)).where
        'every point with -1 < x < 1'
        """
        fixed = ", ".join(_show_coordinate(name, value) for name, value in self.point.items())
        if self.region is not None:
            if isinstance(self.region, sp.ProductSet):
                return region_text(self.free, self.region)
            within = region_text(self.free[0], self.region)
            if self.point:
                return f"all points with {fixed} ({', '.join(self.free)} free) where {within}"
            return f"every point with {within}"
        if self.free:
            free = f"{', '.join(self.free)} free"
            if self.span is not None:
                free += f", {region_text(self.free[0], self.span)}"
            return f"all points with {fixed} ({free})" if fixed else "every point"
        return f"({fixed})"

    @property
    def is_family(self) -> bool:
        """True for a non-isolated family (a line, curve or surface of critical points)."""
        return bool(self.free)

    def approx(self) -> dict[str, float]:
        """The fixed coordinates as floats (families: only the numeric ones)."""
        out: dict[str, float] = {}
        for name, value in self.point.items():
            if value.is_number:
                out[name] = float(sp.re(sp.N(value, 20)))
        return out

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import critical_point_html

        return critical_point_html(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description: exact values as text, floats alongside."""
        value_float: float | None = None
        if self.value.is_number and self.value.is_finite is not False:
            value_float = float(sp.re(sp.N(self.value, 20)))
        return {
            "point": {name: str(value) for name, value in self.point.items()},
            "approx": self.approx(),
            "kind": self.kind,
            "value": str(self.value),
            "value_approx": value_float,
            "free": list(self.free),
            "note": self.note,
            "exact": self.exact,
            "found": self.found,
            "region": None if self.region is None else self._region_text(),
            "span": None if self.span is None else region_text(self.free[0], self.span),
        }

    def describe(self) -> str:
        """One line for people: the point (or family), its kind and f there.

        >>> import sympy as sp
        >>> CriticalPoint({"x": sp.Integer(0)}, "degenerate", sp.Integer(85), ("y",)).describe()
        'degenerate  all points with x = 0 (y free), f = 85'
        """
        where = self.where
        if isinstance(self.value, sp.Float):
            value = f"≈ {float(self.value)!r}"
        else:
            value = f"= {show_expr(self.value)}"
            if self.value.is_number and not self.value.is_Integer and self.value.is_finite:
                value += f" (about {float(sp.re(sp.N(self.value, 20))):.6g})"
        line = f"{self.kind:<11} {where}, f {value}"
        if self.found != EXACTLY:
            line += f"  (found {self.found})"
        return f"{line}  [{self.note}]" if self.note else line


def region_text(name: str | Sequence[str], interval: sp.Set) -> str:
    """An interval of one variable as learners write it: ``x < 0``, ``-1 < x < 1``.

    >>> import sympy as sp
    >>> region_text("x", sp.Interval.open(0, sp.oo)), region_text("x", sp.Interval(-1, 2))
    ('x > 0', '-1 <= x <= 2')
    >>> region_text(("x", "y"), sp.ProductSet(sp.Interval(0.5, 2.0), sp.Interval(3.0, 3.0)))
    'a region within 0.5 <= x <= 2, y = 3'
    """
    if isinstance(interval, sp.And):
        return " and ".join(region_text(name, part) for part in interval.args)
    if isinstance(interval, sp.Rel):
        return f"{show_expr(interval.lhs)} {interval.rel_op} {show_expr(interval.rhs)}"
    if isinstance(interval, sp.ProductSet):
        return "a region within " + ", ".join(
            region_text(n, side) for n, side in zip(name, interval.sets, strict=True)
        )
    if isinstance(interval, sp.FiniteSet):  # one side of a box that is a single value
        return " or ".join(f"{name} = {_show_bound(value)}" for value in interval)
    if isinstance(interval, sp.Union):
        missing = sp.S.Reals - interval
        if isinstance(missing, sp.FiniteSet):  # the real line but a few points
            return " and ".join(f"{name} != {_show_bound(value)}" for value in missing)
        return " or ".join(region_text(name, part) for part in interval.args)
    low, high = interval.inf, interval.sup
    left = "<" if interval.left_open else "<="
    right = "<" if interval.right_open else "<="
    if low.is_infinite and high.is_infinite:
        return f"any {name}"
    if low.is_infinite:
        return f"{name} {right} {_show_bound(high)}"
    if high.is_infinite:
        return f"{name} {left.replace('<', '>')} {_show_bound(low)}"
    return f"{_show_bound(low)} {left} {name} {right} {_show_bound(high)}"


def _show_bound(value: sp.Expr) -> str:
    """An exact bound as it is; a decimal one (the edge of a region the numerical search
    sampled, not a root) to six significant digits."""
    return f"{float(value):.6g}" if isinstance(value, sp.Float) else show_expr(value)


def show_expr(expr: Any) -> str:
    return text_form(expr)


def _show_coordinate(name: str, value: sp.Expr) -> str:
    """``x = 4`` for an exact value, ``x ≈ -2.805118086952745`` for a decimal one."""
    if isinstance(value, sp.Float):
        return f"{name} ≈ {float(value)!r}"
    return f"{name} = {show_expr(value)}"


@dataclass
class Candidate:
    """A solution of grad f = 0 while the search runs: symbol -> value."""

    assignment: dict[sp.Symbol, sp.Expr]
    free: tuple[sp.Symbol, ...]
    # The coordinates to DIGITS digits when some have no short exact form.
    precise: dict[sp.Symbol, mpmath.mpf] | None = None


def _numerator(expr: sp.Expr) -> sp.Expr:
    """The part of ``expr`` whose zeros are the zeros of ``expr``."""
    return sp.fraction(sp.together(expr))[0]


def is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically zero, cheaply where possible."""
    if expr == 0:
        return True
    known = expr.is_zero
    if known is not None:
        return bool(known)
    if expr.is_number:
        approx = sp.N(expr, 50)
        if not approx.is_number or abs(complex(approx)) > 1e-30:
            return False
        # Zero to 50 digits: confirm symbolically where SymPy can.
        return sp.simplify(expr) == 0 or expr.equals(0) is not False
    if expr.is_polynomial():
        return sp.expand(expr) == 0
    if expr.is_rational_function():
        return sp.cancel(expr) == 0
    simplified = sp.simplify(expr)
    return simplified == 0 or simplified.is_zero is True


def _cannot_vanish(factor: sp.Expr) -> bool:
    if factor.is_positive is True or factor.is_negative is True or factor.is_zero is False:
        return True
    return _power_without_zeros(factor)


def _power_without_zeros(factor: sp.Expr) -> bool:
    """Whether ``base^exponent`` is never 0: it is 0 only where its base is 0 and its
    exponent is positive there (``0^0`` is 1, ``0^-1`` is no number).  Decided for a base
    that is a polynomial in one variable, from its real roots: ``x^x`` has none.

    >>> x = sp.Symbol("x", real=True)
    >>> [_power_without_zeros(p) for p in (x**x, x**(x - 1), (x - 1)**x)]
    [True, True, False]
    """
    if not factor.is_Pow:
        return False
    base, exponent = factor.base, factor.exp
    if exponent.is_nonpositive is True:
        return True
    variables = base.free_symbols
    if len(variables) != 1 or not base.is_polynomial(*variables):
        return False
    var = next(iter(variables))
    try:
        poly = sp.Poly(base, var)
        if poly.degree() > 4:  # roots of higher degree cost more than the search they save
            return False
        roots = poly.real_roots()
    except (sp.PolynomialError, NotImplementedError):
        return False
    return all(exponent.subs(var, root).is_positive is False for root in roots)


def _polynomial_factors(expr: sp.Expr, unknowns: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """Irreducible factors of a polynomial (through Poly: much faster than factor_list)."""
    gens = [u for u in unknowns if u in expr.free_symbols]
    if not gens:
        return []
    try:
        _, pairs = sp.Poly(expr, *gens).factor_list()
        return [factor.as_expr() for factor, _ in pairs]
    except (sp.PolynomialError, NotImplementedError, sp.polys.polyerrors.DomainError):
        _, generic = sp.factor_list(expr, *gens)
        return [base for base, _ in generic]


def _factors(expr: sp.Expr, unknowns: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """Factors of ``expr`` that may vanish; ``expr == 0`` iff one of them is 0."""
    pieces: list[sp.Expr] = []
    if expr.is_polynomial(*unknowns):
        pieces = _polynomial_factors(expr, unknowns)
    else:
        for arg in sp.Mul.make_args(sp.factor_terms(expr)):
            base = arg
            if arg.is_Pow and arg.exp.is_positive:
                base = arg.base
            if base.is_polynomial(*unknowns) and base.free_symbols:
                pieces.extend(_polynomial_factors(base, unknowns))
            else:
                pieces.append(base)
    unique: list[sp.Expr] = []
    for piece in pieces:
        if not (piece.free_symbols & set(unknowns)):
            continue
        if _cannot_vanish(piece):
            continue
        if piece not in unique:
            unique.append(piece)
    return unique


def in_interval(value: sp.Expr, bounds: tuple[sp.Expr, sp.Expr] | None) -> bool:
    if value.is_real is False:
        return False
    if not value.is_number:
        return True
    approx = sp.N(value, 30)
    if abs(sp.im(approx)) > 1e-20:
        return False
    if bounds is None:
        return True
    lo, hi = bounds
    try:
        return bool(sp.Ge(value, lo)) and bool(sp.Le(value, hi))
    except TypeError:
        real = sp.re(approx)
        return bool(sp.N(lo, 30) <= real <= sp.N(hi, 30))


def _real_roots(
    factor: sp.Expr, var: sp.Symbol, bounds: tuple[sp.Expr, sp.Expr] | None, original: sp.Expr,
    alone: bool = True,
) -> list[sp.Expr]:
    """Exact real zeros of a factor in one variable, within ``bounds``.

    Zeros that repeat without end make infinitely many critical points only when the
    factor is ``alone`` (no equation left to hold with it involves ``var``): ``sin x = 0``
    in a case that also needs ``x - 1 = 0`` has no solution at all, and is left to the
    search.
    """
    roots: list[sp.Expr] = []
    if factor.is_polynomial(var):
        poly = sp.Poly(factor, var)
        if poly.degree() == 1:
            a, b = poly.all_coeffs()
            root = -b / a
            return [root] if in_interval(root, bounds) else []
        found = sp.roots(poly)
        complete = sum(found.values()) == poly.degree()
        candidates = [r for r in found if r.is_real is True]
        if not complete or any(r.is_real is None for r in found):
            candidates = list(dict.fromkeys(poly.real_roots()))
        roots = candidates
    else:
        domain = sp.Interval(*bounds) if bounds is not None else sp.S.Reals
        try:
            solutions = sp.solveset(factor, var, domain)
        except SYMPY_SOLVER_FAILURES:  # SymPy gave up inside (an undecidable comparison)
            solutions = sp.ConditionSet(var, sp.Eq(factor, 0), domain)
        if isinstance(solutions, sp.FiniteSet):
            roots = list(solutions)
        elif solutions is sp.S.EmptySet:
            roots = []
        elif _is_periodic(solutions) and bounds is None:
            if not alone:
                raise ExactSolutionError(
                    f"cannot solve {show_expr(factor)} = 0 for {var} exactly together with the "
                    "other equations (its solutions repeat periodically)")
            raise SteepestError(
                f"{show_expr(original)} has infinitely many critical points (they repeat "
                f"periodically in {var}); give a domain box such as "
                f"domain={{'{var}': (0, 10)}} to list them"
            )
        else:
            try:
                roots = [r for r in sp.solve(factor, var) if r.is_real is not False]
            except SYMPY_SOLVER_FAILURES:
                roots = []
            if not roots:
                raise ExactSolutionError(f"cannot solve {show_expr(factor)} = 0 for {var} exactly")
    return [r for r in roots if in_interval(r, bounds)]


def _is_periodic(solutions: sp.Set) -> bool:
    return bool(solutions.atoms(sp.ImageSet))


def _degree(expr: sp.Expr, var: sp.Symbol) -> float:
    if expr.is_polynomial(var):
        return float(sp.degree(expr, var))
    return float("inf")


# An equation is kept as the list of its factors that may vanish: the
# equation holds where one of them is zero.  An empty list cannot hold.
Equation = list[sp.Expr]


class _CaseSolver:
    """Solves grad f = 0 by splitting into cases, one per vanishing factor."""

    def __init__(self, unknowns: Sequence[sp.Symbol], box: Box, original: sp.Expr):
        self.unknowns = tuple(unknowns)
        self.box = box
        self.original = original
        self.cases = 0
        self.periodic: dict[sp.Symbol, bool] = {}

    def solve(self, equations: Sequence[sp.Expr]) -> list[Candidate]:
        factored: list[Equation] = []
        for equation in equations:
            if is_zero(equation):
                continue
            factored.append(_factors(equation, self.unknowns))
        found: list[Candidate] = []
        for assignment in self._search(factored, {}):
            free = tuple(v for v in self.unknowns if v not in assignment)
            found.append(Candidate(assignment, free))
        return found

    def _search(
        self, equations: list[Equation], assignment: dict[sp.Symbol, sp.Expr]
    ) -> Iterator[dict[sp.Symbol, sp.Expr]]:
        self.cases += 1
        if self.cases > MAX_CASES:
            raise ExactSolutionError(
                f"the critical points of {show_expr(self.original)} split into too many cases "
                "to solve exactly"
            )
        if any(not factors for factors in equations):
            return  # some equation can no longer hold
        if not equations:
            yield dict(assignment)
            return
        open_vars = set(self.unknowns) - set(assignment)

        def difficulty(factors: Equation) -> tuple[int, int]:
            widest = max(len(f.free_symbols & open_vars) for f in factors)
            return widest, len(factors)

        chosen = min(equations, key=difficulty)
        rest = [e for e in equations if e is not chosen]
        for factor in chosen:
            variables = [v for v in self.unknowns if v in factor.free_symbols and v in open_vars]
            if len(variables) == 1:
                var = variables[0]
                alone = self._periodic_in(var) or not any(
                    var in f.free_symbols for factors in rest for f in factors)
                for root in _real_roots(factor, var, self.box.get(var), self.original, alone):
                    yield from self._assign(rest, assignment, var, root)
            else:
                yield from self._split_multivariate(factor, variables, rest, assignment)

    def _periodic_in(self, var: sp.Symbol) -> bool:
        """Whether f repeats in ``var`` (then so do its critical points, and one family
        of them that repeats is the whole story)."""
        if var not in self.periodic:
            try:
                self.periodic[var] = periodicity(self.original, var) is not None
            except SYMPY_SOLVER_FAILURES:
                self.periodic[var] = False
        return self.periodic[var]

    def _assign(
        self,
        equations: list[Equation],
        assignment: dict[sp.Symbol, sp.Expr],
        var: sp.Symbol,
        value: sp.Expr,
    ) -> Iterator[dict[sp.Symbol, sp.Expr]]:
        """Continue the search with ``var = value`` substituted everywhere."""
        updated = {v: e.subs(var, value) for v, e in assignment.items()}
        updated[var] = value
        open_vars = [v for v in self.unknowns if v not in updated]
        reduced: list[Equation] = []
        for factors in equations:
            new_factors: Equation = []
            holds = False
            for factor in factors:
                if var not in factor.free_symbols:
                    new_factors.append(factor)
                    continue
                substituted = factor.subs(var, value)
                if value.free_symbols:
                    substituted = _numerator(substituted)
                remaining = substituted.free_symbols.intersection(open_vars)
                if not remaining:
                    if substituted.has(sp.nan, sp.zoo):
                        continue
                    if is_zero(substituted):
                        holds = True
                        break
                    continue  # a nonzero constant factor
                if len(remaining) == 1 and not value.free_symbols:
                    new_factors.append(substituted)
                else:
                    new_factors.extend(_factors(substituted, open_vars))
            if not holds:
                reduced.append(new_factors)
        yield from self._search(reduced, updated)

    def _split_multivariate(
        self,
        factor: sp.Expr,
        variables: list[sp.Symbol],
        rest: list[Equation],
        assignment: dict[sp.Symbol, sp.Expr],
    ) -> Iterator[dict]:
        var = min(variables, key=lambda v: (_degree(factor, v), self.unknowns.index(v)))
        if _degree(factor, var) == 1:
            # factor = a*var + b: var = -b/a where a != 0, and the case a = b = 0.
            poly = sp.Poly(factor, var)
            a = poly.coeff_monomial(var)
            b = poly.coeff_monomial(1)
            yield from self._assign(rest, assignment, var, sp.cancel(-b / a))
            if not a.is_number:
                open_vars = [v for v in self.unknowns if v not in assignment]
                both_vanish = [_factors(a, open_vars), _factors(b, open_vars)]
                yield from self._search([*rest, *both_vanish], assignment)
            return
        try:
            solutions = sp.solve(factor, var)
        except SYMPY_SOLVER_FAILURES:
            solutions = []
        if not solutions:
            raise ExactSolutionError(f"cannot solve {show_expr(factor)} = 0 for {var} exactly")
        for solution in solutions:
            yield from self._assign(rest, assignment, var, solution)


def _on_family(candidate: Candidate, family: Candidate) -> bool:
    """Whether every point of ``candidate`` lies on ``family``."""
    own = candidate.assignment
    for var, rule in family.assignment.items():
        lhs = own.get(var, var)
        rhs = rule.subs(own)
        if not is_zero(sp.expand(lhs - rhs)):
            return False
    return True


def _verified(candidate: Candidate, gradient: Sequence[sp.Expr]) -> bool:
    """Substitute back: every partial derivative must be zero there."""
    for component in gradient:
        value = at_point(component, candidate.assignment)
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return False
        if not is_zero(value):
            return False
    return True


def _rational_polynomial(f: sp.Expr, variables: Sequence[sp.Symbol]) -> bool:
    if not variables or not f.is_polynomial(*variables):
        return False
    return all(c.is_Rational for c in sp.Poly(f, *variables).coeffs())


def _polynomial_stationary(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box
) -> list[Candidate] | None:
    """grad f = 0 for a polynomial with rational coefficients, by elimination.

    The gradient's common factor h holds the non-isolated families (found by
    the case solver, where they are curves or surfaces); the isolated points
    solve grad f / h = 0, which has finitely many solutions in two variables.
    None when that system is not finite (three or more variables): then the
    case solver does everything.
    """
    gradient = [sp.Poly(sp.diff(f, v), *variables, domain="QQ") for v in variables]
    if all(g.is_zero for g in gradient):
        return None  # f is constant
    common = gradient[0]
    for g in gradient[1:]:
        common = common.gcd(g)
    if len(variables) == 1 or common.is_ground:
        common = sp.Poly(1, *variables, domain="QQ")
    reduced = [g.exquo(common) for g in gradient]
    solutions = real_solutions(reduced, variables)
    if solutions is None:
        return None
    families: list[Candidate] = []
    if not common.is_ground:
        solver = _CaseSolver(variables, box, f)
        exprs = [sp.diff(f, v) for v in variables]
        families = [c for c in solver.solve([common.as_expr()]) if _verified(c, exprs)]
    points: list[Candidate] = []
    for solution in solutions:
        precise = {v: root.value for v, root in solution.items()}
        if not common.is_ground and vanishes_at(
            common.as_expr(), variables, [precise[v] for v in variables]
        ):
            continue  # on a family
        assignment = {v: root.as_sympy() for v, root in solution.items()}
        exact = all(root.exact is not None for root in solution.values())
        points.append(Candidate(assignment, (), None if exact else precise))
    return [*families, *points]


def stationary(f: sp.Expr, variables: Sequence[sp.Symbol], box: Box) -> list[Candidate]:
    """Solutions of grad f = 0 inside the box: isolated points, then families."""
    gradient = [sp.diff(f, v) for v in variables]
    found: list[Candidate] | None = None
    if _rational_polynomial(f, variables):
        found = _polynomial_stationary(f, variables, box)
    if found is None:
        equations = [g if g.is_polynomial(*variables) else _numerator(g) for g in gradient]
        solver = _CaseSolver(variables, box, f)
        found = [c for c in solver.solve(equations) if _verified(c, gradient)]
    families: list[Candidate] = []
    order = {v: i for i, v in enumerate(variables)}

    def family_order(c: Candidate) -> tuple[int, list[int]]:
        return -len(c.free), sorted(order[v] for v in c.assignment)

    for candidate in sorted((c for c in found if c.free), key=family_order):
        if not _inside(candidate, box):
            continue
        if not any(_on_family(candidate, other) for other in families):
            families.append(candidate)
    points: list[Candidate] = []
    for candidate in found:
        if candidate.free or not _inside(candidate, box):
            continue
        if any(_on_family(candidate, family) for family in families):
            continue
        if candidate.precise is None and any(_same_point(candidate, other) for other in points):
            continue
        points.append(candidate)
    points.sort(key=lambda c: tuple(float(sp.re(sp.N(c.assignment[v], 20))) for v in variables))
    return [*families, *points]


def _inside(candidate: Candidate, box: Box) -> bool:
    return all(in_interval(value, box.get(var)) for var, value in candidate.assignment.items())


def _same_point(a: Candidate, b: Candidate) -> bool:
    return a.assignment.keys() == b.assignment.keys() and all(
        is_zero(a.assignment[v] - b.assignment[v]) for v in a.assignment
    )


def sign_of(value: sp.Expr) -> int:
    """The exact sign of a real number: -1, 0 or 1."""
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    approx = sp.re(sp.N(value, 50))
    if abs(approx) < sp.Float("1e-40") and is_zero(value):
        return 0
    return 1 if approx > 0 else -1


def _sign_changes(signs: Sequence[int]) -> int:
    nonzero = [s for s in signs if s != 0]
    return sum(1 for a, b in itertools.pairwise(nonzero) if a != b)


def _undefined(value: sp.Expr) -> bool:
    """Not a finite real number: infinite, NaN, or a DiracDelta from |x| or sign(x)."""
    return bool(value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta)) or not value.is_number


def classify_by_hessian(hessian_at: sp.Matrix) -> tuple[str, str]:
    """Kind of a stationary point from the eigenvalue signs of its Hessian.

    The Hessian is symmetric, so its characteristic polynomial has only real
    roots and Descartes' rule of signs counts the positive and negative
    eigenvalues exactly, without computing any of them.

    >>> import sympy as sp
    >>> classify_by_hessian(sp.Matrix([[2, 1], [1, 2]]))[0]
    'minimum'
    >>> classify_by_hessian(sp.Matrix([[2, 0], [0, -2]]))[0]
    'saddle'
    >>> classify_by_hessian(sp.Matrix([[0, 0], [0, 12]]))
    ('degenerate', 'second-derivative test inconclusive: the Hessian is singular')
    """
    n = hessian_at.shape[0]
    if any(_undefined(entry) for entry in hessian_at):
        return DEGENERATE, "the Hessian is not defined there"
    coefficients = hessian_at.charpoly().all_coeffs()
    try:
        signs = [sign_of(sp.simplify(c) if not c.is_Rational else c) for c in coefficients]
    except TypeError:
        return DEGENERATE, "the signs of the Hessian's eigenvalues cannot be decided"
    positive = _sign_changes(signs)
    negative = _sign_changes([s * (-1) ** (n - i) for i, s in enumerate(signs)])
    return kind_from_eigenvalue_signs(positive, negative, n)


def kind_from_eigenvalue_signs(positive: int, negative: int, n: int) -> tuple[str, str]:
    """Kind and note from how many of the n Hessian eigenvalues are positive and negative.

    >>> kind_from_eigenvalue_signs(1, 1, 2)
    ('saddle', 'the Hessian has eigenvalues of both signs')
    """
    if positive == n:
        return MINIMUM, "the Hessian is positive definite"
    if negative == n:
        return MAXIMUM, "the Hessian is negative definite"
    if positive and negative:
        return SADDLE, "the Hessian has eigenvalues of both signs"
    return DEGENERATE, "second-derivative test inconclusive: the Hessian is singular"


def classify_1d(f: sp.Expr, var: sp.Symbol, at: sp.Expr) -> tuple[str, str]:
    """Kind of a stationary point of a function of one variable, by higher derivatives."""
    derivative = sp.diff(f, var)
    for order in range(2, MAX_DERIVATIVE_ORDER + 1):
        derivative = sp.diff(derivative, var)
        value = derivative.subs(var, at)
        if _undefined(value):
            return DEGENERATE, f"the derivative of order {order} is not defined there"
        try:
            sign = sign_of(value)
        except TypeError:
            return DEGENERATE, f"the sign of the derivative of order {order} cannot be decided"
        if sign == 0:
            continue
        if order % 2 == 1:
            return SADDLE, f"first nonzero derivative has odd order {order}: an inflection point"
        if sign > 0:
            return MINIMUM, f"first nonzero derivative (order {order}) is positive"
        return MAXIMUM, f"first nonzero derivative (order {order}) is negative"
    return DEGENERATE, f"derivatives up to order {MAX_DERIVATIVE_ORDER} vanish there"


def _family_value(f: sp.Expr, candidate: Candidate) -> sp.Expr:
    value = at_point(f, candidate.assignment)
    return sp.simplify(value) if not value.is_Rational else value


def find_exactly(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box, interior: Interior | None = None
) -> list[CriticalPoint]:
    """:func:`find`, with SymPy's own limits (no real roots over ZZ[tanh(1)], say)
    told as an :class:`ExactSolutionError`.

    >>> x = sp.Symbol("x", real=True)
    >>> [p.kind for p in find_exactly(x**2, [x], {})]
    ['minimum']
    """
    try:
        return find(f, variables, box, interior)
    except (NotImplementedError, sp.polys.polyerrors.BasePolynomialError):
        raise ExactSolutionError(
            f"SymPy cannot solve grad f = 0 exactly for {show_expr(f)}"
        ) from None


def find(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box, interior: Interior | None = None
) -> list[CriticalPoint]:
    """Critical points of ``f`` (classified), then boundary candidates of the box.

    ``interior`` finds the classified points inside the box (default
    :func:`smooth_interior`; the layer above passes the one that also knows
    kinks, jumps and flat pieces).
    """
    if not variables:
        return [CriticalPoint({}, DEGENERATE, f, (), "f is constant: every point is critical")]
    inside = (interior or smooth_interior)(f, variables, box)
    if not box:
        return inside
    boundary = sorted(_boundary_candidates(f, variables, box), key=lambda item: -len(item[1].free))
    kept: list[CriticalPoint] = []
    isolated = [e for e in inside if e.region is None]  # a region is open: never covers
    for entry, candidate in boundary:
        if _covered(candidate, isolated, variables) or _covered(candidate, kept, variables):
            continue
        kept.append(entry)
    families = [e for e in kept if e.free]
    points = sorted((e for e in kept if not e.free), key=_sort_key)
    return [*inside, *families, *points]


def smooth_interior(f: sp.Expr, variables: Sequence[sp.Symbol], box: Box) -> list[CriticalPoint]:
    """The classified points inside the box where the gradient is zero."""
    found = [_without_root_objects(c) for c in stationary(f, variables, box)]
    hessian = sp.hessian(f, variables) if len(variables) > 1 and found else None
    return [classify(f, variables, c, hessian) for c in found]


def _without_root_objects(candidate: Candidate) -> Candidate:
    """Roots SymPy can only name (CRootOf, RootSum) become DIGITS-digit decimals."""
    values = candidate.assignment.values()
    named = any(v.has(sp.CRootOf, sp.RootSum) for v in values)
    if candidate.free or candidate.precise or not named:
        return candidate
    precise = {
        var: mpmath.mpf(str(sp.re(sp.N(value, DIGITS + 10))))
        for var, value in candidate.assignment.items()
    }
    with mpmath.workdps(DIGITS + 10):
        assignment = {var: sp.Float(mpmath.nstr(v, 17), 17) for var, v in precise.items()}
    if not all(value.has(sp.CRootOf, sp.RootSum) for value in values):
        assignment = {
            var: value if not value.has(sp.CRootOf, sp.RootSum) else assignment[var]
            for var, value in candidate.assignment.items()
        }
    return Candidate(assignment, (), precise)


def _sort_key(entry: CriticalPoint) -> tuple[float, ...]:
    return tuple(entry.approx().values())


def _as_candidate(entry: CriticalPoint, variables: Sequence[sp.Symbol]) -> Candidate:
    by_name = {v.name: v for v in variables}
    assignment = {by_name[name]: value for name, value in entry.point.items()}
    return Candidate(assignment, tuple(by_name[name] for name in entry.free))


def _covered(
    candidate: Candidate, entries: Sequence[CriticalPoint], variables: Sequence[sp.Symbol]
) -> bool:
    for entry in entries:
        other = _as_candidate(entry, variables)
        if other.free:
            if _on_family(candidate, other):
                return True
        elif not candidate.free and _same_point(candidate, other):
            return True
    return False


def classify(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    candidate: Candidate,
    hessian: sp.Matrix | None = None,
) -> CriticalPoint:
    point = {v.name: candidate.assignment[v] for v in variables if v in candidate.assignment}
    free = tuple(v.name for v in candidate.free)
    if candidate.precise is not None:
        kind, note, value = _classify_precisely(f, variables, candidate.precise)
        return CriticalPoint(point, kind, value, free, note, exact=False)
    value = _family_value(f, candidate)
    if candidate.free:
        family = CriticalPoint(point, DEGENERATE, value, free, _family_note(candidate))
        family.span = real_span(candidate)
        return family
    if len(variables) == 1:
        kind, note = classify_1d(f, variables[0], candidate.assignment[variables[0]])
    else:
        if hessian is None:
            hessian = sp.hessian(f, variables)
        at = at_point(hessian, candidate.assignment)
        at = at.applyfunc(lambda e: e if e.is_Rational else sp.radsimp(e))
        kind, note = classify_by_hessian(at)
        if kind == DEGENERATE and f.is_polynomial(*variables):
            kind, note = (
                _second_look(f, variables, candidate.assignment)
                or _principal_part(f, variables, candidate.assignment)
                or (kind, note)
            )
    return CriticalPoint(point, kind, value, free, note)


def _classify_precisely(
    f: sp.Expr, variables: Sequence[sp.Symbol], precise: Mapping[sp.Symbol, mpmath.mpf]
) -> tuple[str, str, sp.Expr]:
    """Kind, note and value of f at a point of a polynomial known to DIGITS digits.

    A derivative counts as zero where it vanishes to that precision (a true
    zero shows as ~10^-DIGITS, see :mod:`steepest.symbolic._algebraic`).
    """
    at = [precise[v] for v in variables]
    with mpmath.workdps(DIGITS + 10):
        value = mpmath.mpf(sp.lambdify(variables, f, "mpmath")(*at))
        if vanishes_at(f, variables, at):
            value = mpmath.mpf(0)  # a zero to DIGITS digits, not round-off in print
        if len(variables) == 1:
            kind, note = _classify_1d_precisely(f, variables[0], at)
        else:
            kind, note = _classify_hessian_precisely(f, variables, at)
        return kind, note, sp.Float(mpmath.nstr(value, 17), 17)


def _classify_1d_precisely(f: sp.Expr, var: sp.Symbol, at: Sequence[mpmath.mpf]) -> tuple[str, str]:
    derivative = sp.diff(f, var)
    for order in range(2, MAX_DERIVATIVE_ORDER + 1):
        derivative = sp.diff(derivative, var)
        if derivative == 0 or vanishes_at(derivative, [var], at):
            continue
        positive = sp.lambdify([var], derivative, "mpmath")(*at) > 0
        if order % 2 == 1:
            return SADDLE, f"first nonzero derivative has odd order {order}: an inflection point"
        if positive:
            return MINIMUM, f"first nonzero derivative (order {order}) is positive"
        return MAXIMUM, f"first nonzero derivative (order {order}) is negative"
    return DEGENERATE, f"derivatives up to order {MAX_DERIVATIVE_ORDER} vanish there"


def _classify_hessian_precisely(
    f: sp.Expr, variables: Sequence[sp.Symbol], at: Sequence[mpmath.mpf]
) -> tuple[str, str]:
    n = len(variables)
    matrix = mpmath.matrix(n, n)
    for i, j in itertools.product(range(n), repeat=2):
        entry = sp.diff(f, variables[i], variables[j])
        if entry != 0 and not vanishes_at(entry, variables, at):
            matrix[i, j] = sp.lambdify(variables, entry, "mpmath")(*at)
    eigenvalues = mpmath.eigsy(matrix, eigvals_only=True)
    size = max(mpmath.mnorm(matrix, 1), 1)
    positive = sum(1 for e in eigenvalues if e > ZERO_TOLERANCE * size)
    negative = sum(1 for e in eigenvalues if e < -ZERO_TOLERANCE * size)
    return kind_from_eigenvalue_signs(positive, negative, n)


def line_directions(n: int) -> list[tuple[int, ...]]:
    """Lines to look along: every direction with entries -1, 0, 1 (up to sign) in
    up to three variables; the axes and the diagonals of each pair beyond."""
    if n <= 3:
        return [
            d
            for d in itertools.product((1, 0, -1), repeat=n)
            if any(d) and next(c for c in d if c) == 1
        ]
    axes = [tuple(int(i == k) for i in range(n)) for k in range(n)]
    diagonals = [
        tuple(int(i == a) + sign * int(i == b) for i in range(n))
        for a, b in itertools.combinations(range(n), 2)
        for sign in (1, -1)
    ]
    return [*axes, *diagonals]


def _second_look(
    f: sp.Expr, variables: Sequence[sp.Symbol], at: Mapping[sp.Symbol, sp.Expr]
) -> tuple[str, str] | None:
    """A saddle proven along lines through the point, when the Hessian says nothing.

    Along the line at + t d, f - f(at) is a polynomial in t; if its lowest term
    has odd degree, or has opposite signs along two lines, f takes values
    above and below f(at) arbitrarily close to it: a saddle.  A minimum or
    maximum cannot be proven this way (f may rise along every line and still
    fall along a curve), so then the point stays degenerate.
    """
    t = sp.Dummy("t")
    base = f.subs(at)
    seen: dict[int, tuple[int, ...]] = {}
    for direction in line_directions(len(variables)):
        moved = {v: at[v] + step * t for v, step in zip(variables, direction, strict=True)}
        along = sp.Poly(sp.expand(f.subs(moved) - base), t)
        terms = [(m[0], c) for m, c in reversed(along.terms()) if not is_zero(c)]
        if not terms:
            continue
        order, coefficient = terms[0]
        if order % 2 == 1:
            return SADDLE, (
                f"second-derivative test inconclusive, but along direction {direction} "
                f"f - f(point) starts with t^{order}: it changes sign"
            )
        seen.setdefault(sign_of(coefficient), direction)
    if 1 in seen and -1 in seen:
        return SADDLE, (
            f"second-derivative test inconclusive, but f rises along direction {seen[1]} "
            f"and falls along {seen[-1]}"
        )
    return None


_SAMPLES = (-2, sp.Rational(-3, 2), -1, sp.Rational(-1, 2), 0, sp.Rational(1, 2), 1,
            sp.Rational(3, 2), 2)


def _principal_part(
    f: sp.Expr, variables: Sequence[sp.Symbol], at: Mapping[sp.Symbol, sp.Expr]
) -> tuple[str, str] | None:
    """A minimum, maximum or saddle of a polynomial told by its lowest terms, when the
    Hessian and straight lines say nothing.

    g(h) = f(at + h) - f(at).  If each variable has a pure power h_i^m_i in g
    (the lowest one), give h_i the weight 1/m_i; when no term of g weighs less
    than 1, the terms that weigh exactly 1 make the principal part P, and near
    the point g(t^(1/m) u) = t P(u) + o(t).  P > 0 away from 0 (each pure power
    even with a positive coefficient, every other term of P a positive multiple
    of even powers) makes a strict minimum; P < 0 likewise a maximum; P of both
    signs at two points u makes a saddle, along the curves t -> t^(1/m) u
    (Peano's y^2 - 3x^2 y + 2x^4 falls along y = 3x^2/2 and rises along
    y = 0, though it rises along every line).  Anything else stays undecided.

    >>> x, y = sp.symbols("x y", real=True)
    >>> origin = {x: 0, y: 0}
    >>> _principal_part(x**4 + y**4, [x, y], origin)[0]
    'minimum'
    >>> _principal_part(-(x**4 + y**2), [x, y], origin)[0]
    'maximum'
    >>> _principal_part(y**2 - 3*x**2*y + 2*x**4, [x, y], origin)[0]
    'saddle'
    >>> _principal_part(x**2*y**2 + x**4, [x, y], origin) is None  # 0 along x = 0
    True
    """
    steps = [sp.Dummy(f"h{i}", real=True) for i in range(len(variables))]
    moved = {v: at[v] + h for v, h in zip(variables, steps, strict=True)}
    g = sp.Poly(sp.expand(f.subs(moved) - f.subs(at)), *steps)
    terms = [(m, c) for m, c in g.terms() if not is_zero(c)]
    pure: dict[int, int] = {}
    for monomial, _ in terms:
        used = [i for i, e in enumerate(monomial) if e]
        if len(used) == 1:
            pure[used[0]] = min(pure.get(used[0], monomial[used[0]]), monomial[used[0]])
    if len(pure) < len(variables) or not terms:
        return None
    everywhere = [(m, sign_of(c)) for m, c in terms]
    for sign, kind in ((1, MINIMUM), (-1, MAXIMUM)):
        if all(s == sign and all(e % 2 == 0 for e in m) for m, s in everywhere):
            # Every term of g, not only the lowest: g has that sign wherever h != 0.
            return kind, (
                f"second-derivative test inconclusive, but f - f(point) is a sum of "
                f"{'positive' if sign > 0 else 'negative'} multiples of even powers, with "
                f"a power of each variable alone"
            )
    principal = []
    for monomial, coefficient in terms:
        weight = sum(sp.Rational(e, pure[i]) for i, e in enumerate(monomial))
        if weight < 1:
            return None
        if weight == 1:
            principal.append((monomial, sign_of(coefficient)))
    for sign, kind in ((1, MINIMUM), (-1, MAXIMUM)):
        if all(s == sign and all(e % 2 == 0 for e in m) for m, s in principal):
            orders = ", ".join(f"{variables[i]}^{pure[i]}" for i in sorted(pure))
            return kind, (
                f"second-derivative test inconclusive, but the lowest terms of f - f(point) "
                f"({orders} and terms of the same weight) are all "
                f"{'positive' if sign > 0 else 'negative'} multiples of even powers"
            )
    part = sp.Poly.from_dict(
        {m: c for m, c in terms if sum(sp.Rational(e, pure[i]) for i, e in enumerate(m)) == 1},
        *steps,
    )
    grid = _SAMPLES if len(variables) <= 3 else (-1, 0, 1)
    signs: dict[int, tuple[sp.Expr, ...]] = {}
    for u in itertools.product(grid, repeat=len(variables)):
        value = part(*u)
        if value != 0:
            signs.setdefault(sign_of(value), u)
        if len(signs) == 2:
            return SADDLE, (
                f"second-derivative test inconclusive, but as s -> 0 f - f(point) is "
                f"positive along {_curve(variables, at, pure, signs[1])} and negative "
                f"along {_curve(variables, at, pure, signs[-1])}"
            )
    return None


def _curve(
    variables: Sequence[sp.Symbol],
    at: Mapping[sp.Symbol, sp.Expr],
    orders: Mapping[int, int],
    direction: Sequence[sp.Expr],
) -> str:
    """The curve at + s^(L/m) u, as ``x = -s, y = 3*s^2/2``."""
    s = sp.Symbol("s")
    common = math.lcm(*orders.values())
    return ", ".join(
        f"{v} = {show_expr(at[v] + u * s ** (common // orders[i]))}"
        for i, (v, u) in enumerate(zip(variables, direction, strict=True))
    )


def real_span(candidate: Candidate) -> sp.Set | sp.Basic | None:
    """Where the free variables of a family may lie for its coordinates to be real
    numbers (None: anywhere): an interval of one free variable, or conditions on
    several.

    >>> x, y, z = sp.symbols("x y z", real=True)
    >>> real_span(Candidate({x: sp.sqrt(1 - y**2)}, (y,)))
    Interval(-1, 1)
    >>> real_span(Candidate({x: 1 / y}, (y,)))
    Union(Interval.open(-oo, 0), Interval.open(0, oo))
    >>> real_span(Candidate({x: sp.sqrt(1 - y**2 - z**2)}, (y, z)))
    -y**2 - z**2 + 1 >= 0
    >>> real_span(Candidate({x: y**2}, (y,))) is None
    True
    """
    values = [v for v in candidate.assignment.values() if v.free_symbols & set(candidate.free)]
    if not values:
        return None
    if len(candidate.free) == 1:
        (var,) = candidate.free
        try:
            span = sp.Intersection(
                *(continuous_domain(v, var, sp.S.Reals) for v in values)
            )
        except (NotImplementedError, ValueError, TypeError):
            return None
        if span == sp.S.Reals or not isinstance(span, (sp.Interval, sp.Union, sp.FiniteSet)):
            return None
        return span
    conditions = []
    for value in values:
        for power in value.atoms(sp.Pow):
            if power.exp.is_Rational and power.exp.q % 2 == 0:
                conditions.append(sp.Ge(power.base, 0))  # an even root
            elif power.exp.is_negative:
                conditions.append(sp.Ne(power.base, 0))
        conditions += [sp.Gt(log.args[0], 0) for log in value.atoms(sp.log)]
    conditions = [c for c in dict.fromkeys(conditions) if c is not sp.true]
    return sp.And(*conditions) if conditions else None


def _family_note(candidate: Candidate) -> str:
    fixed = ", ".join(f"{v} = {show_expr(e)}" for v, e in candidate.assignment.items())
    shape = {
        1: "line" if all(not e.free_symbols for e in candidate.assignment.values()) else "curve",
        2: "surface",
    }.get(len(candidate.free), "set")
    if not candidate.assignment:
        return "every point is critical: f is constant"
    return f"a whole {shape} of critical points ({fixed}), not isolated"


def _boundary_candidates(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box
) -> list[tuple[CriticalPoint, Candidate]]:
    """Critical points of f restricted to each face, edge and corner of the box."""
    bounded = [v for v in variables if v in box]
    found: list[tuple[CriticalPoint, Candidate]] = []

    def visit(g: sp.Expr, fixed: dict[sp.Symbol, sp.Expr], start: int) -> None:
        for index in range(start, len(bounded)):
            var = bounded[index]
            for bound in dict.fromkeys(box[var]):
                if not bound.is_finite:
                    continue
                restricted = g.subs(var, bound)
                now_fixed = {**fixed, var: bound}
                rest = [v for v in variables if v not in now_fixed]
                for local in stationary(restricted, rest, box):
                    assignment = {**now_fixed, **local.assignment}
                    candidate = Candidate(assignment, local.free)
                    found.append(
                        (
                            _boundary_entry(
                                f, variables, candidate, rest, local, restricted, now_fixed
                            ),
                            candidate,
                        )
                    )
                visit(restricted, now_fixed, index + 1)

    visit(f, {}, 0)
    return found


def _boundary_entry(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    candidate: Candidate,
    rest: Sequence[sp.Symbol],
    local: Candidate,
    restricted: sp.Expr,
    fixed: dict[sp.Symbol, sp.Expr],
) -> CriticalPoint:
    point = {v.name: candidate.assignment[v] for v in variables if v in candidate.assignment}
    free = tuple(v.name for v in candidate.free)
    value = _family_value(f, candidate)
    where = ", ".join(f"{v} = {e}" for v, e in fixed.items())
    if not rest:
        note = "end of the interval" if len(variables) == 1 else f"corner {where}"
    elif local.free:
        note = f"f is constant along the edge {where}"
    else:
        inner = classify(restricted, rest, local)
        note = f"{inner.kind} of f along the edge {where}"
    return CriticalPoint(point, BOUNDARY, value, free, note)
