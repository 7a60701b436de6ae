"""steepest: calculus for machine learning and gradient-based optimization.

Three ways to differentiate with one answer (automatic, numerical, symbolic),
gradient descent and its relatives with the full history of every run, small
models learned by backpropagation, and pictures of all of it.

>>> import numpy as np, steepest as st
>>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
>>> float(st.grad(lambda theta: np.mean((y - theta) ** 2))(12.0))
-5.32

Subpackages and the heavier names (SymPy, pandas, matplotlib) load on first
use, so ``import steepest`` stays quick.
"""

# ruff: noqa: F401 - the names imported below are re-exported through __all__
from __future__ import annotations

import importlib
from typing import Any

from steepest import autodiff, errors
from steepest.autodiff import (
    Tensor,
    grad,
    hessian,
    jacobian,
    jvp,
    no_grad,
    trace,
    value_and_grad,
    vjp,
)
from steepest.errors import (
    DataError,
    DifferentiationError,
    MemoryLimitError,
    NumericError,
    OptimizationError,
    ParseError,
    SteepestError,
    TimeLimitError,
)

__version__ = "0.1.0"

_SUBPACKAGES = {
    "autodiff",
    "numeric",
    "symbolic",
    "optim",
    "losses",
    "models",
    "nn",
    "plot",
    "datasets",
    "interact",
    "practice",
}

# name -> module that defines it; imported on first attribute access.
_LAZY_NAMES = {
    "check_grad": "steepest.numeric",
    "Function": "steepest.symbolic",
    "minimize": "steepest.optim",
    "maximize": "steepest.optim",
    "explain": "steepest.autodiff",
    "blas_threads": "steepest.threads",
    "blas_threads_in_use": "steepest.threads",
    "cluster": "steepest.optim.distributed",
}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"steepest.{name}")
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    raise AttributeError(f"module 'steepest' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBPACKAGES | set(_LAZY_NAMES))


# The engine's transforms and every error, as listed by their own modules.
__all__ = sorted(
    {*errors.__all__, *(name for name in autodiff.__all__ if name in globals()), "__version__"}
)
