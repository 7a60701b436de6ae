"""A derivative at a kink is never said not to exist when SymPy only failed to find a limit."""

from __future__ import annotations

import pytest

import steepest as st
from steepest.errors import SteepestError
from steepest.symbolic import _limits


def test_a_slope_without_a_limit_is_settled_by_the_difference_quotient() -> None:
    # x^2 sin(1/x) (0 at 0): its slope 2x sin(1/x) - cos(1/x) has no limit at 0, yet the
    # derivative there exists and is 0; the difference quotient x sin(1/x) tends to 0.
    f = st.Function("piecewise((x^2 sin(1/x), x != 0), (0, otherwise))")
    assert f.grad(0.0).tolist() == [0.0]


def test_a_derivative_no_limit_decides_is_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    # SymPy finds no limit (compute takes its one-sided limits from settled_one_sided).
    monkeypatch.setattr(_limits, "one_sided", lambda *args: None)
    monkeypatch.setattr(_limits, "settled_one_sided", lambda *args: _limits.Settled(None))
    with pytest.raises(SteepestError, match="could not decide") as error:
        st.Function("|x|").grad(0.0)
    assert "does not exist" not in str(error.value)


def test_a_slope_that_truly_has_no_limit_is_still_named() -> None:
    with pytest.raises(SteepestError, match="slopes from the left and right differ"):
        st.Function("|x|").grad(0.0)
    assert st.Function("|x^3|").grad(0.0) == pytest.approx([0.0])
