"""Lesson 8: backpropagation in the dosage network, number by number."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st

W1, B1 = [[3.34], [-3.53]], [-1.43, 0.57]
W2 = [[-1.22, -2.30]]


@pytest.fixture()
def network():
    net = st.nn.Sequential(st.nn.Linear(1, 2), st.nn.Softplus(), st.nn.Linear(2, 1))
    net[0].weight.data[:] = W1
    net[0].bias.data[:] = B1
    net[2].weight.data[:] = W2
    net[2].bias.data[:] = [0.0]
    return net


@pytest.fixture(scope="module")
def dosage():
    data = st.datasets.load("dosage")
    return data[["dosage"]].to_numpy(), data["efficacy"].to_numpy(dtype=float)


def ssr_of(net, dosage):
    x, observed = dosage
    return np.sum((observed - net(x)[:, 0]) ** 2)


def test_predictions_and_ssr_at_b3_zero(network, dosage):
    x = dosage[0]
    # The lesson's formula written out: blue + orange + b3.
    blue = -1.22 * np.log1p(np.exp(3.34 * x[:, 0] - 1.43))
    orange = -2.30 * np.log1p(np.exp(-3.53 * x[:, 0] + 0.57))
    predicted = network(x).data[:, 0]
    np.testing.assert_allclose(predicted, blue + orange, rtol=1e-14)
    assert predicted.round(2).tolist() == [-2.60, -1.61, -2.61]
    assert round(float(ssr_of(network, dosage).data), 1) == 20.4


@pytest.mark.parametrize(("b3", "ssr", "digits"), [(1.0, 7.8, 1), (2.0, 1.11, 2), (3.0, 0.46, 2)])
def test_ssr_for_other_b3(network, dosage, b3, ssr, digits):
    network[2].bias.data[:] = b3
    assert round(float(ssr_of(network, dosage).data), digits) == ssr


def test_gradient_of_ssr_with_respect_to_b3(network, dosage):
    x, observed = dosage
    loss = ssr_of(network, dosage)
    loss.backward()
    slope = float(network[2].bias.grad[0])
    assert round(slope, 1) == -15.7
    predicted = network(x).data[:, 0]
    assert slope == pytest.approx(np.sum(-2 * (observed - predicted) * 1), rel=1e-14)


def test_training_b3_alone_by_backpropagation(network, dosage):
    b3 = network[2].bias
    path, slopes = [], []
    for _ in range(100):
        network.zero_grad()
        ssr_of(network, dosage).backward()
        step = 0.1 * float(b3.grad[0])
        slopes.append(float(b3.grad[0]))
        b3.data -= 0.1 * b3.grad
        path.append(float(b3.data[0]))
        if abs(step) < 0.001:
            break
    assert [round(v, 2) for v in path[:2]] == [1.57, 2.19]
    assert round(slopes[1], 2) == -6.26
    assert round(path[-1], 2) == 2.61
    assert np.all(np.diff(path) > 0)


def test_all_seven_gradients_match_pytorch(network, dosage):
    x, observed = dosage
    network[2].bias.data[:] = 0.4
    ssr_of(network, dosage).backward()
    f64 = torch.float64
    tx = torch.tensor(x, dtype=f64)
    w1 = torch.tensor(W1, dtype=f64, requires_grad=True)
    b1 = torch.tensor(B1, dtype=f64, requires_grad=True)
    w2 = torch.tensor(W2, dtype=f64, requires_grad=True)
    b2 = torch.tensor([0.4], dtype=f64, requires_grad=True)
    predicted = (torch.nn.functional.softplus(tx @ w1.T + b1) @ w2.T + b2)[:, 0]
    torch.sum((torch.tensor(observed, dtype=f64) - predicted) ** 2).backward()
    for mine, theirs in zip(network.parameters(), (w1, b1, w2, b2), strict=True):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12)
    assert sum(p.size for p in network.parameters()) == 7


def test_the_whole_network_learns_the_dosage_data(dosage):
    x, observed = dosage
    best = np.inf
    # Plain gradient descent on the SSR, every parameter by backpropagation; a few seeds.
    for seed in range(3):
        model = st.nn.MLPRegressor(
            hidden=2,
            activation="softplus",
            loss="ssr",
            solver="gd",
            lr=0.1,
            epochs=4000,
            batch_size=None,
            seed=seed,
        )
        model.fit(x, observed)
        best = min(best, model.loss_)
        if best < 0.01:
            break
    assert best < 0.01
    np.testing.assert_allclose(model.predict(x), observed, atol=0.07)
    assert model.network_.num_parameters() == 7
    assert model.loss_ == pytest.approx(
        float(np.sum((model.predict(x) - observed) ** 2)), rel=1e-9, abs=1e-12
    )
