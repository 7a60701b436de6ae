"""Stochastic and mini-batch descent over data."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest.optim import schedules


def mse(theta, y):
    return np.mean((y - theta) ** 2)


def mse_grad(theta, y):
    return -2 * np.mean(y - theta)


@pytest.fixture(scope="module")
def tip_percent() -> np.ndarray:
    tips = st.datasets.load("tips")
    return (100 * tips["tip"] / tips["total_bill"]).to_numpy()


def test_sgd_on_tips_settles_near_the_mean(tip_percent):
    res = st.minimize(
        mse,
        0.0,
        data=tip_percent,
        batch_size=1,
        epochs=15,
        seed=0,
        lr=schedules.inverse_time(0.05, 0.01),
        grad=mse_grad,
    )
    assert res.status == "max_iter" and res.epochs == 15
    assert res.nit == 15 * tip_percent.size
    assert res.x == pytest.approx(tip_percent.mean(), abs=0.15)
    assert res.fun == pytest.approx(mse(res.x, tip_percent))
    epochs = res.history.epochs
    assert len(epochs) == 16 and epochs.iteration.tolist() == list(range(16))
    np.testing.assert_allclose(epochs.loss, [mse(t, tip_percent) for t in epochs.x])
    assert epochs.loss[-1] < 1.01 * tip_percent.var()  # the minimum of MSE is the variance
    assert len(res.history) == res.nit + 1


def test_sgd_with_automatic_gradient_matches_user_gradient(tip_percent):
    settings = {"data": tip_percent, "batch_size": 1, "epochs": 2, "seed": 3, "lr": 0.01}
    auto = st.minimize(mse, 0.0, **settings)
    manual = st.minimize(mse, 0.0, grad=mse_grad, **settings)
    np.testing.assert_allclose(auto.history.x, manual.history.x, rtol=1e-12)


def test_minibatch_on_tips(tip_percent):
    res = st.minimize(
        mse, 0.0, data=tip_percent, batch_size=16, epochs=40, seed=0, lr=0.05, grad=mse_grad
    )
    assert res.nit == 40 * 16  # 15 full batches and one of 4 per epoch
    assert res.x == pytest.approx(tip_percent.mean(), abs=0.5)
    # Each step row holds the loss of its own batch, never more than the worst batch loss.
    assert np.all(res.history.loss[:-1] <= max(mse(t, tip_percent) for t in (0.0, 30.0)) * 10)


def test_batches_are_reshuffled_every_epoch_from_the_seed():
    data = np.arange(10.0)
    seen: list[np.ndarray] = []

    def grad(theta, batch):
        seen.append(batch.copy())
        return 0.0 * theta

    st.minimize(mse, 0.0, grad=grad, data=data, batch_size=4, epochs=3, seed=7, tol=None)
    seen = [batch for batch in seen if batch.size < 10]  # leave out the whole-data evaluations
    assert [b.size for b in seen] == [4, 4, 2] * 3
    rng = np.random.default_rng(7)
    for epoch in range(3):
        order = np.concatenate(seen[3 * epoch : 3 * epoch + 3])
        np.testing.assert_array_equal(order, rng.permutation(10).astype(float))
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:6]))


def test_seed_reproducibility(tip_percent):
    settings = {"data": tip_percent, "batch_size": 8, "epochs": 3, "lr": 0.05, "grad": mse_grad}
    first = st.minimize(mse, 0.0, seed=11, **settings)
    again = st.minimize(mse, 0.0, seed=11, **settings)
    other = st.minimize(mse, 0.0, seed=12, **settings)
    np.testing.assert_array_equal(first.history.x, again.history.x)
    assert not np.array_equal(first.history.x, other.history.x)
    unshuffled = st.minimize(mse, 0.0, shuffle=False, **settings)
    batches = [tip_percent[i : i + 8] for i in range(0, tip_percent.size, 8)]
    theta = 0.0
    for batch in batches:
        theta -= 0.05 * mse_grad(theta, batch)
    assert unshuffled.history.epochs.x[1] == pytest.approx(theta, rel=1e-13)


def test_full_batch_through_the_batch_path_equals_plain_descent(tip_percent):
    plain = st.minimize(mse, 0.0, data=tip_percent, lr=0.1, max_iter=20, tol=None)
    batched = st.minimize(
        mse, 0.0, data=tip_percent, batch_size=tip_percent.size, epochs=20, lr=0.1, tol=None, seed=0
    )
    assert batched.nit == 20
    np.testing.assert_allclose(batched.history.epochs.x, plain.history.x, rtol=1e-12)


def test_dataframe_batches(tip_percent):
    tips = st.datasets.load("tips").assign(pct=tip_percent)
    kinds = set()

    def loss(theta, batch):
        kinds.add(type(batch).__name__)
        return np.mean((batch["pct"].to_numpy() - theta) ** 2)

    res = st.minimize(loss, 10.0, data=tips, batch_size=32, epochs=30, lr=0.1, seed=0)
    assert kinds == {"DataFrame"}
    assert res.x == pytest.approx(tip_percent.mean(), abs=0.5)


def test_tuple_data_fits_a_line_like_least_squares():
    ads = st.datasets.load("advertising")
    x = ads["TV"].to_numpy()
    scaled = (x - x.mean()) / x.std()
    y = ads["sales"].to_numpy()

    def loss(p, batch):
        xb, yb = batch
        return np.mean((p[0] * xb + p[1] - yb) ** 2)

    res = st.minimize(
        loss,
        np.zeros(2),
        data=(scaled, y),
        batch_size=20,
        epochs=60,
        seed=1,
        lr=schedules.exponential(0.1, 0.99),
    )
    slope, intercept = np.polyfit(scaled, y, 1)
    np.testing.assert_allclose(res.x, [slope, intercept], atol=1e-3)
    # Back on the original scale: the lesson's least-squares line.
    m = res.x[0] / x.std()
    b = res.x[1] - m * x.mean()
    assert b == pytest.approx(7.0326, abs=5e-3)
    assert m == pytest.approx(0.047537, abs=2e-5)


def test_iterables_of_batches():
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 1.0, size=5) for _ in range(20)]
    listed = st.minimize(mse, 0.0, data=batches, grad=mse_grad, epochs=10, lr=0.1)
    assert listed.nit == 200 and listed.epochs == 10
    assert listed.x == pytest.approx(np.mean(np.concatenate(batches)), abs=0.3)
    # Without the data in memory the epoch loss is the mean of its batch losses.
    assert (
        np.isnan(listed.history.epochs.loss[0])
        and np.isfinite(listed.history.epochs.loss[1:]).all()
    )
    once = st.minimize(mse, 0.0, data=iter(batches), grad=mse_grad, epochs=10, lr=0.1)
    assert once.nit == 20 and once.epochs == 1
    assert "ran out" in once.message
    factory = st.minimize(mse, 0.0, data=lambda: iter(batches), grad=mse_grad, epochs=3, lr=0.1)
    assert factory.nit == 60


def test_course_sgd_stops_on_a_small_step(tip_percent):
    res = st.minimize(
        mse, 0.0, data=tip_percent, batch_size=1, lr=0.2, tol=0.001, seed=0, grad=mse_grad
    )
    assert res.status == "converged"
    steps = res.history.step
    assert steps[-1] < 0.001 and np.all(steps[1:-1] >= 0.001)


def test_sgd_divergence_is_reported(tip_percent):
    res = st.minimize(
        mse, 0.0, data=tip_percent, batch_size=1, lr=1.5, epochs=50, grad=mse_grad, seed=0
    )
    assert res.status == "diverged"
    assert "learning rate 1.5" in res.message and "try 0.15" in res.message


def test_max_iter_limits_stochastic_steps(tip_percent):
    res = st.minimize(
        mse, 0.0, data=tip_percent, batch_size=1, lr=0.01, epochs=5, max_iter=100, grad=mse_grad
    )
    assert res.nit == 100 and res.status == "max_iter" and res.epochs == 1


def test_stochastic_maximize(tip_percent):
    res = st.maximize(
        lambda t, y: -mse(t, y), 0.0, data=tip_percent, batch_size=16, epochs=30, lr=0.05, seed=0
    )
    assert res.x == pytest.approx(tip_percent.mean(), abs=0.5)
    assert res.fun == pytest.approx(-mse(res.x, tip_percent))


def test_batch_size_needs_data():
    with pytest.raises(st.OptimizationError, match="data="):
        st.minimize(mse, 0.0, batch_size=4)
    with pytest.raises(st.OptimizationError, match="cannot be split into batches"):
        st.minimize(mse, 0.0, data={"y": [1.0, 2.0]}, batch_size=1)
