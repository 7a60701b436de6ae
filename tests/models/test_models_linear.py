"""LinearRegression: the normal equations, descent, and their agreement with references."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import linprog, minimize
from sklearn.linear_model import LinearRegression as SkLinearRegression

import steepest as st
from steepest.errors import DataError, OptimizationError
from steepest.models import ConvergenceWarning, LinearRegression

# NIST StRD, Longley (1967): employment against six economic series, 16 years.
# Columns: y (total employment), GNP deflator, GNP, unemployed, armed forces,
# population, year.
LONGLEY = np.array([
    [60323, 83.0, 234289, 2356, 1590, 107608, 1947],
    [61122, 88.5, 259426, 2325, 1456, 108632, 1948],
    [60171, 88.2, 258054, 3682, 1616, 109773, 1949],
    [61187, 89.5, 284599, 3351, 1650, 110929, 1950],
    [63221, 96.2, 328975, 2099, 3099, 112075, 1951],
    [63639, 98.1, 346999, 1932, 3594, 113270, 1952],
    [64989, 99.0, 365385, 1870, 3547, 115094, 1953],
    [63761, 100.0, 363112, 3578, 3350, 116219, 1954],
    [66019, 101.2, 397469, 2904, 3048, 117388, 1955],
    [67857, 104.6, 419180, 2822, 2857, 118734, 1956],
    [68169, 108.4, 442769, 2936, 2798, 120445, 1957],
    [66513, 110.8, 444546, 4681, 2637, 121950, 1958],
    [68655, 112.6, 482704, 3813, 2552, 123366, 1959],
    [69564, 114.2, 502601, 3931, 2514, 125368, 1960],
    [69331, 115.7, 518173, 4806, 2572, 127852, 1961],
    [70551, 116.9, 554894, 4007, 2827, 130081, 1962],
])  # fmt: skip
LONGLEY_INTERCEPT = -3482258.63459582
LONGLEY_COEF = np.array([
    15.0618722713733, -0.358191792925910e-01, -2.02022980381683, -1.03322686717359,
    -0.511041056535807e-01, 1829.15146461355,
])  # fmt: skip
LONGLEY_RESIDUAL_SD = 304.854073561965
LONGLEY_R2 = 0.995479004577296


@pytest.fixture(scope="module")
def ads():
    return st.datasets.load("advertising")


def significant(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}"


def relative_error(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(got) - np.asarray(want)) / np.abs(np.asarray(want))


# -- the normal equations -----------------------------------------------------------------------


def test_longley_keeps_the_certified_digits():
    X, y = LONGLEY[:, 1:], LONGLEY[:, 0]
    model = LinearRegression(solver="normal").fit(X, y)
    coefficients = np.r_[model.intercept_, model.coef_]
    certified = np.r_[LONGLEY_INTERCEPT, LONGLEY_COEF]
    # NIST certifies 15 digits; a stable factorization keeps at least 12 of them here.
    assert relative_error(coefficients, certified).max() < 1e-12
    residual = y - model.predict(X)
    residual_sd = np.sqrt(residual @ residual / (len(y) - 7))
    assert residual_sd == pytest.approx(LONGLEY_RESIDUAL_SD, rel=1e-10)
    assert model.score(X, y) == pytest.approx(LONGLEY_R2, rel=1e-12)
    assert model.rank_ == 6


def test_longley_an_explicit_inverse_would_lose_digits():
    # Why the solver factorizes X: the textbook inverse of X^T X loses about half the digits.
    A = np.column_stack([np.ones(16), LONGLEY[:, 1:]])
    naive = np.linalg.inv(A.T @ A) @ A.T @ LONGLEY[:, 0]
    assert relative_error(naive, np.r_[LONGLEY_INTERCEPT, LONGLEY_COEF]).max() > 1e-10


def test_advertising_tv_least_squares(ads):
    model = LinearRegression().fit(ads[["TV"]], ads["sales"])
    assert round(model.intercept_, 4) == 7.0326
    assert round(float(model.coef_[0]), 6) == 0.047537
    assert model.n_iter_ == 0 and model.converged_
    assert list(model.feature_names_in_) == ["TV"]
    assert model.n_features_in_ == 1


def test_three_features_match_scikit_learn_normal(ads):
    X, y = ads[["TV", "radio", "newspaper"]], ads["sales"]
    ours = LinearRegression(solver="normal").fit(X, y)
    reference = SkLinearRegression().fit(X, y)
    assert relative_error(ours.coef_, reference.coef_).max() < 1e-9
    assert relative_error(ours.intercept_, reference.intercept_) < 1e-9
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-12)
    assert ours.score(X, y) == pytest.approx(reference.score(X, y), rel=1e-12)


def test_without_intercept_matches_least_squares(ads):
    X, y = ads[["TV", "radio"]].to_numpy(), ads["sales"].to_numpy()
    model = LinearRegression(fit_intercept=False).fit(X, y)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-12)
    assert model.intercept_ == 0.0
    descent = LinearRegression(solver="gd", fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(descent.coef_, expected, rtol=1e-8)


def test_rank_deficient_shares_the_effect_between_standardized_columns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=20)
    X = np.column_stack([x, 2 * x])  # the second column adds nothing
    y = 3 * x + 1
    model = LinearRegression().fit(X, y)
    assert model.rank_ == 1
    np.testing.assert_allclose(model.predict(X), y, atol=1e-12)
    # Minimum norm among standardized coefficients: both columns carry half the effect.
    np.testing.assert_allclose(model.coef_ * X.std(axis=0), 1.5 * x.std(), rtol=1e-10)


# -- descent ------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["gd", "sgd", "minibatch"])
def test_descent_defaults_reach_four_significant_digits(ads, solver):
    exact = LinearRegression().fit(ads[["TV"]], ads["sales"])
    model = LinearRegression(solver=solver, seed=0).fit(ads[["TV"]], ads["sales"])
    assert significant(model.intercept_) == significant(exact.intercept_) == "7.033"
    assert significant(model.coef_[0]) == significant(exact.coef_[0]) == "0.04754"
    assert relative_error(model.coef_, exact.coef_).max() < 1e-4
    assert relative_error(model.intercept_, exact.intercept_) < 1e-4


@pytest.mark.parametrize("solver", ["gd", "minibatch", "sgd"])
def test_three_features_descent_within_1e_3_of_scikit_learn(ads, solver):
    X, y = ads[["TV", "radio", "newspaper"]], ads["sales"]
    reference = SkLinearRegression().fit(X, y)
    model = LinearRegression(solver=solver, seed=0).fit(X, y)
    # The newspaper coefficient is tiny (about -0.001); relative agreement is the hard part.
    assert relative_error(model.coef_, reference.coef_).max() < 1e-3
    assert relative_error(model.intercept_, reference.intercept_) < 1e-3


def test_minibatch_is_reproducible_by_seed(ads):
    X, y = ads[["TV", "radio"]], ads["sales"]
    first = LinearRegression(solver="minibatch", seed=7, epochs=50).fit(X, y)
    again = LinearRegression(solver="minibatch", seed=7, epochs=50).fit(X, y)
    other = LinearRegression(solver="minibatch", seed=8, epochs=50).fit(X, y)
    np.testing.assert_array_equal(first.coef_, again.coef_)
    assert first.intercept_ == again.intercept_
    assert not np.array_equal(first.coef_, other.coef_)
    np.testing.assert_array_equal(first.history_["loss"], again.history_["loss"])


def test_powerlines_by_calculus_and_by_descent():
    lines = st.datasets.load("powerlines")
    m, b = sp.symbols("m b")
    cost = sum((m * x + b - y) ** 2 for x, y in zip(lines["x"], lines["y"], strict=True))
    assert sp.expand(cost) == sp.expand(14 * m**2 + 3 * b**2 + 38 + 12 * m * b - 42 * m - 20 * b)
    solution = sp.solve([sp.diff(cost, m), sp.diff(cost, b)], [m, b])
    assert solution == {m: sp.Rational(1, 2), b: sp.Rational(7, 3)}
    assert float(cost.subs(solution)) == pytest.approx(4.1667, abs=5e-5)
    # Single-point steps on three scattered points are noisy: three significant digits.
    for solver, rel in (("normal", 1e-12), ("gd", 1e-8), ("minibatch", 1e-8), ("sgd", 5e-4)):
        model = LinearRegression(solver=solver, seed=0).fit(lines[["x"]], lines["y"])
        assert model.coef_[0] == pytest.approx(0.5, rel=rel), solver
        assert model.intercept_ == pytest.approx(7 / 3, rel=rel), solver
        ssr = float(np.sum((model.predict(lines[["x"]]) - lines["y"]) ** 2))
        assert round(ssr, 4) == 4.1667
    # The cost E itself (a sum, not a mean) gives the same line.
    by_ssr = LinearRegression(solver="gd", loss="ssr").fit(lines[["x"]], lines["y"])
    assert by_ssr.coef_[0] == pytest.approx(0.5, rel=1e-8)
    assert by_ssr.history_["loss"].iloc[-1] == pytest.approx(25 / 6, rel=1e-10)


@pytest.mark.parametrize("solver", ["momentum", "adam", "lbfgs", "newton", "armijo"])
def test_optimizer_names_reach_least_squares(ads, solver):
    X, y = ads[["TV", "radio"]], ads["sales"]
    exact = LinearRegression().fit(X, y)
    lr = {"momentum": 0.05, "adam": 0.01}.get(solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LinearRegression(solver=solver, lr=lr, max_iter=20000).fit(X, y)
    assert relative_error(model.coef_, exact.coef_).max() < 1e-4


def test_optimizer_objects_are_used_and_left_unchanged(ads):
    X, y = ads[["TV"]], ads["sales"]
    rule = st.optim.Momentum(0.05, beta=0.8)
    model = LinearRegression(solver=rule).fit(X, y)
    assert model.coef_[0] == pytest.approx(0.0475366, rel=1e-5)
    model = LinearRegression(solver=rule, lr=0.01, max_iter=50000).fit(X, y)
    assert rule.lr == 0.05  # the estimator's parameter is not modified by fitting
    minibatch_adam = LinearRegression(
        solver=st.optim.Adam(0.01),
        batch_size=20,
        seed=0,
        epochs=300,
        lr=st.optim.schedules.inverse_time(0.01, 0.01),
    )
    minibatch_adam.fit(X, y)
    assert minibatch_adam.coef_[0] == pytest.approx(0.0475366, rel=1e-2)


def test_gd_history_goes_down_and_ends_at_the_answer(ads):
    model = LinearRegression(solver="gd", lr=0.1).fit(ads[["TV", "radio"]], ads["sales"])
    history = model.history_
    assert list(history.columns[:5]) == ["iteration", "loss", "grad_norm", "step", "lr"]
    assert {"intercept", "TV", "radio"} <= set(history.columns)
    assert np.all(np.diff(history["loss"]) <= 1e-12)
    assert history["intercept"].iloc[-1] == pytest.approx(model.intercept_)
    assert history["TV"].iloc[-1] == pytest.approx(model.coef_[0])
    # Row 0 is the start: every standardized parameter 0, so the prediction is the mean.
    y = ads["sales"].to_numpy()
    assert history["loss"].iloc[0] == pytest.approx(np.mean((y - y.mean()) ** 2))
    assert history["intercept"].iloc[0] == pytest.approx(y.mean())
    assert len(history) == model.n_iter_ + 1 and model.converged_


def test_stochastic_history_has_one_row_per_epoch(ads):
    model = LinearRegression(solver="sgd", epochs=5, seed=0).fit(ads[["TV"]], ads["sales"])
    assert list(model.history_["epoch"]) == [0, 1, 2, 3, 4, 5]
    assert model.n_iter_ == 5


def test_huber_matches_a_direct_minimization(ads):
    X, y = ads[["TV", "radio"]].to_numpy(), ads["sales"].to_numpy()
    delta = 1.5
    A = np.column_stack([np.ones(len(y)), X])

    def huber(beta):
        r = np.abs(y - A @ beta)
        return np.mean(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)))

    start = np.linalg.lstsq(A, y, rcond=None)[0]
    reference = minimize(
        huber,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000},
    ).x
    model = LinearRegression(solver="gd", loss="huber", delta=delta).fit(X, y)
    np.testing.assert_allclose(np.r_[model.intercept_, model.coef_], reference, rtol=1e-5)
    same = LinearRegression(solver="gd", loss=st.losses.huber(delta)).fit(X, y)
    np.testing.assert_allclose(same.coef_, model.coef_, rtol=1e-10)


def test_mae_reaches_the_least_absolute_deviations_loss(ads):
    X, y = ads[["TV", "radio"]].to_numpy(), ads["sales"].to_numpy()
    n, p = X.shape
    A = np.column_stack([np.ones(n), X])
    # Least absolute deviations as a linear program: min sum(u + v), A b + u - v = y.
    program = linprog(
        np.r_[np.zeros(p + 1), np.ones(2 * n)],
        A_eq=np.column_stack([A, np.eye(n), -np.eye(n)]),
        b_eq=y,
        bounds=[(None, None)] * (p + 1) + [(0, None)] * (2 * n),
        method="highs",
    )
    best = np.mean(np.abs(y - A @ program.x[: p + 1]))
    for solver in ("gd", "minibatch"):
        model = LinearRegression(solver=solver, loss="mae", seed=0).fit(X, y)
        achieved = np.mean(np.abs(y - model.predict(X)))
        assert best <= achieved <= best * (1 + 1e-4), solver


def test_a_loss_of_ones_own_is_differentiated_automatically():
    lines = st.datasets.load("powerlines")
    model = LinearRegression(
        solver="gd", loss=lambda t, p: np.mean((t - p) ** 2), max_iter=3000, tol=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(lines[["x"]], lines["y"])
    assert model.coef_[0] == pytest.approx(0.5, rel=1e-4)
    assert model.intercept_ == pytest.approx(7 / 3, rel=1e-4)


# -- mistakes -----------------------------------------------------------------------------------


def test_normal_solver_is_least_squares_only(ads):
    with pytest.raises(DataError, match="least squares"):
        LinearRegression(solver="normal", loss="mae").fit(ads[["TV"]], ads["sales"])


def test_auto_solver_uses_descent_for_other_losses(ads):
    model = LinearRegression(loss="huber").fit(ads[["TV"]], ads["sales"])
    assert model.n_iter_ > 0


def test_unfitted_and_mismatched_inputs(ads):
    with pytest.raises(DataError, match="not fitted"):
        LinearRegression().predict(ads[["TV"]])
    model = LinearRegression().fit(ads[["TV", "radio"]], ads["sales"])
    with pytest.raises(DataError, match="2"):
        model.predict(ads[["TV"]])
    with pytest.raises(DataError, match="missing or infinite"):
        LinearRegression().fit([[1.0], [np.nan], [3.0]], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="3 rows but y has 2"):
        LinearRegression().fit([[1.0], [2.0], [3.0]], [1.0, 2.0])
    with pytest.raises(DataError, match="numbers"):
        LinearRegression().fit([["a"], ["b"]], [1.0, 2.0])


def test_bad_settings_are_reported(ads):
    X, y = ads[["TV"]], ads["sales"]
    with pytest.raises(OptimizationError, match="solver"):
        LinearRegression(solver=42).fit(X, y)
    with pytest.raises(OptimizationError, match="unknown method"):
        LinearRegression(solver="steepest-ascent").fit(X, y)
    with pytest.raises(OptimizationError, match=r"diverged.*learning rate 5 is above 2/L"):
        LinearRegression(solver="gd", lr=5.0).fit(X, y)
    with pytest.raises(OptimizationError, match="batch_size"):
        LinearRegression(solver="sgd", batch_size=0).fit(X, y)
    with pytest.raises(OptimizationError, match="mini-batch"):
        LinearRegression(solver="lbfgs", batch_size=10).fit(X, y)
    with pytest.raises(DataError, match="not both"):
        LinearRegression(solver="gd", epochs=5, max_iter=6).fit(X, y)


def test_running_out_of_steps_warns(ads):
    with pytest.warns(ConvergenceWarning, match="stopped after 3 steps"):
        model = LinearRegression(solver="gd", lr=0.01, max_iter=3).fit(ads[["TV"]], ads["sales"])
    assert not model.converged_ and model.n_iter_ == 3


@pytest.mark.parametrize("model", [
    lambda: LinearRegression(), lambda: LinearRegression(solver="gd"),
    lambda: st.models.ConstantModel(), lambda: st.models.LogisticRegression(),
    lambda: st.nn.MLPRegressor(hidden=(2,), epochs=5, seed=0),
])
def test_complex_data_is_refused_not_cut_to_its_real_part(model):
    """np.asarray(..., dtype=float) dropped the imaginary parts with only NumPy's warning."""
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 1, 0, 1, 1, 0])
    if not isinstance(model(), st.models.ConstantModel):  # which reads only X's length
        with pytest.raises(DataError, match="complex"):
            model().fit(X + 1j, y)
    if not isinstance(model(), st.models.LogisticRegression):
        with pytest.raises(DataError, match="complex"):
            model().fit(X, y + 1j)
    # Complex numbers whose imaginary parts are all 0 are their real parts.
    assert model().fit(X + 0j, y).predict(X).shape == (6,)


def test_an_empty_target_and_weights_of_zero_are_refused_in_a_sentence():
    with pytest.raises(DataError, match="empty"):
        st.models.ConstantModel().fit(None, [])  # was nan, with NumPy's warnings
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 1, 0, 1, 1, 0])
    for model in (LinearRegression().fit(X, y), st.models.LogisticRegression(C=1.0).fit(X, y)):
        with pytest.raises(DataError, match="0 for every sample"):
            model.score(X, y, sample_weight=np.zeros(6))  # was ZeroDivisionError
        with pytest.raises(DataError, match=">= 0"):
            model.score(X, y, sample_weight=-np.ones(6))
