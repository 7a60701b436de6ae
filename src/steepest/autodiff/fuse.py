"""Fused elementwise runs for recorded programs over large arrays.

A recorded program (:mod:`steepest.autodiff.replay`) is straight-line NumPy:
one line per operation, each making a full-size temporary.  On large arrays
the time goes into those temporaries, not into the arithmetic: every fresh
array faults its pages in (on a virtual machine, several times the cost of
the pass that fills it) and is released again at the end of the call.
Here the lines of a program are read back (with :mod:`ast`), runs of
elementwise arithmetic are joined into one expression each, and every
expression is evaluated by NumPy's own ufuncs into arrays the program keeps
from one call to the next (``out=``), writing a gradient's parts straight
into place (``g[1:] += ...``) without a temporary.  Only the arrays handed
to the caller are new.

Only ``+ - * /``, negation, ``sqrt`` and ``abs`` on float64 values are
joined, each computed by the same ufunc in the same order as the plain
program, so a fused program gives the plain program's results bit for bit.
Small arrays (where the bookkeeping costs more than it saves) stay as they
are.  Runs computed block by block also get the same run as one native loop
(:mod:`steepest.autodiff.native`), which computes them once it is compiled.
"""

from __future__ import annotations

import ast
import math
import re
import threading
from typing import Any

import numpy as np

from steepest.autodiff import native

# Switched off, programs are left as they are (the ablation and the tests' reference).
ENABLED = True

# Switched off, programs on small arrays keep their operators and rule calls (the ablation).
DIRECT = True

# Elements: a result this large is fused.  Below it, the bookkeeping of a kept
# array (about a microsecond an operation) is more than a fresh array costs.
FUSE_AT = 16_384

# Elements: a temporary up to this size keeps its memory between calls (per thread),
# so that calls do not fault fresh pages in for it; larger ones are released.
KEEP_AT_MOST = 1 << 20

# Elements: a run whose result is this large is computed block by block, each block
# through every operation of the run while it is in cache (BLOCK elements at a time).
BLOCK_AT = 65_536
BLOCK = 16_384
BLOCKED = True  # switched off: every operation over the whole array (the ablation)

# Functions of the templates that are joined (each one correctly rounded ufunc).
_FUNCTIONS = {"sqrt", "abs"}
_UFUNCS = {ast.Add: "np_add", ast.Sub: "np_subtract", ast.Mult: "np_multiply",
           ast.Div: "np_true_divide", ast.USub: "np_negative", "sqrt": "np_sqrt",
           "abs": "np_absolute"}
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div)
_VARIABLE = re.compile(r"^[sgda]\d+(?:_\d+)?u?$")


def available() -> bool:
    """Whether recorded programs are fused (:data:`ENABLED`).

    >>> available()
    True
    """
    return ENABLED


def into(ufunc: np.ufunc, kept: list[Any], k: int, *args: Any) -> Any:
    """``ufunc(*args)`` written into the kept array ``kept[k]`` (made on the first call).

    >>> kept = [None]
    >>> first = into(np.add, kept, 0, np.ones(3), 1.0)
    >>> again = into(np.add, kept, 0, np.ones(3), 2.0)
    >>> again is first, again
    (True, array([3., 3., 3.]))
    """
    out = kept[k]
    if out is not None:
        try:
            return ufunc(*args, out=out)
        except ValueError:  # the operation broadcasts beyond the array: a new one
            return ufunc(*args)
    result = ufunc(*args)
    if type(result) is np.ndarray:  # a number is never kept: it cannot be written into
        kept[k] = result
    return result


def over(ufunc: np.ufunc, out: Any, *args: Any) -> Any:
    """``ufunc(*args)`` written over ``out`` (an intermediate result), or new where
    the operation broadcasts beyond it (or ``out`` is a number).

    >>> a = np.ones(3)
    >>> over(np.add, a, a, 1.0) is a, over(np.add, a, a, np.ones((2, 3))).shape
    (True, (2, 3))
    """
    if type(out) is np.ndarray:
        try:
            return ufunc(*args, out=out)
        except ValueError:
            pass
    return ufunc(*args)


_BUFFERS = threading.local()


def _buffers(count: int) -> list[np.ndarray]:
    """``count`` float64 arrays of :data:`BLOCK` elements, kept per thread."""
    arrays = getattr(_BUFFERS, "arrays", None)
    if arrays is None or (arrays and arrays[0].size != BLOCK):  # none yet, or BLOCK changed
        arrays = _BUFFERS.arrays = []
    while len(arrays) < count:
        arrays.append(np.empty(BLOCK))
    return arrays[:count]


def _fits(shape: tuple[int, ...], operands: tuple[Any, ...]) -> bool:
    """Whether every array operand has ``shape`` and lies in memory in order."""
    for o in operands:
        if type(o) is np.ndarray and (o.shape != shape or not o.flags.c_contiguous):
            return False
    return True


def _run_blocks(kernel: Any, count: int, out: np.ndarray, operands: tuple[Any, ...]
                ) -> np.ndarray:
    flat_out = out.reshape(-1)
    flat = [o.reshape(-1) if type(o) is np.ndarray else o for o in operands]
    buffers = _buffers(count)
    n = flat_out.size
    for i in range(0, n, BLOCK):
        j = min(i + BLOCK, n)
        k = j - i
        kernel(flat_out[i:j], [b[:k] for b in buffers],
               *[o[i:j] if type(o) is np.ndarray else o for o in flat])
    return out


def blocked_into(kernel: Any, count: int, kept: list[Any] | None, k: int | None,
                 *operands: Any, loop: native.Group | None = None) -> Any:
    """``kernel``'s run over its operands, block by block, into a kept or new array.

    Each block goes through every operation of the run (the same ufuncs in
    the same order) while it is in cache; operands of other shapes, or not
    in memory in order, take the run over whole arrays instead.  With
    ``loop`` (the run as a compiled loop), the loop computes it when it can.

    >>> def twice_plus(OUT, BUF, a):
    ...     t1 = np.multiply(2.0, a, out=BUF[0])
    ...     return np.add(t1, a, out=OUT)
    >>> x = np.arange(40_000.0)
    >>> np.array_equal(blocked_into(twice_plus, 1, None, None, x), 2.0 * x + x)
    True
    """
    shape = next((o.shape for o in operands if type(o) is np.ndarray), None)
    if shape is None or not _fits(shape, operands):
        return kernel(None, [None] * count, *operands)
    out = kept[k] if kept is not None else None
    if out is None or out.shape != shape:
        out = np.empty(shape)
        if kept is not None:
            kept[k] = out
    if loop is not None and loop.run(((out, operands),)):
        return out
    return _run_blocks(kernel, count, out, operands)


def blocked_over(kernel: Any, count: int, view: Any, *operands: Any,
                 loop: native.Group | None = None) -> Any:
    """``kernel``'s run written over ``view`` (its first operand), block by block
    (or by ``loop``, the run as a compiled loop, when it can).

    >>> def minus_square(OUT, BUF, v, a):
    ...     t1 = np.multiply(a, a, out=BUF[0])
    ...     return np.subtract(v, t1, out=OUT)
    >>> g, x = np.ones(40_000), np.arange(40_000.0)
    >>> view = g[:]
    >>> _ = blocked_over(minus_square, 1, view, view, x)
    >>> np.array_equal(g, 1.0 - x * x)
    True
    """
    if (type(view) is np.ndarray and view.flags.c_contiguous and view.dtype == np.float64
            and _fits(view.shape, operands)):
        if loop is not None and loop.run(((view, operands),)):
            return view
        return _run_blocks(kernel, count, view, operands)
    return kernel(view, [None] * count, *operands)


def out_for(kept: list[Any] | None, k: int | None, *operands: Any) -> np.ndarray:
    """The array a run of a group writes: kept (``kept[k]``) or new, of the operands' shape.

    >>> out_for(None, None, np.ones(3), 2.0, np.ones((2, 1))).shape
    (2, 3)
    """
    shape = np.broadcast_shapes(*(o.shape for o in operands if type(o) is np.ndarray))
    out = kept[k] if kept is not None else None
    if out is None or out.shape != shape:
        out = np.empty(shape)
        if kept is not None:
            kept[k] = out
    return out


def _separate(arrays: list[np.ndarray], written: list[np.ndarray]) -> bool:
    """Whether every written array overlaps other arrays only as the very same view."""
    for w in written:
        address = w.__array_interface__["data"][0]
        for a in arrays:
            if a is not w and np.may_share_memory(a, w) and (
                    a.__array_interface__["data"][0] != address or a.strides != w.strides):
                return False
    return True


def blocked_group(steps: tuple[tuple[Any, int, np.ndarray, tuple[Any, ...]], ...],
                  loop: native.Group | None = None) -> None:
    """Consecutive runs, each ``(kernel, buffers, out, operands)``, block by block together.

    Block by block, every run in turn: each element goes through the same
    operations in the same order as when the runs go one after the other,
    provided that all arrays have one shape, lie in memory in order, and an
    array written overlaps others only as the same view; otherwise the runs
    go one after the other over whole arrays.  ``loop`` (the runs as one
    compiled loop) computes them instead when it can.

    >>> def double(OUT, BUF, a):
    ...     return np.multiply(2.0, a, out=OUT)
    >>> def minus(OUT, BUF, v, a):
    ...     return np.subtract(v, a, out=OUT)
    >>> x, g = np.arange(40_000.0), np.zeros(40_000)
    >>> twice = out_for(None, None, x)
    >>> blocked_group(((double, 0, twice, (x,)), (minus, 0, g, (g, twice))))
    >>> np.array_equal(g, 0.0 - 2.0 * x)
    True
    """
    if loop is not None and loop.run([(out, operands) for _, _, out, operands in steps]):
        return
    shape = steps[0][2].shape
    arrays = [o for step in steps for o in (step[2], *step[3]) if type(o) is np.ndarray]
    if not (all(a.shape == shape and a.flags.c_contiguous and a.dtype == np.float64
                for a in arrays) and _separate(arrays, [step[2] for step in steps])):
        for kernel, count, out, operands in steps:
            kernel(out, [None] * count, *operands)
        return
    buffers = _buffers(max(step[1] for step in steps))
    flat = [(kernel, count, out.reshape(-1),
             [o.reshape(-1) if type(o) is np.ndarray else o for o in operands])
            for kernel, count, out, operands in steps]
    n = flat[0][2].size
    for i in range(0, n, BLOCK):
        j = min(i + BLOCK, n)
        k = j - i
        parts = [b[:k] for b in buffers]
        for kernel, count, out, operands in flat:
            kernel(out[i:j], parts[:count],
                   *[o[i:j] if type(o) is np.ndarray else o for o in operands])


def _named(step: tuple[Any, ...]) -> bool:
    """Whether a blocked kernel reads a named value (a run of a group needs one)."""
    return len(step[5]) > (1 if step[0] == "over" else 0)


def _loop(group: list[tuple[Any, ...]], namespace: dict[str, Any]) -> list[str]:
    """``loop=NATIVEn``: the group's runs as one native loop, as an argument; none (no
    compiler, or switched off)."""
    if not native.available():
        return []
    steps = [(namespace[kernel].expression, params) for _, _, kernel, _, _, params in group]
    name = f"NATIVE{sum(1 for n in namespace if n.startswith('NATIVE')) + 1}"
    namespace[name] = native.Group(steps)
    return [f"loop={name}"]


def _grouped(out: list[Any], namespace: dict[str, Any]) -> list[str]:
    """The program's lines, with each run of blocked kernels written out.

    A blocked kernel stands in ``out`` as a tuple: ``("into", target,
    kernel, buffers, kept, params)`` or ``("over", destination, kernel,
    buffers, None, params)``.  Consecutive ones become one
    :func:`blocked_group` call, each alone a :func:`blocked_into` or
    :func:`blocked_over` call; each call gets the same runs as a native loop
    (:mod:`steepest.autodiff.native`) where one can be compiled.
    """
    lines: list[str] = []
    k = 0
    while k < len(out):
        if isinstance(out[k], str):
            lines.append(out[k])
            k += 1
            continue
        group = []
        while k < len(out) and not isinstance(out[k], str) and _named(out[k]):
            group.append(out[k])
            k += 1
        if not group:  # a run of constants alone: never grouped
            group.append(out[k])
            k += 1
        loop = _loop(group, namespace)
        if len(group) == 1:
            kind, target, kernel, count, kept, params = group[0]
            if kind == "into":
                lines.append(f"    {target} = blocked_into({kernel}, {count}, {kept}, "
                             f"{', '.join([*params, *loop])})")
            else:
                lines.append(f"    view = {target}")
                lines.append(f"    blocked_over({kernel}, {count}, view, "
                             f"{', '.join([*params, *loop])})")
            continue
        steps = []
        for m, (kind, target, kernel, count, kept, params) in enumerate(group):
            if kind == "into":
                lines.append(f"    {target} = out_for({kept}, {', '.join(params)})")
                steps.append(f"({kernel}, {count}, {target}, ({', '.join(params)},))")
            else:
                lines.append(f"    view{m} = {target}")
                operands = ", ".join([f"view{m}", *params[1:]])
                steps.append(f"({kernel}, {count}, view{m}, ({operands},))")
        together = "(" + ", ".join(steps) + ",)"
        lines.append(f"    blocked_group({', '.join([together, *loop])})")
    return lines


def _kernel(expression: ast.expr, params: list[str]) -> tuple[Any, int] | None:
    """A function computing ``expression`` by ufuncs into ``OUT`` and buffers, and
    how many buffers it needs; None when the expression computes nothing."""
    lines = [f"def kernel(OUT, BUF, {', '.join(params)}):"]
    buffers = 0

    def walk(node: ast.expr, final: bool) -> tuple[str, int | None]:
        nonlocal buffers
        if isinstance(node, ast.Name):
            return node.id, None
        if isinstance(node, ast.Constant):
            return repr(node.value), None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return walk(node.operand, final)
        if isinstance(node, ast.BinOp):
            (left, left_home), (right, right_home) = walk(node.left, False), walk(
                node.right, False)
            ufunc, args = _UFUNCS[type(node.op)], [left, right]
        elif isinstance(node, ast.UnaryOp):
            (left, left_home), right_home = walk(node.operand, False), None
            ufunc, args = _UFUNCS[ast.USub], [left]
        else:  # a call of sqrt or abs
            (left, left_home), right_home = walk(node.args[0], False), None
            ufunc, args = _UFUNCS[node.func.id], [left]
        home = left_home if left_home is not None else right_home
        if final:
            destination = "OUT"
        else:
            if home is None:
                home, buffers = buffers, buffers + 1
            destination = f"BUF[{home}]"
        name = f"t{len(lines)}"
        lines.append(f"    {name} = {ufunc}({', '.join(args)}, out={destination})")
        return name, home

    result, _ = walk(expression, True)
    if not lines[-1].endswith("out=OUT)"):
        return None
    lines.append(f"    return {result}")
    namespace = {name: getattr(np, name[3:]) for name in _UFUNCS.values()}
    exec(compile("\n".join(lines) + "\n", "<steepest fused kernel>", "exec"), namespace)
    kernel = namespace["kernel"]
    kernel.expression = expression  # for the same run as a native loop
    return kernel, buffers


class _Emitter:
    """Writes an expression as ufunc calls, one line each, reusing the arrays it makes.

    ``keep``: intermediate results go into arrays kept between calls (small
    enough to keep); otherwise into one array made for this call, written
    in place by the operations after it, and released with the call.
    """

    def __init__(self, lines: list[str], sizes: dict[str, int], direct: bool = False):
        self.lines, self.sizes = lines, sizes
        self.direct = direct  # every operation a plain ufunc call (small arrays)
        self.kept = 0
        self.names = 0
        self.size = 0  # of the expression being written: its names are released after use

    def _new_kept(self) -> int:
        self.kept += 1
        return self.kept - 1

    def value(self, node: ast.expr, keep: bool, final: str | None = None
              ) -> tuple[str, Any]:
        """(an expression naming the value, the array it lives in, or None).

        The array is ``("kept", k)`` or ``("local", name)``: an intermediate
        result this expression may write over.  ``final``: the last
        operation makes ``"fresh"`` memory (handed on) or a ``"kept"`` array
        of its own.
        """
        if isinstance(node, ast.Name):
            return node.id, None
        if isinstance(node, ast.Constant):
            return repr(node.value), None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.value(node.operand, keep, final)
        if isinstance(node, ast.BinOp):
            left, left_home = self.value(node.left, keep)
            right, right_home = self.value(node.right, keep)
            ufunc, args = _UFUNCS[type(node.op)], [left, right]
        elif isinstance(node, ast.UnaryOp):
            (left, left_home), right_home = self.value(node.operand, keep), None
            ufunc, args = _UFUNCS[ast.USub], [left]
        else:  # a call of sqrt or abs
            (left, left_home), right_home = self.value(node.args[0], keep), None
            ufunc, args = _UFUNCS[node.func.id], [left]
        self.names += 1
        name = f"f{self.names}"
        self.sizes[name] = self.size
        home = left_home if left_home is not None else right_home
        if not self.direct and (final == "kept" or (final is None and keep and home is None)):
            home = ("kept", self._new_kept())
        if final == "fresh" and home is not None and home[0] == "kept":
            home = None  # handed on: never an array the program keeps
        if home is None or self.direct:
            self.lines.append(f"    {name} = {ufunc}({', '.join(args)})")
            return name, ("local", name)
        if home[0] == "kept":
            self.lines.append(f"    {name} = into({ufunc}, KEPT, {home[1]}, {', '.join(args)})")
        else:
            self.lines.append(f"    {name} = over({ufunc}, {home[1]}, {', '.join(args)})")
        return name, home


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


def _is_view(target: ast.expr, namespace: dict[str, Any]) -> bool:
    """Whether ``target`` is an array's part by slices alone (a view, never a number)."""
    if not isinstance(target, ast.Subscript) or not isinstance(target.slice, ast.Name):
        return False
    index = namespace.get(target.slice.id)
    parts = index if isinstance(index, tuple) else (index,)
    return bool(parts) and all(isinstance(part, slice) for part in parts)


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
         sizes: dict[str, int], n_inputs: int, small: bool = False) -> list[str]:
    """The program's lines with runs of elementwise arithmetic on large arrays as kernels.

    ``lines`` is a generated program (``def program(inputs):`` and its
    body), ``namespace`` its globals (the names it needs are added),
    ``templates`` the Python expression of each called rule (``D5_0`` ->
    ``"2.0 * {0}"``), ``sizes`` the number of elements of each value.
    A value used once, by a later elementwise line on large arrays, is
    computed inside that line's run instead of on a line of its own, and
    every intermediate result is written into an array kept between calls.

    >>> import numpy as np
    >>> lines = ["def program(inputs):", "    s0, = inputs", "    s1 = s0 * s0",
    ...          "    s2 = 2.0 * s1 + s0", "    return s2, ()"]
    >>> fused = fuse(lines, {}, {}, {"s0": 20_000, "s1": 20_000, "s2": 20_000}, 1)
    >>> print("\\n".join(fused[3:]))  # s1 computed in a kept array; s2 is returned: fresh
        f1 = into(np_multiply, KEPT, 0, s0, s0)
        f2 = into(np_multiply, KEPT, 0, 2.0, f1)
        f3 = np_add(f2, s0)
        s2 = f3
        return s2, ()

    A run whose result has :data:`BLOCK_AT` elements or more is written as
    one kernel function called by :func:`blocked_into` (or
    :func:`blocked_over` for an accumulation): the run goes block by block,
    each block through all its operations while it is in cache.

    ``small=True`` (a program whose arrays are all small) writes every joined
    expression as plain ufunc calls instead: no kept arrays, and none of the
    Python-level dispatch of an operator on a number and an array
    (``2.0 * x`` costs twice ``np.multiply(2.0, x)`` on ten elements), nor
    the call of a rule's function.

    >>> direct = fuse(lines, {}, {}, {"s0": 10, "s1": 10, "s2": 10}, 1, small=True)
    >>> print("\\n".join(direct[2:]))
        f1 = np_multiply(s0, s0)
        f2 = np_multiply(2.0, f1)
        f3 = np_add(f2, s0)
        s2 = f3
        return s2, ()
    """
    if not ENABLED:
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
            if expression is not None and (small or sizes.get(base, 0) >= FUSE_AT):
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
        if reading[0] == "acc" or small:
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

    # Lines left as they are may name the functions of a joined expression.
    namespace.setdefault("sqrt", np.sqrt)
    namespace.setdefault("abs", np.absolute)
    namespace.update({name: getattr(np, name[3:]) for name in _UFUNCS.values()})
    namespace["into"], namespace["over"] = into, over
    namespace["blocked_into"], namespace["blocked_over"] = blocked_into, blocked_over
    namespace["out_for"], namespace["blocked_group"] = out_for, blocked_group
    kernels = sum(1 for name in namespace if name.startswith("KERNEL"))  # names never reused
    inlined: dict[str, ast.expr] = {}
    out = [lines[0]]
    emit = _Emitter(out, sizes, direct=small)
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
            if _operations(expression) < 1:
                out.append(lines[k + 1])
                continue
            # Kept when only the lines written here read it: nothing holds on to it.
            keep = (sizes.get(target, 0) <= KEEP_AT_MOST and where
                    and all(readings[m] is not None for m in where))
            emit.size = sizes.get(target, 0)
            params = _operands(expression)
            made = (_kernel(expression, params) if BLOCKED and not small
                    and emit.size >= BLOCK_AT else None)
            if made is not None:
                kernels += 1
                namespace[f"KERNEL{kernels}"] = made[0]
                where_kept = f"KEPT, {emit._new_kept()}" if keep else "None, None"
                out.append(("into", target, f"KERNEL{kernels}", made[1], where_kept, params))
                continue
            name, _ = emit.value(expression, emit.size <= KEEP_AT_MOST,
                                 final="kept" if keep else "fresh")
            out.append(f"    {target} = {name}")
            continue
        # An accumulation into an array (or a view of it) the program owns: written in place.
        destination = ast.unparse(target)
        base = target.id if isinstance(target, ast.Name) else target.value.id
        operands = _operands(expression)
        sign = "+" if isinstance(statement.op, ast.Add) else "-"
        if base in operands or _operations(expression) < 1:
            out.append(f"    {destination} {sign}= {ast.unparse(expression)}")
            continue
        emit.size = sizes.get(base, 0)
        if BLOCKED and not small and emit.size >= BLOCK_AT:
            params = ["view", *operands]
            made = _kernel(ast.BinOp(ast.Name("view", ast.Load()),
                                     ast.Add() if sign == "+" else ast.Sub(), expression), params)
            if made is not None:
                kernels += 1
                namespace[f"KERNEL{kernels}"] = made[0]
                out.append(("over", destination, f"KERNEL{kernels}", made[1], None, params))
                continue
        name, _ = emit.value(expression, emit.size <= KEEP_AT_MOST)
        if small and not _is_view(target, namespace):
            # Small values may be numbers (no out=): the line as it was, on the result.
            out.append(f"    {destination} {sign}= {name}")
            continue
        ufunc = _UFUNCS[ast.Add if sign == "+" else ast.Sub]
        out.append(f"    view = {destination}")
        out.append(f"    {ufunc}(view, {name}, out=view)")
    out = _grouped(out, namespace)
    if emit.kept:
        # One list of kept arrays per thread: two threads never share a temporary.
        local = threading.local()
        count = emit.kept

        def kept_arrays() -> list[Any]:
            arrays = getattr(local, "arrays", None)
            if arrays is None:
                arrays = local.arrays = [None] * count
            return arrays

        # A name of its own: the program with the value and the one with the gradient
        # alone are fused into one namespace, and each keeps its own arrays (the
        # other's are of other operations, and may be fewer or of other shapes).
        name = f"KEPT_ARRAYS{sum(1 for key in namespace if key.startswith('KEPT_ARRAYS'))}"
        namespace[name] = kept_arrays
        out.insert(1, f"    KEPT = {name}()")
    return out


def kept_count(lines: list[str]) -> int:
    """How many operations of a program write into kept arrays (for tests).

    >>> kept_count(["    f1 = into(np_add, KEPT, 0, s0, 1.0)", "    s2 = f1"])
    1
    """
    return sum(1 for line in lines if "= into(" in line)
