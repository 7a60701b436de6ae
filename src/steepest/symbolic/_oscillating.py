"""Limits of functions that oscillate: sin, cos, tan ... of an argument without bound.

SymPy bounds such a function with interval arithmetic and can come back with a
confident wrong answer: to SymPy 1.14 the limit of |sin x|^(1/x) at infinity is 1
(log|sin x| lies in [-inf, 0], and [-inf, 0]/x is taken as 0), though the
function is 0 at every multiple of pi; its bounds for sin x + cos x are -2 and
2, which the function never reaches.

Here the oscillation is frozen.  Where every oscillating argument is
u = r*u0 + c (r rational, c constant) and u0 runs to infinity continuously, at
the points where u0 = t + 2*pi*L*k (L the common denominator of the r's) the
function equals g(x, t): f with each sin(u) replaced by sin(r*t + c).  Two
phases t whose limits of g differ prove that f has no limit; a limit is kept
only when the limit of g agrees with it at every phase tried and g(x, t),
sampled over a whole period of phases, with points ever closer to the zeros,
peaks and poles of the trigonometric functions, closes in on it as x
approaches the point.  Otherwise the limit is unknown.

Next to a pole t0 of the frozen function (tan t at pi/2), the phase is also
let close in on t0 as x approaches the point: the limit of
g(x, t0 +- e^(-u0^2)) is one that f takes along a sequence of x, since
u0 + e^(-u0^2) is continuous and unbounded, so it passes every t0 + 2*pi*L*k
ever closer to the point.  tan(x)/x at infinity is 0 along x = k*pi and
unbounded along these: it has no limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from steepest.symbolic._critical import is_zero

TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
# Arguments that jump skip phases: sin(floor(x)) never takes the value sin(1/2).
_JUMPY = (sp.floor, sp.ceiling, sp.sign, sp.Heaviside, sp.Piecewise, sp.frac)
_LIMIT_ERRORS = (
    NotImplementedError, ValueError, TypeError, ZeroDivisionError, RecursionError,
    AttributeError, sp.PoleError,
)
_MAX_PERIODS = 4  # at most 4 turns of the slowest argument to one turn of them all
_OFFSETS = (1, 2, 3, 4, 6, 8, 12, 16)  # phases 10^-k from each zero, peak and pole


@dataclass
class Settled:
    """A one-sided limit after the oscillation check.

    ``value`` is the limit, an ``AccumBounds`` (the function oscillates) or None
    (unknown).  ``exact_bounds`` is False when the bounds are only two values
    the function tends to along different sequences, not its lowest and highest.
    """

    value: sp.Expr | None
    exact_bounds: bool = True


@dataclass
class _Plan:
    """How to freeze the oscillation: ``frozen`` is g(x, t...) and ``groups`` the
    phase symbols with their period and the phases where a trigonometric
    function of them is 0, +-1 or has a pole."""

    frozen: sp.Expr
    groups: list[tuple[sp.Symbol, float, list[sp.Expr]]] = field(default_factory=list)
    # u0, where every oscillating argument is r*u0 + c (None: two unrelated ones).
    base: sp.Expr | None = None


def _plain_limit(e: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr | None:
    try:
        if a is -sp.oo:
            return sp.limit(e.xreplace({x: -x}), x, sp.oo)
        return sp.limit(e, x, a) if a is sp.oo else sp.limit(e, x, a, side)
    except _LIMIT_ERRORS:
        return None


def _trig_of(e: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    return [t for t in e.atoms(*TRIG) if t.args[0].has(x)]


def _plan(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> _Plan | bool | None:
    """The freezing of ``f``'s oscillation; False when nothing oscillates, None when
    it cannot be frozen (then no claimed limit can be checked)."""
    innermost = [t for t in _trig_of(f, x) if not _trig_of(t.args[0], x)]
    oscillating = []
    for atom in innermost:
        target = _plain_limit(atom.args[0], x, a, side)
        if target in (sp.oo, -sp.oo):
            oscillating.append(atom)
        elif target is None or not (target.is_finite and target.is_real):
            return None
    if not oscillating:
        return False
    arguments = list(dict.fromkeys(t.args[0] for t in oscillating))
    if any(u.has(*_JUMPY) for u in arguments):
        return None
    arguments.sort(key=sp.count_ops)
    base = arguments[0]
    related = _relate(arguments, base, x)
    if related is not None:
        phase = sp.Dummy("t", real=True)
        groups = {u: (phase, r, c) for u, (r, c) in related.items()}
        periods = math.lcm(*(r.q for r, _ in related.values()))
        if periods > _MAX_PERIODS:
            return None
        plan = _Plan(f, base=base)
        plan.groups.append((phase, float(2 * sp.pi * periods), _special_phases(related, periods)))
    else:
        if len(arguments) > 2:
            return None
        plan = _Plan(f)
        groups = {}
        for u in arguments:
            phase = sp.Dummy("t", real=True)
            groups[u] = (phase, sp.Integer(1), sp.Integer(0))
            special = _special_phases({u: (sp.Integer(1), sp.Integer(0))}, 1)
            plan.groups.append((phase, float(2 * sp.pi), special))
    plan.frozen = f.xreplace(
        {t: type(t)(groups[t.args[0]][1] * groups[t.args[0]][0] + groups[t.args[0]][2])
         for t in oscillating}
    )
    for atom in _trig_of(plan.frozen, x):
        # What is left must settle (sin(1/x) at infinity); sin(x + sin x) does not.
        target = _plain_limit(atom.args[0], x, a, side)
        if target is None or not (target.is_finite and target.is_real):
            return None
    return plan


def _relate(
    arguments: Sequence[sp.Expr], base: sp.Expr, x: sp.Symbol
) -> dict[sp.Expr, tuple[sp.Rational, sp.Expr]] | None:
    """Each argument as r*base + c with r rational and c constant, or None."""
    slope = sp.diff(base, x)
    out: dict[sp.Expr, tuple[sp.Rational, sp.Expr]] = {}
    for u in arguments:
        try:
            ratio = sp.simplify(sp.diff(u, x) / slope)
        except _LIMIT_ERRORS:
            return None
        if not ratio.is_Rational or ratio == 0:
            return None
        shift = sp.simplify(u - ratio * base)
        if shift.has(x) or not shift.is_real:
            return None
        out[u] = (ratio, shift)
    return out


def _special_phases(
    related: dict[sp.Expr, tuple[sp.Rational, sp.Expr]], periods: int
) -> list[sp.Expr]:
    """Phases in one period where some r*t + c is a multiple of pi/2 (exact)."""
    period = 2 * sp.pi * periods
    found: dict[sp.Expr, None] = {}
    for r, c in related.values():
        turns = int(abs(r) * periods * 4) + 1
        for k in range(-1, turns + 1):
            phase = (k * sp.pi / 2 - c) / r
            found[phase - period * sp.floor(phase / period)] = None
    return list(found)


def _phases(period: float, special: Sequence[sp.Expr], fine: bool) -> list[sp.Expr]:
    """Phases to sample: a uniform grid, the special phases exactly (no float is a
    zero of sin: |sin t|^(1/x) at t = pi - 10^-40 is about 1 at x = 10^9, at
    t = pi it is 0), and points ever closer to each of them."""
    uniform = [sp.Rational(j, 32 if fine else 8) * period for j in range(32 if fine else 8)]
    offsets = _OFFSETS if fine else (3, 8)
    near = [
        sp.Float(sp.N(s, 40), 40) + sign * sp.Rational(1, 10**k)
        for s in special
        for k in offsets
        for sign in (1, -1)
    ]
    return [sp.Float(p, 40) for p in uniform] + list(special) + near


def _exact_phases(plan: _Plan) -> list[dict[sp.Symbol, sp.Expr]]:
    """Exact phases for the frozen limits: multiples of pi/4, the zeros, peaks and
    poles of each trigonometric function, and 1 and 2."""
    ((phase, period, special),) = plan.groups
    turns = round(period / (2 * math.pi))
    values = [k * sp.pi / 4 for k in range(8 * turns)] + [*special, sp.Integer(1), sp.Integer(2)]
    return [{phase: v} for v in dict.fromkeys(values)]


def _zero_powers(g: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr:
    """0^e written 0 where e > 0 next to the point (SymPy cannot take the limit
    of 0^(1/x) at infinity), and left alone elsewhere."""

    def positive(e: sp.Expr) -> bool:
        target = _plain_limit(e, x, a, side)
        if target is None or not (target.is_extended_real and target.is_nonnegative):
            return False
        if target.is_positive:
            return True
        return all(e.subs(x, point).is_positive for point in _points(a, side))

    return g.replace(
        lambda e: e.is_Pow and e.base.is_zero and e.exp.has(x) and positive(e.exp),
        lambda e: sp.Integer(0),
    )


def _known(value: sp.Expr | None) -> bool:
    if value is None or isinstance(value, sp.AccumBounds) or value.has(sp.nan, sp.zoo, sp.I):
        return False
    return value in (sp.oo, -sp.oo) or (value.is_number and value.is_real is True)


def _same(p: sp.Expr, q: sp.Expr) -> bool:
    if p.is_infinite or q.is_infinite:
        return p == q
    return is_zero(sp.simplify(p - q))


def _order(value: sp.Expr) -> float:
    return float("inf") if value is sp.oo else float("-inf") if value is -sp.oo else float(value)


def settle(
    f: sp.Expr,
    x: sp.Symbol,
    a: sp.Expr,
    side: str,
    claimed: sp.Expr | None,
    limit_of: Callable[[sp.Expr], sp.Expr | None],
    real_near: Callable[[sp.Expr], bool],
) -> Settled:
    """``claimed`` (SymPy's one-sided limit of ``f``) checked against the oscillation.

    ``limit_of`` takes the same one-sided limit of another expression and
    ``real_near`` says whether an expression is real next to the point.

    >>> import sympy as sp
    >>> from steepest.symbolic._limits import one_sided, real_on_side
    >>> x = sp.Symbol("x", real=True)
    >>> f = sp.Abs(sp.sin(x)) ** (1 / x)
    >>> settle(f, x, sp.oo, "-", sp.Integer(1), lambda g: one_sided(g, x, sp.oo, "-"),
    ...        lambda g: real_on_side(g, x, sp.oo, "-"))
    Settled(value=AccumBounds(0, 1), exact_bounds=False)
    """
    plan = _plan(f, x, a, side)
    if plan is False:
        return Settled(claimed)
    if plan is None:
        return Settled(None)
    definite = claimed if _known(claimed) else None
    candidate = definite
    if len(plan.groups) == 1:
        seen: dict[sp.Expr, sp.Expr | None] = {}
        values: list[sp.Expr] = []
        for phases in _exact_phases(plan):
            if len(values) > 1 and phases[plan.groups[0][0]].is_Integer:
                break  # two values at the peaks and zeros already: no need of phases 1, 2
            g = _zero_powers(plan.frozen.xreplace(phases), x, a, side)
            if g in seen or g.has(sp.zoo, sp.nan):
                continue  # the same function, or not defined at those points
            seen[g] = value = limit_of(g) if real_near(g) else None
            if _known(value) and not any(_same(value, v) for v in values):
                values.append(value)
        for value in _along_poles(plan, limit_of, real_near):
            if not any(_same(value, v) for v in values):
                values.append(value)
        if len(values) > 1:
            low, high = min(values, key=_order), max(values, key=_order)
            exact = isinstance(claimed, sp.AccumBounds) and (
                (claimed.min, claimed.max) == (low, high)
            )
            return Settled(sp.AccumBounds(low, high), exact)
        if values:
            if definite is not None and not _same(definite, values[0]):
                return Settled(None)
            candidate = values[0]
    if candidate is None or not _closes_in(plan, x, a, side, candidate):
        return Settled(None)
    return Settled(candidate)


def _along_poles(
    plan: _Plan,
    limit_of: Callable[[sp.Expr], sp.Expr | None],
    real_near: Callable[[sp.Expr], bool],
) -> list[sp.Expr]:
    """Limits of f along sequences of x whose phase closes in on a pole t0 of the
    frozen function from either side: the phase t0 +- e^(-u0^2) (see the module's
    docstring for why f takes these values)."""
    if plan.base is None:
        return []
    ((phase, _, special),) = plan.groups
    found: list[sp.Expr] = []
    for t0 in special:
        if not plan.frozen.xreplace({phase: t0}).has(sp.zoo, sp.nan):
            continue  # no pole there
        for sign in (1, -1):
            g = plan.frozen.xreplace({phase: t0 + sign * sp.exp(-plan.base**2)})
            value = limit_of(g) if real_near(g) else None
            if _known(value):
                found.append(value)
    return found


def _points(a: sp.Expr, side: str) -> list[sp.Expr]:
    if a is sp.oo:
        return [sp.Integer(10) ** k for k in (3, 6, 9)]
    if a is -sp.oo:
        return [-sp.Integer(10) ** k for k in (3, 6, 9)]
    sign = 1 if side == "+" else -1
    return [a + sign * sp.Rational(1, 10**k) for k in (3, 6, 9)]


def _sample(g: sp.Expr, subs: dict[sp.Symbol, sp.Expr]) -> float | None:
    """g at a point as a float; None outside its real domain, NaN at a pole (where
    0 is divided by or raised to a negative power: f is unbounded next to it,
    too close for any fixed step of phase to see, as |sin t|^(1/x) at -inf)."""
    try:
        value = g.evalf(30, subs=subs)
    except ZeroDivisionError:
        return math.nan
    except (TypeError, ValueError, ArithmeticError, MemoryError):  # PrecisionExhausted too
        return None
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return math.nan if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) else None
    real, imaginary = value.as_real_imag()
    if abs(imaginary) > 1e-20 * max(1, abs(real)):
        return None
    return float(real)


def _closes_in(plan: _Plan, x: sp.Symbol, a: sp.Expr, side: str, target: sp.Expr) -> bool:
    """Whether g(x, t) approaches ``target`` at every phase sampled, all at once."""
    fine = len(plan.groups) == 1
    grids = [_phases(period, special, fine) for _, period, special in plan.groups]
    symbols = [phase for phase, _, _ in plan.groups]
    combos: list[tuple[sp.Expr, ...]] = [()]
    for grid in grids:
        combos = [(*c, p) for c in combos for p in grid]
    # Exact phases go in exactly: sin(pi) must be 0, not 10^-40.
    frozen = [plan.frozen.xreplace(dict(zip(symbols, combo, strict=True))) for combo in combos]
    worst: list[float] = []
    for point in _points(a, side):
        values = [_sample(g, {x: point}) for g in frozen]
        values = [v for v in values if v is not None]
        if not values or any(math.isnan(v) for v in values):
            return False
        if target is sp.oo:
            worst.append(min(values))
        elif target is -sp.oo:
            worst.append(-max(values))
        else:
            goal = float(target)
            worst.append(max(abs(v - goal) for v in values))
    if target in (sp.oo, -sp.oo):
        return worst[0] < worst[1] < worst[2] and worst[2] > 1e3
    scale = max(1.0, abs(float(target)))
    shrinking = worst[0] >= worst[1] >= worst[2] and worst[2] < 0.05 * scale
    return worst[2] < 1e-3 * scale or shrinking
