"""Calculus in several variables: partials, gradient, Jacobian, Hessian,
critical points, tangent lines and planes, the multivariable chain rule,
limits and continuity.

Every function takes text in learner notation (parsed safely by
:func:`steepest.symbolic.parser.parse`, never evaluated as Python), a SymPy
expression, or a :class:`steepest.Function`.  Variables come in a stable
order: ``x``, ``y``, ``z``, then the others alphabetically; a point can be a
dict (variable name -> value) or a sequence in that order.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> gradient(x**2 + y**2, at=(2, 3))
(4, 6)
>>> [(p.kind, p.point) for p in critical_points(x**2 + y**2)]
[('minimum', {'x': 0, 'y': 0})]
"""

from __future__ import annotations

import math
import numbers
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.simplify.fu import TR8

from steepest.bounded import check_timeout, within
from steepest.errors import SteepestError, TimeLimitError
from steepest.symbolic import _critical, _kinked, _limits, _search, nonsmooth
from steepest.symbolic._critical import KINDS, CriticalPoint
from steepest.symbolic._limits import Continuity, Limit
from steepest.symbolic.parser import is_variable_name, parse, parse_function, variable_sort_key
from steepest.symbolic.points import at_point
from steepest.symbolic.printing import plain_repr, text_form
from steepest.symbolic.timed import DEFAULT_TIMEOUT, timed

# Seconds for finding exactly the points without a gradient at roots (the tip of a
# cone) when the rest of the critical points are left to the numerical search.
ROOTS_SECONDS = 2.0

ExprLike = Any  # text, a SymPy expression, or a steepest Function
PointLike = Any  # a dict name -> value, a sequence in variable order, or one value

# ---------------------------------------------------------------------------
# Turning user input into SymPy objects


def to_expr(expr: ExprLike) -> sp.Expr:
    """A SymPy expression from text, a SymPy expression or a steepest Function.

    Text goes through the safe parser; it is never evaluated as Python.

    >>> import sympy as sp
    >>> to_expr(sp.Symbol("x") ** 2)
    x**2
    """
    if isinstance(expr, sp.Basic):
        if not isinstance(expr, sp.Expr):
            raise SteepestError(f"expected a math expression, got a {type(expr).__name__} ({expr})")
        return expr
    if isinstance(expr, str):
        return parse_function(expr)
    inner = getattr(expr, "expr", None)
    if isinstance(inner, sp.Expr):
        return inner
    if isinstance(expr, numbers.Number) and not isinstance(expr, bool):
        return as_value(expr)
    raise SteepestError(
        "expected a math expression as text, a SymPy expression or a steepest Function, "
        f"got {type(expr).__name__}"
    )


def variables_of(expr: sp.Expr) -> tuple[sp.Symbol, ...]:
    """The variables of ``expr`` in steepest's order: x, y, z, then alphabetical
    (digits by value, so ``x_2`` comes before ``x_10``).

    >>> import sympy as sp
    >>> a, t, x, z = sp.symbols("a t x z")
    >>> variables_of(a * t + z + x)
    (x, z, a, t)
    """
    symbols = [s for s in expr.free_symbols if isinstance(s, sp.Symbol)]
    return tuple(sorted(symbols, key=_variable_key))


def _variable_key(symbol: sp.Symbol) -> tuple[int, list[object]]:
    return variable_sort_key(symbol.name)


def _symbol(expr: sp.Expr, name: str | sp.Symbol) -> sp.Symbol:
    """The symbol of ``expr`` called ``name`` (a fresh one if it does not occur)."""
    if isinstance(name, sp.Symbol):
        name = name.name
    if not isinstance(name, str) or not name.isidentifier():
        raise SteepestError(f"{name!r} is not a variable name")
    for symbol in expr.free_symbols:
        if isinstance(symbol, sp.Symbol) and symbol.name == name:
            return symbol
    return sp.Symbol(name)


def _variables(expr: sp.Expr, given: Iterable[str | sp.Symbol] | None) -> tuple[sp.Symbol, ...]:
    if given is None:
        return variables_of(expr)
    if isinstance(given, (str, sp.Symbol)):
        given = [given]
    chosen = tuple(_symbol(expr, name) for name in given)
    if len({s.name for s in chosen}) != len(chosen):
        raise SteepestError("each variable may be listed only once")
    return chosen


def as_value(value: Any) -> sp.Expr:
    """An exact SymPy number (or expression) from a Python, NumPy or text value.

    Integers and fractions stay exact, floats stay floats, ``inf`` becomes
    ``oo``, and text goes through the safe parser.

    >>> as_value(3), as_value(0.5), as_value(float("-inf"))
    (3, 0.500000000000000, -oo)
    """
    if isinstance(value, bool):
        raise SteepestError(f"{value} is not a number")
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise SteepestError(f"{value} is not a number")
        return value
    if isinstance(value, str):
        text = value.strip()
        infinity = _infinity(text)
        if infinity is not None:
            return infinity
        return parse(text)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            raise SteepestError("nan is not a number steepest can use as a point")
        if math.isinf(number):
            return sp.oo if number > 0 else -sp.oo
        return sp.Float(number)
    raise SteepestError(f"{value!r} is not a number")


def _infinity(text: str) -> sp.Expr | None:
    lowered = text.replace(" ", "").lower()
    if lowered in {"inf", "+inf", "oo", "+oo", "infinity", "+infinity", "∞", "+∞"}:
        return sp.oo
    if lowered in {"-inf", "-oo", "-infinity", "-∞"}:
        return -sp.oo
    return None


def resolve_point(at: PointLike, variables: Sequence[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """Map each variable to its value from a dict, a sequence or a single value.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> resolve_point({"y": 3, "x": 2}, (x, y))
    {x: 2, y: 3}
    >>> resolve_point([1, 2, 3], (x, y))
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: the point has 3 values but the expression has 2 variables (x, y)
    """
    names = ", ".join(v.name for v in variables) or "none"
    if isinstance(at, Mapping):
        by_name = {v.name: v for v in variables}
        point: dict[sp.Symbol, sp.Expr] = {}
        for key, value in at.items():
            name = key.name if isinstance(key, sp.Symbol) else str(key)
            if name not in by_name:
                raise SteepestError(
                    f"unknown variable {name!r} in the point; the variables are {names}"
                )
            point[by_name[name]] = as_value(value)
        missing = [v.name for v in variables if v not in point]
        if missing:
            raise SteepestError(f"the point gives no value for {', '.join(missing)}")
        return {v: point[v] for v in variables}
    if isinstance(at, (str, numbers.Number, sp.Basic)) and not isinstance(at, sp.MatrixBase):
        values = [at]
    elif isinstance(at, (Sequence, np.ndarray, sp.MatrixBase)):
        values = list(np.asarray(at, dtype=object).ravel())
    else:
        raise SteepestError(f"a point must be a dict or a sequence of numbers, not {at!r}")
    if len(values) != len(variables):
        raise SteepestError(
            f"the point has {len(values)} value{'s' if len(values) != 1 else ''} but the "
            f"expression has {len(variables)} variable{'s' if len(variables) != 1 else ''}"
            f" ({names})"
        )
    return {v: as_value(value) for v, value in zip(variables, values, strict=True)}


def _real_copy(expr: sp.Expr) -> tuple[sp.Expr, dict[sp.Symbol, sp.Symbol]]:
    """``expr`` over real symbols of the same names, and the map back."""
    forward: dict[sp.Symbol, sp.Symbol] = {}
    for symbol in expr.free_symbols:
        if isinstance(symbol, sp.Symbol) and symbol.is_real is not True:
            forward[symbol] = sp.Symbol(symbol.name, real=True)
    back = {real: original for original, real in forward.items()}
    return (expr.xreplace(forward) if forward else expr), back


def _is_finite_number(value: sp.Expr) -> bool:
    return not value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.AccumBounds)


def number_or_none(value: sp.Expr) -> float | None:
    """``value`` as a float, or None where it is not one finite real number (1/0, a symbol).

    >>> number_or_none(sp.Integer(1) / 2), number_or_none(sp.zoo)
    (0.5, None)
    """
    if not value.is_number:
        return None
    approx = sp.N(value, 20)
    if approx.has(sp.nan, sp.zoo):
        return None
    try:
        return float(sp.re(approx))
    except TypeError:
        return None


# ---------------------------------------------------------------------------
# Partial derivatives, gradient, Jacobian, Hessian


@dataclass(frozen=True, eq=False)
class PartialDerivative:
    """The partial derivative of ``expr`` with respect to ``wrt``.

    ``result`` is the exact SymPy expression; ``held_constant`` names the
    other variables.  It behaves like its result in comparisons and SymPy
    arithmetic, and :meth:`text` shows the rule-by-rule derivation.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> d = partial(3 * x**2 * y**3, "x")
    >>> d.result, d.held_constant
    (6*x*y**3, ('y',))
    >>> d == 6 * x * y**3
    True
    """

    __repr__ = plain_repr

    expr: sp.Expr
    wrt: sp.Symbol
    result: sp.Expr
    held_constant: tuple[str, ...]

    def _sympy_(self) -> sp.Expr:
        return self.result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PartialDerivative):
            return self.result == other.result
        if isinstance(other, (sp.Basic, numbers.Number)):
            return self.result == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.result)

    def __str__(self) -> str:
        return text_form(self.result)

    def subs(self, *args: Any, **kwargs: Any) -> sp.Expr:
        """The result with values substituted (SymPy's ``subs``)."""
        return self.result.subs(*args, **kwargs)

    def derivation(self) -> Any:
        """The rule-by-rule derivation (a :class:`steepest.symbolic.steps.Derivation`)."""
        from steepest.symbolic.steps import derive

        return derive(self.expr, self.wrt.name)

    @property
    def steps(self) -> Any:
        """The tree of rule applications that leads to the result."""
        return self.derivation().steps

    def heading(self) -> str:
        """``∂f/∂x = ...`` and which variables are held constant."""
        line = f"∂/∂{self.wrt.name} [{text_form(self.expr)}] = {text_form(self.result)}"
        if self.held_constant:
            others = ", ".join(self.held_constant)
            verb = "is" if len(self.held_constant) == 1 else "are"
            line += f"  ({others} {verb} held constant)"
        return line

    def text(self) -> str:
        """The rule-by-rule derivation as text (it names the variables held constant)."""
        return str(self.derivation().text())

    def latex(self) -> str:
        """The derivation as a LaTeX ``aligned`` block."""
        return str(self.derivation().latex())

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import partial_html

        return partial_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the expression, variable, result and held-constant variables."""
        return {
            "expr": text_form(self.expr),
            "wrt": self.wrt.name,
            "result": text_form(self.result),
            "held_constant": list(self.held_constant),
        }


def partial(
    expr: ExprLike, wrt: str | sp.Symbol, *, timeout: float | None = DEFAULT_TIMEOUT
) -> PartialDerivative:
    """The partial derivative of ``expr`` with respect to ``wrt``, the others held constant.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> partial(x**2 + y**2, "x").result
    2*x
    >>> print(partial(x**2 + y**2, "y").heading())
    ∂/∂y [x^2 + y^2] = 2*y  (x is held constant)
    """
    f = to_expr(expr)
    var = _symbol(f, wrt)
    held = tuple(v.name for v in variables_of(f) if v != var)
    result = timed(
        lambda: _partial_formula(f, var), timeout, f"the partial derivative of {text_form(f)}"
    )
    return PartialDerivative(f, var, result, held)


class Gradient(tuple):
    """The gradient: a tuple of partial derivatives (or of their values at a point).

    It compares equal to a plain tuple, converts to a NumPy array when
    numeric, and knows its ``variables``, the point ``at`` (or None), its
    ``magnitude`` (Euclidean norm) and a column ``matrix``.

    >>> import sympy as sp
    >>> x, y, z = sp.symbols("x y z")
    >>> g = gradient(2*x + 3*y**2 - sp.sin(z))
    >>> g
    (2, 6*y, -cos(z))
    >>> g["z"]
    -cos(z)
    """

    variables: tuple[sp.Symbol, ...]
    at: dict[str, sp.Expr] | None

    def __new__(
        cls,
        components: Iterable[sp.Expr],
        variables: Sequence[sp.Symbol],
        at: Mapping[sp.Symbol, sp.Expr] | None = None,
    ) -> Gradient:
        obj = super().__new__(cls, tuple(components))
        obj.variables = tuple(variables)
        obj.at = None if at is None else {v.name: value for v, value in at.items()}
        return obj

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (str, sp.Symbol)):
            name = key.name if isinstance(key, sp.Symbol) else key
            for var, component in zip(self.variables, self, strict=True):
                if var.name == name:
                    return component
            raise KeyError(name)
        return super().__getitem__(key)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if all(c.is_number for c in self):
            return np.array([number_or_none(c) for c in self], dtype=dtype or float)
        return np.array(list(self), dtype=object)

    @property
    def matrix(self) -> sp.Matrix:
        """The gradient as a SymPy column vector."""
        return sp.Matrix(list(self))

    @property
    def magnitude(self) -> sp.Expr:
        """The Euclidean norm sqrt(sum of squared components).

        >>> import sympy as sp
        >>> x, y = sp.symbols("x y")
        >>> gradient(x**2 + y**2, at=(2, 3)).magnitude
        2*sqrt(13)
        """
        return sp.sqrt(sum((c**2 for c in self), sp.Integer(0)))

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import gradient_html

        return gradient_html(self)

    def _repr_latex_(self) -> str:
        from steepest.symbolic.printing import latex

        return f"$\\nabla f = {latex(self.matrix)}$"

    def as_dict(self) -> dict[str, sp.Expr]:
        """Variable name -> component."""
        return {v.name: c for v, c in zip(self.variables, self, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: exact components as text, floats when numeric."""
        numeric = all(c.is_number for c in self)
        return {
            "variables": [v.name for v in self.variables],
            "components": [text_form(c) for c in self],
            "at": None if self.at is None else {k: text_form(v) for k, v in self.at.items()},
            "values": [number_or_none(c) for c in self] if numeric else None,
            "magnitude": text_form(self.magnitude),
            "magnitude_value": number_or_none(self.magnitude) if numeric else None,
        }


def gradient(
    expr: ExprLike,
    at: PointLike | None = None,
    variables: Iterable[str | sp.Symbol] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Gradient:
    """The gradient of ``expr``: symbolic, or its exact values at the point ``at``.

    ``at`` is a dict (name -> value) or a sequence in variable order (x, y,
    z, then alphabetical).  ``variables`` chooses the variables and their order.
    SymPy's work is limited to ``timeout`` seconds (a :class:`TimeLimitError` after).

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> gradient(x**2 + y**2)
    (2*x, 2*y)
    >>> gradient(x**2 + y**2, at={"x": 2, "y": 3})
    (4, 6)
    >>> gradient(x**2, variables=["x", "y"])
    (2*x, 0)
    """
    f = to_expr(expr)
    chosen = _variables(f, variables)

    def work() -> Gradient:
        if at is None:
            return Gradient([_partial_formula(f, v) for v in chosen], chosen)
        point = resolve_point(at, chosen)
        values = [_tidy(nonsmooth.derivative_at(f, v, point)) for v in chosen]
        return Gradient(values, chosen, point)

    return timed(work, timeout, f"the gradient of {text_form(f)}")


def _partial_formula(f: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """df/dvar as a formula, as it holds away from kinks and jumps (no DiracDelta)."""
    return nonsmooth.away_from_kinks(sp.diff(f, var))


def _old_spelling(name: str, at: Any, variables: Any, legacy: Any) -> tuple[Any, Any]:
    """``(at, variables)`` from the current or the deprecated call spelling.

    The old ``jacobian(exprs, vars, at)`` and ``hessian(expr, vars, at)`` put
    the variables before the point; a second argument made only of variable
    names is read that way for one more release, with a DeprecationWarning.
    """
    if legacy is not None:
        warnings.warn(
            f"{name}(..., vars=...) is deprecated: use {name}(expr, at, variables=...)",
            DeprecationWarning,
            stacklevel=3,
        )
        return at, legacy
    if at is not None and _are_variable_names(at):
        warnings.warn(
            f"{name}(expr, variables, at) is deprecated: the point now comes second, "
            f"as in {name}(expr, at, variables=...)",
            DeprecationWarning,
            stacklevel=3,
        )
        return variables, at
    return at, variables


def _are_variable_names(value: Any) -> bool:
    """Whether ``value`` is a variable name or a list of them (never a point)."""
    items = [value] if isinstance(value, (str, sp.Symbol)) else value
    if not isinstance(items, (list, tuple)) or not items:
        return False
    for item in items:
        if isinstance(item, sp.Symbol):
            continue
        if not isinstance(item, str) or not is_variable_name(item.strip()):
            return False
    return True


def _tidy(value: sp.Expr) -> sp.Expr:
    return value if value.is_Atom or value.is_Rational else sp.simplify(value)


def jacobian(
    exprs: ExprLike | Sequence[ExprLike],
    at: PointLike | None = None,
    variables: Iterable[str | sp.Symbol] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    vars: Iterable[str | sp.Symbol] | None = None,
) -> sp.Matrix:
    """The m x n Jacobian matrix of f: R^n -> R^m; row i is the gradient of f_i.

    Called like :func:`gradient`: the functions, then the point ``at`` (None
    for the symbolic matrix), then ``variables`` (default: every variable of
    the components, in steepest's order).  ``vars=`` and the old order
    ``jacobian(exprs, variables, at)`` still work, with a DeprecationWarning.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> jacobian([x**2 * y, 5*x + sp.sin(y)], variables=["x", "y"])
    Matrix([
    [2*x*y, x**2],
    [    5, cos(y)]])
    >>> jacobian([x * y, x + y], at=(1, 2))
    Matrix([
    [2, 1],
    [1, 1]])
    """
    if isinstance(exprs, sp.MatrixBase):
        components = list(exprs)
    elif isinstance(exprs, (str, sp.Basic)) or not isinstance(exprs, Iterable):
        components = [to_expr(exprs)]
    else:
        components = [to_expr(e) for e in exprs]
    if not components:
        raise SteepestError("the Jacobian needs at least one function")
    combined = sp.Add(*[sp.Dummy() * c for c in components])
    at, variables = _old_spelling("jacobian", at, variables, vars)
    if variables is None:
        chosen = tuple(v for v in variables_of(combined) if not isinstance(v, sp.Dummy))
    else:
        chosen = _variables(combined, variables)

    def work() -> sp.Matrix:
        if at is None:
            return sp.Matrix([[_partial_formula(c, v) for v in chosen] for c in components])
        point = resolve_point(at, chosen)
        rows = [[nonsmooth.derivative_at(c, v, point) for v in chosen] for c in components]
        return sp.Matrix(rows).applyfunc(_tidy)

    shown = ", ".join(text_form(c) for c in components)
    return timed(work, timeout, f"the Jacobian of ({shown})")


def hessian(
    expr: ExprLike,
    at: PointLike | None = None,
    variables: Iterable[str | sp.Symbol] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    vars: Iterable[str | sp.Symbol] | None = None,
) -> sp.Matrix:
    """The n x n matrix of second partial derivatives of ``expr``.

    Called like :func:`gradient`: the expression, the point ``at``, then
    ``variables``.  ``vars=`` and the old order ``hessian(expr, variables,
    at)`` still work, with a DeprecationWarning.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> hessian(x**3 * y + y**2)
    Matrix([
    [ 6*x*y, 3*x**2],
    [3*x**2,      2]])
    >>> hessian(x**3 * y + y**2, at=(1, 2))
    Matrix([
    [12, 3],
    [ 3, 2]])
    """
    f = to_expr(expr)
    at, variables = _old_spelling("hessian", at, variables, vars)
    chosen = _variables(f, variables)

    def work() -> sp.Matrix:
        first = [_partial_formula(f, v) for v in chosen]
        if at is None:
            return sp.Matrix([[_partial_formula(g, v) for v in chosen] for g in first])
        point = resolve_point(at, chosen)
        _first_derivatives_exist(f, chosen, point)
        rows = [[nonsmooth.derivative_at(g, v, point) for v in chosen] for g in first]
        return sp.Matrix(rows).applyfunc(_tidy) if chosen else sp.zeros(0, 0)

    return timed(work, timeout, f"the Hessian of {text_form(f)}")


def _first_derivatives_exist(f: sp.Expr, chosen: Sequence[sp.Symbol],
                             point: Mapping[sp.Symbol, sp.Expr]) -> None:
    """Nothing, or one sentence about f itself where a first derivative is missing at
    ``point`` (then no second one exists there): the sentence names f's own slopes, not
    the formula of a first derivative that breaks down there."""
    for v in chosen:
        try:
            nonsmooth.derivative_at(f, v, point)
        except SteepestError as missing:
            where = _where(point)
            head = f"the derivative of {text_form(f)} with respect to {v} does not exist at {where}"
            reason = str(missing).removeprefix(head).removeprefix(": ")
            raise SteepestError(
                f"the Hessian of {text_form(f)} does not exist at {where}: its first "
                f"derivative with respect to {v} does not exist there ({reason})"
            ) from None


# ---------------------------------------------------------------------------
# Critical points


def _check_solvable(f: sp.Expr) -> None:
    """One sentence for the functions whose critical points cannot be listed exactly."""
    if f.has(sp.floor, sp.ceiling) or (f.has(sp.Heaviside) and len(f.free_symbols) > 1):
        raise SteepestError(
            f"{text_form(f)} jumps (floor, ceil or a step): between its jumps its "
            "gradient is that of each piece, and at a jump there is none, so its critical "
            "points are not a list of points; find those of each piece, or plot it"
        )
    if f.has(sp.sign) and len(f.free_symbols) > 1:
        # Odd roots are written sign(u)|u|^(1/n); the exact solver cannot split on the sign.
        raise SteepestError(
            f"{text_form(f)} uses sign (as a cube root does): grad f = 0 cannot be solved "
            "exactly here; find the critical points numerically, for example with "
            "steepest.minimize and steepest.maximize from a few starting points"
        )


def critical_points(
    expr: ExprLike,
    domain: Mapping[str | sp.Symbol, tuple[Any, Any]] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    fallback: str | None = None,
) -> list[CriticalPoint]:
    """Every critical point: where the gradient is zero or does not exist, classified.

    A polynomial with rational coefficients is solved completely by
    elimination (resultants or Groebner bases) and exact real-root
    isolation: a coordinate keeps its exact form when that is a short
    radical, and is otherwise a decimal correct to double precision
    (``exact=False``).  Other functions are solved symbolically case by case.
    Solving stops after ``timeout`` seconds with a
    :class:`~steepest.errors.TimeLimitError` whose ``points`` are the critical
    points a numerical multi-start search found; ``fallback="numeric"``
    returns those instead (labelled ``found="numerically"``: the list may
    be incomplete).

    ``kind`` is ``minimum``, ``maximum`` or ``saddle`` (by the signs of the
    Hessian's eigenvalues; in one variable by the first nonzero higher
    derivative, a stationary inflection point counting as a saddle),
    ``degenerate`` when the test is inconclusive or the point lies on a
    non-isolated family (one entry per family, whose ``point`` holds only the
    fixed coordinates and ``free`` the others), and ``boundary`` for the
    candidates on the edge of a ``domain`` box ``{name: (low, high)}``:
    critical points of f restricted to each edge and face, and the corners.

    Where |u|, max, min, relu, sign, a step or a piecewise function switches
    formula, the derivative may not exist: such points are listed (``note``
    says "the derivative is not defined here (a kink)", or that f jumps) and,
    in one variable, classified from f just to each side (``saddle`` meaning
    neither a minimum nor a maximum).  An interval where f is constant is one
    entry with ``region`` set (``free`` names the variable); in several
    variables a kink surface is one family, and the kind of a point on it is
    proven along lines through it or left ``degenerate``.

    >>> [(p.kind, p.where) for p in critical_points("max(x, 0)")]
    [('degenerate', 'every point with x < 0'), ('minimum', '(x = 0)')]

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> sauna = 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90
    >>> for p in critical_points(sauna):
    ...     print(p.kind, p.point, p.free, p.value)
    degenerate {'x': 0} ('y',) 85
    degenerate {'y': 0} ('x',) 85
    minimum {'x': 4, 'y': 4} () 3313/45
    saddle {'x': 6, 'y': 6} () 85
    >>> [(p.kind, p.point) for p in critical_points(x**2 - 4*x + 4, domain={"x": (0, 5)})]
    [('minimum', {'x': 2}), ('boundary', {'x': 0}), ('boundary', {'x': 5})]
    """
    if fallback not in (None, "numeric"):
        raise SteepestError(f'fallback must be None or "numeric", not {fallback!r}')
    timeout = check_timeout(timeout)  # a bad timeout is a mistake, not a time limit
    f = to_expr(expr)
    _check_solvable(f)
    real_f, back = _real_copy(f)
    chosen = variables_of(real_f)
    box = _domain_box(chosen, domain)
    try:
        found = within(
            lambda: _critical.find_exactly(real_f, chosen, box, _kinked.interior),
            timeout=timeout,
            what=f"solving grad f = 0 exactly for {text_form(f)}",
            advice="",
        )
    except (TimeLimitError, _critical.ExactSolutionError) as error:
        found = [
            *_points_without_gradient(real_f, chosen, box),
            *_search.search(real_f, chosen, box),
        ]
        if fallback != "numeric":
            raise _critical.with_search_results(error, found) from None
    return _with_original_symbols(found, back)


def _points_without_gradient(
    f: sp.Expr, variables: list[sp.Symbol], box: dict[sp.Symbol, Any]
) -> list[CriticalPoint]:
    """Where a root's argument is 0 in several variables (the tip of a cone), found
    exactly when that finishes within ``ROOTS_SECONDS``: the numerical search, which
    follows the gradient's zeros, does not look there."""
    if len(variables) < 2:
        return []
    try:
        return within(
            lambda: _kinked.root_points(f, variables, box),
            timeout=ROOTS_SECONDS,
            what="finding where the arguments of roots are 0",
            advice="",
        )
    except (TimeLimitError, SteepestError, NotImplementedError):
        return []


def search_critical_points(
    expr: ExprLike, domain: Mapping[str | sp.Symbol, tuple[Any, Any]] | None = None
) -> list[CriticalPoint]:
    """Critical points found numerically: root finding on the gradient from starts spread
    over the ``domain`` box (``[-10, 10]`` in each variable it leaves out).

    This is the search :func:`critical_points` falls back to; it works where
    exact solving cannot (transcendental equations, cube roots, periodic
    functions in a box) but makes no claim to find every point: each is
    labelled ``found="numerically"`` and classified by the Hessian's
    eigenvalues.

    >>> found = search_critical_points("cos(x) - x^2/10", {"x": (-5, 5)})
    >>> [p.kind for p in found]
    ['maximum', 'minimum', 'maximum', 'minimum', 'maximum']
    >>> [round(float(p.point["x"]), 6) for p in found]
    [-4.906295, -4.10462, 0.0, 4.10462, 4.906295]
    """
    f = to_expr(expr)
    real_f, back = _real_copy(f)
    chosen = variables_of(real_f)
    found = _search.search(real_f, chosen, _domain_box(chosen, domain))
    return _with_original_symbols(found, back)


def _with_original_symbols(
    found: list[CriticalPoint], back: Mapping[sp.Symbol, sp.Symbol]
) -> list[CriticalPoint]:
    if not back:
        return found
    for entry in found:
        entry.point = {k: v.xreplace(back) for k, v in entry.point.items()}
        entry.value = entry.value.xreplace(back)
    return found


def _domain_box(
    chosen: Sequence[sp.Symbol], domain: Mapping[str | sp.Symbol, tuple[Any, Any]] | None
) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    """``domain`` ({name: (low, high)}) checked, as a box over the symbols ``chosen``."""
    box: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]] = {}
    if domain:
        by_name = {v.name: v for v in chosen}
        for key, bounds in domain.items():
            name = key.name if isinstance(key, sp.Symbol) else str(key)
            if name not in by_name:
                names = ", ".join(by_name) or "none"
                raise SteepestError(
                    f"unknown variable {name!r} in the domain; the variables are {names}"
                )
            try:
                low, high = bounds
            except (TypeError, ValueError):
                raise SteepestError(
                    f"the domain of {name} must be a pair (low, high), not {bounds!r}"
                ) from None
            low_value, high_value = as_value(low), as_value(high)
            if not (low_value.is_number and high_value.is_number):
                raise SteepestError(f"the bounds of {name} must be numbers")
            if bool(low_value > high_value):
                raise SteepestError(
                    f"the domain of {name} is empty: {low_value} is greater than {high_value}"
                )
            box[by_name[name]] = (low_value, high_value)
    return box


# ---------------------------------------------------------------------------
# Tangent lines and planes


def _point_slope_text(
    value: sp.Expr, slopes: Sequence[tuple[sp.Symbol, sp.Expr, sp.Expr]], lhs: str
) -> str:
    """``z = 20 + 4(x - 2) + 8(y - 4)`` built term by term, signs tidied."""
    text = "" if value == 0 and any(slope != 0 for _, slope, _ in slopes) else text_form(value)
    for var, slope, center in slopes:
        if slope == 0:
            continue
        negative = slope.could_extract_minus_sign()
        magnitude = -slope if negative else slope
        shift = var.name if center == 0 else f"({text_form(var - center)})"
        coefficient = "" if magnitude == 1 else _paren(magnitude)
        body = f"{coefficient}{shift}"
        if not text:
            text = f"-{body}" if negative else body
        else:
            text += f" - {body}" if negative else f" + {body}"
    return f"{lhs} = {text}"


def output_name(inputs: Sequence[str], preferred: str) -> str:
    """``preferred`` as the name of a function's value, unless it names an input.

    >>> output_name(["x", "y"], "z"), output_name(["x", "y", "z"], "z")
    ('z', 'f')
    """
    if preferred not in inputs:
        return preferred
    return next(name for name in ("f", "g", "h", "u", "w") if name not in inputs)


def _paren(expr: sp.Expr) -> str:
    """A slope as the factor in front of ``(x - a)``: in parentheses unless it is one token
    or a function call, since ``3/5(x - 1)``, ``e^2(x - 2)`` or ``10^200(x - 1)`` are
    ambiguous (the parser refuses them: ``10^(200(x - 1))`` or ``10^200*(x - 1)``?)."""
    shown = text_form(expr)
    if re.fullmatch(r"[\w.]+", shown) or (re.match(r"[a-z]\w*\(|\(", shown) and _one_call(shown)):
        return shown
    return f"({shown})"


def _one_call(text: str) -> bool:
    """Whether ``text`` (``name(...)`` or ``(...)``) is one piece: its first parenthesis
    closes at the end.

    >>> _one_call("sqrt(2)"), _one_call("ln(2)/ln(3)")
    (True, False)
    """
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ")" and depth == 0:
            return index == len(text) - 1
    return False


@dataclass(frozen=True)
class TangentLine:
    """The tangent line of a function of one variable (or of a slice) at a point.

    ``equation`` is the line as a SymPy expression in ``variable`` (slope-
    intercept form); ``fixed`` holds the other coordinates of a slice.  The
    object is callable on numbers and NumPy arrays.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> line = tangent_line(x**2, at=3)
    >>> line.slope, line.intercept, line.equation
    (6, -9, 6*x - 9)
    >>> line(4.0)
    15.0
    >>> str(line)
    'y = 9 + 6(x - 3)'
    """

    __repr__ = plain_repr

    expr: sp.Expr
    variable: sp.Symbol
    at: sp.Expr
    value: sp.Expr
    slope: sp.Expr
    intercept: sp.Expr
    equation: sp.Expr
    fixed: dict[str, sp.Expr]

    def __call__(self, x: Any) -> Any:
        offset = np.asarray(x, dtype=float) - float(self.at)
        result = float(self.value) + float(self.slope) * offset
        return float(result) if np.ndim(result) == 0 else result

    @property
    def output_name(self) -> str:
        """The name of the line's value: y (z for a slice), or f when that is an input."""
        return output_name([self.variable.name, *self.fixed], "z" if self.fixed else "y")

    def __str__(self) -> str:
        slope = [(self.variable, self.slope, self.at)]
        return _point_slope_text(self.value, slope, self.output_name)

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import tangent_html

        return tangent_html(self, "Tangent line")

    def _repr_latex_(self) -> str:
        from steepest.symbolic.rich import tangent_latex

        return tangent_latex(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: point, slope, intercept and the equation as text."""
        return {
            "variable": self.variable.name,
            "at": text_form(self.at),
            "fixed": {k: text_form(v) for k, v in self.fixed.items()},
            "value": text_form(self.value),
            "slope": text_form(self.slope),
            "intercept": text_form(self.intercept),
            "equation": text_form(self.equation),
            "text": str(self),
            "output": self.output_name,
            "slope_value": number_or_none(self.slope),
            "value_approx": number_or_none(self.value),
        }


@dataclass(frozen=True)
class TangentPlane:
    """The tangent plane z = f(a) + sum of f_i(a) (x_i - a_i) at a point.

    ``slopes`` maps each variable to its partial derivative at the point;
    ``lines`` holds the tangent line along each variable (the plane contains
    them all).  Callable on numbers and NumPy arrays, one argument per variable.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> plane = tangent_plane(x**2 + y**2, at=(2, 4))
    >>> plane.slopes
    {'x': 4, 'y': 8}
    >>> print(plane)
    z = 20 + 4(x - 2) + 8(y - 4)
    >>> plane.equation
    4*x + 8*y - 20
    >>> plane(3, 4)
    24.0
    """

    __repr__ = plain_repr

    expr: sp.Expr
    at: dict[str, sp.Expr]
    value: sp.Expr
    slopes: dict[str, sp.Expr]
    equation: sp.Expr
    lines: dict[str, TangentLine]
    variables: tuple[sp.Symbol, ...]

    def __call__(self, *coordinates: Any) -> Any:
        if len(coordinates) != len(self.variables):
            raise SteepestError(
                f"the tangent plane takes {len(self.variables)} coordinates, got {len(coordinates)}"
            )
        total: Any = float(self.value)
        for var, coordinate in zip(self.variables, coordinates, strict=True):
            offset = np.asarray(coordinate, dtype=float) - float(self.at[var.name])
            total = total + float(self.slopes[var.name]) * offset
        return float(total) if np.ndim(total) == 0 else total

    @property
    def output_name(self) -> str:
        """The name of the plane's value: z, or f when z is one of the inputs."""
        return output_name([v.name for v in self.variables], "z")

    def __str__(self) -> str:
        terms = [(v, self.slopes[v.name], self.at[v.name]) for v in self.variables]
        return _point_slope_text(self.value, terms, self.output_name)

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import tangent_html

        return tangent_html(self, "Tangent plane")

    def _repr_latex_(self) -> str:
        from steepest.symbolic.rich import tangent_latex

        return tangent_latex(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: point, value, slopes and the equation as text."""
        return {
            "at": {k: text_form(v) for k, v in self.at.items()},
            "value": text_form(self.value),
            "slopes": {k: text_form(v) for k, v in self.slopes.items()},
            "slope_values": {k: number_or_none(v) for k, v in self.slopes.items()},
            "equation": text_form(self.equation),
            "text": str(self),
            "output": self.output_name,
        }


def _slope_at(f: sp.Expr, var: sp.Symbol, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    """f's derivative along ``var`` at the point, refusing where it does not exist (the
    one home of a derivative at a point: :func:`steepest.symbolic.nonsmooth.derivative_at`)."""
    value = at_point(f, point)
    if not _is_finite_number(value) or value.is_real is False:
        raise SteepestError(f"{text_form(f)} is not defined at {_where(point)}")
    return _tidy(nonsmooth.derivative_at(f, var, point))


def _differentiable(
    f: sp.Expr, variables: Sequence[sp.Symbol], point: Mapping[sp.Symbol, sp.Expr],
    slopes: Mapping[str, sp.Expr],
) -> None:
    """Refuse a tangent plane where f has partial derivatives but is not differentiable.

    Where every partial derivative's formula is finite at the point and f has no
    kink or jump, the partials are continuous there and the plane is tangent.
    Elsewhere (cbrt(x^2 y) at the origin: both partials 0, yet f(t, t) = t) f
    along each diagonal line through the point must have the plane's slope.
    """
    formulas = [sp.diff(f, v) for v in variables]
    if not f.has(*nonsmooth.KINKED, *nonsmooth.JUMPING) and all(
        _is_finite_number(at_point(g, point)) for g in formulas
    ):
        return
    t = sp.Dummy("t", real=True)
    for direction in _critical.line_directions(len(variables)):
        if sum(1 for d in direction if d) < 2:
            continue  # along an axis the slope is a partial derivative, equal by construction
        steps = dict(zip(variables, direction, strict=True))
        plane = sp.expand(sum(slopes[v.name] * d for v, d in steps.items()))
        line = at_point(f, {v: point[v] + d * t for v, d in steps.items()})
        try:
            slope = nonsmooth.derivative_at(line, t, {t: sp.Integer(0)})
        except SteepestError:
            slope = None
        if slope is None or not _critical.is_zero(slope - plane):
            along = "has no slope" if slope is None else f"has the slope {text_form(slope)}"
            raise SteepestError(
                f"{text_form(f)} has no tangent plane at {_where(point)}: it has partial "
                f"derivatives there, but along the direction {tuple(direction)} it {along}, "
                f"where the plane's is {text_form(plane)} (f is not differentiable there)"
            )


def _where(point: Mapping[sp.Symbol, sp.Expr]) -> str:
    return ", ".join(f"{v} = {text_form(e)}" for v, e in point.items())


def tangent_line(
    expr: ExprLike,
    at: PointLike,
    wrt: str | sp.Symbol | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> TangentLine:
    """The tangent line y = f(a) + f'(a)(x - a) at ``at``.

    For a function of several variables give ``wrt`` and a full point: the
    result is the tangent line of the slice along ``wrt`` with the other
    variables held at their values (it lies in the tangent plane).

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> tangent_line(x**2 + y**2, at=(2, 4), wrt="y").equation
    8*y - 12
    """
    f = to_expr(expr)
    chosen = variables_of(f)
    if wrt is not None:
        var = _symbol(f, wrt)
        if var not in chosen:
            chosen = (*chosen, var)
    elif len(chosen) == 1:
        var = chosen[0]
    elif not chosen:
        var = sp.Symbol("x")
        chosen = (var,)
    else:
        names = ", ".join(v.name for v in chosen)
        raise SteepestError(
            f"{text_form(f)} has several variables ({names}): give wrt= for a tangent line "
            "of one slice, or use tangent_plane"
        )
    point = resolve_point(at, chosen)
    for v, value in point.items():
        if not _is_finite_number(value):
            raise SteepestError(f"the point must be finite, got {v} = {value}")

    def work() -> TangentLine:
        slope = _slope_at(f, var, point)
        value = _tidy(at_point(f, point))
        here = point[var]
        equation = sp.expand(slope * (var - here) + value)
        intercept = sp.expand(value - slope * here)
        fixed = {v.name: e for v, e in point.items() if v != var}
        return TangentLine(f, var, here, value, slope, intercept, equation, fixed)

    return timed(work, timeout, f"the tangent line of {text_form(f)}")


def tangent_plane(
    expr: ExprLike, at: PointLike, *, timeout: float | None = DEFAULT_TIMEOUT
) -> TangentPlane:
    """The tangent plane z = f(a, b) + f_x(a, b)(x - a) + f_y(a, b)(y - b).

    Works for any number (two or more) of variables: the tangent hyperplane.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> plane = tangent_plane(x**2 + y**2, at={"x": 2, "y": 4})
    >>> plane.value, plane.lines["x"].equation
    (20, 4*x + 12)
    """
    f = to_expr(expr)
    chosen = variables_of(f)
    if len(chosen) < 2:
        raise SteepestError(
            f"{text_form(f)} has {len(chosen)} variable{'s' if len(chosen) != 1 else ''}: "
            "a tangent plane needs two, use tangent_line"
        )
    point = resolve_point(at, chosen)
    lines = timed(
        lambda: {v.name: tangent_line(f, point, wrt=v, timeout=None) for v in chosen},
        timeout,
        f"the tangent plane of {text_form(f)}",
    )
    slopes = {name: line.slope for name, line in lines.items()}
    timed(
        lambda: _differentiable(f, chosen, point, slopes),
        timeout,
        f"the tangent plane of {text_form(f)}",
    )
    value = next(iter(lines.values())).value
    equation = sp.expand(value + sum(slopes[v.name] * (v - point[v]) for v in chosen))
    return TangentPlane(
        f, {v.name: e for v, e in point.items()}, value, slopes, equation, lines, chosen
    )


# ---------------------------------------------------------------------------
# The chain rule in several variables


@dataclass(frozen=True)
class ChainRule:
    """dz/dt = sum over the inner variables v of (∂z/∂v)(dv/dt).

    ``terms`` lists (variable, ∂z/∂v, dv/dt); ``formula`` is that sum with the
    partials still written in the inner variables, ``substituted`` the same
    sum in t alone, and ``result`` its simplified form.

    >>> import sympy as sp
    >>> x, y, t = sp.symbols("x y t")
    >>> rule = chain_rule(x**2 - 3*x*y + 2*y**2, {"x": 3*sp.sin(2*t), "y": 4*sp.cos(2*t)}, "t")
    >>> rule.result
    -46*sin(4*t) - 72*cos(4*t)
    """

    __repr__ = plain_repr

    expr: sp.Expr
    inner: dict[str, sp.Expr]
    parameter: sp.Symbol
    terms: tuple[tuple[str, sp.Expr, sp.Expr], ...]
    formula: sp.Expr
    substituted: sp.Expr
    result: sp.Expr

    def text(self) -> str:
        """The rule, the sum of products, and the simplified result."""
        t = self.parameter.name
        names = [name for name, _, _ in self.terms]
        general = " + ".join(f"(∂z/∂{v})(d{v}/d{t})" for v in names)
        products = " + ".join(f"({text_form(p)})({text_form(d)})" for _, p, d in self.terms)
        return "\n".join(
            [
                f"dz/d{t} = {general}",
                f"      = {products}",
                f"      = {text_form(self.result)}",
            ]
        )

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import chain_rule_html

        return chain_rule_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the terms, the formula and the result as text."""
        return {
            "expr": text_form(self.expr),
            "inner": {k: text_form(v) for k, v in self.inner.items()},
            "parameter": self.parameter.name,
            "terms": [
                {"variable": v, "partial": text_form(p), "derivative": text_form(d)}
                for v, p, d in self.terms
            ],
            "formula": text_form(self.formula),
            "result": text_form(self.result),
        }


def _simplest(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few equivalent forms (trig products become sums)."""
    expanded = sp.expand(expr)
    candidates = [expanded]
    if expanded.has(sp.sin, sp.cos, sp.tan):
        candidates.append(sp.expand(TR8(expanded)))
    candidates.append(sp.factor_terms(min(candidates, key=sp.count_ops)))
    best = min(candidates, key=sp.count_ops)
    if sp.count_ops(best) > 12:
        simplified = sp.simplify(best)
        if sp.count_ops(simplified) < sp.count_ops(best):
            best = simplified
    return best


def chain_rule(
    expr: ExprLike,
    inner: Mapping[str | sp.Symbol, ExprLike],
    parameter: str | sp.Symbol = "t",
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> ChainRule:
    """The multivariable chain rule: z(x(t), y(t), ...) differentiated in t term by term.

    The result equals the derivative of the composed function (checked in
    the tests against SymPy's ``diff``).  The symbolic work is limited to
    ``timeout`` seconds (a :class:`~steepest.errors.TimeLimitError` after).

    >>> import sympy as sp
    >>> x, y, t = sp.symbols("x y t")
    >>> chain_rule(x * y, {"x": t**2, "y": sp.exp(t)}).result
    t*(t + 2)*exp(t)
    """
    f = to_expr(expr)
    own = variables_of(f)
    by_name = {v.name: v for v in own}
    t_name = parameter.name if isinstance(parameter, sp.Symbol) else str(parameter)
    inner_exprs: dict[sp.Symbol, sp.Expr] = {}
    for key, value in inner.items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name not in by_name:
            names = ", ".join(by_name) or "none"
            raise SteepestError(f"unknown variable {name!r}; the variables of z are {names}")
        inner_exprs[by_name[name]] = to_expr(value)
    if not inner_exprs:
        raise SteepestError("the chain rule needs at least one inner function such as x = x(t)")
    if any(v.name == t_name for v in inner_exprs):
        raise SteepestError(f"{t_name} cannot be both an inner variable and the parameter")
    t = sp.Symbol(t_name)
    for value in inner_exprs.values():
        for symbol in value.free_symbols:
            if isinstance(symbol, sp.Symbol) and symbol.name == t_name:
                t = symbol

    def work() -> ChainRule:
        terms = [(var.name, sp.diff(f, var), sp.diff(inside, t)) for var, inside in
                 inner_exprs.items()]  # fmt: skip
        formula = sp.Add(*[sp.Mul(p, d, evaluate=False) for _, p, d in terms], evaluate=False)
        substituted = sp.Add(*[p.subs(inner_exprs) * d for _, p, d in terms])
        return ChainRule(
            f,
            {v.name: e for v, e in inner_exprs.items()},
            t,
            tuple(terms),
            formula,
            substituted,
            _simplest(substituted),
        )

    return timed(work, timeout, f"the chain rule for {text_form(f)}")


# ---------------------------------------------------------------------------
# Limits and continuity


def _limit_variable(f: sp.Expr, var: str | sp.Symbol | None) -> sp.Symbol:
    if var is not None:
        return _symbol(f, var)
    own = variables_of(f)
    if len(own) == 1:
        return own[0]
    if not own:
        return sp.Symbol("x")
    names = ", ".join(v.name for v in own)
    raise SteepestError(f"{text_form(f)} has several variables ({names}): say which one approaches")


def limit(
    expr: ExprLike,
    var: str | sp.Symbol | None = None,
    at: Any = None,
    side: str = "both",
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Limit:
    """The limit of ``expr`` as ``var`` approaches ``at``, honest about one-sided limits.

    ``side`` is ``"both"`` (default), ``"+"`` (from the right) or ``"-"``;
    ``at`` may be a number, text such as ``"pi/2"``, ``"inf"``/``"-inf"``,
    or a symbol.  The result has ``value``, ``left``, ``right``, ``exists``
    (a finite limit) and, when it does not exist, ``reason``: one of
    ``"one-sided limits differ"``, ``"oscillates"``, ``"unbounded"``,
    ``"undetermined"``.  SymPy's work is limited to ``timeout`` seconds
    (a :class:`~steepest.errors.TimeLimitError` after).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> lim = limit(1 / x, x, 0)
    >>> lim.exists, lim.left, lim.right, lim.reason
    (False, -oo, oo, 'one-sided limits differ')
    >>> limit(1 / x, x, 0, side="+").value
    oo
    >>> limit(sp.sin(x), x, "inf").reason
    'oscillates'
    >>> limit(2 * x, x, 3).value
    6
    """
    if at is None:
        raise SteepestError("say which point the variable approaches, e.g. at=0")
    f = to_expr(expr)
    symbol = _limit_variable(f, var)
    point = as_value(at)
    if point.has(sp.nan, sp.zoo):
        raise SteepestError(f"cannot take a limit at {point}")
    if symbol in point.free_symbols:
        raise SteepestError(f"the point {point} cannot contain the variable {symbol} itself")
    chosen_side = _limits.normalize_side(side)
    return timed(
        lambda: _limits.compute(f, symbol, point, chosen_side),
        timeout,
        f"the limit of {text_form(f)} as {symbol} approaches {text_form(point)}",
    )


def continuity(
    expr: ExprLike,
    at: Any,
    var: str | sp.Symbol | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Continuity:
    """Whether ``expr`` is continuous at ``at``: the three conditions and the kind of break.

    f is continuous at a when f(a) is ``defined``, the limit at a exists
    (``limit_exists``), and the two are ``equal``.  Otherwise ``kind`` names
    the discontinuity: ``removable``, ``jump``, ``infinite`` or
    ``oscillatory``; ``message`` says which condition fails.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> c = continuity(sp.sin(x) / x, 0)
    >>> c.defined, c.limit_exists, c.continuous, c.kind
    (False, True, False, 'removable')
    >>> continuity(1 / x, 0).kind
    'infinite'
    """
    f = to_expr(expr)
    symbol = _limit_variable(f, var)
    point = as_value(at)
    if not _is_finite_number(point):
        raise SteepestError(f"continuity is checked at a finite point, not {point}")
    return timed(
        lambda: _limits.continuity(f, symbol, point),
        timeout,
        f"checking the continuity of {text_form(f)} at {symbol} = {text_form(point)}",
    )


__all__ = [
    "KINDS",
    "ChainRule",
    "Continuity",
    "CriticalPoint",
    "Gradient",
    "Limit",
    "PartialDerivative",
    "TangentLine",
    "TangentPlane",
    "as_value",
    "chain_rule",
    "continuity",
    "critical_points",
    "gradient",
    "hessian",
    "jacobian",
    "limit",
    "output_name",
    "partial",
    "resolve_point",
    "search_critical_points",
    "tangent_line",
    "tangent_plane",
    "to_expr",
    "variables_of",
]
