"""ConstantModel: the mean, the median and Huber's location, exactly and by descent."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as hs
from scipy.optimize import minimize_scalar

import steepest as st
from steepest.errors import DataError
from steepest.models import ConstantModel, huber_location


@pytest.fixture(scope="module")
def percent():
    tips = st.datasets.load("tips")
    return (100 * tips["tip"] / tips["total_bill"]).to_numpy()


def huber_objective(y: np.ndarray, delta: float):
    def loss(theta: float) -> float:
        r = np.abs(y - theta)
        return float(np.sum(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta))))

    return loss


def test_tips_percentages(percent):
    mse = ConstantModel(loss="mse").fit(None, percent)
    mae = ConstantModel(loss="mae").fit(None, percent)
    huber = ConstantModel(loss="huber").fit(None, percent)
    assert round(mse.theta_, 2) == 16.08 and mse.theta_ == pytest.approx(np.mean(percent))
    assert round(mae.theta_, 2) == 15.48 and mae.theta_ == np.median(percent)
    reference = minimize_scalar(
        huber_objective(percent, 1.0), bounds=(10, 20), method="bounded", options={"xatol": 1e-12}
    ).x
    assert huber.theta_ == pytest.approx(reference, abs=1e-7)
    assert round(huber.theta_, 4) == 15.5306
    # The course's figures for Huber are approximations of this minimizer: the grid
    # 12, 12.1, ..., 17.9 picks 15.5, and its descent from 0 with rate 0.2, stopping when a
    # step is shorter than 0.001, stops at 15.5068 (the loss is flat near the minimum).
    grid = np.arange(12, 18, 0.1)
    assert round(grid[np.argmin([huber_objective(percent, 1.0)(t) for t in grid])], 2) == 15.50
    course = ConstantModel(loss="huber", solver="gd", lr=0.2, tol=0.001).fit(None, percent)
    assert course.theta_ == pytest.approx(15.506849531471964, abs=1e-12)


def test_lesson_grid_values():
    y = np.array([12, 13, 15, 16, 17.0])
    assert ConstantModel().fit(None, y).theta_ == pytest.approx(14.6)
    assert ConstantModel(loss="huber").fit(None, y).theta_ == 15.0
    assert ConstantModel(loss=st.losses.huber(1)).fit(None, y).theta_ == 15.0
    assert ConstantModel(loss="mae").fit(y).theta_ == 15.0


def test_descent_reproduces_the_course_minimize():
    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    model = ConstantModel(solver="gd", lr=0.2, tol=0.001).fit(None, y)
    assert model.theta_ == pytest.approx(14.658511131035242, abs=1e-12)
    assert model.n_iter_ == 18
    thetas = model.history_["theta"].round(2).tolist()
    losses = model.history_["loss"].round(2).tolist()
    assert thetas[:3] == [0.0, 5.86, 9.38]
    assert losses[:3] == [218.76, 81.21, 31.70]


def test_descent_with_default_rate_reaches_the_mean_and_huber(percent):
    assert ConstantModel(solver="gd").fit(None, percent).theta_ == pytest.approx(
        np.mean(percent), rel=1e-12
    )
    exact = ConstantModel(loss="huber").fit(None, percent).theta_
    assert ConstantModel(loss="huber", solver="gd").fit(None, percent).theta_ == pytest.approx(
        exact, rel=1e-9
    )
    sgd = ConstantModel(solver="sgd", seed=0).fit(None, percent)
    assert sgd.theta_ == pytest.approx(np.mean(percent), rel=1e-4)


def test_predict_and_score(percent):
    model = ConstantModel().fit(np.zeros((len(percent), 2)), percent)
    assert model.predict(np.zeros((3, 2))).tolist() == [model.theta_] * 3
    assert model.score(np.zeros((len(percent), 2)), percent) == pytest.approx(0.0, abs=1e-12)
    assert model.n_features_in_ == 2


def test_unknown_loss_for_the_exact_solver():
    with pytest.raises(DataError, match="exact constant model"):
        ConstantModel(loss="hinge").fit(None, [1.0, 2.0])
    with pytest.raises(DataError, match="positive"):
        ConstantModel(loss="huber", delta=0).fit(None, [1.0, 2.0])


@given(
    hs.lists(hs.floats(-100, 100, allow_nan=False), min_size=1, max_size=30),
    hs.floats(0.05, 20),
)
def test_huber_location_minimizes_the_loss(values, delta):
    y = np.array(values)
    theta = huber_location(y, delta)
    loss = huber_objective(y, delta)
    grid = np.linspace(y.min() - 1, y.max() + 1, 2001)
    r = np.abs(y[None, :] - grid[:, None])
    best_on_grid = float(
        np.min(np.sum(np.where(r <= delta, 0.5 * r**2, delta * (r - 0.5 * delta)), axis=1))
    )
    assert loss(theta) <= best_on_grid + 1e-9 * max(1.0, best_on_grid)
    # And the derivative vanishes there (the loss is flat at a minimum).
    assert abs(np.sum(np.clip(y - theta, -delta, delta))) < 1e-8 * max(1.0, len(y) * delta)


@given(hs.lists(hs.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=30))
def test_huber_with_a_huge_threshold_is_the_mean_and_a_tiny_one_a_median(values):
    y = np.array(values)
    assert huber_location(y, 1e9) == pytest.approx(np.mean(y), abs=1e-6)
    tiny = huber_location(y, 1e-9)
    below, above = np.sum(y < tiny - 1e-6), np.sum(y > tiny + 1e-6)
    assert below <= len(y) / 2 and above <= len(y) / 2


def exact_huber_locations(values: list[float], delta: float) -> tuple[Fraction, Fraction]:
    """Huber's locations in exact rational arithmetic: where the piecewise-linear
    ``sum(clip(y - theta, -delta, delta))`` vanishes (one point, or a flat piece)."""
    y, d = [Fraction(v) for v in values], Fraction(delta)

    def pull(theta: Fraction) -> Fraction:
        return sum((min(max(v - theta, -d), d) for v in y), Fraction(0))

    corners = sorted({v + s for v in y for s in (-d, d)})
    zeros = [c for c in corners if pull(c) == 0]
    if zeros:  # a flat piece (or a single corner) where the derivative vanishes
        return zeros[0], zeros[-1]
    for a, b in pairwise(corners):
        fa, fb = pull(a), pull(b)
        if fa > 0 > fb:
            root = a + fa * (b - a) / (fa - fb)
            return root, root
    raise AssertionError("no root")


@given(
    hs.lists(hs.sampled_from([1.0, 3.0, 10.0, -2.5, 7.25, 0.0]), min_size=1, max_size=8),
    hs.sampled_from([1e-300, 1e-200, 1e-8, 1.0, 1e8, 1e200]),
    hs.sampled_from([1e-3, 0.3, 1.0, 2.0, 1e6, 1e17, 1e200, 1e300]),
)
@example([1.0, 3.0, 10.0], 1e-200, 1.0)  # corners y +- delta rounded to +-1: theta was 0.0
@example([1.0, 3.0, 10.0], 1.0, 1e17)  # theta was 16, outside the data
@example([1.0, 3.0, 10.0], 1.0, 1e200)  # theta was inf
def test_huber_location_is_exact_whatever_the_scales(values, scale, delta):
    """Values and threshold of any sizes: a Huber location to rounding of the values' sizes."""
    y = [v * scale for v in values]
    low, high = exact_huber_locations(y, delta)
    theta = Fraction(huber_location(np.array(y), delta))
    size = max(abs(v) for v in y)
    slack = Fraction(8 * np.finfo(float).eps) * Fraction(max(size, min(delta, size * len(y))))
    slack += Fraction(1e-300)
    assert low - slack <= theta <= high + slack, (y, delta, float(theta), float(low), float(high))
