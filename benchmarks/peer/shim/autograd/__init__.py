"""autograd's interface over steepest: the transforms are steepest's, NumPy is NumPy.

HIPS autograd's own tests import ``autograd.numpy`` (here plain NumPy: steepest
differentiates NumPy code as written), the differential operators (here
steepest's ``grad``, ``vjp``, ``jvp``, ``jacobian``, ``hessian``) and their
derivative checker ``autograd.test_util`` (autograd's own file, copied from
its source distribution by ``run.py``).
"""

import builtins
import sys

import numpy
import numpy.linalg
import numpy.random

import steepest as st
from autograd.core import make_jvp, make_vjp, vspace
from autograd.extend import primitive  # noqa: F401  (autograd.primitive)
from autograd.wrap_util import unary_to_nary

sys.modules["autograd.numpy"] = numpy
sys.modules["autograd.numpy.random"] = numpy.random
sys.modules["autograd.numpy.linalg"] = numpy.linalg
numpy_module = numpy

tuple = builtins.tuple  # noqa: A001  (autograd's container types are Python's here)
list = builtins.list  # noqa: A001
dict = builtins.dict  # noqa: A001
isinstance = builtins.isinstance  # noqa: A001
type = builtins.type  # noqa: A001


def _over(fun, x):
    """``fun`` of one argument, as steepest's transforms take it, and the arguments."""
    if builtins.isinstance(x, builtins.tuple | builtins.list):
        return (lambda *xs: fun(builtins.type(x)(xs))), builtins.tuple(x), True
    return fun, (x,), False


@unary_to_nary
def grad(fun, x):
    f, args, several = _over(fun, x)
    g = st.grad(f, argnums=builtins.tuple(builtins.range(len(args))) if several else 0)(*args)
    return builtins.type(x)(g) if several else g  # several argnums: a tuple from steepest


@unary_to_nary
def value_and_grad(fun, x):
    f, args, several = _over(fun, x)
    nums = builtins.tuple(builtins.range(len(args))) if several else 0
    value, g = st.value_and_grad(f, argnums=nums)(*args)
    return value, (builtins.type(x)(g) if several else g)


@unary_to_nary
def jacobian(fun, x):
    f, args, several = _over(fun, x)
    if several:
        raise NotImplementedError("jacobian with respect to several arguments")
    return st.jacobian(f)(*args)


@unary_to_nary
def hessian(fun, x):
    f, args, several = _over(fun, x)
    if several:
        raise NotImplementedError("hessian with respect to several arguments")
    return st.hessian(f)(*args)


@unary_to_nary
def elementwise_grad(fun, x):
    vjp, ans = make_vjp(fun, x)
    return vjp(vspace(ans).ones())


@unary_to_nary
def deriv(fun, x):
    return make_jvp(fun, x)(vspace(x).ones())[1]


@unary_to_nary
def holomorphic_grad(fun, x):
    vjp, ans = make_vjp(fun, x)
    return vjp(vspace(ans).ones())
