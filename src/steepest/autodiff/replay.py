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
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff.core import MINUS_ONE, ONE, Tensor, Trace, unbroadcast

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


class Program:
    """The tape of one traced call as a flat list of primitive calls.

    Slots 0..n_inputs-1 hold the inputs; step k writes slot n_inputs + k.
    """

    def __init__(self, trace: Trace, leaves: Sequence[Tensor], out: Tensor,
                 grad_inputs: Sequence[int]):
        slot_of = {id(leaf): i for i, leaf in enumerate(leaves)}
        self.n_inputs = len(leaves)
        log = trace.inputs_log or {}
        steps = []
        tape = trace.tape or []
        for node in tape:
            raw = log[id(node)]
            positions = dict(zip(node._argnums, node._parents))
            spec = []
            for position, value in enumerate(raw):
                parent = positions.get(position)
                if parent is not None:
                    spec.append((True, slot_of[id(parent)]))
                else:
                    spec.append((False, value))
            kwargs = node._saved[1] if node._prim.partials is None else {}
            slot_of[id(node)] = self.n_inputs + len(steps)
            steps.append((node._prim, tuple(spec), kwargs))
        self.out_slot = slot_of[id(out)]
        # Which slots carry a derivative back to a differentiated input.
        needs = [False] * (self.n_inputs + len(steps))
        for i in grad_inputs:
            needs[i] = True
        self.steps = []
        for k, (prim, spec, kwargs) in enumerate(steps):
            slot = self.n_inputs + k
            wanted = tuple(p for p, (is_slot, j) in enumerate(spec)
                           if is_slot and needs[j]
                           and (prim.differentiable_args is None or p in prim.differentiable_args))
            needs[slot] = bool(wanted)
            self.steps.append((slot, prim, spec, kwargs, wanted))
        self.grad_inputs = tuple(grad_inputs)
        self.size = self.n_inputs + len(steps)

    def value_and_grad(self, inputs: Sequence[Any], seed_dtype: Any = None) -> tuple[Any, list]:
        values: list[Any] = list(inputs) + [None] * (self.size - self.n_inputs)
        saved: list[Any] = [None] * self.size
        for slot, prim, spec, kwargs, wanted in self.steps:
            args = [values[j] if is_slot else j for is_slot, j in spec]
            ans = prim.forward(*args, **kwargs)
            values[slot] = ans
            if wanted:
                if prim.partials is not None:
                    saved[slot] = tuple(prim.partials[p](ans, *args) for p in wanted)
                else:
                    saved[slot] = args
        out = values[self.out_slot]
        grads: list[Any] = [None] * self.size
        grads[self.out_slot] = np.ones(np.shape(out), dtype=seed_dtype or np.result_type(out))
        for slot, prim, spec, kwargs, wanted in reversed(self.steps):
            g = grads[slot]
            if g is None or not wanted:
                continue
            grads[slot] = None
            if prim.partials is not None:
                for p, local in zip(wanted, saved[slot]):
                    if local is ONE:
                        ct = g
                    elif local is MINUS_ONE:
                        ct = -g
                    else:
                        ct = g * local
                    j = spec[p][1]
                    ct = unbroadcast(ct, np.shape(values[j]))
                    grads[j] = ct if grads[j] is None else grads[j] + ct
            else:
                args = saved[slot]
                ans = values[slot]
                for p in wanted:
                    j = spec[p][1]
                    ct = prim.vjp(g, p, ans, args, kwargs)
                    grads[j] = ct if grads[j] is None else grads[j] + ct
        return out, [grads[i] for i in self.grad_inputs]


_PROGRAMS: weakref.WeakKeyDictionary[Callable[..., Any], dict[Any, Any]] = (
    weakref.WeakKeyDictionary())
_RECORD_AFTER = 1  # calls traced eagerly before a recording is made


def _signature(args: Sequence[Any], argnums: tuple[int, ...]) -> Any:
    key = [argnums]
    for a in args:
        if isinstance(a, bool | Tensor):
            return None
        if isinstance(a, int | float):
            key.append(("number", type(a)))
        elif isinstance(a, np.ndarray) and a.dtype.kind in "fiub":
            key.append((a.shape, a.dtype.str))
        else:
            return None
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
    try:
        table = _PROGRAMS.setdefault(f, {})
    except TypeError:
        return None
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
    if not (isinstance(out, Tensor) and out._trace is trace) or trace.data_dependent:
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
