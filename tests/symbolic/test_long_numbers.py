"""Exact numbers with many digits are shown readably, and still exactly.

``1e308`` is read as the integer 10^308; it is shown as ``10^308``, not as
309 digits, and ``1/(2*10^154)`` rather than a 155-digit denominator: in
course text (which the parser reads back to the same number), LaTeX, MathML,
the steps of a derivation, messages and the command line.
"""

from __future__ import annotations

import re

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from steepest.cli.main import cli, main
from steepest.symbolic import derive, limit, parse, tangent_line
from steepest.symbolic.printing import latex, plain_text, text_form

X = sympy.Symbol("x")


def _longest_digits(text: str) -> int:
    return max((len(run) for run in re.findall(r"\d+", text)), default=0)


def _significant(*values: sympy.Rational) -> int:
    """The most significant digits (trailing zeros left off) of a numerator or denominator:
    a number such as 10^150 - 3 has 150 of them, and is shown with them all."""
    parts = [int(abs(part)) for v in values for part in (v.p, v.q)]
    return max(len(str(part).rstrip("0")) for part in parts)


def _exact(text: str) -> sympy.Expr:
    """``text`` parsed, its variables as plain symbols (the parser makes them real)."""
    expr = parse(text)
    return expr.xreplace({s: sympy.Symbol(s.name) for s in expr.free_symbols})


# A number m * 10^k / d: mantissas, exponents and divisors, positive and negative.
NUMBERS = st.builds(
    lambda sign, m, k, d: sign * sympy.Integer(m) * sympy.Integer(10) ** k / d,
    st.sampled_from([1, -1]),
    st.integers(1, 999_999),
    st.integers(-300, 300),
    st.sampled_from([1, 1, 3, 7]),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(value=NUMBERS)
@example(value=sympy.Integer(10) ** 308)
@example(value=sympy.Rational(1, 2 * 10**154))
@example(value=-sympy.Rational(9, 10**100))
@example(value=sympy.Integer(10) ** 400 / 7)
@example(value=sympy.Integer(10) ** 15)
def test_a_number_is_shown_short_and_reads_back_exactly(value: sympy.Rational) -> None:
    shown = text_form(value)
    assert _longest_digits(shown) <= 15, shown
    assert parse(shown) == value, shown


@settings(max_examples=60, deadline=None, derandomize=True)
@given(a=NUMBERS, b=NUMBERS, c=NUMBERS)
@example(a=sympy.Integer(10) ** 154, b=sympy.Rational(1, 2 * 10**154), c=sympy.Integer(10) ** 308)
@example(a=sympy.Integer(3), b=sympy.Integer(-(10**200)), c=sympy.Rational(-1, 10**50))
def test_a_tangent_line_with_long_numbers_reads_back_exactly(
    a: sympy.Rational, b: sympy.Rational, c: sympy.Rational
) -> None:
    """``y = a + b(x - c)`` as the library writes it: the same line, digit for digit."""
    line = tangent_line(a + b * (X - c) + (X - c) ** 2, c)
    lhs, _, rhs = str(line).partition(" = ")
    assert lhs == "y" and _longest_digits(rhs) <= max(15, _significant(a, b, c)), str(line)
    assert sympy.expand(_exact(rhs) - (a + b * (X - c))) == 0, str(line)
    assert sympy.expand(_exact(text_form(line.equation)) - line.equation) == 0
    longest = max(15, _significant(b, line.intercept))
    assert _longest_digits(latex(line.equation)) <= longest
    assert _longest_digits(text_form(line.equation)) <= longest


@pytest.mark.parametrize(
    ("value", "text", "tex"),
    [
        (sympy.Integer(10) ** 308, "10^308", "10^{308}"),
        (-2 * sympy.Integer(10) ** 154, "-2*10^154", r"-2 \cdot 10^{154}"),
        (sympy.Rational(1, 2 * 10**154), "1/(2*10^154)", r"\frac{1}{2 \cdot 10^{154}}"),
        (sympy.Rational(-3, 10**50), "-3/10^50", r"- \frac{3}{10^{50}}"),
        (sympy.Integer(10) ** 400 / 7, "10^400/7", r"\frac{10^{400}}{7}"),
        (X / (2 * sympy.Integer(10) ** 154), "x/(2*10^154)", r"\frac{x}{2 \cdot 10^{154}}"),
        (25 * sympy.Integer(10) ** 199 * X**2, "25*10^199*x^2", r"25 \cdot 10^{199} x^{2}"),
        (-(10 ** sympy.Integer(20)) / X**2, "-10^20/x^2", r"- \frac{10^{20}}{x^{2}}"),
        ((2 * sympy.Integer(10) ** 30) ** X, "(2*10^30)^x", r"\left(2 \cdot 10^{30}\right)^{x}"),
        (sympy.Integer(10) ** 150 - 3, "(10^150 - 3)", r"\left(10^{150} - 3\right)"),
        (X - sympy.Integer(10) ** 150 + 3, "x - (10^150 - 3)", r"x - \left(10^{150} - 3\right)"),
        (
            (sympy.Integer(10) ** 50 + 1) / sympy.Integer(10) ** 30,
            "(10^50 + 1)/10^30",
            r"\frac{\left(10^{50} + 1\right)}{10^{30}}",
        ),
        (-(sympy.Integer(10) ** 16 - 1) * X, "-(10^16 - 1)*x", r"- \left(10^{16} - 1\right) x"),
    ],
)
def test_long_numbers_in_text_and_latex(value: sympy.Expr, text: str, tex: str) -> None:
    assert text_form(value) == text
    assert latex(value) == tex
    assert sympy.expand(_exact(text) - value) == 0


def test_a_long_exponent_is_bracketed() -> None:
    # The parser refuses exponents this large on a variable, so it is not read back.
    assert text_form(X ** (sympy.Integer(10) ** 30)) == "x^(10^30)"
    assert latex(X ** (sympy.Integer(10) ** 30)) == "x^{10^{30}}"


@pytest.mark.parametrize(
    "value",
    [0, 7, -12, 10**15 - 1, 123456789012345678, 3 * 10**14, 3**50, sympy.Rational(3, 5)],
)
def test_ordinary_numbers_print_as_before(value: int | sympy.Rational) -> None:
    assert text_form(sympy.sympify(value)) == str(value)
    assert latex(sympy.sympify(value)) == sympy.latex(sympy.sympify(value))


def test_derivation_steps_show_the_short_form() -> None:
    steps = derive("2.5e200*x^2 + x/1e30").text()
    assert "25*10^199*x^2" in steps and "1/10^30" in steps
    assert _longest_digits(steps) <= 15


def test_a_limit_shows_its_point_and_value_short() -> None:
    result = limit("x/1e30", "x", parse("1e340"))
    assert result.value == 10**310
    assert "10^310" in str(result) and _longest_digits(str(result)) <= 15


def test_the_command_line_tangent_at_1e308() -> None:
    result = CliRunner().invoke(cli, ["tangent", "sqrt(x)", "--at", "1e308"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "tangent line of sqrt(x) at x = 10^308:",
        "  y = 10^154 + (1/(2*10^154))(x - 10^308)",
        "  slope 1/(2*10^154) (about 5e-155), intercept 5*10^153",
        "  y = x/(2*10^154) + 5*10^153",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["tangent", "x^2", "--at", "3e-50"],
        ["limit", "x/1e30", "--at", "1e40"],
        ["diff", "2.5e200*x^2", "--steps"],
        ["diff", "2.5e200*x^2", "--latex"],
        ["grad", "1e20*x^2 + y/3e40", "--at", "1e10,2"],
        ["limit", "(1 + 1e-30*x)/x", "--at", "1e-20"],
        ["tangent", "x^2 + 3", "--at", "1e75"],
        ["critical", "(x - 1e20)^2 + 1"],
        ["limit", "10^400/7 + 1/x", "--at", "inf"],
    ],
)
def test_the_command_line_shows_no_wall_of_digits(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _longest_digits(result.output) <= 15, result.output


def test_messages_shorten_long_integers_but_keep_what_was_typed() -> None:
    assert plain_text(f"the point must be finite, got x = {10**40}") == (
        "the point must be finite, got x = 10^40"
    )
    assert plain_text(f"x/{2 * 10**20} and x^{10**20}") == "x/(2*10^20) and x^(10^20)"
    assert plain_text("'1e400' and 0.1234567890123456789") == "'1e400' and 0.1234567890123456789"
    assert plain_text("f's value at 'zoo' is oo") == "f's value at 'zoo' is inf"


@pytest.mark.parametrize(
    ("args", "typed"),
    [
        (["diff", "zoo*x"], "zoo"),
        (["diff", "x*nan"], "nan"),
        (["limit", "nan + x", "--at", "0"], "nan"),
        (["diff", "x + NaN"], "NaN"),
        (["limit", "x", "--at", "zoo"], "zoo"),
    ],
)
def test_zoo_and_nan_typed_are_named_as_typed(
    capsys: pytest.CaptureFixture[str], args: list[str], typed: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    message = capsys.readouterr().err.strip()
    assert f"'{typed}' is not a number" in message, message
    assert "'undefined'" not in message and "did you mean" not in message
