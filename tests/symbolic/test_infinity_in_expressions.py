"""Infinity is a value on its own, never a part of a function.

``x + inf`` used to be read as ``inf`` (SymPy's infinity absorbs every
finite term), so ``steepest critical "x + inf"`` answered "f() = inf,
degenerate: f is constant, every point is critical" and ``minimize`` said
the expression had no variables: answers about something else than what was
written.  Infinity inside a larger expression is refused where it is read,
in one sentence; infinity alone stays a value (a limit's answer, the point
of a limit) and is refused only where a function is expected.
"""

from __future__ import annotations

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.cli.main import cli
from steepest.errors import ParseError, SteepestError
from steepest.symbolic.parser import parse

INFINITIES = ["inf", "oo", "infinity", "∞"]
TERMS = ["x", "1", "2x", "sin(x)", "x^2", "y", "e", "pi", "(x - 1)"]
JOINS = [" + ", " - ", "*", "/", "^"]


@given(hs.sampled_from(INFINITIES), hs.sampled_from(TERMS), hs.sampled_from(JOINS),
       hs.booleans())
def test_infinity_inside_an_expression_is_refused(word: str, term: str, join: str,
                                                  first: bool) -> None:
    text = f"{word}{join}{term}" if first else f"{term}{join}{word}"
    with pytest.raises(ParseError):  # about infinity, or an ambiguity found first
        parse(text)


@pytest.mark.parametrize("text", ["sin(inf)", "exp(-oo)", "max(x, inf)", "1/(x - ∞)",
                                  "log(x, inf)", "|inf| + x"])
def test_infinity_inside_a_function_is_refused(text: str) -> None:
    with pytest.raises(ParseError, match="only stands alone"):
        parse(text)


@pytest.mark.parametrize("text, value", [("inf", sympy.oo), ("-inf", -sympy.oo),
                                         ("(oo)", sympy.oo), ("-(∞)", -sympy.oo),
                                         ("+infinity", sympy.oo)])
def test_infinity_alone_is_a_value(text: str, value: sympy.Expr) -> None:
    assert parse(text) == value


@pytest.mark.parametrize("text", ["inf", "-inf", "(oo)"])
def test_infinity_alone_is_no_function(text: str) -> None:
    with pytest.raises(SteepestError, match="not a function of a variable"):
        st.Function(text)
    with pytest.raises(SteepestError, match="not a function of a variable"):
        st.symbolic.limit(text, "x", 0)


@pytest.mark.parametrize("args", [
    ["critical", "x + inf"], ["minimize", "x^2 + oo", "--x0", "1"], ["diff", "inf"],
    ["limit", "x - ∞", "--at", "1"], ["grad", "inf*x"], ["tangent", "-inf", "--at", "1"],
])
def test_the_command_line_says_one_sentence(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SteepestError)
    assert "infinity" in str(result.exception) and "\n" not in str(result.exception)


def test_limits_at_infinity_and_infinite_answers_still_work() -> None:
    assert st.symbolic.limit("1/x", "x", "inf").value == 0
    assert st.symbolic.limit("1/x", "x", "-inf").value == 0
    for answer in ["inf", "+∞", "infinity"]:
        assert st.practice.check("lim x->0+ 1/x", answer).correct
