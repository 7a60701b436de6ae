"""L2 penalties and multinomial logistic regression against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.linear_model import Ridge

import steepest as st


@pytest.fixture(scope="module")
def ads():
    data = st.datasets.load("advertising")
    return data[["TV", "radio", "newspaper"]].to_numpy(), data["sales"].to_numpy()


@pytest.mark.parametrize("alpha", [0.5, 50.0, 5000.0])
def test_ridge_by_calculus_and_by_descent_matches_scikit_learn(ads, alpha):
    X, y = ads
    reference = Ridge(alpha=alpha).fit(X, y)
    exact = st.models.LinearRegression(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(exact.coef_, reference.coef_, rtol=1e-9)
    assert exact.intercept_ == pytest.approx(reference.intercept_, rel=1e-9)
    descent = st.models.LinearRegression(solver="gd", alpha=alpha).fit(X, y)
    np.testing.assert_allclose(descent.coef_, reference.coef_, rtol=1e-6, atol=1e-9)
    # The history's loss is the penalized objective, at its smallest at the end.
    objective = np.mean((y - reference.predict(X)) ** 2) + alpha / len(y) * np.sum(
        reference.coef_**2
    )
    assert descent.history_["loss"].iloc[-1] == pytest.approx(objective, rel=1e-9)
    assert descent.history_["loss"].min() == pytest.approx(objective, rel=1e-9)


def test_a_penalty_shrinks_the_coefficients(ads):
    X, y = ads
    sizes = [np.linalg.norm(st.models.LinearRegression(alpha=a).fit(X, y).coef_)
             for a in (0.0, 1e3, 1e5, 1e7)]
    assert sizes == sorted(sizes, reverse=True)


def test_penalized_logistic_regression_matches_scikit_learn():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    reference = SkLogistic(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    ours = st.models.LogisticRegression(C=0.5, solver="lbfgs", max_iter=2000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_[0], rtol=1e-5, atol=1e-6)
    assert ours.intercept_ == pytest.approx(reference.intercept_[0], rel=1e-5)
    assert ours.converged_


def test_multinomial_logistic_regression_matches_scikit_learn():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    reference = SkLogistic(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    ours = st.models.LogisticRegression(C=1.0, solver="lbfgs", max_iter=3000).fit(X, names)
    assert ours.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert ours.coef_.shape == (3, 4) and ours.intercept_.shape == (3,)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)
    assert ours.score(X, names) == pytest.approx(reference.score(X, y))


def test_multinomial_gradient_descent_by_default_and_its_history():
    X, y = load_iris(return_X_y=True)
    model = st.models.LogisticRegression(C=1.0).fit(X, y)
    assert model.score(X, y) > 0.95
    assert "intercept[0]" in model.history_.columns
    assert model.history_["loss"].iloc[-1] < model.history_["loss"].iloc[0]


def test_networks_take_weight_decay():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    sizes = []
    for decay in (0.0, 0.1, 1.0):
        net = st.nn.MLPRegressor(hidden=4, activation="tanh", solver="gd", lr=0.05,
                                 epochs=300, seed=0, weight_decay=decay).fit(X, y)
        weights = [p.data for p in net.network_.parameters() if p.data.ndim == 2]
        sizes.append(sum(float(np.sum(w**2)) for w in weights))
    assert sizes == sorted(sizes, reverse=True)
    with pytest.raises(st.OptimizationError, match="weight_decay"):
        st.nn.MLPRegressor(weight_decay=-1.0, epochs=1).fit(X, y)
