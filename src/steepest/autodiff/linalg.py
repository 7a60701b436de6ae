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

from steepest.autodiff.core import Node, apply, strip
from steepest.autodiff.errors import unsupported_function
from steepest.autodiff.primitives import primitive
from steepest.errors import DifferentiationError

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


# -- np.linalg -------------------------------------------------------------------
# Matrices are the last two axes; leading axes are a batch.
def _t(x: Any) -> Any:
    """The (batched) transpose."""
    return np.swapaxes(x, -1, -2)


def _h(x: Any) -> Any:
    """The (batched) conjugate transpose."""
    return np.conj(_t(x)) if np.iscomplexobj(strip(x)) else _t(x)


def _unbroadcast_batch(g: Any, shape: tuple[int, ...]) -> Any:
    """A gradient summed over the batch axes that broadcasting added."""
    extra = np.ndim(g) - len(shape)
    return np.sum(g, axis=tuple(range(extra))) if extra > 0 else g


def _as_matrix(x: Any) -> Any:
    return x[..., None, None]


def _inv_forward(a: Any) -> Any:
    return np.linalg.inv(a)


inv_prim = primitive(
    "inv", _inv_forward,
    vjp=lambda g, i, ans, args, kw: -_t(ans) @ g @ _t(ans),
    jvp=lambda t, i, ans, args, kw: -ans @ t @ ans,
)


def _solve_is_vector(b: Any) -> bool:
    return np.ndim(b) == 1  # NumPy 2: b is a stack of vectors only when it is 1-d


def _solve_vjp(g, i, ans, args, kw):
    a, b = args
    vector = _solve_is_vector(b)
    gb = np.linalg.solve(_t(a), g[..., None])[..., 0] if vector else np.linalg.solve(_t(a), g)
    if i == 1:
        return _unbroadcast_batch(gb, np.shape(b))
    ga = -(gb[..., :, None] * ans[..., None, :]) if vector else -(gb @ _t(ans))
    return _unbroadcast_batch(ga, np.shape(a))


def _solve_jvp(t, i, ans, args, kw):
    a, b = args
    if i == 1:
        return np.linalg.solve(a, t[..., None])[..., 0] if _solve_is_vector(b) else (
            np.linalg.solve(a, t))
    if _solve_is_vector(b):
        return -np.linalg.solve(a, (t @ ans[..., None]))[..., 0]
    return -np.linalg.solve(a, t @ ans)


solve_prim = primitive("solve", lambda a, b: np.linalg.solve(a, b), vjp=_solve_vjp,
                       jvp=_solve_jvp)


def _nonsingular(a: Any, ans: Any, name: str) -> None:
    if np.any(strip(ans) == 0):
        raise DifferentiationError(
            f"the derivative of np.linalg.{name} at a singular matrix needs its cofactors, "
            "which steepest does not compute; move the point off the singular matrix")


def _det_vjp(g, i, ans, args, kw):
    _nonsingular(args[0], ans, "det")
    return _as_matrix(g * ans) * _t(np.linalg.inv(args[0]))


def _det_jvp(t, i, ans, args, kw):
    _nonsingular(args[0], ans, "det")
    return ans * np.sum(np.linalg.inv(args[0]) * _t(t), axis=(-2, -1))


det_prim = primitive("det", lambda a: np.linalg.det(a), vjp=_det_vjp, jvp=_det_jvp)

# log |det A|: slope inv(A)^T, the same for the holomorphic log det (see primitives).
logabsdet_prim = primitive(
    "logabsdet", lambda a: np.linalg.slogdet(a)[1],
    vjp=lambda g, i, ans, args, kw: _as_matrix(g) * _t(np.linalg.inv(args[0])),
    jvp=lambda t, i, ans, args, kw: np.real(np.sum(np.linalg.inv(args[0]) * _t(t),
                                                   axis=(-2, -1))),
)


def _lower_halved(x: Any) -> Any:
    """The lower triangle with its diagonal halved (Murray's Phi)."""
    n = np.shape(x)[-1]
    return np.tril(x) * (1.0 - 0.5 * np.eye(n, dtype=_real_dtype(x)))


def _sandwich_inverse(low: Any, x: Any) -> Any:
    """L^-T X L^-1 for a lower triangular L."""
    return _t(np.linalg.solve(_t(low), _t(np.linalg.solve(_t(low), x))))


def _cholesky_vjp(g, i, ans, args, kw):
    # Iain Murray, "Differentiation of the Cholesky decomposition" (2016), symmetrized.
    s = _sandwich_inverse(ans, _lower_halved(_t(ans) @ g))
    return 0.5 * (s + _t(s))


def _cholesky_jvp(t, i, ans, args, kw):
    inner = np.linalg.solve(ans, _t(np.linalg.solve(ans, _t(0.5 * (t + _t(t))))))
    return ans @ _lower_halved(inner)


cholesky_prim = primitive("cholesky", lambda a: np.linalg.cholesky(a), vjp=_cholesky_vjp,
                          jvp=_cholesky_jvp)


# eigh: eigenvalues and eigenvectors as two primitives (each rule is linear in its
# gradient, so the pair of rules is the joint rule split in two).  np.linalg.eigh
# reads one triangle only: the gradient lives on that triangle (and the diagonal).
def _eigh_values(a: Any, uplo: str) -> Any:
    return np.linalg.eigh(a, UPLO=uplo)[0]


def _eigh_vectors(a: Any, uplo: str) -> Any:
    return np.linalg.eigh(a, UPLO=uplo)[1]


def _on_triangle(full: Any, uplo: str) -> Any:
    n = np.shape(full)[-1]
    dtype = _real_dtype(full)
    tri = np.tri(n, n, -1, dtype=dtype) if uplo == "L" else np.tri(n, n, -1, dtype=dtype).T
    return np.real(full) * np.eye(n, dtype=dtype) + (full + np.conj(_t(full))) * tri


def _gaps(w: Any) -> Any:
    """1 / (w_j - w_i) off the diagonal, 0 on it."""
    n = np.shape(w)[-1]
    eye = np.eye(n, dtype=_real_dtype(w))
    return (1.0 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def _repeated(values: Any) -> np.ndarray:
    """Which neighbours (sorted values along the last axis) are equal to rounding."""
    values = np.sort(np.asarray(strip(values)), axis=-1)
    scale = max(1.0, float(np.max(np.abs(values), initial=0.0)))
    return np.abs(np.diff(values, axis=-1)) <= 1e-8 * scale


def _refuse_repeated(values: Any, what: str, g: Any = None) -> None:
    """Refuse where the derivative does not exist: repeated eigen- or singular values.

    The values alone stay differentiable where the gradient is the same for every
    value of a repeated group (a trace, a sum); vectors never are.
    """
    repeated = _repeated(values)
    if not np.any(repeated):
        return
    if g is not None:
        order = np.argsort(np.asarray(strip(values)), axis=-1)
        g_sorted = np.take_along_axis(np.asarray(strip(g)), order, axis=-1)
        if not np.any(repeated & (np.diff(g_sorted, axis=-1) != 0)):
            return
    raise DifferentiationError(
        f"the {what} of a matrix with repeated eigen- or singular values have no derivative "
        "there (they are not unique); functions of all the values together (np.trace, "
        "np.sum of them, norms) are differentiable")


def _eigh_values_vjp(g, i, ans, args, kw):
    a, uplo = args
    _refuse_repeated(ans, "eigenvalues (taken one by one)", g)
    v = _eigh_vectors(a, uplo)
    return _on_triangle((np.conj(v) * g[..., None, :]) @ _t(v), uplo)


def _eigh_vectors_vjp(g, i, ans, args, kw):
    a, uplo = args
    w = _eigh_values(a, uplo)
    _refuse_repeated(w, "eigenvectors")
    v = ans
    full = np.conj(v) @ (_gaps(w) * (_t(v) @ g)) @ _t(v)
    return _on_triangle(full, uplo)


def _symmetric_tangent(t: Any, uplo: str) -> Any:
    """The tangent of the matrix eigh sees: one triangle mirrored."""
    low = np.tril(t) if uplo == "L" else np.triu(t)
    return low + _h(np.tril(t, -1) if uplo == "L" else np.triu(t, 1))


def _eigh_values_jvp(t, i, ans, args, kw):
    a, uplo = args
    _refuse_repeated(ans, "eigenvalues (taken one by one)")
    v = _eigh_vectors(a, uplo)
    return np.real(np.sum(np.conj(v) * (_symmetric_tangent(t, uplo) @ v), axis=-2))


def _eigh_vectors_jvp(t, i, ans, args, kw):
    a, uplo = args
    w = _eigh_values(a, uplo)
    _refuse_repeated(w, "eigenvectors")
    v = ans
    return v @ (_gaps(w) * (_h(v) @ _symmetric_tangent(t, uplo) @ v))


eigh_values = primitive("eigh_values", _eigh_values, vjp=_eigh_values_vjp,
                        jvp=_eigh_values_jvp, differentiable_args=(0,))
eigh_vectors = primitive("eigh_vectors", _eigh_vectors, vjp=_eigh_vectors_vjp,
                         jvp=_eigh_vectors_jvp, differentiable_args=(0,))


# svd (thin): U, the singular values and V^H as three primitives, for distinct singular values.
def _svd_part(a: Any, part: int) -> Any:
    if isinstance(a, Node):  # a value of an outer trace: only this part is recorded there
        return apply((svd_u, svd_s, svd_vh)[part], (a,), {})
    return np.linalg.svd(a, full_matrices=False)[part]


def _identity_like(n: int, ndim: int, like: Any = None) -> np.ndarray:
    """The n x n identity, broadcastable over a batch, in the real dtype of ``like``."""
    dtype = _real_dtype(like)
    return np.eye(n, dtype=dtype).reshape((1,) * (ndim - 2) + (n, n))


def _real_dtype(like: Any) -> np.dtype:
    """float32 for float32 and complex64 values, float64 otherwise: constants keep the dtype."""
    if like is None:
        return np.dtype(np.float64)
    kind = np.result_type(strip(like))
    return np.dtype(np.float32) if kind in (np.float32, np.complex64) else np.dtype(np.float64)


def _svd_vjp_parts(a: Any, gu: Any, gs: Any, gv: Any) -> Any:
    """The gradient of the thin SVD from gradients of U, s and V (zeros where absent).

    The standard rule (Townsend, "Differentiating the singular value
    decomposition", 2016), valid for distinct nonzero singular values.
    """
    u, s, vh = (_svd_part(a, k) for k in range(3))
    _refuse_degenerate_svd(s, "singular vectors")
    v = np.conj(_t(vh))
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    eye = _identity_like(k, np.ndim(a), a)
    f = 1.0 / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye) * (1.0 - eye)
    utgu = _t(u) @ gu
    vtgv = _t(v) @ gv
    inner = (f * (utgu - np.conj(_t(utgu)))) * s[..., None, :]
    inner = inner + eye * gs[..., :, None]
    inner = inner + s[..., :, None] * (f * (vtgv - np.conj(_t(vtgv))))
    if np.iscomplexobj(strip(u)):  # the phase of each pair of singular vectors
        inner = inner + 1j * np.imag(utgu * eye) / s[..., None, :]
    grad = np.conj(u) @ inner @ _t(v)
    if m < n:
        rest = _identity_like(n, np.ndim(a), a) - v @ np.conj(_t(v))
        grad = grad + np.conj((u / s[..., None, :]) @ _t(gv) @ rest)
    elif m > n:
        rest = _identity_like(m, np.ndim(a), a) - u @ np.conj(_t(u))
        grad = grad + _t((v / s[..., None, :]) @ _t(gu) @ rest)
    return grad


def _real_svd_only(a: Any, what: str) -> None:
    if np.iscomplexobj(strip(a)):
        raise DifferentiationError(
            f"the {what} of a complex SVD are fixed only up to a phase per column, so they "
            "have no derivative; functions of the singular values alone (np.linalg.svd(a, "
            "compute_uv=False), norms) are differentiable")


def _svd_zeros(a: Any) -> tuple[Any, Any, Any]:
    u, s, vh = (np.zeros_like(_svd_part(strip(a), k)) for k in range(3))
    return u, s, np.conj(_t(vh))


def _svd_u_vjp(g, i, ans, args, kw):
    _real_svd_only(args[0], "singular vectors")
    _, gs, gv = _svd_zeros(args[0])
    return _svd_vjp_parts(args[0], g, gs, gv)


def _refuse_degenerate_svd(s: Any, what: str, g: Any = None) -> None:
    """Singular values that are 0 (a kink, as |x| at 0) or repeated have no derivative."""
    if np.any(np.asarray(strip(s)) <= 1e-12 * max(1.0, float(np.max(strip(s), initial=0.0)))):
        raise DifferentiationError(
            f"the {what} of a matrix with a zero singular value have no derivative there (a "
            "kink, like |x| at 0); move the point to a matrix of full rank")
    _refuse_repeated(s, what, g)


def _svd_s_vjp(g, i, ans, args, kw):
    _refuse_degenerate_svd(ans, "singular values (taken one by one)", g)
    if np.iscomplexobj(strip(args[0])):
        # Through the frame U diag(g) V^H, which no phase of the vectors changes.
        return np.conj(apply(svd_frame, (args[0], g), {}))
    u, vh = _svd_part(args[0], 0), _svd_part(args[0], 2)
    return (u * g[..., None, :]) @ vh


# The frame U diag(w) V^H of the thin SVD: the gradient of the singular values
# weighted by w.  The phases of complex singular vectors cancel in it, so it is
# differentiable where the vectors alone are not.
def _frame_forward(a: Any, w: Any) -> Any:
    u, _, vh = (_svd_part(a, k) for k in range(3))
    return (u * w[..., None, :]) @ vh


def _frame_vjp(g, i, ans, args, kw):
    a, w = args
    u, vh = _svd_part(a, 0), _svd_part(a, 2)
    if i == 1:
        weights = np.sum(u * (g @ _t(vh)), axis=-2)
        return weights if np.iscomplexobj(strip(w)) else np.real(weights)
    gu = (g @ _t(vh)) * w[..., None, :]
    gvh = (_t(u) @ g) * w[..., :, None]
    return _svd_vjp_parts(a, gu, np.zeros_like(strip(w)), np.conj(_t(gvh)))


def _complex_svd_tangents(a: Any, t: Any) -> tuple[Any, Any]:
    """d U and d V^H along t, in the phase where V's columns keep theirs (d V_j . V_j = 0)."""
    u, s, vh = (_svd_part(a, k) for k in range(3))
    _refuse_degenerate_svd(s, "singular vectors")
    v = np.conj(_t(vh))
    m, n = np.shape(a)[-2:]
    eye = _identity_like(min(m, n), np.ndim(a), a)
    f = (1.0 - eye) / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye)
    dp = np.conj(_t(u)) @ t @ v
    row, column = s[..., None, :], s[..., :, None]
    du = u @ (f * (dp * row + column * np.conj(_t(dp))) + 1j * np.imag(dp * eye) / row) + (
        _identity_like(m, np.ndim(a), a) - u @ np.conj(_t(u))) @ t @ (v / row)
    dv = v @ (f * (column * dp + np.conj(_t(dp)) * row)) + (
        _identity_like(n, np.ndim(a), a) - v @ np.conj(_t(v))) @ np.conj(_t(t)) @ (u / row)
    return du, np.conj(_t(dv))


def _frame_jvp(t, i, ans, args, kw):
    a, w = args
    u, vh = _svd_part(a, 0), _svd_part(a, 2)
    if i == 1:
        return (u * t[..., None, :]) @ vh
    du, dvh = _complex_svd_tangents(a, t)
    return (du * w[..., None, :]) @ vh + (u * w[..., None, :]) @ dvh


svd_frame = primitive("svd_frame", _frame_forward, vjp=_frame_vjp, jvp=_frame_jvp)


def _svd_vh_vjp(g, i, ans, args, kw):
    _real_svd_only(args[0], "singular vectors")
    gu, gs, _ = _svd_zeros(args[0])
    return _svd_vjp_parts(args[0], gu, gs, np.conj(_t(g)))


def _svd_tangents(a: Any, t: Any) -> tuple[Any, Any, Any]:
    """d U, d s, d V^T of the thin SVD of a real matrix along the tangent t."""
    u, s, vh = (_svd_part(a, k) for k in range(3))
    _refuse_degenerate_svd(s, "singular vectors")
    v = _t(vh)
    m, n = np.shape(a)[-2:]
    eye = _identity_like(min(m, n), np.ndim(a), a)
    f = (1.0 - eye) / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye)
    dp = _t(u) @ t @ v
    row, column = s[..., None, :], s[..., :, None]  # X * row = X S, column * X = S X
    du = u @ (f * (dp * row + column * _t(dp))) + (
        _identity_like(m, np.ndim(a), a) - u @ _t(u)) @ t @ (v / row)
    dv = v @ (f * (column * dp + _t(dp) * row)) + (
        _identity_like(n, np.ndim(a), a) - v @ _t(v)) @ _t(t) @ (u / row)
    return du, np.sum(dp * eye, axis=-1), _t(dv)


def _svd_s_jvp(t, i, ans, args, kw):
    a = args[0]
    _refuse_degenerate_svd(ans, "singular values (taken one by one)")
    if np.iscomplexobj(strip(a)) or np.iscomplexobj(strip(t)):
        u, vh = _svd_part(a, 0), _svd_part(a, 2)
        return np.real(np.sum(np.conj(u) * (t @ np.conj(_t(vh))), axis=-2))
    return _svd_tangents(a, t)[1]


def _svd_u_jvp(t, i, ans, args, kw):
    _real_svd_only(args[0], "singular vectors")
    return _svd_tangents(args[0], t)[0]


def _svd_vh_jvp(t, i, ans, args, kw):
    _real_svd_only(args[0], "singular vectors")
    return _svd_tangents(args[0], t)[2]


svd_u = primitive("svd_u", lambda a: _svd_part(a, 0), vjp=_svd_u_vjp, jvp=_svd_u_jvp)
svd_s = primitive("svd_s", lambda a: _svd_part(a, 1), vjp=_svd_s_vjp, jvp=_svd_s_jvp)
svd_vh = primitive("svd_vh", lambda a: _svd_part(a, 2), vjp=_svd_vh_vjp, jvp=_svd_vh_jvp)
