"""Dask collections as data= and as X, y: the same loop, the same answers as in memory."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import steepest as st
from steepest.errors import DataError, OptimizationError
from steepest.optim.stopping import AHEAD_MULTIPLES

dd = pytest.importorskip("dask.dataframe", reason="Dask is optional: pip install 'steepest[dask]'")
da = pytest.importorskip("dask.array", reason="Dask is optional: pip install 'steepest[dask]'")


def mse(theta: float, y: np.ndarray) -> float:
    return np.mean((y - theta) ** 2)


def linear_loss(theta: np.ndarray, frame: object) -> float:
    tv, radio = frame["TV"].to_numpy() / 100, frame["radio"].to_numpy() / 10
    return np.mean((frame["sales"].to_numpy() - theta[0] - theta[1] * tv - theta[2] * radio) ** 2)


@pytest.fixture(scope="module")
def tips() -> object:
    return st.datasets.load("tips")


@pytest.fixture(scope="module")
def ads() -> object:
    return st.datasets.load("advertising")


@pytest.mark.parametrize("partitions", [1, 4, 7])
def test_tips_series_gives_the_in_memory_answer(tips: object, partitions: int) -> None:
    frame = dd.from_pandas(tips, npartitions=partitions)
    pct = frame["tip"] / frame["total_bill"] * 100
    res = st.minimize(mse, 0.0, data=pct, lr=0.2, tol=1e-3)
    numbers = (tips["tip"] / tips["total_bill"] * 100).to_numpy()
    memory = st.minimize(mse, 0.0, data=numbers, lr=0.2, tol=1e-3)
    assert res.nit == memory.nit == 19
    assert res.status == "converged"
    assert math.isclose(res.x, 16.07927830605656, rel_tol=1e-12)
    assert math.isclose(res.x, memory.x, rel_tol=1e-12)
    np.testing.assert_allclose(res.history.loss, memory.history.loss, rtol=1e-12)


def test_one_round_trip_per_evaluation(tips: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import dask.threaded

    calls = []
    original = dask.threaded.get

    def counted(graph: object, keys: object, **kwargs: object) -> object:
        calls.append(keys)
        return original(graph, keys, **kwargs)

    frame = dd.from_pandas(tips, npartitions=5)
    monkeypatch.setattr(dask.threaded, "get", counted)
    res = st.minimize(mse, 0.0, data=frame["tip"], lr=0.2, max_iter=12, tol=None)
    evaluations = [key for key in calls if key == "total"]
    assert len(evaluations) == res.nfev  # one round trip each
    # The start and one per step; a run that ends still improving also looks along its last
    # step, once, for where f rises (a minimum ahead, or none: see no_minimum_ahead).
    assert 13 < res.nfev <= 13 + len(AHEAD_MULTIPLES)


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_advertising_full_batch_matches_memory(ads: object, partitions: int) -> None:
    frame = dd.from_pandas(ads, npartitions=partitions)
    memory = st.minimize(linear_loss, np.zeros(3), data=ads, lr=0.05, max_iter=800)
    res = st.minimize(linear_loss, np.zeros(3), data=frame, lr=0.05, max_iter=800)
    assert res.nit == memory.nit
    np.testing.assert_allclose(res.x, memory.x, rtol=1e-12)
    np.testing.assert_allclose(res.history.grad_norm, memory.history.grad_norm, rtol=1e-9)
    columns = ["TV", "radio", "newspaper"]
    exact = st.models.LinearRegression(solver="gd").fit(ads[columns], ads["sales"])
    model = st.models.LinearRegression(solver="gd").fit(frame[columns], frame["sales"])
    np.testing.assert_allclose(model.coef_, exact.coef_, rtol=1e-12)
    assert math.isclose(model.intercept_, exact.intercept_, rel_tol=1e-12)
    assert model.n_iter_ == exact.n_iter_
    assert list(model.feature_names_in_) == columns
    assert len(model.history_) == len(exact.history_)


@pytest.mark.parametrize("method", ["lbfgs", "newton", "armijo"])
def test_methods_that_search_and_use_curvature(ads: object, method: str) -> None:
    frame = dd.from_pandas(ads, npartitions=3)
    memory = st.minimize(linear_loss, np.zeros(3), data=ads, method=method, max_iter=200)
    res = st.minimize(linear_loss, np.zeros(3), data=frame, method=method, max_iter=200)
    assert res.status == memory.status
    np.testing.assert_allclose(res.x, memory.x, rtol=1e-10)


def test_maximize_and_a_sum_reduction(tips: object) -> None:
    from steepest.optim.distributed import Partitions

    frame = dd.from_pandas(tips, npartitions=3)
    y = tips["tip"].to_numpy()
    res = st.maximize(lambda t, y: -np.mean((y - t) ** 2), 0.0, data=frame["tip"], lr=0.4)
    assert math.isclose(res.x, float(np.mean(y)), rel_tol=1e-6)
    summed = Partitions(frame["tip"], reduction="sum")
    res = st.minimize(lambda t, y: np.sum((y - t) ** 2), 0.0, data=summed, lr=1e-3)
    assert math.isclose(res.x, float(np.mean(y)), rel_tol=1e-6)


@pytest.mark.filterwarnings("ignore:gd stopped after 200 steps")
def test_breast_cancer_logistic_matches_memory_and_scikit_learn() -> None:
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is the reference")
    from sklearn.linear_model import LogisticRegression as Reference

    X, y = datasets.load_breast_cancer(return_X_y=True)
    lazy_X, lazy_y = da.from_array(X, chunks=(100, 30)), da.from_array(y, chunks=100)
    memory = st.models.LogisticRegression(C=1.0, solver="newton", tol=1e-12).fit(X, y)
    model = st.models.LogisticRegression(C=1.0, solver="newton", tol=1e-12).fit(lazy_X, lazy_y)
    assert model.converged_
    np.testing.assert_allclose(model.coef_, memory.coef_, rtol=1e-9)
    assert math.isclose(model.intercept_, memory.intercept_, rel_tol=1e-9)
    reference = Reference(C=1.0, tol=1e-12, max_iter=100_000, solver="newton-cg").fit(X, y)
    scale = np.max(np.abs(reference.coef_))
    assert np.max(np.abs(model.coef_ - reference.coef_[0])) <= 1e-5 * scale
    # Plain descent follows the in-memory path step for step.
    memory = st.models.LogisticRegression(C=1.0, max_iter=200).fit(X, y)
    model = st.models.LogisticRegression(C=1.0, max_iter=200).fit(lazy_X, lazy_y)
    np.testing.assert_allclose(model.coef_, memory.coef_, rtol=1e-9)
    np.testing.assert_array_equal(model.classes_, memory.classes_)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_dask_ml_gives_the_same_coefficients(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        import dask_glm.algorithms
        from dask_ml.linear_model import LogisticRegression as DaskLogistic
    except Exception as error:  # dask-ml's own imports break with some scikit-learn releases
        pytest.skip(f"dask-ml does not import here ({type(error).__name__}: {error})")
    import functools

    datasets = pytest.importorskip("sklearn.datasets", reason="the breast-cancer data")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    lazy_X, lazy_y = da.from_array(X, chunks=(300, 30)), da.from_array(y, chunks=300)
    # dask-glm penalizes its intercept column, so both fit without one; its L-BFGS stops on
    # SciPy's default factr=1e7 (about 1e-4 on these coefficients): the same tolerance for
    # both means letting it converge as tightly as steepest does.
    tight = functools.partial(dask_glm.algorithms.fmin_l_bfgs_b, factr=10.0)
    monkeypatch.setattr(dask_glm.algorithms, "fmin_l_bfgs_b", tight)
    import dask

    with dask.config.set(scheduler="sync"):  # the quickest for dask-glm's many small graphs
        reference = DaskLogistic(penalty="l2", C=1.0, solver="lbfgs", tol=1e-10,
                                 max_iter=5000, fit_intercept=False).fit(lazy_X, lazy_y)
    model = st.models.LogisticRegression(C=1.0, solver="newton", tol=1e-12,
                                         fit_intercept=False).fit(lazy_X, lazy_y)
    scale = np.max(np.abs(reference.coef_))
    assert np.max(np.abs(model.coef_ - np.ravel(reference.coef_))) <= 1e-5 * scale


def test_seeded_minibatch_repeats_itself(ads: object) -> None:
    frame = dd.from_pandas(ads, npartitions=3)
    settings = {"data": frame, "batch_size": 16, "epochs": 3, "lr": 0.01, "seed": 7}
    first = st.minimize(linear_loss, np.zeros(3), **settings)
    again = st.minimize(linear_loss, np.zeros(3), **settings)
    other = st.minimize(linear_loss, np.zeros(3), **{**settings, "seed": 8})
    assert first.nit == 3 * math.ceil(200 / 16)
    np.testing.assert_array_equal(first.history.x, again.history.x)
    assert not np.array_equal(first.x, other.x)
    # The epoch rows hold the loss on all of the data, evaluated where it lives.
    epochs = first.history.epochs
    assert math.isclose(epochs.loss[-1], linear_loss(epochs.x[-1], ads), rel_tol=1e-12)
    model = st.models.LinearRegression(solver="minibatch", batch_size=20, epochs=4, seed=3)
    columns = ["TV", "radio"]
    a = model.fit(frame[columns], frame["sales"]).coef_
    b = st.models.LinearRegression(solver="minibatch", batch_size=20, epochs=4, seed=3).fit(
        frame[columns], frame["sales"]).coef_
    np.testing.assert_array_equal(a, b)
    exact = st.models.LinearRegression().fit(ads[columns], ads["sales"]).coef_
    np.testing.assert_allclose(a, exact, rtol=0.05)


def test_every_row_is_used_once_per_epoch() -> None:
    seen: list[float] = []

    def record(theta: float, batch: np.ndarray) -> float:
        if not hasattr(batch, "_trace"):
            seen.extend(np.asarray(batch, dtype=float).tolist())
        return np.mean((batch - theta) ** 2)

    values = da.from_array(np.arange(23.0), chunks=5)
    st.minimize(record, 0.0, data=values, batch_size=4, epochs=1, lr=0.1, seed=1,
                grad=lambda t, b: -2 * np.mean(b - t))
    # The batches of the epoch, then the loss on all of the data at its end.
    assert sorted(seen[:23]) == list(range(23))


def test_a_text_or_missing_value_names_its_column_and_partition(ads: object) -> None:
    broken = ads.copy()
    broken.loc[150, "radio"] = np.nan
    frame = dd.from_pandas(broken, npartitions=4)
    with pytest.raises(DataError, match=r"column 'radio' of partition 3"):
        st.models.LinearRegression(solver="gd").fit(frame[["TV", "radio"]], frame["sales"])
    text = ads.assign(TV=ads["TV"].astype(str))
    frame = dd.from_pandas(text, npartitions=2)
    with pytest.raises(DataError, match=r"column 'TV' holds text in partition 0"):
        st.models.LinearRegression(solver="gd").fit(frame[["TV", "radio"]], frame["sales"])


def test_collections_steepest_cannot_read_are_refused() -> None:
    bag = pytest.importorskip("dask.bag").from_sequence([1.0, 2.0, 3.0])
    with pytest.raises(OptimizationError, match="cannot read partition by partition"):
        st.minimize(mse, 0.0, data=bag)
    with pytest.raises(OptimizationError, match="mixes Dask collections with data in memory"):
        st.minimize(mse, 0.0, data=(da.ones(3, chunks=2), np.ones(3)))
    with pytest.raises(OptimizationError, match="expression string takes no data"):
        st.minimize("x**2", 0.0, data=da.ones(3, chunks=2))


def test_without_dask_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    from steepest.optim import distributed

    lazy = da.ones(4, chunks=2)
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(OptimizationError, match=r"pip install 'steepest\[dask\]'"):
        distributed.Partitions(lazy)


def test_constant_model_over_dask_targets() -> None:
    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    lazy = da.from_array(y, chunks=2)
    memory = st.models.ConstantModel(solver="gd", lr=0.2, tol=0.001).fit(None, y)
    model = st.models.ConstantModel(solver="gd", lr=0.2, tol=0.001).fit(None, lazy)
    assert model.n_iter_ == memory.n_iter_ == 18
    assert math.isclose(model.theta_, memory.theta_, rel_tol=1e-12)
    assert math.isclose(st.models.ConstantModel().fit(lazy).theta_, float(y.mean()),
                        rel_tol=1e-12)
    with pytest.raises(DataError, match="exact mae minimizer needs all of y in memory"):
        st.models.ConstantModel(loss="mae").fit(lazy)


def _weights(model: object) -> np.ndarray:
    return np.concatenate([p.data.ravel() for p in model.network_.parameters()])


@pytest.mark.parametrize("solver", ["adam", "gd"])
def test_networks_train_full_batch_where_the_partitions_live(ads: object, solver: str) -> None:
    from steepest.nn import mlp

    frame = dd.from_pandas(ads, npartitions=3)
    settings = {"hidden": (4,), "solver": solver, "lr": 0.01 if solver == "adam" else 1e-6,
                "batch_size": None, "epochs": 12, "seed": 0, "activation": "tanh"}
    gathered = []
    original = mlp.MLPRegressor._validate_X
    try:  # the Dask path never brings X to the client as one array
        mlp.MLPRegressor._validate_X = lambda self, X, **kw: gathered.append(X) or original(
            self, X, **kw)
        lazy = st.nn.MLPRegressor(**settings).fit(frame[["TV", "radio"]], frame["sales"])
    finally:
        mlp.MLPRegressor._validate_X = original
    memory = st.nn.MLPRegressor(**settings).fit(ads[["TV", "radio"]], ads["sales"])
    assert gathered == []
    np.testing.assert_allclose(_weights(lazy), _weights(memory), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lazy.history_["loss"], memory.history_["loss"], rtol=1e-12)
    assert math.isclose(lazy.loss_, memory.loss_, rel_tol=1e-12)
    assert lazy.n_iter_ == memory.n_iter_ == 12
    assert list(lazy.feature_names_in_) == ["TV", "radio"]


def test_network_classifier_on_dask_matches_memory_and_minibatch_repeats(ads: object) -> None:
    import pandas as pd

    frame = dd.from_pandas(ads, npartitions=3)
    labels = np.where(ads["sales"] > 14, "high", "low")
    y = dd.from_pandas(pd.Series(labels), npartitions=3)
    settings = {"hidden": 3, "solver": "adam", "lr": 0.05, "batch_size": None, "epochs": 10,
                "seed": 1}
    lazy = st.nn.MLPClassifier(**settings).fit(frame[["TV", "radio"]], y)
    memory = st.nn.MLPClassifier(**settings).fit(ads[["TV", "radio"]], labels)
    assert lazy.classes_.tolist() == ["high", "low"]
    np.testing.assert_allclose(_weights(lazy), _weights(memory), rtol=1e-12, atol=1e-14)
    # Over batches: seeded, the same partitioning gives the same run, bit for bit.
    batches = {**settings, "batch_size": 16, "epochs": 2}
    first = st.nn.MLPClassifier(**batches).fit(frame[["TV", "radio"]], y)
    again = st.nn.MLPClassifier(**batches).fit(frame[["TV", "radio"]], y)
    assert first.t_ == 2 * 13
    np.testing.assert_array_equal(_weights(first), _weights(again))
    assert np.isfinite(first.loss_)
    with pytest.raises(DataError, match="early_stopping holds out rows in memory"):
        st.nn.MLPClassifier(early_stopping=True).fit(frame[["TV", "radio"]], y)
    with pytest.raises(DataError, match="over Dask data in full batch leave tol=None"):
        st.nn.MLPClassifier(solver="gd", tol=1e-3).fit(frame[["TV", "radio"]], y)


def test_data_parallel_steps_use_every_partition(ads: object) -> None:
    from steepest.optim.distributed import Partitions

    frame = dd.from_pandas(ads, npartitions=3)
    settings = {"batch_size": 20, "epochs": 2, "lr": 0.05, "seed": 3}
    first = st.minimize(linear_loss, np.zeros(3), data=Partitions(frame, parallel=True),
                        **settings)
    again = st.minimize(linear_loss, np.zeros(3), data=Partitions(frame, parallel=True),
                        **settings)
    assert first.nit == 2 * 10
    np.testing.assert_array_equal(first.history.x, again.history.x)
    # A batch of all the rows in their order is one step of full-batch descent.
    whole = st.minimize(linear_loss, np.zeros(3), data=Partitions(frame, parallel=True),
                        batch_size=200, epochs=3, lr=0.05, shuffle=False, tol=None)
    memory = st.minimize(linear_loss, np.zeros(3), data=ads, lr=0.05, max_iter=3, tol=None)
    np.testing.assert_allclose(whole.x, memory.x, rtol=1e-12)
    # Every row once per epoch, each step a share of every partition.
    seen: list[list[float]] = []
    values = da.from_array(np.arange(23.0), chunks=8)

    def record(theta: float, batch: np.ndarray) -> float:
        seen.append(np.asarray(batch, dtype=float).tolist())
        return np.mean((batch - theta) ** 2)

    st.minimize(record, 0.0, data=Partitions(values, parallel=True), batch_size=4, epochs=1,
                lr=0.1, seed=1, grad=lambda t, b: -2 * np.mean(b - t))
    shares = [row for share in seen if len(share) <= 2 for row in share]  # not the full passes
    assert sorted(shares) == list(range(23))


def test_arrays_split_differently_are_split_alike() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = X @ np.array([1.0, 2.0]) + 0.5
    lazy = st.models.LinearRegression(solver="gd").fit(da.from_array(X, chunks=(30, 2)),
                                                      da.from_array(y, chunks=45))
    memory = st.models.LinearRegression(solver="gd").fit(X, y)
    np.testing.assert_allclose(lazy.coef_, memory.coef_, rtol=1e-12)


def test_models_draw_a_progress_bar_per_epoch_when_asked(ads: object,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    frame = dd.from_pandas(ads, npartitions=2)
    settings = {"solver": "minibatch", "batch_size": 50, "epochs": 3, "seed": 0, "lr": 0.01}
    shown = st.models.LinearRegression(**settings, verbose=True).fit(frame[["TV"]],
                                                                     frame["sales"])
    err = capsys.readouterr().err
    assert "3/3" in err and "loss" in err
    quiet = st.models.LinearRegression(**settings).fit(frame[["TV"]], frame["sales"])
    assert capsys.readouterr().err == ""
    assert quiet.coef_.tolist() == shown.coef_.tolist()  # the bar changes nothing
