"""Gradient descent and its relatives, with the full history of every run.

``minimize`` and ``maximize`` run the one loop (:mod:`steepest.optim.loop`)
that owns stopping, history, divergence detection and reporting; the
methods themselves are pure update rules (:mod:`steepest.optim.rules`) that
compose with gradient transforms through :func:`chain`; learning rates may
follow a schedule (:mod:`steepest.optim.schedules`); data becomes batches
in one place (:mod:`steepest.optim.batches`).

>>> import steepest as st
>>> res = st.minimize("85 - x^2 (x-6) y^2 (y-6)/90", [0.5, 0.6], method="newton")
>>> res.status, res.x.round(6).tolist(), round(res.fun, 4)
('converged', [4.0, 4.0], 73.6222)
"""

from __future__ import annotations

from steepest.optim import batches, distributed, schedules  # distributed: Dask data as data=
from steepest.optim.history import History
from steepest.optim.loop import Iterate, maximize, minimize
from steepest.optim.result import OptimizeResult
from steepest.optim.rules import (
    GD,
    LBFGS,
    METHODS,
    Adagrad,
    Adam,
    AdamW,
    Armijo,
    Chain,
    GradientTransform,
    Momentum,
    Nesterov,
    Newton,
    NoStep,
    Optimizer,
    RMSProp,
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    armijo,
    chain,
    clip_by_norm,
    gd,
    lbfgs,
    make,
    momentum,
    nesterov,
    newton,
    rmsprop,
)
from steepest.optim.stopping import EarlyStopping

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
    "Chain",
    "EarlyStopping",
    "GradientTransform",
    "History",
    "Iterate",
    "Momentum",
    "Nesterov",
    "Newton",
    "NoStep",
    "OptimizeResult",
    "Optimizer",
    "RMSProp",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "armijo",
    "batches",
    "chain",
    "clip_by_norm",
    "distributed",
    "gd",
    "lbfgs",
    "make",
    "maximize",
    "minimize",
    "momentum",
    "nesterov",
    "newton",
    "rmsprop",
    "schedules",
]
