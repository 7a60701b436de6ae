"""``make_vjp``, ``make_jvp`` (steepest's) and the vector spaces autograd's checker uses."""

import builtins

import numpy as np

import steepest as st
from steepest.autodiff.core import flatten


def _over(fun, x):
    """``fun`` of a structure ``x`` as a function of its arrays, for steepest's transforms."""
    leaves, rebuild = flatten(x)
    return (lambda *xs: fun(rebuild(xs))), tuple(leaves), rebuild


def make_vjp(fun, x):
    """``(vjp, value)`` of ``fun`` at ``x``, from ``st.vjp``."""
    f, args, rebuild = _over(fun, x)
    value, pullback = st.vjp(f, *args)

    def vjp(g):
        result = pullback(g)
        return rebuild((result,) if len(args) == 1 else result)

    return vjp, value


def make_jvp(fun, x):
    """``v -> (value, J v)`` of ``fun`` at ``x``, from ``st.jvp``."""
    f, args, _ = _over(fun, x)

    def jvp(v):
        return st.jvp(f, args, flatten(v)[0])

    return jvp


class VSpace:
    """The vector space of a value, as autograd defines it (shape, dtype, inner product)."""

    iscomplex = False

    def __init__(self, value):
        value = np.asarray(value)
        self.shape = value.shape
        self.dtype = value.dtype

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        return f"{type(self).__name__}_{self.__dict__}"

    def zeros(self):
        return np.zeros(self.shape, dtype=self.dtype)

    def ones(self):
        return np.ones(self.shape, dtype=self.dtype)

    def randn(self):
        return np.array(np.random.randn(*self.shape)).astype(self.dtype)

    def add(self, x, y):
        return x + y

    def scalar_mul(self, x, a):
        return x * a

    def inner_prod(self, x, y):
        return np.dot(np.ravel(x), np.ravel(y))

    def covector(self, x):
        return x

    @property
    def size(self):
        return np.prod(self.shape)


class ComplexVSpace(VSpace):
    iscomplex = True

    def ones(self):
        return np.ones(self.shape, dtype=self.dtype) + 1.0j * np.ones(self.shape, dtype=self.dtype)

    def randn(self):
        return (np.array(np.random.randn(*self.shape)).astype(self.dtype)
                + 1.0j * np.array(np.random.randn(*self.shape)).astype(self.dtype))

    def inner_prod(self, x, y):
        return np.real(np.dot(np.conj(np.ravel(x)), np.ravel(y)))

    def covector(self, x):
        return np.conj(x)


class SequenceVSpace:
    """A tuple or list of values: the spaces side by side."""

    iscomplex = False

    def __init__(self, value):
        self.seq_type = type(value)
        self.shape = [vspace(v) for v in value]

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        return f"{type(self).__name__}_{self.__dict__}"

    def _map(self, f, *args):
        return self.seq_type(f(vs, *parts) for vs, *parts in zip(self.shape, *args))

    def zeros(self):
        return self._map(lambda vs: vs.zeros())

    def ones(self):
        return self._map(lambda vs: vs.ones())

    def randn(self):
        return self._map(lambda vs: vs.randn())

    def add(self, x, y):
        return self._map(lambda vs, a, b: vs.add(a, b), x, y)

    def scalar_mul(self, x, a):
        return self._map(lambda vs, v: vs.scalar_mul(v, a), x)

    def inner_prod(self, x, y):
        return builtins.sum(vs.inner_prod(a, b) for vs, a, b in zip(self.shape, x, y))

    def covector(self, x):
        return self._map(lambda vs, v: vs.covector(v), x)


def vspace(value):
    """The vector space of ``value`` (an array, a number, or a tuple or list of them)."""
    if isinstance(value, tuple | list):
        return SequenceVSpace(value)
    if isinstance(value, st.Tensor):
        value = value.data
    if isinstance(value, bool | np.bool_) or (
            isinstance(value, np.ndarray) and value.dtype.kind not in "fc"):
        raise TypeError(f"Can't find vector space for value {value!r} of type {type(value)}")
    if np.iscomplexobj(value):
        return ComplexVSpace(value)
    return VSpace(value)


primitive_vjps: dict = {}
