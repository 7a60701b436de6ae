"""The trace-once, replay-many path gives exactly what eager tracing gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.autodiff import replay
from steepest.autodiff.transforms import _ReverseRun, _scalar_seed


def eager_grad(f, *args, argnums=0):
    run = _ReverseRun(f, args, {}, (argnums,))
    return run.pullback(_scalar_seed(run.value))[0]


def entry_for(f):
    table = replay._PROGRAMS.get(id(f), {})
    assert len(table) == 1
    return next(iter(table.values()))


def sauna(p):
    x, y = p
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def test_replayed_gradient_equals_eager_gradient_bit_for_bit():
    points = np.random.default_rng(0).uniform(0, 6, size=(20, 2))
    g = st.grad(sauna)
    results = [g(p) for p in points]
    assert entry_for(sauna).program is not None
    for p, r in zip(points, results):
        np.testing.assert_array_equal(r, eager_grad(sauna, p))


def test_lesson_sauna_gradient_through_replay():
    g = st.grad(sauna)
    for _ in range(4):
        np.testing.assert_allclose(g(np.array([0.5, 0.6])), [-0.1134, -0.0935], rtol=1e-12)


def test_cache_is_keyed_by_shape_and_dtype():
    def f(w):
        return np.sum(np.tanh(w) ** 2)

    for shape in [(3,), (3,), (3,), (2, 2), (2, 2), (2, 2)]:
        w = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
        np.testing.assert_allclose(st.grad(f)(w), 2 * np.tanh(w) / np.cosh(w) ** 2)
    w32 = np.linspace(-1, 1, 3).astype(np.float32)
    for _ in range(3):
        g = st.grad(f)(w32)
        assert g.dtype == np.float32
    assert len(replay._PROGRAMS[id(f)]) == 3


def test_a_branch_replays_until_it_goes_the_other_way():
    def f(x):
        if x > 0:
            return x**2
        return -(x**3)

    gradient = st.grad(f)
    points = [1.0, 1.5, 2.0, 2.5, -2.0, -1.0, -3.0, 3.0]
    assert [gradient(v) for v in points] == [2 * v if v > 0 else -3 * v**2 for v in points]
    entry = entry_for(f)
    # 1.0 traced, 1.5 recorded, 2.0 and 2.5 replayed; -2.0 took the other branch
    # (traced), -1.0 recorded it, -3.0 replayed; 3.0 went back (traced).
    assert (entry.hits, entry.misses) == (3, 2)


def test_a_where_mask_replays_while_it_holds_and_is_recomputed_when_it_changes():
    def huber(theta, y):
        r = y - theta
        return np.mean(np.where(np.abs(r) <= 1.0, 0.5 * r**2, np.abs(r) - 0.5))

    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    thetas = [12.0, 12.01, 12.02, 12.03, 15.0, 15.01, 15.02, 12.0]
    for theta in thetas:
        r = y - theta
        expected = np.mean(np.where(np.abs(r) <= 1.0, -r, -np.sign(r)))
        assert st.grad(huber)(theta, y) == pytest.approx(expected, abs=1e-15)
    entry = entry_for(huber)
    assert (entry.hits, entry.misses) == (3, 2)


def test_a_condition_given_as_numbers_is_read_again():
    def f(x):
        return np.sum(np.where(x, x * 2.0, x * 3.0))  # x itself is the condition

    gradient = st.grad(f)
    for v in ([1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]):
        expected = np.where(np.array(v) != 0, 2.0, 3.0)
        np.testing.assert_array_equal(gradient(np.array(v)), expected)


def test_recordings_that_keep_missing_are_made_ever_more_rarely():
    def f(x):
        return x**2 if x > 0 else -(x**3)

    gradient = st.grad(f)
    points = [1.0, 2.0, -1.0, -2.0] * 25  # the branch changes every other call
    assert [gradient(v) for v in points] == [2 * v if v > 0 else -3 * v**2 for v in points]
    entry = entry_for(f)
    # Each recording was replayed at most once before it missed, so the next one
    # waited for 1, 3, 7, 15, 31, 63 traced calls: a handful of recordings in 100 calls.
    assert entry.misses <= 7 and entry.wait >= 31
    for v in [3.0, 3.5] * 40:  # one branch for good: recorded again, and replayed
        assert gradient(v) == 2 * v
    assert entry.program is not None and entry.streak > 10


def test_reads_that_cannot_be_repeated_are_never_replayed():
    def f(x):
        return np.sum(x * np.sum(x).item())  # a number read out of the trace

    gradient = st.grad(f)
    for v in ([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [3.0, 1.0]):
        x = np.array(v)
        np.testing.assert_allclose(gradient(x), np.sum(x) * np.ones(2))
    assert entry_for(f).program is None and entry_for(f).calls == -1


def test_changed_global_data_is_noticed():
    data = np.array([1.0, 2.0])

    def f(w):
        return np.sum((w - data) ** 2)

    for _ in range(3):
        np.testing.assert_array_equal(st.grad(f)(np.zeros(2)), [-2.0, -4.0])
    data[0] = 10.0  # mutated in place
    np.testing.assert_array_equal(st.grad(f)(np.zeros(2)), [-20.0, -4.0])


def test_rebound_closure_variable_is_noticed():
    batch = np.array([1.0, 1.0])

    def loss(w):
        return np.mean((w - batch) ** 2)

    seen = []
    for b in ([1.0, 1.0], [1.0, 1.0], [3.0, 5.0], [3.0, 5.0], [0.0, 0.0]):
        batch = np.array(b)
        seen.append(float(st.grad(loss)(0.0)))
    assert seen == [-2.0, -2.0, -8.0, -8.0, 0.0]


def test_data_arguments_are_inputs_not_constants():
    def mse(theta, y):
        return np.mean((y - theta) ** 2)

    rng = np.random.default_rng(1)
    for _ in range(6):
        y = rng.normal(size=5)
        assert st.grad(mse)(0.5, y) == pytest.approx(-2 * np.mean(y - 0.5))


@given(hst.lists(hst.floats(-3, 3), min_size=3, max_size=3))
def test_replay_matches_eager_on_random_inputs(values):
    def f(w):
        return np.sum(np.exp(w) * np.sin(w)) + np.prod(w[:2]) - np.max(w)

    w = np.array(values)
    for _ in range(3):
        np.testing.assert_array_equal(st.grad(f)(w), eager_grad(f, w))


def test_network_with_softmax_written_out_replays_the_eager_gradient():
    # z - max(z) sends a negated gradient into max's rule; a recorded program keeps
    # the sign outside the call, and must apply it exactly once.
    rng = np.random.default_rng(4)
    x = rng.random((16, 12), dtype=np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 16)]
    params = [rng.normal(size=(12, 8)).astype(np.float32), np.zeros(8, np.float32),
              rng.normal(size=(8, 5)).astype(np.float32), np.zeros(5, np.float32)]

    def loss(w1, b1, w2, b2, x, y):
        logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        return np.mean(np.log(np.sum(np.exp(shifted), axis=1)) - np.sum(y * shifted, axis=1))

    gradient = st.grad(loss, argnums=(0, 1, 2, 3))
    first = gradient(*params, x, y)
    for _ in range(3):
        for g, e in zip(gradient(*params, x, y), first):
            np.testing.assert_array_equal(g, e)
    assert entry_for(loss).program is not None
    t = [torch.from_numpy(p.astype(np.float64)).requires_grad_(True) for p in params]
    logits = torch.relu(torch.from_numpy(x).double() @ t[0] + t[1]) @ t[2] + t[3]
    torch.nn.functional.cross_entropy(logits, torch.from_numpy(y).double()).backward()
    for g, p in zip(first, t):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-4, atol=1e-6)


# Random programs: broadcasting, reductions, slices, signs and constants mixed, so that
# the recorded program's folding of signs, uniform gradients and sums meets every pairing.
# Each program is written out as Python source: a recorded function may read only
# what its guard can check (arrays, functions, numbers), not tables of operations.
_N, _M = 3, 4
_SHAPES = [(_N, _M), (1, _M), (_N, 1), (_M,), ()]
_UNARY = {  # template, and the result's shape (None: not for this shape)
    "neg": ("-{0}", lambda s: s),
    "tanh": ("np.tanh({0})", lambda s: s),
    "sin": ("np.sin({0})", lambda s: s),
    "square": ("np.square({0})", lambda s: s),
    "scale": ("{0} * 2.5", lambda s: s),
    "shift": ("1.5 - {0}", lambda s: s),
    "exp": ("np.exp(np.tanh({0}))", lambda s: s),
    # Reads of values: masks and signs, which a replayed call computes again.
    "leaky": ("np.where({0} > 0.2, {0}, 0.1 * {0})", lambda s: s),
    "signed": ("np.sign({0}) * np.square({0})", lambda s: s),
    "rowsum": ("np.sum({0}, axis=-1, keepdims=True)", lambda s: s[:-1] + (1,) if s else None),
    "colmean": ("np.mean({0}, axis=0, keepdims=True)",
                lambda s: (1, *s[1:]) if len(s) == 2 else None),
    "rowmax": ("np.max({0}, axis=-1, keepdims=True)", lambda s: s[:-1] + (1,) if s else None),
    "firstcol": ("{0}[..., :1]", lambda s: s[:-1] + (1,) if s else None),
    "reversed": ("{0}[::-1]", lambda s: s if s else None),
    "transposed": ("{0}.T[::-1].T", lambda s: s if s else None),
}
_BINARY = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / (1.5 + np.tanh({1}))",
    "max": "np.maximum({0}, {1})",
    "pick": "np.where({0} < {1}, {0} * 2.0, {1})",
}
_ENDS = {
    "sum": "np.sum({0})",
    "minus sum": "-np.sum({0})",
    "weighted": "np.sum(w * {0})",
    "mean": "np.mean({0}) * 3.0 - np.sum({0})",
}


@hst.composite
def _programs(draw):
    n_inputs = draw(hst.integers(1, 3))
    shapes = [draw(hst.sampled_from(_SHAPES)) for _ in range(n_inputs)]
    values = list(shapes)
    lines = []
    for _ in range(draw(hst.integers(1, 7))):
        if draw(hst.booleans()):
            i = draw(hst.integers(0, len(values) - 1))
            template, shape_of = _UNARY[draw(hst.sampled_from(sorted(_UNARY)))]
            if shape_of(values[i]) is None:
                template, shape_of = _UNARY["tanh"]
            lines.append(f"v{len(values)} = " + template.format(f"v{i}"))
            values.append(shape_of(values[i]))
        else:
            i, j = (draw(hst.integers(0, len(values) - 1)) for _ in range(2))
            template = _BINARY[draw(hst.sampled_from(sorted(_BINARY)))]
            lines.append(f"v{len(values)} = " + template.format(f"v{i}", f"v{j}"))
            values.append(np.broadcast_shapes(values[i], values[j]))
    end = _ENDS[draw(hst.sampled_from(sorted(_ENDS)))].format(f"v{len(values) - 1}")
    params = ", ".join(f"v{i}" for i in range(n_inputs))
    source = "\n".join([f"def f({params}):", *("    " + line for line in lines),
                        f"    return {end}"])
    dtype = draw(hst.sampled_from([np.float64, np.float32]))
    return shapes, source, dtype, draw(hst.integers(0, 2**16))


@settings(max_examples=150, deadline=None)
@given(_programs())
# A float32 input indexed in a float64 program: its replayed gradient was rounded to float32.
@example(([(3, 4)], "def f(v0):\n    v1 = v0[::-1]\n    return np.sum(w * v1)", np.float32, 0))
# An input the result does not depend on: its replayed zeros were float64.
@example(([(3, 4), (3, 4)], "def f(v0, v1):\n    return np.sum(np.tanh(v0))", np.float32, 1))
# A Python number input makes the program float64: a float32 local derivative times the
# uniform 1 of the output was taken as it was (float32) on replay.
@example(([(3, 4), ()], "def f(v0, v1):\n    return np.sum(v1 + np.exp(v0))", np.float32, 0))
def test_random_programs_replay_the_eager_gradient(program):
    shapes, source, dtype, seed = program
    rng = np.random.default_rng(seed)
    argnums = tuple(range(len(shapes)))

    def make():
        namespace = {"np": np, "w": w}
        exec(source, namespace)  # the test's own generated source
        return namespace["f"]

    w = rng.normal(size=(_N, _M))
    f = make()
    gradient = st.grad(f, argnums=argnums)  # its replays leave out what only the value needs
    value_and_gradient = st.value_and_grad(f, argnums=argnums)
    tolerance = 1e-12 if dtype == np.float64 else 2e-6
    fresh_functions = []  # kept alive so that no two of them share an id
    first = [rng.normal(size=s).astype(dtype) if s else float(rng.normal()) for s in shapes]
    second = [rng.normal(size=s).astype(dtype) if s else float(rng.normal()) for s in shapes]
    # Traced, recorded, replayed; then new values of the same shapes: replayed, or (when a
    # mask or sign differs) traced, recorded and replayed again.
    for args in (first, first, first, second, second, second):
        fresh = make()
        fresh_functions.append(fresh)
        expected_value, expected = st.value_and_grad(fresh, argnums=argnums)(*args)
        value, with_value = value_and_gradient(*args)  # the same recording, value and all
        np.testing.assert_allclose(value, expected_value, rtol=tolerance, atol=tolerance,
                                   err_msg=source)
        for g, v, e, a in zip(gradient(*args), with_value, expected, args):
            assert np.shape(g) == np.shape(a) == np.shape(v)
            # float32 inputs in a program with float64 constants: the traced dtype, not
            # a gradient rounded to float32 on replay (within float32's tolerance above).
            assert np.result_type(g) == np.result_type(e) == np.result_type(v), source
            np.testing.assert_allclose(g, e, rtol=tolerance, atol=tolerance, err_msg=source)
            np.testing.assert_array_equal(g, v, err_msg=source)
    assert entry_for(f).program is not None, source


def test_a_detached_value_is_not_replayed_as_a_constant():
    # z.max().detach() is a constant of each call's graph, not of the function.
    gradient = st.grad(lambda z: np.sum(np.exp(z - z.max().detach())))
    for k in range(1, 5):
        z = np.array([1.0, 2.0, 3.0]) * k
        np.testing.assert_allclose(gradient(z), np.exp(z - z.max()), rtol=1e-12)


@pytest.mark.parametrize("f", [
    lambda x, c: np.sum(c + np.exp(x)),  # exp's local derivative: its float32 result
    lambda x, c: np.sum(x * np.float32(2.5) + c),  # a float32 constant factor
    lambda x, c: -np.sum(np.tanh(x)) * 2.0 + c,
])
def test_float32_local_derivatives_in_a_float64_program_keep_the_traced_dtype(f):
    x = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4)
    gradient = st.grad(f)
    results = [gradient(x, 0.5) for _ in range(4)]  # traced, recorded, replayed
    for g in results:
        assert g.dtype == results[0].dtype, [r.dtype for r in results]
        np.testing.assert_array_equal(g, results[0])
