"""st.interact driven from Python: set the widgets' values, read the runs and the pictures.

Every run a panel makes is compared with ``st.minimize`` called directly,
every tangent with ``st.symbolic``, and the pictures are read back (the
path line of the contour and the surface, the loss curve, the plotly
trace) to check that they show what was computed.  Clicks on the plotly
contours go through plotly's own dispatch of a frontend click message.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import steepest as st

pytest.importorskip("ipywidgets", reason="st.interact needs the notebook extra")

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
QUADRATIC = "x^2 - 4x + 4"


def direct(f, x0, *, lr, method="gd", steps, tol=None):
    return st.minimize(f, x0, method=method, lr=lr, max_iter=steps, tol=tol)


def line(fig, gid, axis=0):
    """The line of the picture whose gid is ``gid`` (or starts with it, for ``history:``)."""
    return next(
        ln for ln in fig.axes[axis].lines
        if ln.get_gid() == gid or (gid.endswith(":") and str(ln.get_gid()).startswith(gid))
    )  # fmt: skip


def frontend_click(widget, x, y):
    """The message a browser sends when the contour trace is clicked at (x, y)."""
    widget._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {"xs": [x], "ys": [y], "point_indexes": [[0, 0]], "trace_indexes": [0]},
    }


# -- descent, one variable ---------------------------------------------------------------------


def test_one_variable_panel_follows_every_control():
    panel = st.interact.descent(QUADRATIC, x0=0.0, lr=0.4, steps=5)
    assert panel.path.round(5).tolist() == [0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]
    settings = [
        ("lr", 0.9, dict(x0=0.0, lr=0.9, steps=5)),
        ("method", "momentum", dict(x0=0.0, lr=0.9, steps=5, method="momentum")),
        ("steps", 12, dict(x0=0.0, lr=0.9, steps=12, method="momentum")),
        ("x0:x", -3.0, dict(x0=-3.0, lr=0.9, steps=12, method="momentum")),
    ]
    for name, value, expected in settings:
        panel.widgets[name].value = value
        run = direct(QUADRATIC, expected.pop("x0"), **expected)
        np.testing.assert_array_equal(panel.path, run.history.x)
        np.testing.assert_array_equal(panel.losses, run.history.loss)
        assert panel.result.x == run.x and panel.result.status == run.status
        # The pictures show the same run: the iterates on the curve, the loss per iteration.
        drawn = line(panel.figures["curve"], "path")
        np.testing.assert_allclose(drawn.get_xdata(), run.history.x)
        curve = line(panel.figures["loss"], "history:")
        np.testing.assert_allclose(curve.get_ydata(), run.history.loss)
    assert panel.widgets["frame"].value == len(panel.path) - 1
    panel.widgets["frame"].value = 2
    np.testing.assert_allclose(line(panel.figures["curve"], "path").get_xdata(), panel.path[:3])


def test_log_slider_and_method_names_come_from_steepest():
    panel = st.interact.descent(QUADRATIC, x0=0.0, lr=0.4, steps=5)
    slider = panel.widgets["lr"]
    assert type(slider).__name__ == "FloatLogSlider" and slider.base == 10
    assert slider.min < np.log10(0.01) and slider.max > np.log10(1.1)
    assert set(panel.widgets["method"].options) == set(st.optim.METHODS) - {"grid"}
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_divergence_is_said_in_the_status_line_not_raised():
    panel = st.interact.descent(QUADRATIC, x0=0.0, lr=0.4, steps=10)
    panel.widgets["lr"].value = 1.5
    run = direct(QUADRATIC, 0.0, lr=1.5, steps=10)
    assert run.status == "diverged" and panel.result.status == "diverged"
    assert panel.error is not None and "diverged" in panel.error
    assert "Traceback" not in panel.status.value
    panel.widgets["lr"].value = 0.4
    assert panel.error is None


# -- descent, two variables --------------------------------------------------------------------


def test_sauna_steps_and_a_click_on_the_plotly_contours():
    pytest.importorskip("anywidget", reason="clicking on the contours needs plotly's widgets")
    panel = st.interact.descent(SAUNA, x0=[0.5, 0.6], lr=0.05, steps=2, xlim=(0, 6), ylim=(0, 6))
    np.testing.assert_allclose(
        panel.path, [[0.5, 0.6], [0.50567, 0.604675], [0.511480, 0.609482]], atol=5e-7
    )
    assert panel.contour_widget is not None and "contour" not in panel.figures
    panel.widgets["steps"].value = 40
    panel.widgets["lr"].value = 0.2
    frontend_click(panel.contour_widget, 4.5, 1.0)
    assert [panel.widgets["x0:x"].value, panel.widgets["x0:y"].value] == [4.5, 1.0]
    run = direct(SAUNA, [4.5, 1.0], lr=0.2, steps=40)
    np.testing.assert_array_equal(panel.path, run.history.x)
    trace = panel.contour_widget.data[1]
    np.testing.assert_allclose(np.column_stack([trace.x, trace.y]), run.history.x)
    on_surface = line(panel.figures["surface"], "path")
    np.testing.assert_allclose(on_surface.get_data_3d()[0], run.history.x[:, 0])
    # Descent from the click reaches the coldest point (4, 4), as calculus says.
    np.testing.assert_allclose(panel.result.x, [4.0, 4.0], atol=1e-3)
    # The play slider shows the path one iteration at a time.
    panel.widgets["frame"].value = 3
    assert len(panel.contour_widget.data[1].x) == 4
    # A click outside the contour trace (another trace's points) changes nothing.
    before = panel.path.copy()
    panel.contour_widget._js2py_pointsCallback = {
        "event_type": "plotly_click",
        "points": {"xs": [4.0], "ys": [4.0], "point_indexes": [1], "trace_indexes": [1]},
    }
    np.testing.assert_array_equal(panel.path, before)


def test_without_plotly_the_contours_are_drawn_and_the_start_is_typed():
    panel = st.interact.descent(
        SAUNA, x0=[0.5, 2.5], lr=0.02, method="momentum", steps=30, xlim=(0, 6), ylim=(0, 6),
        clickable=False,
    )  # fmt: skip
    assert panel.contour_widget is None
    run = direct(SAUNA, [0.5, 2.5], lr=0.02, method="momentum", steps=30)
    drawn = line(panel.figures["contour"], "path:descent")
    np.testing.assert_allclose(np.column_stack(drawn.get_data()), run.history.x)
    panel.click(1.0, 5.0)  # the handler a click calls, from code
    run = direct(SAUNA, [1.0, 5.0], lr=0.02, method="momentum", steps=30)
    np.testing.assert_array_equal(panel.path, run.history.x)
    drawn = line(panel.figures["contour"], "path:descent")
    np.testing.assert_allclose(np.column_stack(drawn.get_data()), run.history.x)


def test_numpy_function_of_two_variables():
    def bowl(p):
        return p[0] ** 2 + 3 * p[1] ** 2

    panel = st.interact.descent(bowl, x0=[1.0, 1.0], lr=0.1, steps=10, clickable=False)
    run = direct(bowl, np.array([1.0, 1.0]), lr=0.1, steps=10)
    np.testing.assert_allclose(panel.path, run.history.x)
    np.testing.assert_allclose(panel.path[-1], [0.8**10, 0.4**10])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (dict(x0=[1.0, 2.0, 3.0]), "one or two variables"),
        (dict(x0=0.0, lr=-0.1), "learning rate must be a positive number"),
        (dict(x0=0.0, method="sgd-ish"), "method must be one of"),
        (dict(x0=0.0, steps=0), "steps must be a whole number"),
        (dict(x0="here"), "must be one or two numbers"),
    ],
)
def test_bad_settings_are_one_sentence(kwargs, words):
    with pytest.raises(st.SteepestError, match=words):
        st.interact.descent(QUADRATIC, **kwargs)


def test_importing_steepest_interact_does_not_import_ipywidgets():
    code = (
        "import sys, steepest as st, steepest.interact; "
        "print('ipywidgets' in sys.modules, 'interact' in dir(st))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_without_ipywidgets_one_sentence(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real(name)
    )
    with pytest.raises(st.SteepestError) as caught:
        st.interact.descent(QUADRATIC)
    message = "steepest.interact needs ipywidgets: pip install 'steepest[notebook]'"
    assert str(caught.value) == message


# -- learning rates ----------------------------------------------------------------------------


def test_learning_rates_panel_matches_minimize_and_the_picture():
    panel = st.interact.learning_rates(QUADRATIC, 0.0, [0.1, 0.4, 0.9, 1.1], steps=5)
    assert panel.verdicts == {
        0.1: "creeps",
        0.4: "converges quickly",
        0.9: "overshoots back and forth",
        1.1: "diverges",
    }
    for rate, run in panel.runs.items():
        again = direct(QUADRATIC, 0.0, lr=rate, steps=5)
        np.testing.assert_array_equal(run.history.x, again.history.x)
    titles = [ax.get_title() for ax in panel.figures["rates"].axes if ax.get_visible()]
    assert titles[2] == "$\\alpha = 0.9$: overshoots back and forth"
    panel.widgets["rates"].value = "0.4, fast"
    assert panel.error is not None and "'fast' is not a learning rate" in panel.error
    assert list(panel.runs) == [0.1, 0.4, 0.9, 1.1]  # the last good runs stay
    panel.widgets["x0:x"].value = 5.0
    assert panel.error is not None  # still the bad text
    panel.widgets["rates"].value = "0.25"
    assert panel.error is None
    np.testing.assert_array_equal(
        panel.runs[0.25].history.x, direct(QUADRATIC, 5.0, lr=0.25, steps=5).history.x
    )


# -- tangent -----------------------------------------------------------------------------------


def test_tangent_line_and_secant_follow_the_sliders():
    panel = st.interact.tangent("x^2 sin(x)", at=1.0, h=0.5, xlim=(-3, 3))
    panel.widgets["at"].value = 1.5
    panel.widgets["h"].value = 0.001
    exact = st.symbolic.tangent_line("x^2 sin(x)", at=sp.Rational(3, 2))
    assert panel.line.equation == exact.equation
    a, h = 1.5, panel.widgets["h"].value
    expected = ((a + h) ** 2 * np.sin(a + h) - a**2 * np.sin(a)) / h
    assert panel.secant_slope == pytest.approx(expected, rel=1e-12)
    assert abs(panel.secant_slope - float(exact.slope)) < 0.01
    drawn = line(panel.figures["tangent"], "tangent:1.5")
    xs, ys = drawn.get_data()
    assert (ys[-1] - ys[0]) / (xs[-1] - xs[0]) == pytest.approx(float(exact.slope))
    assert "Tangent: y = " in panel.status.value


def test_tangent_plane_and_refusals():
    panel = st.interact.tangent("x^2 + y^2", at=(2, 4), xlim=(-1, 4), ylim=(-1, 6))
    assert str(panel.line) == "z = 20 + 4(x - 2) + 8(y - 4)"
    panel.widgets["at:x"].value = 1.0
    assert panel.slope == {"x": 2, "y": 8}
    drawn = line(panel.figures["surface"], "tangent:x")
    xs, _, zs = drawn.get_data_3d()
    assert (zs[-1] - zs[0]) / (xs[-1] - xs[0]) == pytest.approx(2.0)
    kink = st.interact.tangent("|x|", at=1.0)
    kink.widgets["at"].value = 0.0
    assert "does not exist at x = 0" in kink.error
    with pytest.raises(st.SteepestError, match="needs an expression"):
        st.interact.tangent(np.sin)
    with pytest.raises(st.SteepestError, match="one or two variables"):
        st.interact.tangent("x + y + z")
