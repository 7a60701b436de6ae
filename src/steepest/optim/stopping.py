"""Stopping rules and the plain-words verdict of a run.

A full-batch run stops when a step moves the parameters less than ``tol``
(the course's rule), when the gradient norm falls to ``gtol``, when the
loss changes by less than ``ftol`` (relative), after ``max_iter`` steps or
``max_time`` seconds, or when a callback asks.  A run over batches stops on
``tol`` too, after ``epochs`` passes, and, with :class:`EarlyStopping`, when
a score measured after each epoch stops improving.

A full-batch run that stops by a stopping rule has found a point where the
function no longer moves; :func:`not_a_minimum` then checks, once, that it
is a minimum (see :data:`SECOND_ORDER_LIMIT`).
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.divergence import Monitor, point_words
from steepest.optim.lengths import vector_length


def check_settings(settings: dict[str, Any]) -> None:
    """One sentence for the first setting a run cannot use."""
    for key in ("tol", "gtol", "ftol", "max_time", "clip_norm"):
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or (
            math.isnan(value)
        ):
            raise OptimizationError(f"{key} must be a non-negative number or None, not {value!r}")
    for key in ("max_iter", "epochs", "batch_size"):
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise OptimizationError(f"{key} must be a non-negative whole number, not {value!r}")
    if settings.get("batch_size") is not None and settings["batch_size"] < 1:
        raise OptimizationError("batch_size must be at least 1 (or None for full batch)")
    if settings.get("clip_norm") is not None and settings["clip_norm"] <= 0:
        raise OptimizationError("clip_norm must be positive")
    for key in ("callback", "epoch_callback"):
        if settings.get(key) is not None and not callable(settings[key]):
            raise OptimizationError(f"{key} must be callable")
    record = settings.get("record", True)
    if not (isinstance(record, bool) or record in ("all", "epochs")):
        raise OptimizationError(
            f"record must be True, False, 'epochs' or 'all', not {record!r}"
        )


def converged(
    step_len: float, gnorm: float, f: float, f_new: float,
    tol: float | None, gtol: float | None, ftol: float | None,
) -> str | None:
    """The stopping rule that holds after a full-batch step, in words (None: none holds)."""
    if tol is not None and step_len < tol:
        return f"the last step moved the parameters {step_len:.3g} < tol = {tol:g}"
    if gtol is not None and gnorm <= gtol:
        return f"the gradient norm {gnorm:.3g} <= gtol = {gtol:g}"
    if ftol is not None and abs(f_new - f) <= ftol * max(abs(f), abs(f_new), 1.0):
        return f"the loss changed by at most ftol = {ftol:g} (relative) in the last step"
    return None


def max_iter_message(
    max_iter: int, tol: float | None, gtol: float | None, step_len: float, gnorm: float,
    monitor: Monitor, ahead: str | None = None, kink: str | None = None,
) -> str:
    """Why a run used all its steps, and what would have ended it sooner.

    ``ahead`` (from :func:`no_minimum_ahead`) replaces the advice to allow more steps
    when the loss was still improving only because the point keeps moving away, and the
    advice to stop on the gradient when the loss settled where f is flat only to
    floating-point precision;
    ``kink`` says why a loss no longer improving cannot improve at a constant rate.
    """
    if max_iter == 0:  # no step was taken: there is no last step to tell of
        return "max_iter = 0 reached: no step was taken"
    rules = []
    if tol is not None:
        rules.append(f"tol = {tol:g} (last step {step_len:.3g})")
    if gtol is not None:
        rules.append(f"gtol = {gtol:g} (gradient norm {gnorm:.3g})")
    met = f"{' and '.join(rules)} not met" if rules else "no stopping rule was set"
    hint = ""
    if monitor.settled and ahead is not None:
        hint = f"; its steps no longer change the loss beyond rounding error, but {ahead}"
    elif monitor.settled:
        hint = (
            "; the run had settled: its steps no longer change the loss beyond rounding error "
            f"(last step {step_len:.2g}); set gtol to stop as soon as that happens"
        )
    elif monitor.still_decreasing():
        hint = ("; the loss was still improving: allow more steps or a larger learning rate"
                if ahead is None else f"; the loss was still improving, but {ahead}")
    elif kink is not None:
        hint = f"; the loss has not improved since step {monitor.best_at}: {kink}"
    return f"max_iter = {max_iter} reached, {met}{hint}"


def compose(
    status: str, steps: int, reason: str, note: str | None, epochs: int | None = None
) -> str:
    """``"<status> after <n> steps: <reason>[. <note>]"``."""
    where = f"{steps} step{'s' * (steps != 1)}"
    if epochs is not None:
        where += f" ({epochs} epoch{'s' * (epochs != 1)})"
    text = f"{status} after {where}: {reason}"
    return f"{text}. {note}" if note else text


# -- is the point a minimum? ----------------------------------------------------------------

# The second-order check runs for at most this many parameters: it costs 2n gradients (a
# Hessian by differences) and about 4n values, once at the end of a converged run.
SECOND_ORDER_LIMIT = 20
# f is probed at these multiples of max(1, largest |coordinate|) away from the point.
PROBE_SCALES = (1e-4, 1e-3, 1e-2, 1e-1)
# A change of f smaller than this fraction of |f| may be rounding, not a change.
ROUNDING = 1e-10
# An eigenvalue below -NEGATIVE_CURVATURE times the largest |eigenvalue| is clearly negative.
NEGATIVE_CURVATURE = 1e-6
# A fall that grows as the cube of the distance (or faster) is an inflection; as the square,
# a saddle (its ratio over one decade of distance is 1000 or 100: split at sqrt(1e5)).
CUBIC_GROWTH = 10**2.5
# Central differences of the gradient: the step that balances truncation and rounding.
DIFFERENCE_STEP = float(np.finfo(float).eps) ** (1 / 3)


def not_a_minimum(objective: Any, z: np.ndarray, g: np.ndarray,
                  variables: tuple[str, ...] | None = None) -> tuple[str | None, int]:
    """Why the point ``z`` where a run converged is no minimum, in words (None: nothing says
    so), and the number of evaluations the check took.

    ``objective`` has ``value(z)`` and ``vg(z)`` of the minimized function
    (the negation of the user's for maximize: its ``sign``) and ``g`` is its
    gradient at ``z``, which has vanished (the words name a stationary
    point).  The point is no minimum when the Hessian (the objective's own
    ``hessian=``, otherwise central differences of the gradient) has a
    clearly negative eigenvalue that the values of f do not contradict, or
    when f falls below both its value and its tangent at ``z``, a fall that
    grows with the distance at two scales in a row along an eigenvector or a
    coordinate direction.  A flat minimum such as x^4 (f is nowhere lower
    nearby) passes.

    >>> from steepest.optim.objective import Objective
    >>> saddle = Objective(lambda v: v[0] ** 2 - v[1] ** 2, shape=(2,))
    >>> print(not_a_minimum(saddle, np.zeros(2), np.zeros(2))[0])
    this is a saddle point, not a minimum: f decreases along (0, 1) (curvature -2); start ...
    >>> not_a_minimum(Objective(lambda x: x ** 4, shape=()), np.array([1e-6]), np.array([4e-18]))
    (None, 5)
    """
    probe = _Probe(objective, z, g)
    found = probe.verdict()
    if found is None:
        return None, probe.evaluations
    kind, d, curvature = found
    sign = getattr(objective, "sign", 1.0)
    return _words(kind, d, curvature, sign, variables), probe.evaluations


class _Probe:
    """Values and curvature of the minimized function around one point, counted."""

    def __init__(self, objective: Any, z: np.ndarray, g: np.ndarray) -> None:
        self.objective, self.z, self.g = objective, z, g
        self.scale = max(1.0, float(np.max(np.abs(z))))
        self.evaluations = 0
        self.f0 = self.value(z)

    def value(self, z: np.ndarray) -> float:
        self.evaluations += 1
        try:
            return float(self.objective.value(z))
        except Exception:  # a point where f cannot be evaluated tells nothing
            return math.nan

    def verdict(self) -> tuple[str, np.ndarray, float] | None:
        """``(kind, direction, curvature)`` when the point is no minimum, else None."""
        if not math.isfinite(self.f0):
            return None
        directions = list(np.eye(self.z.size))
        hessian = self.hessian()
        if hessian is not None:
            eigenvalues, vectors = np.linalg.eigh(hessian)
            lowest, v = float(eigenvalues[0]), vectors[:, 0]
            clearly = -NEGATIVE_CURVATURE * float(np.max(np.abs(eigenvalues)))
            if lowest < clearly and not any(self.walk(u)[0] == "rises" for u in (v, -v)):
                kind = "maximum" if eigenvalues[-1] < clearly else "saddle"
                return kind, _pointing(v), lowest
            directions = [*vectors.T, *(e for e in directions
                                        if np.max(np.abs(vectors.T @ e)) < 1 - 1e-9)]
        for d in directions:
            for u in (d, -d):
                how, growth = self.walk(u)
                if how == "falls":
                    kind = "inflection" if growth >= CUBIC_GROWTH else "saddle"
                    return kind, u if kind == "inflection" else _pointing(u), math.nan
        return None

    def walk(self, d: np.ndarray) -> tuple[str, float]:
        """How f goes along ``d``, from the smallest scale that shows a change beyond rounding.

        ``("falls", growth)`` when f falls below both its value and its tangent at two
        scales in a row (``growth``: the second fall over the first); ``("rises", 0)`` when
        the first change is not such a fall, or a fall is followed by a rise; otherwise
        ``("level", 0)``.
        """
        slope = float(self.g @ d)
        fall = 0.0
        for scale in PROBE_SCALES:
            h = scale * self.scale
            f = self.value(self.z + h * d)
            if not math.isfinite(f):
                return "level", 0.0
            margin = ROUNDING * max(abs(self.f0), abs(f))
            change, above_tangent = f - self.f0, f - self.f0 - h * slope
            if change < -margin and above_tangent < -margin:
                if not fall:
                    fall = above_tangent
                    continue
                # The fall below the tangent: about the square (a saddle) or the cube (an
                # inflection) of the distance, where rounding would not grow at all.
                growth = above_tangent / fall
                return ("falls", growth) if growth >= 10 else ("level", 0.0)
            if change > margin or above_tangent > margin:
                return "rises", 0.0
            if fall:
                return "level", 0.0
        return "level", 0.0

    def value_and_slope(self, z: np.ndarray, u: np.ndarray) -> tuple[float, float]:
        """f and its slope along ``u`` at ``z`` (nan where f cannot be evaluated)."""
        self.evaluations += 1
        try:
            f, g = self.objective.vg(z)
            return float(f), float(g @ u)
        except Exception:  # a point where f cannot be evaluated tells nothing
            return math.nan, math.nan

    def hessian(self) -> np.ndarray | None:
        """The objective's own Hessian when it was given, else central differences of its
        gradient; None when either is not finite."""
        z, objective = self.z, self.objective
        try:
            if getattr(objective, "user_hessian", None) is not None:
                h = np.asarray(objective.hessian(z), dtype=float)
            else:
                columns = np.empty((z.size, z.size))
                for i in range(z.size):
                    step = np.zeros_like(z)
                    step[i] = DIFFERENCE_STEP * max(1.0, abs(float(z[i])))
                    up, down = z + step, z - step
                    self.evaluations += 2
                    columns[:, i] = (objective.vg(up)[1] - objective.vg(down)[1]) / (
                        up[i] - down[i])
                h = 0.5 * (columns + columns.T)
        except Exception:  # without a Hessian the values alone decide
            return None
        return h if h.shape == (z.size, z.size) and np.all(np.isfinite(h)) else None


# Plain descent has crept, not converged, where its rate is this many times below the 1 /
# curvature of a direction along which the gradient has not vanished: crossing the way left
# along it would take more steps than the inverse of this.
CREEP = 1e-6
# A rate at least this fraction of 1 / the steepest curvature is as large as descent allows.
STEEP_RATE = 0.01


def creeping(objective: Any, z: np.ndarray, g: np.ndarray, lr: float,
             variables: tuple[str, ...] | None = None) -> tuple[str | None, int]:
    """Why plain descent at rate ``lr``, stopped at ``z`` on a step shorter than its tol,
    only crept there, in words (None: nothing says so), and the number of evaluations.

    Where f curves far more in one direction than in another (features or
    penalties on scales a million times apart), the rate that is stable
    along the first, about 1 / its curvature, barely moves along the second:
    a step removes the gradient's steep part and leaves the rest, whose steps
    are then shorter than ``tol`` long before the minimum, and the relative
    size of the gradient hides it.  The Hessian at ``z`` (the objective's own,
    or central differences of the gradient) tells: along an eigenvector of
    curvature ``c`` with ``lr c`` below :data:`CREEP` and a gradient part
    ``a``, f's minimum lies about ``a / c`` away, and f must fall there by
    more than rounding, and rise again beyond (a minimum lies ahead).

    >>> from steepest.optim.objective import Objective
    >>> stiff = Objective(lambda v: 1e14 * v[0] ** 2 + 0.1 * (v[1] - 1) ** 2, shape=(2,))
    >>> print(creeping(stiff, np.array([0.0, 2e-15]), np.array([0.0, -0.2]), 5e-15)[0])
    f still falls by 0.1 within 1 along (0, 1), where the rate 5e-15 is 1e+15 times below ...
    >>> creeping(stiff, np.array([0.0, 1.0]), np.array([0.0, 1e-12]), 5e-15)[0] is None
    True
    """
    probe = _Probe(objective, z, g)
    hessian = probe.hessian() if math.isfinite(probe.f0) else None
    if hessian is None:
        return None, probe.evaluations
    eigenvalues, vectors = np.linalg.eigh(hessian)
    best: tuple[float, float, np.ndarray] | None = None
    for curvature, v in zip(eigenvalues.tolist(), vectors.T, strict=True):
        if not (curvature > 0 and lr * curvature < CREEP):
            continue
        fall = float(g @ v) ** 2 / (2.0 * curvature)
        if best is None or fall > best[0]:
            best = (fall, curvature, v)
    if best is None:
        return None, probe.evaluations
    _, curvature, v = best
    way = -float(g @ v) / curvature * v  # the minimum along v of f's quadratic model
    f = probe.value(z + way)
    if not f < probe.f0 - ROUNDING * max(abs(probe.f0), abs(f)):
        return None, probe.evaluations
    # And f rises again beyond: a minimum lies ahead (where f only flattens toward a limit,
    # exp(-x) at 17, there is none to creep to, which the check of a stop tells).
    beyond = probe.value(z + 2.0 * way)
    if not beyond > f + ROUNDING * max(abs(f), abs(beyond)):
        return None, probe.evaluations
    distance = float(np.sqrt(way @ way))
    steepest = float(eigenvalues[-1])
    if lr * steepest >= STEEP_RATE:
        advice = (f"f curves far more in another direction (curvature {steepest:.3g}), so "
                  "no one rate suits both; rescale the parameters so that f curves alike "
                  "along them, or use a method that adapts to curvature ('lbfgs', 'newton')")
    else:
        advice = "the rate is small along every direction: raise the learning rate"
    return (
        f"f still falls by {probe.f0 - f:.3g} within {distance:.3g} "
        f"{_direction(way / distance, variables)}, where the rate {lr:g} is "
        f"{1.0 / (lr * curvature):.2g} times below 1 / the curvature {curvature:.3g}: the "
        f"steps were short for want of rate, not of gradient; {advice}"
    ), probe.evaluations


def _pointing(d: np.ndarray) -> np.ndarray:
    """``d`` or ``-d``, whichever has its largest entry positive (a saddle falls both ways)."""
    return d if d[int(np.argmax(np.abs(d)))] > 0 else -d


def _words(kind: str, d: np.ndarray, curvature: float, sign: float,
           variables: tuple[str, ...] | None) -> str:
    """The sentence of :func:`not_a_minimum` (for maximize: maximum, increases)."""
    best = "minimum" if sign > 0 else "maximum"
    worse, moving = ("decreases", "decreasing") if sign > 0 else ("increases", "increasing")
    where = _direction(d, variables)
    if kind == "maximum":
        other = "maximum" if sign > 0 else "minimum"
        return (f"this is a {other}, not a {best}: f {worse} in every direction from here; "
                "start from another point")
    if kind == "saddle":
        bent = f" (curvature {sign * curvature:.3g})" if math.isfinite(curvature) else ""
        return (f"this is a saddle point, not a {best}: f {worse} {where}{bent}; "
                "start from another point")
    return (f"the gradient vanishes here at an inflection, not a {best}: f keeps {moving} "
            f"{where}, so there is no {best} here; start from another point")


def _direction(d: np.ndarray, variables: tuple[str, ...] | None) -> str:
    """``along (0, 1)``; in one variable ``as x decreases``."""
    if d.size == 1:
        name = variables[0] if variables else "the parameter"
        return f"as {name} {'decreases' if d[0] < 0 else 'increases'}"
    entries = ", ".join(f"{c:.3g}" if abs(c) > 1e-9 else "0" for c in d.tolist())
    return f"along ({entries})"


# -- is there a minimum ahead? --------------------------------------------------------------

# Along the last step, f is probed at these multiples of max(1, |z|) beyond the point: from a
# hundredth of the point's size to 1e10 times it, closely (with the slope) near the point.
AHEAD_NEAR = 10.0
AHEAD_MULTIPLES = (*(m * 10.0**e for e in range(-2, 1) for m in (1, 2, 5)),
                   *(10.0**e for e in range(1, 11)))
# The probes must reach at least this multiple with finite values for a verdict.
AHEAD_LEAST = 1e3
# f approaches a limit when its fall over the last decade is at most this fraction of its
# largest fall over one decade.
LIMIT_FALL = 0.1


def no_minimum_ahead(objective: Any, z: np.ndarray, step: np.ndarray, *, f0: float,
                     start_size: float, g0: float, gnorm: float, runaway_below: float,
                     variables: tuple[str, ...] | None = None, stopped: bool = False,
                     g: np.ndarray | None = None) -> tuple[str | None, int]:
    """Why a run that was still improving when its steps ran out will not converge, in
    words (None: nothing says so), and the number of evaluations the check took.
    (``stopped``: the words for a run that met a stopping rule there, along ``step`` =
    minus the gradient, where f flattens toward a limit: no minimum either; or where f is
    flat only to floating-point precision, its slope, from ``g`` at ``z`` on, not 0.)

    A run heading for a minimum passes it: beyond the point, along its last
    ``step``, f rises somewhere.  A run whose loss falls only because the
    point moves away (``1/x``, ``exp(-x)``, the logistic loss of separable
    data) finds f falling all the way out, from a hundredth of the point's
    size to 1e10 times it: toward a limit, or without one.  The words say
    which; a fall without a limit counts only where the gradient shrank on
    the way (to at most half of ``g0``) or f falls below ``runaway_below``
    (the monitor's bound for "no minimum"): a run that crept towards a far
    minimum at a small rate looks the same along a line until it passes it.

    >>> from steepest.optim.objective import Objective
    >>> words, _ = no_minimum_ahead(Objective("1/x", shape=()), np.array([6.7]),
    ...     np.array([0.002]), f0=1.0, start_size=1.0, g0=1.0, gnorm=0.022,
    ...     runaway_below=-1e10, variables=("x",))
    >>> print(words)  # doctest: +ELLIPSIS
    only because the point moves away: |x| went from 1 to 6.7 while the gradient ...
    >>> no_minimum_ahead(Objective("x^2", shape=()), np.array([0.1]), np.array([-0.02]),
    ...     f0=1.0, start_size=1.0, g0=2.0, gnorm=0.2, runaway_below=-1e10)[0] is None
    True
    """
    length = vector_length(step)
    if not (length > 0 and math.isfinite(length) and np.all(np.isfinite(z))):
        return None, 0
    probe = _Probe(objective, z, step)
    u, size, f = step / length, vector_length(z), probe.f0
    if not math.isfinite(f):
        return None, probe.evaluations
    # A change below this may be rounding: a fraction of f itself, not of how far the run
    # fell (f0): a loss that tends to 0 (1/x, exp(-x), a separable logistic loss) has all
    # of its remaining fall below any fraction of the fall behind it.
    margin = ROUNDING * abs(f)
    scale = max(1.0, size)
    values, distance = [f], math.nan  # (distance: of the last value kept)
    slopes = [] if g is None else [float(g @ u)]
    for multiple in AHEAD_MULTIPLES:
        near = multiple <= AHEAD_NEAR
        point = z + multiple * scale * u
        value, slope = probe.value_and_slope(point, u) if near else (
            probe.value(point), -math.inf)
        slopes.append(slope)
        if math.isnan(value) or value == math.inf:
            break
        # f rises ahead: a minimum, or a wall, lies there (near the point also where f
        # turns up between two probes: a small local minimum just ahead).  Not a rise
        # that comes only after f settled at its limit, beyond AHEAD_LEAST times the
        # point's size: no number of steps reaches that far (it is where a coordinate
        # that converged, crossed by the probe's line at a slant, grows again).
        if value > values[-1] + margin or slope > ROUNDING * max(g0, gnorm):
            if distance >= AHEAD_LEAST * scale and _toward_limit(values):
                break
            return None, probe.evaluations
        values.append(value)
        distance = multiple * scale
        if value < runaway_below:
            break
    if stopped and distance >= AHEAD_LEAST * scale and _flat_by_rounding(values, slopes):
        return _flat_words(getattr(objective, "sign", 1.0), f, distance, slopes[0], size,
                           start_size), probe.evaluations
    if not (distance >= AHEAD_LEAST * scale or values[-1] < runaway_below):
        distance = values[-1] = math.nan  # too few probes, or none: nothing is said
    unbounded = values[-1] < runaway_below
    if not values[-1] < f - ROUNDING * max(abs(f), abs(values[-1])):
        return None, probe.evaluations
    limit = _toward_limit(values)
    if not (limit or unbounded or gnorm <= 0.5 * g0):
        return None, probe.evaluations
    sign = getattr(objective, "sign", 1.0)
    return _ahead_words(limit and not unbounded, sign, sign * values[-1], distance, size,
                        start_size, g0, gnorm, variables, stopped), probe.evaluations


# How the words of a check begin where floating point cannot tell whether the point is a
# minimum (the run stalled there), rather than showing that it is none.
UNSURE = "this need not be a"
# A gradient that vanished where the point is no smaller than this (in the coordinates whose
# gradient vanished) did so by underflow, not at a minimum of f at 0.
UNDERFLOW_SIZE = 1e-8
# The least normal float: a gradient below it beside the point has not come back.
SMALLEST_NORMAL = sys.float_info.min
# The bisection for the edge where the gradient vanishes stops at adjacent floats or here.
UNDERFLOW_BISECTIONS = 80
# A gradient that vanishes at a true edge (of a flat region) shrinks toward it: at the last
# float before the edge it is below this fraction of its size a millionth farther back.
EDGE_SHRINK = 1e-3


def gradient_underflow(objective: Any, z: np.ndarray, g: np.ndarray, start: np.ndarray,
                       g_start: np.ndarray,
                       variables: tuple[str, ...] | None = None) -> tuple[str | None, int]:
    """Why a point where the gradient vanished exactly need not be a minimum: it vanished by
    underflow (in words; None where nothing says so), and the number of evaluations.

    ``exp(-x)`` has no minimum, but its gradient ``-exp(-x)`` is exactly 0 in
    floating point from x = 746 on, so a run that steps there stops as if at
    a minimum.  Where components of the gradient that were nonzero at the
    ``start`` are 0 at ``z``, they are 0 only at ``z`` at a true stationary
    point (checked just beside it); where they are 0 all around it, the edge
    where they vanish is found between ``start`` and ``z``.  The gradient of a
    flat region (``max(0, 1 - x)^2`` beyond 1) shrinks toward 0 as it nears
    the edge; one that underflowed drops to 0 from a size it kept on the way
    (4.9e-324 for ``exp(-x)``, 4.9e-24 for ``1e300 exp(-x)``, whose factor
    ``exp(-x)`` underflowed).

    >>> from steepest.optim.objective import Objective
    >>> f = Objective("exp(-x)", shape=())
    >>> words, _ = gradient_underflow(f, np.array([800.0]), np.array([0.0]),
    ...                               np.array([0.0]), np.array([-1.0]), ("x",))
    >>> print(words)  # doctest: +ELLIPSIS
    this need not be a minimum: the gradient is 0 here only because it underflowed ...
    >>> gradient_underflow(Objective("(x - 3)^2", shape=()), np.array([3.0]), np.array([0.0]),
    ...                    np.array([0.0]), np.array([-6.0]))[0] is None
    True
    """
    vanished = (g == 0) & (g_start != 0)
    if not vanished.any() or not (np.all(np.isfinite(start)) and np.all(np.isfinite(z))):
        return None, 0
    edge = _Edge(objective, start, z)
    # Beside a true stationary point the gradient is not 0 any more: such components are
    # left out (exp(-x) + y^2 at (746, 0): y's gradient vanished at y's minimum).
    beside = UNDERFLOW_SIZE * max(1.0, float(np.max(np.abs(z))))
    for distance in (edge.length - beside, edge.length + beside):
        near = edge.gradient(distance)
        if near is None:
            return None, edge.evaluations
        vanished &= np.abs(near) < SMALLEST_NORMAL
    if not vanished.any():
        return None, edge.evaluations
    found = edge.find(vanished, g_start)
    if found is None:
        return None, edge.evaluations
    point, last = found
    if float(np.max(np.abs(point[vanished]))) < UNDERFLOW_SIZE:
        return None, edge.evaluations
    return _underflow_words(getattr(objective, "sign", 1.0), point, last, z, start,
                            variables), edge.evaluations


class _Edge:
    """The gradient along the segment from ``start`` to ``z``, by distance from ``start``."""

    def __init__(self, objective: Any, start: np.ndarray, z: np.ndarray) -> None:
        self.objective, self.start = objective, start
        self.length = vector_length(z - start)
        self.u = (z - start) / self.length
        self.evaluations = 0

    def gradient(self, distance: float) -> np.ndarray | None:
        self.evaluations += 1
        try:
            _, value = self.objective.vg(self.start + distance * self.u)
        except Exception:  # a point where f cannot be evaluated tells nothing
            return None
        value = np.asarray(value, dtype=float)
        return value if np.all(np.isfinite(value)) else None

    def find(self, vanished: np.ndarray,
             g_start: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The last point before the edge where the ``vanished`` components are not all 0
        and their values there, when they did not shrink toward the edge; else None.

        The distance is bisected, its logarithm while the ends lie orders of magnitude
        apart (a step of 1e298 from x = 1 toward an edge at 746).
        """
        unit = 1e-3 * max(1.0, float(np.max(np.abs(self.start))))
        near, far, g_near = 0.0, self.length, g_start
        for _ in range(UNDERFLOW_BISECTIONS):
            inner = max(near, unit)
            middle = math.sqrt(inner * far) if far > 4.0 * inner else 0.5 * (near + far)
            if not near < middle < far:
                break
            g_middle = self.gradient(middle)
            if g_middle is None:
                return None
            if g_middle[vanished].any():
                near, g_near = middle, g_middle
            else:
                far = middle
        back = self.gradient(near - 1e-6 * max(1.0, near))
        if back is None or near == 0.0:
            return None
        last = np.abs(g_near[vanished])
        if float(np.max(last)) < EDGE_SHRINK * float(np.max(np.abs(back[vanished]))):
            return None  # it shrank toward the edge: a flat region begins there
        return self.start + near * self.u, g_near[vanished]


def _underflow_words(sign: float, edge: np.ndarray, vanishing: np.ndarray, z: np.ndarray,
                     start: np.ndarray, variables: tuple[str, ...] | None) -> str:
    """The sentence of :func:`gradient_underflow` (for maximize: maximum, rises)."""
    best, falls = ("minimum", "falls") if sign > 0 else ("maximum", "rises")
    away = _moved_away(vector_length(z), vector_length(start))
    largest = float(np.max(np.abs(vanishing)))
    return (f"{UNSURE} {best}: the gradient is 0 here only because it underflowed (it drops "
            f"from {largest:.2g} in size at {point_words(edge, variables)} to 0 just beyond, "
            "without shrinking on the way: a number in its computation fell below the "
            f"smallest floating-point number), so floating point cannot show whether f still "
            f"{falls} beyond it{away}, and f may have no {best} in that direction (its "
            "values may tend to a limit at infinity): add a penalty on the size of the "
            "parameters, bound them, or rescale f")


def _flat_by_rounding(values: list[float], slopes: list[float]) -> bool:
    """Whether f is flat ahead only in floating point: its values all the same, while its
    slope along the way is below 0 wherever it was taken (``log(1 + exp(-x))`` at x = 500:
    1 + exp(-500) rounds to 1, but the slope is -7e-218; farther out it underflows to 0).
    Where f is flat indeed (``max(0, 1 - x)^2`` beyond 1) the slope is 0 from the first."""
    taken = [s for s in slopes if not math.isinf(s)]
    return (all(v == values[0] for v in values) and bool(taken) and taken[0] < 0
            and all(s <= 0 for s in taken))


def _moved_away(size: float, start_size: float) -> str:
    """Words for a point that moved far from where it started (none where it did not)."""
    return (f" (the point moved away: its size went from {start_size:.3g} to {size:.3g})"
            if size > 10.0 * max(1.0, start_size) else "")


def _flat_words(sign: float, f: float, distance: float, slope: float, size: float,
                start_size: float) -> str:
    """The sentence for a converged run where f is flat only to floating-point precision."""
    best, falls = ("minimum", "falls") if sign > 0 else ("maximum", "rises")
    return (f"{UNSURE} {best}: f is flat here only to floating-point precision "
            f"(it is {sign * f + 0.0:.3g} all the way to distance {distance:.2g}) while its "
            f"slope that way is not 0 (it is {sign * slope:.2g}), so f still "
            f"{falls} where floating point cannot show it{_moved_away(size, start_size)}, and "
            f"f may have "
            f"no {best} in that direction: add a penalty on the size of the parameters, "
            "bound them, or write f so that its small changes are not rounded away (log1p, "
            "logaddexp)")


def _toward_limit(values: list[float]) -> bool:
    """Whether falling ``values`` (one a decade of distance, after the first few) approach a
    limit: the last fall is at most ``LIMIT_FALL`` of the largest."""
    falls = [a - b for a, b in itertools.pairwise(values)]
    return bool(falls) and falls[-1] <= LIMIT_FALL * max(falls)


def _ahead_words(limit: bool, sign: float, far: float, distance: float, size: float,
                 start_size: float, g0: float, gnorm: float,
                 variables: tuple[str, ...] | None, stopped: bool) -> str:
    """The sentence of :func:`no_minimum_ahead` (for maximize: maximum, rises)."""
    best, falling, smallest, below = (("minimum", "falling", "smallest", "below") if sign > 0
                                      else ("maximum", "rising", "largest", "above"))
    name = f"|{variables[0]}|" if variables and len(variables) == 1 else "the size of the point"
    moved = f"{name} went from {start_size:.3g} to {size:.3g}"
    far_out = f"{far + 0.0:.3g} at distance {distance:.2g}"  # + 0.0: never "-0"
    if stopped:
        return (f"this is no {best}: the gradient is small only because f flattens as the "
                f"point moves away ({moved} while the gradient shrank from {g0:.3g} to "
                f"{gnorm:.3g}), and f keeps {falling}{' toward a limit' * limit} along it "
                f"({far_out}), so f seems to have no {best} in that direction (its {smallest} "
                "values lie at infinity): add a penalty on the size of the parameters, or "
                "bound them")
    if limit:
        shrank = f" while the gradient shrank from {g0:.3g} to {gnorm:.3g}" if gnorm < g0 else ""
        return (f"only because the point moves away: {moved}{shrank}, and f keeps {falling} "
                f"toward a limit along the steps ({far_out}), so f seems to have no {best} in "
                f"that direction (its {smallest} values lie at infinity) and more steps will "
                "not converge: add a penalty on the size of the parameters, bound them, or "
                "stop at a tolerance on the loss (ftol)")
    return (f"only because the point moves away: {moved}, and f keeps {falling} along the "
            f"steps ({far_out}), so f seems to have no {best} in that direction (unbounded "
            f"{below}) and more steps will not converge: start elsewhere, bound the "
            "parameters, or change f")


class EarlyStopping:
    """Stop a run over batches when a score has not improved for ``patience`` epochs.

    ``score(x)`` is measured after every epoch (higher is better; for
    example the accuracy or R^2 on held-out data).  Without a score the
    loss on the training data is watched (lower is better).  An epoch
    improves when it beats the best so far by more than ``tol``.  With a
    score, the run ends at the parameters of its best epoch.

    >>> import numpy as np
    >>> stop = EarlyStopping(patience=2, tol=0.0)
    >>> [stop(epoch, np.zeros(1), loss) for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.1], 1)]
    [None, None, None, 'the training loss has not improved by more than tol = 0 for 2 epochs']
    """

    def __init__(
        self, score: Callable[[np.ndarray], float] | None = None, *, patience: int = 10,
        tol: float = 0.0,
    ) -> None:
        self.score, self.patience, self.tol = score, int(patience), float(tol)
        self.best = -math.inf
        self.best_x: np.ndarray | None = None
        self.best_epoch = 0
        self.stale = 0
        self.scores: list[float] = []

    @property
    def latest(self) -> float | None:
        """The last score measured (None without a score)."""
        return self.scores[-1] if self.scores and self.score is not None else None

    def __call__(self, epoch: int, x: np.ndarray, loss: float) -> str | None:
        """Observe the end of ``epoch``; a message when the run should stop."""
        value = self.score(x) if self.score is not None else -loss
        self.scores.append(value)
        if value > self.best + self.tol:
            self.best, self.best_epoch, self.stale = value, epoch, 0
            if self.score is not None:
                self.best_x = x.copy()
            return None
        self.stale += 1
        if self.stale < self.patience:
            return None
        what = "the validation score" if self.score is not None else "the training loss"
        return f"{what} has not improved by more than tol = {self.tol:g} for {self.stale} epochs"


__all__ = [
    "CREEP",
    "SECOND_ORDER_LIMIT",
    "UNSURE",
    "EarlyStopping",
    "check_settings",
    "compose",
    "converged",
    "creeping",
    "gradient_underflow",
    "max_iter_message",
    "no_minimum_ahead",
    "not_a_minimum",
]
