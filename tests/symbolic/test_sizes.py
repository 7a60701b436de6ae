"""The cost bound decided before the work: digits, expansion terms, tree size, roots.

Each case that once ran away (17 GB for sqrt(2)^(10^999), 28 s for sqrt(3)^(10^8),
an expansion of (x+y+z+a+b+c)^40 that never ended) is refused by the parser in
one sentence naming the limit; what is within the limits parses to the exact
value SymPy computes.
"""

from __future__ import annotations

import itertools
import math
import re
import time

import pytest
import sympy

from steepest.cli.main import main
from steepest.errors import ParseError
from steepest.symbolic import derive, parse, symbol
from steepest.symbolic.parser import FUNCTION_NAMES
from steepest.symbolic.sizes import (
    MAX_DIGITS,
    MAX_NODES,
    MAX_ROOT_DIGITS,
    MAX_TERMS,
    SizeModel,
)

x, y = symbol("x"), symbol("y")


def _command_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one line ``steepest ARGS`` prints on stderr, after checking it exits with 2."""
    with pytest.raises(SystemExit) as exit_status:
        main(list(args))
    assert exit_status.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.startswith("error: ") and len(captured.err.splitlines()) == 1
    return captured.err


def _refused(text: str, *words: str) -> str:
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse(text)
    # The refusal is decided from sizes, not by doing the work: far below a second.
    assert time.perf_counter() - started < 2.0
    message = str(caught.value)
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(2)^(10^999)",
        "sqrt(3)^(10^8)",
        "9^9^9^9",
        "(2pi)^(10^5)",
        "(3/7)^(10^6)",
        "(1 + sqrt(2))^(10^8)",
        "2^(10^8 sqrt(2))",
        "pi^(10^8)",
        "e^(10^4)",
        "exp(10^4)",
        "(sqrt(2) sqrt(3))^(10^6)",
        "((2^(1/3))^(10^5))^(10^5)",
        "cbrt(5)^(10^7)",
        "root(7, 5)^(10^9)",
    ],
)
def test_numbers_of_any_base_are_refused_past_the_digit_limit(text: str) -> None:
    message = _refused(text, "digits", f"limited to {MAX_DIGITS} digits")
    assert "would have" in message


def test_the_cli_refuses_runaway_numbers_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("sqrt(2)^(10^999)", "sqrt(3)^(10^8)", "9^9^9^9"):
        assert "digits" in _command_error(capsys, "diff", text)


def test_the_digit_estimate_follows_the_exact_value() -> None:
    model = SizeModel()
    for base, exponent in [(2, 1000), (3, 77), (sympy.Rational(2, 3), 500), (10, 999)]:
        exact = sympy.Integer(base) ** exponent if isinstance(base, int) else base**exponent
        digits = math.log10(max(abs(exact.p), exact.q))
        estimate = model.power_digits(sympy.sympify(base), sympy.Integer(exponent))
        assert digits - 1 <= estimate <= digits + 1
    # sqrt(3)^(10^8) is 3^(5*10^7): 23,856,062.5 digits.
    estimate = model.power_digits(sympy.sqrt(3), sympy.Integer(10**8))
    assert estimate == pytest.approx(5e7 * math.log10(3), rel=1e-9)


def test_exact_numbers_within_the_limit_stay_exact() -> None:
    assert parse("2^3000") == sympy.Integer(2) ** 3000  # 904 digits
    assert parse("10^999") == sympy.Integer(10) ** 999
    assert parse("sqrt(2)^1000") == sympy.Integer(2) ** 500
    assert parse("sqrt(3)^(10^3)") == sympy.Integer(3) ** 500
    assert parse("(2pi)^100") == sympy.Integer(2) ** 100 * sympy.pi**100
    assert parse("1^(10^999)") == 1
    assert parse("(-1)^(10^999)") == 1
    assert parse("e^(e^3)") == sympy.exp(sympy.exp(3))
    with pytest.raises(ParseError, match="digits"):
        parse("2^4000")


def test_roots_of_long_numbers_are_refused_before_factoring() -> None:
    _refused("sqrt(10^999 + 7)", "roots are taken", f"at most {MAX_ROOT_DIGITS} digits")
    _refused("(10^500 + 1)^(1/3)", "roots")
    _refused("cbrt(10^400 + 3)", "roots")
    assert parse("sqrt(10^200 + 7)") == sympy.sqrt(sympy.Integer(10**200 + 7))


def test_a_large_expansion_is_refused_with_its_size() -> None:
    message = _refused("(x+y+z+a+b+c)^40", "terms", f"limited to {MAX_TERMS} terms")
    # C(45, 5) = 1,221,759 terms.
    assert "about 10^6 terms" in message
    _refused("(x+y+z)^100 (a+b+c)^100", "terms")
    _refused("((x+y)^100 + (a+b)^100)^10", "terms")
    # C(12, 5) = 792 and C(102, 2) = 5151 are within the limit.
    assert parse("(x+y+z+a+b+c)^7") == sympy.Add(*sympy.symbols("x y z a b c", real=True)) ** 7
    assert parse("(x+y+z)^100").exp == 100


def test_the_expansion_count_is_the_multinomial_count() -> None:
    model = SizeModel()
    symbols = sympy.symbols("a b c d")
    for k, n in itertools.product(range(1, 5), range(0, 6)):
        expr = sympy.Pow(sympy.Add(*symbols[:k]), n, evaluate=False)
        exact = len(sympy.Add.make_args(sympy.expand(expr))) if n else 1
        assert model.terms(expr) == pytest.approx(exact)


def test_the_cli_refuses_a_large_expansion_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert "terms" in _command_error(capsys, "diff", "(x+y+z+a+b+c)^40")


def test_the_tree_size_is_bounded() -> None:
    model = SizeModel()
    assert model.nodes(x + 2 * y) == 5
    small = sympy.Add(*[sympy.sin(symbol(f"x_{i}")) for i in range(100)])
    assert model.refuse(small) is None
    products = [sympy.Mul(symbol(f"x_{i}"), y, evaluate=False) for i in range(3400)]
    large = sympy.Add(*products, evaluate=False)
    assert model.nodes(large) > MAX_NODES
    reason = model.refuse(large)
    assert reason is not None and "parts" in reason and str(MAX_NODES) in reason
    # The longest texts the parser accepts stay well inside the limit.
    text = "+".join(f"sigmoid(softplus(x_{i} y))" for i in range(80))[:1990].rsplit("+", 1)[0]
    assert SizeModel().nodes(parse(text)) < MAX_NODES


def test_every_refusal_names_its_column() -> None:
    error = _refused("x + sqrt(3)^(10^8)", "digits")
    assert "(at column" in error


def test_refused_powers_are_not_half_built() -> None:
    # The refusal comes before SymPy forms the power: derive answers at once too.
    started = time.perf_counter()
    with pytest.raises(ParseError, match="digits"):
        derive("x sqrt(3)^(10^8)")
    assert time.perf_counter() - started < 2.0


# -- the suggestions for run-together names -------------------------------------------


def test_sinsin_is_one_sentence_with_a_reading_that_parses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ParseError) as caught:
        parse("sinsin")
    message = str(caught.value)
    assert "sin(sin(x))" in message
    assert parse("sin(sin(x))") == sympy.sin(sympy.sin(x))
    assert _command_error(capsys, "diff", "sinsin").startswith("error: unknown name 'sinsin'")


_WORDS = ["sin", "cos", "ln", "exp", "sqrt", "log", "log2", "max", "root", "x", "y", "2",
          "e", "pi", "theta", "abs"]  # fmt: skip


def test_every_suggested_reading_of_a_run_together_name_parses() -> None:
    checked = 0
    for size in (2, 3):
        for words in itertools.product(_WORDS, repeat=size):
            name = "".join(words)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name) or name in FUNCTION_NAMES:
                continue
            try:
                parse(name)
                continue
            except ParseError as error:
                message = str(error)
            found = re.search(r"did you mean (.*)\? \(at", message) or re.search(
                r"as in (.*) \(at", message
            )
            if found is None or "subscripted variable" in message:
                continue
            for reading in found.group(1).split(" or "):
                checked += 1
                try:
                    parse(reading)
                except ParseError as error:
                    # A reading may be outside the real numbers (ln(cos(pi))); never bad syntax.
                    assert "value" in str(error), (name, reading, str(error))
    assert checked > 1000

