"""Layers: ``Linear``, the activations, and ``Sequential``.

>>> import numpy as np, steepest as st
>>> net = st.nn.Sequential(st.nn.Linear(1, 2, seed=0), st.nn.Softplus(), st.nn.Linear(2, 1, seed=1))
>>> net
Sequential(
  (0): Linear(in_features=1, out_features=2)
  (1): Softplus()
  (2): Linear(in_features=2, out_features=1)
)
>>> [p.shape for p in net.parameters()]
[(2, 1), (2,), (1, 2), (1,)]
>>> net(np.array([[0.0], [0.5], [1.0]])).shape
(3, 1)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from steepest.autodiff import Tensor
from steepest.errors import DataError
from steepest.nn import functional as F
from steepest.nn.module import Module, Parameter, as_float_dtype

Seed = int | np.random.Generator | None


def as_generator(seed: Seed) -> np.random.Generator:
    """A NumPy generator from a seed, or the generator itself.

    >>> int(as_generator(0).integers(10)) == int(as_generator(0).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def as_input(x: Any, dtype: np.dtype) -> Any:
    """A batch in the network's dtype: tensors stay tensors, anything else a NumPy array.

    An array of that dtype is passed as it is, without a copy.  A batch
    that is not a tensor is a constant: the layer's operation takes it as a
    plain array (wrapped in a tensor it would only be unwrapped again).

    >>> import numpy as np
    >>> batch = np.ones((2, 3))
    >>> as_input(batch, np.dtype(np.float64)) is batch
    True
    """
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


INITS = ("uniform", "he", "glorot", "zeros")


class Linear(Module):
    """``y = x W^T + b``: a fully connected layer.

    ``weight`` has shape ``(out_features, in_features)`` and ``bias`` shape
    ``(out_features,)``, as in PyTorch.  ``init="uniform"`` draws both from
    ``U(-1/sqrt(in), 1/sqrt(in))`` (PyTorch's default); ``"he"`` draws weights
    from ``N(0, 2/in)`` (good before ReLU), ``"glorot"`` from
    ``U(-a, a)`` with ``a = sqrt(6/(in + out))`` (good before tanh or sigmoid),
    both with zero biases; ``"zeros"`` starts from zero.  The same ``seed``
    gives the same numbers.

    Without ``dtype=``, the parameters take the floating dtype of the first
    input the layer sees, as lazily initialised layers do elsewhere: float32
    data trains in float32 (the values drawn in float64, then rounded once),
    float64 data and anything else (integers, lists) in float64.  A named
    ``dtype`` is kept whatever the input, which is then converted to it.

    >>> import numpy as np, steepest as st
    >>> layer = st.nn.Linear(3, 2, seed=0)
    >>> bool(np.array_equal(layer.weight.data, st.nn.Linear(3, 2, seed=0).weight.data))
    True
    >>> layer.weight.shape, layer.bias.shape, layer.weight.name
    ((2, 3), (2,), 'weight')
    >>> st.nn.Linear(3, 2, dtype="float32")(np.ones((4, 3))).dtype
    dtype('float32')
    >>> layer(np.ones((4, 3), dtype=np.float32)).dtype, layer.weight.dtype
    (dtype('float32'), dtype('float32'))
    >>> st.nn.Linear(3, 2)(np.ones((4, 3))).dtype
    dtype('float64')
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        seed: Seed = None,
        dtype: Any = None,
        init: str = "uniform",
    ) -> None:
        super().__init__()
        if int(in_features) < 1 or int(out_features) < 1:
            raise DataError(
                f"a Linear layer needs at least one input and one output, not "
                f"{in_features} -> {out_features}"
            )
        if init not in INITS:
            raise DataError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        # Without a dtype, the first input settles it (see forward).
        self._dtype_settled = dtype is not None
        resolved = as_float_dtype(dtype if dtype is not None else np.float64)
        rng = as_generator(seed)
        shape = (self.out_features, self.in_features)
        bound = 1.0 / np.sqrt(self.in_features)
        bias_values = np.zeros(self.out_features)
        if init == "uniform":
            weight = rng.uniform(-bound, bound, size=shape)
            bias_values = rng.uniform(-bound, bound, size=self.out_features)
        elif init == "he":
            weight = rng.normal(0.0, np.sqrt(2.0 / self.in_features), size=shape)
        elif init == "glorot":
            limit = np.sqrt(6.0 / (self.in_features + self.out_features))
            weight = rng.uniform(-limit, limit, size=shape)
        else:
            weight = np.zeros(shape)
        self.weight = Parameter(weight, dtype=resolved)
        self.bias = Parameter(bias_values, dtype=resolved) if bias else None

    def forward(self, x: Any) -> Any:
        if not self._dtype_settled:
            self._settle_dtype(x)
        weight = self.weight
        if type(x) is not np.ndarray or x.dtype != weight.data.dtype:  # a batch as it comes
            x = as_input(x, weight.data.dtype)
        shape = x.shape
        if len(shape) != 2 or shape[1] != self.in_features:
            raise DataError(
                f"Linear({self.in_features}, {self.out_features}) expects inputs of shape "
                f"(n, {self.in_features}), not {tuple(shape)}"
            )
        return F.linear(x, weight, self.bias)

    def _settle_dtype(self, x: Any) -> None:
        """The parameters take the floating dtype of the first input (float64 otherwise)."""
        dtype = getattr(x, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype == np.float32:
            for param in (self.weight, self.bias):
                if param is not None and param.dtype != dtype:
                    param.data = param.data.astype(dtype)
        self._dtype_settled = True

    def extra_repr(self) -> str:
        bias = "" if self.bias is not None else ", bias=False"
        return f"in_features={self.in_features}, out_features={self.out_features}{bias}"


class _Activation(Module):
    function = staticmethod(F.identity)

    def forward(self, x: Any) -> Any:
        return type(self).function(x)


class Softplus(_Activation):
    """``ln(1 + e^x)`` elementwise (a smooth ReLU; the lesson network's activation).

    >>> import numpy as np
    >>> Softplus()(np.array([-1.43, 0.57])).round(4)
    array([0.2146, 1.0182])
    """

    function = staticmethod(F.softplus)


class ReLU(_Activation):
    """``max(x, 0)`` elementwise.

    >>> import numpy as np
    >>> ReLU()(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    function = staticmethod(F.relu)


class Sigmoid(_Activation):
    """``1 / (1 + e^-x)`` elementwise.

    >>> import numpy as np
    >>> Sigmoid()(np.array([0.0]))
    array([0.5])
    """

    function = staticmethod(F.sigmoid)


class Tanh(_Activation):
    """``tanh(x)`` elementwise.

    >>> import numpy as np
    >>> Tanh()(np.array([0.0]))
    array([0.])
    """

    function = staticmethod(F.tanh)


class Identity(_Activation):
    """Passes its input through unchanged.

    >>> Identity()(2.5)
    2.5
    """

    function = staticmethod(F.identity)


ACTIVATION_MODULES: dict[str, type[Module]] = {
    "softplus": Softplus,
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "identity": Identity,
    "linear": Identity,
}


def activation(name: str | Module) -> Module:
    """An activation module from its name (``"relu"``, ``"softplus"``...) or the module itself.

    >>> activation("tanh")
    Tanh()
    """
    if isinstance(name, Module):
        return name
    key = str(name).strip().lower()
    if key not in ACTIVATION_MODULES:
        raise DataError(
            f"unknown activation {name!r}; choose one of softplus, relu, sigmoid, tanh, identity"
        )
    return ACTIVATION_MODULES[key]()


class Sequential(Module):
    """Modules applied one after another; indexable like a list.

    >>> import steepest as st
    >>> net = st.nn.Sequential(st.nn.Linear(2, 3, seed=0), st.nn.ReLU(), st.nn.Linear(3, 1, seed=0))
    >>> len(net), type(net[1]).__name__
    (3, 'ReLU')
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add a module at the end; returns the network."""
        if not isinstance(module, Module):
            raise DataError(f"Sequential holds modules, not {type(module).__name__}")
        setattr(self, str(len(self._modules)), module)
        return self

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index: int) -> Module:
        modules = list(self._modules.values())
        return modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))


__all__ = [
    "ACTIVATION_MODULES",
    "INITS",
    "Identity",
    "Linear",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "activation",
    "as_generator",
    "as_input",
]
