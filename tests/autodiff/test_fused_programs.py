"""Recorded programs over large arrays, with fused elementwise runs, equal the plain path.

Each function is differentiated three ways: traced (first call), replayed by
the plain NumPy program (fusion switched off), and replayed by the fused
program.  The fused runs call the same ufuncs in the same order, writing
into arrays kept between calls, so the values and gradients agree bit for bit.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import fuse

N = fuse.FUSE_AT + 3  # large enough to be fused


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rational(x):
    return np.sum((x * x + 1.0) / (2.0 + np.abs(x)) - np.sqrt(x * x + 3.0) * x)


def broadcast(w):
    # A row against a column: the gradient is summed back over the broadcast axis.
    return np.mean((w[:, None] * np.linspace(-1.0, 1.0, 3)[None, :] - 0.5) ** 2)


def with_branch(x):
    # np.maximum reads the values (a mask): the recording is checked on replay.
    return np.sum(np.maximum(x, 0.0) * x - 3.0 * x)


def two_arguments(x, y):
    return np.sum((x - y) ** 2 * 0.5 + x * y / 4.0)


ROWS = np.stack([np.ones(N), -np.ones(N)])


def growing(x):
    # An intermediate smaller than the result it feeds: x * 2.0 - 1.0 is (N,), the sum (2, N).
    return np.sum((((x * 2.0 - 1.0) + ROWS) * 0.5) ** 2)


FUNCTIONS = [rosenbrock, rational, broadcast, with_branch, growing]


def _point(n, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1.5, 2.0, n).astype(dtype)


def _three_ways(f, args, monkeypatch, value=False):
    """(traced, plain replay, fused replay) results of value_and_grad or grad."""
    def transform(g):
        return st.value_and_grad(g, argnums=tuple(range(len(args)))) if value else st.grad(
            g, argnums=tuple(range(len(args))))

    traced = transform(lambda *a: f(*a))(*args)  # a fresh function: traced
    with monkeypatch.context() as patch:
        patch.setattr(fuse, "ENABLED", False)
        plain = transform(lambda *a: f(*a))
        results = [plain(*args) for _ in range(3)]
    fused = transform(lambda *a: f(*a))
    fused_results = [fused(*args) for _ in range(3)]
    return traced, results[-1], fused_results[-1]


def _flat(result):
    if isinstance(result, tuple):
        return [a for part in result for a in _flat(part)]
    return [np.asarray(result)]


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [False, True], ids=["grad", "value_and_grad"])
def test_fused_equals_plain_bit_for_bit(f, value, monkeypatch):
    traced, plain, fused = _three_ways(f, (_point(N),), monkeypatch, value)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(fused)):
        assert a.shape == b.shape == c.shape
        assert np.array_equal(b, c)  # the same operations in the same order
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_several_arguments(monkeypatch):
    traced, plain, fused = _three_ways(two_arguments, (_point(N, 1), _point(N, 2)), monkeypatch)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(fused)):
        assert np.array_equal(b, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_rosenbrock_matches_its_gradient_written_out():
    x = _point(N)
    g = st.grad(rosenbrock)
    for _ in range(3):
        result = g(x)
    expected = np.empty_like(x)
    inner = x[1:] - x[:-1] ** 2
    expected[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1 - x[:-1])
    expected[-1] = 0.0
    expected[1:] += 200.0 * inner
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-9)


def test_float32_keeps_its_dtype_and_values(monkeypatch):
    # float32 programs are not fused.
    traced, plain, fused = _three_ways(rosenbrock, (_point(N, dtype=np.float32),), monkeypatch)
    (traced,), (plain,), (fused,) = traced, plain, fused
    assert fused.dtype == np.float32
    assert np.array_equal(plain, fused)
    np.testing.assert_allclose(traced, fused, rtol=1e-5)


def test_a_branch_that_changes_is_followed():
    g = st.grad(with_branch)
    x = _point(N)
    for _ in range(3):
        g(x)
    flipped = -x
    expected = np.where(flipped > 0, 2.0 * flipped, 0.0) - 3.0
    np.testing.assert_allclose(g(flipped), expected, rtol=1e-12)


def test_gradients_handed_out_are_never_reused():
    # Temporaries keep their memory between calls; results never do.
    g = st.grad(rational)
    x, y = _point(N, 3), _point(N, 4)
    first = [g(x) for _ in range(3)]
    kept = first[-1].copy()
    g(y)
    assert np.array_equal(first[-1], kept)


def test_threads_do_not_share_temporaries():
    g = st.grad(rosenbrock)
    points = [_point(N, seed) for seed in range(4)]
    expected = [g(p) for p in points for _ in range(3)][2::3]
    results: dict[int, list[np.ndarray]] = {}

    def work(k):
        results[k] = [g(points[k]) for _ in range(20)]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        for r in results[k]:
            assert np.array_equal(r, expected[k])


def test_fuse_joins_a_run_into_one_kernel():
    lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
             "    s2 = 2.0 * s1 + s0", "    g0 = s2 - c3_0", "    return s2, (g0,)"]
    namespace = {"c3_0": 1}
    sizes = {"s0": N, "s1": N, "s2": N, "g0": N}
    fused = fuse.fuse(lines, namespace, {}, sizes, 1)
    assert fuse.kept_count(fused) == 2  # s1 and 2 s1 in a kept array; s2 and g0 handed out
    assert not any(line.strip().startswith("s1 =") for line in fused)  # computed inside
    code = "\n".join(fused) + "\n"
    exec(compile(code, "<test>", "exec"), namespace)
    x = _point(N)
    value, (g,) = namespace["program"]([x])
    assert np.array_equal(value, 2.0 * (x * x) + x)
    assert np.array_equal(g, value - 1.0)


def test_small_arrays_are_left_alone():
    lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
             "    s2 = 2.0 * s1 + s0", "    return s2, ()"]
    namespace: dict = {}
    assert fuse.fuse(lines, namespace, {}, {"s0": 10, "s1": 10, "s2": 10}, 1) == lines


# Small arrays: the joined expressions become direct ufunc calls (no kept arrays).
SMALL_FUNCTIONS = [rosenbrock, rational, broadcast, with_branch]


@pytest.mark.parametrize("n", [2, 10, 1000])
@pytest.mark.parametrize("f", SMALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [False, True], ids=["grad", "value_and_grad"])
def test_small_direct_programs_equal_plain_bit_for_bit(f, value, n, monkeypatch):
    traced, plain, direct = _three_ways(f, (_point(n),), monkeypatch, value)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(direct)):
        assert a.shape == b.shape == c.shape
        assert a.dtype == b.dtype == c.dtype
        assert np.array_equal(b, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_small_two_dimensional_and_several_arguments(monkeypatch):
    x, y = _point(12, 1).reshape(3, 4), _point(4, 2)  # y broadcasts over x's rows
    traced, plain, direct = _three_ways(two_arguments, (x, y), monkeypatch, value=True)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(direct)):
        assert a.shape == b.shape == c.shape
        assert np.array_equal(b, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_small_float32_stays_float32(monkeypatch):
    traced, plain, direct = _three_ways(rosenbrock, (_point(10, dtype=np.float32),),
                                        monkeypatch)
    (traced,), (plain,), (direct,) = traced, plain, direct
    assert direct.dtype == plain.dtype == np.float32
    assert np.array_equal(plain, direct)
    np.testing.assert_allclose(traced, direct, rtol=1e-5)


def test_a_replayed_gradient_follows_new_shapes_dtypes_and_branches():
    # Calls alternate between signatures: each answer is the one its own input gives.
    g = st.grad(with_branch)
    points = [_point(10, 5), _point(7, 6), _point(10, 7, np.float32), -_point(10, 5)]

    def expected(x):
        return np.where(x > 0, 2.0 * x, 0.0).astype(x.dtype) - np.asarray(3.0, x.dtype)

    for _ in range(4):
        for x in points:
            result = g(x)
            assert result.shape == x.shape and result.dtype == x.dtype
            np.testing.assert_allclose(result, expected(x), rtol=1e-6)


def test_fuse_writes_small_runs_as_direct_calls():
    lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
             "    s2 = 2.0 * s1 + s0", "    g0 = zeros(3)", "    g0[c1] -= 3.0 * s2",
             "    return s2, (g0,)"]
    namespace = {"zeros": np.zeros, "c1": slice(None, None, -1)}
    direct = fuse.fuse(lines, namespace, {}, {"s0": 3, "s1": 3, "s2": 3, "g0": 3}, 1,
                       small=True)
    assert fuse.kept_count(direct) == 0
    assert not any(" * " in line or "-=" in line for line in direct)
    exec(compile("\n".join(direct) + "\n", "<test>", "exec"), namespace)
    x = np.array([0.5, -1.25, 2.0])
    value, (g,) = namespace["program"]([x])
    assert np.array_equal(value, 2.0 * (x * x) + x)
    expected = np.zeros(3)
    expected[::-1] -= 3.0 * value
    assert np.array_equal(g, expected)


# Large arrays: runs computed block by block (a size that is no multiple of the block).
BLOCKED_N = fuse.BLOCK_AT + fuse.BLOCK // 3 + 7


@pytest.mark.parametrize("f", [rosenbrock, rational, broadcast, with_branch],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [False, True], ids=["grad", "value_and_grad"])
def test_blocked_runs_equal_plain_bit_for_bit(f, value, monkeypatch):
    x = _point(BLOCKED_N)
    traced, plain, blocked = _three_ways(f, (x,), monkeypatch, value)
    with monkeypatch.context() as patch:
        patch.setattr(fuse, "BLOCKED", False)
        whole = st.grad(lambda *a: f(*a)) if not value else st.value_and_grad(
            lambda *a: f(*a))
        unblocked = [whole(x) for _ in range(3)][-1]
    for a, b, c, d in zip(_flat(traced), _flat(plain), _flat(blocked), _flat(unblocked)):
        assert a.shape == b.shape == c.shape == d.shape
        assert np.array_equal(b, c) and np.array_equal(d, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_blocked_runs_with_two_arguments_and_strided_views(monkeypatch):
    # x[::2] is not in memory in order: that run goes over whole arrays instead.
    def strided(x, y):
        return np.sum((x[::2] - y[1::2]) ** 2 * 0.5 + x[1::2] * y[::2] / 4.0)

    args = (_point(2 * BLOCKED_N, 1), _point(2 * BLOCKED_N, 2))
    traced, plain, blocked = _three_ways(strided, args, monkeypatch)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(blocked)):
        assert np.array_equal(b, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    traced, plain, blocked = _three_ways(two_arguments, args, monkeypatch, value=True)
    for a, b, c in zip(_flat(traced), _flat(plain), _flat(blocked)):
        assert np.array_equal(b, c)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_blocked_kernels_are_generated_for_large_runs():
    lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
             "    s2 = 2.0 * s1 + s0", "    g0 = zeros(S)", "    g0[c1] -= 3.0 * s2",
             "    return s2, (g0,)"]
    n = BLOCKED_N
    namespace = {"zeros": np.zeros, "S": (n,), "c1": slice(None)}
    fused = fuse.fuse(lines, namespace, {}, {"s0": n, "s1": n, "s2": n, "g0": n}, 1)
    assert sum("blocked_into(" in line for line in fused) == 1
    assert sum("blocked_over(" in line for line in fused) == 1
    exec(compile("\n".join(fused) + "\n", "<test>", "exec"), namespace)
    x = _point(n)
    value, (g,) = namespace["program"]([x])
    assert np.array_equal(value, 2.0 * (x * x) + x)
    assert np.array_equal(g, np.zeros(n) - 3.0 * value)


def test_consecutive_blocked_runs_go_together_as_the_plain_program():
    lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0[c1]", "    s2 = s0[c2]",
             "    g0 = zeros(S)", "    g0[c2] -= 2.0 * (1.0 - s2)",
             "    g5 = 200.0 * (s1 - s2 * s2)", "    g0[c2] -= g5 * (2.0 * s2)",
             "    g0[c1] += g5", "    return None, (g0,)"]
    n = BLOCKED_N
    namespace = {"zeros": np.zeros, "S": (n,), "c1": slice(1, None), "c2": slice(None, -1)}
    sizes = {"s0": n, "s1": n - 1, "s2": n - 1, "g0": n, "g5": n - 1}
    fused = fuse.fuse(lines, namespace, {}, sizes, 1)
    assert sum("blocked_group(" in line for line in fused) == 1
    plain: dict = {"zeros": np.zeros, "S": (n,), "c1": slice(1, None), "c2": slice(None, -1)}
    exec(compile("\n".join(lines) + "\n", "<plain>", "exec"), plain)
    exec(compile("\n".join(fused) + "\n", "<fused>", "exec"), namespace)
    x = _point(n)
    for _ in range(2):  # the second call writes into the kept arrays of the first
        assert np.array_equal(namespace["program"]([x])[1][0], plain["program"]([x])[1][0])


def test_a_group_whose_writes_overlap_its_reads_runs_one_run_after_another():
    def shift_add(OUT, BUF, v, a):
        return np.add(v, a, out=OUT)

    n = BLOCKED_N
    g, x = np.arange(float(n + 1)), np.ones(n)
    expected = g.copy()
    expected[:-1] += x
    expected[:-1] += expected[1:]  # reads what the first run wrote, shifted by one
    first, second = g[:-1], g[:-1]
    fuse.blocked_group(((shift_add, 0, first, (first, x)),
                        (shift_add, 0, second, (second, g[1:]))))
    assert np.array_equal(g, expected)


# -- random programs: every way of calling a recorded program, fused and plain ---------
# Each program is a chain of the operations that are fused (+ - * /, negation, sqrt, abs)
# and of others that are not (exp, tanh, a mean), ending in a total.  Which intermediate
# values the total needs, and which only the gradient does, differs from one program to
# the next, so the program with the value and the one with the gradient alone keep
# different arrays.
_STEPS = {
    "add": lambda a, x: a + x,
    "sub": lambda a, x: 1.5 - a,
    "mul": lambda a, x: a * x,
    "div": lambda a, x: a / (2.0 + np.abs(x)),
    "neg": lambda a, x: -a,
    "sqrt": lambda a, x: np.sqrt(a * a + 1.0),
    "abs": lambda a, x: np.abs(a),
    "tanh": lambda a, x: np.tanh(a),
    "exp": lambda a, x: np.exp(-a * a),
    "centred": lambda a, x: a - np.mean(a),
}
_ENDS = {
    "sum": np.sum,
    "mean_square": lambda a: np.mean(a * a),
    "sum_sqrt": lambda a: np.sum(np.sqrt(a * a + 0.5)),
}


def _then(inner, step):
    return lambda x: step(inner(x), x)


def _program(steps, end):
    """The program as closures over functions alone (outside data of other kinds, a
    list of names, would have it traced afresh on every call, never replayed)."""
    chain = _identity
    for name in steps:
        chain = _then(chain, _STEPS[name])
    total = _ENDS[end]
    return lambda x: total(chain(x))


def _identity(x):
    return x


def _calls(f, x, value, calls=4):
    """The results of ``calls`` calls of one transform of ``f``, grad and value_and_grad
    in turn when ``value`` (the two programs of one recording, one after the other)."""
    grad, both = st.grad(f), st.value_and_grad(f)
    return [_flat(both(x) if value and k % 2 else grad(x)) for k in range(calls)]


@given(steps=hs.lists(hs.sampled_from(sorted(_STEPS)), min_size=1, max_size=5),
       end=hs.sampled_from(sorted(_ENDS)), value=hs.booleans())
@example(steps=["sqrt"], end="sum_sqrt", value=False)  # once an IndexError on the third call
@example(steps=["mul", "sqrt"], end="sum_sqrt", value=True)
@settings(max_examples=15)
def test_random_fused_programs_equal_plain_ones_on_every_call(steps, end, value):
    f = _program(steps, end)
    x = _point(N, seed=len(steps))
    fused = _calls(f, x, value)
    fuse.ENABLED = False
    try:
        plain = _calls(f, x, value)
    finally:
        fuse.ENABLED = True
    for fused_call, plain_call in zip(fused, plain):
        for a, b in zip(fused_call, plain_call):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(fused[-1], plain[-1]):  # replays: the same ufuncs in the same order
        assert np.array_equal(a, b)
