"""The one descent loop: stepping, stopping, history, divergence, callbacks, progress.

Every run of gradient descent in steepest comes here: ``st.minimize`` and
``st.maximize``, every model of :mod:`steepest.models`, the networks of
:mod:`steepest.nn`, the playground and the command line.  What varies
lives elsewhere, each in one place:

- the function and its gradient, on flat vectors: :mod:`steepest.optim.objective`;
- the batches of each epoch: :mod:`steepest.optim.batches`;
- the update rule (pure ``init``/``update``): :mod:`steepest.optim.rules`;
- the learning rate over time: :mod:`steepest.optim.schedules`;
- the stopping rules and verdicts: :mod:`steepest.optim.stopping`;
- divergence detection and advice: :mod:`steepest.optim.divergence`;
- the record of the run: :mod:`steepest.optim.history`, :mod:`steepest.optim.result`.

Descent with a rule written as a formula (gd, momentum, nesterov, adagrad,
rmsprop, adam, adamw), at a constant rate or on a schedule, on a function
whose gradient runs over Python floats (a small NumPy function's recorded
program, or an expression's exact gradient) takes its routine steps in a
generated loop over floats (:mod:`steepest.optim.float_descent`), with the
same history and results bit for bit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.batches import BatchSource, batch_source
from steepest.optim.divergence import (
    BLOWUP_FACTOR,
    GROWTH_FACTOR,
    OSCILLATION_WINDOW,
    Kink,
    Monitor,
    factor,
    find_kink,
    stochastic_advice,
    word,
)
from steepest.optim.float_descent import descent_loop
from steepest.optim.history import History
from steepest.optim.lengths import rescaled_length, vector_length
from steepest.optim.objective import Objective, as_start
from steepest.optim.progress import TrainingProgress
from steepest.optim.result import OptimizeResult
from steepest.optim.rules import Formula, NoStep, Optimizer, chain, clip_by_norm, make
from steepest.optim.schedules import LearningRate, Schedule, as_schedule, constant, rate_sum
from steepest.optim.stopping import (
    SECOND_ORDER_LIMIT,
    UNSURE,
    EarlyStopping,
    check_settings,
    compose,
    converged,
    creeping,
    gradient_underflow,
    max_iter_message,
    no_minimum_ahead,
    not_a_minimum,
)

DEFAULT_MAX_ITER = 1000
DEFAULT_EPOCHS = 100
DEFAULT_TOL = 1e-6
# A run that stops on tol has converged where the gradient norm is at most this fraction of
# its size at the start (or of 1, when that was smaller); the same bound says where the
# gradient has vanished for the second-order check.
NEAR_ZERO_GRADIENT = 1e-3
# "Allow more steps" needs ten times more steps to add at least this fraction to the sum of
# the rates so far (see _Descent._rates_spent).
RATES_LEFT = 0.01

# Every setting of a run with its default (the options of a method aside).
DEFAULTS: dict[str, Any] = {
    "method": "gd", "lr": None, "max_iter": None, "tol": DEFAULT_TOL, "gtol": None,
    "ftol": None, "max_time": None, "grad": None, "hessian": None, "args": (), "data": None,
    "batch_size": None, "epochs": None, "seed": None, "shuffle": True, "grid": None,
    "clip_norm": None, "callback": None, "epoch_callback": None, "early_stopping": None,
    "record": True, "history_limit": None, "progress": False,
}


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
    epoch_callback: Callable[[Iterate], Any] | None = None,
    early_stopping: EarlyStopping | None = None,
    record: bool | str = True,
    history_limit: int | None = None,
    progress: bool | TrainingProgress | None = False,
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
    every epoch from ``seed`` (see :mod:`steepest.optim.batches`).  With
    ``data`` and ``batch_size=None`` every step uses all of the data.  When
    the gradient is automatic, a pandas Series given as ``data`` reaches
    ``f`` as a NumPy array (pandas cannot compute with traced values).
    After each epoch ``epoch_callback(iterate)`` may return True to stop,
    and ``early_stopping`` (a :class:`~steepest.optim.stopping.EarlyStopping`)
    ends the run when its score stops improving.

    ``record``: True keeps every step (and every epoch), ``"epochs"`` only
    the epochs of a run over batches, False nothing; the iterates and
    gradients themselves are kept for up to 10,000 parameters (beyond that,
    the loss, gradient norm, step and rate of each step), or always with
    ``"all"`` (see :mod:`steepest.optim.history`).  ``progress`` draws a
    progress bar on stderr (None: when stderr is a terminal; or give a
    :class:`~steepest.optim.progress.TrainingProgress` bar).

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
    settings = {key: value for key, value in locals().items() if key in DEFAULTS}
    return _run(f, x0, 1.0, settings, options)


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
    settings = {**DEFAULTS, **{k: v for k, v in kwargs.items() if k in DEFAULTS}}
    options = {k: v for k, v in kwargs.items() if k not in DEFAULTS}
    return _run(f, x0, -1.0, settings, options)


# --------------------------------------------------------------------------------------------
# dispatch
# --------------------------------------------------------------------------------------------


def _run(
    f: Any, x0: Any, sign: float, s: dict[str, Any], options: dict[str, Any]
) -> OptimizeResult:
    check_settings(s)
    method = s["method"]
    if isinstance(method, str) and method.strip().lower() == "grid":
        # A grid point where the function overflows is a point with no value, not a warning.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _grid_search(f, x0, sign, s)
    rule = make(method, s["lr"], **options)
    as_schedule(rule.lr)  # a bad rate is reported before any work
    if s["clip_norm"] is not None:
        rule = chain(clip_by_norm(s["clip_norm"]), rule)
    z0, shape = as_start(x0)
    data, args, source = s["data"], tuple(s["args"]), None
    if s["grad"] is None and _is_series(data) and not isinstance(f, str):
        # pandas cannot compute with traced values; a Series of data is just its numbers.
        data = data.to_numpy()
    if data is not None:
        source = batch_source(data, s["batch_size"], s["seed"], s["shuffle"])
        if s["batch_size"] is None and source.whole is not None:
            args, source = (source.whole, *args), None  # full batch: the data is an argument
    elif s["batch_size"] is not None:
        raise OptimizationError("batch_size needs data= to draw the batches from")
    evaluated_there = getattr(source, "objective", None)
    if evaluated_there is not None:
        # Data that lives elsewhere (a Dask collection): the loss is evaluated where it is.
        objective = evaluated_there(f, grad=s["grad"], hessian=s["hessian"], args=args,
                                    shape=shape, sign=sign)
        source = source if s["batch_size"] is not None else None
    else:
        objective = Objective(f, grad=s["grad"], hessian=s["hessian"], args=args, shape=shape,
                              sign=sign)
    # Overflow and nan on the way to divergence are reported in words, not as warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        descent = _Descent(objective, z0, sign, rule, s, source)
        del z0  # the run owns its start: a large one need not stay alive beside the iterates
        return descent.run()


def _is_series(data: Any) -> bool:
    return hasattr(data, "iloc") and hasattr(data, "to_numpy") and getattr(data, "ndim", 0) == 1


def _lr_label(rule: Optimizer) -> str:
    lr = rule.lr
    return f"{lr:g}" if isinstance(lr, int | float) else repr(lr)


def _user(z: np.ndarray, shape: tuple[int, ...]) -> Any:
    if not shape:
        return float(z[0])
    return z.reshape(shape).copy()


def _short_for_want_of_rate(reason: str, gnorm: float, g0: float) -> bool:
    """Whether a stop on the step length came before the gradient even halved: the steps
    were short because the rate is, and the point is no stationary point.

    A run that converges shrinks its gradient by orders of magnitude; one whose
    gradient is still more than half its first size (and not near zero) has
    only crept.  Full-batch runs only: a batch's gradient stays as noisy as the
    batches are, wherever the run is.
    """
    return (reason.startswith("the last step moved") and gnorm > 0.5 * g0
            and gnorm > NEAR_ZERO_GRADIENT * max(g0, 1.0))


def _plain(rule: Optimizer) -> bool:
    """Whether each step is ``-lr * g`` (plain descent: no memory, no settings)."""
    formula = type(rule.rule).float_formula() if hasattr(rule, "rule") else None
    return formula is not None and not formula.memory and not formula.settings


def _norm(v: np.ndarray) -> float:
    length = math.sqrt(float(v.dot(v)))
    # (a step or gradient of 1e200 is finite, though its square is not)
    return rescaled_length(v) if length == math.inf else length


def _ahead_directions(step: np.ndarray, downhill: np.ndarray,
                      coordinates: bool = False) -> list[np.ndarray]:
    """Where a run still improving at its end may be heading: its last step, the way
    downhill, and the last step along the coordinates where the two agree.

    A rule that scales each coordinate's step (Adam, RMSProp, Adagrad) keeps
    stepping back and forth across a coordinate that has reached its minimum:
    its last step, and the gradient too, can point across that coordinate while
    the run drifts away along the others.  Directions that point alike are
    probed once.  With ``coordinates``, each coordinate's own way downhill follows
    (a gradient of 1e-18 along y hides one of 1e-27 along x).

    >>> [d.tolist() for d in _ahead_directions(np.array([0.01, 0.009]),
    ...                                         np.array([-0.01, 4e-5]))]
    [[0.01, 0.009], [-0.01, 4e-05], [0.0, 0.009]]
    """
    # (Signs and unit vectors, not products: a gradient of 1e-200 squares to 0.)
    drift = np.where(((step > 0) & (downhill > 0)) | ((step < 0) & (downhill < 0)), step, 0.0)
    directions: list[np.ndarray] = []
    lengths: list[float] = []
    candidates = [step, downhill, drift]
    if coordinates:
        for i in np.flatnonzero(downhill):
            axis = np.zeros_like(downhill)
            axis[i] = np.sign(downhill[i])
            candidates.append(axis)
    for direction in candidates:
        length = vector_length(direction)
        if not (length > 0 and math.isfinite(length)):
            continue
        # Only a direction that points the same way is probed once: one a thousandth of a
        # radian off climbs a converged coordinate's bowl far out along it (a slope of 1e-5
        # along y is 6 at a distance of 6e5).
        if not any(float((direction / length) @ (d / n)) >= 1.0 - 1e-15
                   for d, n in zip(directions, lengths, strict=True)):
            directions.append(direction)
            lengths.append(length)
    return directions


def _signed(g: np.ndarray | None, sign: float) -> np.ndarray | None:
    return None if g is None else (g if sign == 1.0 else -g)


# --------------------------------------------------------------------------------------------
# the loop
# --------------------------------------------------------------------------------------------


class _Descent:
    """One run: the loop over steps (and epochs, over batches) with everything it owns.

    A full-batch run evaluates the loss and gradient at each new point; a run
    over batches evaluates each new point on the next batch, and after each
    epoch on all of the data (when it is at hand).  Both take their steps in
    :meth:`_step`, the one place where an update rule is called.
    """

    def __init__(self, objective: Objective, z: np.ndarray, sign: float, rule: Optimizer,
                 s: dict[str, Any], source: BatchSource | None) -> None:
        self.objective, self.z, self.sign, self.rule, self.s = objective, z, sign, rule, s
        self.source = source
        self.started = time.perf_counter()
        self.max_iter = s["max_iter"]
        if source is None and self.max_iter is None:
            self.max_iter = DEFAULT_MAX_ITER
        self.epochs = DEFAULT_EPOCHS if s["epochs"] is None else int(s["epochs"])
        self.k, self.nfev, self.epoch = 0, 0, 0
        self.status, self.message = "", ""
        self.lr_k = self.step_len = self.last_lr = math.nan
        self.f, self.g = math.nan, np.zeros_like(z)
        self.last_step: np.ndarray | None = None
        variables, limit = objective.variables, s["history_limit"]
        # Iterates are kept when the parameters are few (see History), or with record="all".
        iterates = True if s["record"] == "all" else None
        self.history = (History(objective.shape, limit=limit, variables=variables, sign=sign,
                                iterates=iterates)
                        if s["record"] is True or s["record"] == "all" else None)
        self.epoch_history = (History(objective.shape, kind="epochs", variables=variables,
                                      sign=sign, iterates=iterates)
                              if source is not None and s["record"] else None)
        if self.history is not None:
            self.history.epochs = self.epoch_history
        self.state = rule.init(z)
        self.monitor = Monitor(0.0)
        total = self.epochs if source is not None else self.max_iter
        bar = s["progress"]
        self.progress = bar if isinstance(bar, TrainingProgress) else TrainingProgress(
            total or 1, bar, "training" if source is not None else "descent")

    # -- the run ---------------------------------------------------------------------------------

    def run(self) -> OptimizeResult:
        with self.progress:
            if self.source is None:
                self._full_batch()
                if self.status == "converged":
                    self._second_order()
            else:
                self._over_batches()
        return self._result()

    def _second_order(self) -> None:
        """A converged run that stopped at a saddle point or an inflection says so.

        Once, at the end, for at most ``SECOND_ORDER_LIMIT`` parameters, and not
        where each evaluation is a pass over data held elsewhere (a Dask collection).
        Runs over batches are not checked: a batch's loss is not the function.  Nor is
        a point where the gradient has not vanished (a step made short by a small rate):
        it is no stationary point, so no saddle either.
        """
        objective = self.objective
        if objective.size > SECOND_ORDER_LIMIT or getattr(objective, "distributed", False):
            return
        if _norm(self.g) > NEAR_ZERO_GRADIENT * max(self.g0, 1.0):
            return
        start, g_start = self.start or (self.z, self.g)
        underflow, evaluations = gradient_underflow(objective, self.z, self.g, start, g_start,
                                                    objective.variables)
        self.nfev += evaluations
        if underflow:
            self.status, self.message = "stalled", f"{self.message}, but {underflow}"
            return
        reason, evaluations = not_a_minimum(objective, self.z, self.g, objective.variables)
        self.nfev += evaluations
        if reason is None and self.g.any():
            # Near no stationary point nearby either: where f flattens toward a limit at
            # infinity (exp(-x) at x = 17) the gradient is tiny but f keeps falling along it:
            # along the gradient, or (where a converged coordinate dominates the tiny
            # gradient: exp(-x) + y^2) along the last step, its drift, or a coordinate.
            last = self.last_step if self.last_step is not None else -self.g
            reason = self._no_minimum_along(
                _ahead_directions(last, -self.g, coordinates=True), stopped=True)
        if reason:
            self.status = "stalled" if reason.startswith(UNSURE) else "saddle"
            self.message = f"{self.message}, but {reason}"

    def _ahead(self) -> tuple[str | None, Kink | None]:
        """Why a run that used all its steps will not converge with more of them.

        Once, when the steps ran out.  A loss still improving may improve only
        because the point moves away (f is probed along the last step: see
        :func:`no_minimum_ahead`); a loss no longer improving, on a last step
        across a kink of f, is told so (see :func:`find_kink`).
        """
        monitor, step = self.monitor, self.monitor.previous_step
        if step is None:
            return None, None
        if monitor.settled:
            # Settled where f no longer changes beyond rounding: at a minimum, or where f
            # is flat only in floating point (atan(x) at x = -5e81, its steps of 1e78).
            return self._no_minimum_along(_ahead_directions(step, -self.g), stopped=True), None
        if not monitor.still_decreasing():
            if monitor.since_best < OSCILLATION_WINDOW:
                return None, None  # a loss that improved lately may be improving still
            return None, self._swung_kink(self.z - step, self.z)
        reason = self._no_minimum_along(_ahead_directions(step, -self.g), stopped=False)
        return reason or self._rates_spent() or self._decay_holds(), None

    def _no_minimum_along(self, directions: list[np.ndarray], stopped: bool) -> str | None:
        """Why f has no minimum ahead along the first of ``directions`` that shows none
        (see :func:`no_minimum_ahead`), its evaluations counted; None where each shows f
        rising somewhere."""
        objective, monitor = self.objective, self.monitor
        for direction in directions:
            reason, evaluations = no_minimum_ahead(
                objective, self.z, direction, f0=monitor.f0, start_size=self.start_size,
                g0=self.g0, gnorm=vector_length(self.g), runaway_below=monitor.runaway_below,
                variables=objective.variables, stopped=stopped, g=self.g)
            self.nfev += evaluations
            if reason is not None:
                return reason
        return None

    def _decay_holds(self) -> str | None:
        """Why a run with decoupled weight decay (AdamW) settles where f has no minimum.

        Each step also pulls the parameters toward 0 by ``lr * weight_decay * x``:
        where the last step is a small part of that pull while the gradient of f
        has not vanished, the pull and the gradient hold each other, and more
        steps stay there.
        """
        decay = getattr(self.rule, "weight_decay", 0.0)
        if not (isinstance(decay, int | float) and decay > 0 and math.isfinite(self.lr_k)):
            return None
        pull, gnorm = self.lr_k * decay * _norm(self.z), vector_length(self.g)
        if not (self.step_len < 0.1 * pull and gnorm > NEAR_ZERO_GRADIENT * max(self.g0, 1.0)):
            return None
        return (f"the steps settle where the weight decay (weight_decay={decay:g}), which "
                f"pulls the parameters toward 0 by lr * weight_decay * x each step ({pull:.2g} "
                f"here, against a last step of {self.step_len:.2g}), holds the gradient of f "
                f"(its norm still {gnorm:.3g}): that is not a minimum of f, and more steps stay "
                "there; set weight_decay=0 (or use method 'adam') to minimize f itself")

    def _rates_spent(self) -> str | None:
        """Why more steps cannot take a run much further: its schedule's rates have decayed.

        A step moves the point about its rate times the gradient (Adam: about its rate per
        coordinate), so how far the run can still go is bounded by the sum of the rates
        still to come.  Where ten times more steps add less than ``RATES_LEFT`` of what the
        rates summed to so far (``exponential(0.5, 0.99)`` after 1000 steps), "allow more
        steps" would lead nowhere.  Not for a line search: its rate is only a first guess.
        """
        lr = self._schedule()
        if lr is None or self.rule.uses_objective:
            return None
        k = self.k
        try:
            spent, more = rate_sum(lr, 0, k), rate_sum(lr, k, 10 * k)
        except Exception:  # a schedule that fails beyond the run's steps tells nothing
            return None
        if not (spent > 0 and math.isfinite(spent) and more < RATES_LEFT * spent):
            return None
        return (f"the learning rate has decayed to {self.lr_k:.2g} ({_lr_label(self.rule)}): "
                f"{10 * k} steps in all would add {more:.2g} to the {spent:.3g} its rates "
                "summed to so far, so more steps will barely move the point: continue from "
                "here with a larger rate, or a slower decay")

    def _step(self, objective: Any, lr: float) -> np.ndarray | None:
        """Ask the rule for the next step from ``z`` at rate ``lr``; None when it found none
        (``stalled``)."""
        self.lr_k = lr
        updates, self.state = self.rule.update(
            self.g, self.state, self.z, lr, value=self.f, objective=objective
        )
        if isinstance(updates, NoStep):
            self.stall_reason = updates.reason
            return None
        return updates

    def _callbacks(self, g: np.ndarray | None) -> None:
        """The step callback and the time limit, after a step that ended nothing."""
        callback, max_time = self.s["callback"], self.s["max_time"]
        shape = self.objective.shape
        if callback is not None and not self.status:
            grad = None if g is None else _user(self.sign * g, shape)
            info = Iterate(self.k, _user(self.z, shape), self.sign * self.f, grad,
                           self.step_len, self.lr_k)
            if callback(info) is True:
                self.status, self.message = "stopped", "the callback asked to stop"
        if max_time is not None and not self.status and (
            time.perf_counter() - self.started > max_time
        ):
            self.status, self.message = "stopped", f"max_time = {max_time:g} s was reached"

    # -- full batch ------------------------------------------------------------------------------

    def _full_batch(self) -> None:
        objective, sign, s = self.objective, self.sign, self.s
        self.f, self.g = objective.check(self.z)
        self.nfev = 1
        self.gnorm = vector_length(self.g)  # (a gradient of 1e300 is finite; its square is not)
        if not (math.isfinite(self.f) and math.isfinite(self.gnorm)):
            raise OptimizationError(
                f"the function or its gradient is not finite at the start (f = {sign * self.f:g}, "
                f"gradient norm {self.gnorm:g}); choose another starting point"
            )
        self._record(0, self.z, self.f, self.g, math.nan, math.nan)
        self.monitor = Monitor(self.f, self.z,
                               bounded=bool(getattr(self.rule, "bounded_steps", False)))
        self.best = self.f
        self.g0 = self.gnorm
        self.start_size = _norm(self.z)
        # Where a gradient that vanished was not yet 0, for _second_order (which checks
        # only few parameters: a large run keeps no more vectors than it needs).
        self.start = (self.z, self.g) if self.objective.size <= SECOND_ORDER_LIMIT else None
        gtol = s["gtol"]
        # The gradient norm is needed every step only for gtol; otherwise it is computed
        # when read (history) or at the end (result).
        self.need_gnorm = gtol is not None
        if gtol is not None and self.gnorm <= gtol:
            self.status = "converged"
            self.message = (
                f"the gradient norm {self.gnorm:.3g} is already at most gtol = {gtol:g} "
                "at the start"
            )
        floats = _FloatSteps.chosen(self)
        while not self.status:
            if floats is not None and floats.due(self.k, self.max_iter):
                floats.take(self)
                continue
            self._full_step()
            if self.progress.enabled and self.k % max(1, self.max_iter // 100) == 0:
                self.progress.update(self.k, sign * self.f)

    def _full_step(self) -> None:
        if self.k >= self.max_iter:
            self.gnorm = _norm(self.g)
            self.status = "max_iter"
            ahead, kink = self._ahead()
            self.message = max_iter_message(self.max_iter, self.s["tol"], self.s["gtol"],
                                            self.step_len, self.gnorm, self.monitor,
                                            ahead,
                                            kink and kink.words(self.lr_k, self.monitor.best_at))
            return
        lr = self.rule.rate(self.state)
        if lr == 0.0:
            self.status = "stopped"
            self.message = "the learning rate reached 0 (end of its schedule), so no step can move"
            return
        step = self._step(self.objective if self.rule.uses_objective else None, lr)
        if step is None:
            self.status, self.message = "stalled", self.stall_reason
            runaway = self.monitor.runaway(self.f, self.z, self.sign)
            if runaway:
                self.status, self.message = "diverged", runaway
            return
        z_new = self.z + step
        self.step_len = step_len = _norm(step)
        self.k += 1
        if self.k == 1:
            predicted = abs(float(self.g @ step))
            if math.isfinite(predicted) and predicted > 0:
                self.monitor.floor = predicted
        self.monitor.note_step(step)
        f_new, g_new = self.objective.vg(z_new)
        self.nfev += 1
        if self.need_gnorm:
            self.gnorm = _norm(g_new)
        self._record(self.k, z_new, f_new, g_new, step_len, self.lr_k)
        if not (math.isfinite(f_new) and math.isfinite(step_len)):
            self._nonfinite(z_new, f_new, g_new, step)
            return
        self._judge(f_new, g_new, step, z_new)
        self.z, self.f, self.g = z_new, f_new, g_new
        if self.s["callback"] is not None or self.s["max_time"] is not None:
            self._callbacks(g_new)

    def _judge(self, f_new: float, g_new: np.ndarray, step: np.ndarray,
               z_new: np.ndarray) -> None:
        """The stopping rules and the watch for divergence after a full-batch step."""
        s = self.s
        reason = converged(self.step_len, self.gnorm, self.f, f_new, s["tol"], s["gtol"],
                           s["ftol"])
        verdict = self._verdict(reason, g_new, z_new) if reason else None
        if verdict:
            self.status, self.message = verdict
            self.last_step = step  # where a converged run was heading (see _second_order)
        elif f_new < self.best:
            # The usual case, kept cheap: a new best loss needs few further checks.
            self.best = f_new
            self.monitor.improved(self.k, f_new, step, self.step_len, z_new)
            if f_new < self.monitor.runaway_below:
                self.status = "diverged"
                self.message = self.monitor.runaway(f_new, z_new, self.sign) or ""
        else:
            verdict = self.monitor.observe(self.k, self.f, f_new, self.g, g_new, step,
                                           self.step_len, z_new, self.lr_k)
            if verdict:
                self._conclude(verdict, z_new, step)

    def _turning(self, reason: str, gnorm: float) -> bool:
        """Whether a short step was taken by a rule with memory where the gradient is not small.

        Momentum and Adam step along their memory (a velocity, a mean of the
        gradients), not along the gradient: where that memory turns round, after
        an overshoot, one step is short while the gradient is still large, and
        the run is far from done (the steps grow again at once).  Only a rule
        whose step is the gradient's own (plain descent) has a short step mean
        a small gradient; any other stops on a short step only where the
        gradient is near zero too.
        """
        if not reason.startswith("the last step moved") or self.rule.uses_objective:
            return False
        formula = type(self.rule.rule).float_formula()
        if formula is not None and not formula.memory:
            return False
        # A gradient as large as at the start: the rate is too small (said by _verdict).
        return (gnorm > NEAR_ZERO_GRADIENT * max(self.g0, 1.0)
                and not _short_for_want_of_rate(reason, gnorm, self.g0))

    def _conclude(self, verdict: str, z_new: np.ndarray, step: np.ndarray) -> None:
        """End the run on the monitor's verdict about the step to ``z_new``.

        A run going back and forth across a kink of f is told so (a rate below
        ``2/L`` cannot help there: see :func:`find_kink`); other advice rests on
        the curvature.
        """
        kink = self._swung_kink(z_new - step, z_new) if verdict == "oscillating" else None
        if verdict in ("diverged", "oscillating") and kink is None:
            self.monitor.refine_curvature(self.objective.vg, z_new, step,
                                          stable=verdict == "diverged")
        self.message = self.monitor.message(verdict, self.sign, self.rule, self.lr_k, kink)
        held = self._decay_holds() if verdict == "stalled" else None
        if held:
            self.message += f"; {held}"
        self.status = "stalled" if verdict == "oscillating" else verdict

    def _swung_kink(self, a: np.ndarray, b: np.ndarray) -> Kink | None:
        """The kink of f that a run going back and forth ends on at ``b``, if any (see
        :func:`find_kink`): crossed by its last step, from ``a``, or else by the swing from
        ``b`` through its best point to as far beyond.

        A rule with memory (momentum, Adam) circles a kink in steps of several
        sizes, and its last step need not cross it; its best point lies near it.
        """
        vg, variables = self.objective.vg, self.objective.variables
        kink, evaluations = find_kink(vg, a, b, variables)
        self.nfev += evaluations
        best = self.monitor.stable_z
        if kink is None and best is not None and not np.array_equal(best, b):
            kink, evaluations = find_kink(vg, b, 2.0 * best - b, variables)
            self.nfev += evaluations
        return kink

    def _verdict(self, reason: str, g_new: np.ndarray,
                 z_new: np.ndarray | None = None) -> tuple[str, str] | None:
        """``converged`` when a stopping rule held where the gradient is small; None when
        the run goes on (a rule with memory turning round, see :meth:`_turning`).

        A rule that searches along a line can take ever shorter steps where the
        gradient is not small at all (at a kink or a cusp, or when the search
        cannot continue): that is reported as ``stalled``, not as a minimum.
        """
        gnorm = _norm(g_new)
        if self._turning(reason, gnorm):
            return None
        if self.s["gtol"] is not None:
            return "converged", reason
        if not self.rule.uses_objective:
            if self.source is None and (_short_for_want_of_rate(reason, gnorm, self.g0)
                                        or self._rate_decayed(reason, gnorm)):
                kink = self._crossed_kink(z_new)
                if kink is not None:
                    return "stalled", (
                        f"{reason}, but the gradient norm is still {gnorm:.3g} (it was "
                        f"{self.g0:.3g} at the start): {kink.crossed(self.step_len)}")
                return "stalled", (
                    f"{reason}, but the gradient norm is still {gnorm:.3g} (it was "
                    f"{self.g0:.3g} at the start): the steps are short because the learning "
                    f"rate {self.lr_k:g} is small, not because the gradient vanished; raise "
                    "the learning rate, or stop on the gradient with gtol=")
            crept = self._crept(reason, g_new, z_new)
            if crept:
                return "stalled", f"{reason}, but {crept}"
            return "converged", reason
        if gnorm <= NEAR_ZERO_GRADIENT * max(self.g0, 1.0):
            return "converged", reason
        return "stalled", (
            f"{reason}, but the gradient norm is still {gnorm:.3g} (it was {self.g0:.3g} at the "
            "start): this is not a point where the gradient vanishes (a kink or a cusp, or "
            "a line search that cannot continue), so it may not be a minimum"
        )

    def _crept(self, reason: str, g: np.ndarray, z: np.ndarray | None) -> str | None:
        """Why a full-batch run of plain descent that stopped on a short step at ``z`` only
        crept there (see :func:`creeping`); None when nothing says so.

        Checked once, for at most ``SECOND_ORDER_LIMIT`` parameters held here, where the
        gradient is not exactly zero: the gradient's size next to its first hides a creep
        (one step at a rate stable along a steep direction removes that direction's part).
        """
        objective = self.objective
        if (z is None or self.source is not None or not reason.startswith("the last step")
                or objective.size > SECOND_ORDER_LIMIT or getattr(objective, "distributed", False)
                or not g.any() or not self.lr_k > 0 or not _plain(self.rule)):
            return None
        words, evaluations = creeping(objective, z, g, float(self.lr_k), objective.variables)
        self.nfev += evaluations
        return words

    def _rate_decayed(self, reason: str, gnorm: float) -> bool:
        """Whether a stop on the step length came where a schedule's rate shrank more than
        the gradient did: the step is short because the rate decayed (``exponential(0.01,
        0.99)`` on x^2 from 5 stops at 0.67, its rate down 10^4 times, its gradient 7 times).
        """
        lr = self._schedule()
        if lr is None or not reason.startswith("the last step moved"):
            return False
        try:
            first = float(lr(0))
        except Exception:  # a schedule that cannot say its first rate tells nothing
            return False
        # (rate now / first rate < gradient now / first gradient, without dividing by either)
        return (gnorm > NEAR_ZERO_GRADIENT * max(self.g0, 1.0) and first > 0
                and self.lr_k * self.g0 < first * gnorm)

    def _schedule(self) -> Callable[[int], Any] | None:
        """The rule's rate as a schedule of the step, or None for a constant rate."""
        lr = self.rule.lr
        return None if isinstance(lr, int | float | constant) or not callable(lr) else lr

    def _crossed_kink(self, z_new: np.ndarray | None) -> Kink | None:
        """The kink of f that the step from ``z`` to ``z_new`` crossed, if any (see
        :func:`find_kink`); checked once, when the run ends on it."""
        if z_new is None:
            return None
        kink, evaluations = find_kink(self.objective.vg, self.z, z_new,
                                      self.objective.variables)
        self.nfev += evaluations
        return kink

    def _nonfinite(self, z_new: np.ndarray, f_new: float, g_new: np.ndarray,
                   step: np.ndarray) -> None:
        if math.isfinite(self.step_len):
            self.monitor.refine_curvature(self.objective.vg, self.z, step, stable=True)
        self.z, self.f, self.g = z_new, f_new, g_new
        self.gnorm = _norm(g_new)
        self.status = "diverged"
        self.message = self.monitor.nonfinite_message(self.k, f_new, self.gnorm, self.step_len,
                                                      self.sign, self.rule, self.lr_k, z_new)

    def _record(self, k: int, z: np.ndarray, f: float, g: np.ndarray | None, step: float,
                lr: float) -> None:
        if self.history is not None:
            self.history.record(k, z, self.sign * f, _signed(g, self.sign), step, lr)

    # -- over batches ----------------------------------------------------------------------------

    def _over_batches(self) -> None:
        """Steps on one batch at a time; a history row per step and per epoch.

        A step row holds the iterate and the loss and gradient *of the batch
        used there*; each epoch row holds the iterate at the end of the epoch
        and the loss on all of the data (the mean batch loss of the epoch
        when the data come from an iterator).
        """
        assert self.source is not None
        objective, sign = self.objective, self.sign
        whole = self.source.whole
        self.whole = objective.with_args((whole, *objective.args)) if whole is not None else None
        if getattr(objective, "distributed", False):
            self.whole = objective  # the loss on all of the data, where the data lives
        self.full_f, self.full_g = math.nan, None
        if self.whole is not None:
            self.full_f, self.full_g = self.whole.check(self.z)
            self.nfev += 1
            if not math.isfinite(self.full_f):
                raise OptimizationError(
                    f"the loss is not finite at the start (f = {sign * self.full_f:g}); "
                    "choose another start"
                )
        self._record_epoch(self.z, self.full_f, self.full_g, math.nan, math.nan)
        self.scale = abs(self.full_f) if self.whole is not None else None
        self.epoch_best = self.previous_epoch_loss = self.full_f
        self.epoch_rises = 0
        self.batches: Iterator[Any] = iter(())
        self.epoch_start, self.batch_losses = self.z, []
        self.recorded = self.closed_epoch = -1
        if self._next_batch():
            self.g0 = _norm(self.g)
            while not self.status:
                self._batch_step()
        self._finish_batches()

    def _next_batch(self) -> bool:
        """Evaluate ``z`` on the next batch (ending epochs on the way); False at the end."""
        batch = next(self.batches, _END)
        while batch is _END:
            if self.epoch > 0:
                self._end_epoch()
                if self.status:
                    return False
            if self.epoch >= self.epochs:
                self.status, self.message = "max_iter", f"finished {self.epochs} epochs"
                if self.s["tol"] is not None:
                    self.message += f" without a step shorter than tol = {self.s['tol']:g}"
                return False
            self.epoch += 1
            self.epoch_start, self.batch_losses = self.z, []
            self.batches = self.source.epoch()
            batch = next(self.batches, _END)
            if batch is _END:
                self.epoch -= 1
                self.status, self.message = "max_iter", "the iterator of batches ran out"
                return False
        self.batch_args = (batch, *self.objective.args)
        self.f, self.g = self.objective.vg_with(self.z, self.batch_args)
        self.nfev += 1
        self._record(self.k, self.z, self.f, self.g, self.step_len, self.last_lr)
        self.recorded = self.k
        self.batch_losses.append(self.f)
        return self._batch_sane()

    def _batch_sane(self) -> bool:
        """Whether the loss and gradient on the batch are finite and have not blown up."""
        f, sign = self.f, self.sign
        gnorm = _norm(self.g)
        if self.scale is None:
            self.scale = abs(f)
        if not (math.isfinite(f) and math.isfinite(gnorm)):
            bad = sign * f if not math.isfinite(f) else gnorm
            what = "loss" if not math.isfinite(f) else "gradient"
            self.status = "diverged"
            self.message = (f"the {what} on a batch became {word(bad)} at step {self.k}: "
                            f"{stochastic_advice(self.lr_k)}")
            return False
        if f - self.epoch_best > BLOWUP_FACTOR * max(self.scale, 1e-300):
            self.status = "diverged"
            self.message = (
                f"the loss on a batch grew to {sign * f:.3g} at step {self.k}, "
                f"{factor(f, max(self.scale, 1e-300))} the starting loss: "
                f"{stochastic_advice(self.lr_k)}"
            )
            return False
        return True

    def _batch_step(self) -> None:
        if self.max_iter is not None and self.k >= self.max_iter:
            self.status, self.message = "max_iter", f"reached max_iter = {self.max_iter} steps"
            return
        uses = self.rule.uses_objective
        objective = self.objective.with_args(self.batch_args) if uses else None
        step = self._step(objective, self.rule.rate(self.state))
        # A line search that fails on one batch is not the end of the run (the next batch
        # differs), nor a step short enough to have converged.
        searched_in_vain = step is None
        step = np.zeros_like(self.z) if searched_in_vain else step
        self.z = self.z + step
        self.step_len = _norm(step)
        self.last_lr = self.lr_k
        self.k += 1
        tol = self.s["tol"]
        if not math.isfinite(self.step_len):
            self.status = "diverged"
            self.message = (f"the parameters became {word(self.step_len)} at step {self.k}: "
                            f"{stochastic_advice(self.lr_k)}")
        elif tol is not None and self.step_len < tol and not searched_in_vain:
            verdict = self._verdict(
                f"a step moved the parameters {self.step_len:.3g} < tol = {tol:g}", self.g)
            if verdict:
                self.status, self.message = verdict
        if self.s["callback"] is not None or self.s["max_time"] is not None:
            self._callbacks(None)
        if not self.status:
            self._next_batch()

    def _end_epoch(self) -> None:
        """The loss on all of the data, the epoch's row, and the checks made once an epoch."""
        sign, lr = self.sign, self.lr_k
        if self.whole is not None:
            self.full_f, self.full_g = self.whole.vg(self.z)
            self.nfev += 1
        else:
            self.full_f, self.full_g = float(np.mean(self.batch_losses)), None
        moved = _norm(self.z - self.epoch_start)
        self.closed_epoch = self.epoch
        self._record_epoch(self.z, self.full_f, self.full_g, moved, self.last_lr)
        stopping = self.s["early_stopping"]
        self.progress.update(self.epoch, sign * self.full_f,
                             stopping.latest if stopping is not None else None)
        if self.status:
            return
        full_f = self.full_f
        if not math.isfinite(full_f):
            self.status = "diverged"
            self.message = (f"the loss became {word(sign * full_f)} in epoch {self.epoch}: "
                            + stochastic_advice(lr))
            return
        self.epoch_rises = self.epoch_rises + 1 if full_f > self.previous_epoch_loss else 0
        best = self.epoch_best
        self.epoch_best = min(best, full_f) if math.isfinite(best) else full_f
        self.previous_epoch_loss = full_f
        if self.epoch_rises >= 3 and full_f - self.epoch_best > GROWTH_FACTOR * max(
            self.scale or 0.0, 1e-300
        ):
            self.status = "diverged"
            self.message = (f"the loss grew in each of the last {self.epoch_rises} epochs, to "
                            f"{sign * full_f:.3g}: {stochastic_advice(lr)}")
            return
        self._epoch_rules()

    def _epoch_rules(self) -> None:
        """Early stopping and the epoch callback, at the end of an epoch that ended nothing."""
        stopping, callback = self.s["early_stopping"], self.s["epoch_callback"]
        if stopping is not None:
            reason = stopping(self.epoch, self.z, self.sign * self.full_f)
            if reason:
                self.status, self.message = "stopped", reason
                if stopping.best_x is not None:
                    self.z = stopping.best_x
                    self.message += f"; the parameters of epoch {stopping.best_epoch} are kept"
                return
        if callback is not None:
            shape = self.objective.shape
            grad = None if self.full_g is None else _user(self.sign * self.full_g, shape)
            info = Iterate(self.epoch, _user(self.z, shape), self.sign * self.full_f, grad,
                           math.nan, self.last_lr)
            if callback(info) is True:
                self.status, self.message = "stopped", "the epoch callback asked to stop"

    def _finish_batches(self) -> None:
        """An epoch cut short still gets its row; the last step its row on all of the data."""
        if self.batch_losses and self.closed_epoch != self.epoch:
            self._end_epoch()
        if self.recorded != self.k:
            self._record(self.k, self.z, self.full_f if self.whole is not None else math.nan,
                         self.full_g, self.step_len, self.last_lr)
        self.f = self.full_f
        self.g = self.full_g if self.full_g is not None else self.g

    def _record_epoch(self, z: np.ndarray, f: float, g: np.ndarray | None, moved: float,
                      lr: float) -> None:
        if self.epoch_history is not None:
            self.epoch_history.record(self.epoch, z, self.sign * f, _signed(g, self.sign),
                                      moved, lr)

    # -- the result ------------------------------------------------------------------------------

    def _result(self) -> OptimizeResult:
        shape, sign, rule = self.objective.shape, self.sign, self.rule
        stochastic = self.source is not None
        history = self.history
        if history is None and self.s["record"] == "epochs":
            history = self.epoch_history
        return OptimizeResult(
            x=_user(self.z, shape),
            fun=sign * self.f,
            # A copy of the gradient, or its negation (a new array already) for maximize.
            grad=_user(self.g, shape) if sign == 1.0 else _user(-self.g, shape),
            nit=self.k,
            status=self.status,
            message=compose(self.status, self.k, self.message, rule.describe(self.state),
                            epochs=self.epoch if stochastic else None),
            history=history,
            method=rule.name,
            maximize=sign < 0,
            nfev=self.nfev,
            epochs=self.epoch if stochastic else None,
            elapsed=time.perf_counter() - self.started,
            variables=self.objective.variables,
            lipschitz=None if stochastic else self.monitor.lipschitz,
            extra={"optimizer": rule, "lr": _lr_label(rule)},
        )


_END = object()


class _FloatSteps:
    """The specialisation of the full-batch loop for descent over Python floats.

    Chosen for a rule with a :class:`~steepest.optim.rules.Formula` (gd,
    momentum, nesterov, adagrad, rmsprop, adam, adamw) at a constant rate or
    on a schedule of :mod:`steepest.optim.schedules`, on a function whose
    gradient runs over floats, with nothing that must see every step
    (callbacks, time limits, progress).  It takes the routine steps of the
    run in a generated loop (see :mod:`steepest.optim.float_descent`) and
    hands every other step back to :meth:`_Descent._full_step`, so history
    and results are the same bit for bit.
    """

    def __init__(self, formula: Formula, lr: Any, scheduled: bool | tuple[str, ...]) -> None:
        self.formula, self.lr, self.scheduled = formula, lr, scheduled
        self.at, self.backoff = 1, 1  # after the first step: the function is recorded by then

    @staticmethod
    def chosen(run: _Descent) -> _FloatSteps | None:
        s, rule = run.s, run.rule
        formula = type(rule).float_formula() if isinstance(rule, Optimizer) else None
        lr = rule.lr
        constant_rate = isinstance(lr, int | float | constant)
        plain = (
            formula is not None
            and (constant_rate or isinstance(lr, Schedule))
            and run.objective.kind in ("autodiff", "symbolic")
            and s["callback"] is None
            and s["max_time"] is None
            and not run.progress.enabled
        )
        if not plain:
            return None
        if constant_rate:
            rate = float(as_schedule(lr)(0))
            return _FloatSteps(formula, rate, False) if 0.0 < rate < math.inf else None
        # A built-in schedule's rate is written into the loop; any other is called.
        return _FloatSteps(formula, lr, type(lr).float_formula() or True)

    def due(self, k: int, max_iter: int) -> bool:
        return self.at <= k < max_iter

    def take(self, run: _Descent) -> None:
        """Steps over floats from ``run``'s state; or, when none can be taken now, later."""
        s, k, formula = run.s, run.k, self.formula
        sweep = run.objective.float_sweep()
        result = None
        if sweep is not None:
            loop = descent_loop(sweep, sign=run.sign, tol=s["tol"] is not None,
                                gtol=s["gtol"] is not None, ftol=s["ftol"] is not None,
                                record=run.history is not None, formula=formula,
                                scheduled=self.scheduled)
            rows: list[tuple[float, ...]] = []
            previous = run.monitor.previous_step
            before = tuple(previous.tolist()) if previous is not None else None
            rule, state = run.rule, run.state
            settings = tuple(getattr(rule, name) for name in formula.settings)
            memory = tuple(tuple(state[name].tolist()) for name in formula.memory)
            result = loop(tuple(run.z.tolist()), run.f, tuple(run.g.tolist()), k, run.max_iter,
                          self.lr, s["tol"], s["gtol"], s["ftol"], run.best, before,
                          run.objective.args, rows, run.monitor.runaway_below, settings, memory,
                          state["count"], run.monitor)
            run.nfev += result.nfev
        if result is None or result.k <= k:
            self.backoff *= 2  # nothing to gain here for now: look again later
            self.at = k + self.backoff
            return
        self._adopt(run, result, rows)
        self.backoff = 1
        self.at = run.k + 1

    def _adopt(self, run: _Descent, result: Any, rows: list[tuple[float, ...]]) -> None:
        monitor = run.monitor
        if result.improved:
            run.best = result.best
            if result.dirty:
                # The last new best is the last step of its kind: the monitor learns it now.
                monitor.improved(result.best_k, run.best, np.array(result.best_step),
                                 result.best_len, np.array(result.best_z))
            else:
                monitor.stable_z = np.array(result.best_z)
        if not result.dirty:
            monitor.previous_step = np.array(result.step)
        if result.repeats:
            monitor.repeated(result.k, result.f, np.array(result.step), result.step_len,
                             result.repeats, result.lr)
        run.k, run.f = result.k, result.f
        run.z, run.g = np.array(result.z), np.array(result.g)
        run.step_len, run.lr_k = result.step_len, result.lr
        memory = dict(zip(self.formula.memory, (np.array(m) for m in result.memory), strict=True))
        run.state = {**run.state, **memory, "count": result.count}
        if run.history is not None:
            run.history.record_rows(rows)
        if run.need_gnorm:
            run.gnorm = _norm(run.g)
        if result.verdict is not None:
            run._conclude(result.verdict, run.z, np.array(result.step))


def _grid_search(f: Any, x0: Any, sign: float, s: dict[str, Any]) -> OptimizeResult:
    """The best point of ``s["grid"]``, every grid loss in the history."""
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



__all__ = ["DEFAULTS", "Iterate", "maximize", "minimize"]
