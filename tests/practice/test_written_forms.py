"""Answers written the ways learners write them: the same verdict as the plain form."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import steepest as steep
from steepest.symbolic.printing import text_form


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("critical points of x^3 - 3x", "{-1 max, 1 min}"),
        ("critical points of x^3 - 3x", "max at x=-1, min at x=1"),
        ("critical points of x^3 - 3x", "local max at -1, local min at 1"),
        ("critical points of x^3 - 3x", "maximum: x = -1; minimum: x = 1"),
        ("critical points of x^3 - 3x", "min 1, max -1"),
        ("critical points of x^2 + y^2", "min at (0, 0)"),
        ("critical points of x^2 - y^2", "saddle point at (0, 0)"),
        ("critical points of x^4 - 2x^2", "0 max, ±1 min"),
        ("critical points of x^4 - 2x^2", "0 max, +-1 min"),
        ("critical points of x^4 - 2x^2", "local max at 0, local min at ±1"),
        ("critical points of x^4 - 2x^2", "min at x = -1 and x = 1, max at x = 0"),
        ("lim x->0 sin(1/x)", "the limit does not exist"),
        ("lim x->0 sin(1/x)", "It does not exist."),
        ("lim x->0 sin(1/x)", "d.n.e."),
        ("lim x->0 sin(1/x)", "not exist"),
        ("lim x->oo x", "infinite"),
        ("lim x->oo x", "positive infinity"),
        ("lim x->oo -x", "negative infinity"),
        ("lim x->oo -x", "minus infinity"),
        # components with their labels, in any order, and column vectors
        ("grad x^2 + y^2", "f_x = 2x, f_y = 2y"),
        ("grad x^2 + y^2", "∂f/∂y = 2y, ∂f/∂x = 2x"),
        ("grad x^2 + y^2", "df/dx = 2x; df/dy = 2y"),
        ("grad x^2 + y^2", "[2x; 2y]"),
        ("one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.1", "x = 0.8, y = 1.6"),
        ("one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.1", "y = 1.6, x = 0.8"),
        # working that ends with the answer
        ("d/dx x^2", "f'(x) = 2x*1 = 2x"),
        ("one step of gradient descent on x^2 from 3 with rate 0.1", "x_1 = 3 - 0.1*6 = 2.4"),
        # Unicode fractions, superscripts and roots (½ was "unexpected character")
        ("d/dx sqrt(x)", "½ x^(-1/2)"),
        ("d/dx sqrt(x)", "½x^(-½)"),
        ("d/dx x^2/8", "¼x"),
        ("d/dx 3x^2/8", "¾x"),
        ("d/dx x^2/6", "⅓ x"),
        ("d/dx x^3", "3x²"),
        ("d/dx 2 sqrt(x)", "1/√x"),
        ("d/dx x^(3/2)", "(3/2)√x"),
        # a variable glued to its unit vector (2xi was "unknown name 'yj'")
        ("grad x^2 + y^2", "2xi + 2yj"),
        ("grad x^2 + y^2", "2xi+2yj"),
        ("grad x^2 + y^2 + z^2", "2xi + 2yj + 2zk"),
        ("grad x^2 y", "2x yi + x^2j"),
        ("grad x*y", "yi + xj"),
        ("grad x^2 + xi^2", "2x, 2xi"),  # xi is the variable ξ here, not x times i
        ("grad p^2 + pi*q", "2p i + pi j"),  # pi is the number
    ],
)
def test_a_right_answer_in_learner_words_is_correct(question: str, answer: str) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "correct", feedback.message


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("critical points of x^3 - 3x", "max at x = 1, min at x = -1"),
        ("critical points of x^3 - 3x", "{1 max, -1 min}"),
        ("critical points of x^4 - 2x^2", "0 min, ±1 max"),
        ("lim x->oo -x", "infinity"),
        ("lim x->0 sin(x)/x", "the limit does not exist"),
        ("grad x^2 + y^2", "f_x = 2y, f_y = 2x"),
        ("one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.1", "x = 1.6, y = 0.8"),
        ("d/dx x^2", "f'(x) = 2x*1 = 3x"),
        ("d/dx x^2/6", "⅔x"),
        ("grad x^2 + y^2", "2yi + 2xj"),
        ("grad x*y", "xi + yj"),
        ("d/dx x^(3/2)", "2√x"),
    ],
)
def test_a_wrong_answer_in_learner_words_is_incorrect(question: str, answer: str) -> None:
    assert steep.practice.check(question, answer).verdict == "incorrect"


POINTS = [("-1", "min"), ("0", "max"), ("1", "min")]  # of x^4 - 2x^2


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    order=st.permutations(POINTS),
    form=st.sampled_from(["{p} {k}", "x = {p} ({k})", "{k} at x = {p}", "local {k} at {p}"]),
    separator=st.sampled_from([", ", "; "]),
    braces=st.booleans(),
)
@example(order=POINTS, form="{k} at x = {p}", separator=", ", braces=False)
@example(order=POINTS, form="{p} {k}", separator=", ", braces=True)
def test_critical_points_in_any_order_and_notation_are_correct(
    order: list[tuple[str, str]], form: str, separator: str, braces: bool
) -> None:
    answer = separator.join(form.format(p=p, k=k) for p, k in order)
    if braces:
        answer = "{" + answer + "}"
    feedback = steep.practice.check("critical points of x^4 - 2x^2", answer)
    assert feedback.verdict == "correct", (answer, feedback.message)
    swapped = answer.replace("min", "MIN").replace("max", "min").replace("MIN", "max")
    assert steep.practice.check("critical points of x^4 - 2x^2", swapped).verdict == "incorrect"


def test_zero_at_a_point_names_no_mal_rule_but_says_what_gives_zero() -> None:
    # The power rule on 2^x gives x*2^(x - 1), 0 at x = 0: but so does putting the point in
    # before differentiating, so no mal-rule can be named from the 0 alone.
    feedback = steep.practice.check("d/dx 2^x at 0", "0")
    assert feedback.verdict == "incorrect"
    assert feedback.mistake is None, feedback.mistake
    assert "before differentiating" in feedback.message
    # A value that only the mal-rule gives is still diagnosed.
    assert steep.practice.check("d/dx 2^x at 0", "1").mistake == "exponential-missing-log"


def test_a_constant_of_integration_in_a_derivative_is_said_plainly() -> None:
    feedback = steep.practice.check("d/dx x^2 + 5", "2x + C")
    assert feedback.verdict == "incorrect"
    assert "constant of integration" in feedback.message
    assert "C = " not in feedback.message  # no point that gives C a value
    feedback = steep.practice.check("d/dy x^2 y", "x^2 + z")
    assert "z" in feedback.message and "x, y only" in feedback.message


X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
GRADIENT_FORMS = [
    "({a}, {b})",
    "[{a}, {b}]",
    "<{a}, {b}>",
    "[{a}; {b}]",
    "grad f = ({a}, {b})",
    "({a})i + ({b})j",
    "f_x = {a}, f_y = {b}",
    "∂f/∂y = {b}, ∂f/∂x = {a}",
]


@settings(max_examples=5, deadline=None, derandomize=True)
@given(
    f=st.sampled_from([X**2 * Y, sympy.sin(X * Y), sympy.exp(X) * Y**3, X / (Y**2 + 1)]),
    form=st.sampled_from(GRADIENT_FORMS),
    wrong=st.booleans(),
)
@example(f=X**2 * Y, form="f_x = {a}, f_y = {b}", wrong=False)
@example(f=X**2 * Y, form="∂f/∂y = {b}, ∂f/∂x = {a}", wrong=True)
def test_a_gradient_in_any_notation_is_right_and_perturbed_is_not(
    f: sympy.Expr, form: str, wrong: bool
) -> None:
    a, b = (sympy.diff(f, v) for v in (X, Y))
    if wrong:
        b = b + Y
    answer = form.format(a=text_form(a), b=text_form(b))
    feedback = steep.practice.check(f"grad {text_form(f)}", answer)
    assert feedback.verdict == ("incorrect" if wrong else "correct"), (answer, feedback.message)


@pytest.mark.parametrize(
    ("question", "answer", "advice"),
    [
        # A space is not enough to tell (1/2)*x^(-1/2) from 1/(2*x^(-1/2)): one question.
        ("d/dx sqrt(x)", "1/2 x^(-1/2)", "did you mean (1/2)*x^(-1/2) or 1/(2*x^(-1/2))?"),
        ("d/dx x^2", "2½x", "write 2 + 1/2 for the mixed number, or 2*1/2 for the product"),
        ("d/dx x^2", "x½", "write it first, as in ½x, or as a power"),
        ("d/dx e^(x/2)", "½e^½x", "did you mean e^(½x) or e^(½)*x?"),
        ("d/dx x^(3/2)", "3√x/2", "'√x/2' is ambiguous: did you mean sqrt(x)/2 or sqrt(x/2)?"),
    ],
)
def test_an_answer_that_cannot_be_read_one_way_says_how_to_write_it(
    question: str, answer: str, advice: str
) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "unreadable", feedback.message
    assert advice in feedback.message and "\n" not in feedback.message


SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅛": (1, 8)}


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    fraction=st.sampled_from(sorted(FRACTIONS)),
    power=st.integers(2, 5),
    slip=st.sampled_from(["none", "exponent kept", "coefficient"]),
    superscript=st.booleans(),
)
@example(fraction="½", power=3, slip="none", superscript=True)
@example(fraction="¾", power=2, slip="exponent kept", superscript=False)
def test_unicode_fractions_and_superscripts_get_the_plain_form_s_verdict(
    fraction: str, power: int, slip: str, superscript: bool
) -> None:
    """d/dx of (n/(d*p)) x^p is (n/d) x^(p-1): written with ½ and x² or with (1/2) and x^2,
    the same verdict and the same mistake named."""
    n, d = FRACTIONS[fraction]
    question = f"d/dx ({n}/({d}*{power}))*x^{power}"
    exponent = power if slip == "exponent kept" else power - 1
    plain_coefficient = f"({n}/{d})" if slip != "coefficient" else f"({n}/{d + 1})"
    coefficient = fraction if slip != "coefficient" else f"({n}/{d + 1})"
    power_text = str(exponent).translate(SUPERSCRIPTS) if superscript else f"^{exponent}"
    plain = steep.practice.check(question, f"{plain_coefficient}x^{exponent}")
    written = steep.practice.check(question, f"{coefficient}x{power_text}")
    assert (written.verdict, written.mistake) == (plain.verdict, plain.mistake), (
        written.message, plain.message)
    assert written.verdict == ("correct" if slip == "none" else "incorrect"), written.message
