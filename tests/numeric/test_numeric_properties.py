"""Properties on random smooth functions with known derivatives (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from steepest.numeric import EPS, derivative, estimate

coefficient = st.floats(-3, 3, allow_nan=False).filter(lambda c: abs(c) > 1e-3)


@st.composite
def smooth_functions(draw):
    """f(x) = a sin(b x + c) + d exp(e x) + p x^3 + q x^2 + r x, with f', f''' and a size bound."""
    a, d, p, q, r = (draw(coefficient) for _ in range(5))
    b = draw(st.floats(0.1, 3))
    c = draw(st.floats(-np.pi, np.pi))
    e = draw(st.floats(-1, 1))
    x = draw(st.floats(-3, 3))

    def f(t):
        return a * np.sin(b * t + c) + d * np.exp(e * t) + p * t**3 + q * t**2 + r * t

    def first(t):
        return a * b * np.cos(b * t + c) + d * e * np.exp(e * t) + 3 * p * t**2 + 2 * q * t + r

    def second(t):
        return -a * b**2 * np.sin(b * t + c) + d * e**2 * np.exp(e * t) + 6 * p * t + 2 * q

    def third_bound(t, h):
        return abs(a) * b**3 + abs(d * e**3) * np.exp(abs(e) * (abs(t) + h)) + 6 * abs(p)

    def size(t):
        return abs(a) + abs(d) * np.exp(abs(e * t)) + abs(p * t**3) + abs(q * t**2) + abs(r * t)

    return f, first, second, third_bound, size, x


@given(smooth_functions())
def test_central_within_truncation_plus_roundoff(case):
    f, first, _, third_bound, size, x = case
    h = EPS ** (1 / 3) * max(1.0, abs(x))
    truncation = third_bound(x, h) * h**2 / 6
    # Each of the few operations in f rounds by about eps times the size of its terms.
    roundoff = 8 * EPS * size(x) / h + EPS * abs(x) * abs(first(x)) / h
    assert abs(derivative(f, x) - first(x)) <= truncation + roundoff


@given(smooth_functions())
def test_estimates_are_honest(case):
    f, first, _, _, _, x = case
    exact = first(x)
    for method in ("forward", "central", "richardson"):
        est = estimate(f, x, method=method)
        actual = abs(est.value - exact)
        assert not est.reliable or est.error >= actual / 10, (method, est, exact)


@given(smooth_functions())
def test_richardson_to_near_machine_precision(case):
    f, first, _, _, size, x = case
    est = estimate(f, x, method="richardson")
    # Relative to the size of the terms of f': f' itself may cancel to ~0.
    scale = abs(first(x)) + size(x) / max(1.0, abs(x))
    assert abs(est.value - first(x)) <= 1e-11 * scale
    assert est.reliable


@given(smooth_functions(), st.floats(1e-6, 1e-2))
def test_forward_error_is_half_h_times_second_derivative(case, h):
    f, first, second, third_bound, size, x = case
    # Taylor: (f(x+h) - f(x)) / h - f'(x) = f''(x) h / 2 + O(h^2), up to round-off.
    error = derivative(f, x, method="forward", h=h) - first(x)
    remainder = third_bound(x, h) * h**2 / 6
    roundoff = 8 * EPS * size(x) / h + EPS * abs(x) * abs(first(x)) / h
    assert abs(error - second(x) * h / 2) <= remainder + roundoff


@given(smooth_functions())
def test_complex_step_matches_exact(case):
    f, first, _, _, size, x = case
    est = estimate(f, x, method="complex")
    assert est.reliable
    assert abs(est.value - first(x)) <= 16 * EPS * (abs(first(x)) + size(x))


SHAPES = {
    "sin": np.sin,
    "sin(100 t)": lambda t: np.sin(100 * t),
    "exp": np.exp,
    "t sin t": lambda t: t * np.sin(t),
    "1/(1+t^2)": lambda t: 1 / (1 + t * t),
}


@settings(max_examples=40, deadline=None)
@example("sin", 1e15, -664, "richardson", 1)  # f near 1e-200: its rounding squared to 0
@given(
    st.sampled_from(sorted(SHAPES)),
    st.sampled_from([0.3, -2.0, 1e4, 1e15]),
    st.integers(-900, 900),
    st.sampled_from(["forward", "central", "complex", "richardson"]),
    st.sampled_from([1, 2]),
)
def test_an_estimate_scales_with_f(name, x, power, method, order):
    """f times a power of two is the same function in another unit: the same verdict, and
    the value and error in that unit (rounding measured near 1e-200 squared to 0, and a
    scrambled sin at 1e15 became reliable)."""
    if method == "complex" and order == 2:
        return
    f, scale = SHAPES[name], 2.0**power
    with np.errstate(all="ignore"):
        if not np.isfinite(f(x)) or not 1e-250 < abs(scale * f(x)) < 1e250:
            return
    plain = estimate(f, x, method=method, order=order)
    scaled = estimate(lambda t: scale * f(t), x, method=method, order=order)
    assert bool(scaled.reliable) == bool(plain.reliable), (plain, scaled)
    if plain.reliable:
        assert abs(scaled.value / scale - plain.value) <= 1e-9 * abs(plain.value) + plain.error
