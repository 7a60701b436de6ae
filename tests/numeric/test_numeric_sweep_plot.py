"""error_sweep (the data of the lesson's picture) and the picture itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from steepest.numeric import EPS, ErrorSweep, error_sweep
from steepest.plot import numeric_error
from steepest.plot.style import OKABE_ITO, PALETTE


def test_to_frame_columns_and_values():
    sweep = error_sweep(np.exp, 1.0, exact=math.e, method="central", hs=[1e-1, 1e-3, 1e-5])
    frame = sweep.to_frame()
    assert list(frame.columns) == ["h", "estimate", "error", "truncation", "roundoff"]
    np.testing.assert_allclose(frame["h"], [1e-1, 1e-3, 1e-5])
    expected = [(math.exp(1 + h) - math.exp(1 - h)) / (2 * h) for h in (1e-1, 1e-3, 1e-5)]
    np.testing.assert_allclose(frame["estimate"], expected, rtol=1e-15)
    np.testing.assert_allclose(frame["error"], np.abs(np.array(expected) - math.e), rtol=1e-6)
    # Truncation model e h^2 / 6 matches the error where truncation dominates.
    assert frame["truncation"][0] == pytest.approx(math.e * 1e-2 / 6, rel=1e-9)
    assert frame["error"][0] == pytest.approx(frame["truncation"][0], rel=3e-3)
    assert [row["h"] for row in sweep.rows()] == [1e-1, 1e-3, 1e-5]


def test_reference_is_said():
    assert error_sweep(np.sin, 1.0).reference.startswith("complex step")
    no_complex = error_sweep(lambda t: math.sin(t), 1.0)
    assert no_complex.reference.startswith("Richardson extrapolation")
    assert no_complex.exact == pytest.approx(math.cos(1.0), rel=1e-12)
    assert error_sweep(np.sin, 1.0, exact=math.cos(1.0)).reference == "exact value given"


@pytest.mark.parametrize(("method", "power"), [("forward", 1 / 2), ("central", 1 / 3)])
def test_best_step_is_near_the_eps_rule(method, power):
    sweep = error_sweep(np.exp, 1.0, method=method)
    rule = EPS**power
    assert rule / 30 < sweep.best_h < rule * 30
    assert rule / 30 < sweep.model_best_h < rule * 30
    assert sweep.default_h == pytest.approx(rule)


def test_second_derivative_sweep():
    sweep = error_sweep(np.sin, 1.0, method="central", order=2)
    assert sweep.exact == pytest.approx(-math.sin(1.0), rel=1e-10)
    assert EPS ** (1 / 4) / 30 < sweep.best_h < EPS ** (1 / 4) * 30


def test_steps_outside_the_domain_give_nan_rows():
    sweep = error_sweep(np.log, 0.5, method="central", hs=[1.0, 1e-3])
    assert math.isnan(sweep.estimate[0]) and math.isfinite(sweep.estimate[1])
    assert sweep.best_h == 1e-3


def test_repr_and_table():
    sweep = error_sweep(lambda t: t**2, 3.0, exact=6.0, method="forward", hs=[1e-2, 1e-16])
    assert "ErrorSweep(method='forward', x=3.0" in repr(sweep)
    lines = sweep.table().splitlines()
    assert lines[0].split() == ["h", "estimate", "error", "truncation", "round-off"]
    assert lines[1].split()[:2] == ["0.01", "6.009999999999849"]
    assert lines[2].split()[:3] == ["1e-16", "0", "6"]


def test_numeric_error_figure():
    fig = numeric_error(np.exp, 1.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    labels = [line.get_label() for line in ax.get_lines()]
    assert "forward difference" in labels and "central difference" in labels
    vertical = sorted(
        line.get_xdata()[0] for line in ax.get_lines() if line.get_xdata()[0] == line.get_xdata()[1]
    )
    np.testing.assert_allclose(vertical, [EPS**0.5, EPS ** (1 / 3)])
    texts = " ".join(t.get_text() for t in ax.texts)
    assert r"\sqrt{\varepsilon}" in texts and r"\sqrt[3]{\varepsilon}" in texts
    forward = next(line for line in ax.get_lines() if line.get_label() == "forward difference")
    assert forward.get_color().upper() == PALETTE[0].upper()


def test_numeric_error_from_sweeps_strings_and_axes(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    sweeps = [error_sweep(np.sin, 2.0, method=m) for m in ("forward", "backward")]
    fig = numeric_error(sweeps, title="two sweeps")
    assert fig.axes[0].get_title() == "two sweeps"
    assert isinstance(numeric_error(sweeps[0]), Figure)
    text_fig = numeric_error("x^2", 3.0, methods=["forward"])
    scale_marks = [t.get_text() for t in text_fig.axes[0].texts if "varepsilon" in t.get_text()]
    assert all("|x|" in mark for mark in scale_marks)  # x = 3: steps scale with |x|
    own = Figure()
    FigureCanvasAgg(own)
    ax = own.add_subplot()
    assert numeric_error(np.exp, 0.5, methods=["central"], ax=ax) is own
    path = tmp_path / "error.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_palette_is_okabe_ito():
    assert len(PALETTE) == 8 and set(PALETTE) == set(OKABE_ITO.values())


def test_sweep_is_a_dataclass_with_arrays():
    sweep = error_sweep(np.cos, 0.3)
    assert isinstance(sweep, ErrorSweep)
    assert sweep.h.shape == sweep.estimate.shape == sweep.error.shape == (65,)
    assert sweep.h[0] == 1.0 and sweep.h[-1] == pytest.approx(1e-16)
