"""Learning-rate schedules: the rate as a function of the step number.

A schedule is any callable ``schedule(k) -> float`` of the step number
``k = 0, 1, 2, ...`` (in stochastic runs ``k`` counts mini-batch steps, not
epochs).  The classes here also print themselves readably, so a run's
message can name the rate it used.

>>> from steepest.optim import schedules
>>> s = schedules.exponential(0.1, 0.5)
>>> [s(k) for k in range(4)]
[0.1, 0.05, 0.025, 0.0125]
>>> schedules.step(1.0, every=2, factor=0.1)(5)
0.010000000000000002
>>> schedules.parse("cosine:100", 0.5)
cosine(0.5, period=100, final=0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from steepest.errors import OptimizationError

LearningRate = float | Callable[[int], float]


class Schedule:
    """Base class of the schedules below; a schedule maps step ``k`` to a rate.

    A schedule whose rate is arithmetic on ``k`` and its fields writes it once
    as its ``formula``: statements over ``k``, the fields, ``min``, ``cos``
    and ``pi``, the last assigning ``rate``.  Its ``__call__`` is generated
    from them, and the descent loop over floats
    (:mod:`steepest.optim.float_descent`) writes the same statements inline.

    >>> exponential.formula
    ('rate = initial * decay**k',)
    """

    initial: float
    formula: ClassVar[tuple[str, ...] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("formula"):
            cls.__call__ = _schedule_call(cls.formula)  # type: ignore[method-assign]

    @classmethod
    def float_formula(cls) -> tuple[str, ...] | None:
        """The :attr:`formula` this schedule's rates follow exactly, or None (a schedule
        without one, or a subclass with a ``__call__`` of its own).

        >>> cosine.float_formula()[0]
        'progress = min(k, period) / period'
        >>> warmup.float_formula() is None
        True
        """
        formula = cls.formula
        if formula is None or getattr(cls.__call__, "formula", None) is not formula:
            return None
        return formula

    def __call__(self, k: int) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


#: What a schedule's formula may call, besides arithmetic.
SCHEDULE_NAMESPACE: dict[str, Any] = {"min": min, "cos": math.cos, "pi": math.pi}


def formula_fields(formula: tuple[str, ...]) -> list[str]:
    """The fields of its schedule a formula reads, in order of first use.

    >>> formula_fields(cosine.formula)
    ['period', 'final', 'initial']
    """
    assigned = {line.split("=", 1)[0].strip() for line in formula}
    fields: list[str] = []
    for line in formula:
        for name in re.findall(r"[A-Za-z_]\w*", line.split("=", 1)[1]):
            if name not in assigned and name != "k" and name not in SCHEDULE_NAMESPACE \
                    and name not in fields:
                fields.append(name)
    return fields


def _schedule_call(formula: tuple[str, ...]) -> Callable[[Any, int], float]:
    """``__call__`` of a schedule, generated from its formula."""
    lines = ["def __call__(self, k):"]
    lines += [f"    {name} = self.{name}" for name in formula_fields(formula)]
    lines += [f"    {line}" for line in formula]
    lines.append("    return rate")
    namespace = dict(SCHEDULE_NAMESPACE)
    # Generated from the formulas of the schedules in this module, never from user text.
    exec(compile("\n".join(lines) + "\n", "<steepest schedule>", "exec"), namespace)
    call = namespace["__call__"]
    call.formula = formula
    return call


@dataclass(frozen=True, repr=False)
class constant(Schedule):
    """The same rate at every step.

    >>> constant(0.2)(1000)
    0.2
    """

    initial: float
    formula = ("rate = initial",)

    def __repr__(self) -> str:
        return f"constant({self.initial:g})"


@dataclass(frozen=True, repr=False)
class step(Schedule):
    """Multiply the rate by ``factor`` every ``every`` steps.

    >>> [step(0.8, every=2, factor=0.5)(k) for k in range(5)]
    [0.8, 0.8, 0.4, 0.4, 0.2]
    """

    initial: float
    every: int = 100
    factor: float = 0.5

    formula = ("rate = initial * factor ** (k // every)",)

    def __repr__(self) -> str:
        return f"step({self.initial:g}, every={self.every}, factor={self.factor:g})"


@dataclass(frozen=True, repr=False)
class exponential(Schedule):
    """``initial * decay**k``: a steady geometric decay.

    >>> round(exponential(1.0, 0.99)(100), 6)
    0.366032
    """

    initial: float
    decay: float = 0.99

    formula = ("rate = initial * decay**k",)

    def __repr__(self) -> str:
        return f"exponential({self.initial:g}, decay={self.decay:g})"


@dataclass(frozen=True, repr=False)
class inverse_time(Schedule):
    """``initial / (1 + decay k)**power``: the classic rate for stochastic descent.

    With ``power=1`` the rates sum to infinity while their squares do not,
    which is what lets SGD settle at the minimum instead of jittering around it.

    >>> inverse_time(1.0, decay=1.0)(3)
    0.25
    """

    initial: float
    decay: float = 0.01
    power: float = 1.0

    formula = ("rate = initial / (1.0 + decay * k) ** power",)

    def __repr__(self) -> str:
        return f"inverse_time({self.initial:g}, decay={self.decay:g}, power={self.power:g})"


@dataclass(frozen=True, repr=False)
class cosine(Schedule):
    """Half a cosine from ``initial`` down to ``final`` over ``period`` steps, then ``final``.

    >>> s = cosine(1.0, period=10)
    >>> s(0), round(s(5), 12), s(10), s(50)
    (1.0, 0.5, 0.0, 0.0)
    """

    initial: float
    period: int = 1000
    final: float = 0.0

    formula = (
        "progress = min(k, period) / period",
        "rate = final + (initial - final) * 0.5 * (1.0 + cos(pi * progress))",
    )

    def __repr__(self) -> str:
        return f"cosine({self.initial:g}, period={self.period}, final={self.final:g})"


@dataclass(frozen=True, repr=False)
class warmup(Schedule):
    """Ramp linearly from ``start * after(0)`` up to ``after`` over ``steps`` steps.

    ``after`` is a number or another schedule; it takes over, from its own
    step ``k - steps``, once the warm-up ends.  Warm-up keeps the first few
    steps of adaptive methods such as Adam from being too bold.

    >>> w = warmup(0.1, steps=4)
    >>> [round(w(k), 3) for k in range(6)]
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    >>> warmup(exponential(1.0, 0.5), steps=2)(3)
    0.5
    """

    after: float | Callable[[int], float]
    steps: int = 100
    start: float = 0.0

    @property
    def initial(self) -> float:  # type: ignore[override]
        return self(0)

    def __call__(self, k: int) -> float:
        if k < self.steps:
            target = self.after if not callable(self.after) else self.after(0)
            fraction = self.start + (1.0 - self.start) * (k + 1) / self.steps
            return float(target) * fraction
        if callable(self.after):
            return float(self.after(k - self.steps))
        return float(self.after)

    def __repr__(self) -> str:
        inner = repr(self.after) if callable(self.after) else f"{self.after:g}"
        return f"warmup({inner}, steps={self.steps})"


def as_schedule(lr: LearningRate) -> Callable[[int], float]:
    """Turn a number or a callable into a schedule; reject anything else.

    >>> as_schedule(0.3)(7)
    0.3
    >>> as_schedule(lambda k: 1 / (k + 1))(3)
    0.25
    """
    if isinstance(lr, Schedule) or callable(lr):
        return lr
    value = _positive_rate(lr)
    return constant(value)


def rate_at(schedule: Callable[[int], float], k: int) -> float:
    """The rate of ``schedule`` at step ``k``; a negative or non-finite rate is a mistake.

    >>> rate_at(exponential(0.1, 0.5), 2)
    0.025
    >>> rate_at(lambda k: -1.0, 3)
    Traceback (most recent call last):
    ...
    steepest.errors.OptimizationError: the learning-rate schedule gave -1 at step 3; ...
    """
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


# Beyond this many steps a sum of rates is estimated from this many of them.
RATE_SUM_TERMS = 256


def rate_sum(schedule: Callable[[int], float], start: int, stop: int) -> float:
    """The sum of the rates of steps ``start`` to ``stop - 1``: how far a run can still go.

    Exact up to ``RATE_SUM_TERMS`` steps; beyond, by the trapezoid rule over that many
    steps spaced evenly in log(k) (a decaying schedule changes slowly where k is large).

    >>> rate_sum(exponential(1.0, 0.5), 0, 3)
    1.75
    >>> f"{rate_sum(exponential(0.5, 0.99), 1000, 10000):.2g}"  # exactly 0.00216
    '0.0021'
    >>> round(rate_sum(inverse_time(1.0, decay=0.1), 1000, 10000), 1)  # exactly 22.94
    22.9
    """
    if stop - start <= RATE_SUM_TERMS:
        return math.fsum(float(schedule(k)) for k in range(start, stop))
    ks = sorted({round(float(v)) - 1 for v in np.geomspace(start + 1, stop, RATE_SUM_TERMS)})
    rates = [float(schedule(k)) for k in ks]
    total = rates[-1]  # the last step; each gap below counts its left end, not its right
    for (a, ra), (b, rb) in zip(zip(ks, rates), zip(ks[1:], rates[1:]), strict=False):
        total += 0.5 * (ra + rb) * (b - a)
    return total


def _positive_rate(lr: object) -> float:
    try:
        value = float(lr)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise OptimizationError(
            f"learning rate must be a positive number or a schedule, not {lr!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise OptimizationError(f"learning rate must be a positive finite number, not {value:g}")
    return value


_PARSERS: dict[str, tuple[type[Schedule], tuple[str, ...]]] = {
    "constant": (constant, ()),
    "step": (step, ("every", "factor")),
    "exponential": (exponential, ("decay",)),
    "inverse_time": (inverse_time, ("decay", "power")),
    "cosine": (cosine, ("period", "final")),
    "warmup": (warmup, ("steps", "start")),
}

_INTEGER_FIELDS = {"every", "period", "steps"}


def names() -> list[str]:
    """The schedule names :func:`parse` understands.

    >>> names()
    ['constant', 'cosine', 'exponential', 'inverse_time', 'step', 'warmup']
    """
    return sorted(_PARSERS)


def parse(text: str, lr: float) -> Schedule:
    """Build a schedule from text such as ``"exponential:0.99"`` and a starting rate.

    The words after the name, separated by ``:`` or ``,``, fill the schedule's
    fields in order: ``step:EVERY:FACTOR``, ``exponential:DECAY``,
    ``inverse_time:DECAY[:POWER]``, ``cosine:PERIOD[:FINAL]``,
    ``warmup:STEPS[:START]``.  This is what ``steepest minimize --schedule``
    reads.

    >>> parse("step:50:0.5", 0.1)
    step(0.1, every=50, factor=0.5)
    >>> parse("inverse-time:0.1", 1.0)(10)
    0.5
    >>> parse("sawtooth", 0.1)
    Traceback (most recent call last):
    ...
    steepest.errors.OptimizationError: unknown schedule 'sawtooth'; choose one of constant, ...
    """
    name, *fields = [part.strip() for part in text.replace(",", ":").split(":")]
    key = name.lower().replace("-", "_")
    if key not in _PARSERS:
        raise OptimizationError(f"unknown schedule {name!r}; choose one of {', '.join(names())}")
    cls, field_names = _PARSERS[key]
    if len(fields) > len(field_names):
        raise OptimizationError(
            f"schedule {key} takes at most {len(field_names)} value(s) after its name "
            f"({', '.join(field_names) or 'none'}), got {len(fields)}"
        )
    kwargs: dict[str, float | int] = {}
    for field_name, raw in zip(field_names, fields, strict=False):
        try:
            kwargs[field_name] = int(raw) if field_name in _INTEGER_FIELDS else float(raw)
        except ValueError:
            raise OptimizationError(
                f"schedule {key}: {field_name} must be a number, not {raw!r}"
            ) from None
    rate = _positive_rate(lr)
    if key == "warmup":
        return warmup(rate, **kwargs)  # type: ignore[arg-type]
    return cls(rate, **kwargs)  # type: ignore[call-arg]


__all__ = [
    "LearningRate",
    "Schedule",
    "as_schedule",
    "constant",
    "cosine",
    "exponential",
    "inverse_time",
    "names",
    "parse",
    "rate_at",
    "rate_sum",
    "step",
    "warmup",
]
