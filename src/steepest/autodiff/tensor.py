"""The user-facing traced value: :class:`Tensor`, its operators and array methods.

``x + y``, ``x @ w``, ``x[1:]``, ``x.sum()``... go straight to the
primitives or to the NumPy functions' traced versions in
:mod:`steepest.autodiff.dispatch`; NumPy calls arrive through
``__array_ufunc__`` and ``__array_function__``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from steepest.autodiff import primitives as P
from steepest.autodiff.core import (
    EAGER,
    Node,
    Primitive,
    Trace,
    apply,
    as_float_array,
    backward_sweep,
    compiled_engine,
    grad_enabled,
    leaf_written_after_use,
    mark_data_dependent,
    mark_value_read,
    mark_written,
    new_node,
    next_sequence_number,
    on_switch,
    plain_array,
    topological_order,
)
from steepest.autodiff.dispatch import (
    DIRECT_UFUNCS,
    FUNCTIONS,
    REDUCTIONS,
    cast,
    dispatch_function,
    dispatch_ufunc,
    getitem,
)
from steepest.autodiff.errors import (
    array_method_missing,
    array_of_tensor_requiring_grad,
    array_of_traced_value,
    create_graph_refused,
    float_of_traced_value,
    gradient_shape_mismatch,
    in_place_method,
    in_place_on_leaf,
    in_place_write,
    item_write_on_leaf,
    not_one_number,
    nothing_to_differentiate,
    written_after_use,
)
from steepest.errors import DataError


def _binary(prim: Primitive) -> tuple[Any, Any]:
    """An operator and its reflection (``x - y``, ``y - x``): the primitive's application
    itself, so that an operation costs one Python call."""
    return prim.applied, prim.reflected


def _in_place(ufunc: np.ufunc, symbol: str, out_of_place: Any) -> Any:
    """The operator ``x <symbol>= other``: on a leaf tensor (one made by the user, a
    parameter) it writes the leaf's own values, as PyTorch's in-place operators do, so
    that ``for p in net.parameters(): p -= rate * p.grad`` under :func:`no_grad` updates
    the parameters; without it that loop would bind each name to a new tensor and leave
    the parameters as they were.  Where operations are recorded, a leaf that requires
    grad refuses (its old values are part of what is being differentiated).  Any other
    tensor, or a traced ``other``, gets the new tensor ``x <op> other``, as before.  The
    write is marked on the leaf (:func:`~steepest.autodiff.core.mark_written`): a graph
    computed from the old values refuses ``backward()``.
    """

    def operator(self: Tensor, other: Any) -> Any:
        if self._prim is not None or (self._trace is not None and self._trace is not EAGER) or (
                isinstance(other, Node) and other._trace is not None):
            return out_of_place(self, other)
        if self._trace is EAGER and grad_enabled():
            raise in_place_on_leaf(symbol)
        value = self._value
        operand = other.data if isinstance(other, Tensor) else other
        shape = np.shape(value)
        try:
            fits = np.broadcast_shapes(shape, np.shape(operand)) == shape
        except ValueError:
            fits = False
        if not fits:
            raise DataError(f"x {symbol}= y needs y of x's shape {shape} or one that broadcasts "
                            f"to it, not {np.shape(operand)}")
        try:
            ufunc(value, operand, out=value)
        except TypeError as error:  # NumPy's own refusal to cast, said once
            raise DataError(f"x {symbol}= y cannot write y's values into x's "
                            f"{value.dtype}: {error}") from None
        mark_written(self)
        return self

    operator.__name__ = f"__i{ufunc.__name__}__"
    return operator


def _unary(prim: Primitive) -> Any:
    """A method applying a one-argument primitive (``x.exp()``, ``-x``)."""
    return prim.applied


def _comparison(ufunc: np.ufunc) -> Any:
    """A comparison operator: it reads the values and gives plain booleans."""
    def compare(self: Tensor, other: Any) -> np.ndarray:
        result = ufunc(self.data, other.data if isinstance(other, Tensor) else other)
        mark_value_read((self, other), ufunc, None, result)
        return result

    return compare


def _numpy_method(func: Any) -> Any:
    """An array method that is NumPy's function of the array (``x.sum(axis=0)``)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return FUNCTIONS[func](self, *args, **kwargs)

    return method


def _numpy_call(func: Any) -> Any:
    """An array method that is a NumPy function of the array (``x.argmax()``,
    ``x.round(2)``): computed, read or refused by name, as the function is."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return dispatch_function(func, (self, *args), kwargs)

    return method


def _writing_method(name: str) -> Any:
    """An array method that writes into the array (``x.sort()``): refused, with the
    function that gives a new array instead."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        raise in_place_method(name)

    return method


class Tensor(Node):
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

    __slots__ = ()
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
        elif isinstance(data, np.ma.MaskedArray):
            plain_array(data)  # refused: its masked entries would be computed with
        array = np.array(data, dtype=dtype, copy=True) if dtype is not None else np.array(data)
        if array.dtype.kind not in "fc":
            array = array.astype(np.float64)
        self._value = array
        self._trace: Trace | None = EAGER if requires_grad else None
        self._prim: Primitive | None = None
        self._parents: tuple[Tensor, ...] = ()
        self._argnums: tuple[int, ...] = ()
        self._saved: Any = None
        self._seq = next_sequence_number()
        self._g: Any = None
        self._tangent: Any = None
        self.grad: np.ndarray | None = None
        self.name = name

    # -- properties -------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The underlying NumPy array (writable for leaf tensors).

        ``w.data -= x`` hands the same array back to the setter, which marks the
        write (a graph computed from the old values refuses ``backward()``); a
        write into the array alone (``a = w.data; a -= x``, ``w.data[:] = x``)
        is NumPy's and is not seen.
        """
        value = self._value
        while isinstance(value, Tensor):
            value = value._value
        return value

    @data.setter
    def data(self, value: Any) -> None:
        if type(value) is np.ndarray and value.dtype.kind in "fc":
            # A float array (``p.data -= rate * p.grad`` every step) is kept as it is.
            if value is self._value and self._prim is None:
                mark_written(self)  # the same array: its values were written in place
            self._value = value
            return
        array = np.asarray(value)  # a list too (np.result_type would read it as a dtype)
        self._value = (array if array.dtype.kind in "fc"
                       else array.astype(np.result_type(array, np.float64)))

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

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` in place and return the tensor, as PyTorch's does.

        >>> import steepest as st
        >>> st.Tensor([1.0, 2.0]).requires_grad_().requires_grad
        True
        """
        self.requires_grad = requires_grad
        return self

    @property
    def shape(self) -> tuple[int, ...]:
        value = self._value
        # An array's own attribute: np.shape costs a dispatch (two Python calls) per call.
        return value.shape if type(value) is np.ndarray else np.shape(value)

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

    def item(self, *index: Any) -> float:
        """The value of a one-element tensor (or of the element at ``index``) as a
        Python number."""
        mark_data_dependent(self)
        return self.data.item(*index)

    def tolist(self) -> Any:
        """The value as nested Python lists (numbers without derivatives, as ``item``)."""
        mark_data_dependent(self)  # the numbers are read: a recording would repeat them
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A constant tensor with the same value, cut off from the graph.

        As in PyTorch, it shares the value's memory: nothing is copied.

        >>> import steepest as st
        >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
        >>> w.detach().requires_grad, w.detach().data is w.data
        (False, True)
        """
        if self._trace is not None and self._trace is not EAGER:
            # The value becomes a constant of the graph: a recording of this call would
            # repeat this call's number for every later input.
            mark_data_dependent(self)
        out = new_node(self.data, None, Tensor)
        if self._prim is None:
            out._saved = self  # a write through it is a write of this leaf (mark_written)
        return out

    def __bool__(self) -> bool:
        result = bool(self.data)
        mark_value_read((self,), bool, None, result)
        return result

    def __float__(self) -> float:
        if self._trace is not None and self._trace is not EAGER and not self._trace.done:
            raise float_of_traced_value()
        return float(self.data)

    def __int__(self) -> int:
        mark_data_dependent(self)
        return int(self.data)

    # floor, ceil, trunc and round read the value, as int() does: steps, derivative 0.
    def __floor__(self) -> int:
        mark_data_dependent(self)
        return math.floor(self.data.item())

    def __ceil__(self) -> int:
        mark_data_dependent(self)
        return math.ceil(self.data.item())

    def __trunc__(self) -> int:
        mark_data_dependent(self)
        return math.trunc(self.data.item())

    def __round__(self, ndigits: int | None = None) -> Any:
        mark_data_dependent(self)
        return round(self.data.item(), ndigits)

    def __index__(self) -> int:
        mark_data_dependent(self)
        return int(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        trace = self._trace
        if trace is EAGER and grad_enabled() and (dtype is None or np.dtype(dtype).kind in "fcO"):
            # NumPy's numbers of a tensor that requires grad would be a constant to any
            # expression that meets them (np.asarray(w) * w would lose half its gradient)
            # and an array of its elements would outlive the step (np.save would pickle
            # them): refused, as PyTorch refuses, with what to write instead.
            raise array_of_tensor_requiring_grad()
        if trace is not None and trace is not EAGER and not trace.done:
            if dtype is None or np.dtype(dtype) == object:
                return self._elements()
            if np.dtype(dtype).kind in "biu":
                # Integers and truth values are read, as int() reads: steps, derivative 0.
                mark_data_dependent(self)
                return np.asarray(self.data).astype(dtype)
            raise array_of_traced_value()
        # NumPy wants an array (a one-element tensor's value may be a NumPy number).
        return np.asarray(self.data) if dtype is None else np.asarray(self.data).astype(dtype)

    def _elements(self) -> np.ndarray:
        """An object array of the traced elements: ``np.array([x, y])`` keeps their derivatives.

        The operations that meet such an array stack it back into one traced
        array (:func:`steepest.autodiff.core.gather`).
        """
        elements = np.empty(self.shape, dtype=object)
        if not self.shape:
            elements[()] = self
        else:
            for index in np.ndindex(*self.shape):
                elements[index] = self[index]
        return elements


    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self._prim is not None:
            extra = f", op={self._prim.name}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def __setitem__(self, key: Any, value: Any) -> None:
        """``x[key] = value`` on a leaf: a constant tensor, or a parameter under
        :func:`no_grad` (as PyTorch's ``with torch.no_grad(): w[0] = 0``), has its own
        values written and the write marked (a graph computed from the old values refuses
        ``backward()``).  A result of operations, or a traced value, refuses in one
        sentence: building a new array keeps the derivatives.

        >>> import steepest as st
        >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
        >>> with st.no_grad():
        ...     w[0] = 5.0
        >>> w
        Tensor([5., 2.], requires_grad=True)
        """
        if self._prim is not None or (self._trace is not None and self._trace is not EAGER) or (
                isinstance(value, Node) and value._trace is not None):
            raise in_place_write()
        if self._trace is EAGER and grad_enabled():
            raise item_write_on_leaf()
        target = self._value
        try:
            target[key] = value.data if isinstance(value, Tensor) else value
        except (TypeError, ValueError, IndexError) as error:  # NumPy's refusal, said once
            raise DataError(f"x[...] = y cannot write y into x ({target.dtype}, shape "
                            f"{target.shape}): {error}") from None
        mark_written(self)

    def __hash__(self) -> int:
        return id(self)

    # -- reverse mode, PyTorch style ---------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Backpropagate from this tensor; leaves collect ``.grad``.

        ``gradient`` (d loss / d this tensor) defaults to 1 for a one-element
        tensor; otherwise it has this tensor's shape, or one that broadcasts
        to it.  The graph is kept whatever ``retain_graph`` says: a second
        ``backward()`` adds the same gradients again, as PyTorch's does with
        ``retain_graph=True``.  A tensor that does not require grad (a
        constant, a detached value, a result computed under ``st.no_grad()``)
        refuses: nothing went into it that could be differentiated.

        >>> import numpy as np, steepest as st
        >>> w = st.Tensor([1.0, 2.0], requires_grad=True)
        >>> (w * w).backward(np.array([1.0, 10.0])); w.grad
        array([ 2., 40.])
        """
        if self._trace is None:
            raise nothing_to_differentiate()
        if create_graph:
            raise create_graph_refused()
        value = self.data
        # An array's or a NumPy number's own attributes: np.size and np.shape dispatch.
        shape = value.shape if isinstance(value, np.ndarray | np.generic) else np.shape(value)
        if gradient is None:
            if math.prod(shape) != 1:
                raise not_one_number("backward", shape)
            gradient = (np.array(1, dtype=value.dtype) if not shape  # np.ones is Python
                        else np.ones(shape, dtype=value.dtype))
        else:
            given = np.shape(gradient)
            if given != shape:
                try:
                    fits = np.broadcast_shapes(given, shape) == shape
                except ValueError:
                    fits = False
                if not fits:  # a larger gradient would be summed down to the shape, silently
                    raise gradient_shape_mismatch(given, shape)
                gradient = np.broadcast_to(gradient, shape)
        leaves: list[Tensor] = []
        order = topological_order(self, leaves)
        written = leaf_written_after_use(order, leaves)
        if written is not None:
            raise written_after_use(written.name)
        backward_sweep(self, gradient, order)
        if self._prim is None:
            leaves.append(self)
        handed: set[int] = {id(gradient)}
        for leaf in leaves:
            g = leaf._g
            leaf._g = None
            if g is None or leaf._trace is None:
                # A leaf frozen (requires_grad = False) since the graph was built collects
                # nothing, as in PyTorch.
                continue
            value = leaf.data
            if type(g) is not np.ndarray or g.dtype != value.dtype or g.shape != value.shape:
                # The common case, an array of the leaf's dtype and shape, needs neither step.
                g = np.asarray(g, dtype=value.dtype) if not isinstance(g, Tensor) else g
                if np.shape(g) != np.shape(value):
                    g = np.broadcast_to(g, np.shape(value))
            if leaf.grad is not None:
                leaf.grad = leaf.grad + g
                continue
            # The memory the gradient lives in (a transpose's gradient is a view).
            root = g
            while isinstance(root, np.ndarray) and root.base is not None:
                root = root.base
            if (type(g) is np.ndarray and g.flags.writeable and type(root) is np.ndarray
                    and id(root) not in handed):
                # Memory the sweep made for this leaf alone: handed over without a copy.
                leaf.grad = g
                handed.add(id(root))
            else:
                leaf.grad = np.array(g)

    def zero_grad(self) -> None:
        """Forget the accumulated ``.grad``."""
        self.grad = None

    # -- NumPy protocols ----------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if not kwargs and method == "__call__":
            prim = DIRECT_UFUNCS.get(ufunc)
            if prim is not None:  # the common case, straight to the primitive
                return prim.applied(*inputs)  # apply_unary or apply_binary, one call fewer
        return dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return dispatch_function(func, args, kwargs)

    # -- Python operators ---------------------------------------------------
    # Straight to the primitives, skipping NumPy's dispatch: the cost per
    # operation stays small.
    __add__, __radd__ = _binary(P.add)
    __sub__, __rsub__ = _binary(P.subtract)
    __mul__, __rmul__ = _binary(P.multiply)
    __truediv__, __rtruediv__ = _binary(P.divide)
    __matmul__, __rmatmul__ = _binary(P.matmul)
    __mod__, __rmod__ = _binary(P.remainder)

    def __floordiv__(self, other: Any) -> Any:
        return dispatch_ufunc(np.floor_divide, "__call__", (self, other), {})

    def __rfloordiv__(self, other: Any) -> Any:
        return dispatch_ufunc(np.floor_divide, "__call__", (other, self), {})

    def __divmod__(self, other: Any) -> Any:
        return self // other, self % other

    def __rdivmod__(self, other: Any) -> Any:
        return other // self, other % self

    def __pow__(self, exponent: Any) -> Any:
        if isinstance(exponent, int | float) and not isinstance(exponent, bool):
            if exponent == 2:
                return apply(P.square, (self,), {})
            if exponent == 1:
                return self
        return apply(P.power, (self, exponent), {})

    def __rpow__(self, base: Any) -> Any:
        return apply(P.power, (base, self), {})

    def __pos__(self) -> Any:
        return self

    # In-place operators: a leaf's own values are written (see _in_place).
    __iadd__ = _in_place(np.add, "+", __add__)
    __isub__ = _in_place(np.subtract, "-", __sub__)
    __imul__ = _in_place(np.multiply, "*", __mul__)
    __itruediv__ = _in_place(np.true_divide, "/", __truediv__)
    __ifloordiv__ = _in_place(np.floor_divide, "//", __floordiv__)
    __imod__ = _in_place(np.remainder, "%", __mod__)
    __ipow__ = _in_place(np.power, "**", __pow__)

    def __getitem__(self, index: Any) -> Any:
        return getitem(self, index)

    # Comparisons read the values (they steer branches and masks): plain booleans.
    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)
    __eq__ = _comparison(np.equal)  # type: ignore[assignment]
    __ne__ = _comparison(np.not_equal)  # type: ignore[assignment]

    # -- array methods: NumPy's functions' arguments, in the same order -------
    sum = _numpy_method(np.sum)
    mean = _numpy_method(np.mean)
    prod = _numpy_method(np.prod)
    max = _numpy_method(np.max)
    min = _numpy_method(np.min)
    var = _numpy_method(np.var)
    std = _numpy_method(np.std)
    cumsum = _numpy_method(np.cumsum)
    dot = _numpy_method(np.dot)
    swapaxes = _numpy_method(np.swapaxes)
    squeeze = _numpy_method(np.squeeze)
    ravel = _numpy_method(np.ravel)
    flatten = _numpy_method(np.ravel)
    clip = _numpy_method(np.clip)
    copy = _numpy_method(np.copy)

    round = _numpy_call(np.round)
    argmax = _numpy_call(np.argmax)
    argmin = _numpy_call(np.argmin)
    argsort = _numpy_call(np.argsort)
    argpartition = _numpy_call(np.argpartition)
    nonzero = _numpy_call(np.nonzero)
    all = _numpy_call(np.all)
    any = _numpy_call(np.any)
    diagonal = _numpy_call(np.diagonal)
    trace = _numpy_call(np.trace)
    repeat = _numpy_call(np.repeat)
    take = _numpy_call(np.take)
    cumprod = _numpy_call(np.cumprod)
    searchsorted = _numpy_call(np.searchsorted)
    sort = _writing_method("sort")
    partition = _writing_method("partition")
    fill = _writing_method("fill")
    put = _writing_method("put")
    itemset = _writing_method("itemset")
    resize = _writing_method("resize")

    @property
    def mT(self) -> Any:
        return FUNCTIONS[np.swapaxes](self, -1, -2)

    @property
    def itemsize(self) -> int:
        return self.data.itemsize

    @property
    def nbytes(self) -> int:
        return self.data.nbytes

    def __getattr__(self, name: str) -> Any:
        # Called only for names Tensor lacks: one of np.ndarray's is named, with what to do.
        if name.startswith("_") or not hasattr(np.ndarray, name):
            raise AttributeError(f"'Tensor' object has no attribute {name!r}")
        raise AttributeError(array_method_missing(name))

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return FUNCTIONS[np.reshape](self, shape, **kwargs)

    def transpose(self, *axes: Any) -> Any:
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return FUNCTIONS[np.transpose](self, axes or None)

    @property
    def T(self) -> Any:
        return FUNCTIONS[np.transpose](self, None)

    def astype(self, dtype: Any, **unused: Any) -> Any:
        return cast(self, dtype)

    # NumPy computes a ufunc on an array of traced values (np.exp(np.array([x, y])))
    # by calling each element's method of the ufunc's name.
    exp = _unary(P.exp)
    log = _unary(P.log)
    square = _unary(P.square)
    cbrt = _unary(P.cbrt)
    reciprocal = _unary(P.reciprocal)
    exp2 = _unary(P.exp2)
    expm1 = _unary(P.expm1)
    log2 = _unary(P.log2)
    log10 = _unary(P.log10)
    log1p = _unary(P.log1p)
    tan = _unary(P.tan)
    arcsin = _unary(P.arcsin)
    arccos = _unary(P.arccos)
    arctan = _unary(P.arctan)
    sinh = _unary(P.sinh)
    cosh = _unary(P.cosh)
    arcsinh = _unary(P.arcsinh)
    arccosh = _unary(P.arccosh)
    arctanh = _unary(P.arctanh)
    sin = _unary(P.sin)
    cos = _unary(P.cos)
    tanh = _unary(P.tanh)
    sqrt = _unary(P.sqrt)
    abs = _numpy_method(np.abs)
    __neg__ = _unary(P.negative)
    __abs__ = _numpy_method(np.abs)
    conj = _unary(P.conjugate)
    conjugate = _unary(P.conjugate)

    @property
    def real(self) -> Any:
        return FUNCTIONS[np.real](self)

    @property
    def imag(self) -> Any:
        return FUNCTIONS[np.imag](self)

    def sigmoid(self) -> Any:
        return 0.5 * (apply(P.tanh, (0.5 * self,), {}) + 1.0)

    def relu(self) -> Any:
        return apply(P.maximum, (self, 0.0), {})


# Tensor's operators and methods that are a primitive's application: (primitive, reflected).
_APPLICATIONS = {name: (prim, kind == 1) for name, value in vars(Tensor).items()
                 for prim in P.PRIMITIVES.values()
                 for kind, application in enumerate((prim.applied, prim.reflected))
                 if value is application}


# The reduction methods, NumPy's protocols and ``data``, in Python: the reference, and what
# their compiled versions hand every call they do not take to.
_PYTHON_METHODS = {name: vars(Tensor)[name] for name in (
    "sum", "mean", "max", "min", "__array_ufunc__", "__array_function__", "data")}
# (the compiled engine, its versions of _PYTHON_METHODS), once made.
_compiled_methods: list[Any] = [None, {}]


def _methods_for(engine: Any) -> dict[str, Any]:
    """The reduction methods, protocols and ``data`` of Tensor on ``engine`` (None: Python's)."""
    if engine is None:
        return _PYTHON_METHODS
    if _compiled_methods[0] is not engine:
        python = _PYTHON_METHODS
        methods = {name: engine.Reduction(REDUCTIONS[func], python[name])
                   for name, func in (("sum", np.sum), ("mean", np.mean), ("max", np.max),
                                      ("min", np.min))}
        methods["__array_ufunc__"] = engine.Protocol("ufunc", DIRECT_UFUNCS,
                                                     python["__array_ufunc__"])
        methods["__array_function__"] = engine.Protocol("function", REDUCTIONS,
                                                        python["__array_function__"])
        methods["data"] = engine.Value(python["data"], Tensor)
        _compiled_methods[:] = [engine, methods]
    return _compiled_methods[1]


def _bind_applications() -> None:
    """Each operator the application its primitive now has, and the reduction methods,
    NumPy's protocols and ``data`` those of the engine in use (see ``core.use_compiled``)."""
    for name, (prim, reflected) in _APPLICATIONS.items():
        setattr(Tensor, name, prim.reflected if reflected else prim.applied)
    for name, method in _methods_for(compiled_engine()).items():
        setattr(Tensor, name, method)


on_switch(_bind_applications)


def box(value: Any, trace: Trace | None) -> Tensor:
    """Make ``value`` a leaf of ``trace`` (the start of differentiation).

    >>> from steepest.autodiff.core import REVERSE
    >>> box(2, Trace(REVERSE)).data
    array(2.)
    """
    if not isinstance(value, Tensor):
        value = as_float_array(value)
    return new_node(value, trace, Tensor)
