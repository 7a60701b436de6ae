"""The engine: traced values, primitive application, and the two sweeps.

A *trace* is one act of differentiation (one call of ``grad``, ``jvp``...).
Each ``Tensor`` belongs to at most one trace; a transform inside another
(``hessian`` = ``jacobian`` of ``grad``) simply opens a newer trace, and a
primitive applied to values of several traces works on the newest one first,
with the older traces' values passed down unchanged.  Written this way the
derivative rules, which are plain NumPy, are differentiable themselves.

Reverse traces keep a tape: every node is appended when it is created, so the
tape is already in topological order and the backward sweep is one loop over
it in reverse.  Eager tensors (``Tensor(..., requires_grad=True)``) have no
tape; their ``backward()`` orders the graph with an iterative depth-first
search.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REVERSE = "reverse"
FORWARD = "forward"

_levels = itertools.count(1)


class Trace:
    """One act of differentiation: a level, a mode, and (reverse) a tape."""

    __slots__ = ("data_dependent", "done", "inputs_log", "level", "mode", "reads", "tape")

    def __init__(self, mode: str, level: int | None = None, keep_tape: bool = True):
        self.mode = mode
        self.level = next(_levels) if level is None else level
        self.tape: list[Tensor] | None = [] if (keep_tape and mode == REVERSE) else None
        self.done = False
        # Set when the traced function reads a concrete value (float, item) in a
        # way a recording cannot repeat: its graph cannot be replayed.
        self.data_dependent = False
        # While a call is recorded: the reads it can repeat (a comparison, a sign,
        # bool of a comparison), as (function, arguments, keywords, result).  A
        # replayed call computes each again and goes on only if it gives the same.
        self.reads: list[tuple[Any, tuple, dict[str, Any], Any]] | None = None
        # For pictures of the graph only: node id -> the raw arguments.
        self.inputs_log: dict[int, list[Any]] | None = None


# Tensors created with requires_grad=True outside any transform live here.
EAGER = Trace(REVERSE, level=0, keep_tape=False)

_grad_enabled = [True]


@contextmanager
def no_grad():
    """Compute values only: nothing inside is recorded for differentiation.

    >>> import numpy as np, steepest as st
    >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
    >>> with st.no_grad():
    ...     v = w * 3
    >>> v.requires_grad
    False
    """
    _grad_enabled.append(False)
    try:
        yield
    finally:
        _grad_enabled.pop()


class _Unit:
    """Local derivative +1 or -1 of add/subtract: saves a multiplication."""

    __slots__ = ("sign",)

    def __init__(self, sign: int):
        self.sign = sign


ONE = _Unit(1)
MINUS_ONE = _Unit(-1)


@dataclass(frozen=True)
class Code:
    """An elementwise operation written as Python expressions, for recorded programs.

    ``forward`` and each of ``partials`` are templates over the arguments
    ``{0}``, ``{1}``... and the result ``{ans}``, in the names of
    :data:`steepest.autodiff.replay.FLOAT_NAMES` (``sin``, ``exp``, ``pow``...).
    A recorded program whose values are all single numbers is generated from
    these templates over Python floats, where one operation costs tens of
    nanoseconds instead of the microsecond of a NumPy call on a scalar.  A
    partial that is one bare argument (``"{1}"`` for a product) is also
    inlined in array programs: nothing is computed for it on the way forward.

    >>> Code("{0} * {1}", ("{1}", "{0}")).partials[0].format("x", "y", ans="z")
    'y'
    """

    forward: str
    partials: tuple[str | None, ...] = ()


@dataclass(frozen=True, eq=False)
class Primitive:
    """One differentiable operation and its derivative rules, side by side.

    ``partials`` (elementwise operations) gives, for argument ``i``, the local
    derivative d ans / d arg_i as a function of ``(ans, *args)``; reverse mode
    multiplies the incoming gradient by it and forward mode the tangent.
    Other operations give ``vjp(g, i, ans, args, kwargs)`` and
    ``jvp(t, i, ans, args, kwargs)`` directly.  ``code`` states the same
    forward and partials as Python expressions (see :class:`Code`).
    """

    name: str
    forward: Callable[..., Any]
    partials: tuple[Callable[..., Any], ...] | None = None
    vjp: Callable[..., Any] | None = None
    jvp: Callable[..., Any] | None = None
    differentiable_args: tuple[int, ...] | None = None
    doc: str = field(default="", compare=False)
    code: Code | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the axes that broadcasting added or stretched."""
    g_shape = np.shape(g)
    if g_shape == shape:
        return g
    extra = len(g_shape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
        g_shape = g_shape[extra:]
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g_shape[i] != 1)
    if stretched:
        g = np.sum(g, axis=stretched, keepdims=True)
    if np.shape(g) != shape:  # a scalar gradient for an array argument
        g = np.broadcast_to(g, shape)
    return g


def _as_float_array(value: Any) -> Any:
    """Values enter a trace as float arrays: integers and bools are promoted."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return value
        return value.astype(np.float64)
    if isinstance(value, np.generic):
        return np.asarray(value, dtype=np.result_type(value.dtype, np.float64)
                          if value.dtype.kind not in "fc" else value.dtype)
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        if array.dtype.kind not in "iub":
            from steepest.errors import DifferentiationError

            raise DifferentiationError(
                f"cannot differentiate with respect to a value of type {type(value).__name__}: "
                "pass numbers or NumPy arrays"
            )
        array = array.astype(np.float64)
    return array


class Tensor:
    """A NumPy array that records the operations applied to it.

    Plain NumPy code differentiates unchanged: the transforms (``st.grad``...)
    pass ``Tensor`` values into it, and NumPy hands every operation back to
    steepest through ``__array_ufunc__`` and ``__array_function__``.  Used
    directly, it behaves like a PyTorch tensor.

    >>> import numpy as np, steepest as st
    >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = np.sum(w ** 2)
    >>> loss.backward()
    >>> w.grad
    array([2., 4.])
    """

    __slots__ = (
        "__weakref__",
        "_argnums",
        "_g",
        "_parents",
        "_prim",
        "_saved",
        "_tangent",
        "_trace",
        "_value",
        "grad",
        "name",
    )
    __array_priority__ = 1000.0
    # pandas defers to Tensor in `series - tensor`, so the result is traced.
    __pandas_priority__ = 5000

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ):
        if isinstance(data, Tensor):
            data = data.data
        array = np.array(data, dtype=dtype, copy=True) if dtype is not None else np.array(data)
        if array.dtype.kind not in "fc":
            array = array.astype(np.float64)
        self._value = array
        self._trace: Trace | None = EAGER if requires_grad else None
        self._prim: Primitive | None = None
        self._parents: tuple[Tensor, ...] = ()
        self._argnums: tuple[int, ...] = ()
        self._saved: Any = None
        self._g: Any = None
        self._tangent: Any = None
        self.grad: np.ndarray | None = None
        self.name = name

    # -- properties -------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array (writable for leaf tensors)."""
        value = self._value
        while isinstance(value, Tensor):
            value = value._value
        return value

    @data.setter
    def data(self, value: Any) -> None:
        self._value = np.asarray(value, dtype=np.result_type(value, np.float64)
                                 if np.asarray(value).dtype.kind not in "fc"
                                 else np.asarray(value).dtype)

    @property
    def requires_grad(self) -> bool:
        """True when operations on this tensor are recorded."""
        return self._trace is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if not flag:
            # Frozen: operations on it are no longer recorded (it becomes a constant).
            self._trace = None
            self._prim = None
            self._parents = ()
            self._saved = None
        elif self._trace is None:
            self._trace = EAGER

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self._value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._prim is None

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -- concrete values ----------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The value as a NumPy array, without its derivative."""
        return np.array(self.data)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        _mark_data_dependent(self)
        return self.data.item()

    def tolist(self) -> Any:
        """The value as nested Python lists."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A constant tensor with the same value, cut off from the graph."""
        return Tensor(self.data)

    def __bool__(self) -> bool:
        result = bool(self.data)
        mark_value_read((self,), bool, None, result)
        return result

    def __float__(self) -> float:
        if self._trace is not None and self._trace is not EAGER and not self._trace.done:
            from steepest.autodiff.errors import float_of_traced_value

            raise float_of_traced_value()
        return float(self.data)

    def __int__(self) -> int:
        _mark_data_dependent(self)
        return int(self.data)

    def __index__(self) -> int:
        _mark_data_dependent(self)
        return int(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if self._trace is not None and self._trace is not EAGER and not self._trace.done:
            from steepest.autodiff.errors import array_of_traced_value

            raise array_of_traced_value()
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self._prim is not None:
            extra = f", op={self._prim.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def __setitem__(self, key: Any, value: Any) -> None:
        from steepest.autodiff.errors import in_place_write

        raise in_place_write()

    def __hash__(self) -> int:
        return id(self)

    # -- reverse mode, PyTorch style ---------------------------------------
    def backward(self, gradient: Any = None) -> None:
        """Backpropagate from this tensor; leaves collect ``.grad``.

        ``gradient`` defaults to 1 for a one-element tensor.
        """
        from steepest.autodiff.errors import non_scalar_backward

        if gradient is None:
            if self.size != 1:
                raise non_scalar_backward(self.shape)
            gradient = np.ones(self.shape, dtype=self.dtype)
        if self._trace is None:
            return
        order = topological_order(self)
        backward_sweep(self, gradient, order)
        for leaf in _leaves(order, self):
            g = leaf._g
            leaf._g = None
            if g is None:
                continue
            g = np.asarray(g, dtype=leaf.dtype) if not isinstance(g, Tensor) else g
            if np.shape(g) != leaf.shape:
                g = np.broadcast_to(g, leaf.shape)
            leaf.grad = np.array(g) if leaf.grad is None else leaf.grad + g

    def zero_grad(self) -> None:
        """Forget the accumulated ``.grad``."""
        self.grad = None

    # -- NumPy protocols ----------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from steepest.autodiff.dispatch import dispatch_ufunc

        return dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from steepest.autodiff.dispatch import dispatch_function

        return dispatch_function(func, args, kwargs)


def _mark_data_dependent(tensor: Tensor) -> None:
    trace = tensor._trace
    if trace is not None:
        trace.data_dependent = True


def mark_value_read(values: Sequence[Any], fn: Callable[..., Any] | None = None,
                    kwargs: dict[str, Any] | None = None, result: Any = None) -> None:
    """A concrete value of a traced tensor was read (a comparison, a sign...).

    The result may steer the computation (a branch, a mask), so a recording
    of this call is not valid for other inputs as it stands.  When ``fn``
    gives the read again (``result == fn(*values, **kwargs)`` on the
    values), a recording keeps the read and a replayed call checks that it
    still gives ``result``; otherwise the recording is given up.
    """
    traces = set()
    for value in values:
        if isinstance(value, Tensor):
            if value._trace is not None:
                traces.add(value._trace)
        elif isinstance(value, list | tuple):
            mark_value_read(value)  # not repeatable as it stands: inside a sequence
    repeatable = (fn is not None and len(traces) == 1
                  and not any(isinstance(v, Tensor) for v in (kwargs or {}).values()))
    for trace in traces:
        if repeatable and trace.reads is not None:
            trace.reads.append((fn, tuple(values), dict(kwargs or {}), result))
        else:
            trace.data_dependent = True


def _leaves(order: Sequence[Tensor], root: Tensor) -> list[Tensor]:
    seen: set[int] = set()
    leaves = []
    for node in order:
        for parent in node._parents:
            if parent._prim is None and id(parent) not in seen:
                seen.add(id(parent))
                leaves.append(parent)
    if root._prim is None:
        leaves.append(root)
    return leaves


def topological_order(root: Tensor) -> list[Tensor]:
    """Nodes reachable from ``root`` in creation order (iterative DFS, no recursion)."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited or node._prim is None:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent._prim is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward_sweep(root: Tensor, seed: Any, order: Sequence[Tensor],
                   record: dict[int, Any] | None = None) -> None:
    """Push ``seed`` = d out / d root back through ``order`` (topological).

    Gradients accumulate in each parent's ``_g``; interior nodes are cleared
    as they are passed, leaves keep theirs for the caller to collect.
    """
    root._g = seed
    for node in reversed(order):
        g = node._g
        if g is None:
            continue
        node._g = None
        if record is not None:
            record[id(node)] = g
        prim = node._prim
        parents = node._parents
        if prim.partials is not None:
            for parent, local in zip(parents, node._saved):
                if local is ONE:
                    ct = g
                elif local is MINUS_ONE:
                    ct = -g
                else:
                    ct = g * local
                ct = unbroadcast(ct, np.shape(parent._value))
                parent._g = ct if parent._g is None else parent._g + ct
        else:
            args, kwargs = node._saved
            ans = node._value
            for i, parent in zip(node._argnums, parents):
                ct = prim.vjp(g, i, ans, args, kwargs)
                parent._g = ct if parent._g is None else parent._g + ct


def _new_node(value: Any, trace: Trace) -> Tensor:
    out = Tensor.__new__(Tensor)
    out._value = value
    out._trace = trace
    out._prim = None
    out._parents = ()
    out._argnums = ()
    out._saved = None
    out._g = None
    out._tangent = None
    out.grad = None
    out.name = None
    return out


def constant(value: Any) -> Tensor:
    """Wrap a value as a Tensor that records nothing."""
    out = _new_node(value, None)  # type: ignore[arg-type]
    return out


def _top_trace(args: Sequence[Any]) -> Trace | None:
    top: Trace | None = None
    for a in args:
        if isinstance(a, Tensor):
            trace = a._trace
            if trace is not None and not trace.done and (top is None or trace.level > top.level):
                top = trace
    return top


def strip(value: Any) -> Any:
    """Every Tensor wrapper removed: the concrete NumPy value."""
    while isinstance(value, Tensor):
        value = value._value
    return value


_PLAIN_TYPES = frozenset({float, int, bool, np.ndarray, np.float64, np.float32, tuple, slice,
                          type(None), type(Ellipsis)})


def apply(prim: Primitive, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Run ``prim`` on ``args``, recording it on the newest trace among them."""
    top = _top_trace(args) if _grad_enabled[-1] else None
    if top is None:
        raw = [strip(a) for a in args]
        value = prim.forward(*raw, **kwargs)
        return constant(value) if any(isinstance(a, Tensor) for a in args) else value

    raw_args = []
    traced = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._trace is top:
                raw_args.append(a._value)
                traced.append(i)
                continue
            if a._trace is None or a._trace.done:
                raw_args.append(strip(a))
                continue
        elif type(a) not in _PLAIN_TYPES and hasattr(a, "__array__"):
            a = np.asarray(a)  # pandas objects and other array-likes join as arrays
        raw_args.append(a)
    allowed = prim.differentiable_args
    if allowed is not None:
        traced = [i for i in traced if i in allowed]
    value = prim.forward(*raw_args, **kwargs)
    if not traced:
        return constant(strip(value)) if not isinstance(value, Tensor) else value
    out = _new_node(value, top)
    if top.mode == REVERSE:
        out._prim = prim
        out._parents = tuple(args[i] for i in traced)
        out._argnums = tuple(traced)
        if prim.partials is not None:
            out._saved = tuple(prim.partials[i](value, *raw_args) for i in traced)
        else:
            out._saved = (raw_args, kwargs)
        if top.tape is not None:
            top.tape.append(out)
        if top.inputs_log is not None:
            top.inputs_log[id(out)] = raw_args
    else:
        tangent = None
        out_shape = np.shape(value)
        for i in traced:
            t_in = args[i]._tangent
            if prim.partials is not None:
                local = prim.partials[i](value, *raw_args)
                if local is ONE:
                    contribution = t_in
                elif local is MINUS_ONE:
                    contribution = -t_in
                else:
                    contribution = t_in * local
            else:
                contribution = prim.jvp(t_in, i, value, raw_args, kwargs)
            tangent = contribution if tangent is None else tangent + contribution
        if np.shape(tangent) != out_shape:
            tangent = np.broadcast_to(tangent, out_shape)
        out._tangent = tangent
    return out


def box(value: Any, trace: Trace) -> Tensor:
    """Make ``value`` a leaf of ``trace`` (the start of differentiation)."""
    if not isinstance(value, Tensor):
        value = _as_float_array(value)
    return _new_node(value, trace)
