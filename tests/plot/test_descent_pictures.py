"""Contours, surfaces, fields, learning rates, comparisons, loss curves and histories."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st_h

import steepest as st
from steepest.errors import SteepestError

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
X, Y = sympy.symbols("x y")
SAUNA_SYMPY = 85 - X**2 * (X - 6) * Y**2 * (Y - 6) / 90


def gid_lines(ax, prefix):
    return [line for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


@pytest.fixture(scope="module")
def sauna_run():
    return st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=300)


def test_contour_path_has_one_point_per_iterate(sauna_run):
    fig = st.plot.contour(SAUNA, sauna_run, xlim=(0, 6), ylim=(0, 6), resolution=60)
    ax = fig.axes[0]
    (path,) = gid_lines(ax, "path:")
    points = np.column_stack(path.get_data())
    np.testing.assert_array_equal(points, sauna_run.history.x)
    (start,) = gid_lines(ax, "start:")
    (end,) = gid_lines(ax, "end:")
    assert (start.get_xdata()[0], start.get_ydata()[0]) == (0.5, 0.6)
    np.testing.assert_allclose([end.get_xdata()[0], end.get_ydata()[0]], sauna_run.x)


def test_contour_marks_the_minimum_found_by_calculus():
    fig = st.plot.contour(SAUNA, xlim=(0, 6), ylim=(0, 6), resolution=60, arrow_at=None)
    marks = gid_lines(fig.axes[0], "minimum")
    # SymPy, independently: the gradient vanishes at (4, 4) with a positive definite Hessian.
    gradient = [sympy.diff(SAUNA_SYMPY, v).subs({X: 4, Y: 4}) for v in (X, Y)]
    hessian = sympy.hessian(SAUNA_SYMPY, (X, Y)).subs({X: 4, Y: 4})
    assert gradient == [0, 0] and all(v > 0 for v in hessian.eigenvals())
    assert [(m.get_xdata()[0], m.get_ydata()[0]) for m in marks] == [
        pytest.approx((4.0, 4.0), abs=1e-9)
    ]


def test_gradient_arrow_points_along_minus_the_gradient(sauna_run):
    fig = st.plot.contour(SAUNA, sauna_run, xlim=(0, 6), ylim=(0, 6), resolution=40)
    (arrow,) = [t for t in fig.axes[0].texts if t.get_gid() == "arrow"]
    direction = np.subtract(arrow.xy, arrow.xyann)
    exact = -np.array([float(sympy.diff(SAUNA_SYMPY, v).subs({X: 0.5, Y: 0.6})) for v in (X, Y)])
    assert np.allclose(direction / np.linalg.norm(direction), exact / np.linalg.norm(exact))
    assert tuple(arrow.xyann) == (0.5, 0.6)


def test_contour_draws_several_labelled_paths():
    runs = {
        "left": st.minimize("x^4 - 4x^2 + x + y^2", [-0.3, 1.5], lr=0.05, max_iter=200),
        "right": st.minimize("x^4 - 4x^2 + x + y^2", [0.3, 1.5], lr=0.05, max_iter=200),
    }
    fig = st.plot.contour("x^4 - 4x^2 + x + y^2", runs, resolution=50, arrow_at="end")
    paths = {line.get_gid(): line for line in gid_lines(fig.axes[0], "path:")}
    assert set(paths) == {"path:left", "path:right"}
    for name, run in runs.items():
        assert len(paths[f"path:{name}"].get_xdata()) == len(run.history)
    assert len(gid_lines(fig.axes[0], "minimum")) == 2


def test_contour_of_numpy_code_and_of_arrays():
    points = np.array([[2.0, 1.0], [1.0, 0.5], [0.5, 0.2]])
    fig = st.plot.contour(
        lambda p: p[0] ** 2 + 3 * p[1] ** 2, points, xlim=(-3, 3), ylim=(-2, 2), resolution=40
    )
    (path,) = gid_lines(fig.axes[0], "path:")
    np.testing.assert_array_equal(np.column_stack(path.get_data()), points)
    marks = gid_lines(fig.axes[0], "minimum")
    assert len(marks) == 1 and abs(marks[0].get_xdata()[0]) < 1e-8


def test_tangent_plane_slopes_are_the_partial_derivatives():
    fig = st.plot.surface(
        "x^2 y + y^3", xlim=(-1, 3), ylim=(-1, 3), tangent_at=(1, 2), resolution=20
    )
    f = X**2 * Y + Y**3
    lines = {line.get_gid(): line for line in fig.axes[0].lines}
    for gid, var, index in (("tangent:x", X, 0), ("tangent:y", Y, 1)):
        data = lines[gid].get_data_3d()
        slope = (data[2][-1] - data[2][0]) / (data[index][-1] - data[index][0])
        assert slope == pytest.approx(float(sympy.diff(f, var).subs({X: 1, Y: 2})))
    point = lines["point"].get_data_3d()
    assert float(point[2][0]) == pytest.approx(float(f.subs({X: 1, Y: 2})))


def test_surface_path_lies_on_the_surface(sauna_run):
    fig = st.plot.surface(SAUNA, xlim=(0, 6), ylim=(0, 6), path=sauna_run, resolution=15)
    (path,) = [line for line in fig.axes[0].lines if line.get_gid() == "path"]
    xs, _ys, zs = path.get_data_3d()
    assert len(xs) == len(sauna_run.history)
    np.testing.assert_allclose(zs, sauna_run.history.loss, rtol=1e-12)


def test_surface_needs_two_variables_and_a_3d_axes():
    with pytest.raises(SteepestError):
        st.plot.surface("x + y + z")
    _fig, ax = st.plot.new_figure()
    with pytest.raises(SteepestError, match="3D"):
        st.plot.surface("x^2 + y^2", ax=ax)


def test_gradient_field_arrows_are_the_gradient():
    fig = st.plot.gradient_field("x e^(-(x^2+y^2))", density=6)
    (field,) = [c for c in fig.axes[0].collections if c.get_gid() == "field"]
    f = X * sympy.exp(-(X**2 + Y**2))
    fx = sympy.lambdify((X, Y), sympy.diff(f, X))
    fy = sympy.lambdify((X, Y), sympy.diff(f, Y))
    xs, ys = field.X, field.Y
    np.testing.assert_allclose(field.U, fx(xs, ys), atol=1e-12)
    np.testing.assert_allclose(field.V, fy(xs, ys), atol=1e-12)


def test_gradient_field_of_numpy_code_matches_the_expression():
    by_text = st.plot.gradient_field("x^2 y - y", density=4)
    by_code = st.plot.gradient_field(lambda p: p[0] ** 2 * p[1] - p[1], density=4)
    (a,) = [c for c in by_text.axes[0].collections if c.get_gid() == "field"]
    (b,) = [c for c in by_code.axes[0].collections if c.get_gid() == "field"]
    np.testing.assert_allclose(a.U, b.U, atol=1e-12)
    np.testing.assert_allclose(a.V, b.V, atol=1e-12)


# -- learning rates -----------------------------------------------------------------------------


def test_learning_rate_grid_has_one_panel_per_rate_and_the_course_iterates():
    rates = [0.1, 0.4, 0.9, 1.1]
    fig = st.plot.learning_rates("x^2 - 4x + 4", 0.0, rates, steps=5)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(rates)
    for ax, rate in zip(panels, rates):
        (path,) = gid_lines(ax, f"path:{rate:g}")
        xs = np.asarray(path.get_xdata())
        expected = [0.0]
        for _ in range(5):  # x <- x - rate f'(x), f'(x) = 2x - 4
            expected.append(expected[-1] - rate * (2 * expected[-1] - 4))
        np.testing.assert_allclose(xs, expected, rtol=1e-12)
        assert ax.get_title().startswith(f"$\\alpha = {rate:g}$")
    words = [ax.get_title().split(": ")[1] for ax in panels]
    assert words == ["creeps", "converges quickly", "overshoots back and forth", "diverges"]


def test_learning_rates_in_two_variables():
    fig = st.plot.learning_rates("x^2 + 3y^2", [2.0, 1.0], [0.05, 0.3], steps=4)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    paths = [gid_lines(ax, "path:") for ax in panels]
    assert [len(p) for p in paths] == [1, 1]
    assert all(len(p[0].get_xdata()) == 5 for p in paths)


def test_learning_rates_rejects_bad_rates():
    with pytest.raises(SteepestError, match="positive"):
        st.plot.learning_rates("x^2", 1.0, [0.1, -1])


@given(st_h.floats(0.01, 0.99))
def test_describe_run_on_a_contraction(rate):
    # On x^2 a step multiplies x by 1 - 2 rate: reversal exactly when rate > 1/2.
    path = 1.0 * (1 - 2 * rate) ** np.arange(6)
    words = st.plot.describe_run(path, path**2, "max_iter")
    if rate > 0.5 and abs(1 - 2 * rate) > 1e-9:
        assert words == "overshoots back and forth"
    else:
        assert words in ("creeps", "converges quickly", "does not move")


# -- compare, loss curve, history ---------------------------------------------------------------


def test_compare_draws_each_method_and_its_losses():
    fig = st.plot.compare(
        "x^2 + 10 y^2", x0=[3.0, 1.0], methods=["gd", "adam"], lr=0.05, max_iter=30
    )
    left, right = fig.axes[0], fig.axes[1]
    paths = gid_lines(left, "path:")
    losses = gid_lines(right, "history:")
    assert len(paths) == len(losses) == 2
    for path, loss in zip(paths, losses):
        assert len(path.get_xdata()) == len(loss.get_xdata())


def test_loss_curve_tangent_and_step_match_the_lesson():
    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    fig = st.plot.loss_curve("mse", y, theta=12.0, lr=0.3)
    ax = fig.axes[0]
    slope_by_hand = -2 * np.mean(y - 12.0)
    (tangent,) = gid_lines(ax, "tangent")
    xs, ys = tangent.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(slope_by_hand)
    (step,) = gid_lines(ax, "next")
    assert step.get_xdata()[0] == pytest.approx(12.0 - 0.3 * slope_by_hand)
    assert step.get_ydata()[0] == pytest.approx(np.mean((y - step.get_xdata()[0]) ** 2))
    (rug,) = gid_lines(ax, "rug")
    np.testing.assert_array_equal(np.sort(rug.get_xdata()), y)
    (curve,) = gid_lines(ax, "curve")
    thetas, values = (np.asarray(v) for v in curve.get_data())
    np.testing.assert_allclose(values, ((y[:, None] - thetas) ** 2).mean(axis=0))


def test_loss_curve_from_an_expression_in_theta_and_y():
    y = np.array([1.0, 2.0, 4.0])
    by_name = st.plot.loss_curve("mae", y, thetas=(0, 5))
    by_text = st.plot.loss_curve("|y - theta|", y, thetas=(0, 5))
    a = by_name.axes[0].lines[0].get_ydata()
    b = by_text.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_loss_curve_needs_data_for_a_named_loss():
    with pytest.raises(SteepestError, match="needs data"):
        st.plot.loss_curve("mse")
    with pytest.raises(SteepestError, match="theta"):
        st.plot.loss_curve("mse", [1.0, 2.0], lr=0.1)


def test_history_has_one_point_per_iterate_on_a_log_scale():
    runs = {rate: st.minimize("x^2 - 4x + 4", 0.0, lr=rate, max_iter=25) for rate in (0.1, 0.3)}
    fig = st.plot.history(runs)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    for rate, run in runs.items():
        (line,) = gid_lines(ax, f"history:{rate}")
        np.testing.assert_array_equal(line.get_ydata(), run.history.loss)


def test_history_gap_to_the_optimum():
    run = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=60)
    optimum = 3313 / 45
    fig = st.plot.history(run, optimum=optimum)
    (line,) = gid_lines(fig.axes[0], "history:")
    gaps = np.asarray(line.get_ydata())
    expected = run.history.loss - optimum
    np.testing.assert_allclose(gaps[expected > 0], expected[expected > 0])
    assert fig.axes[0].get_yscale() == "log"


def test_history_per_epoch_of_a_stochastic_run():
    y = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
    run = st.minimize(
        lambda t, b: np.mean((b - t) ** 2),
        0.0,
        data=y,
        batch_size=2,
        epochs=6,
        seed=0,
        lr=0.1,
        tol=None,
    )
    fig = st.plot.history(run, per="epoch")
    (line,) = fig.axes[0].lines
    assert len(line.get_xdata()) == 7  # the start and six epochs
    with pytest.raises(SteepestError, match="stochastic"):
        st.plot.history(st.minimize("x^2", 1.0, max_iter=3), per="epoch")
