"""A run that stops where the gradient vanishes but f is not a minimum says so (status saddle).

A saddle point, a stationary inflection or a maximum meets every stopping rule
of descent; the second-order check at the end of a converged run tells them
from minima, flat ones (x^4) included.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.cli.main import cli
from steepest.optim.result import STATUSES
from steepest.optim.stopping import SECOND_ORDER_LIMIT


def test_newton_at_the_inflection_of_x_cubed_is_no_minimum():
    res = st.minimize("x^3", 1.0, method="newton")
    assert res.status == "saddle" and not res.success
    assert "inflection, not a minimum" in res.message
    assert "f keeps decreasing as x decreases" in res.message
    assert res.message.startswith("saddle after 20 steps: the last step moved")


@pytest.mark.parametrize("method", ["newton", "gd"])
def test_descent_to_the_saddle_of_x2_minus_y2_is_no_minimum(method):
    res = st.minimize("x^2 - y^2", [1.0, 0.0], method=method)
    assert res.x[1] == 0.0  # the start is on the saddle's stable line: y never moves
    assert res.status == "saddle"
    assert "saddle point, not a minimum: f decreases along (0, 1) (curvature -2)" in res.message
    assert "start from another point" in res.message


def test_a_numpy_saddle_a_rotated_one_and_a_maximum():
    res = st.minimize(lambda v: v[0] ** 2 - v[1] ** 2, np.array([1.0, 0.0]))
    assert res.status == "saddle" and "along (0, 1)" in res.message
    rotated = st.minimize("x y", [0.0, 0.0])  # the gradient is zero: one step of length 0
    assert rotated.status == "saddle" and "along (0.707, -0.707)" in rotated.message
    top = st.minimize("-x^2 - y^2", [0.0, 0.0])
    assert top.status == "saddle" and "this is a maximum, not a minimum" in top.message


def test_a_large_constant_hides_the_fall_but_not_the_curvature():
    res = st.minimize("1e10 + x^2 - y^2", [1.0, 0.0])
    assert res.status == "saddle" and "(curvature -2)" in res.message


def test_the_check_follows_every_stopping_rule_of_a_full_batch_run():
    at_start = st.minimize("x^2 - y^2", [0.0, 0.0], gtol=1e-8)
    assert at_start.status == "saddle" and at_start.nit == 0
    by_ftol = st.minimize("x^2 - y^2", [1.0, 0.0], tol=None, ftol=1e-12)
    assert by_ftol.status == "saddle"


@pytest.mark.parametrize("method", ["newton", "lbfgs"])
def test_the_flat_minimum_of_x4_stays_converged(method):
    res = st.minimize("x^4", 1.0, method=method)
    assert res.status == "converged" and res.success
    assert res.message.startswith("converged after")
    assert st.minimize(lambda x: x**4 + 1.0, 1.0, method=method).status == "converged"


def test_rosenbrock_converges_at_its_true_minimum():
    for method in ("newton", "lbfgs"):
        res = st.minimize("(1-x)^2 + 100(y-x^2)^2", [-1.2, 1.0], method=method)
        assert res.status == "converged"
        np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)
    rosenbrock = lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2  # noqa: E731
    slow = st.minimize(rosenbrock, np.array([0.0, 0.0]), lr=1e-3, max_iter=20_000)
    assert slow.status == "converged"  # stopped on tol in the flat valley, short of (1, 1)


def test_a_minimum_with_a_flat_direction_stays_converged():
    res = st.minimize(lambda v: (v[0] - 1.0) ** 2 + 0.0 * v[1], np.array([0.0, 5.0]))
    assert res.status == "converged"


def test_maximization_is_symmetric():
    res = st.maximize("-x^3", 1.0, method="newton")
    assert res.status == "saddle" and res.maximize
    assert "inflection, not a maximum: f keeps increasing as x decreases" in res.message
    saddle = st.maximize("y^2 - x^2", [1.0, 0.0])  # ascent on x leads to the saddle
    assert saddle.status == "saddle"
    assert "saddle point, not a maximum: f increases along (0, 1) (curvature 2)" in saddle.message
    top = st.maximize("-(x-1)^2 - 2 (y+1)^2", [0.0, 0.0], method="newton")
    assert top.status == "converged"


def test_a_step_made_short_by_a_small_rate_is_not_named_a_stationary_point():
    # The gradient is still 2 at (1, 0): whatever this is, it is not a maximum or a saddle.
    res = st.minimize("-x^2 - y^2", [1.0, 0.0], lr=1e-8)
    assert res.nit == 1 and "maximum" not in res.message and "saddle" not in res.message


def test_the_status_is_one_of_the_documented_ones():
    assert "saddle" in STATUSES
    res = st.minimize("x^2 - y^2", [1.0, 0.0])
    assert res.to_dict()["status"] == "saddle" and "status: saddle" in repr(res)


def test_beyond_the_parameter_limit_the_point_is_not_checked():
    n = SECOND_ORDER_LIMIT + 1
    signs = np.ones(n)
    signs[-1] = -1.0
    start = np.zeros(n)
    start[0] = 1.0
    res = st.minimize(lambda v: np.sum(signs * v**2), start)
    assert res.status == "converged"  # documented: the check costs O(n) evaluations
    small = st.minimize(lambda v: np.sum(signs[-3:] * v**2), start[-3:] + [1.0, 0, 0])
    assert small.status == "saddle"


def test_the_check_leaves_the_path_alone():
    res = st.minimize("x^2 - y^2", [1.0, 0.0], lr=0.1)
    plain = st.minimize("x^2 - y^2", [1.0, 0.0], lr=0.1, max_iter=res.nit, tol=None)
    np.testing.assert_array_equal(res.history.x, plain.history.x)
    np.testing.assert_array_equal(res.history.loss, plain.history.loss)
    assert res.nfev > plain.nfev  # the check's evaluations are counted


def test_models_fits_stay_converged():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=60)
    exact = st.models.LinearRegression(solver="normal").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", st.models.ConvergenceWarning)
        for solver in ("gd", "lbfgs", "newton"):
            fit = st.models.LinearRegression(solver=solver).fit(X, y)
            assert fit.converged_
            np.testing.assert_allclose(fit.coef_, exact.coef_, rtol=1e-4)
        twice = np.column_stack([X[:, 0], 2 * X[:, 0]])  # rank deficient: a flat direction
        assert st.models.LinearRegression(solver="gd").fit(twice, y).converged_
        labels = (X[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
        assert st.models.LogisticRegression(solver="lbfgs").fit(X, labels).converged_


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_json_and_words():
    out = invoke("minimize", "x^2 - y^2", "--x0", "1,0", "--json")
    assert out.exit_code == 0  # a verdict in words, as for stalled: not an error
    data = json.loads(out.output)
    assert data["status"] == "saddle" and "along (0, 1)" in data["message"]
    out = invoke("minimize", "x^3", "--x0", "1", "--method", "newton")
    assert out.exit_code == 0
    assert "status   saddle" in out.output and "inflection" in out.output
    out = invoke("maximize", "-x^3", "--x0", "1", "--method", "newton", "--json")
    assert json.loads(out.output)["status"] == "saddle"
    out = invoke("minimize", "x^4", "--x0", "1", "--method", "newton", "--json")
    assert json.loads(out.output)["status"] == "converged"


@settings(max_examples=30, deadline=None)
@given(
    n=hst.integers(2, 4),
    falling=hst.integers(1, 3),
    magnitudes=hst.lists(hst.floats(0.5, 3.0), min_size=4, max_size=4),
    mixing=hst.lists(hst.floats(-1.0, 1.0), min_size=16, max_size=16),
    stable=hst.lists(hst.floats(0.2, 2.0), min_size=4, max_size=4),
    method=hst.sampled_from(["gd", "momentum", "newton", "lbfgs"]),
)
def test_an_indefinite_quadratic_from_its_stable_manifold_never_converges(
    n, falling, magnitudes, mixing, stable, method
):
    """Started where descent leads to the saddle, a run ends anywhere but plain converged."""
    falling = min(falling, n - 1)
    eigenvalues = np.array(magnitudes[:n])
    eigenvalues[:falling] *= -1.0
    q, _ = np.linalg.qr(np.array(mixing).reshape(4, 4)[:n, :n] + 2.0 * np.eye(n))
    A = (q * eigenvalues) @ q.T
    x0 = q[:, falling:] @ np.array(stable[: n - falling])  # no part along a falling direction
    lr = 0.5 / float(np.max(magnitudes[:n])) if method in ("gd", "momentum") else None
    res = st.minimize(lambda x: 0.5 * x @ A @ x, x0, method=method, lr=lr, max_iter=5000)
    assert res.status != "converged", res.message
    assert res.status in ("saddle", "diverged", "max_iter", "stalled")


@pytest.mark.parametrize("method", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("function", ["x^2", "-x^2", "(x - 3)^2 + y^2"])
def test_steps_short_for_want_of_rate_are_not_convergence(function: str, method: str) -> None:
    """A tiny rate makes the first step shorter than tol while the gradient is as large as
    at the start: the run crept, it did not converge."""
    start = [1.0, 1.0] if "y" in function else 1.0
    res = st.minimize(function, start, lr=1e-9, method=method)
    assert res.status == "stalled"
    assert "the learning rate 1e-09 is small" in res.message
    assert np.linalg.norm(np.atleast_1d(res.grad)) > 1.0


def test_a_run_that_shrinks_its_gradient_still_converges_on_tol() -> None:
    res = st.minimize("x^2", 1.0, lr=0.1)
    assert res.status == "converged" and abs(res.x) < 1e-5
