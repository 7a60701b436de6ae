"""Critical points of a function of one variable with kinks, jumps and flat pieces.

A critical point is where f' = 0 or where f' does not exist.  |u|, sign,
steps, max, min, relu and piecewise functions switch formula where
:func:`~steepest.symbolic.nonsmooth.switch_equations` vanish; between two
consecutive switch points f is one smooth formula
(:func:`~steepest.symbolic.nonsmooth.branch_near`).  So:

* on each open interval between switch points, the stationary points of that
  formula are found and classified as for any smooth function, and where the
  formula is constant the whole interval is one entry (every point of it is
  critical), never a list of sample points;
* at each switch point the one-sided limits decide: a jump or a kink (the
  derivative does not exist) is critical, and so is a point where both
  one-sided slopes are 0; the kind comes from whether f is above or below
  f(p) just to each side, read off the first nonzero one-sided derivative of
  the formula on that side (a minimum, a maximum, or neither, which is called
  a saddle as for a stationary inflection point).

>>> x = sp.Symbol("x", real=True)
>>> for p in find_1d(sp.Max(x, 0), x, None):
...     print(p.kind, p.where, p.note)
degenerate every point with x < 0 f is constant there: every point is critical
minimum (x = 0) the derivative is not defined here (a kink); not strict: f is constant on one side
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import sympy as sp

from steepest.errors import SteepestError
from steepest.symbolic import nonsmooth
from steepest.symbolic._critical import (
    DEGENERATE,
    MAX_DERIVATIVE_ORDER,
    MAXIMUM,
    MINIMUM,
    SADDLE,
    SYMPY_SOLVER_FAILURES,
    Candidate,
    CriticalPoint,
    ExactSolutionError,
    classify,
    in_interval,
    is_zero,
    line_directions,
    show_expr,
    sign_of,
    smooth_interior,
    stationary,
)
from steepest.symbolic.points import at_point

KINK = "the derivative is not defined here (a kink)"
JUMP = "the derivative is not defined here: f jumps (it is not continuous here)"
FLAT = "f is constant there: every point is critical"

Bounds = tuple[sp.Expr, sp.Expr]
Box = Mapping[sp.Symbol, Bounds]


def interior(f: sp.Expr, variables: Sequence[sp.Symbol], box: Box) -> list[CriticalPoint]:
    """The classified critical points inside the box: in one variable with kinks, also
    where the derivative does not exist and the intervals where f is constant; in
    several, the kink surfaces of |u|, max and min, and where the argument of a root
    is 0 (:func:`root_points`); otherwise where the gradient is zero.
    """
    if len(variables) == 1:
        if has_switches(f, variables[0]):
            return find_1d(f, variables[0], box.get(variables[0]))
        return smooth_interior(f, variables, box)
    found = find_nd(f, variables, box)
    if found is None:
        found = smooth_interior(f, variables, box)
    more = [e for e in root_points(f, variables, box) if e.free or not _listed(e, found)]
    return [*found, *sorted(more, key=lambda e: not e.free)]


def has_switches(f: sp.Expr, x: sp.Symbol) -> bool:
    """Whether ``f`` switches formula somewhere as ``x`` moves (|u|, max, min, sign, ...).

    >>> x = sp.Symbol("x", real=True)
    >>> has_switches(sp.Abs(x) + 1, x), has_switches(x**2 + sp.Abs(3), x)
    (True, False)
    """
    return bool(nonsmooth.switch_equations(f, x)) or bool(_singular_points(f, x, -sp.oo, sp.oo))


def _singular_points(f: sp.Expr, x: sp.Symbol, low: sp.Expr, high: sp.Expr) -> list[sp.Expr]:
    """Where f is a finite real number but its derivative's formula has a zero
    denominator (x^(2/3) and sqrt(x) at 0): f' does not exist there.

    >>> x = sp.Symbol("x", real=True)
    >>> _singular_points(x ** sp.Rational(2, 3), x, -sp.oo, sp.oo)
    [0]
    >>> _singular_points(1 / x, x, -sp.oo, sp.oo)  # f is not defined at 0
    []
    """
    if not f.has(x):
        return []
    if not any(_fractional(power, x) for power in f.atoms(sp.Pow)):
        return []  # elsewhere a zero denominator of f' is a pole of f as well
    denominator = sp.fraction(sp.together(sp.diff(f, x)))[1]
    # Only the roots in f' can vanish where f is finite: x^(1/3) in 1/(3 x^(2/3)).
    bases = {p.base for p in denominator.atoms(sp.Pow) if _fractional(p, x)}
    found: list[sp.Expr] = []
    for base in sorted(bases, key=sp.default_sort_key):
        try:
            zeros = sp.solveset(base, x, sp.Interval.open(low, high))
        except SYMPY_SOLVER_FAILURES:
            continue
        if isinstance(zeros, sp.FiniteSet):  # else none, or not a list SymPy can give
            found.extend(z for z in zeros if not any(is_zero(z - other) for other in found))
    return [zero for zero in found if _finite_real(f.subs(x, zero))]


def roots_left_out(f: sp.Expr, variables: Sequence[sp.Symbol]) -> str | None:
    """A sentence, for the results of a numerical search, when f has points without a
    gradient that such a search does not look for: in several variables, where the
    argument of a root may be 0 (the tip of the cone sqrt(x^2 + y^2), which exact
    solving finds with :func:`root_points`); None otherwise.

    >>> x, y = sp.symbols("x y", real=True)
    >>> roots_left_out(sp.sqrt(x**2 + y**2), [x, y])[:40]
    'points where the gradient does not exist'
    >>> roots_left_out(sp.sqrt(x**2 + y**2 + 1), [x, y]) is None
    True
    """
    if len(variables) < 2:
        return None
    for power in f.atoms(sp.Pow):
        if any(_fractional(power, v) for v in variables) and power.base.is_positive is not True:
            return (
                "points where the gradient does not exist because the argument of "
                f"{show_expr(power)} is 0 (as at the tip of a cone) are not looked for by "
                "a numerical search in several variables"
            )
    return None


def root_points(f: sp.Expr, variables: Sequence[sp.Symbol], box: Box) -> list[CriticalPoint]:
    """Critical points in several variables where the argument of a root is 0 and f is
    real but its gradient does not exist: an isolated point such as the tip of the cone
    sqrt(x^2 + y^2), and a surface such as the edge x = 0 of the domain of
    sqrt(x) + y^2 (one family entry: every point of it is critical), with the points of
    that surface critical for f restricted to it.

    >>> x, y = sp.symbols("x y", real=True)
    >>> [(p.kind, p.point) for p in root_points(sp.sqrt(x**2 + y**2), [x, y], {})]
    [('minimum', {'x': 0, 'y': 0})]
    >>> [p.where for p in root_points(sp.sqrt(x - 1) + y**2, [x, y], {}) if p.free]
    ['all points with x = 1 (y free)']
    """
    entries: list[CriticalPoint] = []
    for power, zero in _root_zero_sets(f, variables):
        undefined = f"the gradient is not defined here (the argument of {show_expr(power)} is 0)"
        for entry in [
            *_root_tips(f, variables, box, zero, undefined),
            *_root_edges(f, variables, box, zero, undefined),
        ]:
            if entry.free or not _listed(entry, entries):
                entries.append(entry)
    return entries


def _root_zero_sets(f: sp.Expr, variables: Sequence[sp.Symbol]) -> list[tuple[sp.Pow, sp.Expr]]:
    """Each root in f whose argument can be 0 and is then a zero denominator of a
    partial derivative, with each factor of its argument (x y = 0 is x = 0 or y = 0)."""
    roots = [
        power
        for power in f.atoms(sp.Pow)
        if any(_fractional(power, v) for v in variables) and power.base.is_positive is not True
    ]
    if not roots:
        return []
    denominators = [sp.fraction(sp.together(sp.diff(f, v)))[1] for v in variables]
    bases = {p.base for d in denominators for p in d.atoms(sp.Pow)}
    found: list[tuple[sp.Pow, sp.Expr]] = []
    for power in sorted(roots, key=sp.default_sort_key):
        if power.base not in bases:
            continue
        for factor in _factors(power.base, variables):
            if all(not is_zero(factor - other) for _, other in found):
                found.append((power, factor))
    return found


def _root_tips(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box, zero: sp.Expr, undefined: str
) -> list[CriticalPoint]:
    """The isolated points where ``zero`` and its gradient are both 0 (the minimum of
    x^2 + y^2, where the cone sqrt(x^2 + y^2) has its tip), critical for f."""
    entries: list[CriticalPoint] = []
    for candidate in stationary(zero, variables, box):
        point = candidate.assignment
        if candidate.free or set(point) != set(variables) or not is_zero(at_point(zero, point)):
            continue
        if any(v in box and not in_interval(point[v], box[v]) for v in variables):
            continue
        if not _finite_real(at_point(f, point)) or not _real_nearby(f, variables, point):
            continue
        entry = _surface_point(f, variables, point, undefined)
        if entry is not None:
            entries.append(entry)
    return entries


def _root_edges(
    f: sp.Expr, variables: Sequence[sp.Symbol], box: Box, zero: sp.Expr, undefined: str
) -> list[CriticalPoint]:
    """The surfaces ``zero`` = 0 along which f is real but has no gradient (one family
    entry each), and their points critical for f restricted to them."""
    var, solutions = _solve_for_one(zero, variables)
    rest = [v for v in variables if v != var]
    entries: list[CriticalPoint] = []
    for solution in solutions:
        if solution.has(sp.I) or (
            var in box and solution.is_number and not in_interval(solution, box[var])
        ):
            continue
        sample = _sample_on(f, var, solution, rest)
        if sample is None or _partial_at(f, var, sample) is not None:
            continue  # f is not real along it, or has a slope across it
        entries.append(
            _family(f, variables, var, solution, f"{undefined} along {show_expr(zero)} = 0")
        )
        entries.extend(_critical_on_surface(f, variables, box, var, solution, undefined))
    return entries


def _sample_on(
    f: sp.Expr, var: sp.Symbol, solution: sp.Expr, rest: Sequence[sp.Symbol]
) -> dict[sp.Symbol, sp.Expr] | None:
    """A point of the surface var = solution where f is real, and real near it on at
    least one side (an isolated real value is no edge of a domain); None if none is found."""
    for values in itertools.product(_OFF_AXIS, repeat=len(rest)):
        at = dict(zip(rest, values, strict=True))
        point = {var: at_point(solution, at), **at}
        real = _finite_real(point[var]) and _finite_real(at_point(f, point))
        if real and _real_nearby(f, [var], point):
            return point
    return None


# Values to try off the coordinate axes, where surfaces rarely have special points.
_OFF_AXIS = (sp.Rational(1, 3), sp.Rational(-2, 7))
_NEARBY = sp.Rational(1, 1000)


def _real_nearby(
    f: sp.Expr, variables: Sequence[sp.Symbol], point: Mapping[sp.Symbol, sp.Expr]
) -> bool:
    """Whether f is real at some point a small step from ``point`` along a line."""
    for direction in line_directions(len(variables)):
        for step in (_NEARBY, -_NEARBY):
            moved = dict(point)
            for v, d in zip(variables, direction, strict=True):
                moved[v] = point[v] + d * step
            if _finite_real(sp.N(at_point(f, moved), 20)):
                return True
    return False


def _listed(entry: CriticalPoint, entries: Sequence[CriticalPoint]) -> bool:
    return any(_same(entry, other) for other in entries)


def _fractional(power: sp.Pow, x: sp.Symbol) -> bool:
    return power.base.has(x) and power.exp.is_number and power.exp.is_integer is False


def _finite_real(value: sp.Expr) -> bool:
    return bool(value.is_number and value.is_finite and value.is_real and not value.has(sp.nan))


def find_1d(f: sp.Expr, x: sp.Symbol, bounds: Bounds | None) -> list[CriticalPoint]:
    """Every critical point of ``f`` inside the open interval ``bounds`` (the real
    line when None): stationary points, kinks, jumps and flat intervals, in order."""
    low, high = bounds if bounds is not None else (-sp.oo, sp.oo)
    edges = [low, *_cuts(f, x, low, high), high]
    pieces = [_piece(f, x, a, b) for a, b in itertools.pairwise(edges)]
    flat = [g is not None and is_zero(sp.diff(g, x)) for g in pieces]
    entries = _inside_pieces(f, x, edges, pieces, flat)
    at_cuts, joined = _at_cuts(f, x, edges[1:-1], pieces)
    entries += at_cuts + _regions(x, edges, pieces, flat, joined)
    return sorted(entries, key=_position)


def _cuts(f: sp.Expr, x: sp.Symbol, low: sp.Expr, high: sp.Expr) -> list[sp.Expr]:
    """Switch points and points where f' has a root's zero denominator, sorted."""
    cuts = _switch_points(f, x, low, high)
    for point in _singular_points(f, x, low, high):
        if not any(is_zero(point - cut) for cut in cuts):
            cuts.append(point)
    return sorted(cuts, key=lambda s: float(sp.re(sp.N(s, 30))))


def _inside_pieces(
    f: sp.Expr,
    x: sp.Symbol,
    edges: Sequence[sp.Expr],
    pieces: Sequence[sp.Expr | None],
    flat: Sequence[bool],
) -> list[CriticalPoint]:
    """The stationary points of each non-constant piece, strictly inside its interval."""
    entries: list[CriticalPoint] = []
    for (a, b), g, constant in zip(itertools.pairwise(edges), pieces, flat, strict=True):
        if g is None or constant:
            continue
        try:
            entries.extend(_stationary_inside(g, x, a, b))
        except ExactSolutionError:
            raise
        except SteepestError as error:
            # Told of f, not of the piece the learner never wrote.
            raise SteepestError(str(error).replace(show_expr(g), show_expr(f), 1)) from None
    return entries


def _at_cuts(
    f: sp.Expr, x: sp.Symbol, cuts: Sequence[sp.Expr], pieces: Sequence[sp.Expr | None]
) -> tuple[list[CriticalPoint], list[bool]]:
    """The critical points among the cuts, and for each cut whether f is the same
    constant on both sides of it (so that the flat intervals there join)."""
    entries: list[CriticalPoint] = []
    joined = [False] * len(cuts)
    for i, p in enumerate(cuts):
        left, right = pieces[i], pieces[i + 1]
        if left is None and right is None:
            continue
        if left is None or right is None:
            entry = _domain_end(f, x, p, left, right)
        else:
            entry = _at_switch(f, x, p, left, right)
        if entry == "flat":
            joined[i] = True
        elif entry is not None:
            entries.append(entry)
    return entries, joined


def _position(entry: CriticalPoint) -> float:
    if entry.region is not None:
        return float(entry.region.inf)
    return float(sp.re(sp.N(next(iter(entry.point.values())), 20)))


def _switch_points(f: sp.Expr, x: sp.Symbol, low: sp.Expr, high: sp.Expr) -> list[sp.Expr]:
    """Where f may switch formula, strictly between ``low`` and ``high``, exactly and sorted."""
    domain = sp.Interval.open(low, high)
    found: list[sp.Expr] = []
    for equation in nonsmooth.switch_equations(f, x):
        try:
            solutions = sp.solveset(equation, x, domain)
        except SYMPY_SOLVER_FAILURES:
            message = f"cannot solve {show_expr(equation)} = 0 for {x} exactly"
            raise ExactSolutionError(message) from None
        if isinstance(solutions, sp.FiniteSet):
            found.extend(s for s in solutions if not any(is_zero(s - t) for t in found))
        elif solutions is sp.S.EmptySet:
            continue
        elif solutions.atoms(sp.ImageSet) and not (low.is_finite and high.is_finite):
            raise SteepestError(
                f"{show_expr(f)} may have infinitely many critical points: it switches formula "
                f"wherever {show_expr(equation)} = 0, which repeats periodically in {x}; give a "
                f"domain box such as domain={{'{x}': (0, 10)}} to list them"
            )
        else:
            raise ExactSolutionError(f"cannot solve {show_expr(equation)} = 0 for {x} exactly")
    return sorted(found, key=lambda s: float(sp.re(sp.N(s, 30))))


def _samples(a: sp.Expr, b: sp.Expr) -> list[sp.Expr]:
    """A few points strictly between a and b (either may be infinite)."""
    if a.is_finite and b.is_finite:
        return [a + (b - a) * t for t in (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(3, 4))]
    if a.is_finite:
        return [a + t for t in (1, sp.Rational(1, 2), 3)]
    if b.is_finite:
        return [b - t for t in (1, sp.Rational(1, 2), 3)]
    return [sp.Integer(0), sp.Integer(1), sp.Integer(-1)]


def _piece(f: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
    """The smooth formula of f between two consecutive switch points (None: f is not
    real there, at least at the points tried)."""
    for sample in _samples(a, b):
        try:
            piece = nonsmooth.branch_near(f, x, sample)
        except SteepestError:
            continue
        value = sp.N(piece.subs(x, sample), 30)
        if value.is_number and value.is_real and value.is_finite:
            return piece
    return None


def _stationary_inside(g: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr) -> list[CriticalPoint]:
    """The classified zeros of g' strictly between a and b."""
    finite = bool(a.is_finite and b.is_finite)
    found = stationary(g, [x], {x: (a, b)} if finite else {})
    inside: list[CriticalPoint] = []
    for candidate in found:
        root = candidate.assignment.get(x)
        if candidate.free or root is None or not in_interval(root, (a, b)):
            continue
        if any(bound.is_finite and is_zero(root - bound) for bound in (a, b)):
            continue  # a switch point: decided from both sides
        inside.append(classify(g, [x], Candidate(candidate.assignment, (), candidate.precise)))
    return inside


def _value_near(expr: sp.Expr, x: sp.Symbol, p: sp.Expr, side: str) -> sp.Expr | None:
    """The limit of ``expr`` as x -> p from one side: the value at p where that is finite."""
    from steepest.symbolic._limits import one_sided

    value = expr.subs(x, p)
    if value.is_number and value.is_finite and not value.has(sp.nan, sp.zoo):
        return value
    limit = one_sided(expr, x, p, side)
    if limit is None or not limit.is_number or isinstance(limit, sp.AccumBounds):
        return None
    return limit


def _sign_of(value: sp.Expr) -> int | None:
    if value is sp.oo:
        return 1
    if value is -sp.oo:
        return -1
    try:
        return sign_of(value)
    except TypeError:
        return None


def _side(g: sp.Expr, x: sp.Symbol, p: sp.Expr, side: str) -> int | None:
    """The sign of g - g(p) just to one side of p: from the first nonzero one-sided
    derivative (order k, value v: sign(v) on the right, (-1)^k sign(v) on the left);
    0 where g is constant; None where it cannot be decided."""
    derivative = g
    for order in range(1, MAX_DERIVATIVE_ORDER + 1):
        derivative = sp.diff(derivative, x)
        if is_zero(derivative):
            return 0
        value = _value_near(derivative, x, p, "+" if side == "+" else "-")
        sign = None if value is None else _sign_of(value)
        if sign is None:
            return None
        if sign != 0:
            return sign if side == "+" else sign * (-1) ** order
    return None


def _at_switch(
    f: sp.Expr, x: sp.Symbol, p: sp.Expr, left: sp.Expr, right: sp.Expr
) -> CriticalPoint | str | None:
    """The entry for a switch point p: a critical point, None where f has a nonzero
    derivative there (or is not defined), "flat" where f is the same constant on both sides."""
    at = f.subs(x, p)
    if not at.is_number or at.has(sp.nan, sp.zoo) or not at.is_finite or at.is_real is False:
        return None
    at = at if at.is_Rational else sp.simplify(at)
    limits = [_value_near(left, x, p, "-"), _value_near(right, x, p, "+")]
    if any(limit is None for limit in limits):
        return _point(
            x, p, DEGENERATE, at, "f switches formula here; what it does could not be decided"
        )
    jumps = [_sign_of(limit - at) for limit in limits]
    if any(jumps):
        sides = [jumps[0] or _side(left, x, p, "-"), jumps[1] or _side(right, x, p, "+")]
        return _point(x, p, *_kind(sides, JUMP), at)
    slopes = [_value_near(sp.diff(left, x), x, p, "-"), _value_near(sp.diff(right, x), x, p, "+")]
    sides = [_side(left, x, p, "-"), _side(right, x, p, "+")]
    if sides == [0, 0]:
        return "flat"
    if all(s is not None and s.is_finite for s in slopes) and is_zero(slopes[0] - slopes[1]):
        if not is_zero(slopes[0]):
            return None  # differentiable with a nonzero slope: not critical
        return _point(x, p, *_kind(sides, "the derivative is 0 here (from both sides)"), at)
    return _point(x, p, *_kind(sides, _kink_note(slopes)), at)


def _domain_end(
    f: sp.Expr, x: sp.Symbol, p: sp.Expr, left: sp.Expr | None, right: sp.Expr | None
) -> CriticalPoint | None:
    """A point where f is defined but only on one side of it (sqrt(x) at 0): f' does not
    exist there; a minimum or maximum of f on its domain by the side where f lives."""
    at = f.subs(x, p)
    if not at.is_number or at.has(sp.nan, sp.zoo) or not at.is_finite or at.is_real is False:
        return None
    at = at if at.is_Rational else sp.simplify(at)
    side, piece = ("+", right) if right is not None else ("-", left)
    limit = _value_near(piece, x, p, side)
    if limit is None:
        return None
    sign = _sign_of(limit - at) or _side(piece, x, p, side)
    why = "the derivative is not defined here: f is real on one side only (an end of its domain)"
    if sign is None or sign == 0:
        return _point(x, p, DEGENERATE, f"{why}; what f does next to it could not be decided", at)
    kind = MINIMUM if sign > 0 else MAXIMUM
    larger = "larger" if sign > 0 else "smaller"
    return _point(x, p, kind, f"{why}; f is {larger} next to it", at)


def _kink_note(slopes: Sequence[sp.Expr | None]) -> str:
    infinite = [s is not None and s.is_infinite for s in slopes]
    if all(infinite):
        shape = "a vertical tangent" if slopes[0] == slopes[1] else "a cusp"
        return f"the derivative is not defined here ({shape})"
    return KINK


def _kind(sides: Sequence[int | None], why: str) -> tuple[str, str]:
    """Kind and note from the signs of f - f(p) just left and right of p."""
    if None in sides:
        return DEGENERATE, f"{why}; whether f is above or below f here could not be decided"
    signs = set(sides)
    if signs == {1}:
        return MINIMUM, f"{why}; f is larger on both sides"
    if signs == {-1}:
        return MAXIMUM, f"{why}; f is smaller on both sides"
    if signs == {0, 1}:
        return MINIMUM, f"{why}; not strict: f is constant on one side"
    if signs == {0, -1}:
        return MAXIMUM, f"{why}; not strict: f is constant on one side"
    return (
        SADDLE,
        f"{why}; neither a minimum nor a maximum: f is smaller on one side, larger on the other",
    )


def _point(x: sp.Symbol, p: sp.Expr, kind: str, note: str, value: sp.Expr) -> CriticalPoint:
    return CriticalPoint({x.name: p}, kind, value, note=note)


def _regions(
    x: sp.Symbol,
    edges: Sequence[sp.Expr],
    pieces: Sequence[sp.Expr | None],
    flat: Sequence[bool],
    joined: Sequence[bool],
) -> list[CriticalPoint]:
    """One entry per maximal open interval on which f is constant."""
    found: list[CriticalPoint] = []
    start: int | None = None
    for i, constant in enumerate(flat):
        if constant and start is None:
            start = i
        ends_here = not constant or i == len(flat) - 1 or not (joined[i] and flat[i + 1])
        if start is not None and constant and ends_here:
            interval = sp.Interval.open(edges[start], edges[i + 1])
            value = pieces[i]
            value = value if value.is_Rational else sp.simplify(value)
            found.append(CriticalPoint({}, DEGENERATE, value, (x.name,), FLAT, region=interval))
            start = None
    return found


# ---------------------------------------------------------------------------
# Several variables: |u|, max(a, b) and min(a, b) of smooth expressions

# Sign patterns grow as 2^m: beyond this many switch expressions, the plain solver runs.
MAX_SWITCHES = 6
Switch = tuple[sp.Expr, int]  # (index of the switch expression, orientation)


def find_nd(f: sp.Expr, variables: Sequence[sp.Symbol], box: Box) -> list[CriticalPoint] | None:
    """Critical points of ``f`` in several variables made of |u|, max(a, b) and min(a, b)
    of smooth expressions (None for anything else: the caller solves grad f = 0 as usual).

    Inside each region where every switch expression keeps its sign, f is one
    smooth formula: its stationary points there are classified as usual, and
    where it is constant the region is one entry.  On a switch surface where
    f has a kink, every point is critical (the gradient does not exist): one
    family entry.  The points of such a surface that are critical for f
    restricted to it (found the same way, in one variable fewer) are listed
    too, classified along lines through them: a saddle when f rises along one
    and falls along another, otherwise ``degenerate`` with what the lines show.
    """
    switches = _switches(f, variables)
    if switches is None:
        return None
    expressions, atoms = switches
    entries: list[CriticalPoint] = []
    for signs in itertools.product((1, -1), repeat=len(expressions)):
        piece = f.xreplace({atom: _branch(atom, signs[i] * o) for atom, (i, o) in atoms.items()})
        conditions = [
            e > 0 if sign > 0 else e < 0 for sign, e in zip(signs, expressions, strict=True)
        ]
        entries.extend(_inside_region(piece, variables, box, conditions))
    seen: list[CriticalPoint] = []
    for index, expression in enumerate(expressions):
        mine = {atom: o for atom, (i, o) in atoms.items() if i == index}
        for entry in _on_surface(f, variables, box, expression, mine):
            if entry.free or not any(_same(entry, other) for other in seen):
                seen.append(entry)
    families = [e for e in [*entries, *seen] if e.free]
    points = sorted((e for e in [*entries, *seen] if not e.free), key=_sort_key)
    return [*families, *points]


def _sort_key(entry: CriticalPoint) -> tuple[float, ...]:
    return tuple(entry.approx().values())


def _same(a: CriticalPoint, b: CriticalPoint) -> bool:
    return (
        not b.free
        and a.point.keys() == b.point.keys()
        and all(is_zero(a.point[k] - b.point[k]) for k in a.point)
    )


def _switches(
    f: sp.Expr, variables: Sequence[sp.Symbol]
) -> tuple[list[sp.Expr], dict[sp.Expr, Switch]] | None:
    """The distinct switch expressions, and for each kinked atom which one (and its
    orientation); None when f has other kinds of switches, nesting, or too many."""
    if f.has(sp.sign, sp.Heaviside, sp.Piecewise, sp.floor, sp.ceiling):
        return None
    moving = set(variables)
    atoms = [a for a in f.atoms(sp.Abs, sp.Max, sp.Min) if a.free_symbols & moving]
    expressions: list[sp.Expr] = []
    found: dict[sp.Expr, Switch] = {}
    for atom in sorted(atoms, key=sp.default_sort_key):
        if any(arg.has(sp.Abs, sp.Max, sp.Min) for arg in atom.args) or len(atom.args) > 2:
            return None
        expression = atom.args[0] if isinstance(atom, sp.Abs) else atom.args[0] - atom.args[1]
        expression, orientation = sp.expand(expression), 1
        if expression.could_extract_minus_sign():
            expression, orientation = -expression, -1  # x < 0 reads better than -x > 0
        for i, known in enumerate(expressions):
            if is_zero(expression - known) or is_zero(expression + known):
                same = 1 if is_zero(expression - known) else -1
                found[atom] = (i, same * orientation)
                break
        else:
            expressions.append(expression)
            found[atom] = (len(expressions) - 1, orientation)
    if not expressions or len(expressions) > MAX_SWITCHES:
        return None
    return expressions, found


def _branch(atom: sp.Expr, sign: int) -> sp.Expr:
    """The formula ``atom`` takes where its switch expression has ``sign``."""
    if isinstance(atom, sp.Abs):
        return sign * atom.args[0]
    a, b = atom.args
    if isinstance(atom, sp.Max):
        return a if sign > 0 else b
    return b if sign > 0 else a


def _inside_region(
    piece: sp.Expr, variables: Sequence[sp.Symbol], box: Box, conditions: list[sp.Rel]
) -> list[CriticalPoint]:
    """Stationary points of one smooth piece strictly inside its region."""
    found: list[CriticalPoint] = []
    candidates = stationary(piece, variables, box)
    hessian = sp.hessian(piece, variables) if candidates else None
    for candidate in candidates:
        held = [c.subs(candidate.assignment) for c in conditions]
        if any(h is sp.false for h in held):
            continue
        if candidate.free:
            open_conditions = [_tidy(h) for h in held if h is not sp.true]
            if not _feasible(open_conditions, candidate.free, box):
                continue
            entry = classify(piece, variables, candidate, hessian)
            entry.region = sp.And(*open_conditions) if open_conditions else None
            if not candidate.assignment and open_conditions:
                entry.note = FLAT
            found.append(entry)
        elif all(h is sp.true for h in held):
            found.append(classify(piece, variables, candidate, hessian))
    return found


def _tidy(condition: sp.Rel) -> sp.Rel:
    """``y < -1/2`` for ``-y - 1/2 > 0``: a condition linear in one variable, solved for it.

    >>> y = sp.Symbol("y", real=True)
    >>> _tidy(-y - sp.Rational(1, 2) > 0), _tidy(y - 2 < 0)
    (y < -1/2, y < 2)
    """
    expression = condition.lhs - condition.rhs
    symbols = expression.free_symbols
    if len(symbols) != 1 or not expression.is_polynomial(*symbols):
        return condition
    (var,) = symbols
    poly = sp.Poly(expression, var)
    if poly.degree() != 1:
        return condition
    slope, offset = poly.all_coeffs()
    bound = -offset / slope
    above = isinstance(condition, sp.StrictGreaterThan) == bool(slope > 0)
    return var > bound if above else var < bound


def _feasible(conditions: list[sp.Boolean], free: Sequence[sp.Symbol], box: Box) -> bool:
    """Whether the strict inequalities hold somewhere (tried at spread points)."""
    if not conditions:
        return True
    from scipy.stats import qmc

    unit = qmc.Halton(d=len(free), scramble=False).random(257)[1:]
    low = [float(box[v][0]) if v in box and box[v][0].is_finite else -10.0 for v in free]
    high = [float(box[v][1]) if v in box and box[v][1].is_finite else 10.0 for v in free]
    test = sp.lambdify(free, sp.And(*conditions), "numpy")
    for row in unit:
        point = [a + u * (b - a) for u, a, b in zip(row, low, high, strict=True)]
        if bool(test(*point)):
            return True
    return False


def _on_surface(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    box: Box,
    expression: sp.Expr,
    atoms: dict[sp.Expr, int],
) -> list[CriticalPoint]:
    """The kink surface expression = 0 (a family, where f has a kink there) and the
    critical points of f restricted to it that are critical for f."""
    jump = f.xreplace({a: _branch(a, o) for a, o in atoms.items()}) - f.xreplace(
        {a: _branch(a, -o) for a, o in atoms.items()}
    )
    entries: list[CriticalPoint] = []
    for factor in _factors(expression, variables):  # x y = 0 is two lines: x = 0, y = 0
        var, solutions = _solve_for_one(factor, variables)
        for solution in solutions:
            if var in box and solution.is_number and not in_interval(solution, box[var]):
                continue
            across = [sp.diff(jump, v).subs(var, solution) for v in variables]
            if any(not is_zero(c) for c in across):
                note = f"the gradient is not defined here (a kink along {show_expr(factor)} = 0)"
                entries.append(_family(f, variables, var, solution, note))
            entries.extend(_critical_on_surface(f, variables, box, var, solution, KINK))
    return entries


def _factors(expression: sp.Expr, variables: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """The distinct factors of ``expression`` that hold a variable: its zero set is theirs.

    >>> x, y = sp.symbols("x y", real=True)
    >>> _factors(3 * x**2 * (y - 1), [x, y])
    [y - 1, x]
    """
    moving = set(variables)
    return [factor for factor, _ in sp.factor_list(expression)[1] if factor.free_symbols & moving]


def _family(
    f: sp.Expr, variables: Sequence[sp.Symbol], var: sp.Symbol, solution: sp.Expr, why: str
) -> CriticalPoint:
    """The surface var = solution as one entry: every point of it is critical (``why``)."""
    rest = tuple(v.name for v in variables if v != var)
    value = sp.simplify(f.subs(var, solution))
    note = f"{why}: every point is critical"
    return CriticalPoint({var.name: solution}, DEGENERATE, value, rest, note)


def _critical_on_surface(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    box: Box,
    var: sp.Symbol,
    solution: sp.Expr,
    undefined: str,
) -> list[CriticalPoint]:
    """The points of the surface var = solution that are critical for f restricted to
    it and are critical for f (``undefined`` says why where the gradient does not exist)."""
    rest = [v for v in variables if v != var]
    restricted = f.subs(var, solution)
    entries: list[CriticalPoint] = []
    for entry in interior(restricted, rest, {v: b for v, b in box.items() if v in rest}):
        if entry.free or entry.region is not None:
            continue
        at = {v: entry.point[v.name] for v in rest}
        point = {var: at_point(solution, at), **at}
        if var in box and not in_interval(point[var], box[var]):
            continue
        found = _surface_point(f, variables, point, undefined)
        if found is not None:
            entries.append(found)
    return entries


def _solve_for_one(
    expression: sp.Expr, variables: Sequence[sp.Symbol]
) -> tuple[sp.Symbol, list[sp.Expr]]:
    """One variable of the switch surface expression = 0 and its solutions in the others."""
    present = [v for v in variables if expression.has(v)]
    ordered = sorted(
        present, key=lambda v: sp.degree(expression, v) if expression.is_polynomial(v) else 99
    )
    for var in ordered:
        try:
            solutions = sp.solve(expression, var)
        except SYMPY_SOLVER_FAILURES:
            continue
        real = [s for s in solutions if s.is_real is not False]
        if real:
            return var, real
    raise ExactSolutionError(f"cannot solve {show_expr(expression)} = 0 exactly")


def _surface_point(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    point: dict[sp.Symbol, sp.Expr],
    undefined: str = KINK,
) -> CriticalPoint | None:
    """A point where f's formula may have no gradient: critical if the gradient is 0 or
    does not exist (``undefined`` says why it does not)."""
    missing = False
    for var in variables:
        slope = _partial_at(f, var, point)
        if slope is None:
            missing = True
            break
        if not is_zero(slope):
            return None
    value = at_point(f, point)
    value = value if value.is_Rational else sp.simplify(value)
    why = undefined if missing else "the gradient is 0 here"
    kind, note = _proven_extremum(f, value, why) or _along_lines(f, variables, point, why)
    return CriticalPoint({v.name: point[v] for v in variables}, kind, value, note=note)


def _partial_at(f: sp.Expr, var: sp.Symbol, point: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr | None:
    """d f / d var at the point, from its one-sided slopes where the formula is 0/0
    there (x sqrt(x^2 + y^2) at the origin); None where it does not exist."""
    try:
        slope = nonsmooth.derivative_at(f, var, point)
        if slope.has(sp.nan, sp.zoo) or slope.is_finite is not True:
            slope = nonsmooth.decide_at(f, var, point)
    except SteepestError:
        return None
    return slope


def _proven_extremum(f: sp.Expr, value: sp.Expr, why: str) -> tuple[str, str] | None:
    """A minimum (maximum) where SymPy proves f - value >= 0 (<= 0) for every real point
    (sqrt(x^2 + y^2) at its tip, |x| + y^2 at the origin); None where it cannot."""
    difference = f - value
    if difference.is_nonnegative:
        return MINIMUM, f"{why}; f is nowhere smaller than here"
    if difference.is_nonpositive:
        return MAXIMUM, f"{why}; f is nowhere larger than here"
    return None


def _along_lines(
    f: sp.Expr, variables: Sequence[sp.Symbol], point: dict[sp.Symbol, sp.Expr], why: str
) -> tuple[str, str]:
    """The kind, from f along lines through the point: a saddle where it rises along
    some and falls along others; otherwise degenerate, with what the lines show
    (lines alone cannot prove a minimum or a maximum)."""
    t = sp.Dummy("t", real=True)
    signs: set[int | None] = set()
    for direction in line_directions(len(variables)):
        line = f.subs({v: point[v] + d * t for v, d in zip(variables, direction, strict=True)})
        signs.update(_line_sides(line, t))
    if 1 in signs and -1 in signs:
        return SADDLE, f"{why}; f is larger along some lines through it and smaller along others"
    if None in signs:
        return DEGENERATE, f"{why}; what f does around it could not be decided"
    if signs == {0}:
        return DEGENERATE, f"{why}; f is constant along every line tried through it"
    larger = "larger" if 1 in signs else "smaller"
    kind = "minimum" if larger == "larger" else "maximum"
    return DEGENERATE, (
        f"{why}; f is {larger} or equal along every line tried through it (perhaps a "
        f"{kind}, which lines alone cannot prove: the second-derivative test does not apply)"
    )


def _line_sides(line: sp.Expr, t: sp.Symbol) -> list[int | None]:
    """Signs of line(t) - line(0) just left and right of t = 0."""
    try:
        cuts = _switch_points(line, t, sp.Integer(-1), sp.Integer(1))
    except SteepestError:
        return [None]
    before = [c for c in cuts if bool(c < 0)]
    after = [c for c in cuts if bool(c > 0)]
    left = _piece(line, t, before[-1] if before else sp.Integer(-1), sp.Integer(0))
    right = _piece(line, t, sp.Integer(0), after[0] if after else sp.Integer(1))
    if left is None or right is None:
        return [None]
    return [_side(left, t, sp.Integer(0), "-"), _side(right, t, sp.Integer(0), "+")]


__all__ = ["find_1d", "find_nd", "has_switches", "root_points", "roots_left_out"]
