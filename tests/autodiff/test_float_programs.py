"""Recorded gradients replayed over Python floats give what the eager trace gives.

A recording whose values are all single float64 numbers runs as code over Python floats:
generated straight-line source for a short tape, a loop over prepared steps
(``_float_interpreter``) for a long one.  These tests hold both to the eager trace: bit
for bit where the arithmetic is the same, within a few ulps where ``math`` (the C
library) and NumPy (its own SIMD kernels) compute a function differently.  Where Python
raises instead of giving inf or nan, the call must come back from the NumPy program with
NumPy's numbers, and the next good call must run over floats again.  Callers get back the
types they passed in.
"""

from __future__ import annotations

import math
import types
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.autodiff import replay
from steepest.autodiff.primitives import PRIMITIVES
from steepest.autodiff.transforms import _ReverseRun, _scalar_seed

CODED = sorted(name for name, prim in PRIMITIVES.items() if prim.code is not None)
UNARY = [name for name in CODED if len(PRIMITIVES[name].code.partials) == 1]
BINARY = [name for name in CODED if len(PRIMITIVES[name].code.partials) == 2]

# Forward and partials made of +, -, *, /, sqrt, abs and sign: IEEE rounds these the same
# in Python and in NumPy, so the replay must be bit for bit.
EXACT = {"absolute", "add", "copy", "divide", "multiply", "negative", "positive",
         "reciprocal", "sqrt", "square", "subtract"}
# The value comes from a library function, but the partials are arithmetic on the
# argument alone (1 / sqrt(1 - x * x)...), so the gradient is bit for bit too.
EXACT_PARTIALS = EXACT | {"arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
                          "arctanh", "log", "log10", "log1p", "log2"}
# The C library's functions and NumPy's SIMD kernels (tan, sinh, cbrt, exp, pow...) were
# measured up to 3 ulps apart; a partial that uses the value (1 + tan^2) doubles that.
ULPS = 8 * np.finfo(float).eps

# Points inside each coded primitive's domain, away from its edges (where a few ulps in
# an argument become many in the result).
POINTS = {
    "absolute": [(-1.3,), (0.7,), (2.5,)],
    "arccos": [(-0.6,), (0.1,), (0.8,)],
    "arccosh": [(1.2,), (2.5,), (7.0,)],
    "arcsin": [(-0.6,), (0.1,), (0.8,)],
    "arcsinh": [(-1.5,), (0.3,), (4.0,)],
    "arctan": [(-2.0,), (0.3,), (5.0,)],
    "arctanh": [(-0.6,), (0.1,), (0.8,)],
    "cbrt": [(-8.5,), (0.3,), (27.5,)],
    "copy": [(-1.3,), (0.7,), (2.5,)],
    "cos": [(-2.0,), (0.3,), (5.0,)],
    "cosh": [(-1.5,), (0.3,), (3.0,)],
    "exp": [(-2.0,), (0.3,), (5.0,)],
    "exp2": [(-2.0,), (0.3,), (5.0,)],
    "expm1": [(-2.0,), (0.3,), (5.0,)],
    "log": [(0.2,), (1.7,), (30.0,)],
    "log10": [(0.2,), (1.7,), (30.0,)],
    "log1p": [(-0.5,), (0.3,), (30.0,)],
    "log2": [(0.2,), (1.7,), (30.0,)],
    "negative": [(-1.3,), (0.7,), (2.5,)],
    "positive": [(-1.3,), (0.7,), (2.5,)],
    "reciprocal": [(-1.3,), (0.7,), (2.5,)],
    "sin": [(-2.0,), (0.3,), (5.0,)],
    "sinh": [(-1.5,), (0.3,), (3.0,)],
    "sqrt": [(0.2,), (1.7,), (30.0,)],
    "square": [(-1.3,), (0.7,), (2.5,)],
    "tan": [(-1.0,), (0.3,), (1.2,)],
    "tanh": [(-1.0,), (0.3,), (0.9,)],
    "add": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
    "arctan2": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
    "divide": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
    "hypot": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
    "multiply": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
    "power": [(1.3, -0.7), (2.5, 0.4), (0.3, 3.0), (1.7, 0.5), (2.2, 1.5)],
    "subtract": [(1.3, -0.7), (-2.5, 0.4), (0.3, 3.0)],
}
def entry_for(f):
    table = replay._PROGRAMS.get(id(f), {})
    assert len(table) == 1
    return next(iter(table.values()))


def eager(f, args, argnums):
    """(value, gradients) of a plain traced call: what every replay must reproduce."""
    run = _ReverseRun(f, args, {}, argnums)
    return run, run.pullback(_scalar_seed(run.value))


def replayed(f, warm, argnums=0):
    """The value_and_grad of a copy of f recorded at ``warm``, its program, and its runs.

    The copy is a new function, so its recording is made under this test's settings,
    never found in the cache from another test.  The program's ``run`` is wrapped to
    count calls: a result checked after it is known to come from the recording.
    """
    f = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    vg = st.value_and_grad(f, argnums=argnums)
    vg(*warm)  # traced
    vg(*warm)  # traced and recorded
    program = entry_for(f).program
    assert program is not None and program.floats
    runs = []
    run = program.run

    def counted(args):
        runs.append(args)
        return run(args)

    program.run = counted
    return vg, program, runs


def check(actual, expected, exact):
    if exact:
        np.testing.assert_array_equal(actual, expected)
    else:
        np.testing.assert_allclose(actual, expected, rtol=ULPS, atol=0)


def same(actual, expected):
    """Equal numbers, nan where nan, and the same signs (of zeros and infinities too)."""
    a, b = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert a.shape == b.shape
    equal = ((a == b) & (np.signbit(a) == np.signbit(b))) | (np.isnan(a) & np.isnan(b))
    assert equal.all(), f"{actual!r} != {expected!r}"


@pytest.fixture(params=["source", "interpreter"])
def path(request, monkeypatch):
    """Run a test over the generated source and over the interpreter of long tapes."""
    if request.param == "interpreter":
        # Every tape counts as long: the loop over prepared steps runs the same tapes.
        monkeypatch.setattr(replay, "MAX_COMPILED_STEPS", 0)
    return request.param


def on_path(program, path):
    assert program.compiled is (path == "source")
    assert (program.float_source is not None) is (path == "source")


@pytest.fixture
def fallbacks(monkeypatch):
    """Grows with each call handed to the NumPy program (both paths convert its inputs)."""
    calls = []
    convert = replay.as_float_array

    def counted(value):
        calls.append(value)
        return convert(value)

    monkeypatch.setattr(replay, "as_float_array", counted)
    return calls


def test_every_coded_primitive_has_points_in_its_domain():
    assert set(POINTS) == set(CODED)
    assert all(len(POINTS[name][0]) == 1 for name in UNARY)
    assert all(len(POINTS[name][0]) == 2 for name in BINARY)


@pytest.mark.parametrize("name", CODED)
def test_a_rule_whose_template_leaves_out_the_result_does_not_read_it(name):
    # A gradient-only program passes None for the result to such a rule: the rule
    # and its template must agree that the result is not needed.
    prim = PRIMITIVES[name]
    for p, template in enumerate(prim.code.partials):
        if template is None or "{ans}" in template:
            continue
        for point in POINTS[name]:
            args = [np.array(v) for v in point]
            ans = prim.forward(*args)
            np.testing.assert_array_equal(prim.partials[p](None, *args),
                                          prim.partials[p](ans, *args))


# -- 1. every primitive with a template --------------------------------------------------
@pytest.mark.parametrize("name", CODED)
def test_primitive_over_python_floats(name, path):
    op = getattr(np, name)  # np.copy, np.positive...: every name is NumPy's
    n = len(PRIMITIVES[name].code.partials)
    f = (lambda x: op(x)) if n == 1 else (lambda x, y: op(x, y))
    nums = tuple(range(n))
    vg, program, runs = replayed(f, POINTS[name][-1], nums)
    on_path(program, path)
    for point in POINTS[name]:
        value, grads = vg(*point)
        run, expected = eager(f, point, nums)
        assert run.out._prim is PRIMITIVES[name]
        assert type(value) is float and all(type(g) is float for g in grads)
        check(value, run.value, name in EXACT)
        for g, e in zip(grads, expected):
            check(g, e, name in EXACT_PARTIALS)
    assert len(runs) == len(POINTS[name])


@pytest.mark.parametrize("name", CODED)
def test_primitive_over_array_elements(name, path):
    op = getattr(np, name)
    if len(PRIMITIVES[name].code.partials) == 1:
        def f(v):
            x, y = v
            return op(x) * y

        points = [np.array([p[0], -1.25]) for p in POINTS[name]]
        warm = np.array([POINTS[name][-1][0], 2.0])
        # d/dx is y times the partial (exact where the partial is); d/dy is op(x).
        exact = (name in EXACT, name in EXACT_PARTIALS, name in EXACT)
    else:
        def f(v):
            x, y = v
            return op(x, y)

        points = [np.array(p) for p in POINTS[name]]
        warm = np.array(POINTS[name][-1])
        exact = (name in EXACT, name in EXACT_PARTIALS, name in EXACT_PARTIALS)
    vg, program, runs = replayed(f, (warm,))
    on_path(program, path)
    for v in points:
        value, g = vg(v)
        run, (expected,) = eager(f, (v,), (0,))
        assert type(g) is np.ndarray and g.dtype == np.float64 and g.shape == (2,)
        check(value, run.value, exact[0])
        check(g[0], expected[0], exact[1])
        check(g[1], expected[1], exact[2])
    assert len(runs) == len(points)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("constant", [-2.5, 3, np.float64(0.75)], ids=["float", "int", "np"])
def test_primitive_with_a_constant_operand(name, constant, path):
    # Constants are written into the code as literals: a negative one after a minus
    # sign, an int in a power's "y - 1", a NumPy scalar taken from an array.
    op = getattr(np, name)
    c = abs(constant) if name == "power" else constant  # a negative base has no real powers
    for f in (lambda x: op(x, c), lambda x: op(c, x)):
        vg, program, runs = replayed(f, (1.1,))
        on_path(program, path)
        for (x, *_) in POINTS[name]:
            x = abs(x) if name == "power" else x
            value, g = vg(x)
            run, (expected,) = eager(f, (x,), (0,))
            assert type(value) is float and type(g) is float
            check(value, run.value, name in EXACT)
            check(g, expected, name in EXACT_PARTIALS)
        assert len(runs) == len(POINTS[name])


# -- 2. whole functions, random points ----------------------------------------------------
def sauna(x, y):
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def sauna_of(p):
    x, y = p
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def rosenbrock(v):
    x = [v[i] for i in range(3)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(2))


def mixed(x, y):
    return x * y / (1 + x * x) + (x * x + y * y) ** 1.5 - np.exp(-x * y) * np.sin(x) / y


def central_differences(f, point, h=1e-6):
    point = np.asarray(point, dtype=float)
    out = np.empty_like(point)
    for i in range(point.size):
        step = np.zeros_like(point)
        step.flat[i] = h * max(1.0, abs(point.flat[i]))
        out.flat[i] = (float(f(point + step)) - float(f(point - step))) / (2 * step.flat[i])
    return out


def replayed_on(interpreted, f, warm, argnums=0):
    """``replayed``, over the interpreter when asked (hypothesis takes no monkeypatch)."""
    steps = 0 if interpreted else replay.MAX_COMPILED_STEPS
    with mock.patch.object(replay, "MAX_COMPILED_STEPS", steps):
        vg, program, runs = replayed(f, warm, argnums)
    assert program.compiled is not interpreted
    return vg, runs


coordinate = hst.floats(0.05, 6.0)
interpreted = pytest.mark.parametrize("interpreted", [False, True], ids=["source", "interpreter"])


@interpreted
@settings(max_examples=30, deadline=None)
@given(x=coordinate, y=coordinate)
def test_sauna_over_floats_is_the_eager_gradient(interpreted, x, y):
    vg, runs = replayed_on(interpreted, sauna, (1.0, 2.0), (0, 1))
    value, grads = vg(x, y)
    assert len(runs) == 1
    run, expected = eager(sauna, (x, y), (0, 1))
    assert value == run.value
    np.testing.assert_array_equal(grads, [float(e) for e in expected])
    np.testing.assert_allclose(grads, central_differences(lambda p: sauna(*p), [x, y]),
                               rtol=1e-6, atol=1e-6)


@interpreted
@settings(max_examples=30, deadline=None)
@given(x=coordinate, y=coordinate)
def test_sauna_over_array_elements_is_the_eager_gradient(interpreted, x, y):
    vg, runs = replayed_on(interpreted, sauna_of, (np.array([1.0, 2.0]),))
    p = np.array([x, y])
    value, g = vg(p)
    assert len(runs) == 1
    run, (expected,) = eager(sauna_of, (p,), (0,))
    assert value == run.value
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_allclose(g, central_differences(sauna_of, p), rtol=1e-6, atol=1e-6)


@interpreted
@settings(max_examples=30, deadline=None)
@given(v=hst.lists(hst.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_rosenbrock_over_array_elements_is_the_eager_gradient(interpreted, v):
    vg, runs = replayed_on(interpreted, rosenbrock, (np.array([0.5, 1.0, 1.5]),))
    v = np.array(v)
    value, g = vg(v)
    assert len(runs) == 1
    run, (expected,) = eager(rosenbrock, (v,), (0,))
    assert value == run.value
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_allclose(g, central_differences(rosenbrock, v), rtol=1e-6, atol=1e-4)


@interpreted
@settings(max_examples=30, deadline=None)
@given(x=hst.floats(0.1, 2.0), y=hst.floats(0.1, 2.0))
def test_products_quotients_and_powers(interpreted, x, y):
    vg, runs = replayed_on(interpreted, mixed, (1.0, 0.5), (0, 1))
    value, grads = vg(x, y)
    assert len(runs) == 1
    run, expected = eager(mixed, (x, y), (0, 1))
    # pow, exp and sin come from the C library here and from NumPy's kernels there.
    np.testing.assert_allclose(value, run.value, rtol=1e-13)
    np.testing.assert_allclose(grads, [float(e) for e in expected], rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(grads, central_differences(lambda p: mixed(*p), [x, y]),
                               rtol=1e-6, atol=1e-6)


# Trees of exactly rounded operations: the replay must give the eager numbers bit for
# bit, inf and nan included (a zero divisor or a negative square root falls back).
_UNARY_FORMS = ["(-{})", "np.square({})", "np.sqrt({})", "abs({})", "np.reciprocal({})"]
_CONSTANTS = ["2.5", "-0.75", "3", "1e-300"]  # never 0: x / 0 fails in the eager trace


@hst.composite
def expressions(draw, depth=3):
    # At least one operation at the top: an empty tape is never interpreted.
    if depth == 0 or (depth < 3 and draw(hst.integers(0, 3)) == 0):
        return draw(hst.sampled_from(["x", "y"]))
    inner = draw(expressions(depth - 1))
    form = draw(hst.sampled_from([*_UNARY_FORMS, "+", "-", "*", "/"]))
    if "{}" in form:
        return form.format(inner)
    other = draw(hst.one_of(expressions(depth - 1), hst.sampled_from(_CONSTANTS)))
    # A constant divisor only on the left: x / 2.5 breaks the NumPy program that a
    # fallback runs (see test_fallback_with_a_constant_divisor).
    if draw(hst.booleans()) or (form == "/" and other in _CONSTANTS):
        inner, other = other, inner
    return f"({inner} {form} {other})"


@settings(max_examples=60, deadline=None)
@given(body=expressions(), x=hst.sampled_from([0.0, -0.0, 1.5, -2.0, 1e200, 3.0]),
       y=hst.floats(-4.0, 4.0), as_array=hst.booleans(), interpreted=hst.booleans())
def test_random_exact_expressions_replay_bit_for_bit(body, x, y, as_array, interpreted):
    namespace = {"np": np}
    if as_array:
        exec(f"def f(p):\n    x, y = p\n    return {body}\n", namespace)
        args, nums = (np.array([x, y]),), (0,)
    else:
        exec(f"def f(x, y):\n    return {body}\n", namespace)
        args, nums = (x, y), (0, 1)
    f = namespace["f"]
    warm = (np.array([1.25, 0.5]),) if as_array else (1.25, 0.5)
    with np.errstate(all="ignore"):
        vg, runs = replayed_on(interpreted, f, warm, nums)
        value, grads = vg(*args)
        run, expected = eager(f, args, nums)
    assert len(runs) == 1
    same(value, run.value)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for g, e in zip(grads, expected):
        if as_array:
            # A gradient of -0.0 for one element becomes 0.0 where the eager trace adds
            # the arrays of the two elements: only the sign of a zero may differ.
            np.testing.assert_array_equal(g, e)
        else:
            same(g, e)


# -- 3. inf and nan come from the NumPy program ------------------------------------------
FALLBACKS = {
    # name: (function, argnums, a good point, points where Python raises)
    "log at 0": (lambda x: np.log(x), 0, (2.0,), [(0.0,), (-0.0,), (-1.0,)]),
    "1/x at 0": (lambda x: 1.0 / x, 0, (2.0,), [(0.0,), (-0.0,)]),
    "sqrt of a negative": (lambda x: np.sqrt(x), 0, (2.0,), [(-4.0,), (0.0,)]),
    "negative base, fractional exponent": (lambda x, y: x**y, (0, 1), (2.0, 0.5),
                                           [(-8.0, 1 / 3), (0.0, -1.0), (0.0, 0.5)]),
    "exp overflow": (lambda x: np.exp(x) * x, 0, (2.0,), [(800.0,), (710.0,)]),
    # y gets no gradient: the NumPy program's None becomes a zero, as over floats.
    "log at 0, y unused": (lambda x, y: np.log(x), (0, 1), (2.0, 1.0), [(0.0, 1.0)]),
    # NumPy computes power(x, 0.5) as sqrt(x): nan at -inf, where math.pow gives inf.
    "a square root as a power": (lambda x: x**0.5 + x**1.5, 0, (2.0,),
                                 [(-math.inf,), (-0.0,)]),
}


@pytest.mark.parametrize("case", list(FALLBACKS))
def test_python_errors_give_numpys_inf_and_nan(case, path, fallbacks):
    f, argnums, good, bad_points = FALLBACKS[case]
    nums = (argnums,) if isinstance(argnums, int) else argnums
    vg, program, runs = replayed(f, good, argnums)
    on_path(program, path)
    with np.errstate(all="ignore"):
        for bad in bad_points:
            before = len(fallbacks)
            value, grads = vg(*bad)
            assert len(fallbacks) > before  # Python raised: none is answered over floats
            run, expected = eager(f, bad, nums)
            same(value, run.value)
            for g, e in zip(grads if isinstance(grads, tuple) else (grads,), expected):
                same(g, e)
    assert len(runs) == len(bad_points)
    seen = len(fallbacks)
    value, grads = vg(*good)
    assert len(fallbacks) == seen  # the good call ran over floats again
    assert len(runs) == len(bad_points) + 1
    assert type(value) is float
    same(value, eager(f, good, nums)[0].value)


def test_fallback_with_a_constant_divisor(fallbacks):
    # y / 2.5 has the local derivative 1 / 2.5, and it is y's whole gradient: the NumPy
    # program hands it back as a copy, which a bare Python float could not give.  Over
    # floats nothing is copied, so only a call that falls back (1 / x at 0) meets it.
    def f(x, y):
        return 1.0 / x + y / 2.5

    vg, _, _ = replayed(f, (1.0, 2.0), (0, 1))
    with np.errstate(all="ignore"):
        value, grads = vg(0.0, 2.0)
        run, expected = eager(f, (0.0, 2.0), (0, 1))
    assert fallbacks
    same(value, run.value)
    for g, e in zip(grads, expected):
        same(g, e)


@pytest.mark.parametrize(("f", "x"), [(lambda x: x * x - x * x * 1e-300, 1e200),
                                      (lambda x: np.exp(x) * x, -800.0),
                                      (lambda x: abs(x - x), math.inf),
                                      (lambda x: abs(x) * x, -math.inf),
                                      (lambda x: abs(x) * x, -0.0)],
                         ids=["inf - inf", "exp underflow", "abs of nan", "abs at -inf",
                              "abs at -0.0"])
def test_inf_and_nan_python_computes_stay_over_floats(f, x, path, fallbacks):
    # Python's arithmetic gives inf and nan where NumPy does, exp underflows to 0, and
    # sign(nan) is nan: nothing raises, nothing is handed over, the numbers are NumPy's.
    vg, program, runs = replayed(f, (2.0,))
    on_path(program, path)
    with np.errstate(all="ignore"):
        value, g = vg(x)
        run, (expected,) = eager(f, (x,), (0,))
    same(value, run.value)
    same(g, expected)
    assert len(runs) == 1 and not fallbacks


# -- 4. long tapes: the interpreter --------------------------------------------------------
def flow(x):
    for _ in range(1000):
        x = x + 0.01 * np.sin(x)
    return x


def log_flow(x):
    return np.log(flow(x))


def test_long_tape_runs_over_floats_in_the_interpreter(fallbacks):
    vg, program, runs = replayed(flow, (0.5,))
    assert not program.compiled and program.float_source is None
    assert program.floats
    for x in (0.3, 1.0, -2.0):
        value, g = vg(x)
        run, (expected,) = eager(flow, (x,), (0,))
        assert type(value) is float and type(g) is float
        # 1000 steps, each of them a few ulps of sin apart at most.
        np.testing.assert_allclose(value, run.value, rtol=1e-12)
        np.testing.assert_allclose(g, expected, rtol=1e-12)
        derivative, y = 1.0, x
        for _ in range(1000):
            derivative *= 1 + 0.01 * math.cos(y)
            y = y + 0.01 * math.sin(y)
        np.testing.assert_allclose(g, derivative, rtol=1e-12)
    assert len(runs) == 3 and not fallbacks


def test_long_tape_falls_back_to_numpy(fallbacks):
    vg, program, runs = replayed(log_flow, (0.5,))
    assert not program.compiled and program.floats
    with np.errstate(all="ignore"):
        value, g = vg(0.0)  # sin(0) is 0: the flow stays at 0, and log(0) raises
        run, (expected,) = eager(log_flow, (0.0,), (0,))
    same(value, run.value)
    same(g, expected)
    assert value == -math.inf and g == math.inf and len(fallbacks) == 1
    value, g = vg(0.5)
    assert len(fallbacks) == 1 and len(runs) == 2
    np.testing.assert_allclose(g, eager(log_flow, (0.5,), (0,))[1][0], rtol=1e-12)


def test_long_tape_over_array_elements():
    def orbit(p):
        x, y = p
        for _ in range(300):
            x, y = x + 0.01 * np.cos(y), y - 0.01 * np.sin(x)
        return x * y

    vg, program, _ = replayed(orbit, (np.array([0.5, 0.25]),))
    assert not program.compiled
    p = np.array([1.0, -0.5])
    value, g = vg(p)
    run, (expected,) = eager(orbit, (p,), (0,))
    assert type(g) is np.ndarray and g.shape == (2,) and g.dtype == np.float64
    np.testing.assert_allclose(value, run.value, rtol=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_interpreter_computes_in_python_floats_with_a_numpy_constant():
    rate = np.float64(0.01)  # a NumPy scalar, as taken from an array

    def f(x):
        for _ in range(200):
            x = x + rate * np.sin(x)
        return x

    _, program, _ = replayed(f, (0.5,))
    assert not program.compiled
    value, (g,) = program.run((0.7,))
    assert type(value) is float and type(g) is float
    np.testing.assert_allclose(g, eager(f, (0.7,), (0,))[1][0], rtol=1e-12)


# -- 5. what comes back ----------------------------------------------------------------------
def test_float_in_float_out(path):
    def f(x, y):
        return x * x * y

    vg, program, _ = replayed(f, (1.0, 2.0), (0, 1))
    on_path(program, path)
    value, (gx, gy) = vg(3.0, 0.5)
    assert (type(value), type(gx), type(gy)) == (float, float, float)
    assert (value, gx, gy) == (4.5, 3.0, 9.0)
    # An argument not differentiated is data: its gradient is not asked for.
    g = [st.grad(f, argnums=1)(3.0, 0.5) for _ in range(3)][-1]
    assert type(g) is float and g == 9.0


@pytest.mark.parametrize("kind", ["np.float64", "0-d array", "int"])
def test_numbers_of_other_types(kind, path):
    make = {"np.float64": np.float64, "0-d array": lambda x: np.array(float(x)), "int": int}[kind]

    def f(x):
        return x * x * x

    vg, program, runs = replayed(f, (make(2),))
    on_path(program, path)
    value, g = vg(make(3))
    assert runs and value == 27.0 and type(value) is float
    if kind == "0-d array":
        assert type(g) is np.ndarray and g.shape == () and g == 27.0
    else:
        assert type(g) is float and g == 27.0


def test_vector_in_vector_out(path):
    vg, program, _ = replayed(sauna_of, (np.array([1.0, 2.0]),))
    on_path(program, path)
    p = np.array([0.5, 0.6])
    first = vg(p)[1]
    assert type(first) is np.ndarray and first.shape == (2,) and first.dtype == np.float64
    first[:] = 7.0  # the caller's to keep: the next call makes a new array
    np.testing.assert_array_equal(vg(p)[1], eager(sauna_of, (p,), (0,))[1][0])


def test_matrix_in_matrix_out_with_zeros_for_unused_elements(path):
    def f(m):
        return m[0, 1] * m[1, 0] + m[-1, -1] ** 3

    vg, program, _ = replayed(f, (np.ones((2, 2)),))
    on_path(program, path)
    m = np.array([[5.0, 2.0], [3.0, 4.0]])
    value, g = vg(m)
    assert type(g) is np.ndarray and g.shape == (2, 2) and g.dtype == np.float64
    np.testing.assert_array_equal(g, [[0.0, 3.0], [2.0, 48.0]])
    assert value == 70.0
    # Elements are read in the array's logical order whatever its memory order.
    value, g = vg(np.asfortranarray(m))
    np.testing.assert_array_equal(g, [[0.0, 3.0], [2.0, 48.0]])


def test_unused_inputs_get_zero(path):
    def f(v, x):
        return v[-2] * 2.0

    vg, program, _ = replayed(f, (np.ones(3), 1.0), (0, 1))
    on_path(program, path)
    _, (gv, gx) = vg(np.array([4.0, 5.0, 6.0]), 3.0)
    assert gv.dtype == np.float64
    np.testing.assert_array_equal(gv, [0.0, 2.0, 0.0])
    assert type(gx) is float and gx == 0.0

    def h(v, x):
        return x * 2.0

    vg, program, _ = replayed(h, (np.ones((2, 2)), 1.0), (0, 1))
    on_path(program, path)
    _, (gv, gx) = vg(np.full((2, 2), 4.0), 3.0)
    assert gv.dtype == np.float64 and gv.shape == (2, 2) and not gv.any()
    assert gx == 2.0


def _not_over_floats(f, x, expected_dtype):
    vg = st.value_and_grad(f)
    results = [vg(x) for _ in range(3)]
    program = entry_for(f).program
    assert program is not None and not program.floats  # replayed, by the NumPy program
    run, (expected,) = eager(f, (x,), (0,))
    for value, g in results:
        assert g.dtype == expected_dtype and g.shape == x.shape
        np.testing.assert_array_equal(g, expected)
        assert value == run.value


def test_large_arrays_are_not_unpacked():
    def f(v):
        return v[0] * v[1]

    x = np.arange(1.0, replay.MAX_FLOAT_ELEMENTS + 2.0)
    _not_over_floats(f, x, np.float64)


def test_float32_stays_float32():
    def f(v):
        return v[0] * v[1]

    _not_over_floats(f, np.array([1.5, 2.5], dtype=np.float32), np.float32)


def test_reductions_are_not_over_floats():
    def f(v):
        return np.sum(v * v)

    _not_over_floats(f, np.array([1.5, 2.5]), np.float64)


# -- 6. the value ----------------------------------------------------------------------------
def product(x, y):
    return x * y * (x - 6.0) / 90.0 + y * y


def test_value_is_the_functions_own(path, fallbacks):
    vg, program, _ = replayed(product, (1.0, 2.0), (0, 1))
    on_path(program, path)
    for x, y in [(0.5, 0.6), (3.0, -1.25), (1e-3, 7.0)]:
        value, _ = vg(x, y)
        assert type(value) is float and value == product(x, y)
    vg_log, _, _ = replayed(log_flow, (0.5,))
    with np.errstate(divide="ignore"):
        assert vg_log(0.0)[0] == np.log(flow(0.0)) == -math.inf
        assert vg_log(0.75)[0] == pytest.approx(np.log(flow(0.75)), rel=1e-12)
    assert len(fallbacks) == 1  # only the call at 0 went to NumPy


def test_dividing_by_a_constant_zero_gives_numpys_inf():
    # The local derivative of x / 0.0 is 1 / 0.0: inf as NumPy says, not a ZeroDivisionError.
    with np.errstate(divide="ignore"):
        assert st.grad(lambda x: x / 0.0)(1.0) == math.inf
