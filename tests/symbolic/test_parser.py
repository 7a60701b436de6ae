"""The safe parser: learner notation, ambiguity questions, injection, bounds."""

from __future__ import annotations

import builtins
import string

import pytest
import sympy
from hypothesis import example, given
from hypothesis import strategies as st

from steepest.errors import ParseError
from steepest.symbolic.parser import (
    MAX_DEPTH,
    MAX_LENGTH,
    is_variable_name,
    parse,
    symbol,
    tokenize,
    variable_sort_key,
    variables,
)
from steepest.symbolic.steps import text_form

x, y, z, a, r, t = (symbol(name) for name in "xyzart")
theta, alpha = symbol("theta"), symbol("alpha")

# ---------------------------------------------------------------------------
# Learner notation: each text and the one reading it must get.

INTENDED_READINGS = [
    ("2x", 2 * x),
    ("3x^2 y^3", 3 * x**2 * y**3),
    ("3x^2y^3", 3 * x**2 * y**3),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("2(x+1)", 2 * (x + 1)),
    ("x(x+1)", x * (x + 1)),
    ("e^x", sympy.exp(x)),
    ("e^-x", sympy.exp(-x)),
    ("2e^x", 2 * sympy.exp(x)),
    ("e^(2x) + e", sympy.exp(2 * x) + sympy.E),
    ("exp(x^2)", sympy.exp(x**2)),
    ("ln x", sympy.log(x)),
    ("ln(x)", sympy.log(x)),
    ("log(x)", sympy.log(x)),
    ("ln |x|", sympy.log(sympy.Abs(x))),
    ("log_2(x)", sympy.log(x) / sympy.log(2)),
    ("log_2 x", sympy.log(x) / sympy.log(2)),
    ("log_a(2x^2 + 4x)", sympy.log(2 * x**2 + 4 * x) / sympy.log(a)),
    ("log(x, 3)", sympy.log(x) / sympy.log(3)),
    ("log10(x)", sympy.log(x) / sympy.log(10)),
    ("sin(x)^2", sympy.sin(x) ** 2),
    ("sin^2 x", sympy.sin(x) ** 2),
    ("sin^2(x) + cos^2(x)", sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
    ("|x|", sympy.Abs(x)),
    ("|x - 1| + |x|", sympy.Abs(x - 1) + sympy.Abs(x)),
    ("||x| - 1|", sympy.Abs(sympy.Abs(x) - 1)),
    ("2|x|", 2 * sympy.Abs(x)),
    ("|x||y|", sympy.Abs(x) * sympy.Abs(y)),
    ("arcsin(x)", sympy.asin(x)),
    ("asin x", sympy.asin(x)),
    ("arctan x + arccos x", sympy.atan(x) + sympy.acos(x)),
    ("sqrt(x)", sympy.sqrt(x)),
    ("sqrt x + 1", sympy.sqrt(x) + 1),
    ("cbrt(x)", sympy.sign(x) * abs(x) ** sympy.Rational(1, 3)),
    ("root(x, 4)", x ** sympy.Rational(1, 4)),
    ("pi x", sympy.pi * x),
    ("π r²", sympy.pi * r**2),
    ("x^2^3", x**8),
    ("2^3^2", sympy.Integer(512)),
    ("x**2", x**2),
    ("-x^2", -(x**2)),
    ("2^-x", 2 ** (-x)),
    ("x^-1", 1 / x),
    ("sin 2x", sympy.sin(2 * x)),
    ("sin 2 pi x", sympy.sin(2 * sympy.pi * x)),
    ("sin x cos x", sympy.sin(x) * sympy.cos(x)),
    ("x^2 sin x", x**2 * sympy.sin(x)),
    ("e^-x sin 2x", sympy.exp(-x) * sympy.sin(2 * x)),
    ("ln x + 1", sympy.log(x) + 1),
    ("1/sin x", 1 / sympy.sin(x)),
    ("sin x/cos x", sympy.sin(x) / sympy.cos(x)),
    ("x^2/(x+1)", x**2 / (x + 1)),
    ("(1/2) x", x / 2),
    ("1/(2x)", 1 / (2 * x)),
    ("2x/3", 2 * x / 3),
    ("x/2 + 3y", x / 2 + 3 * y),
    (
        "85 - x^2 (x-6) y^2 (y-6)/90",
        85 - x**2 * (x - 6) * y**2 * (y - 6) / 90,
    ),
    ("theta^2 + alpha", theta**2 + alpha),
    ("θ + λ", theta + symbol("lambda")),
    ("x_1 + x_2", symbol("x_1") + symbol("x_2")),
    ("0.1x", x / 10),
    ("1e-3 x", x / 1000),
    ("x²+y³", x**2 + y**3),
    ("x⁻¹", 1 / x),
    ("2·x − 1", 2 * x - 1),
    ("√x", sympy.sqrt(x)),
    # Unicode fractions are fractions (once "unexpected character '½'").
    ("½x", x / 2),
    ("½ x^(-½)", 1 / (2 * sympy.sqrt(x))),
    ("¾x²", sympy.Rational(3, 4) * x**2),
    ("x^⅓", x ** sympy.Rational(1, 3)),
    ("-⅔(x + 1)", -sympy.Rational(2, 3) * (x + 1)),
    ("x/¼", 4 * x),
    ("1⁄2", sympy.Rational(1, 2)),
    ("tanh(x)", sympy.tanh(x)),
    ("sec x + csc x + cot x", sympy.sec(x) + sympy.csc(x) + sympy.cot(x)),
    ("sinh x cosh x", sympy.sinh(x) * sympy.cosh(x)),
    ("e", sympy.E),
    ("inf", sympy.oo),
    ("-(-x)", x),
    ("sin -x", sympy.sin(-x)),
    ("E", symbol("E")),
    ("t^2", t**2),
    (
        "Piecewise((x^2, x < 1), (2x + 1, True))",
        sympy.Piecewise((x**2, x < 1), (2 * x + 1, True)),
    ),
    (
        "Piecewise((-x, x <= 0), (x^2, x > 0 and x < 2), (4, otherwise))",
        sympy.Piecewise((-x, x <= 0), (x**2, (x > 0) & (x < 2)), (4, True)),
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), INTENDED_READINGS, ids=[c[0] for c in INTENDED_READINGS]
)
def test_learner_notation_gets_the_intended_reading(text: str, expected: sympy.Expr) -> None:
    assert parse(text) == expected


# Ambiguous or non-expression notation: a refusal that asks or explains.
REFUSALS = [
    ("sinx", "did you mean sin(x)?"),
    ("lnx", "did you mean ln(x)?"),
    ("sin2x", "did you mean sin(2x)?"),
    ("sinxcosx", "did you mean sin(x)*cos(x)?"),
    ("xy", "did you mean x*y?"),
    ("thetax", "did you mean theta*x?"),
    ("ex", "did you mean e*x or e^x?"),
    ("x2", "did you mean x^2, 2*x or the subscripted variable x_2?"),
    ("1/2 x", "did you mean (1/2)*x or 1/(2*x)?"),
    ("1/2x", "did you mean (1/2)*x or 1/(2*x)?"),
    ("3/4 y^2", "did you mean (3/4)*y^2 or 3/(4*y^2)?"),
    ("sin^-1(x)", "did you mean the inverse function asin(x) or the reciprocal 1/sin(x)?"),
    ("sin^(-1) x", "asin(x)"),
    ("sin x y", "did you mean sin(x)*y or sin(x*y)?"),
    ("x sin x e^x", "did you mean sin(x)*e^x or sin(x*e^x)?"),
    ("sin x/2", "did you mean sin(x)/2 or sin(x/2)?"),
    ("|2|x|-1|", "ambiguous absolute value bars"),
    ("d/dx x^2", "d/dx is an instruction"),
    ("dy/dx", "derivative notation"),
    ("f(x)", "function notation"),
    ("f(x) = x^2", "write only the right-hand side"),
    ("g(t) + 1", "function notation"),
    ("p(q)", "looks like function notation"),
    ("x'", "prime notation"),
    ("f'(x)", "prime notation"),
    ("y = x^2", "makes an equation"),
    ("2 3", "did you mean 2*3 or 23?"),
    ("x 2", "a number right after 'x' is ambiguous"),
    ("(x+1)2", "a number right after ')' is ambiguous"),
    ("lim x", "limits are not written inside an expression"),
    ("x < 1", "a comparison is not an expression"),
    ("x!", "factorial"),
    ("[x + 1]", "use parentheses"),
    ("", "the expression is empty"),
    ("x +", "ends too early"),
    ("(x", "missing ')'"),
    ("x)", "unmatched ')'"),
    ("()", "empty parentheses"),
    ("1/0", "division by zero"),
    ("log(0)", "undefined value"),
    ("sqrt(-4)", "imaginary value"),
    ("log_1(x)", "cannot have base 1"),
    ("sin()", "needs an argument"),
    ("sin", "needs an argument"),
    ("root x", "needs its arguments in parentheses"),
    ("--x", "two signs in a row"),
    ("x */ y", "followed by another operator"),
    ("\\sqrt{x}", "not LaTeX"),
    ("∂f/∂x", "derivative notation"),
    ("sin^n x", "only a whole power"),
    ("x and y", "only belongs in a Piecewise condition"),
    ("3½", "write 3 + 1/2 for the mixed number, or 3*1/2 for the product"),
    ("2 ¼x", "'2 ¼' is ambiguous"),
    ("x½", "a fraction right after 'x' is ambiguous"),
    ("e^½x", "did you mean e^(½x) or e^(½)*x?"),
    ("1⁄2 x", "did you mean (1⁄2)*x or 1/(2*x)?"),
    ("3√x/2", "'√x/2' is ambiguous: did you mean sqrt(x)/2 or sqrt(x/2)?"),  # not 'sqrt x/2'
]


@pytest.mark.parametrize(("text", "message"), REFUSALS, ids=[c[0] or "empty" for c in REFUSALS])
def test_ambiguous_or_foreign_notation_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert message in str(caught.value)
    assert caught.value.column is not None and 1 <= caught.value.column <= len(text) + 1


def test_the_suites_are_as_large_as_promised() -> None:
    assert len(INTENDED_READINGS) + len(REFUSALS) >= 40
    assert len(REFUSALS) >= 40


def test_a_run_together_name_is_never_split_silently() -> None:
    # s*i*n*x would be the silent misreading; any multi-letter unknown name is a question.
    for text in ("sinx", "abc", "xyz", "cosy", "tanx", "expx", "sqrtx", "pix"):
        with pytest.raises(ParseError, match="did you mean"):
            parse(text)


# ---------------------------------------------------------------------------
# Columns point at the problem.


@pytest.mark.parametrize(
    ("text", "column"),
    [("x + )", 5), ("2x +* 3", 5), ("x.y", 2), ("sin(x", 6), ("x ; y", 3), ("1/0", 2), ("ab", 1)],
)
def test_errors_name_the_column(text: str, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.column == column
    assert f"column {column}" in str(caught.value)
    assert caught.value.text == text


# ---------------------------------------------------------------------------
# Injection: code in every position is refused and never runs.

INJECTIONS = [
    "__import__('os').system('x')",
    "x.__class__",
    "lambda: 1",
    "lambda x: x",
    '"abc"',
    "'abc'",
    "x; import os",
    "().__class__.__bases__",
    "import os",
    "from os import system",
    "exec('1')",
    "eval('1+1')",
    "os.system('ls')",
    "x if x else y",
    "[c for c in 'ab']",
    "{1: 2}",
    "x[0]",
    "getattr(x, 'y')",
    "sin(x).__globals__",
    "x @ y",
    "x # comment",
    "x\n__import__('os')",
    "sin(__import__('os'))",
    "x ** __import__('os')",
    "Piecewise((x, __import__('os')), (1, True))",
    "log(x, __builtins__)",
    "|__import__|",
    "x_1.real",
    "1 .real",
    "b'x'",
    "f'{x}'",
    "x := 1",
    "**kwargs",
    "*args",
    "None",
    "print(1)",
    "open('f')",
    "sympy.exp(x)",
    "np.sin(x)",
    "Symbol('x')",
    "S('x')",
    "x, y",
    "x\x00",
    "__class__",
    "_x",
    "x__y",
    "globals()",
    "type(x)",
    "x = 1",
    "del x",
    "x\\\ny",
    "`x`",
    "x $ y",
    "2 & 3",
    "~x",
    "x % 2",
    "x ? 1",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_code_is_always_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text)


def test_code_is_never_executed(tmp_path, monkeypatch) -> None:
    canary = tmp_path / "canary"
    payload = f"__import__('pathlib').Path({str(canary)!r}).touch()"
    calls: list[str] = []

    def forbidden(name: str):
        def refuse(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return refuse

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden("parse_expr"))
    positions = [
        payload,
        f"x + {payload}",
        f"sin({payload})",
        f"x^({payload})",
        f"|{payload}|",
        f"log(x, {payload})",
        f"Piecewise((x, {payload}), (1, True))",
        f"Piecewise(({payload}, x < 1), (1, True))",
        f"2 {payload}",
        f"({payload})(x)",
    ]
    for text in positions:
        with pytest.raises(ParseError):
            parse(text)
    assert not canary.exists()
    assert calls == []


@given(st.text(alphabet=string.printable, max_size=60))
def test_arbitrary_text_gives_an_expression_or_a_parse_error(text: str) -> None:
    try:
        result = parse(text)
    except ParseError as error:
        assert str(error)
    else:
        assert isinstance(result, sympy.Expr)


# ---------------------------------------------------------------------------
# Bounds: length, nesting, number size.


def test_tower_of_powers_fails_fast_instead_of_computing() -> None:
    with pytest.raises(ParseError, match="digits"):
        parse("9^9^9^9")
    with pytest.raises(ParseError, match="digits"):
        parse("2^2^2^2^2^2")
    with pytest.raises(ParseError, match="digits"):
        parse("(1/3)^(10^9)")


def test_powers_of_a_variable_are_bounded() -> None:
    assert parse("x^1000") == x**1000
    with pytest.raises(ParseError, match="exponents are limited"):
        parse("x^(10^6)")
    with pytest.raises(ParseError, match="exponents are limited"):
        parse("(x^600)^2")
    with pytest.raises(ParseError, match="exponents are limited"):
        parse("x^600 x^600")


def test_reasonable_exact_numbers_are_kept_exact() -> None:
    assert parse("2^100") == sympy.Integer(2) ** 100
    assert parse("2^-3") == sympy.Rational(1, 8)
    assert parse("8^(1/3)") == 2


def test_text_length_is_bounded() -> None:
    long_sum = "+".join(["x"] * (MAX_LENGTH // 2 + 1))
    with pytest.raises(ParseError, match="characters long"):
        parse(long_sum)
    assert parse("+".join(["x"] * 900)) == 900 * x


def test_nesting_depth_is_bounded() -> None:
    deep = "(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(ParseError, match="nested too deeply"):
        parse(deep)
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("^".join(["x"] * 500))
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("sin(" * 300 + "x" + ")" * 300)
    moderate = "(" * 20 + "x" + ")" * 20
    assert parse(moderate) == x


def test_numbers_are_bounded() -> None:
    with pytest.raises(ParseError, match="limited to"):
        parse("1" * 1200)
    with pytest.raises(ParseError, match="limited to"):
        parse("1e99999")


# ---------------------------------------------------------------------------
# Symbols, order, tokens, inputs that are already SymPy.


def test_variables_are_real_symbols_matching_symbol() -> None:
    parsed = parse("x + y")
    assert parsed.free_symbols == {symbol("x"), symbol("y")}
    assert all(s.is_real for s in parsed.free_symbols)


def test_variable_order_is_x_y_z_then_alphabetical() -> None:
    assert variables(parse("b + z + a + y + x + x_10 + x_2")) == tuple(
        symbol(n) for n in ("x", "y", "z", "a", "b", "x_2", "x_10")
    )
    assert sorted(["theta", "t", "x"], key=variable_sort_key) == ["x", "t", "theta"]


def test_is_variable_name() -> None:
    assert all(is_variable_name(n) for n in ("x", "E", "theta", "Omega", "x_1", "theta_0"))
    assert not any(is_variable_name(n) for n in ("e", "xy", "sin", "x_", "2", "_x"))


def test_sympy_and_numbers_pass_through() -> None:
    expr = sympy.Symbol("x") ** 2
    assert parse(expr) is expr
    assert parse(3) == 3 and parse(0.5) == sympy.Float(0.5)
    with pytest.raises(ParseError):
        parse(True)
    with pytest.raises(ParseError):
        parse(["x"])  # type: ignore[arg-type]


def test_tokenize_reports_columns() -> None:
    tokens = tokenize("2x^2 + sin(x)")
    assert [(tok.text, tok.column) for tok in tokens[:5]] == [
        ("2", 1),
        ("x", 2),
        ("^", 3),
        ("2", 4),
        ("+", 6),
    ]
    assert tokens[-1].kind == "end"


def test_decimal_numbers_are_exact() -> None:
    assert parse("0.1 + 0.2") == sympy.Rational(3, 10)
    assert parse("1.5e2") == 150
    assert parse(".25") == sympy.Rational(1, 4)


# ---------------------------------------------------------------------------
# Round trips: random expression trees written as text parse back exactly.

_LEAVES = st.sampled_from(
    [
        ("x", x),
        ("y", y),
        ("2", sympy.Integer(2)),
        ("3", sympy.Integer(3)),
        ("0.5", sympy.Rational(1, 2)),
        ("pi", sympy.pi),
        ("e", sympy.E),
    ]
)

_FUNCTIONS = [
    ("sin", sympy.sin),
    ("cos", sympy.cos),
    ("tan", sympy.tan),
    ("exp", sympy.exp),
    ("ln", sympy.log),
    ("sqrt", sympy.sqrt),
    ("tanh", sympy.tanh),
    ("arctan", sympy.atan),
    ("abs", sympy.Abs),
]


def _checked(value: sympy.Expr) -> sympy.Expr:
    """``value``, or nan where it is not a real number: the parser refuses an imaginary or
    undefined value where it appears, even when a later step folds it away (|ln(-2)| is
    sqrt(ln(2)^2 + pi^2) to SymPy, x/(x/0) is 0), and nan stays nan through every step."""
    return sympy.nan if value.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo) else value


def _combine(children: st.SearchStrategy) -> st.SearchStrategy:
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: (f"({p[0][0]}) + ({p[1][0]})", p[0][1] + p[1][1])),
        pair.map(lambda p: (f"({p[0][0]}) - ({p[1][0]})", p[0][1] - p[1][1])),
        pair.map(lambda p: (f"({p[0][0]})*({p[1][0]})", p[0][1] * p[1][1])),
        pair.map(lambda p: (f"({p[0][0]})({p[1][0]})", p[0][1] * p[1][1])),
        pair.map(lambda p: (f"({p[0][0]})/({p[1][0]})", p[0][1] / p[1][1])),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "(1/2)"])).map(
            lambda p: (f"({p[0][0]})^{p[1]}", p[0][1] ** parse(p[1]))
        ),
        st.tuples(children, st.sampled_from(["2", "3"])).map(
            lambda p: (f"({p[0][0]})**{p[1]}", p[0][1] ** int(p[1]))
        ),
        st.tuples(st.sampled_from(_FUNCTIONS), children).map(
            lambda p: (f"{p[0][0]}({p[1][0]})", p[0][1](p[1][1]))
        ),
        children.map(lambda c: (f"|{c[0]}|", sympy.Abs(c[1]))),
        children.map(lambda c: (f"e^({c[0]})", sympy.exp(c[1]))),
        children.map(lambda c: (f"-({c[0]})", -c[1])),
    ).map(lambda p: (p[0], _checked(p[1])))


TEXT_AND_EXPR = st.recursive(_LEAVES, _combine, max_leaves=6)


@given(TEXT_AND_EXPR)
@example(("|ln(-(2))|", sympy.nan))  # ln(-2) is imaginary, though its absolute value is real
@example(("(x)/((x)/((x) - (x)))", sympy.nan))  # a division by zero SymPy folds to 0
def test_random_expressions_written_as_text_parse_to_the_same_tree(pair) -> None:
    text, expected = pair
    # A division by zero can hide in SymPy's result (|x/0| is oo*|x|); the text
    # never writes infinity, so any infinity comes from one.
    if expected.has(sympy.zoo, sympy.nan, sympy.I, sympy.oo, -sympy.oo):
        with pytest.raises(ParseError):
            parse(text)
        return
    try:
        parsed = parse(text)
    except ParseError as error:
        # The size model refuses numbers it estimates past 1000 digits (e^(e^9) ~ 10^3519).
        if "digits" not in str(error):
            raise
        assert _has_huge_number(expected), str(error)
        return
    assert parsed == expected


def _has_huge_number(expr: sympy.Expr) -> bool:
    """Whether a number in ``expr`` is beyond 10^300 in size (or below 10^-300)."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Expr) and node.is_number and node != 0:
            value = abs(node.evalf(15))
            if value.is_finite and abs(float(sympy.log(value, 10))) > 300:
                return True
    return False


@given(TEXT_AND_EXPR)
def test_course_notation_printing_parses_back(pair) -> None:
    _, expr = pair
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        return
    try:
        reparsed = parse(text_form(expr))
    except ParseError as error:
        if "digits" not in str(error):
            raise
        assert _has_huge_number(expr), str(error)
        return
    if reparsed != expr:
        # SymPy sometimes keeps a non-canonical form such as exp(-(2 - pi)),
        # which re-reads as the canonical exp(pi - 2): compare values then.
        point = {x: sympy.Rational(7, 10), y: sympy.Rational(13, 10)}
        assert complex(reparsed.evalf(30, subs=point)) == pytest.approx(
            complex(expr.evalf(30, subs=point)), rel=1e-12, abs=1e-12
        )
