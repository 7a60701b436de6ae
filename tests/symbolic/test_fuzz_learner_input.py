"""Learner input, generated: a correct answer or one SteepestError sentence, nothing else.

Two kinds of input drive the parser, ``derive``, ``limit``, ``Function`` and the
commands: text soup (tokens a learner types, in any order) and expressions
built from a grammar (including max, min, relu, sigmoid, softplus, floor, ceil,
sign, cbrt and signed exponents).  Answers are checked against independent
references: SymPy's own ``diff`` of the same parsed expression, finite
differences of the compiled function, and the function's values near a limit
point.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from closing_in import closes_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import steepest as steep
from steepest.bounded import within
from steepest.cli.main import cli
from steepest.errors import SteepestError
from steepest.symbolic import Function, derive, limit, parse, symbol
from steepest.symbolic.printing import shows_internals

X = symbol("x")
QUICK = 3.0  # seconds of symbolic work allowed per call in these tests

SOUP_TOKENS = ["x", "y", "2", "3", "0", ".5", "e", "pi", "^", "-", "+", "*", "/", "(", ")",
               "|", " ", "sin", "ln", "sqrt", "max", "min", "relu", "sigmoid", "softplus",
               "floor", "ceil", "sign", "cbrt", "root", ",", "=", "f", "'", "e^-2x", "1/2x",
               "^-", "2x", "inf", "0^x", "(-8)^(1/3)"]  # fmt: skip

UNARY = ["sin", "cos", "tanh", "exp", "sqrt", "ln", "abs", "relu", "sigmoid", "softplus",
         "floor", "ceil", "sign", "cbrt", "atan"]  # fmt: skip

soup = st.lists(st.sampled_from(SOUP_TOKENS), min_size=1, max_size=10).map("".join)

leaves = st.sampled_from(["x", "x", "2", "3", "1/2", "pi", "e", "-x", "2x"])


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "1/3", "-2"])).map(
            lambda t: f"({t[0]})^({t[1]})"
        ),
        st.tuples(st.sampled_from(["max", "min"]), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(children, children).map(lambda t: f"({t[0]}) ({t[1]})"),
        children.map(lambda c: f"e^-({c})"),
    )


grammar = st.recursive(leaves, _grow, max_leaves=5)
points = st.floats(-2.5, 2.5).map(lambda v: round(v, 3) + 0.0001234)

# STEEPEST_FUZZ_EXAMPLES=400 searches harder (about two minutes on two cores).
FUZZ = settings(
    max_examples=int(os.environ.get("STEEPEST_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _read(text: str) -> sp.Expr | None:
    """The parsed expression, or None when the parser refused it with a sentence."""
    try:
        return parse(text)
    except SteepestError as error:
        assert str(error) and "\n" not in str(error)
        assert not shows_internals(str(error)), str(error)
        return None


def _number(expr: sp.Expr, at: float | sp.Rational) -> float | None:
    """An independent value: SymPy's own evaluation (DiracDelta is 0 away from 0)."""
    try:
        # exp(exp(1/x^2)) near 0 keeps mpmath busy for minutes: give up after a second.
        value = within(lambda: sp.N(expr.subs(X, sp.Float(at, 30)), 20), timeout=1.0)
    except (TypeError, ValueError, RecursionError):  # complex values in max, floor'
        return None
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    real, imaginary = (float(part) for part in value.as_real_imag())
    if abs(imaginary) > 1e-9 * max(1.0, abs(real)) or not math.isfinite(real):
        return None
    return real


def _close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))


@FUZZ
@given(soup)
def test_text_soup_is_read_or_refused_in_one_sentence(text: str) -> None:
    expr = _read(text)
    if expr is not None:
        assert isinstance(expr, sp.Expr)
        try:
            derive(expr, timeout=QUICK)
        except SteepestError as error:
            assert "\n" not in str(error)


@FUZZ
@given(grammar, st.lists(points, min_size=2, max_size=2))
def test_derivatives_agree_with_sympy_and_finite_differences(text: str, at: list[float]) -> None:
    expr = _read(text)
    if expr is None or X not in expr.free_symbols:
        return
    try:
        result = derive(expr, "x", timeout=QUICK).result
        f = Function(expr, timeout=QUICK)
    except SteepestError:
        return
    reference = sp.diff(expr, X)
    # SymPy leaves floor' and ceil' unevaluated; there the finite differences decide.
    if reference.has(sp.Derivative):
        reference = result
    for point in at:
        ours, theirs = _number(result, point), _number(reference, point)
        if ours is None or theirs is None:
            continue
        assert _close(ours, theirs, 1e-8), (text, point, result, reference)
        # Finite differences of the compiled function, where it is smooth at two scales.
        steps = [f((point + h, point - h)) for h in (1e-5, 1e-3)]
        fine = (f(point + 1e-5) - f(point - 1e-5)) / 2e-5
        coarse = (f(point + 1e-3) - f(point - 1e-3)) / 2e-3
        if all(np.isfinite(np.ravel(steps))) and _close(fine, coarse, 1e-3):
            assert _close(ours, fine, 1e-4), (text, point, ours, fine)
            try:
                compiled = float(f.grad(point)[0])
            except SteepestError:  # out of time compiling, or no derivative at a kink
                continue
            assert _close(compiled, ours, 1e-8), (text, point)


@FUZZ
@given(grammar, points)
def test_function_values_agree_with_sympy(text: str, at: float) -> None:
    expr = _read(text)
    if expr is None or not expr.free_symbols <= {X}:
        return
    try:
        f = Function(expr, variables=["x"], timeout=QUICK)
    except SteepestError:
        return
    ours, theirs = f(at), _number(expr, at)
    if theirs is None:
        assert not np.isfinite(ours) or abs(np.imag(ours)) > 0, (text, at, ours)
    elif np.isfinite(ours):
        assert _close(float(np.real(ours)), theirs, 1e-8), (text, at, ours, theirs)


@FUZZ
@given(grammar, st.sampled_from(["0", "1", "-1", "1/2", "inf"]))
def test_limits_agree_with_values_near_the_point(text: str, at: str) -> None:
    expr = _read(text)
    if expr is None or not expr.free_symbols <= {X}:
        return
    try:
        result = limit(expr, "x", at, timeout=QUICK)
    except SteepestError as error:
        assert "\n" not in str(error)
        return
    assert not shows_internals(result.message()), result.message()
    if at == "inf":
        return
    a = float(sp.Rational(at))

    def approaches(side: float, claimed: float) -> bool:
        """Values of f just to one side of a approach ``claimed`` (or cannot be computed),
        however slowly (2*x^(1/9) at 0 is still 0.09 away at 10^-12)."""
        values = [_number(expr, a + side * d) for d in (1e-6, 1e-9, 1e-12)]
        # Exact points: a + 10^-18 is a itself in floating point.
        exact = [sp.Rational(at) + side * sp.Rational(1, 10**k) for k in (15, 18)]
        return closes_in(values, claimed, lambda: [_number(expr, p) for p in exact])

    checks = []
    if result.exists and result.value is not None and result.value.is_finite:
        checks = [(-1, result.value), (1, result.value)]
    elif result.reason == "one-sided limits differ":
        checks = [(-1, result.left), (1, result.right)]
    for side, claimed in checks:
        if claimed is not None and claimed.is_finite:
            assert approaches(side, float(claimed)), (text, at, side, result)


COMMANDS = [
    ["diff", "{e}"],
    ["diff", "{e}", "--steps", "--json"],
    ["grad", "{e}", "--at", "{p}"],
    ["limit", "{e}", "--at", "{p}", "--var", "x"],
    ["tangent", "{e}", "--at", "{p}"],
    ["critical", "{e}", "--timeout", "2"],
]


@settings(
    max_examples=int(os.environ.get("STEEPEST_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(grammar, soup), st.sampled_from(COMMANDS), points)
def test_commands_answer_or_say_what_is_wrong(text: str, command: list[str], at: float) -> None:
    args = [part.format(e=text, p=f"{at:.4f}") for part in command]
    if "--timeout" not in args:
        args += ["--timeout", str(QUICK)]
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, SteepestError), (args, repr(result.exception))
        assert "\n" not in str(result.exception).strip()
    else:
        assert result.exit_code in (0, 2), (args, result.output)
    assert not shows_internals(result.output), (args, result.output)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e^-x", sp.exp(-X)),
        ("e^(-2x)", sp.exp(-2 * X)),
        ("cbrt(-8)", -2),
        ("(-8)^(1/3)", -2),
        ("relu(x)", sp.Max(X, 0)),
        ("sigmoid(x)", 1 / (1 + sp.exp(-X))),
        ("softplus(x)", sp.log(1 + sp.exp(X))),
        ("max(x, 0)", sp.Max(X, 0)),
    ],
)
def test_the_new_readings(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("e^-2x", "e^(-2x) or e^(-2)*x"),
        ("e^2x", "e^(2x) or e^(2)*x"),
        ("0^x", "0^x is 0 for x > 0"),
        ("f(x) = x^3", "right-hand side (x^3)"),
        ("(-4)^(1/2)", "cbrt(-8)"),
    ],
)
def test_ambiguous_or_unreal_input_is_refused_with_what_to_type(text: str, words: str) -> None:
    with pytest.raises(SteepestError, match=r".*") as caught:
        parse(text)
    assert words in str(caught.value)


def test_cube_roots_agree_in_values_derivatives_limits_and_compiled_code() -> None:
    f = Function("cbrt(x)")
    assert f(-8) == pytest.approx(-2) and f(27) == pytest.approx(3)
    assert f.grad(-8)[0] == pytest.approx(1 / 12)
    assert float(derive("cbrt(x)").result.subs(X, -8)) == pytest.approx(1 / 12)
    assert limit("cbrt(x)", at=0).value == 0
    assert limit("cbrt(x)", at=-8).value == -2


def test_kinks_give_the_derivative_or_a_sentence_never_a_name_error() -> None:
    assert Function("|x|^3").hessian(1)[0, 0] == pytest.approx(6)
    assert Function("|x|^3").hessian(0)[0, 0] == 0
    assert Function("x|x|").grad(0)[0] == 0
    with pytest.raises(SteepestError, match="slopes from the left and right differ"):
        Function("|x|").grad(0)
    with pytest.raises(SteepestError, match="not continuous"):
        Function("floor(x)").grad(1)
    grads = Function("relu(x)").grad(np.array([-1.0, 2.0]))
    assert grads.tolist() == [[0.0, 1.0]]
    result = steep.minimize("|x|", 1.0, method="newton")
    assert abs(result.x[0] if np.ndim(result.x) else result.x) < 1e-3
