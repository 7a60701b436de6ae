"""A derivative at a kink is never said not to exist when SymPy only failed to find a limit."""

from __future__ import annotations

import pytest

import steepest as st
from steepest.errors import SteepestError


def test_an_undetermined_slope_is_not_called_nonexistent() -> None:
    # |u| with u = sin(tan x) - tan(sin x) = -x^7/30 + ...: the derivative at 0 exists and is 0,
    # but SymPy cannot find the limit of sign(u) u' there.
    f = st.Function("|sin(tan x) - tan(sin x)|")
    with pytest.raises(SteepestError, match="could not decide") as error:
        f.grad(0.0)
    assert "does not exist" not in str(error.value)


def test_a_slope_that_truly_has_no_limit_is_still_named() -> None:
    with pytest.raises(SteepestError, match="slopes from the left and right differ"):
        st.Function("|x|").grad(0.0)
    assert st.Function("|x^3|").grad(0.0) == pytest.approx([0.0])
