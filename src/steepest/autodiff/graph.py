"""The computation graph of one call, for reading and for pictures.

``st.trace(f, *args)`` runs ``f`` once, backpropagates, and returns a
:class:`Graph`: every operation with its value and the gradient of the
output with respect to it, as a text table, as Graphviz DOT, and as an
SVG or PNG picture when Graphviz's ``dot`` program is installed.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from steepest.autodiff.core import REVERSE, Trace, backward_sweep, strip
from steepest.autodiff.tensor import Tensor, box
from steepest.errors import DifferentiationError


@dataclass
class GraphNode:
    """One value in the graph: an input, a constant or an operation's result."""

    id: int
    op: str
    label: str
    value: np.ndarray
    grad: np.ndarray | None
    inputs: list[int] = field(default_factory=list)
    kind: str = "op"  # "input", "constant" or "op"


def _number(value: Any, digits: int) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, complex):
        return f"{value:.{digits}g}"
    return f"{float(value) + 0.0:.{digits}g}"  # + 0.0 turns -0.0 into 0.0


def _short(value: Any, digits: int = 4) -> str:
    """A value in a few characters: a number, a short vector, or the shape."""
    array = np.asarray(value)
    if array.size == 1:
        return _number(array.item(), digits)
    if array.ndim == 1 and array.size <= 6:
        return "[" + ", ".join(_number(v, digits) for v in array.tolist()) + "]"
    return f"array{array.shape}"


@dataclass
class Graph:
    """The traced computation of ``f(*args)``: nodes in creation order.

    >>> import numpy as np, steepest as st
    >>> g = st.trace(lambda x, y: x * y + np.sin(x), 2.0, 3.0)
    >>> [node.op for node in g.nodes if node.kind == "op"]
    ['multiply', 'sin', 'add']
    >>> g.output.grad, g["x"].grad
    (1.0, 2.5838531634528574)
    """

    nodes: list[GraphNode]
    output_id: int

    def __getitem__(self, name: str) -> GraphNode:
        for node in self.nodes:
            if node.label == name:
                return node
        raise KeyError(name)

    @property
    def output(self) -> GraphNode:
        """The node of the function's result.

        >>> import steepest as st
        >>> st.trace(lambda x: x * x, 3.0).output.value
        9.0
        """
        return next(n for n in self.nodes if n.id == self.output_id)

    @property
    def inputs(self) -> list[GraphNode]:
        """The nodes of the arguments, named after the function's parameters.

        >>> import steepest as st
        >>> [(n.label, n.grad) for n in st.trace(lambda a, b: a * b, 3.0, 4.0).inputs]
        [('a', 4.0), ('b', 3.0)]
        """
        return [n for n in self.nodes if n.kind == "input"]

    def table(self) -> str:
        """A plain-text table: node, operation, inputs, value, gradient.

        >>> import numpy as np, steepest as st
        >>> print(st.trace(lambda x: np.exp(2 * x), 0.0).table())
        node   operation  inputs    value  d out / d node
        -----  ---------  --------  -----  --------------
        x      input                0      2
        const  constant             2
        v1     multiply   const, x  0      1
        v2     exp        v1        1      1
        """
        names = {n.id: n.label for n in self.nodes}
        rows = [("node", "operation", "inputs", "value", "d out / d node")]
        for n in self.nodes:
            rows.append((n.label, n.op, ", ".join(names[i] for i in n.inputs),
                         _short(n.value), "" if n.grad is None else _short(n.grad)))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                 for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame.

        >>> import steepest as st
        >>> list(st.trace(lambda x: x * x, 3.0).to_frame()["op"])
        ['input', 'multiply']
        """
        import pandas as pd

        return pd.DataFrame(
            {"node": [n.label for n in self.nodes], "op": [n.op for n in self.nodes],
             "value": [n.value for n in self.nodes], "grad": [n.grad for n in self.nodes]})

    def to_dot(self, rankdir: str = "LR") -> str:
        """Graphviz DOT: each node shows its value, and its gradient in red.

        Inputs are blue, constants grey; arrows run from the inputs to the
        output (``rankdir="TB"`` stacks them top to bottom instead).

        >>> import numpy as np, steepest as st
        >>> dot = st.trace(lambda x: np.sin(x), 0.0).to_dot()
        >>> dot.splitlines()[0], "n0 -> n1;" in dot, "grad 1" in dot
        ('digraph steepest {', True, True)
        """
        lines = [
            "digraph steepest {",
            f"  rankdir={rankdir}; nodesep=0.25; ranksep=0.35;",
            '  node [shape=plaintext, margin=0, width=0, height=0, fontname="Helvetica",'
            ' fontsize=11];',
            '  edge [color="#555555", arrowsize=0.7];',
        ]
        for n in self.nodes:
            lines.append(f"  n{n.id} [label=<{_html_label(n)}>];")
        for n in self.nodes:
            for i in n.inputs:
                lines.append(f"  n{i} -> n{n.id};")
        lines.append("}")
        return "\n".join(lines)

    def render(self, path: str | Path, format: str | None = None,
               rankdir: str = "LR") -> Path:
        """Write an SVG, PNG or PDF picture of the graph (needs Graphviz's ``dot``).

        The format follows the file's suffix unless ``format`` is given;
        ``rankdir="TB"`` draws the graph top to bottom.

        >>> import shutil, tempfile, pathlib, steepest as st
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "graph.svg"
        >>> if shutil.which("dot"):
        ...     assert "<svg" in st.trace(lambda x: x * x, 3.0).render(target).read_text()
        """
        path = Path(path)
        format = (format or path.suffix.lstrip(".") or "svg").lower()
        if format not in _FORMATS:
            raise DifferentiationError(
                f"cannot draw the graph as {format!r}: use one of {', '.join(_FORMATS)}")
        dot = shutil.which("dot")
        if dot is None:
            raise DifferentiationError(
                "drawing the graph needs Graphviz's 'dot' program (Debian package graphviz); "
                "to_dot() gives the text without it")
        result = subprocess.run([dot, f"-T{format}", "-o", str(path)],
                                input=self.to_dot(rankdir), text=True, capture_output=True,
                                timeout=60, check=False)
        if result.returncode != 0:
            raise DifferentiationError(
                f"Graphviz could not draw the graph: {result.stderr.strip()}")
        return path

    def _repr_html_(self) -> str:
        from steepest.display import box

        svg = self._repr_svg_()
        if svg is not None:
            start = svg.find("<svg")
            return box("Computation graph", svg[start:] if start >= 0 else svg)
        return box("Computation graph", f"<pre>{_html(self.table())}</pre>")

    def _repr_svg_(self) -> str | None:
        dot = shutil.which("dot")
        if dot is None:
            return None
        result = subprocess.run([dot, "-Tsvg"], input=self.to_dot(), text=True,
                                capture_output=True, timeout=60, check=False)
        return result.stdout if result.returncode == 0 else None


_FORMATS = ("svg", "png", "pdf")
_COLOURS = {"input": "#0072B2", "constant": "#999999", "op": "#333333"}
_GRAD_COLOUR = "#C0392B"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_label(n: GraphNode) -> str:
    """A Graphviz HTML-like label: a small table of title, value and gradient."""
    colour = _COLOURS[n.kind]
    if n.kind == "constant":
        return f'<FONT COLOR="{colour}">{_html(_short(n.value))}</FONT>'
    title = n.label if n.kind == "input" else f"{n.label} = {n.op}"
    rows = [f"<TR><TD><B>{_html(title)}</B></TD></TR>",
            f"<TR><TD>{_html(_short(n.value))}</TD></TR>"]
    if n.grad is not None:
        rows.append(f'<TR><TD><FONT COLOR="{_GRAD_COLOUR}">grad {_html(_short(n.grad))}'
                    "</FONT></TD></TR>")
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
            f'COLOR="{colour}">{"".join(rows)}</TABLE>')


def trace(f: Callable[..., Any], *args: Any) -> Graph:
    """Run ``f(*args)`` once and return its computation graph with gradients.

    Every argument is an input of the graph (named after ``f``'s parameters);
    for a one-number output each node carries d output / d node.

    >>> import numpy as np, steepest as st
    >>> print(st.trace(lambda theta: (14.0 - theta) ** 2, 12.0).table())
    node   operation  inputs        value  d out / d node
    -----  ---------  ------------  -----  --------------
    theta  input                    12     -4
    const  constant                 14
    v1     subtract   const, theta  2      4
    v2     square     v1            4      1
    """
    run_trace = Trace(REVERSE)
    run_trace.inputs_log = {}
    try:
        names = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        names = []
    leaves = []
    for i, a in enumerate(args):
        leaf = box(a, run_trace)
        leaf.name = names[i] if i < len(names) else f"arg{i}"
        leaves.append(leaf)
    try:
        out = f(*leaves)
    finally:
        run_trace.done = True
    if not (isinstance(out, Tensor) and out._trace is run_trace):
        raise DifferentiationError(
            "the function's output does not depend on its inputs, so there is no graph to show")
    adjoints: dict[int, Any] = {}
    if np.size(out._value) == 1:
        for leaf in leaves:
            leaf._g = None
        backward_sweep(out, np.ones(np.shape(out._value)), run_trace.tape or [], adjoints)
        for leaf in leaves:
            adjoints[id(leaf)] = leaf._g if leaf._g is not None else np.zeros(np.shape(leaf._value))
            leaf._g = None

    ids: dict[int, int] = {}
    nodes: list[GraphNode] = []

    def add(node: GraphNode, key: int) -> None:
        ids[key] = node.id
        nodes.append(node)

    def grad_of(key: int) -> Any:
        g = adjoints.get(key)
        return None if g is None else _scalarize(strip(g))

    for leaf in leaves:
        add(GraphNode(len(nodes), "input", leaf.name or "input", _scalarize(strip(leaf._value)),
                      grad_of(id(leaf)), kind="input"), id(leaf))
    for counter, node in enumerate(run_trace.tape or [], start=1):
        raw = run_trace.inputs_log.get(id(node), [])
        parents = {a: p for a, p in zip(node._argnums, node._parents)}
        inputs = []
        for position, value in enumerate(raw):
            if position in parents:
                key = id(parents[position])
                if key in ids:
                    inputs.append(ids[key])
            elif isinstance(value, np.ndarray | float | int | np.generic) and not isinstance(
                    value, bool) and node._prim.name not in ("reshape", "getitem", "broadcast_to"):
                const = GraphNode(len(nodes), "constant", "const", _scalarize(value), None,
                                  kind="constant")
                nodes.append(const)
                inputs.append(const.id)
        add(GraphNode(len(nodes), node._prim.name, f"v{counter}",
                      _scalarize(strip(node._value)), grad_of(id(node)), inputs), id(node))
    return Graph(nodes, ids[id(out)])


def _scalarize(value: Any) -> Any:
    array = np.asarray(value)
    return array.item() if array.size == 1 and array.ndim == 0 else array
