"""The messages of :class:`~steepest.errors.DifferentiationError`.

Each names what went wrong and what to write instead.
"""

from __future__ import annotations

import linecache
import re
import sys

import numpy as np

from steepest.errors import DifferentiationError

_MATH_CALL = re.compile(r"\bmath\.(\w+)\s*\(")


def _caller_source() -> tuple[str, str]:
    """The user code that triggered the error: (the call being run, its whole line).

    The call is cut out of the line with the instruction's column positions, so
    that ``np.sin(x) + math.exp(x)`` blames ``math.exp``; either part is empty
    when the source cannot be found (interactive input, compiled code).
    """
    frame = sys._getframe(1)
    here = __file__.rsplit("/", 2)[0]
    while frame is not None and frame.f_code.co_filename.startswith(here):
        frame = frame.f_back
    if frame is None:
        return "", ""
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    call = ""
    positions = list(frame.f_code.co_positions())
    index = frame.f_lasti // 2
    if 0 <= index < len(positions):
        start_line, end_line, start_col, end_col = positions[index]
        if start_line == end_line == frame.f_lineno and start_col is not None and end_col:
            call = line.encode()[start_col:end_col].decode(errors="replace")
    return call, line.strip()


def float_of_traced_value() -> DifferentiationError:
    """``math.sin(x)``, ``float(x)``: a Python float cannot carry a derivative.

    The message names the ``math`` function when the failing line shows it.

    >>> print(float_of_traced_value())  # no math call on this line: the general message
    math.sin (or float()) cannot follow a traced value: ... or .item() to read the value ...
    """
    call, line = _caller_source()
    match = _MATH_CALL.search(call or line)
    if match:
        name = match.group(1)
        instead = (f"use np.{name} instead" if hasattr(np, name)
                   else "write it with NumPy functions (np.exp, np.log, np.sqrt, ...) instead")
        return DifferentiationError(
            f"math.{name} cannot take a traced value: it turns it into a plain float "
            f"and the derivative is lost; {instead}"
        )
    return DifferentiationError(
        "math.sin (or float()) cannot follow a traced value: a Python float carries "
        "no derivative; use the NumPy function (np.sin, np.exp, ...) instead, "
        "or .item() to read the value without its derivative"
    )


def array_of_traced_value() -> DifferentiationError:
    """``np.array(x)`` of a traced value would keep the numbers and lose the derivative.

    >>> str(array_of_traced_value()).startswith("np.array / np.asarray")
    True
    """
    return DifferentiationError(
        "np.array / np.asarray on a traced value would drop its derivative; "
        "use the value directly, np.stack or np.concatenate to combine values"
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


def non_scalar_output(shape: tuple[int, ...]) -> DifferentiationError:
    """grad of a function whose output is not one number: point to the Jacobian.

    >>> "st.jacobian" in str(non_scalar_output((3,)))
    True
    """
    return DifferentiationError(
        f"grad needs a function with one number as output, but it returned shape {shape}; "
        "use st.jacobian for vector outputs, or reduce the output (np.sum, np.mean)"
    )


def non_scalar_backward(shape: tuple[int, ...]) -> DifferentiationError:
    """``out.backward()`` on a tensor with several elements: say what to pass.

    >>> "out.backward(np.ones(out.shape))" in str(non_scalar_backward((2,)))
    True
    """
    return DifferentiationError(
        f"backward() without an argument needs a one-element tensor, not shape {shape}; "
        "pass the output gradient, e.g. out.backward(np.ones(out.shape))"
    )
