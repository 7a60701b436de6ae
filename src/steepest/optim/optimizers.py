"""Optimizers as update rules: state in, step out.

An optimizer here knows nothing about loops, stopping or history.  It has
two methods, in the style of optax:

- ``init(params) -> state``: the rule's memory (a dict), for flat parameters;
- ``update(grad, state, params, lr, *, value=None, objective=None) -> (step, state)``:
  the step to *add* to the parameters (so plain gradient descent returns
  ``-lr * grad``) and the new state.

``lr`` is the learning rate for this step (the loop evaluates schedules).
Rules that search along a direction (:class:`Armijo`, :class:`LBFGS`,
:class:`Newton`) set ``uses_objective`` and receive the current loss as
``value`` and an ``objective`` with ``value(x)``, ``value_and_grad(x)`` and
``hessian(x)``; for them ``lr`` is the first trial step length.  A rule that
cannot find any step that lowers the loss returns a zero step and puts its
reason in ``state["stalled"]``; :meth:`Optimizer.describe` gives the notes a
run's message should carry (for example that Newton's Hessian was not
positive definite).

>>> import numpy as np
>>> rule = GD(lr=0.4)
>>> x = np.array([0.0])
>>> state = rule.init(x)
>>> for _ in range(3):
...     step, state = rule.update(2 * x - 4, state, x, rule.lr)
...     x = x + step
>>> x
array([1.984])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.schedules import LearningRate

State = dict[str, Any]


class ObjectiveLike(Protocol):
    """What line-search and Newton rules may ask of the objective (flat parameters)."""

    def value(self, params: np.ndarray) -> float: ...

    def value_and_grad(self, params: np.ndarray) -> tuple[float, np.ndarray]: ...

    def hessian(self, params: np.ndarray) -> np.ndarray: ...


class Optimizer:
    """Base class: an update rule with a default learning rate.

    Subclasses set ``name`` and implement ``init`` and ``update``.
    """

    name: ClassVar[str] = "optimizer"
    default_lr: ClassVar[float] = 0.1
    uses_objective: ClassVar[bool] = False

    def __init__(self, lr: LearningRate | None = None) -> None:
        self.lr: LearningRate = self.default_lr if lr is None else lr

    def init(self, params: np.ndarray) -> State:
        """The rule's starting memory for parameters ``params``."""
        return {}

    def update(
        self,
        grad: np.ndarray,
        state: State,
        params: np.ndarray,
        lr: float,
        *,
        value: float | None = None,
        objective: ObjectiveLike | None = None,
    ) -> tuple[np.ndarray, State]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def describe(self, state: State) -> str | None:
        """A sentence for the run's message about what the rule had to do, if anything."""
        return None

    def _settings(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        lr = f"{self.lr:g}" if isinstance(self.lr, int | float) else repr(self.lr)
        extra = "".join(f", {key}={value!r}" for key, value in self._settings().items())
        return f"{type(self).__name__}(lr={lr}{extra})"


class GD(Optimizer):
    """Plain gradient descent: ``step = -lr * grad``.

    >>> GD(0.4).update(np.array([-4.0]), {}, np.array([0.0]), 0.4)[0]
    array([1.6])
    """

    name = "gd"
    default_lr = 0.1

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        return -lr * grad, state


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = beta v + grad``, ``step = -lr v``.

    The velocity remembers past gradients, so steps grow along a consistent
    direction and cancel across a zig-zag.  For a quadratic with largest
    curvature L it is stable while ``lr < 2 (1 + beta) / L``.

    >>> rule = Momentum(0.1, beta=0.9)
    >>> state = rule.init(np.zeros(1))
    >>> step, state = rule.update(np.array([1.0]), state, np.zeros(1), 0.1)
    >>> step, state = rule.update(np.array([1.0]), state, step, 0.1)
    >>> step
    array([-0.19])
    """

    name = "momentum"
    default_lr = 0.01

    def __init__(self, lr: LearningRate | None = None, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = _fraction("beta", beta)

    def init(self, params):
        return {"velocity": np.zeros_like(params)}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        velocity = self.beta * state["velocity"] + grad
        state["velocity"] = velocity
        return -lr * velocity, state

    def _settings(self):
        return {"beta": self.beta}


class Nesterov(Momentum):
    """Nesterov momentum (the form PyTorch uses): ``step = -lr (grad + beta v)``.

    It looks one velocity step ahead, which damps the overshoot of plain
    momentum, without an extra gradient evaluation.

    >>> rule = Nesterov(0.1, beta=0.9)
    >>> rule.update(np.array([1.0]), rule.init(np.zeros(1)), np.zeros(1), 0.1)[0]
    array([-0.19])
    """

    name = "nesterov"

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        velocity = self.beta * state["velocity"] + grad
        state["velocity"] = velocity
        return -lr * (grad + self.beta * velocity), state


class Adagrad(Optimizer):
    """Adagrad: each coordinate's rate divided by the root of its summed squared gradients.

    >>> rule = Adagrad(0.5)
    >>> rule.update(np.array([4.0, -0.1]), rule.init(np.zeros(2)), np.zeros(2), 0.5)[0]
    array([-0.5,  0.5])
    """

    name = "adagrad"
    default_lr = 0.1

    def __init__(self, lr: LearningRate | None = None, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.eps = eps

    def init(self, params):
        return {"sum_squares": np.zeros_like(params)}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        sum_squares = state["sum_squares"] + grad * grad
        state["sum_squares"] = sum_squares
        return -lr * grad / (np.sqrt(sum_squares) + self.eps), state


class RMSProp(Optimizer):
    """RMSProp: divide by a running root-mean-square of recent gradients.

    >>> rule = RMSProp(0.01, rho=0.9)
    >>> step, _ = rule.update(np.array([3.0]), rule.init(np.zeros(1)), np.zeros(1), 0.01)
    >>> round(float(step[0]), 6)
    -0.031623
    """

    name = "rmsprop"
    default_lr = 0.01

    def __init__(self, lr: LearningRate | None = None, rho: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.rho = _fraction("rho", rho)
        self.eps = eps

    def init(self, params):
        return {"mean_square": np.zeros_like(params)}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        mean_square = self.rho * state["mean_square"] + (1.0 - self.rho) * grad * grad
        state["mean_square"] = mean_square
        return -lr * grad / (np.sqrt(mean_square) + self.eps), state

    def _settings(self):
        return {"rho": self.rho}


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    Its first step has length ``lr`` in every coordinate whatever the
    gradient's scale.

    >>> rule = Adam(0.1)
    >>> rule.update(np.array([250.0, -2.0]), rule.init(np.zeros(2)), np.zeros(2), 0.1)[0]
    array([-0.1,  0.1])
    """

    name = "adam"
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

    def init(self, params):
        return {"count": 0, "mean": np.zeros_like(params), "mean_square": np.zeros_like(params)}

    def _direction(self, grad: np.ndarray, state: State) -> np.ndarray:
        count = state["count"] + 1
        mean = self.beta1 * state["mean"] + (1.0 - self.beta1) * grad
        mean_square = self.beta2 * state["mean_square"] + (1.0 - self.beta2) * grad * grad
        state["count"], state["mean"], state["mean_square"] = count, mean, mean_square
        mean_hat = mean / (1.0 - self.beta1**count)
        mean_square_hat = mean_square / (1.0 - self.beta2**count)
        return mean_hat / (np.sqrt(mean_square_hat) + self.eps)

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        return -lr * self._direction(grad, state), state

    def _settings(self):
        return {"beta1": self.beta1, "beta2": self.beta2}


class AdamW(Adam):
    """Adam with decoupled weight decay: ``step = -lr (adam direction + weight_decay x)``.

    >>> rule = AdamW(0.1, weight_decay=0.5)
    >>> rule.update(np.array([1.0]), rule.init(np.ones(1)), np.array([2.0]), 0.1)[0]
    array([-0.2])
    """

    name = "adamw"

    def __init__(
        self,
        lr: LearningRate | None = None,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps)
        if weight_decay < 0:
            raise OptimizationError(f"weight_decay must be >= 0, not {weight_decay:g}")
        self.weight_decay = weight_decay

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        return -lr * (self._direction(grad, state) + self.weight_decay * params), state

    def _settings(self):
        return {**super()._settings(), "weight_decay": self.weight_decay}


def _backtrack(
    objective: ObjectiveLike,
    params: np.ndarray,
    value: float,
    direction: np.ndarray,
    slope: float,
    first: float,
    c: float,
    shrink: float,
    max_backtracks: int,
) -> float | None:
    """Largest ``t = first * shrink**j`` with sufficient decrease, or None.

    Sufficient decrease (Armijo): ``f(x + t d) <= f(x) + c t (g . d)``.  A
    trial value that is not finite counts as too long a step.
    """
    t = first
    for _ in range(max_backtracks):
        trial = objective.value(params + t * direction)
        if math.isfinite(trial) and trial <= value + c * t * slope:
            return t
        t *= shrink
    return None


_NO_DECREASE = (
    "the line search found no step along the descent direction that lowers the loss "
    "(the loss is flat to floating-point precision here, or the gradient is wrong)"
)


class Armijo(Optimizer):
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
    >>> step, state = rule.update(np.array([-4.0]), rule.init(x), x, 1.0, value=4.0,
    ...                           objective=Parabola())
    >>> x + step
    array([2.])
    """

    name = "armijo"
    default_lr = 1.0
    uses_objective = True

    def __init__(
        self,
        lr: LearningRate | None = None,
        c: float = 1e-4,
        shrink: float = 0.5,
        grow: float = 2.0,
        max_backtracks: int = 60,
    ) -> None:
        super().__init__(lr)
        self.c = _fraction("c", c)
        self.shrink = _fraction("shrink", shrink)
        self.grow = grow
        self.max_backtracks = max_backtracks

    def init(self, params):
        return {"last_t": None, "backtracks": 0}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        _require_objective(self, value, objective)
        slope = -float(grad @ grad)
        if slope == 0.0:
            return np.zeros_like(params), state
        first = lr if state["last_t"] is None else min(lr, state["last_t"] * self.grow)
        t = _backtrack(
            objective,
            params,
            value,
            -grad,
            slope,
            first,
            self.c,
            self.shrink,
            self.max_backtracks,
        )
        if t is None:
            state["stalled"] = _NO_DECREASE
            return np.zeros_like(params), state
        state["last_t"] = t
        return -t * grad, state

    def _settings(self):
        return {"c": self.c}


class LBFGS(Optimizer):
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
    ...     step, state = rule.update(g, state, x, 1.0, value=Bowl().value(x), objective=Bowl())
    ...     x = x + step
    >>> bool(np.allclose(x, 0, atol=1e-6))
    True
    """

    name = "lbfgs"
    default_lr = 1.0
    uses_objective = True

    def __init__(
        self,
        lr: LearningRate | None = None,
        memory: int = 10,
        c: float = 1e-4,
        shrink: float = 0.5,
        max_backtracks: int = 60,
    ) -> None:
        super().__init__(lr)
        if memory < 1:
            raise OptimizationError(f"memory must be at least 1, not {memory}")
        self.memory = int(memory)
        self.c = _fraction("c", c)
        self.shrink = _fraction("shrink", shrink)
        self.max_backtracks = max_backtracks

    def init(self, params):
        return {"pairs": [], "previous": None, "resets": 0}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        _require_objective(self, value, objective)
        pairs: list[tuple[np.ndarray, np.ndarray, float]] = state["pairs"]
        if state["previous"] is not None:
            old_params, old_grad = state["previous"]
            s, y = params - old_params, grad - old_grad
            curvature = float(s @ y)
            # Skip pairs without positive curvature: they would break positive definiteness.
            if curvature > 1e-10 * math.sqrt(float(s @ s) * float(y @ y)):
                pairs.append((s, y, 1.0 / curvature))
                if len(pairs) > self.memory:
                    pairs.pop(0)
        direction = self._direction(grad, pairs)
        slope = float(grad @ direction)
        if not slope < 0.0:
            state["resets"] += 1
            pairs.clear()
            direction = -grad
            slope = -float(grad @ grad)
        if slope == 0.0:
            return np.zeros_like(params), state
        first = lr
        if not pairs:
            # No curvature known yet: a first step of length at most lr.
            first = lr * min(1.0, 1.0 / math.sqrt(-slope))
        t = _backtrack(
            objective,
            params,
            value,
            direction,
            slope,
            first,
            self.c,
            self.shrink,
            self.max_backtracks,
        )
        if t is None:
            state["stalled"] = _NO_DECREASE
            return np.zeros_like(params), state
        state["previous"] = (params, grad)
        return t * direction, state

    @staticmethod
    def _direction(grad: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray, float]]):
        q = grad.copy()
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


class Newton(Optimizer):
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
    >>> step, _ = rule.update(g, rule.init(x), x, 1.0, value=Quadratic().value(x),
    ...                       objective=Quadratic())
    >>> bool(np.allclose(x + step, 0.0))
    True
    """

    name = "newton"
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

    def init(self, params):
        return {"steps": 0, "modified": 0, "damped": 0}

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        _require_objective(self, value, objective)
        state["steps"] += 1
        hessian = np.asarray(objective.hessian(params), dtype=float).reshape(
            params.size, params.size
        )
        if not np.all(np.isfinite(hessian)):
            raise OptimizationError("the Hessian is not finite here; Newton's method cannot step")
        hessian = 0.5 * (hessian + hessian.T)
        try:
            factor = np.linalg.cholesky(hessian)
            direction = -np.linalg.solve(factor.T, np.linalg.solve(factor, grad))
        except np.linalg.LinAlgError:
            state["modified"] += 1
            eigenvalues, vectors = np.linalg.eigh(hessian)
            floor = 1e-8 * max(1.0, float(np.max(np.abs(eigenvalues))))
            eigenvalues = np.maximum(np.abs(eigenvalues), floor)
            direction = -(vectors @ ((vectors.T @ grad) / eigenvalues))
        slope = float(grad @ direction)
        if slope == 0.0:
            return np.zeros_like(params), state
        t = _backtrack(
            objective,
            params,
            value,
            direction,
            slope,
            lr,
            self.c,
            self.shrink,
            self.max_backtracks,
        )
        if t is None:
            state["stalled"] = _NO_DECREASE
            return np.zeros_like(params), state
        if t < lr:
            state["damped"] += 1
        return t * direction, state

    def describe(self, state):
        notes = []
        if state.get("modified"):
            notes.append(
                f"the Hessian was not positive definite at {state['modified']} of "
                f"{state['steps']} steps, so those steps used a modified Hessian "
                "(eigenvalues replaced by their absolute values)"
            )
        if state.get("damped"):
            notes.append(f"{state['damped']} steps were shortened (damped) by the line search")
        return "Newton: " + "; ".join(notes) if notes else None


def _require_objective(rule: Optimizer, value: float | None, objective: Any) -> None:
    if objective is None or value is None:
        raise OptimizationError(
            f"{rule.name} needs the loss itself, not only its gradient: call it through "
            "steepest.minimize, or pass value= and objective="
        )


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise OptimizationError(f"{name} must be in [0, 1), not {value:g}")
    return float(value)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls
    for cls in (GD, Momentum, Nesterov, Adagrad, RMSProp, Adam, AdamW, Armijo, LBFGS, Newton)
}

METHODS = (*OPTIMIZERS, "grid")


def make(method: str | Optimizer, lr: LearningRate | None = None, **options: Any) -> Optimizer:
    """An optimizer from a method name (``"adam"``) or an optimizer object.

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
    aliases = {"sgd": "gd", "steepest": "gd", "bfgs": "lbfgs", "lbfgs": "lbfgs", "adamw": "adamw"}
    key = aliases.get(key, key)
    if key not in OPTIMIZERS:
        raise OptimizationError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    try:
        return OPTIMIZERS[key](lr, **options)
    except TypeError as exc:
        raise OptimizationError(f"method {key}: {exc}") from None


class _Adapter(Optimizer):
    """Any object with ``init``/``update`` (an optax-like rule) used as an optimizer."""

    name = "custom"

    def __init__(self, rule: Any, lr: LearningRate | None) -> None:
        own = getattr(rule, "lr", None)
        super().__init__(lr if lr is not None else own)
        self.rule = rule
        self.name = getattr(rule, "name", type(rule).__name__)  # type: ignore[misc]
        self.uses_objective = bool(getattr(rule, "uses_objective", False))  # type: ignore[misc]

    def init(self, params):
        return self.rule.init(params)

    def update(self, grad, state, params, lr, *, value=None, objective=None):
        if self.uses_objective:
            return self.rule.update(grad, state, params, lr, value=value, objective=objective)
        return self.rule.update(grad, state, params, lr)

    def describe(self, state):
        describe: Callable[[State], str | None] | None = getattr(self.rule, "describe", None)
        return describe(state) if describe else None


__all__ = [
    "GD",
    "LBFGS",
    "METHODS",
    "OPTIMIZERS",
    "Adagrad",
    "Adam",
    "AdamW",
    "Armijo",
    "Momentum",
    "Nesterov",
    "Newton",
    "Optimizer",
    "RMSProp",
    "State",
    "make",
]
