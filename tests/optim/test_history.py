"""History: every iterate, loss, gradient, step and rate; frames, tables, bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hst

import steepest as st
from steepest.optim.history import KEEP_ITERATES_UP_TO, History

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def test_rows_match_an_independent_replay():
    f = st.Function(SAUNA)
    res = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=25)
    x = np.array([0.5, 0.6])
    for k in range(26):
        np.testing.assert_allclose(res.history.x[k], x, rtol=1e-14)
        np.testing.assert_allclose(res.history.grad[k], f.grad(*x), rtol=1e-12)
        assert res.history.loss[k] == pytest.approx(f(*x), rel=1e-14)
        x = x - 0.05 * f.grad(*x)
    np.testing.assert_allclose(res.history.grad_norm, np.linalg.norm(res.history.grad, axis=1))
    steps = np.linalg.norm(np.diff(res.history.x, axis=0), axis=1)
    np.testing.assert_allclose(res.history.step[1:], steps, rtol=1e-12)
    assert np.isnan(res.history.step[0]) and np.isnan(res.history.lr[0])
    np.testing.assert_allclose(res.history.lr[1:], 0.05)


def test_to_frame_columns_and_start_row():
    res = st.minimize("x^2 - 4x + 4", 0.0, lr=0.4, max_iter=5)
    frame = res.history.to_frame()
    assert list(frame.columns) == ["iteration", "x", "loss", "grad_norm", "step", "lr"]
    assert frame["iteration"].tolist() == list(range(6))
    assert frame.loc[0, "x"] == 0.0 and frame.loc[0, "loss"] == 4.0
    assert frame.loc[0, "grad_norm"] == 4.0
    assert frame["x"].round(5).tolist()[1:] == [1.6, 1.92, 1.984, 1.9968, 1.99936]
    assert res.to_frame().equals(frame)


def test_vector_frame_and_expanded_columns():
    res = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=3)
    frame = res.history.to_frame()
    assert frame.loc[1, "x"].tolist() == pytest.approx([0.50567, 0.604675])
    wide = res.history.to_frame(expand=True)
    assert list(wide.columns[:3]) == ["iteration", "x", "y"]
    assert wide.loc[1, "y"] == pytest.approx(0.604675)


def test_matrix_shaped_parameters_keep_their_shape():
    target = np.arange(6.0).reshape(2, 3)
    res = st.minimize(
        lambda w: np.sum((w - target) ** 2), np.zeros((2, 3)), lr=0.25, max_iter=40, tol=None
    )
    assert res.x.shape == (2, 3)
    assert res.history.x.shape == (41, 2, 3)
    assert res.history.grad.shape == (41, 2, 3)
    np.testing.assert_allclose(res.x, target, atol=1e-6)


def test_table_for_vectors_and_maximize():
    res = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=2)
    assert res.table().splitlines()[0] == "x: 0.50 | y: 0.60 | loss: 84.97"
    assert len(res.table().splitlines()) == 2
    assert len(res.table(final=True).splitlines()) == 3
    up = st.maximize("-(x^2 - 4x + 4)", 0.0, lr=0.4, max_iter=2)
    assert up.table().splitlines()[1] == "x: 1.60 | value: -0.16"
    plain = st.minimize(lambda w: np.sum(w**2), np.ones(2), lr=0.25, max_iter=1)
    assert plain.table(digits=3) == "x: (1.000, 1.000) | loss: 2.000"


def test_record_false_keeps_no_history_but_same_answer():
    kept = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=50)
    lean = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=50, record=False)
    assert lean.history is None
    np.testing.assert_array_equal(kept.x, lean.x)
    with pytest.raises(ValueError, match="record=False"):
        lean.to_frame()


def test_long_runs_have_bounded_memory():
    res = st.minimize(
        lambda x: x**2,
        1e3,
        grad=lambda x: 2 * x,
        lr=1e-4,
        max_iter=20_000,
        tol=None,
        history_limit=400,
    )
    history = res.history
    assert history.thinned
    iterations = history.iteration
    assert len(history) <= 400 + 100 + 1
    assert iterations[0] == 0 and iterations[-1] == 20_000
    assert np.all(np.diff(iterations) > 0)
    assert np.array_equal(iterations[:100], np.arange(100))  # the first quarter, in full
    assert np.array_equal(iterations[-100:], np.arange(19_901, 20_001))  # the last, in full
    # Kept rows are exact: x_k = 1e3 (1 - 2e-4)^k.
    np.testing.assert_allclose(history.x, 1e3 * (1 - 2e-4) ** iterations, rtol=1e-9)
    assert "thinned" in repr(history)
    assert "iterations not kept" in res.table()


@given(steps=hst.integers(1, 3000), limit=hst.integers(4, 300))
def test_history_thinning_property(steps, limit):
    history = History(shape=(), limit=limit)
    for k in range(steps + 1):
        history.record(k, np.array([float(k)]), float(k), np.array([1.0]), 1.0, 0.1)
    iterations = history.iteration
    assert iterations[0] == 0 and iterations[-1] == steps
    assert np.all(np.diff(iterations) > 0)
    assert len(history) <= limit + limit // 4 + 1
    np.testing.assert_array_equal(history.x, iterations.astype(float))
    np.testing.assert_array_equal(history.loss, iterations.astype(float))
    if steps + 1 <= limit:
        assert len(history) == steps + 1 and not history.thinned


def test_large_parameters_shrink_the_row_limit_when_iterates_are_asked_for():
    history = History(shape=(1_000_000,), iterates=True)
    assert history.limit == 5  # 5 rows of iterates and gradients: 10 million floats
    assert History(shape=(1_000_000,)).limit == 100_000  # summaries only: no budget to share


def test_large_runs_keep_summaries_not_iterates():
    n = KEEP_ITERATES_UP_TO + 1
    c = np.linspace(-1.0, 1.0, n)
    res = st.minimize(lambda x: 0.5 * float((x - c) @ (x - c)), np.zeros(n), grad=lambda x: x - c,
                      lr=0.5, max_iter=6, tol=None)
    history = res.history
    assert not history.iterates and len(history) == 7
    expected = np.sqrt(n * np.mean(c**2)) * 0.5 ** np.arange(7)  # |x - c| halves each step
    np.testing.assert_allclose(history.grad_norm, expected, rtol=1e-12)
    np.testing.assert_allclose(history.loss, 0.5 * expected**2, rtol=1e-12)
    with pytest.raises(st.errors.OptimizationError, match="record='all'"):
        _ = history.x
    with pytest.raises(st.errors.OptimizationError, match="not kept"):
        _ = history.grad
    frame = history.to_frame()
    assert list(frame.columns) == ["iteration", "loss", "grad_norm", "step", "lr"]
    assert history.table().splitlines()[1].startswith("step 1 | loss:")
    np.testing.assert_allclose(res.x, c * (1 - 0.5**6))


def test_a_long_run_over_many_parameters_holds_a_few_vectors_at_a_time():
    n, steps = 100_000, 20
    c = np.linspace(-1.0, 1.0, n)
    start = np.zeros(n)
    tracemalloc.start()
    try:
        res = st.minimize(lambda x: 0.5 * float((x - c) @ (x - c)), start,
                          grad=lambda x: x - c, lr=0.1, max_iter=steps, tol=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.nit == steps and len(res.history) == steps + 1
    # The loop holds its point, gradient, step and the new point and gradient: a history
    # keeping iterates would hold 2 vectors a step (40 here).
    assert peak < 8 * n * 8


def test_record_all_keeps_the_iterates_of_a_large_run():
    n = KEEP_ITERATES_UP_TO + 1
    res = st.minimize(lambda x: 0.5 * float(x @ x), np.ones(n), grad=lambda x: x.copy(), lr=0.5,
                      max_iter=3, tol=None, record="all")
    assert res.history.iterates
    np.testing.assert_allclose(res.history.x[:, 0], [1.0, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(res.history.grad_norm, np.sqrt(n) * 0.5 ** np.arange(4))


def test_small_runs_keep_their_iterates_and_unknown_record_options_are_refused():
    res = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=3)
    assert res.history.iterates and res.history.x.shape == (4, 2)
    with pytest.raises(st.errors.OptimizationError, match="record must be"):
        st.minimize(SAUNA, [0.5, 0.6], record="everything")


def test_result_to_dict_is_json():
    res = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=3)
    data = res.to_dict(history=True)
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert back["x"] == pytest.approx(list(res.x))
    assert back["history"]["step"][0] is None  # nan at the start becomes null
    assert back["variables"] == ["x", "y"]
    assert back["status"] == "max_iter"


def test_grid_history_keeps_every_point():
    grid = np.linspace(-1, 1, 21)
    res = st.minimize("x^2 + x", method="grid", grid=grid)
    np.testing.assert_allclose(res.history.x, grid)
    np.testing.assert_allclose(res.history.loss, grid**2 + grid)
    assert res.x == pytest.approx(-0.5) and res.grad is None
    assert np.all(np.isnan(res.history.grad_norm))
    assert len(res.table().splitlines()) == 21  # a grid search lists every point
    two_d = st.minimize("(x - 1)^2 + (y + 1)^2", method="grid", grid=[[0, 0], [1, -1], [2, 2]])
    assert two_d.x.tolist() == [1.0, -1.0] and two_d.nit == 3
