"""Every example notebook runs top to bottom on a real kernel and shows the lesson's numbers.

Each notebook of ``examples/`` is executed with nbclient on a fresh IPython
kernel of this Python (``sys.executable``), exactly as ``python
examples/render.py`` does to render the documentation.  A cell that raises,
a traceback, a warning or anything printed on stderr fails the test; the
numbers each lesson teaches must appear in what the notebook printed.  The
notebooks are committed without outputs.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

for needed in ("nbclient", "nbformat", "ipykernel", "ipywidgets"):
    pytest.importorskip(needed, reason="the example notebooks need the notebook extra")

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("render_examples", ROOT / "examples" / "render.py")
assert SPEC is not None and SPEC.loader is not None
render = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(render)

# What each lesson must show (from the lesson's worked examples).
EXPECTED = {
    "01-limits": [
        "as x -> 3 is 6",
        "the one-sided limits differ (-inf from the left, inf from the right)",
        "oscillates between -1 and 1",
        "a removable discontinuity",
        "a jump discontinuity",
    ],
    "02-derivatives": [
        "x^2: limit  2*x   rules 2*x",
        "h = 0.5    secant slope 6.500000   tangent slope 6",
        "h = 0.005  secant slope 6.005000",
        "h = 1e-16  (f(3+h) - f(3))/h = 0.0",
    ],
    "03-numerical-differentiation": [
        "2.220446049250313e-16 True True",
        "forward, h = sqrt(eps): 6.0\n",
    ],
    "04-differentiation-rules": [
        "product rule",
        "x^2/(x+1) -> x*(x + 2)/(x + 1)^2",
        "2^x -> 2^x*ln(2)",
        "sin(3x) -> 3*cos(3*x)",
    ],
    "05-partial-derivatives": [
        "∂/∂x [3*x^2*y^3] = 6*x*y^3",
        "∂/∂y [3*x^2*y^3] = 9*x^2*y^2",
        "at (2, 3): (4, 6)",
        "z = 20 + 4(x - 2) + 8(y - 4)",
        "-46*sin(4*t) - 72*cos(4*t)",
    ],
    "06-gradient-and-jacobian": [
        "(2, 6*y, -cos(z))",
        "symbolic:  (2, 12, -1)",
        "[[2*x*y, x^2], [5, cos(y)]]",
    ],
    "07-gradient-descent": [
        "[0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]",
        "ascent on -f: [0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]",
        "{0.1: 'creeps', 0.4: 'converges quickly', 0.9: 'overshoots back and forth', "
        "1.1: 'diverges'}",
        "slopes: [-18.9487, -5.753]\nx: [0.144744, 0.173509]",
        "x = 0.5671432904",
    ],
    "08-descent-in-two-variables": [
        "{'x': 4, 'y': 4} minimum 73.6222",
        "[[-0.1134, -0.0935], [-0.116191, -0.096146]]",
        "[[0.5, 0.6], [0.50567, 0.604675], [0.51148, 0.609482]]",
        "x = [4. 4.], T = 73.6222",
    ],
    "09-linear-regression": [
        "{'b': 7/3, 'm': 1/2} 4.1666",
        "m = 0.500000, b = 2.333333",
        "gd: b = 7.0326, m = 0.047537",
    ],
    "10-loss-functions": [
        "MSE: 14.6",
        "Huber: 15.0",
        "-5.32 17.32 13.596",
        "14.658511131035242 18",
    ],
    "11-convexity": ["first step: -9.945", "settles at -14.508046", "18.3954"],
    "12-stochastic-gradient-descent": ["full batch: theta = 16.080", "mean: 16.0803"],
    "13-backpropagation": [
        "predicted: [-2.6  -1.61 -2.61]  SSR: 20.4",
        "dSSR/db3 by backpropagation: -15.7",
        "b3: [0.0, 1.57, 2.19] ... 2.61",
    ],
}

NOTEBOOKS = render.notebooks()


def test_one_notebook_per_lesson_committed_without_outputs():
    from steepest.tour import SECTION_TITLES

    assert [p.stem for p in NOTEBOOKS] == list(EXPECTED)
    assert len(NOTEBOOKS) == len(SECTION_TITLES) == 13
    for number, path in enumerate(NOTEBOOKS, start=1):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert cells[0]["cell_type"] == "markdown"
        assert "".join(cells[0]["source"]).startswith(f"# {number}. "), path.name
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_problems_are_found_in_outputs():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    clean = new_code_cell("1 + 1", outputs=[new_output("execute_result", {"text/plain": "2"})])
    raised = new_code_cell("1/0", outputs=[new_output("error", ename="ZeroDivisionError",
                                                       evalue="division by zero", traceback=[])])
    warned = new_code_cell("w()", outputs=[new_output("stream", name="stderr",
                                                       text="UserWarning: careful")])
    printed = new_code_cell("p()", outputs=[new_output("stream", name="stdout",
                                                        text="Traceback (most recent call last)")])
    nb = new_notebook(cells=[clean, raised, warned, printed])
    nbformat.validate(nb)
    found = render.problems(nb)
    assert [line.split(":")[0] for line in found] == ["cell 1", "cell 2", "cell 3"]
    assert render.problems(new_notebook(cells=[clean])) == []


@pytest.fixture(scope="module")
def specs():
    with render.kernel_specs() as manager:
        yield manager


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_clean_and_shows_the_lesson(path, specs):
    nb = render.execute(path, specs, timeout=180)
    assert render.problems(nb) == []
    shown = render.printed(nb)
    missing = [text for text in EXPECTED[path.stem] if text not in shown]
    assert missing == [], shown
    pictures = sum(
        "image/png" in output.get("data", {})
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )
    assert pictures >= 1
