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
import operator
import re
import sys
import weakref
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steepest.errors import DifferentiationError

REVERSE = "reverse"
FORWARD = "forward"

_levels = itertools.count(1)
# Every node's number in the order of creation: a topological order of any graph.
_sequence = itertools.count()


class Trace:
    """One act of differentiation: a level, a mode, and (reverse) a tape."""

    __slots__ = ("candidates", "data_dependent", "done", "inputs_log", "level", "mode", "reads",
                 "tape")

    def __init__(self, mode: str, level: int | None = None, keep_tape: bool = True):
        self.mode = mode
        self.level = next(_levels) if level is None else level
        self.tape: list[Node] | None = [] if (keep_tape and mode == REVERSE) else None
        # Large values the function may have dropped already (see release_unused).
        self.candidates: list[list[Any]] | None = (
            [] if self.tape is not None else None)
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


def grad_enabled() -> bool:
    """Whether operations are recorded for differentiation now (False inside :func:`no_grad`).

    >>> grad_enabled()
    True
    """
    return _grad_enabled[-1]


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


# NumPy's ufuncs whose Python operator computes the same on arrays and NumPy
# scalars, without the ufunc's own call machinery (a tenth of its cost on a scalar).
_OPERATORS: dict[Any, Callable[[Any, Any], Any]] = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
}


# Numbers: values of an empty shape that Python's operators take as they are.
_SCALARS = frozenset({float, int, np.float64, np.float32})


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
    # The local derivatives when they are the units +1 or -1 whatever the arguments
    # (add, subtract, negative): the short path takes them without calling the rules.
    units: tuple[Any, ...] | None = field(default=None, compare=False)
    # For each argument, the arguments its partial reads when the partial reads the
    # arguments only, never the result, and computes a new value (``"2.0 * {0}"``);
    # None for the others, () when there is none.  On large arrays reverse mode keeps
    # the arguments of such a partial and computes it in the backward sweep (see Later).
    late: tuple[tuple[int, ...] | None, ...] = field(default=(), compare=False, init=False)
    # A reduction over axes (sum, mean, max, min) whose short path records it directly
    # (see apply_reduction); its rules stay its vjp and jvp.
    short_reduction: bool = field(default=False, compare=False)
    # Derived from the fields above, once, for the short path of every application:
    # an elementwise operation on all its arguments, and its forward on two numbers.
    short: bool = field(init=False, repr=False, compare=False)
    on_numbers: Callable[..., Any] = field(init=False, repr=False, compare=False)
    # For each argument, the argument its partial is when the partial is one of them (a
    # product's: the other factor, ``"{1}"``), read from ``code``; else None.
    bare: tuple[int | None, ...] = field(init=False, repr=False, compare=False)
    # ``(units[i],)``, the locals of a node with one traced argument: made once.
    lone_units: tuple[tuple[Any], ...] | None = field(init=False, repr=False, compare=False)
    # The application itself (see _short_application), and its reflection (``y - x``):
    # in C once the compiled engine is loaded (see use_compiled), else in Python.
    applied: Callable[..., Any] = field(init=False, repr=False, compare=False)
    reflected: Callable[..., Any] = field(init=False, repr=False, compare=False)
    # The Python ones, the reference the compiled engine defers to off its short path.
    python_applications: tuple[Callable[..., Any], Callable[..., Any]] = field(
        init=False, repr=False, compare=False)
    # (the compiled engine, its application, its reflection), once made.
    compiled_applications: tuple[Any, Any, Any] | None = field(
        default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.code is not None and self.partials is not None:
            late = tuple(_arguments_read(template) for template in self.code.partials)
            if any(names is not None for names in late):
                object.__setattr__(self, "late", late)
        object.__setattr__(self, "short",
                           self.partials is not None and self.differentiable_args is None)
        object.__setattr__(self, "on_numbers", _OPERATORS.get(self.forward, self.forward))
        templates = self.code.partials if self.code is not None else ()
        object.__setattr__(self, "bare", tuple(
            _bare_argument(templates[i] if i < len(templates) else None)
            for i in range(len(self.partials or ()))))
        object.__setattr__(self, "lone_units", None if self.units is None else
                           tuple((unit,) for unit in self.units))
        object.__setattr__(self, "python_applications",
                           (_short_application(self), _short_application(self, reflected=True)))
        _set_applications(self)
        _PRIMITIVES.add(self)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


_NAMED = re.compile(r"\{(\d+|ans)\}")


# Every primitive made, whose applications follow the engine in use (see use_compiled).
_PRIMITIVES: weakref.WeakSet[Primitive] = weakref.WeakSet()
# The eager path's inner loops compiled in C (steepest.autodiff.engine), or None: Python's.
_compiled: Any = None
# Its apply (read once per call of apply, without the module's attribute lookup), or None.
_compiled_apply: Any = None
# Called after each switch of engine (the Tensor class re-reads its operators).
_on_switch: list[Callable[[], None]] = []


def _set_applications(prim: Primitive) -> None:
    applied, reflected = prim.python_applications
    if _compiled is not None:
        made = prim.compiled_applications  # made once per engine: a switch only rebinds
        if made is None or made[0] is not _compiled:
            made = (_compiled, _compiled.Application(prim, applied, False),
                    _compiled.Application(prim, reflected, True))
            object.__setattr__(prim, "compiled_applications", made)
        applied, reflected = made[1], made[2]
    object.__setattr__(prim, "applied", applied)
    object.__setattr__(prim, "reflected", reflected)


def use_compiled(engine: Any) -> None:
    """Run the eager path's inner loops in ``engine``, the compiled module of
    :mod:`steepest.autodiff.engine` (None: in Python, the reference).

    The short path of every elementwise primitive, the backward sweep and the
    ordering walk switch together; both engines make the same nodes and the
    same numbers.

    >>> in_use = compiled_engine()
    >>> use_compiled(None); P = Primitive("twice", lambda x: 2 * x, (lambda ans, x: 2.0,))
    >>> P.applied is P.python_applications[0]
    True
    >>> use_compiled(in_use)  # the engine that was in use, again
    """
    global _compiled, _compiled_apply
    _compiled = engine
    _compiled_apply = None if engine is None else engine.apply
    for prim in list(_PRIMITIVES):
        _set_applications(prim)
    for listener in _on_switch:
        listener()


def compiled_engine() -> Any:
    """The compiled engine in use, or None (see :func:`use_compiled`).

    >>> compiled_engine() is None or hasattr(compiled_engine(), "sweep")
    True
    """
    return _compiled


def engine_names() -> dict[str, Any]:
    """What the compiled engine reads and calls of this module, by name.

    >>> sorted(engine_names())[:3]
    ['BOTH', 'FIRST', 'Later']
    """
    return {
        "Node": Node, "Trace": Trace, "Later": Later, "ndarray": np.ndarray,
        "ONE": ONE, "MINUS_ONE": MINUS_ONE, "sequence_key": _sequence_number,
        "shape": np.shape, "grad_enabled": _grad_enabled, "REVERSE": REVERSE,
        "sequence": _sequence, "FIRST": _FIRST, "SECOND": _SECOND, "BOTH": _BOTH,
        "RELEASE_AT": RELEASE_AT, "numbers": tuple(_SCALARS), "plain": tuple(_PLAIN_TYPES),
        # unbroadcast, _accumulate, _computed_for_good, large_locals, watch_large_value,
        # apply_reduction, _apply_general: looked up here at each use, as this module's own
        # functions do (the last two answer every case the compiled engine does not take).
        "namespace": globals()}


def on_switch(listener: Callable[[], None]) -> None:
    """Call ``listener`` after each switch of engine (see :func:`use_compiled`)."""
    _on_switch.append(listener)


def _bare_argument(template: str | None) -> int | None:
    """The argument a partial's template is, when it is one bare argument (``"{1}"``).

    >>> _bare_argument("{1}"), _bare_argument("2.0 * {0}"), _bare_argument(None)
    (1, None, None)
    """
    if template is None:
        return None
    whole = _NAMED.fullmatch(template)
    return int(whole.group(1)) if whole and whole.group(1) != "ans" else None


def _arguments_read(template: str | None) -> tuple[int, ...] | None:
    """The arguments a partial's template computes from, when it may be computed late.

    Not for a partial that reads the result (it may be released before the sweep),
    a bare argument (nothing is computed for it) or a constant.  The NumPy partial
    of a template that does not name ``{ans}`` is called with None for the result,
    as recorded programs already do.

    >>> _arguments_read("2.0 * {0}"), _arguments_read("-{ans} / {1}"), _arguments_read("{1}")
    ((0,), None, None)
    """
    if template is None:
        return None
    names = _NAMED.findall(template)
    if not names or "ans" in names or _NAMED.fullmatch(template):
        return None
    return tuple(sorted({int(name) for name in names}))


def chain(v: Any, local: Any) -> Any:
    """A gradient or tangent ``v`` times a local derivative (``ONE``, ``MINUS_ONE`` or a value).

    >>> chain(2.0, MINUS_ONE), chain(2.0, 3.0)
    (-2.0, 6.0)
    """
    if local is ONE:
        return v
    if local is MINUS_ONE:
        return -v
    return v * local


class Later:
    """A local derivative computed in the backward sweep, from arguments kept for it.

    On the way forward ``2.0 * x`` for ``x ** 2`` is a new array as large as
    the result, kept until the sweep; its argument ``x`` is often alive anyway
    (the user's array, a view of it), and is at most as large.  Keeping the
    argument and computing the partial when the sweep reaches the node, with
    the same rule on the same values, gives the same numbers with one array
    fewer held between the passes.  The sweep multiplies the gradient into the
    partial's own fresh array (``np.multiply(g, d, out=d)``, the same ufunc as
    ``g * d``), so the product makes no second array either.  A sweep that
    may be repeated (a pullback) keeps the partial it computed instead.
    """

    __slots__ = ("args", "partial", "shape")

    def __init__(self, partial: Callable[..., Any], args: tuple[Any, ...],
                 shape: tuple[int, ...]):
        self.partial = partial
        self.args = args
        self.shape = shape

    def compute(self) -> Any:
        """The local derivative, as the forward pass would have computed it."""
        return self.partial(None, *self.args)

    def times(self, g: Any) -> Any:
        """``g * d`` for the local derivative ``d``, written into ``d``'s own memory.

        >>> Later(lambda ans, x: 2.0 * x, (np.arange(3.0),), (3,)).times(np.ones(3))
        array([0., 2., 4.])
        """
        local = self.compute()
        if (type(g) is np.ndarray and type(local) is np.ndarray and g.dtype == local.dtype
                and (g.shape == local.shape or g.ndim == 0) and local.base is None
                and local.flags.writeable and sys.getrefcount(local) == 2):
            return np.multiply(g, local, out=local)  # `local` is referenced here alone
        return g * local

    def stand_in(self) -> np.ndarray:
        """An array of the partial's shape and dtype taking no memory (for recorded programs).

        The dtype is the rule's on one element of each array argument.
        """
        with np.errstate(all="ignore"):
            probe = self.partial(None, *(a[(slice(0, 1),) * a.ndim] if type(a) is np.ndarray
                                         else a for a in self.args))
        return np.broadcast_to(np.zeros((), dtype=np.result_type(probe)), self.shape)

def _total(g: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """``np.sum(g, axis, keepdims=...)``; on a plain array the reduction np.sum itself calls."""
    if type(g) is np.ndarray:
        return np.add.reduce(g, axis=axis, keepdims=keepdims)
    return np.sum(g, axis=axis, keepdims=keepdims)


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the axes that broadcasting added or stretched."""
    # An array's own attribute: np.shape costs a dispatch per call.
    g_shape = g.shape if type(g) is np.ndarray else np.shape(g)
    if g_shape == shape:
        return g
    extra = len(g_shape) - len(shape)
    if extra > 0:
        g = _total(g, tuple(range(extra)), False)
        g_shape = g_shape[extra:]
    # Lists made then frozen: a generator would resume once per axis.
    stretched = tuple([i for i, n in enumerate(shape) if n == 1 and g_shape[i] != 1])
    if stretched:
        g = _total(g, stretched, True)
        g_shape = tuple([1 if i in stretched else n for i, n in enumerate(g_shape)])
    if g_shape != shape:  # a scalar gradient for an array argument
        g = np.broadcast_to(g, shape)
    return g


def plain_array(value: np.ndarray) -> np.ndarray:
    """``value`` as a plain ``np.ndarray``, or one sentence when its class changes what
    NumPy code means on it.

    ``np.matrix`` makes ``*`` a matrix product and keeps every result 2-D; a
    masked array leaves its masked entries out of sums and means.  Traced,
    either would silently become a plain array and the code would compute
    something else, so both are refused.  A memory map is a plain array
    stored in a file: it is read as one.  Other subclasses are refused too:
    what their operations mean is not known here.

    >>> plain_array(np.zeros(2).view(np.memmap)).__class__.__name__
    'ndarray'
    >>> plain_array(np.asmatrix(np.eye(2)))
    Traceback (most recent call last):
    ...
    steepest.errors.DifferentiationError: np.matrix is not supported: ...
    """
    if type(value) is np.ndarray:
        return value
    if isinstance(value, np.memmap):
        return np.asarray(value)
    if isinstance(value, np.matrix):
        raise DifferentiationError(
            "np.matrix is not supported: its * is a matrix product and its results stay "
            "2-D, so the same code means something else on plain arrays; pass "
            "np.asarray(m) and write @ for matrix products")
    if isinstance(value, np.ma.MaskedArray):
        raise DifferentiationError(
            "masked arrays are not supported: their masked entries would be counted in "
            "sums and means; pass the entries to keep (m.compressed(), or m.filled(value))")
    raise DifferentiationError(
        f"arrays of class {type(value).__name__} are not supported: their operations may "
        "mean something else than NumPy's; pass np.asarray(value)")


def as_float_array(value: Any) -> Any:
    """Values enter a trace as float arrays: integers and bools are promoted.

    >>> as_float_array([1, 2])
    array([1., 2.])
    """
    if isinstance(value, np.ndarray):
        value = plain_array(value)
        if value.dtype.kind in "fc":
            return value
        return value.astype(np.float64)
    if isinstance(value, np.generic):
        return np.asarray(value, dtype=np.result_type(value.dtype, np.float64)
                          if value.dtype.kind not in "fc" else value.dtype)
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        if array.dtype.kind not in "iub":
            raise DifferentiationError(
                f"cannot differentiate with respect to a value of type {type(value).__name__}: "
                "pass numbers or NumPy arrays"
            )
        array = array.astype(np.float64)
    return array


class Node:
    """A value in a trace: what the engine needs of a traced value.

    :class:`steepest.Tensor` is the user-facing subclass, with NumPy's
    protocols and Python's operators; the engine creates new nodes of the
    class of the traced values it was given, so it needs nothing above it.
    """

    __slots__ = (
        "__weakref__",
        "_argnums",
        "_g",
        "_parents",
        "_prim",
        "_saved",
        "_seq",
        "_tangent",
        "_trace",
        "_value",
        "grad",
        "name",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_result_class" not in cls.__dict__:
            cls._result_class = cls


# The class of the values the engine computes from a node of a class: that class, unless
# the class names another (a learnable parameter's results are plain tensors, so that a
# module holding one does not take it for a parameter of its own).
Node._result_class = Node


def mark_data_dependent(node: Node) -> None:
    """A concrete value was read in a way a recording cannot repeat (``float``, ``item``).

    >>> trace = Trace(REVERSE)
    >>> node = new_node(1.0, trace, Node)
    >>> mark_data_dependent(node); trace.data_dependent
    True
    """
    trace = node._trace
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
        if isinstance(value, Node):
            if value._trace is not None:
                traces.add(value._trace)
        elif isinstance(value, list | tuple):
            mark_value_read(value)  # not repeatable as it stands: inside a sequence
    repeatable = (fn is not None and len(traces) == 1
                  and not any(isinstance(v, Node) for v in (kwargs or {}).values()))
    for trace in traces:
        if repeatable and trace.reads is not None:
            trace.reads.append((fn, tuple(values), dict(kwargs or {}), result))
        else:
            trace.data_dependent = True


_sequence_number = operator.attrgetter("_seq")


def topological_order(root: Node, leaves: list[Node] | None = None) -> list[Node]:
    """The recorded nodes reachable from ``root``, in creation order.

    A node is created after its parents, so the order of creation (each node's
    sequence number) is a topological order: one walk collects the nodes, one
    sort in C orders them, with no recursion and no stack.  A node met
    is marked in its ``_tangent`` (unused by reverse mode) with a mark of
    this walk; a mark overwritten by another walk at the same time only makes
    a node appear twice, and the sweep passes a node without a gradient by.
    The leaves met (parents no operation made) are added to ``leaves`` when
    it is given, each once: the caller collects their gradients with no
    second walk.

    >>> import steepest as st
    >>> x = st.Tensor(2.0, requires_grad=True)
    >>> y = x * x
    >>> leaves = []
    >>> [node is y for node in topological_order(y + 1.0, leaves)], leaves == [x]
    ([True, False], True)
    """
    if _compiled is not None:
        return _compiled.topological_order(root, leaves)
    if root._prim is None:
        return []
    mark = object()
    root._tangent = mark
    nodes = [root]
    keep = nodes.append
    found = leaves.append if leaves is not None else None
    for node in nodes:  # the list is its own work queue: a node kept is visited later
        for parent in node._parents:
            if parent._tangent is not mark:
                if parent._prim is not None:
                    parent._tangent = mark
                    keep(parent)
                elif found is not None:
                    parent._tangent = mark
                    found(parent)
    nodes.sort(key=_sequence_number)
    return nodes


def mark_written(node: Node) -> None:
    """A leaf's values were written in place: its sequence number becomes a fresh one.

    A leaf's number is otherwise unused (only recorded nodes are ordered), so it
    says when the leaf's values were last set: a recorded node with a smaller
    number was computed from values the leaf no longer holds (see
    :func:`leaf_written_after_use`).  A tensor that shares a leaf's memory
    (``w.detach()``) names that leaf in its ``_saved`` (unused by leaves), and a
    write through it is a write of the leaf too.

    >>> import steepest as st
    >>> w = st.Tensor(1.0, requires_grad=True)
    >>> before = w._seq; mark_written(w); w._seq > before
    True
    """
    stamp = next(_sequence)
    while node is not None:
        node._seq = stamp
        node = node._saved


def leaf_written_after_use(order: Sequence[Node], leaves: Sequence[Node]) -> Node | None:
    """The first of ``leaves`` written in place after a node of ``order`` (topological, as
    :func:`topological_order` gives it) was computed from it, or None.

    The common case costs one pass in C over the leaves: no leaf written since
    the first node of the graph was made.  Otherwise each edge into a leaf is
    looked at: a parent with a larger number than its child's was written after
    the child read it.

    >>> import steepest as st
    >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
    >>> y = (w * w).sum()
    >>> leaves = []; order = topological_order(y, leaves)
    >>> leaf_written_after_use(order, leaves) is None
    True
    >>> mark_written(w); leaf_written_after_use(order, leaves) is w
    True
    """
    if not leaves or max(map(_sequence_number, leaves)) < order[0]._seq:
        return None
    return leaf_written_after_its_child(order)


def leaf_written_after_its_child(order: Sequence[Node]) -> Node | None:
    """The first parent in ``order`` with a larger sequence number than its child's: a leaf
    written in place after the child was computed from it (interior nodes are always older
    than their children), or None.  Every edge of the graph is looked at.

    >>> import steepest as st
    >>> w = st.Tensor(3.0, requires_grad=True)
    >>> y = w * 2.0
    >>> leaf_written_after_its_child([y]) is None
    True
    >>> w.data += 1.0; leaf_written_after_its_child([y]) is w
    True
    """
    for node in order:
        seq = node._seq
        for parent in node._parents:
            if parent._seq > seq:
                return parent
    return None


def backward_sweep(root: Node, seed: Any, order: Sequence[Node],
                   record: dict[int, Any] | None = None, release: bool = False) -> None:
    """Push ``seed`` = d out / d root back through ``order`` (topological).

    Gradients accumulate in each parent's ``_g``; interior nodes are cleared
    as they are passed, leaves keep theirs for the caller to collect.
    """
    root._g = seed if root._g is None else root._g + seed
    if _compiled is not None:  # sweep's own test, one call fewer
        _compiled.sweep(order, record, release)
    else:
        sweep(order, record, release)


def _accumulate(old: Any, ct: Any) -> Any:
    """``old + ct``, written into ``old`` when nothing else holds it (no new array).

    Only a gradient array of its own memory, of ``ct``'s shape and dtype,
    referenced by the node alone, is written over: the sum is the same
    ufunc on the same operands, so the numbers are those of ``old + ct``.

    >>> a = np.ones(3)
    >>> _accumulate(np.ones(3), a)
    array([2., 2., 2.])
    """
    if (type(old) is np.ndarray and type(ct) is np.ndarray and old.shape == ct.shape
            and old.dtype == ct.dtype and old.base is None and old.flags.writeable
            and sys.getrefcount(old) <= 3):  # the node's attribute, `old`, getrefcount's own
        return np.add(old, ct, out=old)
    return old + ct


def _computed_for_good(node: Node, later: Later) -> Any:
    """A partial left to the sweep, computed and kept in its place: the sweep may be repeated.

    A pullback called again (``st.vjp``, a Jacobian's rows) then finds it as
    the forward pass would have left it, instead of computing it each time.
    """
    local = later.compute()
    node._saved = tuple(local if saved is later else saved for saved in node._saved)
    return local


def sweep(order: Sequence[Node], record: dict[int, Any] | None = None,
          release: bool = False) -> None:
    """The backward sweep over ``order`` from the gradients already seeded in nodes' ``_g``.

    Several outputs can be seeded at once (a tuple output's cotangents); a
    single output is :func:`backward_sweep`.  With ``release``, what each
    node saved for its derivative is freed once the sweep has passed it (a
    sweep that will not be repeated: the peak memory is lower).

    >>> import numpy as np, steepest as st
    >>> st.vjp(lambda x: (2.0 * x, x * x), 3.0)[1]((1.0, 1.0))  # 2 + 2x, in one sweep
    8.0
    """
    if _compiled is not None:
        return _compiled.sweep(order, record, release)
    # Names read for every node, as locals: the sweep is the eager path's inner loop.
    one, minus_one, numbers, array = ONE, MINUS_ONE, _SCALARS, np.ndarray
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
                if local is one:
                    ct = g
                elif local is minus_one:
                    ct = -g
                elif type(local) is not Later:
                    ct = g * local
                elif release:
                    ct = local.times(g)
                else:
                    ct = g * _computed_for_good(node, local)
                value = parent._value
                # Two numbers have the same (empty) shape: nothing to sum.  Otherwise the
                # shapes are read as attributes: np.shape costs a dispatch per call.
                if type(ct) not in numbers or type(value) not in numbers:
                    shape = getattr(value, "shape", None)
                    if shape is None or getattr(ct, "shape", None) != shape:
                        ct = unbroadcast(ct, np.shape(value))
                old = parent._g
                if old is None:
                    parent._g = ct
                elif type(old) is not array:
                    parent._g = old + ct
                else:
                    del old  # _accumulate sums in place only what the node alone holds
                    parent._g = _accumulate(parent._g, ct)
        else:
            args, kwargs = node._saved
            ans = node._value
            for i, parent in zip(node._argnums, parents):
                ct = prim.vjp(g, i, ans, args, kwargs)
                parent._g = ct if parent._g is None else _accumulate(parent._g, ct)
            del args, kwargs
        if release:
            node._saved = None
        del g


def next_sequence_number() -> int:
    """A fresh number in the order of creation, for a node made outside :func:`new_node`.

    >>> next_sequence_number() < next_sequence_number()
    True
    """
    return next(_sequence)


def new_node(value: Any, trace: Trace | None, cls: type[Node]) -> Node:
    """A fresh node of class ``cls`` holding ``value``, on ``trace`` (None: a constant).

    >>> new_node(2.0, None, Node)._value
    2.0
    """
    out = cls.__new__(cls)
    out._value = value
    out._trace = trace
    out._prim = None
    out._parents = ()
    out._argnums = ()
    out._saved = None
    out._seq = next(_sequence)
    out._g = None
    out._tangent = None
    out.grad = None
    out.name = None
    return out


def constant(value: Any, like: Node) -> Node:
    """Wrap a value as a node of ``like``'s class that records nothing.

    >>> constant(2.0, new_node(1.0, None, Node))._trace is None
    True
    """
    return new_node(value, None, type(like)._result_class)


# _top_trace's answer when an argument is an object array holding traced values.
_GATHER = Trace(REVERSE, level=-1, keep_tape=False)


def _top_trace(args: Sequence[Any]) -> Trace | None:
    top: Trace | None = None
    for a in args:
        if isinstance(a, Node):
            trace = a._trace
            if trace is not None and not trace.done and (top is None or trace.level > top.level):
                top = trace
        elif type(a) is np.ndarray and a.dtype.hasobject:
            return _GATHER
    return top


def records_eagerly(values: Sequence[Any]) -> bool:
    """Whether an operation on ``values`` is recorded on the eager trace: one of them is a
    tensor that requires grad, none is traced by a transform, and recording is on.

    >>> import steepest as st
    >>> records_eagerly((st.Tensor(1.0, requires_grad=True), 2.0)), records_eagerly((1.0,))
    (True, False)
    """
    return _grad_enabled[-1] and _top_trace(values) is EAGER


def gather(value: Any) -> Any:
    """An object array of traced values (``np.array([x, y])``) as one traced array.

    NumPy builds ``np.array([x, y])`` without asking steepest: each traced
    value hands NumPy an object array of its elements (see
    ``Tensor.__array__``), and the first operation that meets the result
    stacks them here into one traced array.  Anything else is returned as it is.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.sum(np.array([x, 2.0 * x]) ** 2))(1.0)
    10.0
    """
    if type(value) is not np.ndarray or not value.dtype.hasobject:
        return value
    flat = list(value.reshape(-1))
    if not any(isinstance(v, Node) for v in flat):
        numbers = np.array(value.tolist())  # no traced value left (np.min picked constants)
        return numbers if numbers.dtype.kind in "biufc" else value
    stacked = np.stack(flat)  # the traced np.stack, through NumPy's dispatch
    return stacked.reshape(value.shape + np.shape(stacked)[1:])


def strip(value: Any) -> Any:
    """Every Node wrapper removed: the concrete NumPy value."""
    while isinstance(value, Node):
        value = value._value
    return value


def flatten_like(tree: Any, like: Any) -> list[Any]:
    """The arrays of ``tree`` in the order :func:`flatten` gives those of ``like``: a dict is
    read by ``like``'s keys, so two dicts match whatever their order.  A structure that is not
    ``like``'s is refused in one sentence.

    >>> flatten_like({"b": 2.0, "a": 1.0}, {"a": 0.0, "b": 0.0})
    [1.0, 2.0]
    """
    if isinstance(like, dict):
        if not isinstance(tree, dict) or set(tree) != set(like):
            raise DifferentiationError(
                f"the cotangent must be a dict with the output's keys {sorted(map(str, like))}")
        return [leaf for key in like for leaf in flatten_like(tree[key], like[key])]
    if isinstance(like, list | tuple):
        if not isinstance(tree, list | tuple) or len(tree) != len(like):
            raise DifferentiationError(
                f"the cotangent must be a list or tuple of {len(like)} part(s), like the output")
        return [leaf for part, shape in zip(tree, like) for leaf in flatten_like(part, shape)]
    if isinstance(tree, dict | list | tuple):
        raise DifferentiationError("the output is one array, so its cotangent must be one too")
    return [tree]


def flatten(tree: Any) -> tuple[list[Any], Callable[[Sequence[Any]], Any]]:
    """The arrays in a tuple, list or dict (nested), and the function that rebuilds it.

    >>> leaves, rebuild = flatten({"a": (1.0, 2.0), "b": 3.0})
    >>> leaves, rebuild([10.0, 20.0, 30.0])
    ([1.0, 2.0, 3.0], {'a': (10.0, 20.0), 'b': 30.0})
    """
    if isinstance(tree, list | tuple):
        parts = [flatten(item) for item in tree]
        kind: Any = type(tree)
        keys = None
    elif isinstance(tree, dict):
        parts = [flatten(item) for item in tree.values()]
        kind, keys = dict, list(tree)
    else:
        return [tree], lambda leaves: leaves[0]
    sizes = [len(leaves) for leaves, _ in parts]
    leaves = [leaf for part, _ in parts for leaf in part]

    def rebuild(values: Sequence[Any]) -> Any:
        items, start = [], 0
        for size, (_, rebuild_part) in zip(sizes, parts):
            items.append(rebuild_part(values[start:start + size]))
            start += size
        if keys is not None:
            return dict(zip(keys, items))
        return kind(*items) if hasattr(kind, "_fields") else kind(items)

    return leaves, rebuild


def strip_all(obj: Any) -> Any:
    """:func:`strip` applied throughout lists, tuples and dicts.

    >>> strip_all({"a": [1.0, (2.0,)]})
    {'a': [1.0, (2.0,)]}
    """
    if isinstance(obj, Node):
        return strip(obj)
    if isinstance(obj, list | tuple):
        return type(obj)(strip_all(o) for o in obj)
    if isinstance(obj, dict):
        return {k: strip_all(v) for k, v in obj.items()}
    return obj


_PLAIN_TYPES = frozenset({float, int, bool, np.ndarray, np.float64, np.float32, tuple, slice,
                          type(None), type(Ellipsis)})


# Arguments that join an elementwise operation as they are, with no conversion.
_RAW_TYPES = frozenset({float, int, np.float64, np.float32, np.ndarray})

def _forward_of(prim: Primitive, x: Any, y: Any) -> Callable[[Any, Any], Any]:
    """The primitive's forward, as a Python operator when both arguments are numbers.

    Only on numbers: an array subclass may give an operator another meaning
    (``*`` of two ``np.matrix`` is a matrix product).

    >>> _forward_of(Primitive("add", np.add), np.float64(1.0), 2.0) is operator.add
    True
    """
    if type(x) in _SCALARS and type(y) in _SCALARS:
        return prim.on_numbers
    return prim.forward


def _plain_operand(value: Any) -> bool:
    kind = type(value)
    return kind in _RAW_TYPES and (kind is not np.ndarray or not value.dtype.hasobject)


# Elements: a value this large that the traced function no longer holds is released
# before the call ends (see release_unused).
RELEASE_AT = 1 << 16
_WATCHED_AT_MOST = 64  # large values watched at once (the most recent)


def _keeps_every_value(trace: Trace) -> bool:
    """Eager tensors, and traces drawn as pictures, keep every value as it was computed."""
    return trace.candidates is None or trace is EAGER or (
        trace.inputs_log is not None and trace.reads is None)


def large_locals(prim: Primitive, trace: Trace, value: np.ndarray, args: tuple[Any, ...],
                 positions: Sequence[int]) -> tuple[Any, ...]:
    """The local derivatives saved for a large result (:data:`RELEASE_AT` elements or more).

    A partial that :attr:`Primitive.late` allows is a :class:`Later` when
    one argument alone has dimensions (the others are numbers), the partial
    reads it, and the trace does not keep every value; the rest are
    computed now, as for any result.

    >>> import steepest as st
    >>> st.grad(lambda x: np.sum(x ** 2))(np.ones(RELEASE_AT))[:2]
    array([2., 2.])
    """
    if prim.units is not None:
        return tuple(prim.units[i] for i in positions)
    late = prim.late
    partials = prim.partials
    array = _only_array(args, value.shape) if late and not _keeps_every_value(trace) else None
    saved = []
    for i in positions:
        names = late[i] if array is not None else None
        if names is not None and array in names:
            saved.append(Later(partials[i], args, value.shape))
        else:
            saved.append(partials[i](value, *args))
    return tuple(saved)


def _only_array(args: tuple[Any, ...], shape: tuple[int, ...]) -> int | None:
    """The position of the one float array of ``shape`` among numbers, else None."""
    found = None
    for k, a in enumerate(args):
        kind = type(a)
        if kind is np.ndarray and a.ndim:
            if found is not None or a.shape != shape or a.dtype.kind not in "fc":
                return None
            found = k
        elif kind not in _SCALARS and not (kind is np.ndarray and not a.dtype.hasobject):
            return None  # a traced value of an outer trace, a sequence...
    return found


def watch_large_value(trace: Trace, node: Node) -> None:
    """A large value has just been recorded: watch it, to release it once nobody holds it.

    Called for each recorded value of at least :data:`RELEASE_AT` elements;
    the value is watched when an elementwise rule made it (its own
    derivative never reads it) and it owns its memory.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.sum(np.exp(np.sin(x)) * 2.0))(np.zeros(RELEASE_AT))[:2]
    array([2., 2.])
    """
    if _keeps_every_value(trace):
        return
    if node._prim.partials is not None and node._value.base is None:
        # [node, the tape entries looked at for its children, how many children]
        trace.candidates.append([node, len(trace.tape), 0])
        if len(trace.candidates) > _WATCHED_AT_MOST:
            del trace.candidates[0]


def release_unused(trace: Trace) -> None:
    """Free the large values of ``trace`` that nothing but the graph refers to any more.

    A value the function dropped (a temporary of an expression) is still
    held by its node on the tape, and the tape lives until the gradient is
    computed: on large arrays the peak memory of a traced call is the sum
    of every temporary.  The backward sweep needs of such a node only its
    shape and dtype (its derivative rule kept what it needs when it was
    applied), so when the node's references are exactly the tape's and its
    children's, its value becomes a stand-in of the same shape and dtype
    that takes no memory.  Nothing outside the graph can reach the node, so
    nothing can read the stand-in's numbers.  Called before each operation
    of a trace that watches values, and when the traced function returns.
    """
    tape = trace.tape
    kept = []
    for entry in trace.candidates:
        node = entry[0]
        # Counted in a list comprehension, so that no loop variable is left holding the
        # last parent looked at (often this very node: it would be kept one operation longer).
        children = entry[2] + sum(
            [parent is node for later in tape[entry[1]:] for parent in later._parents])
        entry[1], entry[2] = len(tape), children
        # The references counted: the tape, each child's, `entry`, `node`, getrefcount's own;
        # and no weak reference, through which the value could be read later.
        if sys.getrefcount(node) == 4 + children and not weakref.getweakrefcount(node):
            value = node._value
            node._value = np.broadcast_to(np.zeros((), dtype=value.dtype), value.shape)
        else:
            kept.append(entry)
        del node
    trace.candidates = kept


# Argument positions of a node the short path makes: shared, no tuple made per operation.
_FIRST, _SECOND, _BOTH = (0,), (1,), (0, 1)
# The second argument of a one-argument application (no value is this object).
_ONE_ARGUMENT = object()
# Instances are made without __init__ (a Tensor's is the user's constructor), by a plain
# function: no lookup of ``cls.__new__`` per node.
_new_instance = object.__new__


# long: one function for both arities and every argument kind, making the node in place: each
# part taken out would be one more Python call per operation, the cost this path exists to save.
def _short_application(prim: Primitive, reflected: bool = False) -> Callable[..., Any]:
    """``prim`` applied to one or two arguments (``(b, a)`` when ``reflected``).

    The function behind :func:`apply_unary`, :func:`apply_binary` and the
    ``Tensor`` operators (``x + y`` calls it directly: one Python call per
    operation).  The short path: an elementwise operation, every traced
    argument on one open reverse trace, the other a number or a numeric
    array.  It makes the node itself, in one place for both arities, so
    that an operation costs one Python call.  A local derivative
    that is one of the arguments (a product's, see :attr:`Primitive.bare`)
    is taken without calling its rule.  Anything else goes to the general
    path, which computes the same.
    """
    forward, on_numbers, partials = prim.forward, prim.on_numbers, prim.partials

    def applied(a: Any, b: Any = _ONE_ARGUMENT) -> Any:
        if reflected:
            a, b = b, a
        if not prim.short or not _grad_enabled[-1]:  # switched off, or under no_grad
            return _apply_general(prim, (a,) if b is _ONE_ARGUMENT else (a, b), {})
        if isinstance(a, Node):
            trace, cls = a._trace, a._result_class
            if b is _ONE_ARGUMENT:
                parents, argnums, x, y = (a,), _FIRST, a._value, None
            elif isinstance(b, Node):
                if b._trace is trace:
                    parents, argnums, x, y = (a, b), _BOTH, a._value, b._value
                elif b._trace is None and trace is not None and _plain_operand(b._value):
                    # A constant tensor (``x - x.max(...).detach()``) joins as its value,
                    # as _apply_general would take it.
                    parents, argnums, x, y = (a,), _FIRST, a._value, b._value
                else:
                    return _apply_general(prim, (a, b), {})
            elif type(b) in _RAW_TYPES and (type(b) is not np.ndarray or not b.dtype.hasobject):
                parents, argnums, x, y = (a,), _FIRST, a._value, b
            else:
                return _apply_general(prim, (a, b), {})
        elif (isinstance(b, Node) and type(a) in _RAW_TYPES
              and (type(a) is not np.ndarray or not a.dtype.hasobject)):
            trace, cls = b._trace, b._result_class
            parents, argnums, x, y = (b,), _SECOND, a, b._value
        else:
            return _apply_general(prim, (a,) if b is _ONE_ARGUMENT else (a, b), {})
        # The trace's test, written out: a call per operation would be a tenth of its cost.
        if trace is None or trace.mode != REVERSE or trace.done:
            return _apply_general(prim, (a,) if b is _ONE_ARGUMENT else (a, b), {})
        if trace.candidates:
            release_unused(trace)  # before this operation allocates its result
        if b is _ONE_ARGUMENT:
            value = forward(x)
        elif type(x) in _SCALARS and type(y) in _SCALARS:
            value = on_numbers(x, y)
        else:
            value = forward(x, y)
        large = type(value) is np.ndarray and value.size >= RELEASE_AT
        if large:
            saved = large_locals(prim, trace, value, (x,) if b is _ONE_ARGUMENT else (x, y),
                                 argnums)
        elif prim.units is not None:
            saved = prim.units if argnums is _BOTH else prim.lone_units[argnums[0]]
        else:
            # Written out for each arity, without a loop: a loop's frame costs as much.  A bare
            # argument's position is tested with `is None` first (None == 0 is a slow compare).
            bare = prim.bare
            if b is _ONE_ARGUMENT:
                saved = (partials[0](value, x) if bare[0] is None else x,)
            elif argnums is _BOTH:
                k, j = bare
                saved = (partials[0](value, x, y) if k is None else x if k == 0 else y,
                         partials[1](value, x, y) if j is None else x if j == 0 else y)
            else:
                i = argnums[0]
                k = bare[i]
                saved = (partials[i](value, x, y) if k is None else x if k == 0 else y,)
        # new_node's fields, written out with this operation's: a call per operation costs.
        out = _new_instance(cls)
        out._value = value
        out._trace = trace
        out._prim = prim
        out._parents = parents
        out._argnums = argnums
        out._saved = saved
        out._seq = next(_sequence)
        out._g = None
        out._tangent = None
        out.grad = None
        out.name = None
        if trace.tape is not None:
            trace.tape.append(out)
            if large:
                watch_large_value(trace, out)
        if trace.inputs_log is not None:
            # A parent's place is None (its node has the value): the log keeps no large value.
            trace.inputs_log[id(out)] = [None] if b is _ONE_ARGUMENT else [
                None if 0 in argnums else x, None if 1 in argnums else y]
        return out

    return applied


def apply_unary(prim: Primitive, a: Any) -> Any:
    """``prim`` applied to one argument: :func:`apply`, with a short path for the common case.

    >>> import numpy as np, steepest as st
    >>> from steepest.autodiff import primitives as P
    >>> x = st.Tensor(0.0, requires_grad=True)
    >>> y = apply_unary(P.exp, x); y.backward(); float(x.grad)
    1.0
    """
    return prim.applied(a)


def apply_binary(prim: Primitive, a: Any, b: Any) -> Any:
    """``prim`` applied to two arguments: :func:`apply`, with a short path for the common case
    (see :func:`_short_application`).

    >>> import steepest as st
    >>> from steepest.autodiff import primitives as P
    >>> x = st.Tensor(3.0, requires_grad=True)
    >>> y = apply_binary(P.multiply, x, x); y.backward(); float(x.grad)
    6.0
    """
    return prim.applied(a, b)


def apply_reduction(prim: Primitive, a: Any, kwargs: dict[str, Any]) -> Any:
    """``prim``, a reduction, of ``a`` with its ``axis`` and ``keepdims`` in ``kwargs``:
    :func:`apply`, with a short path for the common case.

    The short path: ``a`` traced on an open reverse trace, its value a plain
    array.  The node is the one the general path makes (the same forward on
    the same arguments, the same saved arguments for the vjp), without its
    search for the newest trace and its look at every argument.

    >>> import numpy as np, steepest as st
    >>> from steepest.autodiff import primitives as P
    >>> x = st.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = apply_reduction(P.sum_, x, {"axis": 1}); y.data
    array([3., 7.])
    >>> y.backward(np.ones(2)); x.grad
    array([[1., 1.],
           [1., 1.]])
    """
    if prim.short_reduction and isinstance(a, Node) and _grad_enabled[-1]:
        trace = a._trace
        x = a._value
        if (trace is not None and trace.mode == REVERSE and not trace.done
                and type(x) is np.ndarray):
            if trace.candidates:
                release_unused(trace)  # before this operation allocates its result
            out = new_node(prim.forward(x, **kwargs), trace, a._result_class)
            out._prim, out._parents, out._argnums, out._saved = prim, (a,), _FIRST, ([x], kwargs)
            if trace.tape is not None:
                trace.tape.append(out)
                if type(out._value) is np.ndarray and out._value.size >= RELEASE_AT:
                    watch_large_value(trace, out)
            if trace.inputs_log is not None:
                trace.inputs_log[id(out)] = [None]
            return out
    return apply(prim, (a,), kwargs)


def apply(prim: Primitive, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    """Run ``prim`` on ``args``, recording it on the newest trace among them.

    The compiled engine takes the call in C (a tuple of arguments): the same
    dispatch, and the general application's reverse-mode case of a
    primitive with a vjp (``linear``, ``matmul``) made there; anything else
    is handed back to :func:`_apply_general`.

    >>> import numpy as np, steepest as st
    >>> from steepest.autodiff import primitives as P
    >>> w = st.Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = apply(P.linear, (np.ones((3, 2)), w), {}); y.data.ravel()
    array([3., 3., 3.])
    >>> np.sum(y).backward(); w.grad
    array([[3., 3.]])
    """
    if _compiled_apply is not None and type(args) is tuple:
        return _compiled_apply(prim, args, kwargs)
    if len(args) == 2 and not kwargs:
        a, b = args
        if (isinstance(a, Node) or isinstance(b, Node)) and prim.partials is not None:
            return apply_binary(prim, a, b)
    elif len(args) == 1 and not kwargs and isinstance(args[0], Node) and prim.partials is not None:
        return apply_unary(prim, args[0])
    return _apply_general(prim, args, kwargs)


def _apply_general(prim: Primitive, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    top = _top_trace(args) if _grad_enabled[-1] else None
    if top is _GATHER:
        gathered = [gather(a) for a in args]
        if any(type(a) is np.ndarray and a.dtype.hasobject for a in gathered):
            raise DifferentiationError(
                f"{prim.name} got an array of Python objects that are not numbers (dtype "
                "object); give it numbers, or traced values joined with np.stack"
            )
        return apply(prim, gathered, kwargs)
    if top is None:
        raw = [strip(a) for a in args]
        value = prim.forward(*raw, **kwargs)
        for a in args:
            if isinstance(a, Node):
                return constant(value, a)
        return value

    raw_args = []
    traced = []
    for i, a in enumerate(args):
        if isinstance(a, Node):
            if a._trace is top:
                raw_args.append(a._value)
                traced.append(i)
                continue
            if a._trace is None or a._trace.done:
                raw_args.append(strip(a))
                continue
        elif type(a) not in _PLAIN_TYPES:
            if isinstance(a, np.ndarray):
                a = plain_array(a)  # np.matrix and masked arrays mean something else
            elif hasattr(a, "__array__"):
                a = np.asarray(a)  # pandas objects and other array-likes join as arrays
        raw_args.append(a)
    allowed = prim.differentiable_args
    if allowed is not None:
        traced = [i for i in traced if i in allowed]
    if top.candidates:
        release_unused(top)  # before this operation allocates its result
    value = prim.forward(*raw_args, **kwargs)
    if not traced:
        if isinstance(value, Node):
            return value
        return constant(strip(value), next(a for a in args if isinstance(a, Node)))
    out = new_node(value, top, args[traced[0]]._result_class)
    if top.mode == REVERSE:
        out._prim = prim
        out._parents = tuple(args[i] for i in traced)
        out._argnums = tuple(traced)
        large = type(value) is np.ndarray and value.size >= RELEASE_AT
        if prim.partials is not None:
            out._saved = (large_locals(prim, top, value, tuple(raw_args), traced) if large else
                          tuple(prim.partials[i](value, *raw_args) for i in traced))
        else:
            out._saved = (raw_args, kwargs)
        if top.tape is not None:
            top.tape.append(out)
            if large:
                watch_large_value(top, out)
        if top.inputs_log is not None:
            # The constants as they were; a parent's place is None (its node has the value),
            # so that the log keeps no large value alive.
            logged = list(raw_args)
            for i in traced:
                logged[i] = None
            top.inputs_log[id(out)] = logged
    else:
        tangent = None
        out_shape = np.shape(value)
        for i in traced:
            t_in = args[i]._tangent
            if prim.partials is not None:
                contribution = chain(t_in, prim.partials[i](value, *raw_args))
            else:
                contribution = prim.jvp(t_in, i, value, raw_args, kwargs)
            tangent = contribution if tangent is None else tangent + contribution
        if np.shape(tangent) != out_shape:
            tangent = np.broadcast_to(tangent, out_shape)
        out._tangent = tangent
    return out
