"""Property tests of the verdict: right derivatives in any form are right, perturbed ones never.

Random functions come from a small grammar of the course's functions; the
reference derivative is SymPy's ``diff``.  A right answer rewritten by SymPy
(expanded, factored, over one denominator...) must be judged correct; the
right answer plus a nonzero perturbation (a constant, a tiny constant, a
term that only starts beyond the usual range, a narrow bump) must never be.
"""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import steepest as steep
from steepest.symbolic.printing import text_form

X = sympy.Symbol("x", real=True)

_LEAVES = st.sampled_from([X, X + 1, 2 * X, X**2, sympy.Integer(3), X - sympy.Rational(1, 2)])
_UNARY = [sympy.sin, sympy.cos, sympy.exp, sympy.atan, lambda u: sympy.log(u**2 + 1),
          lambda u: sympy.sqrt(u**2 + 1)]  # fmt: skip


def _grow(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
    return st.one_of(
        st.tuples(st.sampled_from(_UNARY), children).map(lambda p: p[0](p[1])),
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, st.integers(2, 3)).map(lambda p: p[0] ** p[1]),
        st.tuples(children, children).map(lambda p: p[0] / (p[1] ** 2 + 1)),
    )


FUNCTIONS = st.recursive(_LEAVES, _grow, max_leaves=4).filter(lambda f: f.has(X))

REWRITES = [
    lambda e: e,
    sympy.expand,
    sympy.factor,
    sympy.together,
    sympy.expand_trig,
    lambda e: e.rewrite(sympy.tan) if e.has(sympy.sin, sympy.cos) else e,
]

PERTURBATIONS = [
    sympy.Integer(1),
    sympy.Rational(-1, 3),
    sympy.Rational(1, 10**9),
    sympy.Rational(1, 10**15),
    X / 7,
    sympy.exp(-1000),
    sympy.Max(0, X - 10),
    sympy.exp(-1000 * (X - sympy.Rational(3, 10)) ** 2),
    sympy.Rational(1, 1000) * sympy.sin(X),
]

_SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@_SETTINGS
@given(f=FUNCTIONS, rewrite=st.sampled_from(REWRITES))
def test_the_right_derivative_in_any_form_is_correct(f: sympy.Expr, rewrite) -> None:
    right = sympy.diff(f, X)
    answer = text_form(rewrite(right))
    feedback = steep.practice.check(f"d/dx {text_form(f)}", answer, timeout=3.0)
    if feedback.verdict == "unreadable":  # a stated size limit of the reader, in one sentence
        assert "limit" in feedback.message, feedback.message
        return
    assert feedback.correct or feedback.verdict == "undecided", (answer, feedback.message)
    assert feedback.verdict != "undecided" or "time" in feedback.message, feedback.message


@_SETTINGS
@given(f=FUNCTIONS, perturbation=st.sampled_from(PERTURBATIONS))
def test_a_perturbed_derivative_is_never_correct(f: sympy.Expr, perturbation) -> None:
    answer = text_form(sympy.diff(f, X) + perturbation)
    feedback = steep.practice.check(f"d/dx {text_form(f)}", answer, timeout=3.0)
    assert feedback.verdict in ("incorrect", "undecided"), (answer, feedback.message)


Y = sympy.Symbol("y", real=True)
_TWO = st.recursive(
    st.sampled_from([X, Y, X * Y, X + Y, X**2, sympy.Integer(2)]),
    _grow,
    max_leaves=3,
).filter(lambda f: f.has(X) and f.has(Y))


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    f=_TWO,
    point=st.tuples(st.integers(-2, 2), st.integers(-2, 2)),
    perturbation=st.sampled_from([sympy.Integer(1), sympy.Rational(1, 10**12)]),
)
def test_a_gradient_at_a_point_exact_is_right_and_perturbed_is_not(
    f: sympy.Expr, point: tuple[int, int], perturbation: sympy.Expr
) -> None:
    at = {X: sympy.Integer(point[0]), Y: sympy.Integer(point[1])}
    values = [sympy.diff(f, v).xreplace(at) for v in (X, Y)]
    if not all(v.is_finite and v.is_extended_real for v in values):
        return
    question = f"grad {text_form(f)} at ({point[0]}, {point[1]})"
    right = "(" + ", ".join(text_form(v) for v in values) + ")"
    assert steep.practice.check(question, right, timeout=3.0).correct, right
    wrong = f"({text_form(values[0] + perturbation)}, {text_form(values[1])})"
    assert steep.practice.check(question, wrong, timeout=3.0).verdict in ("incorrect", "undecided")
