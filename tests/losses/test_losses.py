"""Losses against PyTorch and scikit-learn; analytic, automatic and numerical gradients agree."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as hst
from hypothesis.extra.numpy import arrays
from sklearn import metrics

import steepest as st
from steepest import losses

values = arrays(np.float64, hst.integers(1, 12), elements=hst.floats(-50, 50))


@given(y=values, shift=hst.floats(-20, 20), delta=hst.floats(0.1, 5.0))
def test_regression_losses_match_torch(y, shift, delta):
    pred = y[::-1] + shift
    ty, tp = torch.tensor(y), torch.tensor(pred)
    assert losses.mse(y, pred) == pytest.approx(torch.nn.functional.mse_loss(tp, ty).item())
    assert losses.mae(y, pred) == pytest.approx(torch.nn.functional.l1_loss(tp, ty).item())
    huber = torch.nn.functional.huber_loss(tp, ty, delta=delta).item()
    assert losses.huber(delta)(y, pred) == pytest.approx(huber)
    assert losses.ssr(y, pred) == pytest.approx(torch.sum((ty - tp) ** 2).item())


def test_regression_losses_match_sklearn():
    rng = np.random.default_rng(0)
    y, pred = rng.normal(size=50), rng.normal(size=50)
    assert losses.mse(y, pred) == pytest.approx(metrics.mean_squared_error(y, pred))
    assert losses.mae(y, pred) == pytest.approx(metrics.mean_absolute_error(y, pred))


def test_classification_losses_match_sklearn_and_torch():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=40)
    p = rng.uniform(0.05, 0.95, size=40)
    assert losses.log_loss(labels, p) == pytest.approx(metrics.log_loss(labels, p))
    bce = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(labels * 1.0))
    assert losses.log_loss(labels, p) == pytest.approx(bce.item())
    logits = rng.normal(size=(30, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    classes = rng.integers(0, 4, size=30)
    torch_ce = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(classes))
    assert losses.cross_entropy(classes, probs) == pytest.approx(torch_ce.item())
    assert losses.cross_entropy(np.eye(4)[classes], probs) == pytest.approx(torch_ce.item())
    assert losses.cross_entropy(classes, probs) == pytest.approx(metrics.log_loss(classes, probs))


def _finite_difference(loss, y, pred, h=1e-6):
    pred = np.asarray(pred, dtype=float)
    out = np.zeros_like(pred)
    for index in np.ndindex(pred.shape):
        up, down = pred.copy(), pred.copy()
        up[index] += h
        down[index] -= h
        out[index] = (loss(y, up) - loss(y, down)) / (2 * h)
    return out


REGRESSION = [losses.mse, losses.mae, losses.huber(1.0), losses.huber(2.5), losses.ssr]


@pytest.mark.parametrize("loss", REGRESSION, ids=repr)
@given(
    y=arrays(np.float64, 6, elements=hst.floats(-10, 10)),
    pred=arrays(np.float64, 6, elements=hst.floats(-10, 10)),
)
def test_three_gradients_agree(loss, y, pred):
    residual = np.abs(y - pred)
    # Keep away from the kinks (|r| = 0 for mae, |r| = delta for huber).
    kinks = [0.0] + ([loss.delta] if hasattr(loss, "delta") else [])
    if any(np.min(np.abs(residual - k)) < 1e-3 for k in kinks):
        return
    analytic = loss.grad(y, pred)
    automatic = st.grad(lambda p: loss(y, p))(pred)
    np.testing.assert_allclose(automatic, analytic, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_finite_difference(loss, y, pred), analytic, rtol=1e-5, atol=1e-6)
    ty = torch.tensor(y)
    tp = torch.tensor(pred, requires_grad=True)
    reference = {
        "mse": lambda: torch.nn.functional.mse_loss(tp, ty),
        "mae": lambda: torch.nn.functional.l1_loss(tp, ty),
        "ssr": lambda: torch.sum((ty - tp) ** 2),
    }.get(repr(loss), lambda: torch.nn.functional.huber_loss(tp, ty, delta=loss.delta))
    reference().backward()
    np.testing.assert_allclose(analytic, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_scalar_prediction_gradient_is_the_course_derivative():
    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    assert losses.mse.grad(y, 12.0) == pytest.approx(-2 * np.mean(y - 12.0))
    assert isinstance(losses.mse.grad(y, 12.0), float)
    huber_grad = losses.huber(1).grad(y, 14.0)
    residual = y - 14.0
    course = np.mean(np.where(np.abs(residual) <= 1, -residual, -np.sign(residual)))
    assert huber_grad == pytest.approx(course)
    assert losses.mae.grad(y, 14.0) == pytest.approx(-np.mean(np.sign(y - 14.0)))
    # Broadcasting a column of predictions sums the gradient back to that shape.
    pred = np.array([[1.0], [2.0]])
    grid = losses.mse.grad(y, pred)
    assert grid.shape == (2, 1)
    assert grid[1, 0] == pytest.approx(_finite_difference(losses.mse, y, pred)[1, 0], rel=1e-6)


def test_classification_gradients():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, size=8).astype(float)
    p = rng.uniform(0.1, 0.9, size=8)
    automatic = st.grad(lambda q: losses.log_loss(labels, q))(p)
    np.testing.assert_allclose(losses.log_loss.grad(labels, p), automatic, rtol=1e-10)
    probs = rng.dirichlet(np.ones(3), size=5)
    classes = rng.integers(0, 3, size=5)
    automatic = st.grad(lambda q: losses.cross_entropy(classes, q))(probs)
    np.testing.assert_allclose(losses.cross_entropy.grad(classes, probs), automatic, rtol=1e-10)
    np.testing.assert_allclose(
        losses.cross_entropy.grad(classes, probs),
        _finite_difference(losses.cross_entropy, classes, probs),
        rtol=1e-5,
    )


def test_lesson_values():
    y = np.array([12.0, 13, 15, 16, 17])
    assert losses.mse(y, 14.6) == pytest.approx(3.44)
    assert losses.huber(1)(y, 15.0) == pytest.approx(1.2)
    observed = np.array([0.0, 1.0, 0.0])
    assert losses.ssr(observed, np.array([-2.60, -1.61, -2.61])) == pytest.approx(20.38, abs=0.01)


def test_pandas_inputs_and_names():
    import pandas as pd

    y = pd.Series([1.0, 2.0, 3.0])
    assert losses.mse(y, 2.0) == pytest.approx(2 / 3)
    assert losses.get("huber").delta == 1.0
    assert losses.get(losses.mae) is losses.mae
    assert losses.names() == ["mse", "mae", "huber", "ssr", "log_loss", "cross_entropy"]
    with pytest.raises(st.DataError, match="unknown loss"):
        losses.get("hinge")
    with pytest.raises(st.DataError, match="positive"):
        losses.huber(0)
    with pytest.raises(st.DataError, match="labels"):
        losses.cross_entropy(np.array([0, 5]), np.full((2, 3), 1 / 3))


def test_confident_mistakes_cost_a_large_finite_amount():
    assert np.isfinite(losses.log_loss(np.array([1.0]), np.array([0.0])))
    assert losses.log_loss(np.array([1.0]), np.array([0.0])) > 20


@pytest.mark.parametrize("loss", [losses.mse, losses.mae, losses.huber(delta=2.0), losses.ssr,
                                  losses.log_loss.configure(from_logits=True),
                                  losses.cross_entropy], ids=repr)
def test_every_loss_survives_pickling(loss):
    import pickle

    again = pickle.loads(pickle.dumps(loss))
    assert again.name == loss.name and again.options == loss.options


@pytest.mark.parametrize("loss", [losses.mse, losses.ssr, losses.huber(delta=1.5),
                                  losses.log_loss.configure(from_logits=True)], ids=repr)
def test_curvature_weights_are_the_derivative_of_the_gradient(loss):
    rng = np.random.default_rng(3)
    t = rng.integers(0, 2, 7).astype(float) if loss.base_name == "log_loss" else rng.normal(size=7)
    p = rng.normal(size=7) * 2
    h = 1e-6
    numeric = (loss.derivative(t, p + h) - loss.derivative(t, p - h)) / (2 * h)
    np.testing.assert_allclose(loss.weights(t, p), numeric, rtol=1e-5, atol=1e-8)
    assert np.all(loss.weights(t, p) * (1 if loss.total else t.size) <= loss.curvature + 1e-12)


def test_loss_options_are_checked():
    with pytest.raises(st.DataError, match="from_logits must be True or False"):
        losses.log_loss(0.5)
    with pytest.raises(st.OptimizationError, match="loss for classes"):
        st.models.ConstantModel(loss="log_loss", solver="gd").fit(None, [0.0, 1.0, 1.0])
