"""No verdict on a non-finite result, and no raw NumPy warning on the way.

Whatever path a run takes (the general loop, the loop over floats, an
expression string, a model, a network, the command line), parameters or a
loss that become inf or nan end it as ``diverged`` or in one sentence of
:mod:`steepest.errors`, never as ``converged``; and NumPy's overflow and
invalid-value warnings are turned into that verdict, not printed.  Every
test here runs with RuntimeWarning as an error, so a warning that escaped
would fail it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import steepest as st
from steepest.cli.main import main
from steepest.models import ConvergenceWarning, LinearRegression, LogisticRegression
from steepest.nn import MLPRegressor

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "armijo",
           "lbfgs", "newton"]

FUNCTIONS = {
    # overflow to inf on the way
    "exp": (lambda v: np.exp(v[0] ** 2) + v[1] ** 2, "exp(x^2) + y^2", [3.0, 1.0]),
    # nan (log of a negative number) after a long step
    "log": (lambda v: np.log(v[0]) + v[1] ** 2, "log(x) + y^2", [1.0, 2.0]),
    # no minimum at all
    "cubic": (lambda v: v[0] ** 3 + v[1] ** 2, "x^3 + y^2", [-1.0, 1.0]),
    # steep: a large rate overflows the parameters
    "quartic": (lambda v: v[0] ** 4 + v[1] ** 2, "x^4 + y^2", [30.0, 1.0]),
}


def _finite(result) -> bool:
    values = [np.asarray(result.x, dtype=float), np.asarray(result.fun, dtype=float)]
    return all(bool(np.all(np.isfinite(v))) for v in values)


def _judged(result) -> None:
    """A run's verdict agrees with its numbers."""
    if not _finite(result):
        assert result.status == "diverged", (result.status, result.message)
    if result.status == "converged":
        assert _finite(result) and np.all(np.isfinite(np.asarray(result.grad, dtype=float)))
    assert "nan" not in result.message.lower() or result.status == "diverged"


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("lr", [1.0, 1e6])
def test_minimize_never_converges_on_a_non_finite_result(name, method, lr):
    function, text, start = FUNCTIONS[name]
    for f in (function, text):
        try:
            result = st.minimize(f, start, method=method, lr=lr, max_iter=200)
        except st.errors.SteepestError as error:
            assert str(error) and "\n" not in str(error).strip()
            continue
        _judged(result)


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov"])
def test_the_loop_over_floats_hands_a_blow_up_to_the_verdict(method):
    # A lambda over two numbers runs over Python floats, where math raises instead of
    # giving inf: the step that would overflow is judged by the general loop.
    result = st.minimize(lambda v: np.exp(v[0]) + v[1] ** 2, [1.0, 1.0], method=method,
                         lr=50.0, max_iter=500)
    assert result.status == "diverged"
    _judged(result)


@pytest.mark.filterwarnings("ignore::steepest.models.descent.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["gd", "sgd", "momentum", "adam", "lbfgs"])
def test_models_refuse_or_diverge_on_overflowing_data(solver):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) * 1e150
    y = X @ [1.0, 2.0]
    with pytest.raises(st.errors.SteepestError, match="overflow"):
        LinearRegression(solver=solver).fit(X, y)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, 2.0]
    try:
        model = LinearRegression(solver=solver, lr=1e200).fit(X, y)
    except st.errors.SteepestError as error:
        assert "diverged" in str(error) or "learning rate" in str(error)
    else:
        assert np.all(np.isfinite(model.coef_)) and np.isfinite(model.intercept_)


def test_logistic_and_network_blow_ups_end_in_a_sentence():
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    labels = (X[:, 0] > 0).astype(int)
    # One step of 4e299 (finite: not "the parameters became inf") to where the loss and its
    # gradient underflow to 0: no minimum, as the separable classes say.
    with pytest.warns(ConvergenceWarning, match="underflowed.*separable"):
        LogisticRegression(solver="gd", lr=1e300).fit(X * 1e100, labels)
    with pytest.raises(st.errors.SteepestError, match="diverged"):
        MLPRegressor(hidden=(8,), solver="sgd", lr=1e6, epochs=5, seed=0).fit(
            X, np.sin(3 * X[:, 0]))


def test_a_grid_point_that_overflows_has_no_value_and_no_warning():
    result = st.minimize(lambda x: np.exp(x) - x, method="grid", grid=[1000.0, 1.0, -2.0])
    assert result.x == 1.0 and result.status == "converged"
    assert np.isnan(result.history.loss[0]) or np.isinf(result.history.loss[0])


def test_over_batches_a_blow_up_is_a_divergence():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    result = st.minimize(lambda t, b: np.mean((t - b) ** 4), 10.0, data=y, batch_size=2,
                         lr=1e3, epochs=5, seed=0)
    assert result.status == "diverged"
    _judged(result)


def test_the_command_line_prints_the_verdict_not_warnings(tmp_path, capsys):
    data = tmp_path / "huge.csv"
    data.write_text("x,y\n1e100,2e150\n2e100,4.1e150\n3e100,5.9e150\n4e100,8e150\n")
    runs = [
        ["fit", "linear", "--data", str(data), "--x", "x", "--y", "y", "--solver", "gd"],
        ["minimize", "x^4 + y^2", "--x0", "30,1", "--lr", "1", "--method", "momentum"],
        ["minimize", "exp(x^2) + y^2", "--x0", "3,1", "--lr", "1"],
    ]
    for args in runs:
        # In process, with RuntimeWarning an error: a warning that escaped would raise here.
        try:
            main(args)
            code = 0
        except SystemExit as done:
            code = done.code
        captured = capsys.readouterr()
        out = captured.out + captured.err
        assert "Warning" not in out and "Traceback" not in out, out
        assert code in (1, 2), out  # diverged (1) or refused (2), never success
        assert "converged" not in out
        if code == 1:
            assert "diverged" in out


DOMAIN_EDGES = {
    # f's smallest value on the edge of its domain: falling steps cross the edge
    "sqrt": (lambda v: np.sqrt(v[0]) + v[1] ** 2, "sqrt(x) + y^2", [1.0, 0.5]),
    "log": (lambda v: np.log(v[0]) + v[1] ** 2, "log(x) + y^2", [2.0, 0.5]),
    "power": (lambda v: v[0] ** 1.5 + v[1] ** 2, "x^1.5 + y^2", [1.0, 0.5]),
}


@pytest.mark.parametrize("name", list(DOMAIN_EDGES))
@pytest.mark.parametrize("method", ["gd", "momentum", "adam", "rmsprop"])
def test_a_run_that_leaves_the_domain_says_so_and_where(name, method):
    # It said "the loss became nan at step 15", read as a learning rate too large.
    function, text, start = DOMAIN_EDGES[name]
    for f in (function, text):
        result = st.minimize(f, start, method=method, lr=0.5, max_iter=500)
        if not np.isnan(result.fun):
            continue  # this rule stopped inside the domain
        assert result.status == "diverged"
        assert "not defined there" in result.message, result.message
        assert "too large" not in result.message, result.message
        # The point named is where f has no value.
        named = [float(v) for v in re.findall(r"at \(?([-\d.e, ]+)\)?:", result.message)[0]
                 .split(",")]
        np.testing.assert_allclose(named, result.x, rtol=1e-3)
        with np.errstate(invalid="ignore"):
            assert np.isnan(function(np.asarray(result.x)))
