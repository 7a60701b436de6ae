"""Where f has no first derivative at a point, its Hessian there is refused in terms of f.

The sentence names f and the variable whose slope is missing, and the reason
(the one-sided slopes, or f undefined), rather than the formula of a first
derivative breaking down there; wherever the gradient exists, the Hessian's
values are those of SymPy's second derivatives.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st_

import steepest as st
from steepest.errors import SteepestError

centres = st_.integers(min_value=-3, max_value=3)


@given(a=centres, b=centres, kind=st_.sampled_from(["cone", "kink", "ratio"]))
def test_no_first_derivative_no_hessian_and_the_sentence_says_why(a: int, b: int,
                                                                   kind: str) -> None:
    expr = {"cone": f"sqrt((x - {a})^2 + (y - {b})^2)",
            "kink": f"abs(x - {a}) + (y - {b})^2",
            "ratio": f"(x - {a}) (y - {b})/((x - {a})^2 + (y - {b})^2)"}[kind]
    with pytest.raises(SteepestError):
        st.symbolic.gradient(expr, at=(a, b))
    with pytest.raises(SteepestError) as refused:
        st.symbolic.hessian(expr, at=(a, b))
    message = str(refused.value)
    assert message.startswith("the Hessian of ")
    assert f"does not exist at x = {a}, y = {b}: its first derivative with respect to x" in message
    assert ("slopes from the left and right differ" in message
            or "not defined there" in message)


@pytest.mark.parametrize(("expr", "at"), [("x^3 y + y^2", (1, 2)), ("abs(x)^3 + y^2", (0, 1)),
                                          ("x^2 abs(y)", (1, 1))])
def test_where_the_first_derivatives_exist_the_hessian_is_sympys(expr: str, at: tuple) -> None:
    x, y = sp.symbols("x y", real=True)
    f = st.symbolic.parse(expr)
    exact = sp.hessian(f, (x, y)).subs({x: at[0], y: at[1]})
    assert st.symbolic.hessian(expr, at=at) == exact.applyfunc(sp.simplify)
