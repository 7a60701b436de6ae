"""A gradient asked for after its inputs were changed in place refuses instead of being wrong.

``y = (w * w).sum(); with st.no_grad(): w -= 1; y.backward()`` used to leave
in ``w.grad`` the gradient at the new values (``[0, 2]`` for ``[2, 4]``), with
no word said: the classic mistake of updating the parameters before calling
backward.  Each leaf's sequence number now moves on with every in-place write
steepest sees (the in-place operators, ``w.data -= ...``, writes through
``w.detach()``, ``load_state_dict``), and ``backward()`` refuses, in one
sentence naming the tensor where it has a name, when a leaf was written after
a node of the graph was computed from it.  A write before the graph is built,
or after ``backward()`` (a training loop's update), is allowed, and the
numbers are those of before.  Both engines behave the same; PyTorch raises in
the same places (and ``.data`` writes, which it lets through, are refused
here too).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from _engines import ENGINES, on_engine
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

import steepest as st
from steepest.errors import DifferentiationError

REFUSAL = "changed in place"


def _operator(w: Any) -> None:
    with st.no_grad():
        w -= 1.0


def _operator_without_no_grad(w: Any) -> None:
    # A leaf frozen for the write, then unfrozen: the write is a write all the same.
    w.requires_grad_(False)
    w *= 3.0
    w.requires_grad_(True)


def _data(w: Any) -> None:
    w.data -= 1.0


def _data_times(w: Any) -> None:
    w.data *= 2.0


def _same_array_back(w: Any) -> None:
    values = w.data
    values += 1.0
    w.data = values  # handed back: the setter sees its own array, so a write


def _detached(w: Any) -> None:
    d = w.detach()
    d += 1.0


def _detached_data(w: Any) -> None:
    d = w.detach()
    d.data /= 2.0


def _detached_twice(w: Any) -> None:
    d = w.detach().detach()
    d -= 0.5


def _item(w: Any) -> None:
    with st.no_grad():
        w[0] = 5.0


def _slice(w: Any) -> None:
    with st.no_grad():
        w[1:] = st.Tensor([0.5])


def _detached_item(w: Any) -> None:
    w.detach()[1] = -1.0


WRITES = {
    "w -= 1 under no_grad": _operator,
    "w[0] = 5 under no_grad": _item,
    "w[1:] = tensor under no_grad": _slice,
    "w.detach()[1] = -1": _detached_item,
    "w *= 3 while frozen": _operator_without_no_grad,
    "w.data -= 1": _data,
    "w.data *= 2": _data_times,
    "w.data = its own array": _same_array_back,
    "w.detach() += 1": _detached,
    "w.detach().data /= 2": _detached_data,
    "w.detach().detach() -= 0.5": _detached_twice,
}


def _loss(w: Any) -> Any:
    return (w * w).sum()


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("write", WRITES)
def test_a_write_after_the_graph_used_the_leaf_refuses_backward(write: str, which: str) -> None:
    def run() -> None:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        y = _loss(w)
        WRITES[write](w)
        with pytest.raises(DifferentiationError, match=REFUSAL) as refused:
            y.backward()
        assert "call backward() before updating the values" in str(refused.value)
        assert w.grad is None  # nothing collected: the refusal comes before the sweep

    on_engine(which, run)


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("write", WRITES)
def test_a_write_before_the_graph_is_built_is_allowed(write: str, which: str) -> None:
    def run() -> tuple[np.ndarray, np.ndarray]:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        WRITES[write](w)
        _loss(w).backward()
        return w.data.copy(), w.grad

    values, grad = on_engine(which, run)
    np.testing.assert_array_equal(grad, 2 * values)


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("write", WRITES)
def test_a_write_after_backward_is_allowed_and_the_next_graph_sees_it(write: str,
                                                                       which: str) -> None:
    def run() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        _loss(w).backward()
        first = w.grad
        WRITES[write](w)
        w.grad = None
        _loss(w).backward()
        return first, w.data.copy(), w.grad

    first, values, grad = on_engine(which, run)
    np.testing.assert_array_equal(first, [2.0, 4.0])
    np.testing.assert_array_equal(grad, 2 * values)


@pytest.mark.parametrize("which", ENGINES)
def test_the_refusal_names_a_parameter(which: str) -> None:
    def run() -> str:
        layer = st.nn.Linear(2, 1, seed=0)
        loss = (layer(np.ones((3, 2))) ** 2).sum()
        layer.weight.data -= 0.1
        with pytest.raises(DifferentiationError) as refused:
            loss.backward()
        return str(refused.value)

    message = on_engine(which, run)
    assert message.startswith("backward() refuses: the values of 'weight' were changed in place")
    assert message.count(". ") == 0  # one sentence


@pytest.mark.parametrize("which", ENGINES)
def test_load_state_dict_while_a_graph_is_alive(which: str) -> None:
    def run() -> tuple[np.ndarray, np.ndarray]:
        net = st.nn.Sequential(st.nn.Linear(2, 3, seed=1), st.nn.Tanh(), st.nn.Linear(3, 1, seed=2))
        saved = net.state_dict()
        x = np.linspace(-1.0, 1.0, 8).reshape(4, 2)
        loss = (net(x) ** 2).mean()
        loss.backward()
        expected = net[0].weight.grad.copy()
        for p in net.parameters():
            p.data -= 0.1 * p.grad
        loss = (net(x) ** 2).mean()
        net.load_state_dict(saved)
        with pytest.raises(DifferentiationError, match=REFUSAL):
            loss.backward()
        net.zero_grad()
        (net(x) ** 2).mean().backward()  # computed again from the loaded values
        return expected, net[0].weight.grad

    expected, again = on_engine(which, run)
    np.testing.assert_array_equal(again, expected)


@pytest.mark.parametrize("which", ENGINES)
def test_a_write_between_two_uses_refuses(which: str) -> None:
    def run() -> None:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        early = w * w
        w.data += 1.0
        late = 3.0 * w  # computed from the new values, but `early` is not
        with pytest.raises(DifferentiationError, match=REFUSAL):
            (early + late).sum().backward()
        with pytest.raises(DifferentiationError, match=REFUSAL):
            early.sum().backward()
        late.sum().backward()  # late alone was computed from the values w holds
        np.testing.assert_array_equal(w.grad, [3.0, 3.0])

    on_engine(which, run)


@pytest.mark.parametrize("which", ENGINES)
def test_a_second_backward_after_an_update_refuses(which: str) -> None:
    def run() -> None:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        y = _loss(w)
        y.backward()
        w.data -= 0.1 * w.grad
        with pytest.raises(DifferentiationError, match=REFUSAL):
            y.backward()

    on_engine(which, run)


@pytest.mark.parametrize("which", ENGINES)
def test_leaves_made_or_written_while_the_graph_grows_are_judged_edge_by_edge(
        which: str) -> None:
    # The quick test (no leaf newer than the graph's first node) fails here, and the walk
    # over the graph's edges decides: each leaf was used only after its last write.
    def run() -> tuple[np.ndarray, np.ndarray]:
        v = st.Tensor([0.5, -1.0], requires_grad=True)
        h = v * v
        w = st.Tensor([1.0, 2.0], requires_grad=True)  # made after h
        with st.no_grad():
            v -= 0.25  # a write of v after h was computed from it: refused below
        loss = (h + w * w).sum()
        with pytest.raises(DifferentiationError, match=REFUSAL):
            loss.backward()
        u = st.Tensor([3.0, 4.0], requires_grad=True)
        g = v * 2.0
        u.data += 1.0  # written after g was made, but used only after the write
        other = st.Tensor([1.0, 1.0], requires_grad=True)
        other.data -= 1.0  # not in the graph at all
        (g + u * u).sum().backward()
        return v.grad, u.grad

    v_grad, u_grad = on_engine(which, run)
    np.testing.assert_array_equal(v_grad, [2.0, 2.0])
    np.testing.assert_array_equal(u_grad, [8.0, 10.0])


@pytest.mark.parametrize("which", ENGINES)
def test_a_write_the_gradient_does_not_depend_on_still_refuses(which: str) -> None:
    # PyTorch lets this one through (addition saves no values); refusing is the safe side.
    def run() -> None:
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        y = (w + 1.0).sum()
        w.data -= 1.0
        with pytest.raises(DifferentiationError, match=REFUSAL):
            y.backward()

    on_engine(which, run)


def test_numpy_writes_into_an_array_taken_out_are_not_seen() -> None:
    # The limits, written down in docs/autodiff.md: NumPy's own writes into an array
    # taken out of a tensor are not seen.
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    y = _loss(w)
    values = w.data
    values -= 1.0
    y.backward()
    np.testing.assert_array_equal(w.grad, [0.0, 2.0])  # the gradient at the new values


@pytest.mark.parametrize("which", ENGINES)
def test_the_pytorch_style_loop_trains_as_before(which: str) -> None:
    """``p.data -= rate * p.grad`` after ``backward()`` every step stays allowed, and the
    numbers are bit for bit those of an update that makes new arrays (no write in place)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])

    def train(in_place: bool) -> list[np.ndarray]:
        rng = np.random.default_rng(3)
        net = st.nn.Sequential(st.nn.Linear(3, 8, seed=rng), st.nn.ReLU(),
                               st.nn.Linear(8, 1, seed=rng))
        for _ in range(20):
            out = net(x)
            shifted = out - out.max(axis=0, keepdims=True).detach()
            loss = ((shifted + out.max() - y) ** 2).mean()
            net.zero_grad()
            loss.backward()
            for p in net.parameters():
                if in_place:
                    p.data -= 0.05 * p.grad
                else:
                    p.data = p.data - 0.05 * p.grad
        return [p.data.copy() for p in net.parameters()]

    in_place = on_engine(which, lambda: train(True))
    fresh = on_engine(which, lambda: train(False))
    for a, b in zip(in_place, fresh, strict=True):
        np.testing.assert_array_equal(a, b)
    other = on_engine("python" if which == "compiled" else which, lambda: train(True))
    for a, b in zip(in_place, other, strict=True):
        np.testing.assert_array_equal(a, b)


# PyTorch's versions of the writes it sees (its `.data` is a way around its check).
TORCH_WRITES: dict[str, Callable[[Any], None]] = {
    "w -= 1 under no_grad": lambda w: operator.isub(w, 1.0),
    "w.detach() += 1": lambda w: w.detach().add_(1.0),
    "w.detach().detach() -= 0.5": lambda w: w.detach().detach().sub_(0.5),
}


@pytest.mark.parametrize("write", TORCH_WRITES)
def test_pytorch_raises_where_steepest_refuses(write: str) -> None:
    w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (w * w).sum()
    with torch.no_grad():
        TORCH_WRITES[write](w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()

    mine = st.Tensor([1.0, 2.0], requires_grad=True)
    mine_y = _loss(mine)
    WRITES[write](mine)
    with pytest.raises(DifferentiationError, match=REFUSAL):
        mine_y.backward()


def test_pytorch_raises_for_load_state_dict_too() -> None:
    net = torch.nn.Linear(2, 1).double()
    saved = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.ones(3, 2, dtype=torch.float64, requires_grad=True)  # its gradient needs W
    loss = (net(x) ** 2).sum()
    net.load_state_dict(saved)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()

    mine = st.nn.Linear(2, 1, seed=0)
    mine_saved = mine.state_dict()
    mine_loss = (mine(np.ones((3, 2))) ** 2).sum()
    mine.load_state_dict(mine_saved)
    with pytest.raises(DifferentiationError, match=REFUSAL):
        mine_loss.backward()


_STEPS = hs.lists(hs.tuples(hs.sampled_from(["use", "write"]), hs.integers(0, 2),
                            hs.sampled_from(sorted(WRITES))), min_size=1, max_size=12)


def _run_program(steps: list[tuple[str, int, str]]) -> tuple[Any, list[Any]]:
    leaves = [st.Tensor(np.array([0.5, -1.0]) + k, requires_grad=True) for k in range(3)]
    total = None
    for kind, k, how in steps:
        if kind == "write":
            WRITES[how](leaves[k])
        else:
            term = np.sin(leaves[k]) * leaves[k]
            total = term if total is None else total + term
    return total, leaves


@pytest.mark.parametrize("which", ENGINES)
@settings(max_examples=60, deadline=None)
@given(steps=_STEPS)
def test_refused_exactly_when_a_leaf_is_written_after_a_use(which: str,
                                                            steps: list[tuple[str, int, str]]
                                                            ) -> None:
    """Random programs of uses and writes: ``backward()`` refuses exactly when some leaf
    was written after a use; otherwise the gradients are, bit for bit, those of the same
    uses computed afresh from the values the leaves hold."""
    uses = [k for kind, k, _ in steps if kind == "use"]
    assume(uses)
    stale = any(kind == "write" and k in uses[:sum(s[0] == "use" for s in steps[:at])]
                for at, (kind, k, _) in enumerate(steps))

    def run() -> tuple[bool, list[Any], list[Any]]:
        total, leaves = _run_program(steps)
        try:
            total.sum().backward()
        except DifferentiationError as error:
            assert REFUSAL in str(error)
            return True, [], []
        fresh = [st.Tensor(leaf.data.copy(), requires_grad=True) for leaf in leaves]
        again = None
        for k in uses:
            term = np.sin(fresh[k]) * fresh[k]
            again = term if again is None else again + term
        again.sum().backward()
        return False, [leaf.grad for leaf in leaves], [leaf.grad for leaf in fresh]

    refused, grads, expected = on_engine(which, run)
    assert refused == stale
    for got, want in zip(grads, expected, strict=True):
        if want is None:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("which", ENGINES)
def test_item_writes_follow_pytorch(which: str) -> None:
    def run() -> None:
        constant = st.Tensor([1.0, 2.0, 3.0])
        constant[1:] = 0.0  # a tensor that requires no grad is an array to write into
        w = st.Tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(DifferentiationError, match=r"inside `with st\.no_grad"):
            w[0] = 5.0  # PyTorch: a leaf that requires grad used in an in-place operation
        np.testing.assert_array_equal(w.data, [1.0, 2.0])
        with pytest.raises(DifferentiationError, match=r"np\.where"):
            (w * 2.0)[0] = 1.0  # a result of operations: build a new array instead
        with st.no_grad():
            w[0] = 5.0
        _loss(w).backward()
        t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        with torch.no_grad():
            t[0] = 5.0
        (t * t).sum().backward()
        np.testing.assert_array_equal(constant.data, [1.0, 0.0, 0.0])
        np.testing.assert_array_equal(w.data, t.detach().numpy())
        np.testing.assert_array_equal(w.grad, t.grad.numpy())

    on_engine(which, run)


def test_item_writes_numpy_refuses_are_one_sentence() -> None:
    constant = st.Tensor([1.0, 2.0])
    for key, value in [(5, 1.0), (0, "a"), (slice(None), [1.0, 2.0, 3.0])]:
        with pytest.raises(st.errors.DataError, match=r"^x\[\.\.\.\] = y cannot write y"):
            constant[key] = value
