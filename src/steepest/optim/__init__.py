"""Gradient descent and its relatives, with the full history of every run.

``minimize`` and ``maximize`` run one loop that owns stopping, history,
divergence detection and reporting; the methods themselves are update rules
(:mod:`steepest.optim.optimizers`), and learning rates may follow a schedule
(:mod:`steepest.optim.schedules`).

>>> import steepest as st
>>> res = st.minimize("85 - x^2 (x-6) y^2 (y-6)/90", [0.5, 0.6], method="newton")
>>> res.status, res.x.round(6).tolist(), round(res.fun, 4)
('converged', [4.0, 4.0], 73.6222)
"""

from __future__ import annotations

from steepest.optim import schedules
from steepest.optim.history import History
from steepest.optim.loop import Iterate, maximize, minimize
from steepest.optim.optimizers import (
    GD,
    LBFGS,
    METHODS,
    Adagrad,
    Adam,
    AdamW,
    Armijo,
    Momentum,
    Nesterov,
    Newton,
    Optimizer,
    RMSProp,
    make,
)
from steepest.optim.result import OptimizeResult

SGD = GD

__all__ = [
    "GD",
    "LBFGS",
    "METHODS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Armijo",
    "History",
    "Iterate",
    "Momentum",
    "Nesterov",
    "Newton",
    "OptimizeResult",
    "Optimizer",
    "RMSProp",
    "make",
    "maximize",
    "minimize",
    "schedules",
]
