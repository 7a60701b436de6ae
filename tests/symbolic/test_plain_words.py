"""No SymPy internals in front of a user: every output is scanned for their names."""

from __future__ import annotations

import json

import pytest

import steepest as st
from steepest.cli.main import main
from steepest.symbolic.printing import INTERNAL_NAMES, shows_internals
from steepest.web import compute

# Expressions whose results SymPy writes with zoo, oo, AccumBounds, ImageSet, CRootOf,
# DiracDelta, Heaviside or Piecewise.
TROUBLE = ["1/x", "sin(x)", "sin(x) cos(y)", "x^6/6 - x^2/2 + x", "|x|", "sign(x)",
           "relu(x)", "floor(x)", "max(x, y)", "e^x", "tan(x)", "x|x|"]  # fmt: skip

COMMANDS = [
    ["diff", "{e}"],
    ["diff", "{e}", "--steps"],
    ["diff", "{e}", "--json"],
    ["grad", "{e}", "--at", "0,0"],
    ["grad", "{e}", "--json"],
    ["limit", "{e}", "--at", "0", "--var", "x"],
    ["limit", "{e}", "--at", "inf", "--var", "x", "--json"],
    ["critical", "{e}"],
    ["critical", "{e}", "--json"],
    ["tangent", "{e}", "--at", "0,0"],
]


def plain(text: str) -> None:
    assert not shows_internals(text), f"{shows_internals(text)} in: {text}"


@pytest.mark.parametrize("expression", TROUBLE)
def test_command_line_output_and_errors_are_in_plain_words(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in COMMANDS:
        args = [part.format(e=expression) for part in command]
        if args[0] == "grad" and "y" not in expression:
            args = [a if a != "0,0" else "0" for a in args]
        if args[0] == "tangent":
            args[-1] = "1,1" if "y" in expression else "1"
        try:
            main(args)
        except SystemExit as stop:
            assert stop.code == 2, args  # a user's mistake, said in one line
        captured = capsys.readouterr()
        assert len(captured.err.strip().splitlines()) <= 1, (args, captured.err)
        plain(captured.out + captured.err)


@pytest.mark.parametrize("expression", TROUBLE)
def test_results_and_web_answers_are_in_plain_words(expression: str) -> None:
    outputs: list[str] = []
    variables = st.Function(expression).variables
    for wrt in variables:
        derivation = st.symbolic.derive(expression, wrt=wrt)
        outputs += [str(derivation), repr(derivation), derivation.text(), derivation.to_json()]
        outputs.append(json.dumps(compute.derive_task({"expression": expression, "wrt": wrt})))
    outputs.append(json.dumps(compute.inspect_task({"function": expression})))
    if len(variables) == 1:
        for at in (0, "inf"):
            result = st.symbolic.limit(expression, at=at)
            outputs += [str(result), repr(result), result.message(), json.dumps(result.to_dict())]
        outputs.append(repr(st.symbolic.continuity(expression, 0)))
    for text in outputs:
        plain(text)


def test_the_scan_knows_every_internal_name() -> None:
    assert set(INTERNAL_NAMES) >= {"ImageSet", "Lambda", "CRootOf", "AccumBounds", "zoo",
                                   "DiracDelta", "oo", "nan", "Piecewise"}  # fmt: skip
    assert shows_internals("x in ImageSet(Lambda(_n, pi*_n), Integers)") == ["ImageSet", "Lambda"]
