"""LogisticRegression against scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import steepest as st
from steepest.errors import DataError
from steepest.models import ConvergenceWarning, LogisticRegression


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def reference(cancer):
    X_train, X_test, y_train, y_test = cancer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SkLogisticRegression(C=np.inf, max_iter=10000).fit(X_train, y_train)
    return model.score(X_test, y_test)


@pytest.mark.parametrize("solver", ["auto", "minibatch", "lbfgs"])
def test_breast_cancer_within_two_points_of_scikit_learn(cancer, reference, solver):
    X_train, X_test, y_train, y_test = cancer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the training set is separable
        model = LogisticRegression(solver=solver, seed=0).fit(X_train, y_train)
    assert abs(model.score(X_test, y_test) - reference) <= 0.02
    assert model.score(X_test, y_test) > 0.9


def test_coefficients_match_scikit_learn_where_a_minimum_exists():
    tips = st.datasets.load("tips")
    X, y = tips[["total_bill", "size"]], tips["smoker"]
    ours = LogisticRegression().fit(X, y)
    theirs = SkLogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    assert ours.converged_
    np.testing.assert_allclose(ours.coef_, theirs.coef_[0], rtol=1e-6)
    assert ours.intercept_ == pytest.approx(theirs.intercept_[0], rel=1e-5, abs=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    assert list(ours.classes_) == ["No", "Yes"]
    assert (ours.predict(X) == theirs.predict(X)).all()


def test_probabilities_and_decisions_agree():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(size=120) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    z = model.decision_function(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-9)
    assert ((proba[:, 1] > 0.5) == (model.predict(X) == 1)).all()
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


def test_separable_classes_warn_in_words():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="separable"):
        LogisticRegression(max_iter=200).fit(X, y)


def test_one_class_and_no_closed_form_are_refused():
    with pytest.raises(DataError, match="single class"):
        LogisticRegression().fit([[0.0], [1.0], [2.0]], ["a", "a", "a"])
    with pytest.raises(DataError, match="C or alpha"):
        LogisticRegression(C=1.0, alpha=1.0).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(DataError, match="closed form"):
        LogisticRegression(solver="normal").fit([[0.0], [1.0]], [0, 1])


@given(
    hs.lists(hs.tuples(hs.floats(-30, 30), hs.sampled_from([0.0, 1.0])), min_size=1, max_size=20)
)
def test_the_logit_loss_gradient_is_the_log_loss_gradient(pairs):
    z = np.array([p[0] for p in pairs])
    t = np.array([p[1] for p in pairs])
    loss = st.losses.log_loss.configure(from_logits=True)
    # Against the engine differentiating log_loss(y, sigmoid(z)) itself.
    expected = st.grad(lambda v: st.losses.log_loss(t, 1 / (1 + np.exp(-v))))(z)
    # Far out, 1 - sigmoid(z) loses digits to cancellation in the probability form.
    inside = np.abs(z) < 15
    np.testing.assert_allclose(
        loss.grad(t, z)[inside], np.asarray(expected)[inside], rtol=1e-6, atol=1e-12
    )
    assert loss(t, z) == pytest.approx(float(np.mean(np.logaddexp(0, z) - t * z)), rel=1e-12)


@pytest.mark.parametrize(("solver", "classes"), [
    ("lbfgs", 2), ("lbfgs", 3), ("newton", 2), ("sgd", 2), ("gd", 2), ("gd", 3)])
def test_separable_classes_are_told_whichever_way_the_solver_stops(solver, classes):
    """No minimum exists, so no solver's stop may pass in silence (Newton's steps and lbfgs
    met their tolerance on the flattened loss, sgd ran its epochs, and none said a word)."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5] if classes == 3 else [0.0])
    epochs = 100 if solver == "sgd" else None  # of 20 steps; full batch: the default limit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(solver=solver, max_iter=epochs, seed=0).fit(X, y)
    told = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(told) == 1 and "separable" in told[0], told
    assert model.score(X, y) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a penalty gives a minimum: nothing to say
        LogisticRegression(solver=solver, C=1.0, max_iter=epochs, seed=0).fit(X, y)


def test_a_penalty_on_tiny_features_is_not_called_converged_by_descent():
    """Features of size 1e-8 under C=1: in the standardized problem the penalty's curvature
    is 1e14 times the intercept's, and plain descent at the rate it allows stopped after one
    step, 'converged', with the intercept at 0 instead of 0.51."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = (rng.random(80) < 1 / (1 + np.exp(-(X @ [1.5, -1.0, 0.3] + 0.2)))).astype(int)
    reference = SkLogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(X * 1e-8, y)
    with pytest.warns(ConvergenceWarning, match="short for want of rate"):
        crept = LogisticRegression(C=1.0).fit(X * 1e-8, y)
    assert not crept.converged_
    exact = LogisticRegression(C=1.0, solver="newton").fit(X * 1e-8, y)
    assert exact.converged_
    np.testing.assert_allclose(exact.predict_proba(X * 1e-8), reference.predict_proba(X * 1e-8),
                               atol=1e-8)
