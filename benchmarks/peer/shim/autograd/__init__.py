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
from autograd.core import _over, make_jvp, make_vjp, vspace
from autograd.extend import primitive  # noqa: F401  (autograd.primitive)
from autograd.wrap_util import unary_to_nary

sys.modules["autograd.numpy"] = numpy
sys.modules["autograd.numpy.random"] = numpy.random
sys.modules["autograd.numpy.linalg"] = numpy.linalg
numpy_module = numpy

tuple = builtins.tuple
list = builtins.list
dict = builtins.dict
isinstance = builtins.isinstance
type = builtins.type


@unary_to_nary
def grad(fun, x):
    f, args, rebuild = _over(fun, x)
    g = st.grad(f, argnums=builtins.tuple(builtins.range(len(args))))(*args)
    return rebuild(g)


@unary_to_nary
def value_and_grad(fun, x):
    f, args, rebuild = _over(fun, x)
    value, g = st.value_and_grad(f, argnums=builtins.tuple(builtins.range(len(args))))(*args)
    return value, rebuild(g)


def _of_one_array(transform):
    """autograd's operator ``transform`` of a function of one array, from steepest's."""
    def operator(fun, x):
        f, args, rebuild = _over(fun, x)
        if len(args) != 1 or rebuild(args) is not args[0]:
            raise NotImplementedError(f"{transform.__name__} with respect to several arguments")
        return transform(f)(*args)

    operator.__name__ = transform.__name__
    return unary_to_nary(operator)


jacobian = _of_one_array(st.jacobian)
hessian = _of_one_array(st.hessian)


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
