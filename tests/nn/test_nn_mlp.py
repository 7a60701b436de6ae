"""MLPRegressor and MLPClassifier: accuracy, reproducibility, early stopping, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import steepest as st
from steepest.errors import DataError, OptimizationError


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=0, stratify=y
    )
    return X_train, X_test, y_train, y_test


def test_digits_held_out_accuracy_above_95_percent(digits):
    X_train, X_test, y_train, y_test = digits
    # A short run keeps the suite fast; the default 200 epochs are measured in benchmarks/.
    model = st.nn.MLPClassifier(hidden=(64,), epochs=15, batch_size=32, seed=0)
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95
    assert list(model.history_.columns) == ["epoch", "loss", "lr"]
    assert len(model.history_) == 15 and model.n_iter_ == 15
    assert model.loss_ == pytest.approx(model.history_["loss"].iloc[-1])
    assert model.history_["loss"].iloc[-1] < model.history_["loss"].iloc[0]
    proba = model.predict_proba(X_test[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.classes_[proba.argmax(axis=1)] == model.predict(X_test[:5])).all()


def test_training_is_reproducible_by_seed(digits):
    X_train, _, y_train, _ = digits
    X, y = X_train[:300], y_train[:300]
    first = st.nn.MLPClassifier(hidden=8, epochs=3, seed=4).fit(X, y)
    again = st.nn.MLPClassifier(hidden=8, epochs=3, seed=4).fit(X, y)
    other = st.nn.MLPClassifier(hidden=8, epochs=3, seed=5).fit(X, y)
    for a, b in zip(first.network_.parameters(), again.network_.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(first.network_[0].weight.data, other.network_[0].weight.data)


def test_early_stopping_keeps_the_best_weights(digits):
    X_train, X_test, y_train, y_test = digits
    model = st.nn.MLPClassifier(
        hidden=(32,), epochs=200, seed=0, early_stopping=True, patience=3, lr=0.01
    )
    model.fit(X_train, y_train)
    history = model.history_
    assert "validation_score" in history.columns
    assert model.n_iter_ < 200
    assert model.best_validation_score_ == history["validation_score"].max()
    assert model.score(X_test, y_test) > 0.9


def test_tolerance_stops_when_the_loss_stalls():
    X = np.linspace(-1, 1, 30).reshape(-1, 1)
    model = st.nn.MLPRegressor(hidden=4, epochs=500, tol=1e-3, patience=5, seed=0, lr=0.01)
    model.fit(X, 2 * X[:, 0])
    assert model.n_iter_ < 500


def test_regressor_fits_a_curve_and_multiple_outputs():
    X = np.linspace(-2, 2, 60).reshape(-1, 1)
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 0] ** 2 / 4])
    model = st.nn.MLPRegressor(hidden=(16, 16), activation="tanh", lr=0.01, epochs=300, seed=1).fit(
        X, Y
    )
    assert model.predict(X).shape == (60, 2)
    assert model.score(X, Y) > 0.95
    assert np.mean((model.predict(X) - Y) ** 2) < 0.01


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_regressor_robust_losses(loss):
    X = np.linspace(0, 1, 40).reshape(-1, 1)
    y = 3 * X[:, 0] + 1
    model = st.nn.MLPRegressor(
        hidden=4, activation="identity", loss=loss, lr=0.02, epochs=300, seed=0
    ).fit(X, y)
    assert model.score(X, y) > 0.99


def test_float32_training():
    X = np.linspace(-1, 1, 50).reshape(-1, 1)
    model = st.nn.MLPRegressor(
        hidden=8, activation="tanh", epochs=100, lr=0.02, seed=0, dtype="float32"
    ).fit(X, X[:, 0] ** 2)
    assert all(p.dtype == np.float32 for p in model.network_.parameters())
    assert model.score(X, X[:, 0] ** 2) > 0.9


def test_line_search_solvers_on_the_full_batch():
    data = st.datasets.load("dosage")
    model = st.nn.MLPRegressor(
        hidden=2,
        activation="softplus",
        loss="ssr",
        solver="lbfgs",
        epochs=150,
        batch_size=None,
        seed=0,
    )
    model.fit(data[["dosage"]], data["efficacy"])
    assert model.loss_ < 1e-6
    with pytest.raises(OptimizationError, match="batch_size=None"):
        st.nn.MLPRegressor(solver="lbfgs", batch_size=2, epochs=1).fit(
            data[["dosage"]], data["efficacy"]
        )
    with pytest.raises(OptimizationError, match="Hessian"):
        st.nn.MLPRegressor(solver="newton", batch_size=None, epochs=1).fit(
            data[["dosage"]], data["efficacy"]
        )


def test_progress_bar_only_when_asked(capsys):
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    st.nn.MLPRegressor(hidden=2, epochs=3, seed=0).fit(X, X[:, 0])
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    st.nn.MLPRegressor(hidden=2, epochs=3, seed=0, verbose=True).fit(X, X[:, 0])
    err = capsys.readouterr().err
    assert "MLPRegressor" in err and "3/3" in err


def test_mistakes_are_reported():
    X, y = np.zeros((4, 1)), np.array([0, 1, 0, 1])
    with pytest.raises(DataError, match="hidden"):
        st.nn.MLPClassifier(hidden=(0,)).fit(X, y)
    with pytest.raises(DataError, match="single class"):
        st.nn.MLPClassifier().fit(X, np.zeros(4))
    with pytest.raises(DataError, match="unknown loss"):
        st.nn.MLPRegressor(loss="hinge").fit(X, y)
    with pytest.raises(DataError, match="not fitted"):
        st.nn.MLPRegressor().predict(X)
    with pytest.raises(OptimizationError, match="diverged"):
        st.nn.MLPRegressor(hidden=2, solver="gd", lr=1e6, epochs=50, seed=0).fit(
            np.linspace(0, 10, 8).reshape(-1, 1), np.linspace(0, 100, 8)
        )


def test_small_networks_train_on_one_blas_thread_and_restore_the_setting():
    from threadpoolctl import threadpool_limits

    seen = []
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    with threadpool_limits(limits=2, user_api="blas"):
        before = st.blas_threads_in_use()
        model = st.nn.MLPRegressor(hidden=(8,), epochs=3, seed=0)
        original = model._train_epochs

        def spy(*args):
            seen.append(st.blas_threads_in_use())
            return original(*args)

        model._train_epochs = spy
        model.fit(X, y)
        assert st.blas_threads_in_use() == before
    if before is not None:  # a BLAS library is loaded (NumPy's own)
        assert seen == [1]
