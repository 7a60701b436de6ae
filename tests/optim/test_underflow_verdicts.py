"""A run never reports a minimum where floating point only stopped showing f's fall.

``exp(-x)`` has no minimum, yet its gradient is exactly 0 from x = 746 on
(underflow), so Newton's method, or a long descent step, stops there with a
step of 0; ``log(1 + exp(-x))`` is exactly 0 from x = 37 on (1 + exp(-x)
rounds to 1) while its gradient is not.  Such runs end ``stalled`` with a
sentence that says so, while true minima with an exactly vanishing gradient
(a quadratic solved by one Newton step, a flat region such as
``max(0, 1 - x)^2`` beyond 1) stay ``converged``.  Lengths of gradients and
steps whose squares overflow (1e200) or underflow (1e-170) are measured, not
taken for inf or 0.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st_

import steepest as st

NO_MINIMUM = [
    ("exp(-x)", [0.0], {"method": "newton"}),
    ("exp(x)", [0.0], {"method": "newton"}),
    ("exp(-x^2)", [1.0], {"method": "newton"}),
    ("exp(-x) + 5", [0.0], {"method": "newton"}),
    ("1e300*exp(-x)", [0.0], {"method": "newton"}),
    ("exp(-x) + y^2", [0.0, 1.0], {"method": "newton"}),
    ("exp(-x) + exp(-y)", [0.0, 0.0], {"method": "newton"}),
    ("exp(-x)", [0.0], {"lr": 800.0}),
    ("exp(-x)", [0.0], {"lr": 1e4}),
    ("1e300*exp(-x)", [1.0], {}),
]


@pytest.mark.parametrize(("f", "x0", "options"), NO_MINIMUM)
def test_a_gradient_that_underflowed_is_no_minimum(f: str, x0: list[float],
                                                  options: dict) -> None:
    result = st.minimize(f, x0, **options)
    assert result.status == "stalled"
    assert "need not be a minimum" in result.message
    assert "underflowed" in result.message and "may have no minimum" in result.message


def test_the_same_for_maximize() -> None:
    result = st.maximize("-exp(-x)", [0.0], method="newton")
    assert result.status == "stalled"
    assert "need not be a maximum" in result.message and "underflowed" in result.message
    assert "rises" in result.message


@pytest.mark.parametrize("method", ["newton", "gd"])
def test_the_cli_says_so_too(method: str, capsys: pytest.CaptureFixture[str]) -> None:
    from steepest.cli.main import main

    extra = ["--lr", "1000"] if method == "gd" else []
    code = main(["minimize", "exp(-x)", "--x0", "0", "--method", method, *extra])
    out = capsys.readouterr().out
    assert code in (0, None)
    assert re.search(r"status\s+stalled", out) and "underflowed" in out


def test_flat_only_to_floating_point_precision_is_no_minimum() -> None:
    result = st.minimize("log(1 + exp(-x))", [0.0], lr=1000.0)
    assert result.status == "stalled"
    assert "flat here only to floating-point precision" in result.message
    result = st.maximize("-log(1 + exp(-x))", [0.0], lr=1000.0)
    assert result.status == "stalled" and "need not be a maximum" in result.message


TRUE_MINIMA = [
    ("(x - 3)^2", [0.0], {"method": "newton"}, [3.0]),
    ("x^2 + y^2", [1.0, -2.0], {"method": "newton"}, [0.0, 0.0]),
    ("(x - 3)^2 + (y + 1)^2", [0.0, 0.0], {"method": "newton"}, [3.0, -1.0]),
    ("max(0, 1 - x)^2", [0.0], {"method": "newton"}, [1.0]),
    ("max(0, 1 - x)^2", [0.0], {"lr": 1.0}, None),
    ("max(0, 1 - x)^4", [0.0], {"lr": 1.0}, None),
    ("max(0, 1 - x)^2 + max(0, 1 - y)^2", [0.0, 0.0], {"method": "newton"}, None),
    ("1e-300*(x - 3)^2", [0.0], {"method": "newton"}, [3.0]),
    ("x^2", [1.0], {"lr": 0.5}, [0.0]),
]


@pytest.mark.parametrize(("f", "x0", "options", "where"), TRUE_MINIMA)
def test_a_gradient_that_vanished_at_a_minimum_stays_converged(
        f: str, x0: list[float], options: dict, where: list[float] | None) -> None:
    result = st.minimize(f, x0, **options)
    assert result.status == "converged", result.message
    if where is not None:
        np.testing.assert_allclose(result.x, where, atol=1e-12)
    else:  # a flat region of minima: anywhere on it, with f = 0 there
        assert result.fun == 0.0 and np.all(np.asarray(result.x) >= 1.0)


@settings(max_examples=25, deadline=None)
@given(scale=st_.floats(1e-3, 1e3), rate=st_.floats(0.25, 4.0), shift=st_.floats(-10, 10),
       start=st_.floats(-5.0, 5.0))
@example(scale=1.0, rate=1.0, shift=0.0, start=0.0)
@example(scale=1e3, rate=4.0, shift=-10.0, start=5.0)
def test_newton_on_an_exponential_never_converges(scale: float, rate: float, shift: float,
                                                  start: float) -> None:
    """a exp(-b x) + c has no minimum: Newton steps 1/b at a time until exp underflows."""
    f = f"{scale!r}*exp(-{rate!r}*x) + {shift!r}"
    result = st.minimize(f, [start], method="newton", max_iter=5000)
    assert result.status != "converged", result.message
    assert "no minimum" in result.message


@settings(max_examples=25, deadline=None)
@given(edge=st_.floats(-5.0, 5.0), power=st_.sampled_from([2, 3, 4]),
       lr=st_.floats(0.5, 50.0))
def test_a_flat_region_of_minima_is_no_underflow(edge: float, power: int, lr: float) -> None:
    """max(0, e - x)^k is 0 on all of x >= e: a run that lands there has found a minimum."""
    result = st.minimize(lambda x: np.maximum(0.0, edge - x) ** power, edge - 1.0, lr=lr)
    assert "underflowed" not in result.message
    if result.status == "converged":
        assert result.fun <= 1e-12


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_a_huge_gradient_is_measured_not_taken_for_inf() -> None:
    # The start: the gradient is -1e300, finite (its square is not).
    result = st.minimize("1e300*exp(-x)", [0.0], method="newton")
    assert "not finite at the start" not in result.message
    # A blow-up's advice rests on the curvature, 2e300 here: the rate it names works.
    result = st.minimize("1e300*x^2", [1.0])
    assert result.status == "diverged" and "became inf" in result.message
    rate = float(re.search(r"try ([0-9.e+-]+)", result.message).group(1))
    assert rate < 1e-300
    assert st.minimize("1e300*x^2", [1.0], lr=rate).status == "converged"
    # Clipping scales a huge gradient down to the norm; it does not zero it.
    rule = st.optim.clip_by_norm(1.0)
    clipped, _ = rule.update(np.array([3e200, -4e200]), {}, np.zeros(2))
    np.testing.assert_allclose(clipped, [0.6, -0.8])


def test_parameters_that_grew_large_are_not_called_inf() -> None:
    result = st.minimize("1e200*(x^2 + y^2)", [1.0, 1.0])
    assert result.status == "diverged"
    assert "parameters became inf" not in result.message


@pytest.mark.parametrize(("f", "x0", "options"), [
    ("atan(x)", [0.0], {"method": "lbfgs"}),
    ("log(1 + exp(-x))", [0.0], {"lr": 100.0, "tol": None}),
])
def test_a_run_settled_where_f_is_flat_only_to_rounding_is_told_so(f: str, x0: list[float],
                                                                   options: dict) -> None:
    """Not "the run had settled ...; set gtol": its steps run away (1e78 for atan)."""
    result = st.minimize(f, x0, **options)
    assert result.status == "max_iter"
    assert "flat here only to floating-point precision" in result.message
    assert "set gtol" not in result.message


@pytest.mark.parametrize(("f", "x0"), [("x^2", [1.0]), ("(x - 1)^2 + (y - 2)^2", [0.0, 0.0])])
def test_a_run_settled_at_a_minimum_keeps_its_advice(f: str, x0: list[float]) -> None:
    result = st.minimize(f, x0, lr=0.5, tol=None)
    assert result.status == "max_iter" and "the run had settled" in result.message
    assert "set gtol" in result.message
