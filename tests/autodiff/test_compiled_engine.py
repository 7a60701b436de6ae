"""The compiled engine (``engine.c``) makes the nodes and numbers of Python's engine.

Every other test runs on the compiled engine where this machine builds it
(the suite's conftest waits for it); here the two engines run the same
programs side by side: random chains of elementwise operations (Hypothesis)
over numbers, NumPy scalars, float32 and float64 arrays with broadcasting,
reflected operators and tensors used twice, eager and traced, must give the
same values and gradients bit for bit; the paths the compiled engine hands to
Python (no_grad, constants, nested traces, forward mode, large values) too;
and it holds no reference it should not (nodes are freed as in Python).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import core, engine, native


def test_the_compiled_engine_runs_where_it_can_be_built():
    buildable = (native.available() and engine.SOURCE.is_file()
                 and engine.include_directory() is not None)
    assert engine.loaded() == buildable
    if buildable:
        assert core.compiled_engine() is not None
        assert type(st.Tensor.__add__).__name__ == "Application"


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True)


UNARY = {
    "sin": np.sin, "exp": lambda v: np.exp(v * 0.1), "tanh": np.tanh, "neg": lambda v: -v,
    "square": np.square, "sqrt|.|": lambda v: np.sqrt(abs(v) + 0.5),
    "log1p|.|": lambda v: np.log1p(abs(v)), "method exp": lambda v: (v * 0.1).exp(),
    "method tanh": lambda v: v.tanh(), "cbrt": np.cbrt,
    # Step functions: recorded with slope 0 on a tensor that requires grad.
    "sign": np.sign, "floor": lambda v: np.floor(v * 3.0), "round": lambda v: np.round(v, 1),
}
BINARY = {
    "+": lambda a, b: a + b, "r+": lambda a, b: b + a, "-": lambda a, b: a - b,
    "r-": lambda a, b: b - a, "*": lambda a, b: a * b, "r*": lambda a, b: b * a,
    "/": lambda a, b: a / (abs(b) + 0.5), "r/": lambda a, b: b / (a * a + 0.5),
    "np.add": np.add, "np.multiply": np.multiply, "np.subtract": np.subtract,
    "np.maximum": np.maximum, "np.hypot": np.hypot, "**2": lambda a, b: a ** 2 + b,
    "np.arctan2": np.arctan2, "//": lambda a, b: a // (abs(b) + 0.5),
    "explicit __mul__": lambda a, b: a.__mul__(b) if isinstance(a, st.Tensor) else a * b,
}
OPERANDS = {
    "float": lambda dtype, shape: 0.75,
    "int": lambda dtype, shape: 2,
    "np.float64": lambda dtype, shape: np.float64(-1.25),
    "np.float32": lambda dtype, shape: np.float32(0.5),
    "array": lambda dtype, shape: np.linspace(-1.0, 1.5, max(1, int(np.prod(shape)))).astype(
        dtype).reshape(shape),
    "row": lambda dtype, shape: np.linspace(0.5, 2.0, shape[-1] if shape else 1).astype(dtype),
    "int array": lambda dtype, shape: np.arange(1, 1 + int(np.prod(shape))).reshape(shape),
    "constant tensor": lambda dtype, shape: st.Tensor(np.full(shape, 0.625, dtype=dtype)),
    "bool": lambda dtype, shape: True,
}

steps = hs.lists(hs.one_of(
    hs.tuples(hs.just("unary"), hs.sampled_from(sorted(UNARY)), hs.just(None)),
    hs.tuples(hs.just("binary"), hs.sampled_from(sorted(BINARY)),
              hs.one_of(hs.sampled_from(sorted(OPERANDS)), hs.integers(0, 5)))),
    min_size=1, max_size=12)


def _run(program, start, dtype, eager):
    """The program's value and gradients, eager (Tensor.backward) or traced (st.grad)."""
    shape = np.shape(start)

    def f(x, w):
        values = [x, w]
        for kind, name, operand in program:
            v = values[-1]
            if kind == "unary":
                values.append(UNARY[name](v))
                continue
            other = (values[operand % len(values)] if isinstance(operand, int)
                     else OPERANDS[operand](dtype, shape))
            values.append(BINARY[name](v, other))
        return np.sum(values[-1] * 1.5) + np.sum(values[0] * values[1])

    w_value = (np.asarray(start) * 0.5 + 0.25).astype(dtype)
    if not eager:
        value, grads = st.value_and_grad(lambda x, w: f(x, w), argnums=(0, 1))(start, w_value)
        return value, grads
    x = st.Tensor(start, requires_grad=True)
    w = st.Tensor(w_value, requires_grad=True)
    out = f(x, w)
    out.backward()
    return out.data, (x.grad, w.grad)


@given(program=steps, shape=hs.sampled_from([(), (3,), (2, 3)]),
       dtype=hs.sampled_from([np.float64, np.float32]), eager=hs.booleans())
def test_random_programs_equal_pythons_engine_bit_for_bit(program, shape, dtype, eager):
    start = np.linspace(0.3, 1.1, max(1, int(np.prod(shape)))).astype(dtype).reshape(shape)
    if not shape and eager:
        start = float(start)  # a Python float, whose operations take the numbers' path
    with np.errstate(all="ignore"):
        compiled = _run(program, start, dtype, eager)
        with engine.python_engine():
            reference = _run(program, start, dtype, eager)
    _same(compiled[0], reference[0])
    for g, g_reference in zip(compiled[1], reference[1], strict=True):
        _same(g, g_reference)


def _both(fn):
    compiled = fn()
    with engine.python_engine():
        return compiled, fn()


def test_the_paths_handed_to_python_give_pythons_answers():
    def run():
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        with st.no_grad():
            v = w * 3.0 + 1
        c = st.Tensor([2.0, 5.0])  # a constant tensor: another "trace"
        loss = np.sum(w * c + c * w + v)
        loss.backward()
        second = st.grad(st.grad(lambda x: x * x * x + 2.0 * np.sin(x)))(0.4)
        tangent = st.jvp(lambda x: np.sin(x) * x, (0.7,), (1.0,))
        hessian = st.hessian(lambda v: np.sum(v * v * np.exp(v)))(np.array([0.5, 1.0]))
        return v.data, v.requires_grad, w.grad, second, tangent, hessian

    compiled, reference = _both(run)
    for a, b in zip(compiled, reference, strict=True):
        if isinstance(a, tuple):
            for p, q in zip(a, b, strict=True):
                _same(p, q)
        else:
            _same(a, b)


def test_large_values_are_watched_and_released_as_in_python():
    n = core.RELEASE_AT

    def run():
        return st.value_and_grad(lambda x: np.sum(np.exp(np.sin(x)) * 2.0 + x * x))(
            np.linspace(0.0, 1.0, n))

    (value, grad), (value2, grad2) = _both(run)
    _same(value, value2)
    _same(grad, grad2)


def test_errors_are_pythons_errors():
    x = st.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError) as compiled:
        x + "a"
    with engine.python_engine(), pytest.raises(TypeError) as reference:
        x + "a"
    assert type(compiled.value) is type(reference.value)


def test_an_operator_is_bound_like_a_method():
    x = st.Tensor(3.0, requires_grad=True)
    assert float((x.__add__(1.0)).data) == 4.0
    assert float(st.Tensor.__rsub__(x, 1.0).data) == -2.0
    assert float(x.__rtruediv__(6.0).data) == 2.0
    assert float(x.exp().data) == pytest.approx(np.exp(3.0))
    assert (x + 1.0)._parents == (x,)


def test_nodes_are_freed_and_no_reference_is_kept():
    x = st.Tensor(np.ones(3), requires_grad=True)
    value = x.data
    before = sys.getrefcount(value)
    y = np.sin(x) * 2.0 + x
    node = weakref.ref(y)
    np.sum(y).backward()
    del y
    gc.collect()
    assert node() is None
    assert sys.getrefcount(value) == before
    for _ in range(200):  # many operations on one value hold nothing of it afterwards
        (x * 2.0 + 1.0).backward(np.ones(3))
    gc.collect()
    assert sys.getrefcount(value) == before


SRC = Path(__file__).resolve().parents[2] / "src"
CHAIN = textwrap.dedent("""
    import time
    started = time.perf_counter()
    import steepest as st
    from steepest.autodiff import engine
    at_import = engine.loaded()
    engine.wait(120)
    x = st.Tensor(0.3, requires_grad=True)
    y = x
    for _ in range(100):
        y = y + 0.01 * st.Tensor.sin(y)
    y.backward()
    print(at_import, engine.loaded(), repr(float(y.data)), repr(float(x.grad)))
""")


def _python(code, **environment):
    env = {**os.environ, "PYTHONPATH": str(SRC), **environment}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(not engine.loaded(), reason="this machine cannot build the engine")
def test_compiled_once_then_loaded_from_the_cache_at_import(tmp_path):
    first = _python(CHAIN, STEEPEST_CACHE_DIR=str(tmp_path))
    assert first[:2] == ["False", "True"]  # compiled in the background, then loaded
    assert list((tmp_path / "native").glob("engine-*"))
    second = _python(CHAIN, STEEPEST_CACHE_DIR=str(tmp_path))
    assert second[:2] == ["True", "True"]  # from the cache, before any operation
    switched_off = _python(CHAIN, STEEPEST_CACHE_DIR=str(tmp_path), STEEPEST_NATIVE="0")
    assert switched_off[:2] == ["False", "False"]
    assert first[2:] == second[2:] == switched_off[2:]  # the same numbers on both engines


def test_an_application_given_more_arguments_than_its_rules_fails_as_in_python():
    from steepest.autodiff.primitives import PRIMITIVES

    x = st.Tensor(2.0, requires_grad=True)
    for prim in (PRIMITIVES["negative"], PRIMITIVES["exp"]):
        with pytest.raises(Exception) as compiled:
            prim.applied(x, x)
        with engine.python_engine(), pytest.raises(Exception) as reference:
            prim.applied(x, x)
        assert type(compiled.value) is type(reference.value)
