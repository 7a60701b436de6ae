"""Primitives of linear algebra: ``einsum`` and the ``np.linalg`` functions, with their rules.

They join the one table of primitives (:data:`steepest.autodiff.primitives.PRIMITIVES`).
Every rule is written with NumPy functions, so it is itself differentiable
(Hessians, reverse over reverse).

``einsum`` carries every contraction: ``tensordot``, ``inner``, ``kron``...
are written with it in :mod:`steepest.autodiff.dispatch`.  Its call is first
put in one canonical form, integer labels with no ellipsis and an explicit
output, so that one rule serves every spelling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.autodiff.core import apply, strip
from steepest.autodiff.errors import unsupported_function
from steepest.autodiff.primitives import primitive

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # NumPy's order
_MAX_LABELS = 52


# -- einsum ------------------------------------------------------------------
def einsum_canonical(args: tuple[Any, ...]) -> tuple[list[Any], list[list[int]], list[int]]:
    """``np.einsum``'s arguments as (operands, integer labels of each, output labels).

    Either spelling (``"ij,jk->ik"`` or operands interleaved with label
    lists), an ellipsis expanded into labels of its own, an implicit output
    made explicit (the ellipsis first, then the labels used once, in order).

    >>> ops, subs, out = einsum_canonical(("ij,jk", np.ones((2, 3)), np.ones((3, 4))))
    >>> subs, out
    ([[34, 35], [35, 36]], [34, 36])
    """
    if isinstance(args[0], str):
        spec = args[0].replace(" ", "")
        operands = list(args[1:])
        inputs, arrow, output = spec.partition("->")
        subs = [_letters(part) for part in inputs.split(",")]
        out: list[Any] | None = _letters(output) if arrow else None
    else:
        operands = list(args[0::2][: len(args) // 2])
        subs = [list(s) for s in args[1::2][: len(args) // 2]]
        out = list(args[-1]) if len(args) % 2 else None
    if len(subs) != len(operands):
        raise ValueError("einsum: one subscript list per operand is needed")
    return operands, *_expand_ellipsis(operands, subs, out)


def _letters(part: str) -> list[Any]:
    labels: list[Any] = []
    rest = part
    while rest:
        if rest.startswith("..."):
            labels.append(Ellipsis)
            rest = rest[3:]
            continue
        if rest[0] not in _LETTERS:
            raise ValueError(f"einsum: {rest[0]!r} is not a subscript letter")
        labels.append(_LETTERS.index(rest[0]))
        rest = rest[1:]
    return labels


def _expand_ellipsis(operands: list[Any], subs: list[list[Any]],
                     out: list[Any] | None) -> tuple[list[list[int]], list[int]]:
    counts = [np.ndim(op) - (len(s) - 1) if Ellipsis in s else 0 for op, s in zip(operands, subs)]
    width = max(counts, default=0)
    used = {label for s in subs for label in s if label is not Ellipsis}
    free = [n for n in range(_MAX_LABELS) if n not in used][:width]
    if len(free) < width:
        raise ValueError("einsum: too many dimensions")
    expanded = []
    for s, count in zip(subs, counts):
        if Ellipsis in s:
            k = s.index(Ellipsis)
            s = s[:k] + free[width - count:] + s[k + 1:]
        expanded.append([int(label) for label in s])
    if out is None:
        seen = [label for s in subs for label in s if label is not Ellipsis]
        out = free + sorted(label for label in set(seen) if seen.count(label) == 1)
    elif Ellipsis in out:
        k = out.index(Ellipsis)
        out = out[:k] + free + out[k + 1:]
    return expanded, [int(label) for label in out]


def _interleave(operands: list[Any], subs: list[list[int]], out: list[int]) -> list[Any]:
    call: list[Any] = []
    for op, s in zip(operands, subs):
        call += [op, s]
    return [*call, out]


def _einsum_forward(*operands: Any, subs: tuple, out: tuple) -> Any:
    return np.einsum(*_interleave(list(operands), [list(s) for s in subs], list(out)))


def _label_sizes(operands: list[Any], subs: list[list[int]]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for op, s in zip(operands, subs):
        for label, n in zip(s, np.shape(op)):
            if n != 1 or label not in sizes:
                sizes[label] = n
    return sizes


def _einsum_vjp(g, i, ans, args, kw):
    subs, out = [list(s) for s in kw["subs"]], list(kw["out"])
    operands = list(args)
    target = subs[i]
    sizes = _label_sizes(operands, subs)
    others = [(op, s) for j, (op, s) in enumerate(zip(operands, subs)) if j != i]
    present = set(out).union(*(s for _, s in others)) if others else set(out)
    call: list[Any] = [g, out]
    for op, s in others:
        call += [op, s]
    dtype = np.result_type(*(strip(op) for op in operands))
    # Labels of this operand only (summed by the forward call): a ones factor brings them back.
    lonely = [label for label in dict.fromkeys(target) if label not in present]
    if lonely:
        call += [np.ones([sizes[label] for label in lonely], dtype=dtype), lonely]
    # A label repeated in this operand (a diagonal): each repeat gets a label of its
    # own, tied to the first by an identity matrix.
    unused = iter(n for n in range(_MAX_LABELS) if n not in set(target) | present)
    result_labels = []
    for position, label in enumerate(target):
        if label in target[:position]:
            fresh = next(unused)
            call += [np.eye(sizes[label], dtype=dtype), [label, fresh]]
            label = fresh
        result_labels.append(label)
    grad = np.einsum(*call, result_labels)
    # Dimensions of length 1 that the call broadcast: summed back.
    grad_shape = np.shape(grad)
    stretched = tuple(k for k, n in enumerate(np.shape(args[i])) if n == 1 and grad_shape[k] != 1)
    return np.sum(grad, axis=stretched, keepdims=True) if stretched else grad


def _einsum_jvp(t, i, ans, args, kw):
    operands = list(args)
    operands[i] = t
    return _einsum_forward(*operands, subs=kw["subs"], out=kw["out"])


einsum_prim = primitive("einsum", _einsum_forward, vjp=_einsum_vjp, jvp=_einsum_jvp)


def einsum(*args: Any, **options: Any) -> Any:
    """``np.einsum`` of traced values: one primitive for every contraction.

    >>> import numpy as np, steepest as st
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> st.grad(lambda x: np.einsum("i,ij,j->", x, A, x))(np.array([1.0, 1.0]))
    array([ 7., 13.])
    """
    unknown = {k for k, v in options.items() if v is not None and k != "optimize"}
    if unknown:
        raise unsupported_function("einsum", f"its {', '.join(sorted(unknown))} option(s) are "
                                             "not differentiable here")
    operands, subs, out = einsum_canonical(args)
    return apply(einsum_prim, tuple(operands),
                 {"subs": tuple(tuple(s) for s in subs), "out": tuple(out)})
