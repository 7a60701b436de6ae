"""st.trace: the computation graph as a table, as Graphviz DOT, as a picture."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import graph as graph_module
from steepest.errors import DifferentiationError

Y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
DOSAGE = np.array([0.0, 0.5, 1.0])
OBSERVED = np.array([0.0, 1.0, 0.0])

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def mse_graph() -> st.autodiff.Graph:
    return st.trace(lambda theta: np.mean((Y - theta) ** 2), 12.0)


def ssr(w1, b1, w2, b2, w3, w4, b3):
    blue = w3 * np.log(1 + np.exp(w1 * DOSAGE + b1))
    orange = w4 * np.log(1 + np.exp(w2 * DOSAGE + b2))
    return np.sum((OBSERVED - (blue + orange + b3)) ** 2)


LESSON8 = (3.34, -1.43, -3.53, 0.57, -1.22, -2.30, 0.0)


def test_mse_graph_nodes_values_and_gradients():
    g = mse_graph()
    assert [(n.label, n.op, n.kind) for n in g.nodes] == [
        ("theta", "input", "input"),
        ("const", "constant", "constant"),
        ("v1", "subtract", "op"),
        ("v2", "square", "op"),
        ("v3", "mean", "op"),
    ]
    theta, const, v1, v2, v3 = g.nodes
    assert v1.inputs == [const.id, theta.id]
    assert g.output is v3
    assert g.inputs == [theta]
    assert theta.grad == pytest.approx(-5.32, abs=1e-12)
    assert v3.value == pytest.approx(10.918, abs=1e-12)
    assert v3.grad == 1.0
    # d mean / d v2 = 1/n; d mean / d v1 = 2 v1 / n.
    np.testing.assert_allclose(v2.grad, np.full(5, 0.2))
    np.testing.assert_allclose(v1.grad, 2 * (Y - 12.0) / 5)
    np.testing.assert_allclose(const.value, Y)
    assert const.grad is None


def test_mse_table_text():
    lines = mse_graph().table().splitlines()
    assert lines[0].split() == [
        "node",
        "operation",
        "inputs",
        "value",
        "d",
        "out",
        "/",
        "d",
        "node",
    ]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["theta", "input", "12", "-5.32"]
    assert lines[3].split() == ["const", "constant", "[12.1,", "12.8,", "14.9,", "16.3,", "17.2]"]
    assert lines[4].split()[:4] == ["v1", "subtract", "const,", "theta"]
    assert lines[4].endswith("[0.04, 0.32, 1.16, 1.72, 2.08]")
    assert lines[6].split() == ["v3", "mean", "v2", "10.92", "1"]
    assert str(mse_graph()) == mse_graph().table()


def test_lesson8_graph_gradients_agree_with_grad():
    g = st.trace(ssr, *LESSON8)
    names = ["w1", "b1", "w2", "b2", "w3", "w4", "b3"]
    assert [n.label for n in g.inputs] == names
    expected = st.grad(ssr, argnums=tuple(range(7)))(*LESSON8)
    for name, e in zip(names, expected):
        assert g[name].grad == pytest.approx(e, rel=1e-14)
    assert g["b3"].grad == pytest.approx(-15.66, abs=0.005)
    assert g.output.value == pytest.approx(20.4, abs=0.05)
    ops = [n.op for n in g.nodes if n.kind == "op"]
    assert ops.count("exp") == 2 and ops.count("log") == 2
    assert ops[-3:] == ["subtract", "square", "sum"]
    # Every edge points from an earlier node to a later one (creation order).
    assert all(i < n.id for n in g.nodes for i in n.inputs)


def test_unknown_node_name():
    with pytest.raises(KeyError):
        mse_graph()["nothing"]


def test_vector_output_has_values_but_no_gradients():
    g = st.trace(lambda x: np.sin(x) * 2.0, np.array([0.0, 1.0]))
    assert all(n.grad is None for n in g.nodes)
    np.testing.assert_allclose(g.output.value, 2 * np.sin([0.0, 1.0]))


def test_output_independent_of_the_inputs():
    with pytest.raises(DifferentiationError) as info:
        st.trace(lambda x: np.ones(3), 1.0)
    assert str(info.value) == (
        "the function's output does not depend on its inputs, so there is no graph to show"
    )


def test_to_frame_has_one_row_per_node():
    frame = mse_graph().to_frame()
    assert list(frame.columns) == ["node", "op", "value", "grad"]
    assert list(frame["op"]) == ["input", "constant", "subtract", "square", "mean"]


def test_dot_text():
    g = mse_graph()
    dot = g.to_dot()
    assert dot.startswith("digraph steepest {")
    assert dot.rstrip().endswith("}")
    assert "rankdir=LR" in dot
    assert "rankdir=TB" in g.to_dot(rankdir="TB")
    edges = [line.strip() for line in dot.splitlines() if "->" in line]
    assert sorted(edges) == sorted(["n1 -> n2;", "n0 -> n2;", "n2 -> n3;", "n3 -> n4;"])
    assert len(edges) == sum(len(n.inputs) for n in g.nodes)
    assert "<B>theta</B>" in dot
    assert "grad -5.32" in dot
    assert "<B>v3 = mean</B>" in dot
    assert "[12.1, 12.8, 14.9, 16.3, 17.2]" in dot  # the constant data, in grey
    # Gradients in red, inputs in blue.
    assert '<FONT COLOR="#C0392B">grad -5.32</FONT>' in dot
    assert 'COLOR="#0072B2"><TR><TD><B>theta</B>' in dot


def test_dot_escapes_html():
    g = st.trace(lambda x: np.sum(x[np.array([True, False])]), np.array([1.0, 2.0]))
    dot = g.to_dot()
    assert all("<" not in node.label for node in g.nodes)
    assert dot.count("<TABLE") == dot.count("</TABLE>")


@needs_dot
def test_render_svg_and_png(tmp_path):
    g = st.trace(ssr, *LESSON8)
    svg = g.render(tmp_path / "graph.svg")
    text = svg.read_text()
    assert "<svg" in text
    assert ">b3<" in text and "15.66" in text  # Graphviz writes the minus as &#45;
    png = g.render(tmp_path / "graph.png", rankdir="TB")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert g._repr_svg_().lstrip().startswith("<?xml")


@needs_dot
def test_render_refuses_unknown_formats(tmp_path):
    with pytest.raises(DifferentiationError) as info:
        mse_graph().render(tmp_path / "graph.txt")
    assert str(info.value) == "cannot draw the graph as 'txt': use one of svg, png, pdf"


def test_render_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    with pytest.raises(DifferentiationError) as info:
        mse_graph().render(tmp_path / "graph.svg")
    assert "Graphviz's 'dot' program (Debian package graphviz)" in str(info.value)
    assert mse_graph()._repr_svg_() is None
