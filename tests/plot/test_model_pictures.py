"""Regression residuals, the backpropagation network, animations, style and saving."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st_h
from PIL import Image

import steepest as st
from steepest.errors import DataError, SteepestError
from steepest.plot._base import Drawable


def test_regression_line_is_least_squares_and_every_residual_is_drawn():
    ads = st.datasets.load("advertising")
    fig = st.plot.regression("TV", "sales", data=ads)
    ax = fig.axes[0]
    (line,) = [l for l in ax.lines if l.get_gid() == "line"]
    xs, ys = line.get_data()
    slope, intercept = np.polyfit(ads["TV"], ads["sales"], 1)
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(slope, rel=1e-10)
    assert ys[0] - slope * xs[0] == pytest.approx(intercept, rel=1e-10)
    residuals = [l for l in ax.lines if (l.get_gid() or "").startswith("residual:")]
    assert len(residuals) == len(ads)
    for segment, x, y in zip(residuals, ads["TV"], ads["sales"]):
        (x0, x1), (y0, y1) = segment.get_data()
        assert x0 == x1 == x
        assert y0 == y and y1 == pytest.approx(slope * x + intercept)


def test_regression_with_a_model_and_a_given_line():
    lines = st.datasets.load("powerlines")
    model = st.models.LinearRegression().fit(lines[["x"]], lines["y"])
    by_model = st.plot.regression(lines["x"], lines["y"], model=model)
    by_line = st.plot.regression([1, 2, 3], [2, 5, 3], line=(0.5, 7 / 3))
    for fig in (by_model, by_line):
        (line,) = [l for l in fig.axes[0].lines if l.get_gid() == "line"]
        np.testing.assert_allclose(line.get_ydata(), [0.5 * 1 + 7 / 3, 0.5 * 3 + 7 / 3])
    assert "SSR = 4.16667" in by_line.axes[0].get_title()
    with pytest.raises(DataError, match="column"):
        st.plot.regression("nope", "y", data=lines)


def torch_lesson_gradients():
    """The lesson's network and its SSR gradients, independently in PyTorch."""
    x = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    observed = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    names = ["w1", "w2", "b1", "b2", "w3", "w4", "b3"]
    values = [3.34, -3.53, -1.43, 0.57, -1.22, -2.30, 0.0]
    p = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in zip(names, values)}
    softplus = torch.nn.functional.softplus
    blue = p["w3"] * softplus(p["w1"] * x + p["b1"])
    orange = p["w4"] * softplus(p["w2"] * x + p["b2"])
    ssr = torch.sum((observed - (blue + orange + p["b3"])) ** 2)
    ssr.backward()
    return float(ssr.detach()), {n: float(t.grad) for n, t in p.items()}


def test_network_gradients_match_pytorch():
    ssr, grads = torch_lesson_gradients()
    numbers = st.plot.forward_backward(st.plot.lesson_network(), (0, 0.5, 1), (0, 1, 0))
    assert numbers.ssr == pytest.approx(ssr, rel=1e-12)
    mine = {
        "w1": numbers.grads["hidden_weight"][0],
        "w2": numbers.grads["hidden_weight"][1],
        "b1": numbers.grads["hidden_bias"][0],
        "b2": numbers.grads["hidden_bias"][1],
        "w3": numbers.grads["output_weight"][0],
        "w4": numbers.grads["output_weight"][1],
        "b3": numbers.grads["output_bias"],
    }
    for name, value in grads.items():
        assert mine[name] == pytest.approx(value, rel=1e-10)
    # The numbers written on the picture are those gradients, to three digits.
    fig = st.plot.network()
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    for name, value in grads.items():
        text = labels[f"param:{name}"]
        written = float(re.search(r"= (-?[\d.e+-]+)\$$", text).group(1))
        assert written == pytest.approx(value, rel=5e-3)
    assert "SSR = 20.42" in labels["values:output"]


def test_network_refuses_other_shapes():
    net = st.nn.Sequential(st.nn.Linear(2, 2), st.nn.Softplus(), st.nn.Linear(2, 1))
    with pytest.raises(SteepestError, match="Linear"):
        st.plot.network(net)


# -- animation ------------------------------------------------------------------------------------


def test_gif_has_one_frame_per_iterate(tmp_path):
    run = st.minimize("x^2 + 3 y^2", [2.0, 1.0], lr=0.1, max_iter=7, tol=None)
    path = st.plot.animate(run, "x^2 + 3 y^2", tmp_path / "run.gif", dpi=40)
    with Image.open(path) as image:
        assert image.n_frames == len(run.history) == 8


def test_gif_frame_count_is_bounded(tmp_path):
    run = st.minimize("x^2 - 4x + 4", 0.0, lr=0.01, max_iter=200, tol=None)
    path = st.plot.animate(run, "x^2 - 4x + 4", tmp_path / "long.gif", max_frames=9, dpi=40)
    with Image.open(path) as image:
        assert image.n_frames == 9


@given(st_h.integers(1, 5000), st_h.integers(2, 120))
def test_frame_indices(count, max_frames):
    chosen = st.plot.frame_indices(count, max_frames)
    assert len(chosen) == min(count, max_frames)
    assert chosen[0] == 0 and chosen[-1] == count - 1
    assert np.all(np.diff(chosen) > 0)


def test_animate_refuses_other_formats(tmp_path):
    run = st.minimize("x^2", 1.0, max_iter=3)
    with pytest.raises(SteepestError, match="GIF"):
        st.plot.animate(run, "x^2", tmp_path / "run.png")


# -- style, saving, functions as input -------------------------------------------------------------

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF", "gif": b"GIF8"}


@pytest.mark.parametrize("extension", sorted(MAGIC))
def test_save_writes_each_format(tmp_path, extension):
    fig = st.plot.function("x^2", at=1)
    target = st.plot.save(fig, tmp_path / f"picture.{extension}")
    assert target.read_bytes().startswith(MAGIC[extension])


def test_save_refuses_unknown_formats_and_missing_folders(tmp_path):
    fig = st.plot.function("x^2")
    with pytest.raises(SteepestError, match="format"):
        st.plot.save(fig, tmp_path / "picture.bmp")
    with pytest.raises(SteepestError, match="cannot write"):
        st.plot.save(fig, tmp_path / "missing" / "picture.png")


def test_style_is_colorblind_safe_and_local():
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    fig = st.plot.function("x^2", at=[1, 2])
    assert dict(mpl.rcParams) == before  # nothing global changed
    colors = {line.get_color().upper() for line in fig.axes[0].lines}
    assert colors <= {c.upper() for c in st.plot.OKABE_ITO.values()}


def test_math_text_falls_back_when_mathtext_cannot_typeset():
    from steepest.plot.style import math_text

    assert math_text(r"\frac{1}{x}") == r"$\frac{1}{x}$"
    assert math_text(r"\begin{cases} x \end{cases}", fallback="cases") == "cases"


def test_drawable_evaluates_numpy_code_point_by_point_when_it_must():
    data = np.array([1.0, 2.0, 3.0])

    def mean_square(p):  # reduces over the data: cannot take a whole mesh at once
        return np.mean((data - p[0]) ** 2) + p[1] ** 2

    drawable = Drawable(mean_square, 2)
    xs, ys = np.meshgrid(np.linspace(0, 3, 4), np.linspace(-1, 1, 3))
    expected = ((data[:, None, None] - xs) ** 2).mean(axis=0) + ys**2
    np.testing.assert_allclose(drawable.values(xs, ys), expected)
    np.testing.assert_allclose(drawable.gradient([1.0, 0.5]), [-2 * np.mean(data - 1.0), 1.0])


def test_python_functions_can_name_their_coordinates():
    fig = st.plot.contour(
        lambda p: (p[0] - 1) ** 2 + p[1] ** 2, variables=("m", "b"), resolution=30
    )
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$m$", "$b$")
    assert ax.get_title() == "$f(m, b)$"
    with pytest.raises(SteepestError, match="2 variable names"):
        st.plot.contour(lambda p: p[0], variables=("m",))


def test_the_regression_function_and_the_fitted_model_pictures_have_separate_homes():
    import importlib

    assert callable(st.plot.regression) and not isinstance(st.plot.regression, type(st))
    fitted = importlib.import_module("steepest.plot.fitted")
    assert st.plot.regression_fit is fitted.regression_fit
    from steepest.plot.regression import regression_fit  # the old path, kept for one release

    assert regression_fit is fitted.regression_fit
