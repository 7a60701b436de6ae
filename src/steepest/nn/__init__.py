"""Small neural networks learned by backpropagation.

Layers (:class:`Linear`, :class:`Softplus`, :class:`ReLU`, :class:`Sigmoid`,
:class:`Tanh`, :class:`Identity`) combine in a :class:`Sequential`; every
weight is a :class:`Parameter` (a :class:`~steepest.Tensor` whose ``.data``
is a writable NumPy array), listed by ``parameters()`` weight then bias,
layer by layer.  ``loss.backward()`` fills each parameter's ``.grad``.
:class:`MLPRegressor` and :class:`MLPClassifier` train such networks with
scikit-learn's interface.

The lesson's network with its published weights, and one step of
backpropagation on the final bias b3:

>>> import numpy as np, steepest as st
>>> net = st.nn.Sequential(st.nn.Linear(1, 2), st.nn.Softplus(), st.nn.Linear(2, 1))
>>> net[0].weight.data[:] = [[3.34], [-3.53]]
>>> net[0].bias.data[:] = [-1.43, 0.57]
>>> net[2].weight.data[:] = [[-1.22, -2.30]]
>>> net[2].bias.data[:] = [0.0]
>>> x = np.array([[0.0], [0.5], [1.0]])
>>> observed = np.array([0.0, 1.0, 0.0])
>>> predicted = net(x)[:, 0]
>>> predicted.data.round(2)
array([-2.6 , -1.61, -2.61])
>>> ssr = np.sum((observed - predicted) ** 2)
>>> round(float(ssr.data), 1)
20.4
>>> ssr.backward()
>>> round(float(net[2].bias.grad[0]), 1)
-15.7
"""

from __future__ import annotations

from steepest.nn import functional
from steepest.nn.layers import (
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
    activation,
)
from steepest.nn.mlp import MLPClassifier, MLPRegressor
from steepest.nn.module import Module, Parameter
from steepest.optim.progress import TrainingProgress

__all__ = [
    "Identity",
    "Linear",
    "MLPClassifier",
    "MLPRegressor",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "TrainingProgress",
    "activation",
    "functional",
]
