"""One loop for every method: stepping, stopping, history, divergence, callbacks.

The update rules in :mod:`steepest.optim.optimizers` only say which step to
take.  Everything else lives here: evaluating the loss and its gradient,
the learning-rate schedule, gradient clipping, the stopping rules, the
detection of divergence and of oscillation that makes no progress, the
history, callbacks, and the plain-words message of the result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.float_descent import descent_loop
from steepest.optim.history import History
from steepest.optim.objective import Objective, as_start
from steepest.optim.optimizers import GD, Momentum, Nesterov, Optimizer, make
from steepest.optim.result import OptimizeResult
from steepest.optim.schedules import LearningRate, as_schedule

DEFAULT_MAX_ITER = 1000
DEFAULT_EPOCHS = 100
DEFAULT_TOL = 1e-6
EPS = float(np.finfo(float).eps)

# Divergence: the loss rose on this many consecutive steps and now exceeds the best loss by
# GROWTH_FACTOR times the loss scale of the run ...
GROWTH_PATIENCE = 10
GROWTH_FACTOR = 10.0
# ... or, rising or not, exceeds it by this many times the scale.
BLOWUP_FACTOR = 1e6
# Oscillation: this many steps without a new best loss, most of them reversing direction.
OSCILLATION_WINDOW = 50
# Stall: this many steps without any new best loss.
STALL_WINDOW = 1000
# Power iterations that sharpen the curvature estimate behind divergence advice.
POWER_ITERATIONS = 40


class Iterate(NamedTuple):
    """What a callback receives after each step (``loss`` and ``grad`` of the user's function)."""

    iteration: int
    x: Any
    loss: float
    grad: Any
    step: float
    lr: float


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------


def minimize(
    f: Any,
    x0: Any = None,
    *,
    method: str | Optimizer = "gd",
    lr: LearningRate | None = None,
    max_iter: int | None = None,
    tol: float | None = DEFAULT_TOL,
    gtol: float | None = None,
    ftol: float | None = None,
    max_time: float | None = None,
    grad: Callable[..., Any] | None = None,
    hessian: Callable[..., Any] | None = None,
    args: tuple[Any, ...] = (),
    data: Any = None,
    batch_size: int | None = None,
    epochs: int | None = None,
    seed: int | None = None,
    shuffle: bool = True,
    grid: Any = None,
    clip_norm: float | None = None,
    callback: Callable[[Iterate], Any] | None = None,
    record: bool = True,
    history_limit: int | None = None,
    **options: Any,
) -> OptimizeResult:
    """Minimize ``f`` from ``x0`` by gradient descent or one of its relatives.

    ``f`` is a Python function written with NumPy (differentiated
    automatically), an expression string or ``steepest.Function`` (exact
    symbolic gradient), or any function together with its ``grad=``.  It is
    called as ``f(x, *args)``, or ``f(x, batch, *args)`` when ``data`` is
    given.  ``x`` has the shape of ``x0`` (a float for a float).

    Methods: ``gd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``,
    ``adam``, ``adamw``, ``armijo`` (backtracking line search), ``lbfgs``,
    ``newton`` (Hessian by automatic differentiation, exact for strings),
    ``grid`` (the best point of ``grid``, every grid loss in the history), or
    an optimizer object such as ``steepest.optim.Adam(0.01)``.  Extra keyword
    arguments go to the method (``beta=0.8``, ``memory=5``...).

    ``lr`` is a number, a schedule from :mod:`steepest.optim.schedules` or
    any callable of the step number.  Stopping: ``tol`` when a step moves the
    parameters less than ``tol`` (the course's rule; the step is taken and
    its end returned), ``gtol`` on the gradient norm, ``ftol`` on the
    relative change of the loss, ``max_iter`` steps (default 1000),
    ``max_time`` seconds, or ``callback(iterate)`` returning True.  A loss
    or parameters that become inf/nan, or a loss that keeps growing, end the
    run as ``diverged`` with advice from what the run measured.

    Stochastic and mini-batch descent: ``data`` (array, DataFrame, tuple of
    equal-length arrays, or an iterable of batches) with ``batch_size`` 1
    (SGD) or k (mini-batch), ``epochs`` passes (default 100), reshuffled
    every epoch from ``seed``.  With ``data`` and ``batch_size=None`` every
    step uses all of the data.  When the gradient is automatic, a pandas
    Series given as ``data`` reaches ``f`` as a NumPy array (pandas cannot
    compute with traced values).

    >>> import numpy as np, steepest as st
    >>> res = st.minimize(lambda x: x**2 - 4*x + 4, 0.0, lr=0.4, max_iter=5)
    >>> res.history.x.round(5).tolist()
    [0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]
    >>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    >>> mse = lambda theta, y: np.mean((y - theta) ** 2)
    >>> grad_mse = lambda theta, y: -2 * np.mean(y - theta)
    >>> res = st.minimize(mse, 0.0, grad=grad_mse, data=y, lr=0.2, tol=0.001)
    >>> res.x, res.nit
    (14.658511131035242, 18)
    >>> print(res.table().splitlines()[1])
    theta: 5.86 | loss: 81.21
    """
    return _run(
        f,
        x0,
        1.0,
        method=method,
        lr=lr,
        max_iter=max_iter,
        tol=tol,
        gtol=gtol,
        ftol=ftol,
        max_time=max_time,
        grad=grad,
        hessian=hessian,
        args=args,
        data=data,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        shuffle=shuffle,
        grid=grid,
        clip_norm=clip_norm,
        callback=callback,
        record=record,
        history_limit=history_limit,
        options=options,
    )


def maximize(f: Any, x0: Any = None, **kwargs: Any) -> OptimizeResult:
    """Maximize ``f`` by gradient ascent (or any method of :func:`minimize`).

    The loop minimizes ``-f``, but ``res.fun``, ``res.grad`` and the history
    hold values of ``f`` itself.

    >>> import steepest as st
    >>> res = st.maximize(lambda x: -(x**2 - 4*x + 4), 0.0, lr=0.4, max_iter=5)
    >>> res.history.x.round(5).tolist()
    [0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]
    >>> print(f"{res.fun:.4g}")
    -4.096e-07
    """
    return _run(f, x0, -1.0, **_split_kwargs(kwargs))


def _split_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    named = {
        "method",
        "lr",
        "max_iter",
        "tol",
        "gtol",
        "ftol",
        "max_time",
        "grad",
        "hessian",
        "args",
        "data",
        "batch_size",
        "epochs",
        "seed",
        "shuffle",
        "grid",
        "clip_norm",
        "callback",
        "record",
        "history_limit",
    }
    settings: dict[str, Any] = {
        "method": "gd",
        "lr": None,
        "max_iter": None,
        "tol": DEFAULT_TOL,
        "gtol": None,
        "ftol": None,
        "max_time": None,
        "grad": None,
        "hessian": None,
        "args": (),
        "data": None,
        "batch_size": None,
        "epochs": None,
        "seed": None,
        "shuffle": True,
        "grid": None,
        "clip_norm": None,
        "callback": None,
        "record": True,
        "history_limit": None,
    }
    options = {}
    for key, value in kwargs.items():
        if key in named:
            settings[key] = value
        else:
            options[key] = value
    settings["options"] = options
    return settings


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------


def _run(f: Any, x0: Any, sign: float, **s: Any) -> OptimizeResult:
    _check_settings(s)
    method = s["method"]
    if isinstance(method, str) and method.strip().lower() == "grid":
        return _grid_search(f, x0, sign, s)
    rule = make(method, s["lr"], **s["options"])
    schedule = as_schedule(rule.lr)
    z0, shape = as_start(x0)
    data = s["data"]
    if s["grad"] is None and _is_series(data) and not isinstance(f, str):
        # pandas cannot compute with traced values; a Series of data is just its numbers.
        data = s["data"] = data.to_numpy()
    stochastic = s["batch_size"] is not None or (data is not None and not _in_memory(data))
    # Overflow and nan on the way to divergence are reported in words, not as warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if stochastic:
            return _stochastic(f, z0, shape, sign, rule, schedule, s)
        args = tuple(s["args"]) if data is None else (data, *s["args"])
        objective = Objective(
            f, grad=s["grad"], hessian=s["hessian"], args=args, shape=shape, sign=sign
        )
        return _descend(objective, z0, sign, rule, schedule, s)


def _is_series(data: Any) -> bool:
    return hasattr(data, "iloc") and hasattr(data, "to_numpy") and getattr(data, "ndim", 0) == 1


def _check_settings(s: dict[str, Any]) -> None:
    for key in ("tol", "gtol", "ftol", "max_time", "clip_norm"):
        value = s[key]
        if value is None:
            continue
        if not isinstance(value, int | float) or not value >= 0 or math.isnan(value):
            raise OptimizationError(f"{key} must be a non-negative number or None, not {value!r}")
    for key in ("max_iter", "epochs", "batch_size"):
        value = s[key]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise OptimizationError(f"{key} must be a non-negative whole number, not {value!r}")
    if s["batch_size"] is not None and s["batch_size"] < 1:
        raise OptimizationError("batch_size must be at least 1 (or None for full batch)")
    if s["clip_norm"] is not None and s["clip_norm"] <= 0:
        raise OptimizationError("clip_norm must be positive")
    if s["callback"] is not None and not callable(s["callback"]):
        raise OptimizationError("callback must be callable")


def _lr_label(rule: Optimizer) -> str:
    lr = rule.lr
    return f"{lr:g}" if isinstance(lr, int | float) else repr(lr)


# --------------------------------------------------------------------------------------------
# deterministic descent
# --------------------------------------------------------------------------------------------


def _descend(
    objective: Objective,
    z: np.ndarray,
    sign: float,
    rule: Optimizer,
    schedule: Callable[[int], float],
    s: dict[str, Any],
) -> OptimizeResult:
    started = time.perf_counter()
    max_iter = DEFAULT_MAX_ITER if s["max_iter"] is None else int(s["max_iter"])
    tol, gtol, ftol = s["tol"], s["gtol"], s["ftol"]
    max_time, clip_norm, callback = s["max_time"], s["clip_norm"], s["callback"]
    constant_lr = float(schedule(0)) if _is_constant(schedule) else None
    history = (
        History(objective.shape, limit=s["history_limit"], variables=objective.variables, sign=sign)
        if s["record"]
        else None
    )
    record = history.record if history is not None else None
    uses_objective = rule.uses_objective
    vg = objective.vg

    f, g = objective.check(z)
    gnorm = math.sqrt(float(g.dot(g)))
    nfev = 1
    if not (math.isfinite(f) and math.isfinite(gnorm)):
        raise OptimizationError(
            f"the function or its gradient is not finite at the start (f = {sign * f:g}, "
            f"gradient norm {gnorm:g}); choose another starting point"
        )
    if record is not None:
        record(0, z, sign * f, g if sign == 1.0 else -g, math.nan, math.nan)
    monitor = _Monitor(f)
    best = f
    state = rule.init(z)
    check_stall = isinstance(state, dict)
    # The gradient norm is needed every step only for these rules; otherwise it is
    # computed when read (history) or at the end (result).
    need_gnorm = gtol is not None or clip_norm is not None
    status, message = "", ""
    k = 0
    lr_k = math.nan
    step_len = math.nan

    # Plain descent at a constant rate on a function whose gradient runs over floats
    # takes its routine steps in a loop over floats (see steepest.optim.float_descent).
    over_floats = (
        type(rule) is GD
        and constant_lr is not None
        and objective.kind == "autodiff"
        and callback is None
        and clip_norm is None
        and max_time is None
    )
    try_floats_at, backoff = 2, 1  # the function is recorded on its second call

    if gtol is not None and gnorm <= gtol:
        status = "converged"
        message = f"the gradient norm {gnorm:.3g} is already at most gtol = {gtol:g} at the start"
    while not status:
        if over_floats and k >= try_floats_at and k < max_iter:
            sweep = objective.float_sweep()
            run = None
            if sweep is not None:
                loop = descent_loop(sweep, sign=sign, tol=tol is not None, gtol=gtol is not None,
                                    ftol=ftol is not None, record=record is not None)
                rows: list[tuple[float, ...]] = []
                previous = monitor.previous_step
                before = tuple(previous.tolist()) if previous is not None else (math.nan,) * z.size
                run = loop(tuple(z.tolist()), f, tuple(g.tolist()), k, max_iter, constant_lr,
                           tol, gtol, ftol, best, before, objective.args, rows)
                nfev += run.nfev
            if run is not None and run.k > k:
                if run.improved:
                    best = run.best
                    monitor.improved(run.best_k, best, np.array(run.best_step), run.best_len)
                if run.repeats:
                    monitor.repeated(run.k, run.f, np.array(run.step), run.step_len,
                                     run.repeats, constant_lr)
                k, f = run.k, run.f
                z, g, step = np.array(run.z), np.array(run.g), np.array(run.step)
                step_len, lr_k = run.step_len, constant_lr
                if history is not None:
                    history.record_rows(rows, constant_lr)
                if need_gnorm:
                    gnorm = math.sqrt(float(g.dot(g)))
                backoff = 1
            else:
                backoff *= 2  # nothing to gain here for now: look again later
            try_floats_at = k + backoff
            continue
        if k >= max_iter:
            gnorm = math.sqrt(float(g.dot(g)))
            status = "max_iter"
            message = _max_iter_message(max_iter, tol, gtol, step_len, gnorm, monitor)
            break
        lr_k = constant_lr if constant_lr is not None else _scheduled(schedule, k)
        if lr_k == 0.0:
            status = "stopped"
            message = "the learning rate reached 0 (end of its schedule), so no step can move"
            break
        g_used = g if clip_norm is None or gnorm <= clip_norm else g * (clip_norm / gnorm)
        if uses_objective:
            step, state = rule.update(g_used, state, z, lr_k, value=f, objective=objective)
        else:
            step, state = rule.update(g_used, state, z, lr_k)
        if check_stall and "stalled" in state:
            status, message = "stalled", state.pop("stalled")
            runaway = monitor.runaway(f, z, sign)
            if runaway:
                status, message = "diverged", runaway
            break
        z_new = z + step
        step_len = math.sqrt(float(step.dot(step)))
        k += 1
        f_new, g_new = vg(z_new)
        nfev += 1
        if need_gnorm:
            gnorm = math.sqrt(float(g_new.dot(g_new)))
        if record is not None:
            record(k, z_new, sign * f_new, g_new if sign == 1.0 else -g_new, step_len, lr_k)
        if not (math.isfinite(f_new) and math.isfinite(step_len)):
            if math.isfinite(step_len):
                monitor.refine_curvature(vg, z, step)
            z, f, g = z_new, f_new, g_new
            gnorm = math.sqrt(float(g.dot(g)))
            status = "diverged"
            message = monitor.nonfinite_message(k, f_new, gnorm, step_len, sign, rule, lr_k)
            break
        if tol is not None and step_len < tol:
            status = "converged"
            message = f"the last step moved the parameters {step_len:.3g} < tol = {tol:g}"
        elif gtol is not None and gnorm <= gtol:
            status = "converged"
            message = f"the gradient norm {gnorm:.3g} <= gtol = {gtol:g}"
        elif ftol is not None and abs(f_new - f) <= ftol * max(abs(f), abs(f_new), 1.0):
            status = "converged"
            message = f"the loss changed by at most ftol = {ftol:g} (relative) in the last step"
        elif f_new < best:
            # The usual case, kept cheap: a new best loss needs no further checks.
            best = f_new
            monitor.improved(k, f_new, step, step_len)
        else:
            verdict = monitor.observe(k, f, f_new, g, g_new, step, step_len, z_new, lr_k)
            if verdict:
                if verdict in ("diverged", "oscillating"):
                    monitor.refine_curvature(vg, z_new, step)
                message = monitor.message(verdict, sign, rule, lr_k)
                status = "stalled" if verdict == "oscillating" else verdict
        if callback is not None and not status:
            shape = objective.shape
            info = Iterate(
                k, _user(z_new, shape), sign * f_new, _user(sign * g_new, shape), step_len, lr_k
            )
            if callback(info) is True:
                status, message = "stopped", "the callback asked to stop"
        if max_time is not None and not status and time.perf_counter() - started > max_time:
            status, message = "stopped", f"max_time = {max_time:g} s was reached"
        z, f, g = z_new, f_new, g_new

    return OptimizeResult(
        x=_user(z, objective.shape),
        fun=sign * f,
        grad=_user(g * sign, objective.shape),
        nit=k,
        status=status,
        message=_compose(status, k, message, rule.describe(state)),
        history=history,
        method=rule.name,
        maximize=sign < 0,
        nfev=nfev,
        elapsed=time.perf_counter() - started,
        variables=objective.variables,
        lipschitz=monitor.lipschitz,
        extra={"optimizer": rule, "lr": _lr_label(rule)},
    )


def _compose(
    status: str, steps: int, reason: str, note: str | None, epochs: int | None = None
) -> str:
    """``"<status> after <n> steps: <reason>[. <note>]"``."""
    where = f"{steps} step{'s' * (steps != 1)}"
    if epochs is not None:
        where += f" ({epochs} epoch{'s' * (epochs != 1)})"
    text = f"{status} after {where}: {reason}"
    return f"{text}. {note}" if note else text


def _scheduled(schedule: Callable[[int], float], k: int) -> float:
    """The rate for step ``k``; a negative or non-finite rate is a mistake in the schedule."""
    try:
        lr = float(schedule(k))
    except (TypeError, ValueError):
        raise OptimizationError(
            f"the learning-rate schedule did not return a number at step {k}"
        ) from None
    if not (lr >= 0.0 and math.isfinite(lr)):
        raise OptimizationError(
            f"the learning-rate schedule gave {lr:g} at step {k}; rates must be >= 0"
        )
    return lr


def _is_constant(schedule: Callable[[int], float]) -> bool:
    from steepest.optim.schedules import constant

    return isinstance(schedule, constant)


def _user(z: np.ndarray, shape: tuple[int, ...]) -> Any:
    if not shape:
        return float(z[0])
    return z.reshape(shape).copy()


def _max_iter_message(max_iter, tol, gtol, step_len, gnorm, monitor) -> str:
    rules = []
    if tol is not None:
        rules.append(f"tol = {tol:g} (last step {step_len:.3g})")
    if gtol is not None:
        rules.append(f"gtol = {gtol:g} (gradient norm {gnorm:.3g})")
    met = f"{' and '.join(rules)} not met" if rules else "no stopping rule was set"
    hint = ""
    if monitor.settled:
        hint = (
            "; the run had settled: its steps no longer change the loss beyond rounding error "
            f"(last step {step_len:.2g}); set gtol to stop as soon as that happens"
        )
    elif monitor.still_decreasing():
        hint = "; the loss was still improving: allow more steps or a larger learning rate"
    return f"max_iter = {max_iter} reached, {met}{hint}"


class _Monitor:
    """Watches the loss for divergence, oscillation and stalls; estimates the curvature.

    The curvature estimate is the largest secant ``|g_k - g_(k-1)| / |x_k - x_(k-1)|``
    seen on steps where the loss did not go down (for a quadratic, a lower
    bound on the largest Hessian eigenvalue L), sharpened when a run fails by
    power iteration on Hessian-vector products taken from gradient
    differences.  Gradient descent is stable on a quadratic exactly when
    ``lr < 2 / L``.
    """

    def __init__(self, f0: float) -> None:
        self.f0 = f0
        self.best = f0
        self.best_at = 0
        self.rises = 0
        self.rise_start = f0
        self.rise_start_at = 0
        self.since_best = 0
        self.reversals = 0
        self.previous_step: np.ndarray | None = None
        self.previous_len = math.nan
        self.lipschitz: float | None = None
        self.window_step = math.nan
        self.window_lr = math.nan
        self.settled = False
        self.k = 0
        self.last = f0

    def scale(self) -> float:
        return max(abs(self.f0), abs(self.best), abs(self.f0 - self.best), 1e-300)

    def improved(self, k: int, f_new: float, step: np.ndarray, step_len: float) -> None:
        """A step reached a new best loss (so the loss also went down)."""
        self.k = self.best_at = k
        self.last = self.best = f_new
        self.since_best = self.reversals = self.rises = 0
        self.previous_step, self.previous_len = step, step_len

    def repeated(self, k: int, f: float, step: np.ndarray, step_len: float, count: int,
                 lr: float) -> None:
        """``count`` steps that each left the parameters exactly where they were.

        What :meth:`observe` records for such steps, all at once: the same
        step from the same point gives the same loss and gradient, so the
        loss neither rose nor fell, the gradient did not change (a secant of
        0), the step did not reverse, and the run is settled (its step is
        below the rounding of the parameters) at every check.
        """
        before = self.since_best
        self.k, self.last = k, f
        self.since_best += count
        self.rises = 0
        if self.lipschitz is None and step_len > 0:
            self.lipschitz = 0.0
        if before == 0:
            self.window_step, self.window_lr = step_len, lr
        if before // OSCILLATION_WINDOW < self.since_best // OSCILLATION_WINDOW:
            self.settled = True
        self.previous_step, self.previous_len = step, step_len

    def observe(self, k, f, f_new, g, g_new, step, step_len, z_new, lr) -> str | None:
        self.k, self.last = k, f_new
        if f_new < self.best:
            self.best, self.best_at, self.since_best, self.reversals = f_new, k, 0, 0
        else:
            self.since_best += 1
        if f_new > f:
            if self.rises == 0:
                self.rise_start, self.rise_start_at = f, k - 1
            self.rises += 1
        else:
            self.rises = 0
        if (f_new > f or (f_new == f and self.lipschitz is None)) and step_len > 0:
            dg = g_new - g
            secant = math.sqrt(float(dg @ dg)) / step_len
            if math.isfinite(secant) and (self.lipschitz is None or secant > self.lipschitz):
                self.lipschitz = secant
        rise = f_new - self.best
        if rise > 0.0:
            scale = self.scale()
            if rise > BLOWUP_FACTOR * scale or (
                self.rises >= GROWTH_PATIENCE and rise > GROWTH_FACTOR * scale
            ):
                return "diverged"
        previous, previous_len = self.previous_step, self.previous_len
        self.previous_step, self.previous_len = step, step_len
        if not self.since_best:
            return None
        if previous is not None and float(previous @ step) < -0.5 * step_len * previous_len:
            self.reversals += 1
        if self.since_best == 1:
            self.window_step, self.window_lr = step_len, lr
        if self.since_best % OSCILLATION_WINDOW == 0:
            # A run whose steps are rounding-error sized, or whose steps change the loss by
            # less than its rounding error, has settled; it is not stalled or oscillating.
            change = step_len * math.sqrt(float(g_new @ g_new))
            self.settled = step_len <= 1e-9 * (1.0 + math.sqrt(float(z_new @ z_new))) or (
                change <= 1e3 * EPS * abs(f_new)
            )
            if self.settled:
                return None
            if self.rises >= self.since_best:
                return "diverged"  # the loss rose on every step since its best: it keeps growing
            # Under a decaying schedule an oscillation may still die out: give it time.
            if (
                self.reversals >= 0.8 * self.since_best
                and step_len >= 0.5 * self.window_step
                and lr >= self.window_lr
            ):
                return "oscillating"
            if self.since_best >= STALL_WINDOW:
                return "stalled"
        return None

    def refine_curvature(
        self, vg: Callable[[np.ndarray], tuple[float, np.ndarray]], z: np.ndarray, step: np.ndarray
    ) -> None:
        """Sharpen the curvature estimate by power iteration before giving advice.

        Hessian-vector products come from differences of the gradient,
        ``H v ~ (g(z + h v) - g(z)) / h``, starting from the last step (the
        direction the run was blowing up in).  This costs a few dozen
        gradient evaluations, once, when the run has already failed.
        """
        size = math.sqrt(float(step @ step))
        if not (size > 0 and math.isfinite(size) and np.all(np.isfinite(z))):
            return
        v = step / size
        h = 1e-6 * (1.0 + math.sqrt(float(z @ z)))
        _, g0 = vg(z)
        estimate = None
        for _ in range(POWER_ITERATIONS):
            _, g1 = vg(z + h * v)
            product = (g1 - g0) / h
            length = math.sqrt(float(product @ product))
            if not (length > 0 and math.isfinite(length)):
                break
            estimate, v = length, product / length
        if estimate is not None and (self.lipschitz is None or estimate > self.lipschitz):
            self.lipschitz = estimate

    def runaway(self, f: float, z: np.ndarray, sign: float) -> str | None:
        """A message when the loss fell by many orders of magnitude below zero: no minimum."""
        start = max(abs(self.f0), 1.0)
        if f < -1e10 * start:
            size = math.sqrt(float(z @ z))
            moved, bound = ("fell", "below") if sign > 0 else ("rose", "above")
            return (
                f"the value {moved} from {sign * self.f0:.4g} to {sign * f:.3g} (parameters of "
                f"size {size:.3g}): the function seems to have no "
                f"{'minimum' if sign > 0 else 'maximum'} in the direction the steps took "
                f"(unbounded {bound}); start elsewhere or restrict the domain"
            )
        return None

    def still_decreasing(self) -> bool:
        return self.since_best == 0 and self.k > 0

    # -- messages ---------------------------------------------------------------------------

    def message(self, verdict: str, sign: float, rule: Optimizer, lr: float) -> str:
        if verdict == "diverged":
            start, at = (self.rise_start, self.rise_start_at) if self.rises else (self.best, 0)
            steps = max(1, self.k - at)
            what = (
                f"the loss grew from {sign * start:.3g} to {sign * self.last:.3g} "
                f"({_factor(self.last, start)}) in {steps} steps"
            )
            return f"{what}: {self.advice(rule, lr)}"
        if verdict == "oscillating":
            what = (
                f"oscillating without progress: the last {self.since_best} steps went back "
                f"and forth without lowering the loss below {sign * self.best:.4g} "
                f"(reached at step {self.best_at})"
            )
            return f"{what}: {self.advice(rule, lr)}"
        return (
            f"no lower loss in the last {self.since_best} steps (best {sign * self.best:.6g} "
            f"at step {self.best_at}); the steps are not making progress"
        )

    def nonfinite_message(self, k, f_new, gnorm, step_len, sign, rule, lr) -> str:
        if not math.isfinite(step_len):
            what = f"the parameters became {_word(step_len)} at step {k}"
        elif not math.isfinite(f_new):
            if f_new == -math.inf and self.best < self.f0:
                extreme = "minimum" if sign > 0 else "maximum"
                return (
                    f"the value went to {sign * f_new:g} at step {k}: the function has no "
                    f"{extreme} in the direction the steps took (unbounded)"
                )
            what = f"the loss became {_word(sign * f_new)} at step {k}"
        else:
            what = f"the gradient became {_word(gnorm)} at step {k}"
        if self.best < self.f0 and self.rises == 0:
            return what
        grown = ""
        if self.rises:
            grown = f" after growing {_factor(self.last, self.rise_start)} in {self.rises} steps"
        return f"{what}{grown}: {self.advice(rule, lr)}"

    def advice(self, rule: Optimizer, lr: float) -> str:
        rate = f"learning rate {lr:g}"
        lipschitz = self.lipschitz
        if lipschitz is None or not lipschitz > 0:
            return f"{rate} is too large here; try a smaller one, such as {_round(lr / 10)}"
        if type(rule) is GD:
            threshold, name, suggestion = 2.0 / lipschitz, "2/L", 1.0 / lipschitz
        elif type(rule) is Momentum:
            beta = rule.beta  # type: ignore[attr-defined]
            threshold = 2.0 * (1.0 + beta) / lipschitz
            name, suggestion = f"2(1 + beta)/L (beta = {beta:g})", (1.0 + beta) / lipschitz
        elif type(rule) is Nesterov:
            # Looking ahead costs stability: on a quadratic the limit is 2(1+b)/((1+2b) L).
            beta = rule.beta  # type: ignore[attr-defined]
            threshold = 2.0 * (1.0 + beta) / ((1.0 + 2.0 * beta) * lipschitz)
            name = f"2(1 + beta)/((1 + 2 beta) L) (beta = {beta:g})"
            suggestion = threshold / 2.0
        else:
            return (
                f"{rate} is too large for curvature L = {lipschitz:.3g} estimated from the "
                f"gradient; try a smaller one, such as {_round(lr / 10)}, or a decaying "
                "schedule from steepest.optim.schedules"
            )
        relation = "is above" if lr > threshold else "is close to"
        if lr <= 0.9 * threshold:
            relation = "is below the quadratic limit"
        suggestion = min(suggestion, lr / 2)
        return (
            f"{rate} {relation} {name} = {threshold:#.3g} estimated from the gradient; "
            f"try {_round(suggestion)}"
        )


def _factor(now: float, then: float) -> str:
    if then > 0 and now > 0:
        ratio = now / then
        return (
            f"{ratio:.2g}x"
            if ratio < 1e3
            else f"{ratio:.0e}x".replace("e+0", "e").replace("e+", "e")
        )
    return f"by {now - then:.3g}"


def _round(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def _word(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


# --------------------------------------------------------------------------------------------
# grid search
# --------------------------------------------------------------------------------------------


def _grid_search(f: Any, x0: Any, sign: float, s: dict[str, Any]) -> OptimizeResult:
    started = time.perf_counter()
    if s["grid"] is None:
        raise OptimizationError("method='grid' needs grid=, e.g. grid=np.arange(12, 18, 0.1)")
    try:
        points = np.array(s["grid"], dtype=float)
    except (TypeError, ValueError):
        raise OptimizationError("grid must be an array of numbers (one row per point)") from None
    if points.ndim == 0 or points.size == 0:
        raise OptimizationError("grid must hold at least one point")
    shape: tuple[int, ...] = () if points.ndim == 1 else points.shape[1:]
    if x0 is not None and np.shape(x0) != shape:
        raise OptimizationError(f"grid points have shape {shape} but x0 has shape {np.shape(x0)}")
    flat = points.reshape(points.shape[0], -1)
    args = tuple(s["args"]) if s["data"] is None else (s["data"], *s["args"])
    objective = Objective(f, grad=s["grad"], args=args, shape=shape, sign=sign)
    history = History(shape, kind="grid", variables=objective.variables, sign=sign)
    values = np.empty(flat.shape[0])
    for i, point in enumerate(flat):
        value = objective.value(point)
        values[i] = value if math.isfinite(value) else math.nan
        history.record(i, point, sign * value, None, math.nan, math.nan)
    if np.all(np.isnan(values)):
        raise OptimizationError("the function is not finite at any grid point")
    best = int(np.nanargmin(values))
    what = "largest" if sign < 0 else "smallest"
    return OptimizeResult(
        x=_user(flat[best], shape),
        fun=sign * float(values[best]),
        grad=None,
        nit=flat.shape[0],
        status="converged",
        message=(
            f"converged: grid point {best} of {flat.shape[0]} has the {what} value "
            f"({sign * values[best]:.6g})"
        ),
        history=history if s["record"] else None,
        method="grid",
        maximize=sign < 0,
        nfev=flat.shape[0],
        elapsed=time.perf_counter() - started,
        variables=objective.variables,
    )


# --------------------------------------------------------------------------------------------
# stochastic and mini-batch descent
# --------------------------------------------------------------------------------------------


def _in_memory(data: Any) -> bool:
    """Data that can be indexed by rows (sliced into batches and evaluated whole)."""
    if isinstance(data, np.ndarray) or hasattr(data, "iloc"):
        return True
    if isinstance(data, tuple) and data and all(_in_memory(part) for part in data):
        return True
    if isinstance(data, list):
        # A list of numbers is data; a list of arrays is a list of batches.
        try:
            return np.asarray(data, dtype=float).ndim == 1
        except (TypeError, ValueError):
            return False
    return False


def _rows(data: Any) -> int:
    if isinstance(data, tuple):
        lengths = {_rows(part) for part in data}
        if len(lengths) != 1:
            raise OptimizationError(
                f"the arrays in data have different numbers of rows: {sorted(lengths)}"
            )
        return lengths.pop()
    return len(data)


def _take(data: Any, index: np.ndarray) -> Any:
    if isinstance(data, tuple):
        return tuple(_take(part, index) for part in data)
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return data[index]


class _Batches:
    """Yields the batches of one epoch; knows whether the whole data set is available."""

    def __init__(self, data: Any, batch_size: int | None, seed: Any, shuffle: bool) -> None:
        self.whole: Any = None
        self.rng = np.random.default_rng(seed)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.one_pass: Iterator[Any] | None = None
        self.source: Iterable[Any] | None = None
        if _in_memory(data):
            self.whole = np.asarray(data, dtype=float) if isinstance(data, list) else data
            self.n = _rows(self.whole)
            if self.n == 0:
                raise OptimizationError("data has no rows")
            if batch_size is None:
                self.batch_size = self.n
        elif isinstance(data, Mapping | str | bytes):
            raise OptimizationError(
                f"data of type {type(data).__name__} cannot be split into batches; use an "
                "array, a DataFrame, a tuple of arrays, or an iterable of batches"
            )
        elif callable(data):
            self.source = _Call(data)
        elif isinstance(data, Iterator):
            self.one_pass = data
        elif isinstance(data, Iterable):
            self.source = data
        else:
            raise OptimizationError(
                "data must be an array, a DataFrame, a tuple of arrays, or an iterable of batches"
            )

    def epoch(self) -> Iterator[Any]:
        if self.whole is not None:
            n, size = self.n, self.batch_size
            order = self.rng.permutation(n) if self.shuffle else np.arange(n)
            for start in range(0, n, size):
                yield _take(self.whole, order[start : start + size])
        elif self.source is not None:
            yield from iter(self.source)
        elif self.one_pass is not None:
            yield from self.one_pass
            self.one_pass = iter(())


class _Call:
    def __init__(self, factory: Callable[[], Iterable[Any]]) -> None:
        self.factory = factory

    def __iter__(self) -> Iterator[Any]:
        return iter(self.factory())


def _stochastic(
    f: Any,
    z: np.ndarray,
    shape: tuple[int, ...],
    sign: float,
    rule: Optimizer,
    schedule: Callable[[int], float],
    s: dict[str, Any],
) -> OptimizeResult:
    """Steps on one batch at a time; per-step and per-epoch history.

    A step row holds the iterate and the loss and gradient *of the batch
    used there*; each epoch row holds the iterate at the end of the epoch
    and the loss on all of the data (the mean batch loss of the epoch when
    the data come from an iterator).
    """
    started = time.perf_counter()
    data = s["data"]
    if data is None:
        raise OptimizationError("batch_size needs data= to draw the batches from")
    batches = _Batches(data, s["batch_size"], s["seed"], s["shuffle"])
    epochs = DEFAULT_EPOCHS if s["epochs"] is None else int(s["epochs"])
    max_iter = s["max_iter"]
    tol, max_time, clip_norm = s["tol"], s["max_time"], s["clip_norm"]
    callback, args = s["callback"], tuple(s["args"])
    base = Objective(f, grad=s["grad"], hessian=s["hessian"], args=args, shape=shape, sign=sign)
    whole = base.with_args((batches.whole, *args)) if batches.whole is not None else None
    history = (
        History(shape, limit=s["history_limit"], variables=base.variables, sign=sign)
        if s["record"]
        else None
    )
    epoch_history = History(shape, kind="epochs", variables=base.variables, sign=sign)
    if history is not None:
        history.epochs = epoch_history

    full_f, full_g = whole.check(z) if whole is not None else (math.nan, None)
    nfev = 1 if whole is not None else 0
    if whole is not None and not math.isfinite(full_f):
        raise OptimizationError(
            f"the loss is not finite at the start (f = {sign * full_f:g}); choose another start"
        )
    epoch_history.record(0, z, sign * full_f, _signed(full_g, sign), math.nan, math.nan)
    scale = abs(full_f) if whole is not None else None
    epoch_best, epoch_rises, previous_epoch_loss = full_f, 0, full_f
    state = rule.init(z)
    k, epoch, recorded = 0, 0, -1
    status, message = "", ""
    lr_k, step_len, last_lr = math.nan, math.nan, math.nan
    batch_g: np.ndarray | None = None
    for epoch in range(1, epochs + 1):
        epoch_start = z
        batch_losses: list[float] = []
        for batch in batches.epoch():
            if max_iter is not None and k >= max_iter:
                status, message = "max_iter", f"reached max_iter = {max_iter} steps"
                break
            batch_args = (batch, *args)
            batch_f, batch_g = base.vg_with(z, batch_args)
            nfev += 1
            gnorm = math.sqrt(float(batch_g @ batch_g))
            if history is not None:
                history.record(k, z, sign * batch_f, sign * batch_g, step_len, last_lr)
                recorded = k
            batch_losses.append(batch_f)
            if scale is None:
                scale = abs(batch_f)
            if not (math.isfinite(batch_f) and math.isfinite(gnorm)):
                status = "diverged"
                bad = sign * batch_f if not math.isfinite(batch_f) else gnorm
                what = "loss" if not math.isfinite(batch_f) else "gradient"
                message = (
                    f"the {what} on a batch became {_word(bad)} at step {k}: "
                    f"{_stochastic_advice(lr_k)}"
                )
                break
            if batch_f - epoch_best > BLOWUP_FACTOR * max(scale, 1e-300):
                status = "diverged"
                message = (
                    f"the loss on a batch grew to {sign * batch_f:.3g} at step {k}, "
                    f"{_factor(batch_f, max(scale, 1e-300))} the starting loss: "
                    f"{_stochastic_advice(lr_k)}"
                )
                break
            lr_k = _scheduled(schedule, k)
            if clip_norm is not None and gnorm > clip_norm:
                batch_g = batch_g * (clip_norm / gnorm)
            if rule.uses_objective:
                objective = base.with_args(batch_args)
                step, state = rule.update(
                    batch_g, state, z, lr_k, value=batch_f, objective=objective
                )
            else:
                step, state = rule.update(batch_g, state, z, lr_k)
            # A line search that fails on one batch is not the end of the run: the next differs.
            state.pop("stalled", None)
            z = z + step
            step_len = math.sqrt(float(step @ step))
            last_lr = lr_k
            k += 1
            if not math.isfinite(step_len):
                status = "diverged"
                message = (
                    f"the parameters became {_word(step_len)} at step {k}: "
                    f"{_stochastic_advice(lr_k)}"
                )
                break
            if tol is not None and step_len < tol:
                status = "converged"
                message = f"a step moved the parameters {step_len:.3g} < tol = {tol:g}"
                break
            if callback is not None:
                info = Iterate(k, _user(z, shape), sign * batch_f, None, step_len, lr_k)
                if callback(info) is True:
                    status, message = "stopped", "the callback asked to stop"
                    break
            if max_time is not None and time.perf_counter() - started > max_time:
                status, message = "stopped", f"max_time = {max_time:g} s was reached"
                break
        if not batch_losses:
            epoch -= 1
            if not status:
                status, message = "max_iter", "the iterator of batches ran out"
            break
        # End of an epoch (complete or not): the loss on all the data when it is at hand.
        if whole is not None:
            full_f, full_g = whole.vg(z)
            nfev += 1
        elif whole is None:
            full_f, full_g = float(np.mean(batch_losses)), None
        moved = math.sqrt(float((z - epoch_start) @ (z - epoch_start)))
        epoch_history.record(epoch, z, sign * full_f, _signed(full_g, sign), moved, last_lr)
        if status:
            break
        if not math.isfinite(full_f):
            status = "diverged"
            message = f"the loss became {_word(sign * full_f)} in epoch {epoch}: " + (
                _stochastic_advice(lr_k)
            )
            break
        epoch_rises = epoch_rises + 1 if full_f > previous_epoch_loss else 0
        epoch_best = min(epoch_best, full_f) if math.isfinite(epoch_best) else full_f
        previous_epoch_loss = full_f
        if epoch_rises >= 3 and full_f - epoch_best > GROWTH_FACTOR * max(scale or 0.0, 1e-300):
            status = "diverged"
            message = (
                f"the loss grew in each of the last {epoch_rises} epochs, to "
                f"{sign * full_f:.3g}: {_stochastic_advice(lr_k)}"
            )
            break
    if not status:
        status = "max_iter"
        message = f"finished {epochs} epochs"
        if tol is not None:
            message += f" without a step shorter than tol = {tol:g}"
    if history is not None and recorded != k:
        history.record(
            k,
            z,
            sign * full_f if whole is not None else math.nan,
            _signed(full_g, sign) if whole is not None else None,
            step_len,
            last_lr,
        )
    final_grad = full_g if full_g is not None else batch_g
    return OptimizeResult(
        x=_user(z, shape),
        fun=sign * full_f,
        grad=None if final_grad is None else _user(sign * final_grad, shape),
        nit=k,
        status=status,
        message=_compose(status, k, message, rule.describe(state), epochs=epoch),
        history=history,
        method=rule.name,
        maximize=sign < 0,
        nfev=nfev,
        epochs=epoch,
        elapsed=time.perf_counter() - started,
        variables=base.variables,
        extra={"optimizer": rule, "lr": _lr_label(rule)},
    )


def _signed(g: np.ndarray | None, sign: float) -> np.ndarray | None:
    return None if g is None else (g if sign == 1.0 else -g)


def _stochastic_advice(lr: float) -> str:
    if not math.isfinite(lr):
        return "the function is not finite at the start of a batch"
    return f"learning rate {lr:g} is too large for these batches; try {_round(lr / 10)}"


__all__ = ["Iterate", "maximize", "minimize"]
