"""The chain rule behind one gradient, told step by step.

``explain(output, wrt=p)`` looks at the recorded computation of ``output``
(a one-number tensor computed from tensors with ``requires_grad=True``) and
tells how backpropagation arrives at d output / d p: every path from the
output back to ``p``, the factors along each path (the local derivatives
multiplied by the chain rule) with their values, the contribution of each
path, and their sum, which is exactly what ``output.backward()`` puts in
``p.grad``.

Intermediate values are shown by name when they have one (``t.name =
"predicted"``); the others are folded into the factor between the named
values around them.  Constants the computation used are not recorded by the
engine; ``names={"observed": y}`` lets a formula call a constant by its
name (it is recognized by its value).

>>> import numpy as np, steepest as st
>>> x = np.array([0.0, 0.5, 1.0])
>>> observed = np.array([0.0, 1.0, 0.0])
>>> b3 = st.Tensor(0.0, requires_grad=True, name="b3")
>>> blue = -1.22 * np.logaddexp(0, 3.34 * x - 1.43)
>>> orange = -2.30 * np.logaddexp(0, -3.53 * x + 0.57)
>>> predicted = blue + orange + b3
>>> predicted.name = "predicted"
>>> ssr = np.sum((observed - predicted) ** 2)
>>> ssr.name = "SSR"
>>> why = st.explain(ssr, wrt=b3, names={"observed": observed})
>>> print(why.text())
dSSR/db3 by the chain rule, along 1 path from SSR back to b3:
<BLANKLINE>
  dSSR/db3 = dSSR/dpredicted × dpredicted/db3
<BLANKLINE>
    dSSR/dpredicted = -2 (observed - predicted) = [-5.207, -5.218, -5.23]
    dpredicted/db3 = 1
<BLANKLINE>
  dSSR/db3 = sum -2 (observed - predicted) × 1 = -15.66
>>> ssr.backward()
>>> bool(np.isclose(why.value, b3.grad))
True
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steepest.autodiff.core import MINUS_ONE, ONE, backward_sweep, topological_order
from steepest.autodiff.core import unbroadcast as _unbroadcast
from steepest.autodiff.tensor import Tensor
from steepest.errors import DifferentiationError

# Operations that only move, select or relabel elements: their local derivative is 1 for
# every element that passes through.
STRUCTURAL = {
    "reshape",
    "transpose",
    "broadcast_to",
    "getitem",
    "copy",
    "astype",
    "flip",
    "squeeze",
    "expand_dims",
    "swapaxes",
    "moveaxis",
    "ravel",
    "positive",
}
MAX_PATHS = 50
TIMES = " \u00d7 "  # the multiplication sign: "x" is too often a variable


# -- formulas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """A local derivative as ``coefficient x text`` (``text`` empty for a plain number)."""

    coefficient: float = 1.0
    text: str = ""

    def times(self, other: Factor) -> Factor:
        texts = [t for t in (self.text, other.text) if t]
        return Factor(self.coefficient * other.coefficient, TIMES.join(texts))

    def render(self) -> str:
        c = self.coefficient
        if not self.text:
            return _number(c)
        if c == 1:
            return self.text
        if c == -1:
            return f"-{self.text}"
        return f"{_number(c)} {self.text}"


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def _wrap(text: str) -> str:
    """Parenthesize a compound expression used as an operand."""
    if (
        not text
        or text.isidentifier()
        or _is_number(text)
        or (text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]))
    ):
        return text
    if (
        text.endswith(")")
        and "(" in text
        and text[: text.index("(")].isidentifier()
        and _balanced(text[text.index("(") + 1 : -1])
    ):
        return text  # a function call such as exp(v)
    return f"({text})"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- the graph around one gradient ------------------------------------------------------------


@dataclass
class Link:
    """One factor of a chain: d upper / d lower, its formula and its value."""

    upper: str
    lower: str
    formula: str
    value: np.ndarray

    @property
    def symbol(self) -> str:
        return f"d{self.upper}/d{self.lower}"


@dataclass
class Path:
    """One way from the output back to the parameter, and what it contributes."""

    links: list[Link]
    contribution: np.ndarray
    summed: bool  # the product has more elements than the parameter: they are added up


@dataclass
class Explanation:
    """The chain rule behind d output / d wrt: paths, factors, values and the result.

    ``value`` is the gradient (a float for a one-number parameter), equal to
    what ``output.backward()`` gives; ``paths`` hold the factors; ``text()``,
    ``latex()`` and ``html()`` tell it.
    """

    output: str
    wrt: str
    paths: list[Path]
    value: Any
    total_paths: int
    notes: list[str] = field(default_factory=list)

    # -- text ---------------------------------------------------------------------------------
    def text(self, digits: int = 4) -> str:
        """The explanation as plain text."""
        d = f"d{self.output}/d{self.wrt}"
        count = self.total_paths
        lines = [
            f"{d} by the chain rule, along {count} path{'s' if count != 1 else ''} "
            f"from {self.output} back to {self.wrt}:",
            "",
        ]
        for number, path in enumerate(self.paths, start=1):
            indent = "  "
            if count > 1:
                lines.append(f"  path {number}:")
                indent = "    "
            lines.append(f"{indent}{d} = " + TIMES.join(link.symbol for link in path.links))
            lines.append("")
            for link in path.links:
                lines.append(f"{indent}  {link.symbol} = {_formula_and_value(link, digits)}")
            lines.append("")
            product = _product(path.links, TIMES)
            prefix = "sum " if path.summed else ""
            label = d if count == 1 else "contribution"
            lines.append(
                f"{indent}{label} = {prefix}{product} = {_show(path.contribution, digits)}"
            )
            if count > 1:
                lines.append("")
        if count > 1:
            shown = "" if len(self.paths) == count else f" ({len(self.paths)} shown)"
            lines.append(f"  {d} = sum over the {count} paths{shown} = {_show(self.value, digits)}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines).rstrip()

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Explanation(d{self.output}/d{self.wrt} = {_show(self.value, 6)})"

    # -- LaTeX --------------------------------------------------------------------------------
    def latex(self, digits: int = 4) -> str:
        """The explanation as LaTeX (an ``aligned`` block, one line per equation)."""
        d = _latex_partial(self.output, self.wrt)
        rows = []
        for path in self.paths:
            chain = r" \cdot ".join(_latex_partial(link.upper, link.lower) for link in path.links)
            rows.append(f"{d} &= {chain}")
            for link in path.links:
                value = _latex_value(link.value, digits)
                formula = _latex_formula(link.formula)
                rows.append(
                    f"{_latex_partial(link.upper, link.lower)} &= "
                    + (formula if _is_number(link.formula) else f"{formula} = {value}")
                )
            product = _latex_formula(_product(path.links, TIMES))
            total = r"\sum " if path.summed else ""
            rows.append(
                f"{d} &= {total}{product} = {_latex_value(path.contribution, digits)}"
                if self.total_paths == 1
                else rf"\text{{path}} &= {total}{product} = "
                f"{_latex_value(path.contribution, digits)}"
            )
        if self.total_paths > 1:
            rows.append(rf"{d} &= \sum_{{\text{{paths}}}} = {_latex_value(self.value, digits)}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    # -- HTML ---------------------------------------------------------------------------------
    def html(self, digits: int = 4) -> str:
        """The explanation as an HTML fragment with typeset formulas (what Jupyter shows).

        >>> import steepest as st
        >>> w = st.Tensor(3.0, requires_grad=True, name="w")
        >>> y = w * w
        >>> y.name = "y"
        >>> page = st.explain(y, wrt=w).html()
        >>> page.count("<math") > 4, 'alttext="dy/dw"' in page
        (True, True)
        """
        from steepest.typeset import formula_or_none, identifier, math_element

        e = html.escape

        def partial(upper: str, lower: str) -> str:
            content = (
                f"<mfrac><mrow><mo>&#x2202;</mo>{identifier(upper)}</mrow>"
                f"<mrow><mo>&#x2202;</mo>{identifier(lower)}</mrow></mfrac>"
            )
            return math_element(content, f"d{upper}/d{lower}")

        def formula(text: str) -> str:
            content = formula_or_none(text, names=None)  # every name is a value of the graph
            return math_element(content, text) if content else e(text)

        d = partial(self.output, self.wrt)
        parts = [
            f'<div class="steepest-explain"><p><b>{d}</b> by the chain rule, along '
            f"{self.total_paths} path{'s' if self.total_paths != 1 else ''}</p>"
        ]
        for number, path in enumerate(self.paths, start=1):
            if self.total_paths > 1:
                parts.append(f"<p>path {number}</p>")
            chain = " &middot; ".join(partial(link.upper, link.lower) for link in path.links)
            parts.append(f"<p>{d} = {chain}</p>")
            parts.append("<table><tr><th>factor</th><th>formula</th><th>value</th></tr>")
            for link in path.links:
                parts.append(
                    f"<tr><td>{partial(link.upper, link.lower)}</td>"
                    f"<td>{formula(link.formula)}</td><td>{e(_show(link.value, digits))}</td>"
                    "</tr>"
                )
            parts.append("</table>")
            product = " &middot; ".join(formula(f) for f in _product(path.links, "\n").split("\n"))
            prefix = "&sum; " if path.summed else ""
            parts.append(f"<p>{prefix}{product} = <b>{e(_show(path.contribution, digits))}</b></p>")
        if self.total_paths > 1:
            parts.append(f"<p>{d} = sum over the paths = <b>{e(_show(self.value, digits))}</b></p>")
        parts.extend(f"<p><i>{e(note)}</i></p>" for note in self.notes)
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def _product(links: list[Link], sign: str) -> str:
    """The formulas of a chain joined by ``sign``; negative factors after the first in brackets."""
    texts = [
        link.formula if i == 0 or not link.formula.startswith("-") else f"({link.formula})"
        for i, link in enumerate(links)
    ]
    return sign.join(texts)


def _formula_and_value(link: Link, digits: int) -> str:
    shown = _show(link.value, digits)
    if link.formula == shown or _is_number(link.formula):
        return link.formula
    return f"{link.formula} = {shown}"


def _show(value: Any, digits: int = 4) -> str:
    array = np.asarray(value, dtype=float)
    if array.size == 0:
        return "[]"
    flat = array.reshape(-1)
    if np.all(flat == flat[0]) and array.size > 1:
        return _fmt(flat[0], digits)
    if array.size == 1:
        return _fmt(flat[0], digits)
    if array.size <= 8:
        return "[" + ", ".join(_fmt(v, digits) for v in flat) + "]"
    return f"array of shape {array.shape}"


def _fmt(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def _latex_name(name: str) -> str:
    """``b3`` -> ``b_{3}``, ``SSR`` -> ``\\mathrm{SSR}``."""
    stem = name.rstrip("0123456789")
    digits = name[len(stem) :]
    if len(stem) == 1:
        body = stem
    else:
        body = "\\mathrm{" + stem.replace("_", "\\_") + "}"
    return body + ("_{" + digits + "}" if digits and stem else digits)


def _latex_partial(upper: str, lower: str) -> str:
    return rf"\frac{{\partial {_latex_name(upper)}}}{{\partial {_latex_name(lower)}}}"


def _latex_formula(formula: str) -> str:
    return formula.replace(TIMES, r" \cdot ")


def _latex_value(value: Any, digits: int) -> str:
    return _show(value, digits).replace("[", r"\left[").replace("]", r"\right]")


# -- building the explanation -----------------------------------------------------------------


class _Graph:
    """The recorded computation of ``output``, seen from the parameter."""

    def __init__(self, output: Tensor, wrt: Tensor, names: dict[str, Any]) -> None:
        self.output = output
        self.wrt = wrt
        self.order = topological_order(output)
        self.named_constants = {
            k: np.asarray(v.data if isinstance(v, Tensor) else v, dtype=float)
            for k, v in names.items()
            if not isinstance(v, Tensor) or v._trace is None
        }
        self.named_tensors = {
            id(v): k for k, v in names.items() if isinstance(v, Tensor) and v._trace is not None
        }
        self.labels: dict[int, str] = {id(output): "output"}
        self.counter = 0
        reaches: set[int] = {id(wrt)}
        for node in self.order:
            if any(id(p) in reaches for p in node._parents):
                reaches.add(id(node))
        self.reaches = reaches
        self.expressions: dict[int, str] = {}

    # -- names and expressions ----------------------------------------------------------------
    def name(self, node: Tensor) -> str | None:
        if id(node) in self.named_tensors:
            return self.named_tensors[id(node)]
        return node.name

    def label(self, node: Tensor) -> str:
        """The node's name, or v1, v2... for unnamed operations."""
        name = self.name(node)
        if name:
            return name
        if id(node) not in self.labels:
            if node._prim is None:
                self.labels[id(node)] = "x" if node is self.wrt else f"input{len(self.labels)}"
            else:
                self.counter += 1
                self.labels[id(node)] = f"v{self.counter}"
        return self.labels[id(node)]

    def expression(self, node: Tensor) -> str:
        """How the node's value is computed, in terms of named values (for formulas)."""
        key = id(node)
        if key in self.expressions:
            return self.expressions[key]
        name = self.name(node)
        if name or node._prim is None:
            text = name or self.label(node)
        else:
            text = self._op_expression(node)
            if len(text) > 60:
                text = self.label(node)
        self.expressions[key] = text
        return text

    def operands(self, node: Tensor) -> list[str]:
        """Expressions of every argument of an operation, recorded or constant."""
        prim = node._prim
        parents = dict(zip(node._argnums, node._parents, strict=True))
        if prim.partials is None:
            args, _ = node._saved
            count = len(args)
        else:
            count = len(prim.partials)
            args = None
        texts = []
        for i in range(count):
            if i in parents:
                texts.append(self.expression(parents[i]))
            elif args is not None:
                texts.append(
                    self._constant_text(
                        np.asarray(args[i]) if not isinstance(args[i], tuple | slice) else None
                    )
                )
            else:
                texts.append(self._constant_text(self._reconstruct(node, i, parents)))
        return texts

    def _reconstruct(self, node: Tensor, i: int, parents: dict[int, Tensor]) -> Any:
        """The value of an operand the engine did not keep, from the result and the other."""
        name = node._prim.name
        ans = np.asarray(node.data, dtype=float)
        other = next(iter(parents.values()), None)
        if other is None:
            return None
        o = np.asarray(other.data, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if name == "add":
                return ans - o
            if name == "subtract":
                return ans + o if i == 0 else o - ans
            if name == "multiply" and np.all(o != 0):
                return ans / o
            if name == "divide":
                return ans * o if i == 0 else o / ans
            if name == "logaddexp":
                return ans + np.log1p(-np.exp(o - ans))
        return None

    def _constant_text(self, value: Any) -> str:
        if value is None:
            return "c"
        array = np.asarray(value, dtype=float) if np.asarray(value).dtype != object else None
        if array is None or array.size == 0 or not np.all(np.isfinite(array)):
            return "c"
        for name, known in self.named_constants.items():
            try:
                if np.allclose(np.broadcast_to(known, array.shape), array, rtol=1e-9, atol=1e-12):
                    return name
            except ValueError:
                continue
        flat = array.reshape(-1)
        if np.allclose(flat, flat[0], rtol=1e-9, atol=1e-12):
            first = float(flat[0])
            if abs(first - round(first)) < 1e-9 * max(1.0, abs(first)):
                first = float(round(first))
            return _number(first)
        return "c"

    def _op_expression(self, node: Tensor) -> str:
        name = node._prim.name
        ops = self.operands(node)
        binary = {"add": "+", "subtract": "-", "multiply": " ", "divide": "/"}
        if name in binary and len(ops) == 2:
            a, b = ops
            if name == "add":
                return f"{a} + {b}"
            if name == "subtract":
                return f"{a} - {_wrap(b) if '+' in b or ' - ' in b else b}"
            if name == "multiply":
                return f"{_wrap(a)} {_wrap(b)}"
            return f"{_wrap(a)}/{_wrap(b)}"
        if name == "square":
            return f"{_wrap(ops[0])}^2"
        if name == "power" and len(ops) == 2:
            return f"{_wrap(ops[0])}^{_wrap(ops[1])}"
        if name == "negative":
            return f"-{_wrap(ops[0])}"
        if name == "logaddexp" and ops[0] == "0":
            return f"softplus({ops[1]})"
        if name == "matmul":
            return f"{_wrap(ops[0])} @ {_wrap(ops[1])}"
        if name == "linear":  # a layer, x @ weight.T + bias, written as its product was
            product = f"{_wrap(ops[0])} @ {_wrap(ops[1])}"
            return f"{product} + {ops[2]}" if len(ops) > 2 else product
        if name in STRUCTURAL:
            return ops[0]
        return f"{name}({', '.join(ops)})"

    # -- local derivatives --------------------------------------------------------------------
    def factor(self, node: Tensor, position: int) -> Factor:
        """The local derivative d node / d (its argument number ``position``) as a formula."""
        name = node._prim.name
        if name in STRUCTURAL:
            return Factor()
        ops = self.operands(node)
        a = ops[0] if ops else "x"
        b = ops[1] if len(ops) > 1 else ""
        e = self.expression(node)
        if name == "add":
            return Factor()
        if name in ("subtract", "negative"):
            return Factor(-1.0) if (name == "negative" or position == 1) else Factor()
        if name == "multiply":
            other = b if position == 0 else a
            return _coefficient_or_text(other)
        if name == "divide":
            return (
                Factor(1.0, f"1/{_wrap(b)}")
                if position == 0
                else Factor(-1.0, f"{_wrap(a)}/{_wrap(b)}^2")
            )
        if name == "square":
            return Factor(2.0, _wrap(a))
        if name == "power":
            if position == 0:
                if _is_number(b):
                    n = float(b)
                    return (
                        Factor(n, f"{_wrap(a)}^{_number(n - 1)}")
                        if n != 2
                        else Factor(2.0, _wrap(a))
                    )
                return Factor(1.0, f"{_wrap(b)} {_wrap(a)}^({b} - 1)")
            return Factor(1.0, f"{_wrap(e)} ln {_wrap(a)}")
        if name == "sum" or (name == "linear" and position == 2):
            return Factor()
        if name == "mean":
            args, _ = node._saved
            count = max(1, int(np.size(args[0]) // max(1, np.size(node.data))))
            return Factor(1.0 / count)
        simple = {
            "exp": Factor(1.0, f"exp({a})"),
            "log": Factor(1.0, f"1/{_wrap(a)}"),
            "log1p": Factor(1.0, f"1/(1 + {a})"),
            "expm1": Factor(1.0, f"exp({a})"),
            "sqrt": Factor(0.5, f"1/sqrt({a})"),
            "sin": Factor(1.0, f"cos({a})"),
            "cos": Factor(-1.0, f"sin({a})"),
            "tan": Factor(1.0, f"sec({a})^2"),
            "tanh": Factor(1.0, f"(1 - tanh({a})^2)"),
            "sinh": Factor(1.0, f"cosh({a})"),
            "cosh": Factor(1.0, f"sinh({a})"),
            "absolute": Factor(1.0, f"sign({a})"),
            "maximum": Factor(1.0, f"[{a} > {b}]" if position == 0 else f"[{b} > {a}]"),
            "minimum": Factor(1.0, f"[{a} < {b}]" if position == 0 else f"[{b} < {a}]"),
            "matmul": Factor(1.0, f"{_wrap(b)}^T" if position == 0 else f"{_wrap(a)}^T"),
            "linear": Factor(1.0, f"{_wrap(b)}^T" if position == 0 else f"{_wrap(a)}^T"),
        }
        if name == "logaddexp":
            mine, other = (a, b) if position == 0 else (b, a)
            if other == "0":
                return Factor(1.0, f"sigmoid({mine})")
            return Factor(1.0, f"exp({mine})/(exp({a}) + exp({b}))")
        if name in simple:
            return simple[name]
        return Factor(1.0, f"d{name}/d(argument {position + 1})")

    def local_value(self, node: Tensor, index: int, g: Any) -> Any:
        """Push ``g`` from ``node`` to its ``index``-th recorded parent, in node's shape."""
        prim = node._prim
        if prim.partials is not None:
            local = node._saved[index]
            if local is ONE:
                return g
            if local is MINUS_ONE:
                return -np.asarray(g)
            return np.asarray(g) * local
        args, kwargs = node._saved
        return prim.vjp(g, node._argnums[index], node._value, args, kwargs)

    def push(self, node: Tensor, index: int, g: Any, last: bool) -> Any:
        """The vector-Jacobian product along one edge; the final edge may skip unbroadcasting."""
        value = self.local_value(node, index, g)
        parent = node._parents[index]
        if node._prim.partials is not None and not last:
            value = _unbroadcast(value, np.shape(parent._value))
        return value


def _coefficient_or_text(text: str) -> Factor:
    if _is_number(text):
        return Factor(float(text))
    return Factor(1.0, _wrap(text))


def _count_paths(graph: _Graph) -> int:
    counts: dict[int, int] = {id(graph.wrt): 1}
    for node in graph.order:
        if id(node) not in graph.reaches or node is graph.wrt:
            continue
        counts[id(node)] = sum(counts.get(id(p), 0) for p in node._parents)
    return counts.get(id(graph.output), 0)


def _enumerate_paths(graph: _Graph, limit: int) -> list[list[tuple[Tensor, int]]]:
    """Paths as lists of (node, parent index) edges from the output down to wrt."""
    paths: list[list[tuple[Tensor, int]]] = []
    stack: list[tuple[Tensor, list[tuple[Tensor, int]]]] = [(graph.output, [])]
    while stack and len(paths) < limit:
        node, edges = stack.pop()
        if node is graph.wrt:
            paths.append(edges)
            continue
        options = [(j, p) for j, p in enumerate(node._parents) if id(p) in graph.reaches]
        for j, parent in reversed(options):
            stack.append((parent, [*edges, (node, j)]))
    return paths


def _waypoint(graph: _Graph, node: Tensor, detail: str) -> bool:
    if node is graph.output or node is graph.wrt:
        return True
    if detail == "all":
        return True
    return graph.name(node) is not None


def explain(
    output: Tensor,
    wrt: Tensor,
    *,
    names: dict[str, Any] | None = None,
    detail: str = "auto",
    max_paths: int = MAX_PATHS,
) -> Explanation:
    """The chain rule behind d ``output`` / d ``wrt``, path by path, with values.

    ``output`` is a one-number :class:`~steepest.Tensor` computed from
    tensors with ``requires_grad=True`` (``wrt`` among them, or an
    intermediate value of the computation).  ``names`` maps names to
    constants (recognized by value in formulas) or to intermediate tensors.
    ``detail="named"`` shows only named intermediate values, ``"all"`` every
    operation, ``"auto"`` the named ones when there are any.

    >>> import numpy as np, steepest as st
    >>> w = st.Tensor(3.0, requires_grad=True, name="w")
    >>> y = w * w
    >>> y.name = "y"
    >>> why = st.explain(y, wrt=w)
    >>> why.value, why.total_paths
    (6.0, 2)
    """
    if not isinstance(output, Tensor) or output._trace is None:
        raise DifferentiationError(
            "explain needs the output of a computation on tensors with requires_grad=True"
        )
    if output.size != 1:
        raise DifferentiationError(
            f"explain needs a one-number output (a loss), not shape {output.shape}"
        )
    if not isinstance(wrt, Tensor):
        raise DifferentiationError("wrt must be the Tensor whose gradient is explained")
    if detail not in ("auto", "named", "all"):
        raise DifferentiationError(f"detail must be 'auto', 'named' or 'all', not {detail!r}")
    graph = _Graph(output, wrt, dict(names or {}))
    if id(output) not in graph.reaches:
        raise DifferentiationError(
            f"{graph.label(output) if graph.name(output) else 'the output'} does not depend on "
            f"{graph.label(wrt) if graph.name(wrt) else 'wrt'}: the gradient is zero and no chain "
            "leads there"
        )
    if detail == "auto":
        detail = (
            "named"
            if any(graph.name(n) for n in graph.order if n is not output and id(n) in graph.reaches)
            else "all"
        )
    total = _count_paths(graph)
    value = _gradient(graph)
    paths = [_explain_path(graph, edges, detail) for edges in _enumerate_paths(graph, max_paths)]
    notes = []
    if len(paths) < total:
        notes.append(
            f"{total} paths in all; the first {len(paths)} are shown, the total includes every path"
        )
    if wrt.name is None:
        notes.append("name tensors (t.name = 'w') to see them by name")
    return Explanation(graph.label(output), graph.label(wrt), paths, value, total, notes)


def _gradient(graph: _Graph) -> Any:
    """d output / d wrt by one backward sweep, leaving every ``.grad`` untouched."""
    output, wrt = graph.output, graph.wrt
    record: dict[int, Any] = {}
    leaves = {id(p): p for node in graph.order for p in node._parents if p._prim is None}
    saved = {key: leaf._g for key, leaf in leaves.items()}
    try:
        for leaf in leaves.values():
            leaf._g = None
        backward_sweep(output, np.ones(output.shape, dtype=output.dtype), graph.order, record)
        g = wrt._g if wrt._prim is None else record.get(id(wrt))
    finally:
        for key, leaf in leaves.items():
            leaf._g = saved[key]
    g = np.zeros(wrt.shape) if g is None else np.broadcast_to(np.asarray(g), wrt.shape)
    return float(g) if np.ndim(g) == 0 else np.array(g)


def _explain_path(graph: _Graph, edges: list[tuple[Tensor, int]], detail: str) -> Path:
    # The exact contribution: the seed pushed along this path only.
    g: Any = np.ones(graph.output.shape, dtype=float)
    for node, j in edges:
        g = graph.push(node, j, g, last=False)
    contribution = np.broadcast_to(np.asarray(g, dtype=float), graph.wrt.shape)
    # The factors between waypoints.
    links: list[Link] = []
    upper = graph.output
    segment: list[tuple[Tensor, int]] = []
    for node, j in edges:
        segment.append((node, j))
        parent = node._parents[j]
        if _waypoint(graph, parent, detail):
            links.append(_link(graph, upper, parent, segment))
            upper, segment = parent, []
    summed = any(np.size(link.value) > graph.wrt.size for link in links)
    value = float(contribution) if contribution.ndim == 0 else np.array(contribution)
    return Path(links, value, summed)


def _link(graph: _Graph, upper: Tensor, lower: Tensor, segment: list[tuple[Tensor, int]]) -> Link:
    factor = Factor()
    g: Any = np.ones(upper.shape, dtype=float)
    for position, (node, j) in enumerate(segment):
        factor = factor.times(graph.factor(node, node._argnums[j]))
        g = graph.push(node, j, g, last=position == len(segment) - 1)
    value = np.asarray(g, dtype=float)
    if math.isclose(factor.coefficient, round(factor.coefficient), rel_tol=0, abs_tol=1e-12):
        factor = Factor(float(round(factor.coefficient)), factor.text)
    return Link(graph.label(upper), graph.label(lower), factor.render(), value)


__all__ = ["Explanation", "Link", "Path", "explain"]
