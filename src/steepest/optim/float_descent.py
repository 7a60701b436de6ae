"""Gradient descent over Python floats, for small problems whose gradient program is one.

A recorded gradient of a function of a few numbers runs as code over
Python floats (:class:`steepest.autodiff.replay.FloatSweep`); so does the
exact gradient of an expression (:meth:`steepest.optim.objective.Objective.float_sweep`).
Descent on such a function spends most of its time around that code: NumPy
arrays of two elements, one call per step.  Here the loop itself is
generated around the sweep's statements, the parameters held as floats, so
a step costs what the arithmetic costs.  The update rule enters as its
:class:`~steepest.optim.rules.Formula` (momentum, Nesterov, Adagrad,
RMSProp, Adam and AdamW as well as plain descent), written out coordinate
by coordinate, with its memory held as floats and the rate constant or
read from a schedule at each step.

The generated loop takes only the steps that need no decision, with no
stopping rule met: a finite, strictly better loss, or (plain descent at a
constant rate) the same step again from a point it no longer moves (a
fixed point in floating point, where the general loop's monitor only
counts and finds the run settled).  At the first step that would need one
(a stop, a loss that rose or stalled, an inf or nan, a math error, a rate
of 0), it returns before taking it, and the general loop in
:mod:`steepest.optim.loop` takes that step itself, with all its checks.
The numbers are the same as the general loop's: the same statements of
the rule's formula and the same sweep, operation for operation.
"""

from __future__ import annotations

import math
import re
import weakref
from typing import Any, NamedTuple

from steepest.optim.rules import GD, Formula

__all__ = ["FloatDescent", "descent_loop"]


class FloatDescent(NamedTuple):
    """Where a run over floats stopped, and what its steps were.

    ``improved`` counts the steps to a new best loss (the last of them at
    iteration ``best_k``, with loss ``best``, step ``best_step`` and length
    ``best_len``); ``repeats`` counts the steps after them that left the
    parameters exactly where they were (a fixed point of the iteration in
    floating point), each of them the step ``step`` of length ``step_len``.
    ``memory`` is the update rule's memory after the last step (one tuple
    per entry of its formula's ``memory``), ``count`` the rule's step count
    and ``lr`` the rate of the last step taken.
    """

    k: int
    z: tuple[float, ...]
    f: float
    g: tuple[float, ...]
    nfev: int
    improved: int
    best_k: int
    best: float
    best_step: tuple[float, ...] | None
    best_len: float
    repeats: int
    step: tuple[float, ...]
    step_len: float
    memory: tuple[tuple[float, ...], ...]
    count: int
    lr: float


# sweep -> {options -> compiled loop}; a loop leaves with its sweep (and so its program).
_LOOPS: weakref.WeakKeyDictionary[Any, dict[tuple, Any]] = weakref.WeakKeyDictionary()



def descent_loop(sweep: Any, *, sign: float, tol: bool, gtol: bool, ftol: bool,
                 record: bool, formula: Formula | None = None, scheduled: bool = False) -> Any:
    """The compiled descent loop for ``sweep`` (cached), returning a :class:`FloatDescent`.

    ``loop(z, f, g, k, max_iter, lr, tol, gtol, ftol, best, previous, args,
    rows, floor=-inf, settings=(), memory=(), count=k)`` goes on from
    iteration ``k`` at the point ``z`` (floats, with loss ``f`` and gradient
    ``g`` of ``sign * f``), ``best`` the best loss so far, ``previous`` the
    last step taken (nan when there was none), ``args`` the function's
    other arguments; with ``record`` each step appends its row to ``rows``
    as :meth:`steepest.optim.history.History.record_rows` takes them.  The
    steps follow the update rule's ``formula`` (plain descent by default)
    with its ``settings`` and ``memory`` (values in the formula's order),
    ``count`` steps already taken; the rate is ``lr``, or with ``scheduled``
    ``lr(count)`` at each step.  A loss below ``floor`` (a run falling
    without bound) is left to the general loop.  The flags say which
    stopping rules are checked; the numbers themselves are arguments of
    each call.

    >>> import numpy as np, steepest as st
    >>> from steepest.optim.objective import Objective
    >>> obj = Objective(lambda v: v[0] ** 2 + 3 * v[1] ** 2, shape=(2,))
    >>> for _ in range(3):
    ...     _ = obj.vg(np.array([1.0, 1.0]))
    >>> loop = descent_loop(obj.float_sweep(), sign=1.0, tol=False, gtol=False, ftol=False,
    ...                     record=False)
    >>> out = loop((1.0, 1.0), 4.0, (2.0, 6.0), 0, 3, 0.1, None, None, None, 4.0,
    ...            (np.nan, np.nan), (), None)
    >>> out.k, out.improved, [round(v, 6) for v in out.z]
    (3, 3, [0.512, 0.064])
    """
    if formula is None:
        formula = GD.formula
    options = (sign, tol, gtol, ftol, record, formula, scheduled)
    table = _LOOPS.setdefault(sweep, {})
    loop = table.get(options)
    if loop is None:
        loop = table[options] = _compile(sweep, *options)
    return loop


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _rule_lines(formula: Formula, n: int, gs: list[str], zs: list[str],
                ds: list[str]) -> list[str]:
    """The formula's statements for one step over floats, coordinate by coordinate.

    Scalars become ``q_<name>``; per-coordinate names become ``n_<name>_<i>``
    (the rule's memory as this step changes it), ``t_<name>_<i>`` (the
    formula's other names), with ``g``, ``p`` and ``step`` the loop's own
    gradient, point and step of coordinate ``i``.
    """
    scalars = {"lr", "count", *formula.settings}
    scalars.update(line.split("=")[0].strip() for line in formula.per_step)
    assigned = {line.split("=")[0].strip() for line in formula.per_coordinate}

    def rename(line: str, i: int | None) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(0)
            if name == "sqrt":
                return name
            if name in scalars:
                return f"q_{name}"
            assert i is not None, name
            if name == "g":
                return gs[i]
            if name == "p":
                return zs[i]
            if name == "step":
                return ds[i]
            if name in formula.memory:
                return f"n_{name}_{i}"
            assert name in assigned, name
            return f"t_{name}_{i}"

        # Numbers such as 1.0 or 1e-8 hold no names to rename.
        return re.sub(r"\b\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\b|" + _NAME.pattern,
                      lambda m: m.group(0) if m.group(0)[0].isdigit() else one(m), line)

    lines = [rename(line, None) for line in formula.per_step]
    for i in range(n):
        lines += [f"n_{name}_{i} = u_{name}_{i}" for name in formula.memory]
        lines += [rename(line, i) for line in formula.per_coordinate]
    return lines


# long: one generated loop, written out step by step in the order it runs
def _compile(sweep: Any, sign: float, tol: bool, gtol: bool, ftol: bool, record: bool,
             formula: Formula, scheduled: bool) -> Any:
    names = sweep.inputs[0]
    n = len(names)
    zs = [f"z{i}" for i in range(n)]
    gs = [f"g{i}_" for i in range(n)]  # sweep names are s*, g*, e*_* and ge*_*: no clash
    ds = [f"d{i}" for i in range(n)]
    ps = [f"p{i}" for i in range(n)]  # the step before this one
    hs = [f"h{i}" for i in range(n)]  # the gradient of sign * f at the new point
    negate = sign < 0
    memory = [[f"u_{name}_{i}" for i in range(n)] for name in formula.memory]
    # Only plain descent at a constant rate repeats itself exactly from a point it does not
    # move: a rule with memory or a changing rate takes another step there.
    repeats = not formula.memory and not scheduled

    def tuple_of(items: list[str]) -> str:
        return "(" + ", ".join(items) + ",)"

    # Input 0 is the loop's own variables; the other inputs are read once, before it.
    others = [f"s{i}" for i in range(1, len(sweep.inputs))]
    lines = [
        "def loop(z, f, g, k, max_iter, lr, tol, gtol, ftol, best, previous, args, rows, "
        "floor=-INF, settings=(), memory=(), count=None):",
        f"    {', '.join(others)}, = args" if others else "    pass",
        *("    " + line for i, line in sweep.unpack.items() if i != 0),
        f"    {', '.join(zs)}, = z",
        f"    {', '.join(gs)}, = g",
        f"    {', '.join(ps)}, = previous",
        *(f"    {', '.join(f'q_{name}' for name in formula.settings)}, = settings"
          for _ in formula.settings[:1]),
        *(f"    {', '.join(names_)}, = memory[{j}]" for j, names_ in enumerate(memory)),
        "    if count is None:",
        "        count = k",
        "    nfev = improved = repeats = 0",
        "    best_k, best_step, best_len, step_len = -1, None, nan, nan",
        "    q_lr = lr",
        "    last_lr = nan",
        "    while k < max_iter:",
    ]
    body = []
    if scheduled:
        body += ["q_lr = float(lr(count))", "if not 0.0 < q_lr < INF:", "    break"]
    body.append("q_count = count + 1")
    body += _rule_lines(formula, n, gs, zs, ds)
    body += [f"{name} = {z} + {d}" for name, z, d in zip(names, zs, ds)]
    body.append("step_len = sqrt(" + " + ".join(f"{d} * {d}" for d in ds) + ")")
    body.append("nfev += 1")
    body.append("try:")
    body += ["    " + line for line in sweep.body]
    body.append("except (ArithmeticError, ValueError):")
    body.append("    break")
    body.append(f"f_new = {'-' if negate else ''}{sweep.value}")
    body += [f"{h} = {'-' if negate else ''}{expr}" for h, expr in zip(hs, sweep.grads[0])]
    # Two kinds of step need no decision: a finite new best loss (above the floor of a run
    # falling without bound), and the same step again from a point it does not move (the
    # loop's monitor counts it and finds it settled).  Anything else is left to the
    # general loop.
    body.append("if f_new < best and f_new >= floor and f_new - f_new == 0.0 "
                "and step_len < INF:")
    body.append("    repeat = False")
    if repeats:
        same = " and ".join([f"{name} == {z}" for name, z in zip(names, zs)]
                            + [f"{d} == {p}" for d, p in zip(ds, ps)])
        body.append(f"elif f_new == f and {same}:")
        body.append("    repeat = True")
    body.append("else:")
    body.append("    break")
    if tol:
        body += ["if step_len < tol:", "    break"]
    if gtol:
        body += ["if sqrt(" + " + ".join(f"{h} * {h}" for h in hs) + ") <= gtol:", "    break"]
    if ftol:
        body += ["if abs(f_new - f) <= ftol * max(abs(f), abs(f_new), 1.0):", "    break"]
    body.append("k += 1")
    body.append("count += 1")
    body.append("last_lr = q_lr")
    if record:
        raw_grads = [f"-{h}" if negate else h for h in hs]
        body.append(f"rows.append((k, {', '.join(names)}, {'-f_new' if negate else 'f_new'}, "
                    f"{', '.join(raw_grads)}, step_len, q_lr))")
    body += [f"u_{name}_{i} = n_{name}_{i}" for name in formula.memory for i in range(n)]
    body += [
        "if repeat:",
        "    repeats += 1",
        "else:",
        "    improved += 1",
        "    best = f_new",
        "    best_k, best_step, best_len = k, " + tuple_of(ds) + ", step_len",
        f"{', '.join(zs)}, = {', '.join(names)},",
        f"{', '.join(gs)}, = {', '.join(hs)},",
        f"{', '.join(ps)}, = {', '.join(ds)},",
        "f = f_new",
    ]
    lines += ["        " + line for line in body]
    kept = "(" + ", ".join(tuple_of(names_) for names_ in memory) + (",)" if memory else ")")
    lines.append(f"    return RESULT(k, {tuple_of(zs)}, f, {tuple_of(gs)}, nfev, improved, best_k, "
                 f"best, best_step, best_len, repeats, {tuple_of(ps)}, step_len, {kept}, count, "
                 "last_lr)")
    namespace = dict(sweep.namespace)
    namespace.update(sqrt=math.sqrt, nan=math.nan, INF=math.inf, RESULT=FloatDescent)
    source = "\n".join(lines) + "\n"
    # Generated from the recorded program's statements and the rules' own formulas, never
    # from user text.
    exec(compile(source, "<steepest descent over floats>", "exec"), namespace)
    loop = namespace["loop"]
    loop.source = source
    return loop
