"""Points where a function has no derivative: the documented convention on every path.

Each elementwise function is evaluated where it has a kink (abs at 0, a tie
of maximum, a clip bound, sqrt at 0, a where whose other branch is nan) and
its derivative there is the convention of ``docs/autodiff.md``, whichever way
it is computed: eager ``backward()``, ``st.grad`` traced, recorded and
replayed, float32, a program over Python floats (values unpacked one by one),
and a large float64 array (fused runs).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import fuse

# name: (function of one element, the kink, the derivative there by convention)
KINKS = {
    "abs at 0": (lambda x: np.abs(x), 0.0, 0.0),
    "maximum tie": (lambda x: np.maximum(x, 1.0), 1.0, 0.5),
    "minimum tie": (lambda x: np.minimum(1.0, x), 1.0, 0.5),
    "relu at 0": (lambda x: np.maximum(x, 0.0), 0.0, 0.5),
    "fmax tie": (lambda x: np.fmax(x, 1.0), 1.0, 0.5),
    "clip lower bound": (lambda x: np.clip(x, 1.0, 2.0), 1.0, 1.0),
    "clip upper bound": (lambda x: np.clip(x, 0.0, 1.0), 1.0, 1.0),
    "sqrt at 0": (lambda x: np.sqrt(x), 0.0, np.inf),
    "sign": (lambda x: np.sign(x) * 2.0, 0.0, 0.0),
    "floor at an integer": (lambda x: np.floor(x) + x, 1.0, 1.0),
    # hypot at the origin: the subgradient 0, as a norm's at 0; arctan2, which jumps
    # there, the slope 0 of a step at its jump (PyTorch gives nan for both).
    "hypot at the origin": (lambda x: np.hypot(x, 0.0), 0.0, 0.0),
    "hypot of x and x at the origin": (lambda x: np.hypot(x, x) + x, 0.0, 1.0),
    "arctan2 at the origin, y": (lambda x: np.arctan2(x, 0.0), 0.0, 0.0),
    "arctan2 at the origin, x": (lambda x: np.arctan2(0.0, x), 0.0, 0.0),
    "arctan2 of x and x at the origin": (lambda x: np.arctan2(x, x) + x, 0.0, 1.0),
    # Both branches of np.where are computed: a nan derivative in the branch not taken
    # is nan times 0, nan; the argument guarded by a second where gives 0.
    "where, nan in the branch not taken": (
        lambda x: np.where(x > 0, np.sqrt(x), 0.0), -1.0, np.nan),
    "where, guarded": (
        lambda x: np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0), -1.0, 0.0),
}


def _paths(f, kink, dtype):
    """The derivative of f at the kink, each way it can be computed."""
    n = 3
    x = np.full(n, kink, dtype=dtype)
    total = lambda v: np.sum(f(v))  # noqa: E731 - one closure per path
    found = {}
    t = st.Tensor(x.copy(), requires_grad=True)
    total(t).backward()
    found["eager"] = t.grad  # a step function (np.sign) too: zeros, as in PyTorch
    gradient = st.grad(total)
    for call in ("traced", "recorded", "replayed"):
        found[call] = gradient(x.copy())

    def unpacked(v):
        a, b, c = v
        return f(a) + f(b) + f(c)

    gradient = st.grad(unpacked)
    for call in ("floats traced", "floats recorded", "floats replayed"):
        found[call] = gradient(x.copy())
    if dtype == np.float64:
        large = np.full(fuse.FUSE_AT + 1, kink)
        gradient = st.grad(total)
        for call in ("large traced", "large recorded", "large replayed"):
            found[call] = gradient(large.copy())[:n]
    return found


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(KINKS))
def test_a_kink_has_its_convention_on_every_path(name, dtype):
    f, kink, expected = KINKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = _paths(f, kink, dtype)
    for path, derivative in found.items():
        np.testing.assert_array_equal(np.asarray(derivative, dtype=np.float64),
                                      np.full(3, expected), err_msg=f"{name}, {path}")


def test_reductions_share_at_ties_and_norms_have_slope_0_at_the_origin():
    cases = [(lambda v: np.max(v), np.ones(4), np.full(4, 0.25)),
             (lambda v: np.min(v), np.ones(4), np.full(4, 0.25)),
             (lambda v: np.linalg.norm(v), np.zeros(4), np.zeros(4)),
             (lambda v: np.std(v), np.ones(4), np.zeros(4)),
             (lambda v: np.linalg.norm(v, np.inf), np.array([1.0, -1.0]), np.array([0.5, -0.5]))]
    for f, x, expected in cases:
        gradient = st.grad(f)
        for _ in range(3):
            np.testing.assert_array_equal(gradient(x.copy()), expected)
        t = st.Tensor(x.copy(), requires_grad=True)
        f(t).backward()
        np.testing.assert_array_equal(t.grad, expected)


@pytest.mark.parametrize("dtype, tiny", [(np.float64, 1e-200), (np.float32, 1e-30)])
def test_arctan2_and_hypot_have_finite_slopes_where_a_square_underflows(dtype, tiny):
    # d arctan2(y, x) / dy = x / (x^2 + y^2): the square underflows to 0 long before the
    # slope overflows; it was inf here.
    point = np.array([tiny, 2 * tiny], dtype=dtype)
    y, x = point.astype(np.float64)
    r2 = (y / tiny) ** 2 + (x / tiny) ** 2  # in units of tiny, where nothing underflows
    expected = {
        "arctan2": np.array([x / tiny / r2 / tiny, -y / tiny / r2 / tiny]),
        "hypot": point.astype(np.float64) / tiny / np.sqrt(r2),
    }
    for name, f in (("arctan2", lambda v: np.arctan2(v[0], v[1])),
                    ("hypot", lambda v: np.hypot(v[0], v[1]))):
        gradient = st.grad(f)
        found = {call: gradient(point.copy()) for call in ("traced", "recorded", "replayed")}
        t = st.Tensor(point.copy(), requires_grad=True)
        f(t).backward()
        found["eager"] = t.grad
        for path, g in found.items():
            assert g.dtype == dtype, (name, path)
            np.testing.assert_allclose(g, expected[name], rtol=2e-6 if dtype == np.float32
                                       else 1e-14, err_msg=f"{name}, {path}")
