"""Update rules: pure ``init``/``update`` pairs that turn gradients into steps.

An update rule knows nothing about loops, stopping or history.  In the
style of optax it has two methods:

- ``init(params) -> state``: the rule's memory for flat parameters;
- ``update(grads, state, params) -> (updates, state)``: the step to *add*
  to the parameters (plain gradient descent returns ``-lr * grads``) and
  the new state.  The state passed in is never changed: every update
  returns a new one.

The learning rate is part of the rule (a number or a schedule from
:mod:`steepest.optim.schedules`, evaluated at the rule's own step count);
``rate(state)`` says which rate the next update uses.  Rules that search
along a direction (:class:`Armijo`, :class:`LBFGS`, :class:`Newton`) set
``uses_objective`` and also receive the current loss as ``value`` and an
``objective`` with ``value(x)``, ``value_and_grad(x)`` and ``hessian(x)``.
A rule that finds no step lowering the loss returns :class:`NoStep` (with
the reason) instead of updates.  Small gradient transforms
(:func:`clip_by_norm`, :func:`add_decayed_weights`) compose with a rule
through :func:`chain`.

>>> import numpy as np
>>> rule = GD(lr=0.4)
>>> x = np.array([0.0])
>>> state = rule.init(x)
>>> for _ in range(3):
...     step, state = rule.update(2 * x - 4, state, x)
...     x = x + step
>>> x
array([1.984])
>>> rule = chain(clip_by_norm(1.0), gd(0.5))
>>> rule.update(np.array([3.0, 4.0]), rule.init(np.zeros(2)), np.zeros(2))[0]
array([-0.3, -0.4])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, Protocol

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.lengths import vector_length
from steepest.optim.schedules import LearningRate, as_schedule, rate_at

State = dict[str, Any]


class ObjectiveLike(Protocol):
    """What line-search and Newton rules may ask of the objective (flat parameters)."""

    def value(self, params: np.ndarray) -> float: ...

    def value_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]: ...

    def hessian(self, params: np.ndarray) -> np.ndarray: ...


class NoStep:
    """What a rule returns instead of updates when it finds no step that lowers the loss.

    >>> NoStep("flat").reason
    'flat'
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"NoStep({self.reason!r})"


class Formula(NamedTuple):
    """An update rule's mathematics, written once, coordinate by coordinate.

    ``per_coordinate`` computes ``step`` from the gradient ``g``, the
    parameter ``p``, the rule's ``memory`` (state entries, one number per
    parameter, updated in place by name) and the scalars: ``lr``,
    ``count`` (the number of this step, from 1), the rule's ``settings``
    (attributes such as ``beta``) and what ``per_step`` computes from them.
    ``sqrt`` is the only function.  The same statements run on NumPy
    arrays (the rule's ``_step``, every coordinate at once) and, generated
    per coordinate, over Python floats in the descent loop's fast path
    (:mod:`steepest.optim.float_descent`); both do the same operations in the
    same order, so their numbers are the same bit for bit.

    >>> Momentum.formula.per_coordinate
    ('velocity = beta * velocity + g', 'step = -lr * velocity')
    """

    settings: tuple[str, ...]
    memory: tuple[str, ...]
    per_step: tuple[str, ...]
    per_coordinate: tuple[str, ...]


def _array_step(formula: Formula) -> Callable[..., Any]:
    """The NumPy ``_step`` of a rule, generated from its :class:`Formula`."""
    lines = ["def _step(self, grads, state, params, lr, value, objective):",
             "    g, p, count = grads, params, state['count'] + 1"]
    lines += [f"    {name} = self.{name}" for name in formula.settings]
    lines += [f"    {name} = state[{name!r}]" for name in formula.memory]
    lines += [f"    {line}" for line in (*formula.per_step, *formula.per_coordinate)]
    memory = ", ".join(f"{name!r}: {name}" for name in formula.memory)
    lines.append(f"    return step, {{{memory}}}")
    namespace: dict[str, Any] = {"sqrt": np.sqrt}
    # Generated from the rules' own formulas in this module, never from user text.
    exec(compile("\n".join(lines) + "\n", "<steepest update rule>", "exec"), namespace)
    step = namespace["_step"]
    step.formula = formula
    return step


class Optimizer:
    """Base class: a pure update rule with a learning rate (a number or a schedule).

    Subclasses set ``name`` and implement ``_start`` (the rule's memory) and
    ``_step`` (updates and the changed parts of the memory); this class keeps
    the step count and evaluates the rate.
    """

    name: ClassVar[str] = "optimizer"
    default_lr: ClassVar[float] = 0.1
    uses_objective: ClassVar[bool] = False
    # Whether a step's length is about the rate whatever the gradient's size (a rule that
    # divides by a running root mean square: Adagrad, RMSProp, Adam): its steps cannot
    # run away, so a loss that rises under it is an overshoot, not a divergence.
    bounded_steps: ClassVar[bool] = False
    # The rule's mathematics coordinate by coordinate, when it has such a form: its
    # ``_step`` is then generated from it (see :class:`Formula`).
    formula: ClassVar[Formula | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "formula" in cls.__dict__ and cls.formula is not None:
            cls._step = _array_step(cls.formula)  # type: ignore[method-assign]

    @classmethod
    def float_formula(cls) -> Formula | None:
        """The :class:`Formula` this rule's steps follow exactly, or None.

        None for rules without one and for subclasses that change how a step
        is taken (their own ``_step``, ``update`` or ``rate``), whose steps
        the formula no longer describes.

        >>> Adam.float_formula().memory
        ('mean', 'mean_square')
        >>> LBFGS.float_formula() is None
        True
        """
        formula = cls.formula
        if (formula is None or getattr(cls._step, "formula", None) is not formula
                or cls.update is not Optimizer.update or cls.rate is not Optimizer.rate):
            return None
        return formula

    def __init__(self, lr: LearningRate | None = None) -> None:
        self.lr: LearningRate = self.default_lr if lr is None else lr

    @property
    def rule(self) -> Optimizer:
        """The rule that takes the steps (itself; the last part of a :func:`chain`)."""
        return self

    def init(self, params: np.ndarray) -> State:
        """The rule's starting memory for parameters ``params``."""
        return {"count": 0, **self._start(params)}

    def rate(self, state: State) -> float:
        """The learning rate the next :meth:`update` from ``state`` uses."""
        lr = self.lr
        if type(lr) is float and 0.0 < lr < math.inf:
            return lr
        return rate_at(as_schedule(lr), state["count"])

    def update(
        self,
        grads: np.ndarray,
        state: State,
        params: np.ndarray,
        lr: float | None = None,
        *,
        value: float | None = None,
        objective: ObjectiveLike | None = None,
    ) -> tuple[np.ndarray | NoStep, State]:
        """``(updates, new_state)``; ``lr`` overrides the rule's own rate for this step."""
        if self.uses_objective and (objective is None or value is None):
            raise OptimizationError(
                f"{self.name} needs the loss itself, not only its gradient: call it through "
                "steepest.minimize, or pass value= and objective="
            )
        rate = self.rate(state) if lr is None else lr
        updates, changes = self._step(grads, state, params, rate, value, objective)
        return updates, {**state, **changes, "count": state["count"] + 1}

    def describe(self, state: State) -> str | None:
        """A sentence for the run's message about what the rule had to do, if anything."""
        return None

    def _start(self, params: np.ndarray) -> State:
        return {}

    def _step(
        self, grads: np.ndarray, state: State, params: np.ndarray, lr: float,
        value: float | None, objective: Any,
    ) -> tuple[np.ndarray | NoStep, State]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        lr = f"{self.lr:g}" if isinstance(self.lr, int | float) else repr(self.lr)
        extra = "".join(f", {key}={value!r}" for key, value in self._settings().items())
        return f"{type(self).__name__}(lr={lr}{extra})"


class GD(Optimizer):
    """Plain gradient descent: ``step = -lr * grad``.

    >>> GD(0.4).update(np.array([-4.0]), GD(0.4).init(np.zeros(1)), np.array([0.0]))[0]
    array([1.6])
    """

    name = "gd"
    default_lr = 0.1
    formula = Formula((), (), (), ("step = -lr * g",))


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = beta v + grad``, ``step = -lr v``.

    The velocity remembers past gradients, so steps grow along a consistent
    direction and cancel across a zig-zag.  For a quadratic with largest
    curvature L it is stable while ``lr < 2 (1 + beta) / L``.

    >>> rule = Momentum(0.1, beta=0.9)
    >>> state = rule.init(np.zeros(1))
    >>> step, state = rule.update(np.array([1.0]), state, np.zeros(1))
    >>> step, state = rule.update(np.array([1.0]), state, step)
    >>> step
    array([-0.19])
    """

    name = "momentum"
    default_lr = 0.01

    def __init__(self, lr: LearningRate | None = None, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = _fraction("beta", beta)

    formula = Formula(("beta",), ("velocity",), (),
                      ("velocity = beta * velocity + g", "step = -lr * velocity"))

    def _start(self, params):
        return {"velocity": np.zeros_like(params)}

    def _settings(self):
        return {"beta": self.beta}


class Nesterov(Momentum):
    """Nesterov momentum (the form PyTorch uses): ``step = -lr (grad + beta v)``.

    It looks one velocity step ahead, which damps the overshoot of plain
    momentum, without an extra gradient evaluation.

    >>> rule = Nesterov(0.1, beta=0.9)
    >>> rule.update(np.array([1.0]), rule.init(np.zeros(1)), np.zeros(1))[0]
    array([-0.19])
    """

    name = "nesterov"
    formula = Formula(("beta",), ("velocity",), (),
                      ("velocity = beta * velocity + g", "step = -lr * (g + beta * velocity)"))


class Adagrad(Optimizer):
    """Adagrad: each coordinate's rate divided by the root of its summed squared gradients.

    >>> rule = Adagrad(0.5)
    >>> rule.update(np.array([4.0, -0.1]), rule.init(np.zeros(2)), np.zeros(2))[0]
    array([-0.5,  0.5])
    """

    name = "adagrad"
    bounded_steps = True
    default_lr = 0.1

    def __init__(self, lr: LearningRate | None = None, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.eps = eps

    formula = Formula(("eps",), ("sum_squares",), (),
                      ("sum_squares = sum_squares + g * g",
                       "step = -lr * g / (sqrt(sum_squares) + eps)"))

    def _start(self, params):
        return {"sum_squares": np.zeros_like(params)}


class RMSProp(Optimizer):
    """RMSProp: divide by a running root-mean-square of recent gradients.

    >>> rule = RMSProp(0.01, rho=0.9)
    >>> step, _ = rule.update(np.array([3.0]), rule.init(np.zeros(1)), np.zeros(1))
    >>> round(float(step[0]), 6)
    -0.031623
    """

    name = "rmsprop"
    bounded_steps = True
    default_lr = 0.01

    def __init__(self, lr: LearningRate | None = None, rho: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.rho = _fraction("rho", rho)
        self.eps = eps

    formula = Formula(("rho", "eps"), ("mean_square",), (),
                      ("mean_square = rho * mean_square + (1.0 - rho) * g * g",
                       "step = -lr * g / (sqrt(mean_square) + eps)"))

    def _start(self, params):
        return {"mean_square": np.zeros_like(params)}

    def _settings(self):
        return {"rho": self.rho}


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    Its first step has length ``lr`` in every coordinate whatever the
    gradient's scale.

    >>> rule = Adam(0.1)
    >>> rule.update(np.array([250.0, -2.0]), rule.init(np.zeros(2)), np.zeros(2))[0]
    array([-0.1,  0.1])
    """

    name = "adam"
    bounded_steps = True
    default_lr = 0.001

    def __init__(
        self,
        lr: LearningRate | None = None,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = eps

    # The bias corrections depend on the step alone: computed once a step.
    _moments = (
        "mean = beta1 * mean + (1.0 - beta1) * g",
        "mean_square = beta2 * mean_square + (1.0 - beta2) * g * g",
        "mean_hat = mean / correction1",
        "mean_square_hat = mean_square / correction2",
        "direction = mean_hat / (sqrt(mean_square_hat) + eps)",
    )
    _corrections = ("correction1 = 1.0 - beta1**count", "correction2 = 1.0 - beta2**count")
    formula = Formula(("beta1", "beta2", "eps"), ("mean", "mean_square"), _corrections,
                      (*_moments, "step = -lr * direction"))

    def _start(self, params):
        return {"mean": np.zeros_like(params), "mean_square": np.zeros_like(params)}

    def _settings(self):
        return {"beta1": self.beta1, "beta2": self.beta2}


class AdamW(Adam):
    """Adam with decoupled weight decay: ``step = -lr (adam direction + weight_decay x)``.

    >>> rule = AdamW(0.1, weight_decay=0.5)
    >>> rule.update(np.array([1.0]), rule.init(np.ones(1)), np.array([2.0]))[0]
    array([-0.2])
    """

    name = "adamw"

    def __init__(
        self, lr: LearningRate | None = None, *, weight_decay: float = 0.01, **adam: float
    ) -> None:
        super().__init__(lr, **adam)
        self.weight_decay = _non_negative("weight_decay", weight_decay)

    formula = Formula(("beta1", "beta2", "eps", "weight_decay"), ("mean", "mean_square"),
                      Adam._corrections,
                      (*Adam._moments, "step = -lr * (direction + weight_decay * p)"))

    def _settings(self):
        return {**super()._settings(), "weight_decay": self.weight_decay}


def _backtrack(
    objective: ObjectiveLike,
    params: np.ndarray,
    value: float,
    direction: np.ndarray,
    slope: float,
    first: float,
    search: _LineSearch,
) -> float | None:
    """Largest ``t = first * shrink**j`` with sufficient decrease, or None.

    Sufficient decrease (Armijo): ``f(x + t d) <= f(x) + c t (g . d)``.  A
    trial value that is not finite counts as too long a step.
    """
    t = first
    for _ in range(search.max_backtracks):
        trial = objective.value(params + t * direction)
        if math.isfinite(trial) and trial <= value + search.c * t * slope:
            return t
        t *= search.shrink
    return None


NO_DECREASE = (
    "the line search found no step along the descent direction that lowers the loss "
    "(the loss is flat to floating-point precision here, or the gradient is wrong)"
)


class _LineSearch(Optimizer):
    """Shared settings of the rules that search along a direction (sufficient decrease)."""

    default_lr = 1.0
    uses_objective = True

    def __init__(
        self,
        lr: LearningRate | None = None,
        c: float = 1e-4,
        shrink: float = 0.5,
        max_backtracks: int = 60,
    ) -> None:
        super().__init__(lr)
        self.c = _fraction("c", c)
        self.shrink = _fraction("shrink", shrink)
        self.max_backtracks = max_backtracks

    def _settings(self):
        return {"c": self.c}


class Armijo(_LineSearch):
    """Steepest descent with a backtracking line search (sufficient decrease).

    Each step tries ``t`` (starting from twice the last accepted length,
    capped at ``lr``) and halves it until
    ``f(x - t g) <= f(x) - c t |g|^2``, so the loss never goes up and no
    learning rate has to be tuned.  ``lr`` is the longest step tried.

    >>> import numpy as np
    >>> class Parabola:
    ...     def value(self, x):
    ...         return float((x[0] - 2.0) ** 2)
    >>> rule = Armijo(lr=1.0)
    >>> x = np.array([0.0])
    >>> step, state = rule.update(np.array([-4.0]), rule.init(x), x, value=4.0,
    ...                           objective=Parabola())
    >>> x + step
    array([2.])
    """

    name = "armijo"

    def __init__(
        self, lr: LearningRate | None = None, *, grow: float = 2.0, **search: Any
    ) -> None:
        super().__init__(lr, **search)
        self.grow = grow

    def _start(self, params):
        return {"last_t": None}

    def _step(self, grads, state, params, lr, value, objective):
        slope = -float(grads @ grads)
        if slope == 0.0:
            return np.zeros_like(params), {}
        first = lr if state["last_t"] is None else min(lr, state["last_t"] * self.grow)
        t = _backtrack(objective, params, value, -grads, slope, first, self)
        if t is None:
            return NoStep(NO_DECREASE), {}
        return -t * grads, {"last_t": t}


class LBFGS(_LineSearch):
    """Limited-memory BFGS with a backtracking line search.

    The last ``memory`` steps and gradient changes build an approximation of
    the inverse Hessian (the two-loop recursion), so steps are close to
    Newton's at the cost of a few dot products.  ``lr`` is the first trial
    step (1 is right for a quasi-Newton direction).

    >>> import numpy as np
    >>> class Bowl:
    ...     def value(self, x):
    ...         return float(x[0] ** 2 + 10 * x[1] ** 2)
    >>> rule = LBFGS()
    >>> x, state = np.array([1.0, 1.0]), rule.init(np.zeros(2))
    >>> for _ in range(6):
    ...     g = np.array([2 * x[0], 20 * x[1]])
    ...     step, state = rule.update(g, state, x, value=Bowl().value(x), objective=Bowl())
    ...     x = x + step
    >>> bool(np.allclose(x, 0, atol=1e-6))
    True
    """

    name = "lbfgs"

    def __init__(
        self,
        lr: LearningRate | None = None,
        memory: int = 10,
        c: float = 1e-4,
        shrink: float = 0.5,
        max_backtracks: int = 60,
    ) -> None:
        super().__init__(lr, c, shrink, max_backtracks)
        if memory < 1:
            raise OptimizationError(f"memory must be at least 1, not {memory}")
        self.memory = int(memory)

    def _start(self, params):
        return {"pairs": (), "previous": None, "resets": 0}

    def _step(self, grads, state, params, lr, value, objective):
        pairs = self._remember(state, params, grads)
        resets = state["resets"]
        direction = self._direction(grads, pairs)
        slope = float(grads @ direction)
        if not slope < 0.0:
            resets, pairs = resets + 1, ()
            direction, slope = -grads, -float(grads @ grads)
        if slope == 0.0:
            return np.zeros_like(params), {"pairs": pairs, "resets": resets}
        # With no curvature known yet, a first step of length at most lr.
        first = lr if pairs else lr * min(1.0, 1.0 / math.sqrt(-slope))
        t = _backtrack(objective, params, value, direction, slope, first, self)
        if t is None:
            return NoStep(NO_DECREASE), {"pairs": pairs, "resets": resets}
        return t * direction, {"pairs": pairs, "resets": resets, "previous": (params, grads)}

    def _remember(self, state: State, params: np.ndarray, grads: np.ndarray) -> tuple:
        """The remembered pairs with the last step's added, when it had positive curvature."""
        pairs = state["pairs"]
        if state["previous"] is None:
            return pairs
        old_params, old_grads = state["previous"]
        s, y = params - old_params, grads - old_grads
        curvature, yy = float(s @ y), float(y @ y)
        # Pairs without positive curvature would break positive definiteness, and a gradient
        # change that underflowed to nothing says nothing of it: skip them.
        if not (yy > 0.0 and curvature > 1e-10 * math.sqrt(float(s @ s) * yy)):
            return pairs
        return (*pairs, (s, y, 1.0 / curvature))[-self.memory :]

    @staticmethod
    def _direction(grads: np.ndarray, pairs: tuple) -> np.ndarray:
        q = grads.copy()
        alphas = []
        for s, y, rho in reversed(pairs):
            alpha = rho * float(s @ q)
            alphas.append(alpha)
            q -= alpha * y
        if pairs:
            s, y, _ = pairs[-1]
            q *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(pairs, reversed(alphas), strict=True):
            beta = rho * float(y @ q)
            q += (alpha - beta) * s
        return -q

    def _settings(self):
        return {"memory": self.memory}


class Newton(_LineSearch):
    """Newton's method, damped by a line search and modified where needed.

    The step solves ``H d = -g``.  Where the Hessian is not positive definite
    (a saddle or a maximum nearby), that step could climb, so the Hessian is
    modified: its eigenvalues are replaced by their absolute values (and
    kept away from zero).  A backtracking line search then shortens any step
    that would not lower the loss.  :meth:`describe` reports how often each
    happened.

    >>> import numpy as np
    >>> class Quadratic:
    ...     def value(self, x):
    ...         return float(x @ x + x[0] * x[1])
    ...     def hessian(self, x):
    ...         return np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> x = np.array([3.0, -1.0])
    >>> g = np.array([2 * x[0] + x[1], 2 * x[1] + x[0]])
    >>> rule = Newton()
    >>> step, _ = rule.update(g, rule.init(x), x, value=Quadratic().value(x),
    ...                       objective=Quadratic())
    >>> bool(np.allclose(x + step, 0.0))
    True
    """

    name = "newton"

    def _start(self, params):
        return {"modified": 0, "damped": 0}

    def _step(self, grads, state, params, lr, value, objective):
        hessian = np.asarray(objective.hessian(params), dtype=float).reshape(
            params.size, params.size
        )
        if not np.all(np.isfinite(hessian)):
            raise OptimizationError("the Hessian is not finite here; Newton's method cannot step")
        direction, modified = _newton_direction(0.5 * (hessian + hessian.T), grads)
        changes = {"modified": state["modified"] + modified}
        slope = float(grads @ direction)
        if slope == 0.0:
            return np.zeros_like(params), changes
        t = _backtrack(objective, params, value, direction, slope, lr, self)
        if t is None:
            return NoStep(NO_DECREASE), changes
        changes["damped"] = state["damped"] + (t < lr)
        return t * direction, changes

    def describe(self, state):
        notes = []
        if state.get("modified"):
            notes.append(
                f"the Hessian was not positive definite at {state['modified']} of "
                f"{state['count']} steps, so those steps used a modified Hessian "
                "(eigenvalues replaced by their absolute values)"
            )
        if state.get("damped"):
            notes.append(f"{state['damped']} steps were shortened (damped) by the line search")
        return "Newton: " + "; ".join(notes) if notes else None


def _newton_direction(hessian: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, int]:
    """Solve ``H d = -g`` by Cholesky; where H is not positive definite, with |eigenvalues|.

    Returns the direction and 1 when the Hessian had to be modified (else 0).
    """
    try:
        factor = np.linalg.cholesky(hessian)
        return -np.linalg.solve(factor.T, np.linalg.solve(factor, grads)), 0
    except np.linalg.LinAlgError:
        eigenvalues, vectors = np.linalg.eigh(hessian)
        floor = 1e-8 * max(1.0, float(np.max(np.abs(eigenvalues))))
        eigenvalues = np.maximum(np.abs(eigenvalues), floor)
        return -(vectors @ ((vectors.T @ grads) / eigenvalues)), 1


# -- gradient transforms and chain ------------------------------------------------------------


class GradientTransform:
    """A pure transform of the gradient (before an update rule turns it into a step)."""

    name: ClassVar[str] = "transform"

    def init(self, params: np.ndarray) -> State:
        return {}

    def update(self, grads: np.ndarray, state: State, params: np.ndarray):
        """``(transformed gradient, new state)``."""
        raise NotImplementedError  # pragma: no cover - every subclass overrides


class clip_by_norm(GradientTransform):
    """Scale the gradient down to norm ``max_norm`` when it is longer.

    >>> clip_by_norm(1.0).update(np.array([3.0, 4.0]), {}, np.zeros(2))[0]
    array([0.6, 0.8])
    """

    name = "clip_by_norm"

    def __init__(self, max_norm: float) -> None:
        if isinstance(max_norm, bool) or not isinstance(max_norm, int | float) or not max_norm > 0:
            raise OptimizationError(f"clip_by_norm needs a positive norm, not {max_norm!r}")
        self.max_norm = float(max_norm)

    def update(self, grads, state, params):
        norm = vector_length(grads)  # (a gradient of 1e200 is clipped, not zeroed)
        if norm > self.max_norm:
            return grads * (self.max_norm / norm), state
        return grads, state

    def __repr__(self) -> str:
        return f"clip_by_norm({self.max_norm:g})"


class add_decayed_weights(GradientTransform):
    """Add ``weight_decay * params`` to the gradient: the gradient of an L2 penalty
    ``weight_decay / 2 * |params|^2`` (weight decay as it enters the update rule).

    >>> add_decayed_weights(0.1).update(np.array([1.0]), {}, np.array([2.0]))[0]
    array([1.2])
    """

    name = "add_decayed_weights"

    def __init__(self, weight_decay: float) -> None:
        self.weight_decay = _non_negative("weight_decay", weight_decay)

    def update(self, grads, state, params):
        return grads + self.weight_decay * params, state

    def __repr__(self) -> str:
        return f"add_decayed_weights({self.weight_decay:g})"


class Chain(Optimizer):
    """Gradient transforms applied in order, then one update rule (see :func:`chain`)."""

    def __init__(self, *parts: Any) -> None:
        if not parts:
            raise OptimizationError("chain needs at least an update rule")
        *transforms, last = parts
        for part in transforms:
            if not isinstance(part, GradientTransform):
                raise OptimizationError(
                    f"chain takes gradient transforms (clip_by_norm, add_decayed_weights...) "
                    f"followed by one update rule; {part!r} is not a gradient transform"
                )
        self.transforms = tuple(transforms)
        self._rule = make(last)

    name = property(lambda self: self._rule.name)  # type: ignore[assignment]
    uses_objective = property(lambda self: self._rule.uses_objective)  # type: ignore[assignment]

    @property
    def rule(self) -> Optimizer:
        return self._rule.rule

    @property  # type: ignore[override]
    def lr(self) -> LearningRate:
        return self._rule.lr

    @lr.setter
    def lr(self, value: LearningRate) -> None:
        self._rule.lr = value

    def init(self, params):
        return {
            "count": 0,
            "transforms": tuple(t.init(params) for t in self.transforms),
            "rule": self._rule.init(params),
        }

    def rate(self, state):
        return self._rule.rate(state["rule"])

    def update(self, grads, state, params, lr=None, *, value=None, objective=None):
        states = []
        for transform, inner in zip(self.transforms, state["transforms"], strict=True):
            grads, inner = transform.update(grads, inner, params)
            states.append(inner)
        updates, rule_state = self._rule.update(
            grads, state["rule"], params, lr, value=value, objective=objective
        )
        new = {"count": state["count"] + 1, "transforms": tuple(states), "rule": rule_state}
        return updates, new

    def describe(self, state):
        return self._rule.describe(state["rule"])

    def __repr__(self) -> str:
        return f"chain({', '.join(map(repr, (*self.transforms, self._rule)))})"


def chain(*parts: Any) -> Chain:
    """Gradient transforms applied in order, then an update rule, as one rule.

    >>> rule = chain(clip_by_norm(1.0), add_decayed_weights(1e-4), adam(1e-3))
    >>> rule
    chain(clip_by_norm(1), add_decayed_weights(0.0001), Adam(lr=0.001, beta1=0.9, beta2=0.999))
    >>> step, state = rule.update(np.array([30.0, -40.0]), rule.init(np.zeros(2)), np.zeros(2))
    >>> step.round(6)
    array([-0.001,  0.001])
    """
    return Chain(*parts)


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise OptimizationError(f"{name} must be in [0, 1), not {value:g}")
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise OptimizationError(f"{name} must be a number >= 0, not {value!r}")
    return float(value)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls
    for cls in (GD, Momentum, Nesterov, Adagrad, RMSProp, Adam, AdamW, Armijo, LBFGS, Newton)
}

METHODS = (*OPTIMIZERS, "grid")

# The methods by name, as functions of their settings: ``adam(1e-3)``, ``momentum(0.1, 0.9)``.
gd, momentum, nesterov, adagrad, rmsprop = GD, Momentum, Nesterov, Adagrad, RMSProp
adam, adamw, armijo, lbfgs, newton = Adam, AdamW, Armijo, LBFGS, Newton


def make(method: Any, lr: LearningRate | None = None, **options: Any) -> Optimizer:
    """An update rule from a method name (``"adam"``) or a rule object.

    ``lr``, when given, overrides an object's own rate; ``options`` go to the
    rule's constructor (``beta=0.8`` for momentum, ``memory=5`` for L-BFGS...).

    >>> make("momentum", lr=0.05, beta=0.5)
    Momentum(lr=0.05, beta=0.5)
    >>> make("sgd-with-sauce")
    Traceback (most recent call last):
    ...
    steepest.errors.OptimizationError: unknown method 'sgd-with-sauce'; choose one of gd, ...
    """
    if isinstance(method, Optimizer):
        if options:
            raise OptimizationError(
                f"options {sorted(options)} apply to method names only; set them on "
                f"the {type(method).__name__} object instead"
            )
        if lr is not None:
            method.lr = lr
        return method
    if not isinstance(method, str):
        if all(hasattr(method, attr) for attr in ("init", "update")):
            return _Adapter(method, lr)
        raise OptimizationError(
            f"method must be a name or an optimizer with init and update, not {method!r}"
        )
    key = method.strip().lower().replace("-", "").replace("_", "")
    aliases = {"sgd": "gd", "steepest": "gd", "bfgs": "lbfgs"}
    key = aliases.get(key, key)
    if key not in OPTIMIZERS:
        raise OptimizationError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    try:
        return OPTIMIZERS[key](lr, **options)
    except TypeError as exc:
        raise OptimizationError(f"method {key}: {exc}") from None


class _Adapter(Optimizer):
    """Any object with ``init``/``update`` (an optax-like rule) used as an update rule.

    Its ``update(grads, state, params)`` may also take the rate as a fourth argument.
    """

    name = "custom"

    def __init__(self, rule: Any, lr: LearningRate | None) -> None:
        own = getattr(rule, "lr", None)
        super().__init__(lr if lr is not None else own)
        self.inner = rule
        self.name = getattr(rule, "name", type(rule).__name__)  # type: ignore[misc]
        self.uses_objective = bool(getattr(rule, "uses_objective", False))  # type: ignore[misc]
        self.takes_rate = _positional_count(rule.update) >= 4

    def init(self, params):
        return {"count": 0, "inner": self.inner.init(params)}

    def update(self, grads, state, params, lr=None, *, value=None, objective=None):
        rate = self.rate(state) if lr is None else lr
        args = (grads, state["inner"], params, rate) if self.takes_rate else (
            grads, state["inner"], params)
        extra = {"value": value, "objective": objective} if self.uses_objective else {}
        updates, inner = self.inner.update(*args, **extra)
        return updates, {"count": state["count"] + 1, "inner": inner}

    def describe(self, state):
        describe: Callable[[State], str | None] | None = getattr(self.inner, "describe", None)
        return describe(state["inner"]) if describe else None


def _positional_count(function: Callable[..., Any]) -> int:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return 3
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return 4
    return sum(p.kind in kinds for p in parameters)


__all__ = [
    "GD",
    "LBFGS",
    "METHODS",
    "OPTIMIZERS",
    "Adagrad",
    "Adam",
    "AdamW",
    "Armijo",
    "Chain",
    "Formula",
    "GradientTransform",
    "Momentum",
    "Nesterov",
    "Newton",
    "NoStep",
    "Optimizer",
    "RMSProp",
    "State",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "armijo",
    "chain",
    "clip_by_norm",
    "gd",
    "lbfgs",
    "make",
    "momentum",
    "nesterov",
    "newton",
    "rmsprop",
]
