"""The messages of :class:`~steepest.errors.DifferentiationError`.

Each names what went wrong and what to write instead.
"""

from __future__ import annotations

import builtins
import dis
import math
import sys
from typing import Any

import numpy as np

from steepest.errors import DifferentiationError


def _user_frame() -> Any:
    """The innermost frame outside steepest: the user code that handed over a traced value."""
    frame = sys._getframe(1)
    here = __file__.rsplit("/", 2)[0]
    while frame is not None and frame.f_code.co_filename.startswith(here):
        frame = frame.f_back
    return frame


_NAME_LOADS = {"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE"}
_ATTRIBUTE_LOADS = {"LOAD_ATTR", "LOAD_METHOD"}


def _callee(frame: Any) -> Any:
    """The function the frame is calling now (``math.exp``, ``fn``...), read from its bytecode.

    The call instruction's source span starts where the expression naming
    the function starts; the loads that share that start and end before the
    call's end spell the function (``math`` then ``.exp``).  Only names and
    module attributes are looked up (nothing is evaluated); None when unsure.
    """
    if frame is None:
        return None
    instructions = list(dis.get_instructions(frame.f_code))
    index = next((k for k, ins in enumerate(instructions) if ins.offset == frame.f_lasti), None)
    if index is None or not instructions[index].opname.startswith("CALL"):
        return None
    call = instructions[index].positions
    chain: list[Any] = []
    for ins in instructions[:index]:
        where = ins.positions
        if (where is None or where.lineno != call.lineno or where.col_offset != call.col_offset
                or where.end_col_offset is None or where.end_col_offset >= call.end_col_offset):
            continue
        if ins.opname in _NAME_LOADS:
            chain = [ins]
        elif ins.opname in _ATTRIBUTE_LOADS and chain:
            chain.append(ins)
    if not chain:
        return None
    name = chain[0].argval
    scopes = (frame.f_locals, frame.f_globals, vars(builtins))
    value = next((scope[name] for scope in scopes if name in scope), None)
    for ins in chain[1:]:
        value = getattr(value, ins.argval, None) if isinstance(value, type(math)) else None
    return value


def _math_name(fn: Any) -> str | None:
    """The name of ``fn`` in the math module, if it is one of its functions."""
    name = getattr(fn, "__name__", None)
    return name if name is not None and getattr(math, name, None) is fn else None


def float_of_traced_value() -> DifferentiationError:
    """``math.sin(x)``, ``float(x)``: a Python float cannot carry a derivative.

    The message names the function that was given the traced value, read
    from the calling code (``math.exp`` also when called under another name),
    and the NumPy function to use instead.

    >>> print(float_of_traced_value())  # called here by no math function: the general message
    a traced value was turned into a Python float (float(), int() or a math function)...
    """
    name = _math_name(_callee(_user_frame()))
    if name is not None:
        twin = _NUMPY_TWINS.get(name, name)
        instead = (f"use np.{twin} instead" if twin and hasattr(np, twin.split(".")[0])
                   else "write it with NumPy functions (np.exp, np.log, np.sqrt, ...) instead")
        return DifferentiationError(
            f"math.{name} cannot take a traced value: it turns it into a plain float "
            f"and the derivative is lost; {instead}"
        )
    return DifferentiationError(
        "a traced value was turned into a Python float (float(), int() or a math function), "
        "which carries no derivative; use the NumPy function (np.sin, np.exp, ...) instead, "
        "or .item() to read the value without its derivative"
    )


# math functions whose NumPy counterpart has another name ("" where NumPy has none).
_NUMPY_TWINS = {
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
    "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power",
    "fsum": "sum", "dist": "linalg.norm", "ulp": "spacing", "sumprod": "dot",
    "lgamma": "", "gamma": "", "erf": "", "erfc": "", "factorial": "", "comb": "", "perm": "",
    "isqrt": "",
}


def array_of_traced_value() -> DifferentiationError:
    """``np.array(x, dtype=float)`` of a traced value: the numbers kept, the derivative lost.

    >>> str(array_of_traced_value()).startswith("np.array / np.asarray with a number dtype")
    True
    """
    return DifferentiationError(
        "np.array / np.asarray with a number dtype (dtype=float..., or np.float64(x), which "
        "np.mean of a list of traced values calls inside NumPy) on a traced value would drop "
        "its derivative; leave out dtype=, or join the values with np.stack or np.concatenate "
        "first (np.mean(np.stack([a, b])))"
    )


def array_of_tensor_requiring_grad() -> DifferentiationError:
    """``np.asarray(w)`` of an eager tensor that requires grad: its numbers would be a
    constant to whatever meets them.

    >>> str(array_of_tensor_requiring_grad()).startswith("np.asarray / np.array of a tensor")
    True
    """
    return DifferentiationError(
        "np.asarray / np.array of a tensor that requires grad would drop its derivative; use "
        "w.detach() or w.numpy() for its values (to save or plot them), the tensor itself in "
        "NumPy's functions (np.exp(w), w * x), or np.stack / np.concatenate to join tensors"
    )


def in_place_write() -> DifferentiationError:
    """``x[i] = ...``, ``out=``, ``a += x``: the tape still needs the old value.

    >>> "np.where" in str(in_place_write())
    True
    """
    return DifferentiationError(
        "in-place writes into a traced array (x[i] = ..., out=...) are not differentiable; "
        "build a new array instead with np.where, np.concatenate or np.stack"
    )


def item_write_on_leaf() -> DifferentiationError:
    """``w[i] = ...`` on a tensor that requires grad, while operations are recorded.

    >>> print(item_write_on_leaf())  # doctest: +ELLIPSIS
    w[...] = ... on a tensor that requires grad would change values being differentiated; ...
    """
    return DifferentiationError(
        "w[...] = ... on a tensor that requires grad would change values being "
        "differentiated; to set them do it inside `with st.no_grad():`"
    )


def in_place_method(name: str) -> DifferentiationError:
    """``x.sort()``, ``x.fill(0)``: a method that writes into a traced array.

    >>> print(in_place_method("sort"))  # doctest: +ELLIPSIS
    x.sort() writes into a traced array, which is not differentiable; use np.sort(x), ...
    """
    instead = {"sort": "np.sort(x)", "partition": "np.partition(x, kth)",
               "resize": "np.resize(x, shape)"}.get(name)
    if instead is not None:
        return DifferentiationError(f"x.{name}() writes into a traced array, which is not "
                                    f"differentiable; use {instead}, which gives a new array")
    return DifferentiationError(f"x.{name}() writes into a traced array, which is not "
                                "differentiable; build a new array instead with np.where, "
                                "np.full_like, np.concatenate or np.stack")


def array_method_missing(name: str) -> str:
    """What to do when a method or attribute of ``np.ndarray`` is missing from ``Tensor``.

    >>> print(array_method_missing("flat"))  # doctest: +ELLIPSIS
    a traced array (steepest's Tensor) has no .flat of np.ndarray; use NumPy's functions ...
    """
    function = {"flat": "np.ravel(x), indexing", "view": "the array itself, or x.astype",
                "byteswap": "x.astype"}.get(name)
    if function is None:
        function = f"np.{name}(x)" if callable(getattr(np, name, None)) else "indexing, np.where"
    return (f"a traced array (steepest's Tensor) has no .{name} of np.ndarray; use NumPy's "
            f"functions on it instead ({function}), which steepest differentiates or refuses "
            "by name")


def in_place_on_leaf(symbol: str) -> DifferentiationError:
    """``w -= ...`` on a tensor that requires grad, while operations are recorded.

    >>> print(in_place_on_leaf("-"))  # doctest: +ELLIPSIS
    w -= ... on a tensor that requires grad would make a new tensor and leave w's ...
    """
    return DifferentiationError(
        f"w {symbol}= ... on a tensor that requires grad would make a new tensor and leave w's "
        f"values as they were; to update them write w.data {symbol}= ... or do it inside "
        "`with st.no_grad():`"
    )


def written_after_use(name: str | None) -> DifferentiationError:
    """``backward()`` after a leaf the graph was computed from was written in place
    (``w -= ...`` under ``no_grad``, ``w.data -= ...``, ``load_state_dict``): the
    gradient would be taken at the new values, silently wrong.

    >>> print(written_after_use("weight"))  # doctest: +ELLIPSIS
    backward() refuses: the values of 'weight' were changed in place (w -= ..., ...
    """
    who = f"'{name}'" if name else "a tensor that requires grad"
    return DifferentiationError(
        f"backward() refuses: the values of {who} were changed in place (w -= ..., w[...] = ..., "
        "w.data -= ..., load_state_dict) after this result was computed from them, so its "
        "gradient would be taken at the new values; call backward() before updating the "
        "values, or compute the result again from the new values")


def unsupported_function(name: str, hint: str = "") -> DifferentiationError:
    """A NumPy function with no derivative rule, and what to write instead.

    >>> print(unsupported_function("einsum", "use @ (np.matmul)"))
    np.einsum has no derivative rule in steepest; use @ (np.matmul)
    """
    message = f"np.{name} has no derivative rule in steepest"
    if hint:
        message += f"; {hint}"
    else:
        message += (
            "; write it with supported operations (arithmetic, np.exp, np.log, np.sum, "
            "np.where, indexing, @ ...)"
        )
    return DifferentiationError(message)


# What needs one number, and what to do instead, for each place that does.
_ONE_NUMBER = {
    "grad": ("grad needs a function with one number as output, but it returned shape {shape}",
             "use st.jacobian for vector outputs, or reduce the output (np.sum, np.mean)"),
    "backward": ("backward() without an argument needs a one-element tensor, not shape {shape}",
                 "pass the output gradient, e.g. out.backward(np.ones(out.shape))"),
}


def not_one_number(where: str, shape: tuple[int, ...]) -> DifferentiationError:
    """``grad`` of a vector function, ``out.backward()`` of a vector: say what to do instead.

    >>> print(not_one_number("grad", (3,)))
    grad needs a function with one number as output, but it returned shape (3,); use st.jacobian ...
    >>> "out.backward(np.ones(out.shape))" in str(not_one_number("backward", (2,)))
    True
    """
    problem, advice = _ONE_NUMBER[where]
    return DifferentiationError(f"{problem.format(shape=shape)}; {advice}")


def nothing_to_differentiate() -> DifferentiationError:
    """``out.backward()`` on a tensor that no tensor requiring grad flowed into.

    >>> print(nothing_to_differentiate())  # doctest: +ELLIPSIS
    backward() has nothing to differentiate: this tensor does not require grad...
    """
    return DifferentiationError(
        "backward() has nothing to differentiate: this tensor does not require grad, as no "
        "tensor that requires grad went into it (it is a constant, a detach()ed value, a "
        "result computed under st.no_grad(), or integers or truth values made from one); "
        "create the inputs to differentiate with st.Tensor(..., requires_grad=True) or "
        "st.nn.Parameter")


def gradient_shape_mismatch(given: tuple[int, ...], shape: tuple[int, ...]) -> DifferentiationError:
    """``out.backward(gradient)`` with a gradient that is not of ``out``'s shape.

    >>> print(gradient_shape_mismatch((2, 2), (2,)))  # doctest: +ELLIPSIS
    backward(gradient) needs a gradient of the tensor's shape (2,) or one that broadcasts...
    """
    return DifferentiationError(
        f"backward(gradient) needs a gradient of the tensor's shape {shape} or one that "
        f"broadcasts to it, not shape {given}; pass d loss / d out, one number for each "
        "element of out")


def create_graph_refused() -> DifferentiationError:
    """``out.backward(create_graph=True)``: derivatives of derivatives are the transforms'.

    >>> "st.hessian" in str(create_graph_refused())
    True
    """
    return DifferentiationError(
        "backward(create_graph=True) is not supported: the gradients backward() leaves in "
        ".grad are numbers; for derivatives of derivatives use st.hessian, st.grad of a "
        "function that calls st.grad, or st.jvp of st.grad")


def check_differentiable_output(value: Any) -> None:
    """Refuse an output that is not a number, a truth value or an array of them.

    A truth value (a comparison's result) is a step function of the input:
    its derivative is 0 wherever it is defined, as for ``np.floor``.

    >>> check_differentiable_output(np.float64(2.0))
    >>> check_differentiable_output("done")
    Traceback (most recent call last):
    steepest.errors.DifferentiationError: the function returned a str, which has no derivative...
    """
    while hasattr(value, "_value"):  # a traced value: its number
        value = value._value
    if isinstance(value, bool | int | float | complex | np.generic | np.ndarray):
        if np.result_type(value).kind in "biufc":
            return
        what = f"array of {np.result_type(value)}"
    else:
        what = "None" if value is None else type(value).__name__
    raise DifferentiationError(
        f"the function returned a {what}, which has no derivative; return a number or an "
        "array of numbers")
