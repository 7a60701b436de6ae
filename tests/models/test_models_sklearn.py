"""scikit-learn's estimator conventions: clone, pipelines, grid search, cross-validation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import steepest as st
from steepest.errors import DataError
from steepest.models import ConstantModel, LinearRegression, LogisticRegression

ESTIMATORS = [
    ConstantModel(loss="huber", delta=2.0),
    LinearRegression(solver="minibatch", lr=0.01, seed=3, batch_size=8),
    LinearRegression(solver=st.optim.Adam(0.05)),
    LogisticRegression(solver="sgd", seed=1),
    st.nn.MLPRegressor(hidden=(4, 3), activation="tanh", epochs=5),
    st.nn.MLPClassifier(hidden=5, solver="momentum", lr=0.1, early_stopping=True),
]


@pytest.fixture(scope="module")
def ads():
    return st.datasets.load("advertising")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_clone_keeps_every_parameter(estimator):
    copy = clone(estimator)
    assert type(copy) is type(estimator) and copy is not estimator
    original, cloned = estimator.get_params(deep=False), copy.get_params(deep=False)
    assert original.keys() == cloned.keys()
    for key, value in original.items():
        if hasattr(value, "update"):  # optimizer objects are copied, not shared
            assert repr(cloned[key]) == repr(value)
        else:
            assert cloned[key] == value


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_set_params_round_trip(estimator):
    params = estimator.get_params()
    copy = clone(estimator).set_params(**{k: v for k, v in params.items() if "__" not in k})
    assert copy.get_params(deep=False).keys() == estimator.get_params(deep=False).keys()
    with pytest.raises(DataError, match="no parameter 'colour'"):
        copy.set_params(colour="red")


def test_estimator_types():
    assert is_regressor(LinearRegression()) and is_regressor(ConstantModel())
    assert is_regressor(st.nn.MLPRegressor())
    assert is_classifier(LogisticRegression()) and is_classifier(st.nn.MLPClassifier())


def test_repr_names_changed_parameters_only():
    assert repr(LinearRegression()) == "LinearRegression()"
    assert repr(LinearRegression(solver="sgd", seed=0)) == "LinearRegression(seed=0, solver='sgd')"


def test_pipeline_with_a_scaler(ads):
    X, y = ads[["TV", "radio", "newspaper"]], ads["sales"]
    pipe = make_pipeline(StandardScaler(), LinearRegression(solver="gd")).fit(X, y)
    direct = LinearRegression().fit(X, y)
    np.testing.assert_allclose(pipe.predict(X), direct.predict(X), rtol=1e-8)
    assert pipe.score(X, y) == pytest.approx(direct.score(X, y), rel=1e-10)


def test_grid_search_over_losses_and_solvers(ads):
    X, y = ads[["TV", "radio"]], ads["sales"]
    search = GridSearchCV(
        LinearRegression(), {"loss": ["mse", "huber"], "solver": ["auto", "gd"]}, cv=3
    )
    search.fit(X, y)
    assert search.best_params_["loss"] in ("mse", "huber")
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.coef_.shape == (2,)


def test_cross_validation_of_classifiers(ads):
    X, y = ads[["TV", "radio"]], ads["sales"] > 14
    scores = cross_val_score(LogisticRegression(), X, y, cv=4)
    assert scores.shape == (4,) and scores.min() > 0.8
    search = GridSearchCV(
        st.nn.MLPClassifier(hidden=8, epochs=15, seed=0), {"lr": [0.01, 0.001]}, cv=3
    ).fit(StandardScaler().fit_transform(X), y)
    assert search.best_params_["lr"] in (0.01, 0.001)
