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
import gc
import math
import operator
import re
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from steepest.autodiff import fuse
from steepest.autodiff.core import (
    MINUS_ONE,
    ONE,
    REVERSE,
    Later,
    Node,
    Trace,
    as_float_array,
    backward_sweep,
    strip,
    unbroadcast,
)
from steepest.autodiff.tensor import Tensor, box
from steepest.errors import SteepestError

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


def _float_sign(x: float) -> float:
    """np.sign on a Python float: -1.0, 0.0 or 1.0, and nan for nan."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x if x != x else 0.0


# The names the expressions of :class:`steepest.autodiff.core.Code` may use, over Python
# floats.  Where NumPy gives inf or nan (log 0, 1/0, exp overflow), these raise instead,
# and the program over floats hands the call to the NumPy program.
FLOAT_NAMES: dict[str, Any] = {
    name: getattr(math, name)
    for name in ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
                 "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log2", "log10",
                 "log1p", "sqrt", "cbrt", "hypot", "pow")
}
def _float_over_radius(v: float, radius: float) -> float:
    """``v / radius`` on Python floats, and 0.0 where the radius is 0 (the origin of hypot
    and arctan2: see ``primitives._over_radius``)."""
    return 0.0 if radius == 0.0 else v / radius


FLOAT_NAMES.update(abs=abs, sign=_float_sign, over_radius=_float_over_radius,
                   LN2=math.log(2.0), LN10=math.log(10.0))
# The exponent NumPy's power computes as a square root (0.5 since NumPy 2: sqrt(-inf) is
# nan where pow(-inf, 0.5) is inf), or nan, which no exponent equals, for a NumPy that does not.
with np.errstate(invalid="ignore"):
    FLOAT_NAMES["SQRT_POWER"] = (0.5 if math.isnan(np.power(np.array(-math.inf), 0.5))
                                 else math.nan)

MAX_FLOAT_ELEMENTS = 64  # array inputs up to this size may be unpacked into Python floats
_IDENTIFIER = re.compile(r"^-?[A-Za-z_][A-Za-z_0-9]*$|^-?[0-9.e+-]+$")


_NO_KEYWORDS: dict[str, Any] = {}  # shared by every step without keywords: never written
_FLOAT64 = np.dtype(np.float64)  # compared as a dtype: quicker than with the type


def _literal(value: Any) -> str | None:
    """A constant as Python source, when it is a plain finite number."""
    if type(value) is float:
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return repr(int(value))
    if isinstance(value, float | np.floating) and np.dtype(type(value)) == np.float64:
        number = float(value)
        return repr(number) if math.isfinite(number) else None
    return None


def _flat_index(index: Any, shape: tuple[int, ...]) -> int | None:
    """The position in ``ravel()`` of ``x[index]`` when it picks one element, else None."""
    parts = index if isinstance(index, tuple) else (index,)
    if len(parts) != len(shape) or not all(
            isinstance(k, int | np.integer) and not isinstance(k, bool | np.bool_)
            for k in parts):
        return None
    try:
        return int(np.ravel_multi_index(tuple(int(k) % n for k, n in zip(parts, shape)), shape))
    except (ValueError, ZeroDivisionError):
        return None


def _input_kind(arg: Any, leaf_value: Any) -> str | None:
    """How an input enters a program over floats: 'float', 'number', 'elements' or None."""
    if type(arg) is float:
        return "float"
    if isinstance(arg, int | float | np.integer | np.floating) and not isinstance(
            arg, bool | np.bool_):
        return "number" if np.result_type(leaf_value) == np.float64 else None
    if type(arg) is np.ndarray and arg.dtype == np.float64:
        if arg.ndim == 0:
            return "number"
        if arg.size <= MAX_FLOAT_ELEMENTS:
            return "elements"
    return None


def _float_steps(steps, receives, shapes, dtypes, out_slot, n_inputs, kinds) -> list | None:
    """The tape as operations on single numbers, or None where it is not one.

    A program is over floats when every value it computes is a single float64
    number and every operation has a :class:`~steepest.autodiff.core.Code`;
    small array inputs are read element by element (``x, y = v``).  Each step
    becomes ``(slot, prim, operands, element, locals)``: ``element`` is
    ``(input, flat index)`` for the pick of one element of an array input,
    otherwise None and ``operands`` are ``(True, slot)`` or ``(False,
    number)``, a constant as a plain Python number.  Both the straight-line
    code and the interpreter of long programs are made from this, so they
    apply to the same programs.
    """
    if shapes[out_slot] != () or dtypes[out_slot] != _FLOAT64 or not receives[out_slot]:
        return None
    numbers = {i for i in range(n_inputs) if kinds[i] in ("float", "number")}
    plan = []
    for slot, prim, spec, kwargs, locals_ in steps:
        if prim.name == "getitem":
            is_slot, j = spec[0]
            flat = (_flat_index(spec[1][1], shapes[j])
                    if is_slot and j < n_inputs and kinds[j] == "elements" else None)
            if flat is None:
                return None
            plan.append((slot, prim, (), (j, flat), locals_))
        else:
            dtype = dtypes[slot]
            if (prim.code is None or kwargs or shapes[slot] != ()
                    or (dtype is not _FLOAT64 and dtype != _FLOAT64)):
                return None
            operands = []
            for is_slot, j in spec:
                if is_slot:
                    if j not in numbers:
                        return None
                    operands.append((True, j))
                    continue
                if type(j) is float:  # the common constant, a Python float, as it is
                    if not math.isfinite(j):
                        return None
                    operands.append((False, j))
                    continue
                if _literal(j) is None:
                    return None
                # A constant as a Python number: a NumPy scalar (taken from an array)
                # would turn every value computed after it into one.
                operands.append((False, int(j) if isinstance(j, int | np.integer) else float(j)))
            plan.append((slot, prim, tuple(operands), None, locals_))
        numbers.add(slot)
    return plan


@dataclass(frozen=True, eq=False)
class FloatSweep:
    """A recorded program's forward and backward sweep as statements over Python floats.

    ``inputs[i]`` names the values of input ``i`` in flat order (``s0`` for
    a number, ``e0_0, e0_1...`` for the elements of a small array);
    ``unpack[i]`` reads the argument ``si`` into those names, ``body``
    computes the value ``value`` and, for each differentiated input, the
    expressions ``grads[k]`` of its gradient element by element.  The
    program over floats is these statements in a function; a descent loop
    can place them inside its own loop (see :mod:`steepest.optim.loop`).
    Evaluating them may raise ``ArithmeticError`` or ``ValueError`` where
    NumPy gives inf or nan.
    """

    inputs: tuple[tuple[str, ...], ...]
    kinds: tuple[str | None, ...]
    shapes: tuple[tuple[int, ...], ...]
    unpack: dict[int, str]
    body: tuple[str, ...]
    value: str
    grad_inputs: tuple[int, ...]
    grads: tuple[tuple[str, ...], ...]
    namespace: dict[str, Any]


def _float_sweep(plan, wanted_of, receives, shapes, out_slot, n_inputs, grad_inputs,
                 kinds) -> FloatSweep | None:
    """The program (``plan``, see :func:`_float_steps`) as statements over Python floats.

    The statements are the same sweep as the NumPy program's, operation for
    operation, so the numbers are the same.  None when a rule has no
    template.
    """
    name_of: dict[int, str] = {}  # slot -> the expression naming its value
    used_elements: dict[int, set[int]] = {}
    for i in range(n_inputs):
        if kinds[i] in ("float", "number"):
            name_of[i] = f"s{i}"
    body: list[str] = []
    for slot, prim, operands, element, _locals in plan:
        if element is not None:
            j, flat = element
            used_elements.setdefault(j, set()).add(flat)
            name_of[slot] = f"e{j}_{flat}"
            continue
        names = [name_of[j] if is_slot else repr(j) for is_slot, j in operands]
        body.append(f"s{slot} = {prim.code.forward.format(*names)}")
        name_of[slot] = f"s{slot}"
    unpack: dict[int, str] = {}  # input -> the statement that reads it
    for i in range(n_inputs):
        if kinds[i] == "number":
            unpack[i] = f"s{i} = float(s{i})"
        elif kinds[i] == "elements" and i in used_elements:
            size = int(np.prod(shapes[i]))
            source = f"s{i}.tolist()" if len(shapes[i]) == 1 else f"s{i}.ravel().tolist()"
            unpack[i] = (", ".join(f"e{i}_{k}" for k in range(size))
                         + (", = " if size == 1 else " = ") + source)

    # Backward, in the order of the NumPy program: the same sums in the same order.
    grad_of: dict[int, str] = {}  # slot -> its gradient variable, once it has one
    element_grads: set[str] = set()
    backward = [f"g{out_slot} = 1.0"]
    grad_of[out_slot] = f"g{out_slot}"
    for slot, prim, operands, element, locals_ in reversed(plan):
        if not receives[slot] or slot not in grad_of:
            continue
        g = grad_of[slot]
        if element is not None:
            j, flat = element
            target = f"ge{j}_{flat}"
            if target in element_grads:
                backward.append(f"{target} = {target} + {g}")
            else:
                backward.append(f"{target} = {g}")
                element_grads.add(target)
            continue
        names = [name_of[j] if is_slot else repr(j) for is_slot, j in operands]
        for p in wanted_of[slot]:
            j = operands[p][1]
            local = locals_[p]
            if local is ONE:
                ct = g
            elif local is MINUS_ONE:
                ct = f"-{g}"
            else:
                template = prim.code.partials[p]
                if template is None:
                    return None
                partial = template.format(*names, ans=name_of[slot])
                ct = f"{g} * {partial}" if _IDENTIFIER.match(partial) else f"{g} * ({partial})"
            if j in grad_of:
                backward.append(f"g{j} = g{j} + {ct}")
            else:
                backward.append(f"g{j} = {ct}")
                grad_of[j] = f"g{j}"
    grads = []
    for i in grad_inputs:
        if kinds[i] in ("float", "number"):
            grads.append((grad_of.get(i, "0.0"),))
        elif kinds[i] == "elements":
            grads.append(tuple(f"ge{i}_{k}" if f"ge{i}_{k}" in element_grads else "0.0"
                               for k in range(int(np.prod(shapes[i])))))
        else:
            return None
    if out_slot not in name_of:
        return None
    namespace: dict[str, Any] = dict(FLOAT_NAMES)
    inputs = tuple((f"s{i}",) if kinds[i] in ("float", "number")
                   else tuple(f"e{i}_{k}" for k in range(int(np.prod(shapes[i]))))
                   if kinds[i] == "elements" else () for i in range(n_inputs))
    return FloatSweep(inputs, tuple(kinds), tuple(shapes[:n_inputs]), unpack,
                      tuple(body + backward), name_of[out_slot], tuple(grad_inputs),
                      tuple(grads), namespace)


def _float_program_source(sweep: FloatSweep) -> tuple[str, dict[str, Any]]:
    """The program over floats: a call runs the sweep; an exception hands it to FALLBACK.

    A call that meets an exception (a log of 0, a division by 0) is run by
    the NumPy program instead, which gives NumPy's inf and nan.
    """
    namespace = dict(sweep.namespace)
    namespace["array"] = np.array
    n_inputs = len(sweep.inputs)
    lines = ["def program(inputs):"]
    lines.append("    " + ", ".join(f"s{i}" for i in range(n_inputs))
                 + (", = inputs" if n_inputs == 1 else " = inputs"))
    lines.append("    try:")
    lines.extend("        " + line for line in (*sweep.unpack.values(), *sweep.body))
    results = []
    for i, parts in zip(sweep.grad_inputs, sweep.grads):
        if sweep.kinds[i] == "elements":
            made = f"array(({', '.join(parts)},))"
            if len(sweep.shapes[i]) != 1:
                namespace[f"S{i}"] = sweep.shapes[i]
                made += f".reshape(S{i})"
            results.append(made)
        else:
            results.append(parts[0])
    lines.append(f"        return {sweep.value}, ({', '.join(results)},)")
    lines.append("    except (ArithmeticError, ValueError):")
    lines.append("        return FALLBACK(inputs)")
    return "\n".join(lines) + "\n", namespace


def _tape_steps(tape: Sequence[Node], log: dict[int, list[Any]], leaves: Sequence[Tensor],
                shapes: list[tuple[int, ...]], dtypes: list[np.dtype]
                ) -> tuple[list[tuple], dict[int, int]]:
    """The tape as steps ``(slot, prim, spec, kwargs, locals)``, and the slot of each value.

    ``log`` is the trace's ``inputs_log``.  ``shapes`` and ``dtypes`` hold
    the inputs'; each step's are appended.  ``spec`` gives each argument as
    ``(True, slot)`` or ``(False, constant)``.
    """
    slot_of = {id(leaf): i for i, leaf in enumerate(leaves)}
    n_inputs = len(leaves)
    steps = []
    for node in tape:
        argnums = node._argnums
        parents = iter(node._parents)  # the arguments at argnums, in their order
        spec = []
        for position, value in enumerate(log[id(node)]):
            if position in argnums:
                spec.append((True, slot_of[id(next(parents))]))
            else:
                spec.append((False, value))
        slot = n_inputs + len(steps)
        slot_of[id(node)] = slot
        value = node._value
        if type(value) is np.ndarray or isinstance(value, np.generic):
            shapes.append(value.shape)  # as attributes: np.shape and result_type dispatch
            dtypes.append(value.dtype)
        else:
            shapes.append(np.shape(value))
            dtypes.append(np.result_type(value))
        if node._prim.partials is not None:
            # A loop, not a comprehension: no frame made per node (a long tape has many).
            locals_ = {}
            for p, local in zip(argnums, node._saved):
                # A partial left to the sweep is read for its shape and dtype only.
                locals_[p] = local.stand_in() if type(local) is Later else local
            kwargs: dict[str, Any] = _NO_KEYWORDS
        else:
            locals_ = {}
            kwargs = node._saved[1]
        steps.append((slot, node._prim, tuple(spec), kwargs, locals_))
    return steps, slot_of


def _needs(steps: list[tuple], n_slots: int, grad_inputs: tuple[int, ...],
           out_slot: int) -> tuple[dict[int, tuple[int, ...]], list[bool]]:
    """(the arguments of each step a gradient flows to, whether each slot receives one)."""
    # Forward: which slots depend on a differentiated input.
    depends = [False] * n_slots
    for i in grad_inputs:
        depends[i] = True
    wanted_of = {}
    for slot, prim, spec, _, _ in steps:
        allowed = prim.differentiable_args
        wanted = []
        for p, (is_slot, j) in enumerate(spec):
            if is_slot and depends[j] and (allowed is None or p in allowed):
                wanted.append(p)
        wanted_of[slot] = wanted = tuple(wanted)
        depends[slot] = bool(wanted)
    # Backward: which slots receive a gradient from the output.
    receives = [False] * n_slots
    receives[out_slot] = depends[out_slot]
    for slot, _, spec, _, _ in reversed(steps):
        if receives[slot]:
            for p in wanted_of[slot]:
                receives[spec[p][1]] = True
    return wanted_of, receives


def _long_numpy_program(tape: list[Node], log: dict[int, list[Any]], leaves: Sequence[Tensor],
                        out: Tensor, grad_inputs: tuple[int, ...], shapes: list[tuple[int, ...]],
                        dtypes: list[np.dtype]) -> Callable[[Sequence[Any]], Any]:
    """The NumPy interpreter of a long tape, made from the tape itself (see :class:`Program`)."""
    shapes, dtypes = list(shapes), list(dtypes)  # the inputs' alone: the steps' are added
    steps, slot_of = _tape_steps(tape, log, leaves, shapes, dtypes)
    out_slot = slot_of[id(out)]
    wanted_of, receives = _needs(steps, len(shapes), grad_inputs, out_slot)
    return _interpreter(steps, wanted_of, receives, shapes, out_slot,
                        np.result_type(strip(out._value)), len(leaves), grad_inputs)


class Program:
    """The tape of one traced call, compiled to straight-line Python.

    Slots 0..n_inputs-1 hold the inputs; step k writes slot n_inputs + k.
    The generated function runs the forward calls, the local derivatives the
    gradient needs, and the backward sweep, with every shape decision
    (broadcasting, which slots receive a gradient) made once, here.
    """

    def __init__(self, trace: Trace, leaves: Sequence[Tensor], out: Tensor,
                 grad_inputs: Sequence[int], args: Sequence[Any] | None = None):
        n_inputs = len(leaves)
        self.grad_inputs = tuple(grad_inputs)
        self.n_inputs = n_inputs
        self.reads: list[tuple[int, Any, tuple, dict[str, Any], Any]] = []
        self.repeatable = True
        self.floats = False
        self.float_source: str | None = None
        self.float_sweep: FloatSweep | None = None
        shapes = [np.shape(leaf._value) for leaf in leaves]
        dtypes = [np.result_type(leaf._value) for leaf in leaves]
        if (args is not None and not trace.reads and trace.tape
                and len(trace.tape) > MAX_COMPILED_STEPS):
            # A long tape over floats (an unrolled loop) goes from the tape to the
            # interpreter's tables in one pass; the NumPy program, which it needs only
            # for a call that meets inf or nan, is made from the tape on that call.
            kinds = [_input_kind(a, leaf._value) for a, leaf in zip(args, leaves)]
            numpy_program = _on_first_use(functools.partial(
                _long_numpy_program, trace.tape, trace.inputs_log, leaves, out,
                self.grad_inputs, shapes, dtypes))
            run = _tape_float_interpreter(trace, leaves, out, self.grad_inputs, kinds, shapes,
                                          numpy_program)
            if run is not None:
                self.compiled, self.source, self.out_shape = False, None, ()
                self.run, self.floats, self.all_receive = run, True, True
                self._run = numpy_program
                return
        steps, slot_of = _tape_steps(trace.tape or [], trace.inputs_log or {}, leaves, shapes,
                                     dtypes)
        out_slot = slot_of[id(out)]
        # The reads of concrete values (comparisons, signs) the call made: each is made
        # again right after its last argument is computed, and must give the same.
        for fn, values, read_kwargs, result in trace.reads or ():
            read_spec = []
            for value in values:
                if isinstance(value, Tensor) and value._trace is trace:
                    if id(value) not in slot_of:
                        self.repeatable = False  # a value outside the tape
                        break
                    read_spec.append((True, slot_of[id(value)]))
                else:
                    read_spec.append((False, strip(value)))
            after = max((j for is_slot, j in read_spec if is_slot), default=-1)
            self.reads.append((after, fn, tuple(read_spec), read_kwargs, result))
        wanted_of, receives = _needs(steps, len(shapes), self.grad_inputs, out_slot)

        self.out_shape = shapes[out_slot]
        self.compiled = len(steps) <= MAX_COMPILED_STEPS
        out_dtype = np.result_type(strip(out._value))
        # Over Python floats when every value is one number (see _float_program_source).
        kinds = ([_input_kind(a, leaf._value) for a, leaf in zip(args, leaves)]
                 if args is not None and not self.reads else [None] * n_inputs)
        if self.reads and not self.compiled:
            self.repeatable = False  # the interpreter of long programs checks no reads
        plan = _float_steps(steps, receives, shapes, dtypes, out_slot, n_inputs, kinds)
        if not self.compiled:
            # A long tape (an unrolled loop) is run by one loop over its steps:
            # no code whose size grows with the number of iterations.
            self.source = None
            # Prepared on its first use: a program over floats may never need it.
            self.run = self._run = _on_first_use(functools.partial(
                _interpreter, steps, wanted_of, receives, shapes, out_slot, out_dtype, n_inputs,
                self.grad_inputs))
            self.all_receive = all(receives[i] for i in self.grad_inputs)
            floats = plan is not None and _float_interpreter(
                plan, wanted_of, receives, shapes, out_slot, n_inputs, self.grad_inputs, kinds,
                self._run)
            if floats:
                self.run, self.floats, self.all_receive = floats, True, True
            return
        # Fused kernels compute in float64 exactly as NumPy does: every value float64.
        exact = fuse.available() and all(d == _FLOAT64 for d in dtypes) and all(
            local is ONE or local is MINUS_ONE or (
                isinstance(local, np.ndarray | np.floating | float)
                and np.result_type(local) == np.float64)
            for *_, locals_ in steps for local in locals_.values())
        self.all_float64 = all(d == _FLOAT64 for d in dtypes)
        self.fusable = exact and any(
            len(shape) and np.prod(shape) >= fuse.FUSE_AT for shape in shapes)
        # Small arrays: the same expressions, as direct ufunc calls (no kept arrays).
        self.direct = exact and not self.fusable and fuse.DIRECT
        self.source, namespace = self._generate(steps, wanted_of, receives, shapes, out_slot,
                                                out_dtype)
        # The source is generated above from the primitive table, never from user text.
        exec(compile(self.source, "<steepest program>", "exec"), namespace)
        self.run = self._run = namespace["program"]
        if plan is not None:
            self.float_sweep = _float_sweep(plan, wanted_of, receives, shapes, out_slot,
                                            n_inputs, self.grad_inputs, kinds)
        if self.float_sweep is not None:
            self.float_source, namespace = _float_program_source(self.float_sweep)
            namespace["FALLBACK"] = self._run_converted
            exec(compile(self.float_source, "<steepest program over floats>", "exec"),
                 namespace)
            self.run, self.floats, self.all_receive = namespace["program"], True, True

    def _run_converted(self, inputs: Sequence[Any]) -> tuple[Any, tuple]:
        """The NumPy program on inputs as they were passed (numbers become arrays)."""
        value, grads = self._run([as_float_array(a) for a in inputs])
        return value, tuple(g if g is not None else zero_gradient(a)
                            for g, a in zip(grads, (inputs[i] for i in self.grad_inputs)))

    # long: writes one generated function top to bottom (reads, forward, sweep, result); the
    # sections share the lines written so far and the names already bound.
    def _generate(self, steps, wanted_of, receives, shapes, out_slot, out_dtype):
        namespace: dict[str, Any] = {"unbroadcast": unbroadcast, "full": np.full}
        # The Python expression of each rule called by name (for fused kernels).
        templates: dict[str, str] = {}
        sizes = {f"{kind}{k}": int(np.prod(shape)) for k, shape in enumerate(shapes)
                 for kind in "sg"}
        lines = ["def program(inputs):"]
        lines.append("    " + ", ".join(f"s{i}" for i in range(self.n_inputs))
                     + (", = inputs" if self.n_inputs == 1 else " = inputs"))
        reads_after: dict[int, list[str]] = {}
        for k, (after, fn, spec, read_kwargs, result) in enumerate(self.reads):
            namespace.update({f"R{k}": fn, f"RK{k}": read_kwargs, f"r{k}": result,
                              "SAME": _same_read})
            read_args = _argument_names(spec, namespace, f"rc{k}")
            # A read that gives something else (another branch, another mask): this
            # recording does not apply to the call.
            reads_after.setdefault(max(after, self.n_inputs - 1), []).append(
                f"    if not SAME(R{k}({', '.join(read_args)}, **RK{k}), r{k}): return None")
        lines.extend(reads_after.get(self.n_inputs - 1, []))
        pure: set[str] = set()  # forward values computed by operations with no side effect
        ct_shapes: dict[tuple[int, int], tuple[int, ...]] = {}
        # (slot, p) -> the expression of a local derivative that is an operand itself
        # (a product's other factor): nothing is computed for it on the way forward.
        operand_of: dict[tuple[int, int], tuple[str, Any]] = {}
        for slot, prim, spec, kwargs, locals_ in steps:
            names = _argument_names(spec, namespace, f"c{slot}")
            arg_list = ", ".join(names)
            if prim.name in _INFIX and not kwargs:
                expr = _INFIX[prim.name].format(*names)
            else:
                namespace[f"F{slot}"] = prim.forward
                if prim.code is not None:
                    templates[f"F{slot}"] = prim.code.forward
                if kwargs:
                    namespace[f"K{slot}"] = kwargs
                    expr = f"F{slot}({arg_list}, **K{slot})"
                else:
                    expr = f"F{slot}({arg_list})"
            lines.append(f"    s{slot} = {expr}")
            if prim.partials is not None or prim.name in _PURE_REDUCTIONS:
                pure.add(f"s{slot}")
            lines.extend(reads_after.get(slot, []))
            if not receives[slot]:
                continue
            if prim.partials is not None:
                for p in wanted_of[slot]:
                    local = locals_[p]
                    if local is ONE or local is MINUS_ONE:
                        ct_shapes[slot, p] = shapes[slot]
                        continue
                    ct_shapes[slot, p] = np.broadcast_shapes(shapes[slot], np.shape(local))
                    template = prim.code.partials[p] if prim.code is not None else None
                    bare = _PLACEHOLDER.match(template) if template else None
                    if bare and bare.group(1) != "ans":
                        k = int(bare.group(1))
                        is_slot, j = spec[k]
                        operand_of[slot, p] = (names[k], None if is_slot else j,
                                               shapes[j] if is_slot else np.shape(j))
                        continue
                    namespace[f"D{slot}_{p}"] = prim.partials[p]
                    if template is not None:
                        templates[f"D{slot}_{p}"] = template
                    sizes[f"d{slot}_{p}"] = int(np.size(local))
                    # A rule whose template does not name the result gets None for it, so
                    # that a gradient-only program need not compute the result.
                    ans = f"s{slot}" if template is None or "{ans}" in template else "None"
                    lines.append(f"    d{slot}_{p} = D{slot}_{p}({ans}, {arg_list})")
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
        sweep = _Backward(lines, namespace, sizes, shapes, out_dtype)
        sweep.one_dtype = self.all_float64
        sweep.grads[out_slot] = _Grad.uniform(1.0)
        for slot, prim, spec, kwargs, locals_ in reversed(steps):
            g = sweep.grads.get(slot)
            if not receives[slot] or g is None:
                continue
            for p in wanted_of[slot]:
                j = spec[p][1]
                if prim.partials is not None:
                    local = locals_[p]
                    if local is ONE:
                        ct = g
                    elif local is MINUS_ONE:
                        ct = g.negated()
                    elif (slot, p) in operand_of:
                        ct = sweep.times(g, *operand_of[slot, p], slot, f"g{slot}_{p}",
                                         ct_shapes[slot, p], np.asarray(local).dtype)
                    else:
                        ct = sweep.times(g, f"d{slot}_{p}", None, np.shape(local), slot,
                                         f"g{slot}_{p}", ct_shapes[slot, p],
                                         np.asarray(local).dtype)
                    if ct_shapes[slot, p] != shapes[j]:
                        namespace[f"S{j}"] = shapes[j]
                        ct = sweep.unbroadcast(ct, ct_shapes[slot, p], f"S{j}", f"g{slot}_{p}",
                                               shapes[j])
                    sweep.add_to(j, ct)
                elif prim.name == "getitem" and _basic_index(spec[1][1]):
                    sweep.scatter(j, f"c{slot}_1", g, slot)
                elif (prim.name in ("sum", "mean") and g.is_uniform and sweep.exact
                      and kwargs.get("axis") is None):
                    # The gradient of a total is the same number everywhere.
                    count = int(np.prod(shapes[j]))
                    value = g.value if prim.name == "sum" else g.value / count
                    sweep.add_to(j, _Grad.uniform(value))
                else:
                    # A vjp is linear in g: the sign of a negated g stays outside the call.
                    name = f"g{slot}_{p}"
                    incoming = sweep.array(g, slot) if g.is_uniform else g.name
                    lines.append(f"    {name} = V{slot}({incoming}, {p}, s{slot}, "
                                 f"a{slot}, K{slot})")
                    sizes[name] = int(np.prod(shapes[j]))
                    sweep.add_to(j, _Grad(name, 1.0 if g.is_uniform else g.sign, True))
        results = []
        for i in self.grad_inputs:
            g = sweep.grads.get(i)
            results.append("None" if g is None else sweep.fresh_array(g, i))
        self.all_receive = all(i in sweep.grads for i in self.grad_inputs)
        lines.append(f"    return s{out_slot}, ({', '.join(results)},)")
        gradient_lines = _without_dead_values(lines, pure)
        if self.fusable and max(sizes.values(), default=0) >= fuse.FUSE_AT:
            # Runs of elementwise arithmetic on large arrays: each computed into kept arrays.
            gradient_lines = fuse.fuse(gradient_lines, namespace, templates, sizes,
                                       self.n_inputs)
            lines = fuse.fuse(lines, namespace, templates, sizes, self.n_inputs)
        elif self.direct:
            gradient_lines = fuse.fuse(gradient_lines, namespace, templates, sizes,
                                       self.n_inputs, small=True)
            lines = fuse.fuse(lines, namespace, templates, sizes, self.n_inputs, small=True)
        self._gradient_only = (gradient_lines, sizes, namespace)
        return "\n".join(_free_after_last_use(lines, sizes)) + "\n", namespace

    def gradient_run(self) -> Callable[[Sequence[Any]], Any]:
        """The program without the forward values only the result needed; its value is None.

        ``st.grad`` asks for the gradient alone: the loss itself, and whatever
        only it was made of, need not be computed.  Generated on first use.
        """
        run = self.__dict__.get("_gradient_run")
        if run is None:
            lines, sizes, namespace = self._gradient_only
            source = "\n".join(_free_after_last_use(lines, sizes)) + "\n"
            namespace = dict(namespace)
            exec(compile(source, "<steepest gradient program>", "exec"), namespace)
            run = self.__dict__["_gradient_run"] = namespace["program"]
        return run

    def value_and_grad(self, inputs: Sequence[Any]) -> tuple[Any, list]:
        value, grads = self._run(inputs)
        return value, list(grads)


def _argument_names(spec: Sequence[tuple[bool, Any]], namespace: dict[str, Any],
                    prefix: str) -> list[str]:
    """The names of a call's arguments in generated code: ``sN`` for a slot, and a
    constant entered in ``namespace`` as ``<prefix>_<position>``."""
    names = []
    for p, (is_slot, j) in enumerate(spec):
        if is_slot:
            names.append(f"s{j}")
        else:
            namespace[f"{prefix}_{p}"] = j
            names.append(f"{prefix}_{p}")
    return names


class _Grad:
    """A gradient while the backward code is generated: ``sign * name``, or one number.

    Carrying a sign and a uniform value through the sweep saves whole passes
    over large arrays: the gradient of a total is all ones (no ``ones * d``),
    a constant factor stays a number, and a minus sign is folded into the
    next sum (``g -= ct``) instead of negating an array.  ``fresh`` says the
    array was made by this program (it may be handed to the caller as it is).
    """

    __slots__ = ("fresh", "name", "sign", "value")

    def __init__(self, name: str | None, sign: float = 1.0, fresh: bool = False,
                 value: float | None = None):
        self.name, self.sign, self.fresh, self.value = name, sign, fresh, value

    @classmethod
    def uniform(cls, value: float) -> _Grad:
        return cls(None, value=value)

    @property
    def is_uniform(self) -> bool:
        return self.name is None

    def negated(self) -> _Grad:
        if self.is_uniform:
            return _Grad.uniform(-self.value)
        return _Grad(self.name, -self.sign, self.fresh)


class _Backward:
    """Emits the backward sweep of a NumPy program, one contribution at a time."""

    def __init__(self, lines: list[str], namespace: dict[str, Any], sizes: dict[str, int],
                 shapes: list[tuple[int, ...]], dtype: np.dtype):
        self.lines, self.namespace, self.sizes, self.shapes = lines, namespace, sizes, shapes
        self.grads: dict[int, _Grad] = {}
        self.owned: set[int] = set()
        # Numbers are folded at generation time only where that is the same arithmetic
        # as NumPy's: float64 (a float32 program rounds every product to float32).
        self.exact = dtype == np.float64
        self.dtype = dtype
        self.one_dtype = False  # every value of the program in one dtype (float64)

    def _uniform_array(self, value: float, slot: int) -> str:
        """A read-only array of ``value`` in the shape of ``slot``."""
        name = f"U{slot}_{len(self.namespace)}"
        array = np.broadcast_to(np.asarray(value, dtype=self.dtype), self.shapes[slot])
        self.namespace[name] = array
        return name

    def array(self, g: _Grad, slot: int) -> str:
        """An expression of g as an array (a negated one costs a pass, so it is rare)."""
        if g.is_uniform:
            return self._uniform_array(g.value, slot)
        return g.name if g.sign > 0 else f"(-{g.name})"

    def times(self, g: _Grad, operand: str, constant: Any, operand_shape: tuple[int, ...],
              slot: int, name: str, shape: tuple[int, ...], operand_dtype: np.dtype) -> _Grad:
        """g times a local derivative: an operand, a constant or a computed array.

        ``shape`` is the shape of the product (the two broadcast together),
        ``operand_dtype`` the local derivative's dtype when it was traced.
        """
        if g.is_uniform and self.exact:
            if (constant is not None and not isinstance(constant, np.ndarray)
                    and np.ndim(constant) == 0 and np.result_type(constant).kind in "iuf"):
                return _Grad.uniform(g.value * float(constant))
            # Traced, g is an array of the program's dtype: a float32 operand times it is
            # float64, which the operand itself, or it times a Python number, is not.
            if operand_shape == shape and operand_dtype == self.dtype:
                if g.value in (1.0, -1.0):
                    return _Grad(operand, g.value, False)
                return self._product(operand, repr(g.value), name, shape)
        if g.is_uniform:
            # g as an array of its own shape: the product must broadcast to that too.
            return self._product(operand, self.array(g, slot), name, shape)
        return self._product(operand, g.name, name, shape, sign=g.sign)

    def _product(self, a: str, b: str, name: str, shape: tuple[int, ...],
                 sign: float = 1.0) -> _Grad:
        self.lines.append(f"    {name} = {b} * {a}")
        self.sizes[name] = int(np.prod(shape))
        return _Grad(name, sign, True)

    def unbroadcast(self, g: _Grad, shape: tuple[int, ...], target: str, name: str,
                    to: tuple[int, ...]) -> _Grad:
        """g (of ``shape``) summed back to the shape ``to`` of an argument (named ``target``)."""
        reduction = _reduction_to(shape, to)
        constant = self.namespace.get(g.name)
        if constant is not None and not isinstance(constant, np.ndarray):
            reduction = None  # a constant operand as the user wrote it (a list): no .sum
        if g.is_uniform:
            self.namespace[f"{name}_shape"] = shape
            source = f"full({name}_shape, {g.value!r}, dtype=DTYPE)"
            self.namespace["DTYPE"] = self.dtype
            if reduction is not None:
                self.lines.append(f"    {name} = {source}{reduction}")
                return _Grad(name, 1.0, True)
            self.lines.append(f"    {name} = unbroadcast({source}, {target})")
            return _Grad(name, 1.0, False)
        if reduction is not None:
            # The axes are known now: the array's own sum, without unbroadcast's
            # shape tests on every call, and its result is a new array.
            self.lines.append(f"    {name}u = {g.name}{reduction}")
            return _Grad(f"{name}u", g.sign, True)
        self.lines.append(f"    {name}u = unbroadcast({g.name}, {target})")
        # unbroadcast may hand back its argument: fresh only if that was.
        return _Grad(f"{name}u", g.sign, False)

    def add_to(self, j: int, ct: _Grad) -> None:
        """Accumulate the contribution ``ct`` into the gradient of slot j."""
        have = self.grads.get(j)
        if j in self.owned:
            if ct.is_uniform:
                self.lines.append(f"    g{j} += {ct.value!r}")
            else:
                self.lines.append(f"    g{j} {'+' if ct.sign > 0 else '-'}= {ct.name}")
            return
        if have is None:
            self.grads[j] = ct
            return
        if have.is_uniform and ct.is_uniform and self.exact:
            self.grads[j] = _Grad.uniform(have.value + ct.value)
            return
        a = self.array(have, j) if have.is_uniform else have.name
        b = self.array(ct, j) if ct.is_uniform else ct.name
        sa = 1.0 if have.is_uniform else have.sign
        sb = 1.0 if ct.is_uniform else ct.sign
        if sa > 0 and sb > 0:
            expr, sign = f"{a} + {b}", 1.0
        elif sa > 0:
            expr, sign = f"{a} - {b}", 1.0
        elif sb > 0:
            expr, sign = f"{b} - {a}", 1.0
        else:
            expr, sign = f"{a} + {b}", -1.0
        self.lines.append(f"    g{j} = {expr}")
        self.grads[j] = _Grad(f"g{j}", sign, True)

    def scatter(self, j: int, index: str, g: _Grad, slot: int) -> None:
        """Indexing's adjoint, added straight into a gradient buffer this program owns."""
        have = self.grads.get(j)
        if j not in self.owned:
            self.namespace[f"S{j}"] = self.shapes[j]
            if have is None and self.one_dtype:
                self.namespace["zeros"] = np.zeros
                self.lines.append(f"    g{j} = zeros(S{j}, dtype=s{j}.dtype)")
            elif have is None:
                # The dtype indexing's adjoint gives when traced: the input's and the
                # gradient's together (a float32 input in a float64 program: float64).
                self.namespace["zeros"], self.namespace["result_type"] = np.zeros, np.result_type
                self.namespace["DTYPE"] = self.dtype
                incoming = "DTYPE" if g.is_uniform else g.name
                self.lines.append(
                    f"    g{j} = zeros(S{j}, dtype=result_type({incoming}, s{j}.dtype))")
            elif have.is_uniform:
                self.namespace["DTYPE"] = self.dtype
                self.lines.append(f"    g{j} = full(S{j}, {have.value!r}, dtype=DTYPE)")
            elif have.sign > 0:
                self.lines.append(f"    g{j} = {have.name}.copy()")
            else:
                self.lines.append(f"    g{j} = -{have.name}")
            self.owned.add(j)
            self.grads[j] = _Grad(f"g{j}", 1.0, True)
        if g.is_uniform:
            self.lines.append(f"    g{j}[{index}] += {g.value!r}")
        else:
            self.lines.append(f"    g{j}[{index}] {'+' if g.sign > 0 else '-'}= {g.name}")

    def fresh_array(self, g: _Grad, j: int) -> str:
        """The final gradient of an input as an array the caller may keep and change."""
        if g.is_uniform:
            self.namespace[f"S{j}"] = self.shapes[j]
            self.namespace["DTYPE"] = self.dtype
            return f"full(S{j}, {g.value!r}, dtype=DTYPE)"
        if g.sign < 0:
            return f"-{g.name}"
        return g.name if g.fresh else f"{g.name}.copy()"


def _same_read(now: Any, then: Any) -> bool:
    """Whether a read of concrete values gives what it gave when it was recorded.

    >>> _same_read(np.array([True, False]), np.array([True, False]))
    True
    >>> _same_read(np.float64("nan"), np.float64("nan")), _same_read(1.0, -1.0)
    (True, False)
    """
    if type(now) is bool or type(now) is np.bool_:
        return type(then) is type(now) and now == then
    now, then = np.asarray(now), np.asarray(then)
    if now.shape != then.shape or now.dtype != then.dtype:
        return False
    return bool(np.array_equal(now, then, equal_nan=now.dtype.kind in "fc"))


def _reduction_to(shape: tuple[int, ...], to: tuple[int, ...]) -> str | None:
    """The method calls that sum an array of ``shape`` back to ``to``, as unbroadcast does.

    The same sums in the same order as :func:`steepest.autodiff.core.unbroadcast`
    (the leading axes, then the stretched ones), so the numbers are the same;
    None where no sum gives ``to`` (a scalar gradient for an array argument).

    >>> _reduction_to((64, 10), (10,))
    '.sum(axis=(0,))'
    >>> _reduction_to((2, 3, 4), (3, 1))
    '.sum(axis=(0,)).sum(axis=(1,), keepdims=True)'
    >>> _reduction_to((), (3,)) is None
    True
    """
    extra = len(shape) - len(to)
    if extra < 0:
        return None
    kept = shape[extra:]
    stretched = tuple(i for i, n in enumerate(to) if n == 1 and kept[i] != 1)
    if tuple(1 if i in stretched else n for i, n in enumerate(kept)) != to or not (
            extra or stretched):
        return None
    code = f".sum(axis={tuple(range(extra))!r})" if extra else ""
    if stretched:
        code += f".sum(axis={stretched!r}, keepdims=True)"
    return code


_FREE_AT = 4096  # elements: arrays this large are released as soon as they are dead
_NAME = re.compile(r"\b([sgdaf]\d+(?:_\d+)?u?)\b")


_PURE_REDUCTIONS = ("sum", "mean")
_ASSIGNED = re.compile(r"^    ([sa]\d+) = ")


def _without_dead_values(lines: list[str], pure: set[str]) -> list[str]:
    """The program's lines returning None for the value, less what only the value needed.

    A forward value (``sN``) of an operation with no side effect, or an
    argument list (``aN``), that no other line reads is dropped, until none
    is left; operations that check their input (a loss's labels) are kept.
    """
    lines = lines[:-1] + [re.sub(r"^    return \w+, ", "    return None, ", lines[-1])]
    while True:
        reads: dict[str, int] = {}
        for line in lines:
            for name in _NAME.findall(line):
                reads[name] = reads.get(name, 0) + 1
        dead = set()
        for i, line in enumerate(lines):
            assigned = _ASSIGNED.match(line)
            if assigned and reads[assigned.group(1)] == 1 and (
                    assigned.group(1) in pure or assigned.group(1)[0] == "a"):
                dead.add(i)
        if not dead:
            return lines
        lines = [line for i, line in enumerate(lines) if i not in dead]


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


def _on_first_use(build: Callable[[], Callable[[Sequence[Any]], Any]]
                  ) -> Callable[[Sequence[Any]], Any]:
    """A program that ``build`` makes when it is first called, then runs as it is.

    >>> run = _on_first_use(lambda: (lambda inputs: sum(inputs)))
    >>> run([1, 2]), run([3, 4])
    (3, 7)
    """
    built: list[Callable[[Sequence[Any]], Any]] = []

    def program(inputs: Sequence[Any]) -> Any:
        if not built:
            built.append(build())
        return built[0](inputs)

    return program


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
                        local_shape = np.shape(local)
                        if local_shape != () and local_shape != shapes[slot]:
                            local_shape = np.broadcast_shapes(shapes[slot], local_shape)
                        else:
                            local_shape = shapes[slot]
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


_FLOAT_OPERATORS = {"{0} + {1}": operator.add, "{0} - {1}": operator.sub,
                    "{0} * {1}": operator.mul, "{0} / {1}": operator.truediv,
                    "-{0}": operator.neg, "+{0}": operator.pos}
_CALL = re.compile(r"^([A-Za-z_][A-Za-z_0-9]*)\((\{(?:\d+|ans)\}(?:, \{(?:\d+|ans)\})*)\)$")
_PLACEHOLDER = re.compile(r"^\{(\d+|ans)\}$")


_DIGITS = tuple(str(p) for p in range(16))  # the placeholders of a rule's arguments


def _float_function(template: str, slots: dict[str, int]) -> tuple[Callable[..., Any], tuple]:
    """A template as (function, the slots of its arguments), for the interpreter over floats.

    ``slots`` maps the template's placeholders ("0", "1", "ans") to value slots.
    Plain operators and single calls (``cos({0})``) become the operator or
    the math function itself; anything else one small compiled function.
    Each template is read once (a long program repeats the same few).
    """
    fn, keys = _template_function(template, tuple(sorted(slots)))
    return fn, tuple(map(slots.__getitem__, keys))


@functools.lru_cache(maxsize=1024)
def _template_function(template: str, keys: tuple[str, ...]) -> tuple[Callable[..., Any], tuple]:
    """(function, the placeholders it takes, in order) for a template over ``keys``."""
    if template in _FLOAT_OPERATORS:
        return _FLOAT_OPERATORS[template], ("0",) if "{1}" not in template else ("0", "1")
    call = _CALL.match(template)
    if call and call.group(1) in FLOAT_NAMES and callable(FLOAT_NAMES[call.group(1)]):
        return FLOAT_NAMES[call.group(1)], tuple(
            part.strip("{}") for part in call.group(2).split(", "))
    params = ", ".join(f"_{k}" for k in keys)
    body = template.format(*(f"_{k}" for k in keys if k != "ans"), ans="_ans")
    namespace = dict(FLOAT_NAMES)
    # Generated from the primitive table's templates, never from user text.
    exec(compile(f"def f({params}):\n    return {body}\n", "<steepest rule>", "exec"),
         namespace)
    return namespace["f"], keys


def _float_rules(prim: Any, n_args: int) -> tuple:
    """A primitive's forward and partials for the interpreter over floats.

    ``((fn, keys), partials)``: ``keys`` are the positions of fn's arguments
    among the operands, ``n_args`` standing for the result; each partial is
    ``(kind, fn, keys)`` (kind 2: one operand as it is, 3: a function of
    one value, 4: of several) or None where the primitive has no template.
    """
    names = {**{str(p): p for p in range(n_args)}, "ans": n_args}
    slots = {key: names[key] for key in (*(str(p) for p in range(n_args)), "ans")}
    fn, where = _float_function(prim.code.forward, {k: v for k, v in slots.items()
                                                    if k != "ans"})
    partials: list[tuple | None] = []
    for template in prim.code.partials or ():
        if template is None:
            partials.append(None)
            continue
        bare = _PLACEHOLDER.match(template)
        if bare:
            partials.append((2, None, (slots[bare.group(1)],)))
        else:
            rule, keys = _float_function(template, slots)
            partials.append((3 if len(keys) == 1 else 4, rule, keys))
    partials.extend([None] * (n_args - len(partials)))
    return (fn, where), tuple(partials)


class _FloatInputs:
    """Where the inputs of a long program over floats live among its values.

    ``extra`` holds the values after the slots: the elements of the inputs
    read element by element first (``element_slot[input, flat index]``),
    then the constants, appended as the steps are read.  ``unpack`` gives
    each such input's element slots, ``results`` each differentiated
    input's (None for a number) and shape.
    """

    def __init__(self, kinds: Sequence[str | None], shapes: Sequence[tuple[int, ...]],
                 n_inputs: int, n_slots: int, grad_inputs: tuple[int, ...]):
        self.extra: list[Any] = []
        self.element_slot: dict[tuple[int, int], int] = {}
        self.unpack: list[tuple[int, tuple[int, ...]]] = []
        for i in range(n_inputs):
            if kinds[i] == "elements":
                size = int(np.prod(shapes[i]))
                first = n_slots + len(self.extra)
                self.extra.extend([0.0] * size)
                self.unpack.append((i, tuple(range(first, first + size))))
                for k in range(size):
                    self.element_slot[i, k] = first + k
        self.results = [(i, tuple(self.element_slot[i, k] for k in range(int(np.prod(shapes[i])))),
                         shapes[i]) if kinds[i] == "elements" else (i, None, None)
                        for i in grad_inputs]
        self.scalar_inputs = [i for i in range(n_inputs) if kinds[i] == "number"]
        self.n_slots, self.n_inputs = n_slots, n_inputs

    def new_slot(self, value: Any) -> int:
        """The slot of a constant."""
        self.extra.append(value)
        return self.n_slots + len(self.extra) - 1


def _float_interpreter(plan, wanted_of, receives, shapes, out_slot, n_inputs, grad_inputs,
                       kinds, fallback) -> Callable[[Sequence[Any]], Any] | None:
    """A long program over Python floats: one loop over prepared steps, no generated code.

    The same program (``plan``, see :func:`_float_steps`) and the same sweep
    as :func:`_float_sweep`; a call that meets an exception is run by
    ``fallback`` (the NumPy program).  The tables are those :func:`_float_runner`
    runs: a forward step is ``(slot, fn, a, b)`` (``b`` None for one
    argument), a contribution to a gradient ``(slot, j, kind, fn, where)``.
    """
    if any(kinds[i] not in ("float", "number", "elements") for i in grad_inputs):
        return None  # its gradient is an array of zeros, made by the NumPy program
    where_in = _FloatInputs(kinds, shapes, n_inputs, len(shapes), grad_inputs)
    new_slot = where_in.new_slot
    forward: list[tuple] = []
    backward: list[tuple] = []  # in the order of the steps, each step's reversed
    known: dict[Any, tuple] = {}
    for slot, prim, operands, element, locals_ in plan:
        if element is not None:
            source = where_in.element_slot[element]
            forward.append((slot, _same, source, None))
            if receives[slot]:
                backward.append((slot, source, 0, None, None))
            continue
        # Loops and map, not comprehensions: no frame made per step (a long tape has many).
        positions = []
        for is_slot, j in operands:
            positions.append(j if is_slot else new_slot(j))
        # The rules of a primitive are read once per program (a long one repeats a few).
        rules = known.get(prim)
        if rules is None:
            rules = known[prim] = _float_rules(prim, len(operands))
        fn, keys = rules[0]
        positions.append(slot)  # "ans" is the last position
        forward.append((slot, fn, positions[keys[0]],
                        positions[keys[1]] if len(keys) > 1 else None))
        if not receives[slot]:
            continue
        targets = []
        for p in wanted_of[slot]:
            j = operands[p][1]
            local = locals_[p]
            if local is ONE:
                targets.append((slot, j, 0, None, None))
            elif local is MINUS_ONE:
                targets.append((slot, j, 1, None, None))
            else:
                rule = rules[1][p]
                if rule is None:
                    return None
                kind, fn, keys = rule
                targets.append((slot, j, kind, fn, positions[keys[0]] if kind != 4
                                else tuple(map(positions.__getitem__, keys))))
        backward.extend(reversed(targets))
    backward.reverse()
    return _float_runner(forward, backward, where_in, out_slot, grad_inputs, fallback)


def _float_pattern(prim: Any, argnums: tuple[int, ...], n_args: int) -> tuple | None:
    """How :func:`_tape_float_interpreter` reads the steps of one primitive with these
    traced arguments, or None where such a step is not one of a program over floats.

    ``(form, traced, constants, fn, a, b, partials)``: ``form`` 1 for one
    traced argument, 2 for two, 3 for a traced one and a constant, else 0;
    the positions of the traced arguments (in the order of the node's
    parents) and of the constants; the rule over floats and the positions of
    its arguments (``b`` None for one); for each traced argument a gradient
    may reach, last first, ``(position, index of its local derivative among
    the saved ones, kind, fn, where)`` as in :func:`_float_rules` (``where``
    one position but for kind 4; kind None where no template gives the
    partial).  Position ``n_args`` is the result.
    """
    if prim.code is None or prim.partials is None:
        return None
    traced = tuple(p for p in range(n_args) if p in argnums)
    if len(traced) != len(argnums):
        return None
    constants = tuple(p for p in range(n_args) if p not in argnums)
    (fn, keys), rules = _float_rules(prim, n_args)
    if not 1 <= len(keys) <= 2:
        return None
    allowed = prim.differentiable_args
    partials = []
    for p in traced:
        if allowed is None or p in allowed:
            kind, rule, where = rules[p] if rules[p] is not None else (None, None, ())
            partials.append((p, argnums.index(p), kind, rule,
                             where if kind == 4 or kind is None else where[0]))
    form = (1 if n_args == 1 == len(traced) else 2 if n_args == 2 == len(traced)
            else 3 if n_args == 2 and len(traced) == 1 else 0)
    return (form, traced, constants, fn, keys[0], keys[1] if len(keys) > 1 else None,
            tuple(reversed(partials)))


# long: one pass over the tape makes every table of the interpreter; taken apart, each part
# would walk the tape again (a long one has thousands of steps) and pass the tables along.
def _tape_float_interpreter(trace: Trace, leaves: Sequence[Tensor], out: Tensor,
                            grad_inputs: tuple[int, ...], kinds: Sequence[str | None],
                            shapes: Sequence[tuple[int, ...]],
                            fallback: Callable[[Sequence[Any]], Any]
                            ) -> Callable[[Sequence[Any]], Any] | None:
    """The program of :func:`_float_interpreter`, read from the tape in one pass.

    The same steps, operands, constants and sweep as ``_float_interpreter``
    over :func:`_float_steps` of :meth:`Program.__init__`'s steps, without
    the steps: each node is read once, and the rules of each primitive once
    for each way its arguments are traced.  None wherever it is not plainly
    a program over floats (the whole path then decides, as it always did).
    """
    if any(kinds[i] not in ("float", "number", "elements") for i in grad_inputs):
        return None
    tape = trace.tape
    n_inputs = len(leaves)
    n_slots = n_inputs + len(tape)
    where_in = _FloatInputs(kinds, shapes, n_inputs, n_slots, grad_inputs)
    extra, element_slot = where_in.extra, where_in.element_slot
    log = trace.inputs_log
    slot_of = {id(leaf): i for i, leaf in enumerate(leaves)}
    number = [kind in ("float", "number") for kind in kinds]  # every step's value is one
    depends = [False] * n_slots
    for i in grad_inputs:
        depends[i] = True
    forward: list[tuple] = []
    # Each contribution to a gradient a differentiated input may reach, step by step,
    # each step's reversed: the whole reversed is the sweep's order.
    reached: list[tuple] = []
    untemplated: set[int] = set()  # steps with a local derivative no template gives
    patterns: dict[Any, Any] = {}  # by (prim, argnums, number of arguments), and by prim
    one, minus_one, element, float64, isfinite = ONE, MINUS_ONE, _ELEMENT, np.float64, math.isfinite
    slot = n_inputs - 1
    for node in tape:
        slot += 1
        key = id(node)
        slot_of[key] = slot
        value = node._value
        if type(value) is not float64 and type(value) is not float:
            return None
        logged = log[key]
        argnums = node._argnums
        # The pattern of the primitive's last step, when its arguments are traced alike
        # (the engine's argnums are shared tuples); else looked up, or made, by value.
        last = patterns.get(node._prim)
        if last is not None and last[0] is argnums and last[1] == len(logged):
            pattern = last[2]
        else:
            key = (node._prim, argnums, len(logged))
            pattern = patterns.get(key)
            if pattern is None:
                pattern = patterns[key] = (element if key[0].name == "getitem" else
                                           _float_pattern(*key)) or False
            patterns[node._prim] = (argnums, len(logged), pattern)
        if pattern is element:
            source = _element_source(node, logged, slot_of, kinds, shapes, element_slot)
            if source is None:
                return None
            forward.append((slot, _same, source, None))
            j = slot_of[id(node._parents[0])]
            if depends[j] and (node._prim.differentiable_args is None
                               or 0 in node._prim.differentiable_args):
                depends[slot] = True
                reached.append((slot, source, 0, None, None))
            continue
        if pattern is False:
            return None
        form, traced, constants, fn, a, b, partials = pattern
        parents = node._parents
        # The common forms written out (f(x), x + y, 0.01 * x), the others in a call.
        j = slot_of[id(parents[0])]
        if j < n_inputs and not number[j]:
            return None
        if form == 1:
            positions = [j]
        elif form == 2:
            k = slot_of[id(parents[1])]
            if k < n_inputs and not number[k]:
                return None
            positions = [j, k]
        elif form == 3 and type(logged[constants[0]]) is float and isfinite(
                logged[constants[0]]):
            k = n_slots + len(extra)
            extra.append(logged[constants[0]])
            positions = [k, j] if traced[0] else [j, k]
        else:
            positions = _float_operands(logged, traced, parents, constants, slot_of, number,
                                        n_inputs, n_slots, extra)
            if positions is None:
                return None
        forward.append((slot, fn, positions[a], None if b is None else positions[b]))
        positions.append(slot)  # "ans" is the last position
        saved = node._saved
        for p, k, kind, rule, where in partials:  # reversed (see _float_pattern)
            j = positions[p]
            if not depends[j]:
                continue
            depends[slot] = True
            local = saved[k]
            if local is one:
                reached.append((slot, j, 0, None, None))
            elif local is minus_one:
                reached.append((slot, j, 1, None, None))
            elif kind is None:
                untemplated.add(slot)
            else:
                reached.append((slot, j, kind, rule, positions[where] if kind != 4
                                else tuple(map(positions.__getitem__, where))))
    out_slot = slot_of.get(id(out), -1)
    if out_slot < n_inputs or not depends[out_slot]:
        return None
    return _float_runner(forward, _swept(reached, out_slot, n_slots + len(extra), untemplated),
                         where_in, out_slot, grad_inputs, fallback)


_ELEMENT = ("element",)  # the pattern of the pick of one element of an input


def _float_operands(logged: list[Any], traced: tuple[int, ...], parents: tuple[Any, ...],
                    constants: tuple[int, ...], slot_of: dict[int, int], number: list[bool],
                    n_inputs: int, n_slots: int, extra: list[Any]) -> list[int] | None:
    """The slots of a step's operands, its constants given slots of their own in ``extra``;
    None where one is not a single number (see :func:`_tape_float_interpreter`)."""
    positions = list(logged)
    for p, parent in zip(traced, parents):
        j = positions[p] = slot_of[id(parent)]
        if j < n_inputs and not number[j]:
            return None
    for p in constants:
        constant = positions[p]
        if type(constant) is not float:
            if _literal(constant) is None:
                return None
            # A Python number: a NumPy scalar would make every later value one.
            constant = (int(constant) if isinstance(constant, int | np.integer)
                        else float(constant))
        elif not math.isfinite(constant):
            return None
        positions[p] = n_slots + len(extra)
        extra.append(constant)
    return positions


def _element_source(node: Any, logged: list[Any], slot_of: dict[int, int],
                    kinds: Sequence[str | None], shapes: Sequence[tuple[int, ...]],
                    element_slot: dict[tuple[int, int], int]) -> int | None:
    """The slot of the element of an input a getitem step picks, or None if it is not one."""
    if node._argnums != (0,) or len(logged) != 2:
        return None
    j = slot_of[id(node._parents[0])]
    if j >= len(kinds) or kinds[j] != "elements":
        return None
    flat = _flat_index(logged[1], shapes[j])
    return None if flat is None else element_slot[j, flat]


def _swept(reached: list[tuple], out_slot: int, n_values: int,
           untemplated: set[int]) -> list[tuple] | None:
    """The contributions of the backward sweep: those the output's gradient reaches, in order.

    ``reached`` is each step's contributions, each step's reversed; None when
    the gradient reaches a step whose partial has no template.
    """
    receives = [False] * n_values
    receives[out_slot] = True
    backward = []
    for contribution in reversed(reached):
        if receives[contribution[0]]:
            receives[contribution[1]] = True
            backward.append(contribution)
    if untemplated and any(receives[slot] for slot in untemplated):
        return None
    return backward


# long: the interpreter's loops are one closure, so that each step costs a few local lookups
# and no call; taken apart, every step would pay for the calls between the parts.
def _float_runner(forward: list[tuple], backward: list[tuple] | None, where_in: _FloatInputs,
                  out_slot: int, grad_inputs: tuple[int, ...],
                  fallback: Callable[[Sequence[Any]], Any]
                  ) -> Callable[[Sequence[Any]], Any] | None:
    """The program over floats running the interpreter's tables (see :func:`_float_interpreter`).

    None when there is no sweep (``backward`` None).
    """
    if backward is None:
        return None
    padding = [None] * (where_in.n_slots - where_in.n_inputs)
    extra, unpack, results = where_in.extra, where_in.unpack, where_in.results
    scalar_inputs = where_in.scalar_inputs

    def program(inputs: Sequence[Any]) -> tuple[Any, tuple]:
        try:
            values: list[Any] = [*inputs, *padding, *extra]
            for i in scalar_inputs:
                values[i] = float(values[i])
            for i, where in unpack:
                for k, element in zip(where, values[i].ravel().tolist()):
                    values[k] = element
            for slot, fn, a, b in forward:
                if b is None:
                    values[slot] = fn(values[a])
                else:
                    values[slot] = fn(values[a], values[b])
            grads: list[Any] = [None] * len(values)
            grads[out_slot] = 1.0
            for slot, j, kind, fn, where in backward:
                g = grads[slot]
                if g is None:
                    continue
                if kind == 0:
                    ct = g
                elif kind == 1:
                    ct = -g
                elif kind == 2:
                    ct = g * values[where]
                elif kind == 3:
                    ct = g * fn(values[where])
                else:
                    ct = g * fn(*[values[k] for k in where])
                grads[j] = ct if grads[j] is None else grads[j] + ct
        except (ArithmeticError, ValueError):
            value, grads_ = fallback([as_float_array(a) for a in inputs])
            return value, tuple(g if g is not None else zero_gradient(inputs[i])
                                for g, i in zip(grads_, grad_inputs))
        out = []
        for i, where, shape in results:
            if where is None:
                g = grads[i]
                out.append(0.0 if g is None else g)
            else:
                out.append(np.array([0.0 if grads[k] is None else grads[k] for k in where])
                           .reshape(shape))
        return values[out_slot], tuple(out)

    return program


def _same(x: float) -> float:
    return x


# id(function) -> {call signature -> _Entry}; an entry leaves with its function.
_PROGRAMS: dict[int, dict[Any, Any]] = {}
RECORD_AFTER = 1  # calls traced eagerly before a recording is made
_LONGEST_WAIT = 255  # traced calls between recordings that keep missing, at most
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
        elif isinstance(a, bool | Tensor | np.ndarray) or not isinstance(a, int | float):
            return None  # (a subclass of ndarray is traced, where its class is checked)
        else:  # a subclass of int or float (not bool)
            key.append(("number", kind))
    return tuple(key)


class _Entry:
    """The recording of one function for one call signature."""

    __slots__ = ("calls", "convert", "guard", "hits", "misses", "nums", "program", "streak",
                 "wait")

    def __init__(self, nums: tuple[int, ...]) -> None:
        self.calls = 0
        self.nums = nums
        # Replays, and calls whose reads differed from the recording's (a branch taken
        # the other way, a mask that changed).  A recording that missed before it was
        # replayed twice was not worth making: the next one waits for more traced calls
        # (twice as many each time), as while descent crosses data points one by one.
        self.hits = 0
        self.misses = 0
        self.streak = 0  # replays of the current recording
        self.wait = 0  # traced calls, beyond the usual, before the next recording
        self.program: Program | None = None
        self.guard: _Guard | None = None
        # The arguments that are not float arrays, converted as on a trace.  The
        # signature fixes every argument's kind and dtype, so they are found once.
        self.convert: tuple[int, ...] = ()

    def replay(self, args: Sequence[Any],
               value: bool = True) -> tuple[Any, Sequence[Any]] | None:
        """(value, gradients) of a call by the recorded program; None when it no longer applies.

        The caller has checked that ``args`` have this entry's signature.  A
        guard that fails (changed closure or global data) drops the program,
        and the next calls record it afresh.  With ``value=False`` the value
        may come back as None (see :meth:`Program.gradient_run`).
        """
        program = self.program
        if program is None:
            return None
        if not self.guard.holds():
            self.program = None
            self.calls = 0
            return None
        if program.floats:  # a program over Python floats takes the arguments as they are
            return program.run(args)
        inputs = args
        if self.convert:
            inputs = list(args)
            for i in self.convert:
                inputs[i] = as_float_array(args[i])
        result = program.run(inputs) if value or program.source is None else (
            program.gradient_run()(inputs))
        if result is None:  # a read differs: recorded again for the new branch, later
            self.program = None
            self.misses += 1
            self.wait = 0 if self.streak >= 2 else min(2 * self.wait + 1, _LONGEST_WAIT)
            self.calls = 0
            return None
        self.hits += 1
        self.streak += 1
        value, grads = result
        if program.all_receive:
            return value, grads
        return value, [g if g is not None else zero_gradient(inputs[n])
                       for g, n in zip(grads, self.nums)]


def zero_gradient(value: Any) -> np.ndarray:
    """The gradient of an input the result does not depend on: zeros of its shape, in
    its dtype (float32 stays float32) as a traced call gives them; float64 for integers.

    >>> zero_gradient(np.ones(2, dtype=np.float32)), zero_gradient(3)
    (array([0., 0.], dtype=float32), array(0.))
    """
    dtype = np.result_type(value)
    return np.zeros(np.shape(value), dtype=dtype if dtype.kind in "fc" else np.float64)


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
        entry = table[key] = _Entry(argnums)
    return entry


def record(f: Callable[..., Any], args: Sequence[Any], argnums: tuple[int, ...],
           entry: _Entry) -> tuple[Any, list[Any]] | None:
    """Trace f with every argument as an input and keep the program if replayable.

    Returns (value, gradients) of this call, or None when the recording
    could not be made (the caller then traces as usual).  Python's cyclic
    garbage collector waits while it runs: a recording makes thousands of
    small objects that all live on, and each collection they would set off
    walks every object of the process (hundreds of thousands once PyTorch
    or JAX is imported), which cost several times the recording itself.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _record(f, args, argnums, entry)
    finally:
        if collecting:
            gc.enable()


def _weak_numbers_change_dtypes(args: Sequence[Any], argnums: tuple[int, ...]) -> bool:
    """Whether recording would change the dtypes a call computes in.

    A recording makes every argument an input, a Python number too, as a
    float64 array; but a Python number that is not differentiated stays a
    Python number when traced, and NumPy lets it take the dtype of the
    arrays it meets (``0.5 + x`` is float32 for a float32 ``x``), which a
    float64 array does not.

    >>> _weak_numbers_change_dtypes([np.ones(2, np.float32), 0.5], (0,))
    True
    >>> _weak_numbers_change_dtypes([np.ones(2), 0.5], (0,))
    False
    """
    if not any(type(a) in (int, float) for i, a in enumerate(args) if i not in argnums):
        return False
    for a in args:
        dtype = np.result_type(strip(a)) if isinstance(a, np.ndarray | np.generic | Node) else None
        if dtype is not None and dtype.kind in "fc" and dtype.itemsize < (8 if dtype.kind == "f"
                                                                            else 16):
            return True
    return False


def _record(f: Callable[..., Any], args: Sequence[Any], argnums: tuple[int, ...],
            entry: _Entry) -> tuple[Any, list[Any]] | None:
    guard = guard_for(f)
    if guard is None or _weak_numbers_change_dtypes(args, argnums):
        entry.calls = -1  # never again for this signature
        return None
    trace = Trace(REVERSE)
    trace.inputs_log = {}
    trace.reads = []
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
    program = Program(trace, leaves, out, argnums, args)
    if not program.repeatable:
        entry.calls = -1
        return None
    if program.floats and not program.compiled:
        # A long program over floats gives this call's answer too, in a fraction of
        # the backward sweep's time (the recording call costs little more than a trace).
        entry.convert = tuple(i for i, a in enumerate(args)
                              if not (isinstance(a, np.ndarray) and a.dtype.kind in "fc"))
        entry.program, entry.guard, entry.streak = program, guard, 0
        # The program keeps the tape's nodes for a call that needs NumPy; let go by the
        # trace, which each of them refers to, they hold no cycle, and go with the program
        # without waiting for the collector.
        trace.tape = None
        return program.run(args)
    seed = np.ones(np.shape(out._value), dtype=np.result_type(out._value))
    backward_sweep(out, seed, trace.tape or [], release=True)
    grads = []
    for n in argnums:
        g = leaves[n]._g
        grads.append(g if g is not None else zero_gradient(leaves[n]._value))
    for leaf in leaves:
        leaf._g = None
    entry.convert = tuple(i for i, a in enumerate(args)
                          if not (isinstance(a, np.ndarray) and a.dtype.kind in "fc"))
    entry.program = program
    entry.guard = guard
    entry.streak = 0
    return strip(out._value), grads
