"""Near poles, branch points and fast oscillations: never a confident wrong answer.

Each estimate must be accurate, or carry an error estimate at least a tenth
of its actual error, or say reliable=False; raising NumericError (the
formula needs a point where f is not finite) is also honest.  References
are mpmath derivatives at 50 digits.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy import special

from steepest.errors import NumericError
from steepest.numeric import estimate

mpmath.mp.dps = 50
mp = mpmath

HARD = [
    ("tan near its pole", np.tan, mp.tan, [np.pi / 2 - 1e-3, np.pi / 2 - 1e-6, np.pi / 2 + 1e-5]),
    ("1/(x-1) near 1", lambda x: 1 / (x - 1), lambda x: 1 / (x - 1), [1 + 1e-3, 1 - 1e-7]),
    ("1/x near 0", lambda x: 1 / x, lambda x: 1 / x, [1e-3, -1e-5, 1e-8]),
    ("gamma near a pole", special.gamma, mp.gamma, [-1 + 1e-4, 1e-5]),
    ("sqrt near 0", np.sqrt, mp.sqrt, [1e-4, 3e-6, 1e-9]),
    ("log near 0", np.log, mp.log, [1e-3, 1e-6, 1e-10]),
    ("cbrt near 0", np.cbrt, mp.cbrt, [1e-5, 1e-9]),
    ("x^1.5 near 0", lambda x: x**1.5, lambda x: x ** mp.mpf(1.5), [1e-6, 1e-9]),
    ("sin(1/x)", lambda x: np.sin(1 / x), lambda x: mp.sin(1 / x), [1e-2, 1e-3, 1e-4]),
    ("x sin(1/x)", lambda x: x * np.sin(1 / x), lambda x: x * mp.sin(1 / x), [1e-3]),
    ("sin(1e3 x)", lambda x: np.sin(1e3 * x), lambda x: mp.sin(1000 * x), [1.0, 0.3]),
    ("sin(1e6 x)", lambda x: np.sin(1e6 * x), lambda x: mp.sin(10**6 * x), [1.0, 0.3]),
    ("sin(1e9 x)", lambda x: np.sin(1e9 * x), lambda x: mp.sin(10**9 * x), [1.0]),
    ("cos(x^2) far out", lambda x: np.cos(x**2), lambda x: mp.cos(x**2), [1e3, 3e4]),
    ("atan(1e6 x)", lambda x: np.arctan(1e6 * x), lambda x: mp.atan(10**6 * x), [0.0, 3e-7]),
    ("tanh(1e5 x)", lambda x: np.tanh(1e5 * x), lambda x: mp.tanh(10**5 * x), [1e-5, 2e-5]),
    ("exp(-1/x)", lambda x: np.exp(-1 / x), lambda x: mp.exp(-1 / x), [0.01]),
]

CASES = [
    pytest.param(f, reference, x, id=f"{name}@{x:.3g}")
    for name, f, reference, points in HARD
    for x in points
]


def assert_honest(f, reference, x, method):
    exact = float(mp.diff(reference, mp.mpf(x)))
    try:
        est = estimate(f, x, method=method)
    except NumericError as exc:
        assert "not finite" in str(exc) or "complex" in str(exc)
        return None
    actual = abs(est.value - exact)
    accurate = actual <= 1e-9 * abs(exact)
    assert accurate or not est.reliable or est.error >= actual / 10, (
        f"confident and wrong: {est!r}, exact {exact!r}"
    )
    return est, actual, exact


@pytest.mark.parametrize(("f", "reference", "x"), CASES)
@pytest.mark.parametrize("method", ["forward", "central", "complex", "richardson"])
def test_never_confidently_wrong(f, reference, x, method):
    assert_honest(f, reference, x, method)


@pytest.mark.parametrize(("f", "reference", "x"), CASES)
def test_richardson_stays_accurate_at_hard_points(f, reference, x):
    result = assert_honest(f, reference, x, "richardson")
    assert result is not None
    est, actual, exact = result
    # It adapts its steps to the distance to the singularity: accurate, and says so.
    assert est.reliable
    assert actual <= 1e-6 * abs(exact)


def test_central_near_pole_reports_its_trouble():
    x = 1 + 1e-7
    est = estimate(lambda t: 1 / (t - 1), x)  # h = 6e-6 jumps over the pole
    assert not est.reliable
    assert "do not shrink" in est.note


def test_aliased_oscillation_is_not_taken_at_face_value():
    # Halving steps sample sin(1e9 x) on dyadic points, where it looks like a
    # slow wave; the smaller steps contradict that and the estimate follows them.
    exact = 1e9 * np.cos(1e9)
    est = estimate(lambda t: np.sin(1e9 * t), 1.0, method="richardson")
    assert abs(est.value - exact) <= max(est.error, 1e-6 * abs(exact))


def test_complex_step_catches_non_analytic_code():
    # np.abs returns a real magnitude, so that term's imaginary part vanishes;
    # the result is still complex (+ t), so only the cross-check can tell.
    f = lambda t: np.abs(t) ** 2 + t  # noqa: E731  true derivative 2t + 1
    est = estimate(f, 0.5, method="complex")
    assert not est.reliable
    assert est.error >= abs(est.value - 2.0) / 10
    assert "not analytic" in est.note


@pytest.mark.parametrize("method", ["central", "richardson"])
@pytest.mark.parametrize(
    ("f", "jump"),
    [(np.abs, 2.0), (lambda t: np.maximum(t, 0.0), 1.0), (lambda t: np.abs(t - 0.0) * 3, 6.0)],
    ids=["abs", "relu", "3abs"],
)
def test_corners_have_no_derivative(f, jump, method):
    # |x| at 0: the symmetric difference is 0 at every step, which looks
    # perfectly converged; the one-sided slopes give the corner away.
    est = estimate(f, 0.0, method=method)
    assert not est.reliable
    assert est.error >= jump / 2 - 1e-12
    assert "corner" in est.note


def test_complex_step_is_not_trusted_at_a_corner():
    # np.maximum keeps complex numbers (ordering them by real part first), so
    # the complex step returns a confident-looking slope of 1 at the corner.
    est = estimate(lambda t: np.maximum(t, 0.0), 0.0, method="complex")
    assert not est.reliable
    assert est.error >= 0.5


def test_smooth_points_are_not_corners():
    for f, x in [(np.abs, 0.3), (lambda t: t**2, 0.0), (np.cos, 0.0), (np.abs, 1e-10)]:
        est = estimate(f, x, method="richardson")
        assert est.reliable and "corner" not in est.note


FAR_OUT = [
    ("sin", np.sin, mp.sin),
    ("cos", np.cos, mp.cos),
    ("sin(100 x)", lambda x: np.sin(100 * x), lambda x: mp.sin(100 * x)),
    ("x sin", lambda x: x * np.sin(x), lambda x: x * mp.sin(x)),
]


@pytest.mark.parametrize("method", ["central", "richardson"])
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("x", [-1e12, 1e14])
@pytest.mark.parametrize(("name", "f", "reference"), FAR_OUT, ids=[c[0] for c in FAR_OUT])
def test_far_out_oscillations_are_not_taken_for_a_flat_zero(name, f, reference, x, order,
                                                              method):
    """Steps relative to |x| = 1e14 span millions of periods, and the differences come out
    near 0; a derivative of order 2 near 0 was judged on the scale |f| / |x| instead of
    |f| / x^2, and Richardson called -1e-28 reliable for the second derivative of sin at
    1e14 (-sin(1e14), about -0.21)."""
    with mp.workdps(50):
        exact = float(mp.diff(reference, mp.mpf(x), order))
    est = estimate(f, x, method=method, order=order)
    actual = abs(est.value - exact)
    assert not est.reliable or actual <= est.error + 1e-9 * abs(exact), (est, exact)


@pytest.mark.parametrize("x", [0.3, 0.7, 1.3, 2.9])
@pytest.mark.parametrize("k", [10.0, 100.0, 1000.0])
def test_the_complex_step_error_covers_the_rounding_of_the_argument(k, x):
    """sin(k x) takes the slope at fl(k x) / k, not at x: |f''| eps |x| off, which the
    error left out (sin(100 x) at 0.3: off by 1.1e-13, error 1.5e-14)."""
    with mp.workdps(50):
        exact = float(mp.diff(lambda t: mp.sin(k * t), mp.mpf(x)))
    est = estimate(lambda t: np.sin(k * t), x, method="complex")
    assert est.reliable
    assert abs(est.value - exact) <= est.error, (est, exact)
    assert est.error <= 1e-9 * abs(exact) + 1e-12 * k * k  # still about 15 digits
