"""Layers, parameters and the fused losses, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as hs
from hypothesis.extra import numpy as hnp

import steepest as st
from steepest.errors import DataError
from steepest.nn import functional as F


def test_linear_is_seeded_and_shaped_like_pytorch():
    layer = st.nn.Linear(3, 4, seed=11)
    again = st.nn.Linear(3, 4, seed=11)
    other = st.nn.Linear(3, 4, seed=12)
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (4,)
    np.testing.assert_array_equal(layer.weight.data, again.weight.data)
    np.testing.assert_array_equal(layer.bias.data, again.bias.data)
    assert not np.array_equal(layer.weight.data, other.weight.data)
    bound = 1 / np.sqrt(3)
    assert np.all(np.abs(layer.weight.data) <= bound) and np.all(np.abs(layer.bias.data) <= bound)
    he = st.nn.Linear(200, 300, seed=0, init="he").weight.data
    assert he.std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    assert np.all(st.nn.Linear(2, 2, init="zeros").weight.data == 0)


def test_parameters_are_weight_then_bias_layer_by_layer():
    net = st.nn.Sequential(st.nn.Linear(2, 3, seed=0), st.nn.Tanh(), st.nn.Linear(3, 1, seed=1))
    params = net.parameters()
    assert [p.shape for p in params] == [(3, 2), (3,), (1, 3), (1,)]
    assert params[0] is net[0].weight and params[1] is net[0].bias
    assert params[2] is net[2].weight and params[3] is net[2].bias
    assert all(isinstance(p, st.Tensor) and p.requires_grad for p in params)
    assert net.num_parameters() == 6 + 3 + 3 + 1


def test_parameter_data_is_writable_and_steps_by_hand():
    w = st.nn.Parameter([1.0, -2.0])
    loss = np.sum(w**2)
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])
    w.data -= 0.25 * w.grad
    np.testing.assert_array_equal(w.data, [0.5, -1.0])
    w.data[0] = 3.0
    assert w.data[0] == 3.0


@pytest.mark.parametrize("activation", ["relu", "softplus", "tanh", "sigmoid", "identity"])
def test_network_forward_and_gradients_match_pytorch(activation):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(7, 3))
    y = rng.normal(size=(7, 2))
    ours = st.nn.Sequential(
        st.nn.Linear(3, 5, seed=1), st.nn.activation(activation), st.nn.Linear(5, 2, seed=2)
    )
    torch_act = {
        "relu": torch.nn.ReLU(),
        "softplus": torch.nn.Softplus(),
        "tanh": torch.nn.Tanh(),
        "sigmoid": torch.nn.Sigmoid(),
        "identity": torch.nn.Identity(),
    }[activation]
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch_act, torch.nn.Linear(5, 2)).double()
    with torch.no_grad():
        for mine, their in zip(ours.parameters(), theirs.parameters(), strict=True):
            their.copy_(torch.from_numpy(mine.data))
    loss = np.mean((ours(X) - y) ** 2)
    loss.backward()
    their_loss = torch.mean((theirs(torch.from_numpy(X)) - torch.from_numpy(y)) ** 2)
    their_loss.backward()
    assert float(loss.data) == pytest.approx(their_loss.item(), rel=1e-12)
    for mine, their in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(mine.grad, their.grad.numpy(), rtol=1e-10, atol=1e-14)
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


def test_float32_stays_float32():
    net = st.nn.Sequential(
        st.nn.Linear(3, 4, seed=0, dtype="float32"),
        st.nn.ReLU(),
        st.nn.Linear(4, 1, seed=0, dtype=np.float32),
    )
    out = net(np.ones((5, 3)))
    assert out.dtype == np.float32
    np.sum(out).backward()
    assert all(p.grad.dtype == np.float32 for p in net.parameters())
    net.to("float64")
    assert net.dtype == np.float64 and net(np.ones((2, 3))).dtype == np.float64
    with pytest.raises(DataError, match="float32 or float64"):
        net.to("int32")


def test_state_dict_round_trip_and_module_registration():
    net = st.nn.Sequential(st.nn.Linear(2, 2, seed=0), st.nn.Softplus(), st.nn.Linear(2, 1))
    saved = net.state_dict()
    assert list(saved) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for p in net.parameters():
        p.data[...] = 0.0
    net.load_state_dict(saved)
    np.testing.assert_array_equal(net[0].weight.data, saved["0.weight"])
    with pytest.raises(DataError, match="missing"):
        net.load_state_dict({"0.weight": saved["0.weight"]})

    class Plain(st.nn.Module):
        def __init__(self):
            pass

    with pytest.raises(AttributeError, match="super"):
        Plain().w = st.nn.Parameter(1.0)


def test_wrong_input_shapes_are_named():
    with pytest.raises(DataError, match=r"expects inputs of shape \(n, 3\)"):
        st.nn.Linear(3, 1)(np.ones((4, 2)))
    with pytest.raises(DataError, match="unknown activation"):
        st.nn.activation("swish")


@given(hnp.arrays(np.float64, hs.integers(1, 20), elements=hs.floats(-700, 700)))
def test_activations_match_pytorch_and_stay_finite(x):
    t = torch.from_numpy(x)
    np.testing.assert_allclose(
        F.softplus(x), torch.nn.functional.softplus(t, threshold=1e9), rtol=1e-12, atol=1e-300
    )
    np.testing.assert_allclose(F.sigmoid(x), torch.sigmoid(t), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.relu(x), torch.relu(t))
    assert np.all(np.isfinite(F.softplus(x))) and np.all(np.isfinite(F.sigmoid(x)))
    g = st.grad(lambda v: np.sum(F.softplus(v)))(x)
    np.testing.assert_allclose(g, torch.sigmoid(t), rtol=1e-12, atol=1e-300)


@given(
    hnp.arrays(
        np.float64, hs.tuples(hs.integers(1, 6), hs.integers(2, 5)), elements=hs.floats(-1e4, 1e4)
    ),
    hs.data(),
)
def test_fused_cross_entropy_matches_pytorch_even_for_huge_logits(logits, data):
    n, k = logits.shape
    labels = np.array(data.draw(hs.lists(hs.integers(0, k - 1), min_size=n, max_size=n)))
    value, gradient = st.value_and_grad(lambda z: F.softmax_cross_entropy(z, labels))(logits)
    t = torch.from_numpy(logits).requires_grad_(True)
    reference = torch.nn.functional.cross_entropy(t, torch.from_numpy(labels))
    reference.backward()
    assert np.isfinite(value)
    assert value == pytest.approx(reference.item(), rel=1e-10, abs=1e-10)
    np.testing.assert_allclose(gradient, t.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_binary_cross_entropy_with_logits_matches_pytorch():
    z = np.array([-800.0, -3.0, 0.0, 2.5, 900.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    ours = F.binary_cross_entropy_with_logits(z, y)
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(y)
    )
    assert float(ours) == pytest.approx(theirs.item(), rel=1e-12)
    np.testing.assert_allclose(F.log_softmax(np.array([[1e5, 0.0]])), [[0.0, -1e5]])


def test_float32_data_trains_in_float32_without_naming_a_dtype():
    net = st.nn.Sequential(st.nn.Linear(3, 4, seed=0), st.nn.ReLU(), st.nn.Linear(4, 2, seed=1))
    drawn = [p.data.copy() for p in net.parameters()]  # float64 until an input is seen
    assert all(d.dtype == np.float64 for d in drawn)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = net(x)
    assert out.dtype == np.float32
    for p, d in zip(net.parameters(), drawn):
        assert p.dtype == np.float32 and np.array_equal(p.data, d.astype(np.float32))
    np.sum(out * out).backward()
    assert all(p.grad.dtype == np.float32 for p in net.parameters())
    # The values: those of the float64 network on the same float32 numbers, to float32 precision.
    reference = st.nn.Sequential(st.nn.Linear(3, 4, seed=0), st.nn.ReLU(),
                                 st.nn.Linear(4, 2, seed=1))
    for p, q in zip(reference.parameters(), net.parameters()):
        p.data = q.data.astype(np.float64)
    np.testing.assert_allclose(out.data, reference(x.astype(np.float64)).data, rtol=1e-5)
    # Settled once: later float64 batches are converted to the parameters' dtype.
    assert net(x.astype(np.float64)).dtype == np.float32


def test_float64_stays_the_default_and_a_named_dtype_is_kept():
    assert st.nn.Linear(3, 2, seed=0)(np.ones((2, 3))).dtype == np.float64
    assert st.nn.Linear(3, 2, seed=0)(np.ones((2, 3), dtype=int)).dtype == np.float64
    assert st.nn.Linear(3, 2, seed=0)([[1, 2, 3]]).dtype == np.float64
    named = st.nn.Linear(3, 2, seed=0, dtype=np.float64)
    assert named(np.ones((2, 3), dtype=np.float32)).dtype == np.float64
    assert named.weight.dtype == np.float64
    # A layer's parameters keep their identity: an optimizer made first still holds them.
    layer = st.nn.Linear(3, 2, seed=0)
    params = layer.parameters()
    layer(np.ones((1, 3), dtype=np.float32))
    assert [p is q for p, q in zip(params, layer.parameters())] == [True, True]
    assert params[0].dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_a_tensor_equals_numpy_maximum(dtype):
    # F.relu calls the primitive itself: the values and gradients of np.maximum(x, 0.0),
    # bit for bit, with 1/2 at ties and 0 at NaN.
    value = np.array([[-1.5, 0.0, 2.0], [np.nan, 3.0, -0.0]], dtype=dtype)
    weights = np.arange(1.0, 7.0).reshape(2, 3).astype(dtype)
    grads = []
    for relu in (st.nn.functional.relu, lambda v: np.maximum(v, 0.0), st.nn.ReLU()):
        x = st.Tensor(value, requires_grad=True)
        out = relu(x)
        np.sum(np.nan_to_num(out) * weights).backward()
        assert np.array_equal(out.data, np.maximum(value, 0.0), equal_nan=True)
        grads.append(x.grad)
    for g in grads:
        assert g.dtype == dtype
        assert np.array_equal(g, grads[0])
    assert np.array_equal(grads[0], [[0.0, 1.0, 3.0], [0.0, 5.0, 3.0]])


def test_zero_grad_reaches_nested_and_shared_modules():
    inner = st.nn.Linear(2, 2, seed=0)
    net = st.nn.Sequential(st.nn.Sequential(inner, st.nn.ReLU()), inner, st.nn.Linear(2, 1))
    np.sum(net(np.ones((3, 2)))).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
