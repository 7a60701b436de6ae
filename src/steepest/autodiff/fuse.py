"""Fused elementwise kernels for recorded programs over large arrays.

A recorded program (:mod:`steepest.autodiff.replay`) is straight-line NumPy:
one line per operation, each making a full-size temporary.  On large arrays
the time goes into those passes over memory and into the fresh pages each
temporary faults in, not into the arithmetic.  Here the lines of a program
are read back (with :mod:`ast`), runs of elementwise arithmetic are joined
into one expression each, and every expression is evaluated by
`numexpr <https://github.com/pydata/numexpr>`_ in one pass over blocks that
fit in cache, writing straight into its destination (``g[1:] += ...``
without a temporary).

Only what gives the same numbers as NumPy is joined: ``+ - * /``,
negation, ``sqrt`` and ``abs`` on float64 values (each is one correctly
rounded IEEE operation, computed in the same order), so a fused program
gives the plain program's results bit for bit.  Without numexpr, or for
small arrays (where a kernel call costs more than it saves), programs stay
as they are.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

try:  # an optional dependency: without it, programs are not fused
    import numexpr
except ImportError:  # pragma: no cover - exercised where numexpr is missing
    numexpr = None

# Elements: a result this large is computed by a kernel.  Below it, the ~1 µs
# of a kernel call is more than the passes it saves.
FUSE_AT = 16_384

# Elements: a temporary up to this size keeps its memory between calls (per thread),
# so that calls do not fault fresh pages in for it; larger ones are released.
KEEP_AT_MOST = 1 << 20

# Functions of the templates that numexpr computes as NumPy does (correctly rounded).
_FUNCTIONS = {"sqrt", "abs"}
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_VARIABLE = re.compile(r"^[sgda]\d+(?:_\d+)?u?$")


def available() -> bool:
    """Whether recorded programs can be fused here (numexpr is installed).

    >>> isinstance(available(), bool)
    True
    """
    return numexpr is not None


class _Kernels:
    """The kernels of one program: each compiled once, entered in its namespace."""

    def __init__(self, namespace: dict[str, Any]):
        self.namespace = namespace
        self.count = kernel_count(namespace)

    def add(self, expression: str, operands: list[str]) -> str:
        """A compiled kernel for ``expression`` over float64 ``operands``; its name."""
        compiled = numexpr.NumExpr(expression, signature=[(name, np.float64) for name in operands])
        name = f"KERNEL{self.count}"
        self.count += 1
        self.namespace[name] = functools.partial(compiled, order="K", casting="safe",
                                                 ex_uses_vml=False)
        return name


def _number(value: Any) -> float | None:
    """A constant of the program as a float literal, when it is one finite number."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.floating | np.integer) and np.ndim(value) == 0:
        number = float(value)
        if math.isfinite(number) and (not isinstance(value, int) or abs(value) < 2 ** 53):
            return number
    return None


class _Reader:
    """Turns a line's right-hand side into a fusable expression, or None."""

    def __init__(self, namespace: dict[str, Any], templates: dict[str, str],
                 defined: set[str]):
        self.namespace, self.templates, self.defined = namespace, templates, defined

    def read(self, node: ast.expr) -> ast.expr | None:
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _OPERATORS):
                return None
            left, right = self.read(node.left), self.read(node.right)
            if left is None or right is None:
                return None
            return ast.BinOp(left, node.op, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.read(node.operand)
            if operand is None or not isinstance(node.op, ast.USub | ast.UAdd):
                return None
            return ast.UnaryOp(node.op, operand)
        if isinstance(node, ast.Constant):
            number = _number(node.value)
            return None if number is None else ast.Constant(number)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node.func.id, node.args)
        return None

    def _name(self, name: str) -> ast.expr | None:
        if name in self.defined and _VARIABLE.match(name):
            return ast.Name(name, ast.Load())
        if name in self.namespace:
            value = self.namespace[name]
            number = _number(value)
            if number is not None:
                return ast.Constant(number)
            if type(value) is np.ndarray and value.dtype == np.float64:
                return ast.Name(name, ast.Load())
        return None

    def _call(self, name: str, args: list[ast.expr]) -> ast.expr | None:
        if name in _FUNCTIONS:
            if len(args) != 1:
                return None
            inner = self.read(args[0])
            return None if inner is None else ast.Call(ast.Name(name, ast.Load()), [inner], [])
        template = self.templates.get(name)
        if template is None:
            return None
        names = []
        for arg in args:
            if isinstance(arg, ast.Name):
                names.append(arg.id)
            elif isinstance(arg, ast.Constant) and arg.value is None:
                names.append(None)
            else:
                return None
        if name.startswith("D"):  # a local derivative: (ans, *args)
            ans, names = names[0], names[1:]
            if ans is None and "{ans}" in template:
                return None
        else:
            ans = None
        if any(n is None for n in names):
            return None
        try:
            source = template.format(*names, ans=ans)
            expression = ast.parse(source, mode="eval").body
        except (IndexError, KeyError, SyntaxError):
            return None
        return self.read(expression)


def _operations(node: ast.expr) -> int:
    return sum(isinstance(n, ast.BinOp | ast.UnaryOp | ast.Call) for n in ast.walk(node))


def _operands(node: ast.expr) -> list[str]:
    seen: list[str] = []
    for n in ast.walk(node):
        if (isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store) and n.id not in seen
                and n.id not in _FUNCTIONS):
            seen.append(n.id)
    return seen


class _Inline(ast.NodeTransformer):
    def __init__(self, exprs: dict[str, ast.expr]):
        self.exprs = exprs

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.exprs.get(node.id, node)


def _mutated(statement: ast.stmt) -> set[str]:
    """The names whose arrays a statement writes into (``g[i] += x``, ``g -= x``)."""
    targets = statement.targets if isinstance(statement, ast.Assign) else (
        [statement.target] if isinstance(statement, ast.AugAssign) else [])
    names = set()
    for target in targets:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            names.add(target.value.id)
        elif isinstance(statement, ast.AugAssign) and isinstance(target, ast.Name):
            names.add(target.id)
    return names


# long: one walk over the program decides, line by line, what is joined into what and
# writes the kernels; the decisions read the counts and the writes gathered before it.
def fuse(lines: list[str], namespace: dict[str, Any], templates: dict[str, str],
         sizes: dict[str, int], n_inputs: int) -> list[str]:
    """The program's lines with runs of elementwise arithmetic on large arrays as kernels.

    ``lines`` is a generated program (``def program(inputs):`` and its
    body), ``namespace`` its globals (kernels are added to it),
    ``templates`` the Python expression of each called rule (``D5_0`` ->
    ``"2.0 * {0}"``), ``sizes`` the number of elements of each value.
    A value used once, by a later elementwise line on large arrays, is
    computed inside that line's kernel instead of on a line of its own.

    >>> import numpy as np
    >>> lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
    ...          "    s2 = 2.0 * s1 + s0", "    return s2, ()"]
    >>> fused = fuse(lines, {}, {}, {"s0": 10**5, "s1": 10**5, "s2": 10**5}, 1)
    >>> fused[2] if available() else "    s2 = KERNEL0(s0, out=None)"  # s1 computed inside
    '    s2 = KERNEL0(s0, out=None)'
    """
    if numexpr is None:
        return lines
    statements: list[ast.stmt | None] = []
    for line in lines[1:]:
        try:
            statements.append(ast.parse(line.strip()).body[0])
        except SyntaxError:
            statements.append(None)
    defined = {f"s{i}" for i in range(n_inputs)}
    # Each line read once: (kind, target name or node, expression), kind "def" or "acc".
    readings: list[tuple[str, Any, ast.expr] | None] = []
    for statement in statements:
        reading = None
        reader = _Reader(namespace, templates, defined)
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            expression = reader.read(statement.value)
            if expression is not None:
                reading = ("def", statement.targets[0].id, expression)
        elif (isinstance(statement, ast.AugAssign) and isinstance(statement.op, ast.Add | ast.Sub)
              and (isinstance(statement.target, ast.Name) or (
                  isinstance(statement.target, ast.Subscript)
                  and isinstance(statement.target.value, ast.Name)
                  and isinstance(statement.target.slice, ast.Name)))):
            expression = reader.read(statement.value)
            base = statement.target.id if isinstance(statement.target, ast.Name) else (
                statement.target.value.id)
            if expression is not None and sizes.get(base, 0) >= FUSE_AT:
                reading = ("acc", statement.target, expression)
        readings.append(reading)
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        defined.add(n.id)

    def is_kernel(k: int) -> bool:
        reading = readings[k]
        if reading is None:
            return False
        if reading[0] == "acc":
            return True
        return sizes.get(reading[1], 0) >= FUSE_AT

    uses: dict[str, list[int]] = {}
    for k, statement in enumerate(statements):
        if statement is None:
            continue
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                uses.setdefault(n.id, []).append(k)
    writes = [_mutated(s) if s is not None else set() for s in statements]

    kernels = _Kernels(namespace)
    # Lines left to NumPy may name the functions of a joined expression.
    namespace.setdefault("sqrt", np.sqrt)
    namespace.setdefault("abs", np.absolute)
    inlined: dict[str, ast.expr] = {}
    # Temporaries only ever read by the lines written here (kernels, sums in place):
    # nothing keeps a reference to them, so their memory can serve the next call too.
    kept: dict[str, int] = {}
    out = [lines[0]]
    for k, statement in enumerate(statements):
        reading = readings[k]
        if reading is None or not is_kernel(k):
            out.append(lines[k + 1])
            continue
        kind, target, expression = reading
        expression = _Inline(inlined).visit(expression)
        if kind == "def":
            where = uses.get(target, [])
            if (len(where) == 1 and where[0] > k and is_kernel(where[0])
                    and not any(writes[m] & set(_operands(expression))
                                for m in range(k, where[0]))):
                inlined[target] = expression
                continue
            if _operations(expression) < 2:
                out.append(f"    {target} = {ast.unparse(expression)}")
                continue
            operands = _operands(expression)
            name = kernels.add(ast.unparse(expression), operands)
            if (sizes.get(target, 0) <= KEEP_AT_MOST and where
                    and all(readings[m] is not None for m in where)):
                slot = kept.setdefault(target, len(kept))
                out.append(f"    {target} = {name}({', '.join(operands)}, out=KEPT[{slot}])")
                out.append(f"    KEPT[{slot}] = {target}")
            else:
                out.append(f"    {target} = {name}({', '.join(operands)}, out=None)")
            continue
        # An accumulation into an array (or a view of it) the program owns: written in place.
        destination = ast.unparse(target)
        base = target.id if isinstance(target, ast.Name) else target.value.id
        operands = _operands(expression)
        if base in operands or _operations(expression) < 1:
            out.append(f"    {destination} {'+' if isinstance(statement.op, ast.Add) else '-'}= "
                       f"{ast.unparse(expression)}")
            continue
        sign = "+" if isinstance(statement.op, ast.Add) else "-"
        name = kernels.add(f"DESTINATION {sign} ({ast.unparse(expression)})",
                           ["DESTINATION", *operands])
        out.append(f"    view = {destination}")
        out.append(f"    {name}(view, {', '.join(operands)}, out=view)")
    if kept:
        # One list of kept arrays per thread: two threads never share a temporary.
        local = threading.local()
        count = len(kept)

        def kept_arrays() -> list[Any]:
            arrays = getattr(local, "arrays", None)
            if arrays is None:
                arrays = local.arrays = [None] * count
            return arrays

        namespace["KEPT_ARRAYS"] = kept_arrays
        out.insert(1, "    KEPT = KEPT_ARRAYS()")
    return out


def kernel_count(namespace: dict[str, Any]) -> int:
    """How many kernels a program's namespace holds (for tests and the ablation table).

    >>> kernel_count({"KERNEL0": None, "s": 1})
    1
    """
    return sum(1 for name in namespace if name.startswith("KERNEL"))


# The callable type of a kernel, for type checkers of the generated namespace.
Kernel = Callable[..., Any]
