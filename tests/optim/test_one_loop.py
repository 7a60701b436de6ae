"""Every descent runs the one loop over the one batch source: the same steps, counted alike."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import steepest as st


@pytest.fixture(scope="module")
def ads():
    return st.datasets.load("advertising")


@pytest.fixture(scope="module")
def tip_percent():
    tips = st.datasets.load("tips")
    return (100 * tips["tip"] / tips["total_bill"]).to_numpy()


def squared_error(theta, batch):
    Z, y = batch
    return np.mean((y - Z @ theta) ** 2)


@pytest.mark.filterwarnings("ignore::steepest.models.ConvergenceWarning")
@pytest.mark.parametrize("solver, batch_size", [("sgd", 1), ("minibatch", 20), ("gd", None)])
def test_linear_regression_takes_exactly_the_steps_of_minimize(ads, solver, batch_size):
    X, y = ads[["TV", "radio"]].to_numpy() / 100, ads["sales"].to_numpy()
    settings = {"lr": 0.01, "seed": 4}
    model = st.models.LinearRegression(
        solver=solver, batch_size=batch_size, epochs=3, standardize=False, **settings
    ).fit(X, y)
    Z = np.column_stack([np.ones(len(y)), X])
    run = {"batch_size": batch_size, "epochs": 3} if batch_size else {"max_iter": 3}
    res = st.minimize(squared_error, np.zeros(3), data=(Z, y), tol=None, **run, **settings)
    np.testing.assert_allclose(
        np.r_[model.intercept_, model.coef_], res.x, rtol=1e-12, atol=1e-12
    )
    assert model.t_ == res.nit


def test_sgd_and_minibatch_mean_the_same_in_every_model(ads):
    X, y = ads[["TV", "radio"]], ads["sales"]
    labels = (y > y.median()).to_numpy()
    rows, epochs = len(y), 2
    models = [
        st.models.LinearRegression(epochs=epochs, seed=0),
        st.models.LogisticRegression(epochs=epochs, seed=0),
        st.nn.MLPRegressor(hidden=3, epochs=epochs, seed=0, lr=0.001),
        st.nn.MLPClassifier(hidden=3, epochs=epochs, seed=0),
        st.models.ConstantModel(epochs=epochs, seed=0),
    ]
    for model in models:
        target = labels if st.models.base.ClassifierMixin in type(model).__mro__ else y
        for solver, size, per_epoch in (("sgd", None, rows), ("minibatch", 7, math.ceil(rows / 7))):
            fitted = copy.deepcopy(model).set_params(solver=solver, batch_size=size)
            fitted.fit(X, target)
            assert fitted.t_ == per_epoch * epochs, (type(model).__name__, solver)
            assert fitted.n_iter_ == epochs


def test_sgd_takes_one_row_per_step_and_refuses_a_larger_batch(ads):
    with pytest.raises(st.OptimizationError, match="one row per step"):
        st.models.LinearRegression(solver="sgd", batch_size=8).fit(ads[["TV"]], ads["sales"])
    with pytest.raises(st.OptimizationError, match="one row per step"):
        st.nn.MLPRegressor(solver="sgd", batch_size=8, epochs=1).fit(ads[["TV"]], ads["sales"])


def test_huber_is_called_like_every_loss_and_reaches_the_lesson_figure(tip_percent):
    y, y_hat = tip_percent, np.full(tip_percent.shape, 15.0)
    assert st.losses.huber(y, y_hat, delta=1.0) == st.losses.huber(delta=1.0)(y, y_hat)
    assert st.losses.mse(y, y_hat) == pytest.approx(np.mean((y - 15.0) ** 2))
    res = st.minimize(
        lambda t: st.losses.huber(tip_percent, t * np.ones_like(tip_percent), delta=1.0),
        0.0, lr=0.2, tol=1e-3,
    )
    assert res.x == 15.506849531471964


def test_a_configured_loss_is_accepted_wherever_a_name_is(ads):
    X, y = ads[["TV"]], ads["sales"]
    by_name = st.models.LinearRegression(solver="gd", loss="huber", delta=2.0).fit(X, y)
    configured = st.models.LinearRegression(solver="gd", loss=st.losses.huber(delta=2.0)).fit(X, y)
    np.testing.assert_allclose(configured.coef_, by_name.coef_, rtol=1e-12)
    net = st.nn.MLPRegressor(hidden=2, loss=st.losses.huber(delta=0.5), epochs=2, seed=0)
    assert np.isfinite(net.fit(X / 100, y).loss_)


def test_one_definition_of_a_loss_and_its_bad_options():
    with pytest.raises(st.DataError, match="delta must be positive"):
        st.losses.huber(delta=0)
    with pytest.raises(st.DataError, match="delta must be positive"):
        st.nn.MLPRegressor(loss="huber", delta=-1.0, epochs=1).fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(st.DataError, match="delta must be positive"):
        st.models.LinearRegression(solver="gd", loss="huber", delta=0).fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(st.DataError, match="no option 'gamma'"):
        st.losses.mse([1.0], [2.0], gamma=3)
    assert st.losses.huber.curvature == 1.0 and st.losses.mae.curvature is None


RULES = [
    st.optim.gd(0.1), st.optim.momentum(0.1), st.optim.nesterov(0.1), st.optim.adagrad(0.1),
    st.optim.rmsprop(0.1), st.optim.adam(0.1), st.optim.adamw(0.1), st.optim.armijo(),
    st.optim.lbfgs(), st.optim.newton(),
    st.optim.chain(st.optim.clip_by_norm(1.0), st.optim.add_decayed_weights(1e-2),
                   st.optim.adam(0.1)),
]


class Bowl:
    def value(self, x):
        return float(x @ x + 3 * x[0] ** 2)

    def value_and_grad(self, x):
        return self.value(x), 2 * x + np.array([6 * x[0], 0.0])

    def hessian(self, x):
        return np.diag([8.0, 2.0])


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_update_rules_are_pure(rule):
    bowl, x = Bowl(), np.array([1.0, -2.0])
    state = rule.init(x)
    for _ in range(3):
        before = copy.deepcopy(state)
        value, grads = bowl.value_and_grad(x)
        updates, new_state = rule.update(grads, state, x, value=value, objective=bowl)
        # The state given is left as it was; the same call gives the same answer again.
        assert _same(state, before)
        again, _ = rule.update(grads, before, x, value=value, objective=bowl)
        np.testing.assert_array_equal(updates, again)
        x, state = x + updates, new_state
    assert bowl.value(x) < bowl.value(np.array([1.0, -2.0]))


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(p, q) for p, q in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_chain_clips_then_decays_then_steps():
    grads, params = np.array([30.0, -40.0]), np.array([1.0, 2.0])
    rule = st.optim.chain(st.optim.clip_by_norm(1.0), st.optim.add_decayed_weights(0.1),
                          st.optim.gd(0.5))
    step, _ = rule.update(grads, rule.init(params), params)
    np.testing.assert_allclose(step, -0.5 * (grads / 50.0 + 0.1 * params))
    res = st.minimize("x^2", 100.0, method=rule, max_iter=2)
    assert res.method == "gd" and res.nit == 2
    with pytest.raises(st.OptimizationError, match="not a gradient transform"):
        st.optim.chain(st.optim.adam(0.1), st.optim.gd(0.1))


def test_a_line_search_that_finds_no_step_says_so_in_its_return_value():
    class Uphill:
        def value(self, x):
            return -x[0]  # the gradient below is wrong: nothing along it lowers the loss

    rule = st.optim.armijo()
    updates, state = rule.update(np.array([1.0]), rule.init(np.zeros(1)), np.zeros(1),
                                 value=0.0, objective=Uphill())
    assert isinstance(updates, st.optim.NoStep) and "line search" in updates.reason
    assert "stalled" not in state


def test_early_stopping_keeps_the_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 1))
    y = 3 * X[:, 0] + rng.normal(scale=0.1, size=60)
    held = (X[:20], y[:20])

    def score(theta):
        return -float(np.mean((held[1] - held[0][:, 0] * theta[0]) ** 2))

    stop = st.optim.EarlyStopping(score, patience=2)
    res = st.minimize(lambda th, b: np.mean((b[1] - b[0][:, 0] * th[0]) ** 2), np.zeros(1),
                      data=(X[20:], y[20:]), batch_size=5, epochs=200, seed=0, lr=0.05,
                      tol=None, early_stopping=stop)
    assert res.status == "stopped" and "kept" in res.message
    assert res.epochs < 200
    np.testing.assert_array_equal(res.x, stop.best_x)


def test_lazy_collections_are_refused_rather_than_iterated_row_by_row():
    class Lazy:
        def __dask_graph__(self):
            return {}

        def __iter__(self):
            return iter([1.0, 2.0])

    with pytest.raises(st.OptimizationError, match="lazy collection"):
        st.minimize(lambda th, y: np.mean((y - th) ** 2), 0.0, data=Lazy())
