"""Trace once, replay many times.

Gradient descent calls the same gradient thousands of times with arrays of
the same shapes.  The first call is traced as usual and its tape turned into
a :class:`Program`: a flat list of primitive calls over numbered slots.  Later
calls with the same shapes and dtypes run that list directly (no Tensor
objects, no dispatch), computing local derivatives only where a gradient
needs them.

A recording is only valid while the function computes the same operations for
every input of those shapes.  It is not replayed (each call is traced afresh)
when:

- the function read a concrete value of a traced input (``if x > 0``,
  ``float``, ``item``, comparisons, ``np.sign``...): it may branch on it;
- the function reads anything a recording cannot check: only plain functions
  whose free variables and globals are modules, functions, numbers, strings
  and NumPy arrays qualify, and the arrays are compared with their recorded
  contents on every call, so rebinding or mutating them is noticed.
"""

from __future__ import annotations

import builtins
import functools
import operator
import re
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff.core import MINUS_ONE, ONE, Tensor, Trace, strip, unbroadcast

_SIMPLE = (int, float, complex, str, bytes, bool, type(None), np.generic, np.dtype)
_MAX_DEPTH = 4


class _Guard:
    """The outside state a function reads, recorded so that changes are seen."""

    def __init__(self, refs: list[tuple[Callable[[], Any], Any, Any]]):
        self.refs = refs  # (getter, identity at record time, array snapshot or None)

    def holds(self) -> bool:
        for getter, identity, snapshot in self.refs:
            try:
                current = getter()
            except (KeyError, ValueError, NameError):
                return False
            if current is not identity:
                return False
            if snapshot is not None and not np.array_equal(current, snapshot):
                return False
        return True


def guard_for(f: Callable[..., Any]) -> _Guard | None:
    """A guard over everything ``f`` reads from outside, or None if not checkable."""
    refs: list[tuple[Callable[[], Any], Any, Any]] = []
    if not _collect(f, refs, 0, set()):
        return None
    return _Guard(refs)


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _accept(value: Any, refs: list, getter: Callable[[], Any], depth: int, seen: set[int]) -> bool:
    if isinstance(value, (*_SIMPLE, types.ModuleType, types.BuiltinFunctionType, np.ufunc,
                          type)):
        refs.append((getter, value, None))
        return True
    if isinstance(value, np.ndarray):
        refs.append((getter, value, value.copy()))
        return True
    if isinstance(value, tuple):
        refs.append((getter, value, None))
        return all(_accept(v, refs, (lambda v=v: v), depth, seen) for v in value)
    if isinstance(value, types.FunctionType):
        refs.append((getter, value, None))
        return _collect(value, refs, depth + 1, seen)
    # NumPy's Python-level functions (np.mean...) dispatch on their arguments.
    module = getattr(value, "__module__", "") or ""
    if callable(value) and module.startswith("numpy"):
        refs.append((getter, value, None))
        return True
    return False


def _collect(f: Any, refs: list, depth: int, seen: set[int]) -> bool:
    if not isinstance(f, types.FunctionType) or depth > _MAX_DEPTH:
        return False
    if id(f) in seen:
        return True
    seen.add(id(f))
    code = f.__code__
    if f.__closure__:
        for cell in f.__closure__:
            try:
                value = cell.cell_contents
            except ValueError:
                return False
            if not _accept(value, refs, (lambda c=cell: c.cell_contents), depth, seen):
                return False
    for default in (f.__defaults__ or ()) + tuple((f.__kwdefaults__ or {}).values()):
        if not _accept(default, refs, (lambda d=default: d), depth, seen):
            return False
    module_globals = f.__globals__
    for name in _code_names(code):
        if name in module_globals:
            value = module_globals[name]
            if not _accept(value, refs, (lambda g=module_globals, n=name: g[n]), depth, seen):
                return False
        elif not hasattr(builtins, name):
            # An attribute name (np.sum -> "sum"), or a global not yet defined.
            continue
    return True


# Arithmetic written as Python operators: the same NumPy ufunc underneath,
# without the cost of a function call.
_INFIX = {
    "add": "{0} + {1}",
    "subtract": "{0} - {1}",
    "multiply": "{0} * {1}",
    "divide": "{0} / {1}",
    "negative": "-{0}",
    "getitem": "{0}[{1}]",
}


# The same operations as Python operators, for the interpreted long programs.
_OPERATOR = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
             "divide": operator.truediv, "negative": operator.neg, "getitem": operator.getitem}


def _basic_index(index: Any) -> bool:
    """An index that selects each element at most once (so += scatters correctly)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(k, int | slice | np.integer) or k is None or k is Ellipsis
               for k in parts)


class Program:
    """The tape of one traced call, compiled to straight-line Python.

    Slots 0..n_inputs-1 hold the inputs; step k writes slot n_inputs + k.
    The generated function runs the forward calls, the local derivatives the
    gradient needs, and the backward sweep, with every shape decision
    (broadcasting, which slots receive a gradient) made once, here.
    """

    def __init__(self, trace: Trace, leaves: Sequence[Tensor], out: Tensor,
                 grad_inputs: Sequence[int]):
        slot_of = {id(leaf): i for i, leaf in enumerate(leaves)}
        n_inputs = len(leaves)
        shapes = [np.shape(leaf._value) for leaf in leaves]
        log = trace.inputs_log or {}
        steps = []
        for node in trace.tape or []:
            positions = dict(zip(node._argnums, node._parents))
            spec = []
            for position, value in enumerate(log[id(node)]):
                parent = positions.get(position)
                spec.append((True, slot_of[id(parent)]) if parent is not None else (False, value))
            slot = n_inputs + len(steps)
            slot_of[id(node)] = slot
            shapes.append(np.shape(node._value))
            if node._prim.partials is not None:
                locals_ = dict(zip(node._argnums, node._saved))
                kwargs: dict[str, Any] = {}
            else:
                locals_ = {}
                kwargs = node._saved[1]
            steps.append((slot, node._prim, tuple(spec), kwargs, locals_))
        out_slot = slot_of[id(out)]

        # Forward: which slots depend on a differentiated input.
        depends = [False] * len(shapes)
        for i in grad_inputs:
            depends[i] = True
        wanted_of = {}
        for slot, prim, spec, _, _ in steps:
            wanted = tuple(
                p for p, (is_slot, j) in enumerate(spec)
                if is_slot and depends[j]
                and (prim.differentiable_args is None or p in prim.differentiable_args))
            wanted_of[slot] = wanted
            depends[slot] = bool(wanted)
        # Backward: which slots receive a gradient from the output.
        receives = [False] * len(shapes)
        receives[out_slot] = depends[out_slot]
        for slot, _, spec, _, _ in reversed(steps):
            if receives[slot]:
                for p in wanted_of[slot]:
                    receives[spec[p][1]] = True

        self.grad_inputs = tuple(grad_inputs)
        self.n_inputs = n_inputs
        self.out_shape = shapes[out_slot]
        self.compiled = len(steps) <= MAX_COMPILED_STEPS
        out_dtype = np.result_type(strip(out._value))
        if not self.compiled:
            # A long tape (an unrolled loop) is run by one loop over its steps:
            # no code whose size grows with the number of iterations.
            self.source = None
            self.run = self._run = _interpreter(steps, wanted_of, receives, shapes, out_slot,
                                                out_dtype, n_inputs, self.grad_inputs)
            self.all_receive = all(receives[i] for i in self.grad_inputs)
            return
        self.source, namespace = self._generate(steps, wanted_of, receives, shapes, out_slot,
                                                out_dtype)
        # The source is generated above from the primitive table, never from user text.
        exec(compile(self.source, "<steepest program>", "exec"), namespace)
        self.run = self._run = namespace["program"]

    def _generate(self, steps, wanted_of, receives, shapes, out_slot, out_dtype):
        namespace: dict[str, Any] = {"unbroadcast": unbroadcast}
        sizes = {f"{kind}{k}": int(np.prod(shape)) for k, shape in enumerate(shapes)
                 for kind in "sg"}
        lines = ["def program(inputs):"]
        lines.append("    " + ", ".join(f"s{i}" for i in range(self.n_inputs))
                     + (", = inputs" if self.n_inputs == 1 else " = inputs"))
        ct_shapes: dict[tuple[int, int], tuple[int, ...]] = {}
        for slot, prim, spec, kwargs, locals_ in steps:
            names = []
            for p, (is_slot, j) in enumerate(spec):
                if is_slot:
                    names.append(f"s{j}")
                else:
                    namespace[f"c{slot}_{p}"] = j
                    names.append(f"c{slot}_{p}")
            arg_list = ", ".join(names)
            if prim.name in _INFIX and not kwargs:
                expr = _INFIX[prim.name].format(*names)
            else:
                namespace[f"F{slot}"] = prim.forward
                if kwargs:
                    namespace[f"K{slot}"] = kwargs
                    expr = f"F{slot}({arg_list}, **K{slot})"
                else:
                    expr = f"F{slot}({arg_list})"
            lines.append(f"    s{slot} = {expr}")
            if not receives[slot]:
                continue
            if prim.partials is not None:
                for p in wanted_of[slot]:
                    local = locals_[p]
                    if local is ONE or local is MINUS_ONE:
                        ct_shapes[slot, p] = shapes[slot]
                        continue
                    namespace[f"D{slot}_{p}"] = prim.partials[p]
                    sizes[f"d{slot}_{p}"] = int(np.size(local))
                    lines.append(f"    d{slot}_{p} = D{slot}_{p}(s{slot}, {arg_list})")
                    ct_shapes[slot, p] = np.broadcast_shapes(shapes[slot], np.shape(local))
            else:
                namespace[f"V{slot}"] = prim.vjp
                namespace.setdefault(f"K{slot}", kwargs)
                lines.append(f"    a{slot} = [{arg_list}]")
                sizes[f"a{slot}"] = max((sizes[f"s{j}"] for is_slot, j in spec if is_slot),
                                        default=0)
        # True when every differentiated input gets a gradient array (no None to fill).
        self.all_receive = False
        if not receives[out_slot]:
            lines.append(f"    return s{out_slot}, " + "(" + "None, " * len(self.grad_inputs) + ")")
            return "\n".join(lines) + "\n", namespace
        seed = np.ones(shapes[out_slot], dtype=out_dtype)
        seed.flags.writeable = False
        namespace["SEED"] = seed
        lines.append(f"    g{out_slot} = SEED")
        has_grad = {out_slot}
        owned: set[int] = set()
        for slot, prim, spec, _kwargs, locals_ in reversed(steps):
            if not receives[slot] or slot not in has_grad:
                continue
            for p in wanted_of[slot]:
                j = spec[p][1]
                if prim.partials is not None:
                    local = locals_[p]
                    if local is ONE:
                        ct = f"g{slot}"
                    elif local is MINUS_ONE:
                        ct = f"-g{slot}"
                    else:
                        ct = f"g{slot} * d{slot}_{p}"
                    if ct_shapes[slot, p] != shapes[j]:
                        namespace[f"S{j}"] = shapes[j]
                        ct = f"unbroadcast({ct}, S{j})"
                elif prim.name == "getitem" and _basic_index(spec[1][1]):
                    # Scatter straight into a gradient buffer this program owns.
                    index = f"c{slot}_1"
                    if j not in has_grad:
                        namespace[f"S{j}"] = shapes[j]
                        namespace["zeros"] = np.zeros
                        lines.append(f"    g{j} = zeros(S{j}, dtype=s{j}.dtype)")
                        has_grad.add(j)
                        owned.add(j)
                    elif j not in owned:
                        lines.append(f"    g{j} = g{j}.copy()")
                        owned.add(j)
                    lines.append(f"    g{j}[{index}] += g{slot}")
                    continue
                else:
                    ct = f"V{slot}(g{slot}, {p}, s{slot}, a{slot}, K{slot})"
                if j in owned:
                    lines.append(f"    g{j} += {ct}")
                elif j in has_grad:
                    lines.append(f"    g{j} = g{j} + {ct}")
                else:
                    lines.append(f"    g{j} = {ct}")
                    has_grad.add(j)
        grads = ", ".join(f"g{i}" if i in has_grad else "None" for i in self.grad_inputs)
        self.all_receive = all(i in has_grad for i in self.grad_inputs)
        lines.append(f"    return s{out_slot}, ({grads},)")
        return "\n".join(_free_after_last_use(lines, sizes)) + "\n", namespace

    def value_and_grad(self, inputs: Sequence[Any]) -> tuple[Any, list]:
        value, grads = self._run(inputs)
        return value, list(grads)


_FREE_AT = 4096  # elements: arrays this large are released as soon as they are dead
_NAME = re.compile(r"\b([sgda]\d+(?:_\d+)?)\b")


def _free_after_last_use(lines: list[str], sizes: dict[str, int]) -> list[str]:
    """``del`` each large temporary right after the line that uses it last.

    Without this every forward value, local derivative and gradient of a
    call stays alive until the call returns: on large arrays the peak
    memory is the sum of them all, and each call faults fresh pages in.
    Released at once, they are reused by the next temporaries instead.
    """
    last: dict[str, int] = {}
    for i, line in enumerate(lines):
        for name in _NAME.findall(line):
            last[name] = i
    release: dict[int, list[str]] = {}
    for name, i in last.items():
        if sizes.get(name, 0) >= _FREE_AT and 1 < i < len(lines) - 1:
            release.setdefault(i, []).append(name)
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i in release:
            out.append("    del " + ", ".join(sorted(release[i])))
    return out


def _interpreter(steps, wanted_of, receives, shapes, out_slot, out_dtype, n_inputs,
                 grad_inputs) -> Callable[[Sequence[Any]], tuple[Any, tuple]]:
    """The program of a long tape as one loop over a prepared step list.

    The same decisions as the generated code (which slots need a gradient,
    which local derivatives, where broadcasting is undone) are made here
    once; each call then only runs the primitives.  Constants get slots of
    their own after the steps', so every argument is fetched the same way.
    """
    n_slots = len(shapes)
    constants: list[Any] = []
    forward_steps = []
    backward_steps = []
    for slot, prim, spec, kwargs, locals_ in steps:
        positions = []
        for is_slot, j in spec:
            if is_slot:
                positions.append(j)
            else:
                positions.append(n_slots + len(constants))
                constants.append(j)
        forward = prim.forward
        if kwargs:
            forward = functools.partial(forward, **kwargs)
        elif prim.name in _OPERATOR:
            forward = _OPERATOR[prim.name]
        # Local derivatives the backward sweep needs (units +1/-1 need none).
        partials = []
        targets = []
        if receives[slot]:
            for p in wanted_of[slot]:
                j = spec[p][1]
                if prim.partials is not None:
                    local = locals_[p]
                    unit = local if local is ONE or local is MINUS_ONE else None
                    if unit is None:
                        partials.append(prim.partials[p])
                        local_shape = np.broadcast_shapes(shapes[slot], np.shape(local))
                    else:
                        local_shape = shapes[slot]
                    targets.append((len(partials) - 1, unit, j,
                                    shapes[j] if local_shape != shapes[j] else None))
                else:
                    targets.append((p, None, j, None))
        keep_args = receives[slot] and prim.partials is None
        forward_steps.append((slot, forward, tuple(positions), tuple(partials), keep_args))
        if receives[slot]:
            vjp = (prim.vjp, kwargs) if prim.partials is None else None
            backward_steps.append((slot, vjp, tuple(targets)))
    backward_steps.reverse()
    seed = np.ones(shapes[out_slot], dtype=out_dtype)
    seed.flags.writeable = False
    differentiable = receives[out_slot]
    padding = [None] * (n_slots - n_inputs)

    def program(inputs: Sequence[Any]) -> tuple[Any, tuple]:
        values: list[Any] = [*inputs, *padding, *constants]
        saved: list[Any] = [None] * n_slots
        for slot, forward, positions, partials, keep_args in forward_steps:
            args = [values[j] for j in positions]
            ans = values[slot] = forward(*args)
            if partials:
                saved[slot] = [fn(ans, *args) for fn in partials]
            elif keep_args:
                saved[slot] = args
        if not differentiable:
            return values[out_slot], tuple(None for _ in grad_inputs)
        grads: list[Any] = [None] * n_slots
        grads[out_slot] = seed
        for slot, vjp, targets in backward_steps:
            g = grads[slot]
            if g is None:
                continue
            grads[slot] = None
            local_of = saved[slot]
            for k, unit, j, unbroadcast_to in targets:
                if vjp is not None:
                    ct = vjp[0](g, k, values[slot], local_of, vjp[1])
                elif unit is ONE:
                    ct = g
                elif unit is MINUS_ONE:
                    ct = -g
                else:
                    ct = g * local_of[k]
                if unbroadcast_to is not None:
                    ct = unbroadcast(ct, unbroadcast_to)
                grads[j] = ct if grads[j] is None else grads[j] + ct
        return values[out_slot], tuple(grads[i] for i in grad_inputs)

    return program


# id(function) -> {call signature -> _Entry}; an entry leaves with its function.
_PROGRAMS: dict[int, dict[Any, Any]] = {}
_RECORD_AFTER = 1  # calls traced eagerly before a recording is made
MAX_COMPILED_STEPS = 400


def _signature(args: Sequence[Any], argnums: tuple[int, ...]) -> Any:
    key: list[Any] = [argnums]
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            dtype = a.dtype
            if dtype.kind not in "fiub":
                return None
            key.append((a.shape, dtype))
        elif kind is float or kind is int:
            key.append(kind)  # a type, never equal to a (shape, dtype) pair
        elif isinstance(a, bool | Tensor) or not isinstance(a, int | float | np.ndarray):
            return None
        elif isinstance(a, np.ndarray):  # a subclass of ndarray
            if a.dtype.kind not in "fiub":
                return None
            key.append((a.shape, a.dtype))
        else:  # a subclass of int or float (not bool)
            key.append(("number", kind))
    return tuple(key)


class _Entry:
    __slots__ = ("calls", "guard", "program")

    def __init__(self) -> None:
        self.calls = 0
        self.program: Program | None = None
        self.guard: _Guard | None = None


def lookup(f: Callable[..., Any], args: Sequence[Any], argnums: tuple[int, ...]) -> Any:
    """The cache entry for this call, or None when calls like it are never replayed."""
    if not isinstance(f, types.FunctionType):
        return None
    key = _signature(args, argnums)
    if key is None:
        return None
    table = _PROGRAMS.get(id(f))
    if table is None:
        table = _PROGRAMS[id(f)] = {}
        weakref.finalize(f, _PROGRAMS.pop, id(f), None)
    entry = table.get(key)
    if entry is None:
        entry = table[key] = _Entry()
    return entry


def record(f: Callable[..., Any], args: Sequence[Any], argnums: tuple[int, ...],
           entry: _Entry) -> tuple[Any, list[Any]] | None:
    """Trace f with every argument as an input and keep the program if replayable.

    Returns (value, gradients) of this call, or None when the recording
    could not be made (the caller then traces as usual).
    """
    from steepest.autodiff.core import REVERSE, backward_sweep, box, strip
    from steepest.errors import SteepestError

    guard = guard_for(f)
    if guard is None:
        entry.calls = -1  # never again for this signature
        return None
    trace = Trace(REVERSE)
    trace.inputs_log = {}
    leaves = [box(a, trace) for a in args]
    try:
        out = f(*leaves)
    except SteepestError:
        entry.calls = -1
        return None
    finally:
        trace.done = True
    if (not (isinstance(out, Tensor) and out._trace is trace) or trace.data_dependent
            or np.size(out._value) != 1):
        entry.calls = -1
        return None
    program = Program(trace, leaves, out, argnums)
    seed = np.ones(np.shape(out._value), dtype=np.result_type(out._value))
    backward_sweep(out, seed, trace.tape or [])
    grads = []
    for n in argnums:
        g = leaves[n]._g
        grads.append(g if g is not None else np.zeros(np.shape(leaves[n]._value)))
    for leaf in leaves:
        leaf._g = None
    entry.program = program
    entry.guard = guard
    return strip(out._value), grads
