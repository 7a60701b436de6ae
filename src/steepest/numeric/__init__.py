"""Numerical differentiation with honest error analysis.

Finite differences (forward, backward, central), the complex step, and
Richardson extrapolation; each estimate can come with an error estimate and a
``reliable`` flag, and :func:`error_sweep` shows the truncation / round-off
trade-off that decides how small a step should be.

>>> import numpy as np
>>> from steepest import numeric
>>> numeric.derivative(np.sin, 0.0)
1.0
>>> est = numeric.estimate(np.exp, 1.0, method="richardson")
>>> abs(est.value - np.e) < 1e-13, est.reliable
(True, True)
"""

from __future__ import annotations

from steepest.numeric._core import EPS, METHODS, optimal_step
from steepest.numeric.check import GradientCheck, check_grad
from steepest.numeric.multivariate import (
    JacobianEstimate,
    gradient,
    hessian,
    jacobian,
    jacobian_estimate,
)
from steepest.numeric.sweep import ErrorSweep, error_sweep
from steepest.numeric.univariate import Estimate, derivative, estimate

__all__ = [
    "EPS",
    "METHODS",
    "ErrorSweep",
    "Estimate",
    "GradientCheck",
    "JacobianEstimate",
    "check_grad",
    "derivative",
    "error_sweep",
    "estimate",
    "gradient",
    "hessian",
    "jacobian",
    "jacobian_estimate",
    "optimal_step",
]
