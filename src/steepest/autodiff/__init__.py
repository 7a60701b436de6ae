"""Reverse-mode automatic differentiation (backpropagation) over plain NumPy code.

>>> import numpy as np, steepest as st
>>> def mse(theta, y):
...     return np.mean((y - theta) ** 2)
>>> round(st.grad(mse)(12.0, np.array([12.1, 12.8, 14.9, 16.3, 17.2])), 10)
-5.32
"""

from steepest.autodiff import engine
from steepest.autodiff.core import no_grad
from steepest.autodiff.explain import explain
from steepest.autodiff.graph import Graph, trace
from steepest.autodiff.primitives import PRIMITIVES
from steepest.autodiff.tensor import Tensor
from steepest.autodiff.transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

engine.start()  # the eager path in C: from the cache at once, else compiled in the background

__all__ = [
    "PRIMITIVES",
    "Graph",
    "Tensor",
    "explain",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "no_grad",
    "trace",
    "value_and_grad",
    "vjp",
]
