"""st.explain: the chain rule behind one gradient, equal to what backward() computes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

import steepest as st
from steepest.errors import DifferentiationError

X = np.array([0.0, 0.5, 1.0])
OBSERVED = np.array([0.0, 1.0, 0.0])


def lesson_graph(b3_value: float = 0.0):
    b3 = st.Tensor(b3_value, requires_grad=True, name="b3")
    w3 = st.Tensor(-1.22, requires_grad=True, name="w3")
    w1 = st.Tensor(3.34, requires_grad=True, name="w1")
    y1 = np.logaddexp(0, w1 * X - 1.43)
    y1.name = "y1"
    predicted = w3 * y1 - 2.30 * np.logaddexp(0, -3.53 * X + 0.57) + b3
    predicted.name = "predicted"
    ssr = np.sum((OBSERVED - predicted) ** 2)
    ssr.name = "SSR"
    return ssr, {"b3": b3, "w3": w3, "w1": w1}


def test_the_lesson_explanation_of_b3():
    ssr, params = lesson_graph()
    why = st.explain(ssr, wrt=params["b3"], names={"observed": OBSERVED})
    assert why.total_paths == 1
    (path,) = why.paths
    assert [link.symbol for link in path.links] == ["dSSR/dpredicted", "dpredicted/db3"]
    assert path.links[0].formula == "-2 (observed - predicted)"
    assert path.links[1].formula == "1"
    np.testing.assert_allclose(path.links[0].value, [-5.207, -5.218, -5.230], atol=5e-4)
    assert round(why.value, 1) == -15.7
    text = why.text()
    assert "dSSR/db3 = dSSR/dpredicted \u00d7 dpredicted/db3" in text
    assert "sum -2 (observed - predicted) \u00d7 1 = -15.66" in text
    ssr.backward()
    assert why.value == pytest.approx(float(params["b3"].grad), rel=1e-14)
    assert path.contribution == pytest.approx(why.value, rel=1e-14)


def test_factor_values_are_the_local_derivatives():
    ssr, params = lesson_graph()
    why = st.explain(ssr, wrt=params["w1"], names={"observed": OBSERVED, "x": X})
    links = why.paths[0].links
    assert [link.symbol for link in links] == ["dSSR/dpredicted", "dpredicted/dy1", "dy1/dw1"]
    w3, w1 = -1.22, 3.34
    blue_in = w1 * X - 1.43
    prediction = w3 * np.logaddexp(0, blue_in) - 2.30 * np.logaddexp(0, -3.53 * X + 0.57)
    np.testing.assert_allclose(links[0].value, -2 * (OBSERVED - prediction), rtol=1e-12)
    assert links[1].formula == "w3"
    np.testing.assert_allclose(links[1].value, w3)
    assert links[2].formula == "sigmoid(w1 x - 1.43) \u00d7 x"
    np.testing.assert_allclose(links[2].value, X / (1 + np.exp(-blue_in)), rtol=1e-12)
    ssr.backward()
    assert why.value == pytest.approx(float(params["w1"].grad), rel=1e-13)


def test_text_latex_and_html():
    ssr, params = lesson_graph()
    why = st.explain(ssr, wrt=params["w3"], names={"observed": OBSERVED})
    latex = why.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert r"\frac{\partial \mathrm{SSR}}{\partial w_{3}}" in latex
    assert r"\cdot" in latex and "\u00d7" not in latex
    html = why._repr_html_()
    assert html == why.html()
    assert 'alttext="dSSR/dw3"' in html and "<table>" in html
    assert "<msub><mi>w</mi><mn>3</mn></msub>" in html  # typeset: w₃
    assert why._repr_latex_().startswith("$$")
    assert str(why) == why.text()
    assert repr(why).startswith("Explanation(dSSR/dw3 = ")


def test_product_rule_gives_two_paths():
    w = st.Tensor(3.0, requires_grad=True, name="w")
    y = w * w
    why = st.explain(y, wrt=w)
    assert why.total_paths == 2 and len(why.paths) == 2
    assert [p.contribution for p in why.paths] == [3.0, 3.0]
    assert why.value == 6.0
    assert "sum over the 2 paths" in why.text()


def test_arrays_of_parameters_in_a_network():
    net = st.nn.Sequential(st.nn.Linear(2, 3, seed=0), st.nn.Tanh(), st.nn.Linear(3, 1, seed=1))
    rng = np.random.default_rng(0)
    inputs, target = rng.normal(size=(5, 2)), rng.normal(size=5)
    loss = np.mean((net(inputs)[:, 0] - target) ** 2)
    explanations = [st.explain(loss, wrt=p) for p in net.parameters()]
    loss.backward()
    for why, param in zip(explanations, net.parameters(), strict=True):
        np.testing.assert_allclose(why.value, param.grad, rtol=1e-12, atol=1e-15)
        total = sum(np.asarray(path.contribution) for path in why.paths)
        np.testing.assert_allclose(total, param.grad, rtol=1e-12, atol=1e-15)


def test_explaining_leaves_grad_untouched():
    w = st.Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = np.sum(np.sin(w) * w)
    loss.backward()
    before = w.grad.copy()
    st.explain(loss, wrt=w)
    np.testing.assert_array_equal(w.grad, before)
    loss2 = np.sum(w**3)
    st.explain(loss2, wrt=w)
    loss2.backward()
    np.testing.assert_allclose(w.grad, before + 3 * w.data**2)


def test_intermediate_value_as_wrt():
    w = st.Tensor(2.0, requires_grad=True, name="w")
    h = np.exp(w)
    h.name = "h"
    out = h**2 + h
    why = st.explain(out, wrt=h)
    assert why.value == pytest.approx(2 * np.exp(2.0) + 1)


def test_mistakes():
    w = st.Tensor([1.0, 2.0], requires_grad=True, name="w")
    v = st.Tensor(1.0, requires_grad=True, name="v")
    with pytest.raises(DifferentiationError, match="one-number"):
        st.explain(w * 2, wrt=w)
    with pytest.raises(DifferentiationError, match="does not depend on v"):
        st.explain(np.sum(w * 2), wrt=v)
    with pytest.raises(DifferentiationError, match="requires_grad"):
        st.explain(st.Tensor(1.0), wrt=w)
    with pytest.raises(DifferentiationError, match="detail"):
        st.explain(np.sum(w), wrt=w, detail="everything")


UNARY = [
    np.sin,
    np.cos,
    np.tanh,
    np.exp,
    lambda v: np.logaddexp(0, v),
    np.square,
    lambda v: v * 1.5 - 0.25,
    np.sqrt,
]


@given(
    hs.lists(hs.integers(0, len(UNARY) - 1), min_size=1, max_size=5),
    hs.floats(0.1, 1.5),
    hs.booleans(),
)
def test_explain_agrees_with_backward_on_random_compositions(ops, start, twice):
    w = st.Tensor(np.array([start, start + 0.3]), requires_grad=True, name="w")
    value = w
    with np.errstate(over="ignore", invalid="ignore"):
        for index in ops:
            value = UNARY[index](np.abs(value) + 0.01 if index == len(UNARY) - 1 else value)
        out = np.sum(value * w) if twice else np.mean(value)
    assume(np.all(np.isfinite(value.data)) and np.max(np.abs(value.data)) < 1e100)
    why = st.explain(out, wrt=w, detail="all")
    out.backward()
    np.testing.assert_allclose(why.value, w.grad, rtol=1e-12, atol=1e-14)
    total = sum(np.asarray(path.contribution) for path in why.paths)
    np.testing.assert_allclose(total, w.grad, rtol=1e-12, atol=1e-14)
