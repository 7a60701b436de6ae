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

import ast
import keyword
import math
import re
import threading
import weakref
from typing import Any, NamedTuple

from steepest.optim.divergence import IMPROVED, OBSERVED, WATCH_NAMESPACE, watch_attributes
from steepest.optim.rules import GD, Formula
from steepest.optim.schedules import SCHEDULE_NAMESPACE, formula_fields

__all__ = ["FloatDescent", "corrections", "descent_loop"]


class FloatDescent(NamedTuple):
    """Where a run over floats stopped, and what its steps were.

    ``improved`` counts the steps to a new best loss (the last of them at
    iteration ``best_k``, with loss ``best``, step ``best_step`` and length
    ``best_len``); ``repeats`` counts the steps after them that left the
    parameters exactly where they were (a fixed point of the iteration in
    floating point), each of them the step ``step`` of length ``step_len``.
    ``memory`` is the update rule's memory after the last step (one tuple
    per entry of its formula's ``memory``), ``count`` the rule's step count
    and ``lr`` the rate of the last step taken.  ``best_z`` is the point of
    the best loss, ``dirty`` says whether that best is still to be told to
    the monitor, and ``verdict`` is what the monitor concluded on the last
    step (the run ends there), if anything.
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
    best_z: tuple[float, ...] | None
    dirty: bool
    verdict: str | None


# sweep -> {options -> compiled loop}; a loop leaves with its sweep (and so its program).
_LOOPS: weakref.WeakKeyDictionary[Any, dict[tuple, Any]] = weakref.WeakKeyDictionary()



def descent_loop(sweep: Any, *, sign: float, tol: bool, gtol: bool, ftol: bool,
                 record: bool, formula: Formula | None = None,
                 scheduled: bool | tuple[str, ...] = False) -> Any:
    """The compiled descent loop for ``sweep`` (cached), returning a :class:`FloatDescent`.

    ``loop(z, f, g, k, max_iter, lr, tol, gtol, ftol, best, previous, args,
    rows, floor=-inf, settings=(), memory=(), count=k, monitor=None)`` goes
    on from iteration ``k`` at the point ``z`` (floats, with loss ``f`` and
    gradient ``g`` of ``sign * f``), ``best`` the best loss so far,
    ``previous`` the last step taken (None when there was none), ``args`` the
    function's
    other arguments; with ``record`` each step appends its row to ``rows``
    as :meth:`steepest.optim.history.History.record_rows` takes them.  The
    steps follow the update rule's ``formula`` (plain descent by default)
    with its ``settings`` and ``memory`` (values in the formula's order),
    ``count`` steps already taken; the rate is ``lr``, or with ``scheduled``
    ``lr(count)`` at each step.  A loss below ``floor`` (a run falling
    without bound) is left to the general loop; so is a step that reaches
    no new best loss, unless a ``monitor``
    (:class:`steepest.optim.divergence.Monitor`) is given to watch it
    (:meth:`~steepest.optim.divergence.Monitor.observe_numbers`); the loop
    ends after the step on which it gives a verdict.  The flags say which
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


def _specialise(formula: Formula, scheduled: bool | tuple[str, ...]
                ) -> tuple[list[str], list[str], list[str], list[str]]:
    """The formula rearranged for speed, with the same operations on the same numbers.

    A temporary used once is written into its use; a part of a statement
    that depends on the settings alone (``1.0 - beta1``, ``-lr`` at a
    constant rate) is computed once before the loop, and one that depends
    on the step alone (``-lr`` on a schedule) once a step.  A bias correction
    ``1.0 - b**count`` is read from its table of :func:`corrections` where the
    table holds the count.  Returns the statements before the loop, once a step,
    per coordinate and after the loop.
    """
    static = set(formula.settings) | (set() if scheduled else {"lr"})
    stepwise = static | {"lr", "count"}
    before: list[str] = []
    each_step = list(formula.per_step)
    for line in formula.per_step:  # a per-step statement of the settings alone: before the loop
        target, value = (part.strip() for part in line.split("=", 1))
        if _names(ast.parse(value, mode="eval")) <= static:
            before.append(line)
            each_step.remove(line)
            static.add(target)
        stepwise.add(target)
    statements = [ast.parse(line).body[0] for line in formula.per_coordinate]
    statements = _inline_once_used(statements, set(formula.memory) | {"step"})
    tiers = [(static, before), (stepwise, each_step)]
    hoisted: dict[str, str] = {}
    saturating = _Saturating(_bias_corrections(each_step, set(formula.settings)))
    lines = []
    for statement in statements:
        assert isinstance(statement, ast.Assign)
        statement.value = saturating.visit(_hoist(statement.value, tiers, hoisted, "k"))
        lines.append(ast.unparse(statement))
    after = []
    for name, setting in saturating.corrections.items():
        # (``count`` is the run's count of steps here, before the first step.)
        before += [f"live_{name} = True",
                   f"tiny_{name} = TINY if 0.0 <= {setting} <= 1.0 else -INF",
                   f"table_{name} = CORRECTIONS({setting}, count)",
                   f"filled_{name} = len(table_{name})"]
        at = each_step.index(f"{name} = 1.0 - {setting}**count")
        # A count the table holds is read from it; any other takes the power.  (A
        # comparison that decides a jump runs specialised for floats; one whose result
        # is stored does not.)
        each_step[at:at + 1] = [f"if live_{name}:",
                                f"    if count < filled_{name}:",
                                f"        {name} = table_{name}[count]",
                                "    else:",
                                f"        power_{name} = {setting}**count",
                                f"        {name} = 1.0 - power_{name}",
                                f"        if power_{name} < tiny_{name}:",
                                f"            live_{name} = False"]
        # (``count`` is the count of the last step tried here, after the loop.)
        after.append(f"EXTEND(table_{name}, {setting}, tiny_{name}, count)")
    return before, each_step, lines, after


# Below this, ``b**count`` for ``0 <= b <= 1`` leaves ``1.0 - b**count`` at exactly 1.0,
# now and at every later count (a later power is smaller still, and 2**-60 is 64 times
# under 2**-54, where ``1.0 - x`` first rounds to 1.0: a margin for pow's rounding).
TINY = 2.0**-60

# Adam's bias corrections ``1.0 - b**count`` for ``count`` 0, 1, 2, ..., one table per
# setting ``b`` (keyed by ``b.hex()``), as far as the runs of this process have counted: a
# later run reads a correction instead of taking a power at each step.  The tables are
# filled after a loop (under a lock) by the loop's own expression, so an entry is the
# number the power gives.  A table ends before the first count whose power is below TINY
# (from there the loop takes no power at all), or at CORRECTIONS_LENGTH counts; at most
# CORRECTIONS_SETTINGS settings have one.
CORRECTIONS_LENGTH = 1 << 14
CORRECTIONS_SETTINGS = 16
_CORRECTIONS: dict[str, list[float]] = {}
_CORRECTIONS_LOCK = threading.Lock()


def corrections(beta: Any, count: Any) -> list[float] | tuple[()]:
    """The table of bias corrections ``1.0 - beta**c``, entry ``c``, for the counts that
    runs have reached so far (filled after each loop); empty where every correction is
    left to the power.

    Only a finite float ``beta`` with an int ``count`` has a table: for other
    numbers ``beta**count`` need not be a float.

    >>> table = corrections(0.75, 0)
    >>> _extend(table, 0.75, TINY, 5)
    >>> table[:6] == [1.0 - 0.75**c for c in range(6)]
    True
    >>> corrections(0.75, 5.0), corrections(float("nan"), 5)
    ((), ())
    """
    if type(beta) is not float or type(count) is not int or not math.isfinite(beta):
        return ()
    table = _CORRECTIONS.get(beta.hex())
    if table is None:
        with _CORRECTIONS_LOCK:
            if len(_CORRECTIONS) >= CORRECTIONS_SETTINGS:
                return ()
            table = _CORRECTIONS.setdefault(beta.hex(), [])
    return table


def _extend(table: list[float] | tuple[()], beta: float, tiny: float, count: int) -> None:
    """Fill a table of :func:`corrections` for ``beta`` up to ``count``, by the loop's own
    expression, ending before a power below ``tiny`` (or one that overflows)."""
    if len(table) > count or not isinstance(table, list):
        return
    with _CORRECTIONS_LOCK:
        end = min(count, CORRECTIONS_LENGTH - 1)
        try:
            while len(table) <= end:
                power = beta**len(table)
                if power < tiny:
                    break
                table.append(1.0 - power)
        except (ArithmeticError, ValueError):  # (the loop's power raises there too)
            pass


def _bias_corrections(each_step: list[str], settings: set[str]) -> dict[str, str]:
    """The per-step statements ``c = 1.0 - b**count`` (Adam's bias corrections), by name,
    with the setting ``b`` of each.

    Such a ``c`` becomes exactly 1.0 once ``b**count`` falls below :data:`TINY`
    (for Adam's ``beta1 = 0.9``, from its 395th step) and stays 1.0: from then on the
    loop takes neither the power nor a division by ``c`` (``x / 1.0`` is ``x``).

    >>> _bias_corrections(["c1 = 1.0 - beta1**count", "k0 = -lr"], {"beta1"})
    {'c1': 'beta1'}
    """
    found = {}
    for line in each_step:
        match = re.fullmatch(r"(\w+) = 1\.0 - (\w+)\*\*count", line)
        if match and match.group(2) in settings:
            found[match.group(1)] = match.group(2)
    return found


class _Saturating(ast.NodeTransformer):
    """``x / c`` for a bias correction ``c`` written ``(x / c if live_c else x)``: the same
    number, without the division once ``c`` is 1.0 for good (see :func:`_bias_corrections`)."""

    def __init__(self, corrections: dict[str, str]) -> None:
        self.corrections = corrections

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if (isinstance(node.op, ast.Div) and isinstance(node.right, ast.Name)
                and node.right.id in self.corrections):
            return ast.IfExp(ast.Name(f"live_{node.right.id}", ast.Load()), node, node.left)
        return node


def _hoist(node: ast.expr, tiers: list[tuple[set[str], list[str]]], hoisted: dict[str, str],
           prefix: str, safe: bool = False) -> ast.expr:
    """``node`` with each largest part that reads only the names of a tier computed once.

    ``tiers`` go from the least changing names to the most (those of the settings
    alone, then those of a step), each with the statements that run that often: a
    part is assigned to ``<prefix><n>`` by the first tier whose names it reads
    (``hoisted`` maps its text to that name, so that a part written twice is computed
    once) and read from it.  The same operation on the same numbers, so the same
    result; ``safe`` hoists only parts that cannot raise (``+``, ``-``, ``*``), for
    statements that may not run on every pass.
    """
    names = _names(node)
    widest = tiers[-1][0]
    # (A part of numbers alone is left to the compiler, which folds it.)
    if (names and not isinstance(node, ast.Name) and names <= widest
            and (not safe or _cannot_raise(node))):
        key = ast.unparse(node)
        if key not in hoisted:
            hoisted[key] = f"{prefix}{len(hoisted)}"
            sink = next(sink for tier, sink in tiers if names <= tier)
            sink.append(f"{hoisted[key]} = {key}")
        return ast.Name(hoisted[key], ast.Load())
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            setattr(node, field, _hoist(value, tiers, hoisted, prefix, safe))
        elif isinstance(value, list):
            setattr(node, field, [_hoist(v, tiers, hoisted, prefix, safe)
                                  if isinstance(v, ast.expr) else v for v in value])
    return node


def _cannot_raise(node: ast.expr) -> bool:
    """Whether an expression is names and numbers under ``+``, ``-``, ``*`` and ``abs``
    alone (which on floats give inf or nan rather than raise)."""
    return all(isinstance(n, ast.Name | ast.Constant | ast.Load | ast.BinOp | ast.UnaryOp
                          | ast.Add | ast.Sub | ast.Mult | ast.USub)
               or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id == "abs" and len(n.args) == 1 and not n.keywords)
               for n in ast.walk(node))


def _names(node: ast.AST) -> set[str]:
    """The names an expression reads (``sqrt`` aside: it is the same everywhere)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id != "sqrt"}


class _Put(ast.NodeTransformer):
    """Writes an expression where a name is read."""

    def __init__(self, name: str, value: ast.expr) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.value if node.id == self.name else node


def _inline_once_used(statements: list[ast.stmt], kept: set[str]) -> list[ast.stmt]:
    """Temporaries read once, by a later statement, written into that statement instead."""
    statements = list(statements)
    changed = True
    while changed:
        changed = False
        for j, statement in enumerate(statements):
            assert isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)
            target = statement.targets[0].id
            if target in kept:
                continue
            later = statements[j + 1:]
            reads = [k for k, s in enumerate(later) if target in _names(s.value)]
            uses = sum(sum(isinstance(n, ast.Name) and n.id == target for n in ast.walk(s.value))
                       for s in later)
            if uses != 1:
                continue
            at = reads[0]
            # Its inputs must not change between its statement and its use.
            between = {s.targets[0].id for s in later[:at]}
            if between & _names(statement.value):
                continue
            later[at].value = _Put(target, statement.value).visit(later[at].value)
            statements = statements[:j] + later
            changed = True
            break
    return statements


def _rule_lines(formula: Formula, n: int, gs: list[str], zs: list[str], ds: list[str],
                scheduled: bool | tuple[str, ...]
                ) -> tuple[list[str], list[str], list[str]]:
    """The formula's statements over floats: those before the loop, one step's and those
    after the loop.

    Scalars become ``q_<name>``; the rule's memory is read as ``u_<name>_<i>``
    (its value before the step) until the step assigns it, and from then on
    is ``n_<name>_<i>`` (kept only if the step is taken); the formula's other
    names become ``t_<name>_<i>``, with ``g``, ``p`` and ``step`` the loop's
    own gradient, point and step of coordinate ``i``.
    """
    before, each_step, per_coordinate, after = _specialise(formula, scheduled)
    scalars = {"lr", "count", *formula.settings}
    scalars.update(match.group(1) for line in (*before, *each_step)
                   if (match := _TARGET.match(line)))
    assigned = {line.split("=")[0].strip() for line in per_coordinate}

    def rename(text: str, i: int | None, changed: set[str]) -> str:
        def one(name: str) -> str:
            if name in _SHARED or keyword.iskeyword(name) or name[0].isdigit():
                return name
            if name in scalars:
                return f"q_{name}"
            assert i is not None, name
            if name in formula.memory:
                return f"{'n' if name in changed else 'u'}_{name}_{i}"
            own = {"g": gs[i], "p": zs[i], "step": ds[i]}
            if name in own:
                return own[name]
            assert name in assigned, name
            return f"t_{name}_{i}"

        # Numbers such as 1.0 or 1e-8 hold no names to rename.
        return _TOKEN.sub(lambda m: one(m.group(0)), text)

    lines = [rename(line, None, set()) for line in each_step]
    for i in range(n):
        changed: set[str] = set()
        for line in per_coordinate:
            target, value = (part.strip() for part in line.split("=", 1))
            value = rename(value, i, changed)
            if target in formula.memory:
                changed.add(target)
            lines.append(f"{rename(target, i, changed)} = {value}")
    return ([rename(line, None, set()) for line in before], lines,
            [rename(line, None, set()) for line in after])


# The monitor's attributes the loop keeps as locals (``m_<name>``) while it runs.
WATCHED = tuple(dict.fromkeys([*watch_attributes(IMPROVED), *watch_attributes(OBSERVED)]))


# Of those, the ones its statements never change (``f0``, ``floor``): constant while the
# loop runs.
_FIXED = tuple(name for name in WATCHED if name not in {
    node.attr for node in ast.walk(ast.parse("\n".join((*IMPROVED, *OBSERVED))))
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)})


# The statements of OBSERVED that record the step itself: after a step of any kind the
# monitor holds its number and loss (the general loop's ``improved``, ``repeated`` and
# ``observe`` all set them), so the loop writes them once, when it ends.
_STEP_LINES = ("self.k = k", "self.last = f_new")
assert set(_STEP_LINES) <= set(OBSERVED)


def _watch_lines(statements: tuple[str, ...], names: dict[str, str], before: list[str],
                 hoisted: dict[str, str]) -> list[str]:
    """The monitor's statements over the loop's locals: ``self.<name>`` read as
    ``m_<name>``, and the step's numbers under the loop's names.

    A part that reads only the monitor's constants (``GROWTH_FACTOR * self.f0``) is
    computed once, by a statement added to ``before``.
    """
    lines = []
    for line in statements:
        line = re.sub(r"\bself\.", "m_", line)
        for name, value in names.items():
            line = re.sub(rf"\b{name}\b", value, line)
        lines.append(line)
    numbers = {name: value for name, value in WATCH_NAMESPACE.items() if not callable(value)}
    constants = {f"m_{name}" for name in _FIXED} | set(numbers) | {"abs"}
    tree = ast.parse("\n".join(lines))
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr) and not isinstance(node, ast.expr):
                setattr(node, field, _hoist(value, [(constants, before)], hoisted, "c_",
                                            safe=True))
    # The monitor's own numbers left in the step are written as numbers: the same values,
    # read without a lookup.
    return ast.unparse(_Literal(numbers).visit(tree)).splitlines()


class _Literal(ast.NodeTransformer):
    """Names of numbers written as the numbers themselves (``repr`` of a float is exact)."""

    def __init__(self, numbers: dict[str, int | float]) -> None:
        self.numbers = numbers

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.numbers and isinstance(node.ctx, ast.Load):
            return ast.Constant(self.numbers[node.id])
        return node


def _schedule_lines(formula: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """A schedule's formula over the loop's names: the step ``k`` is ``count``, the
    schedule's fields and temporaries ``r_<name>``, its functions ``R_<name>``, and the
    rate, as a float, ``q_lr``.

    Returns the statements before the loop (the parts of the fields alone, such as
    ``(initial - final) * 0.5``, computed once) and those of each step, where ``min``
    of two names is the comparison it makes.
    """
    def one(name: str) -> str:
        if name[0].isdigit() or name[0] == ".":
            return name
        if name == "k":
            return "count"
        return f"R_{name}" if name in SCHEDULE_NAMESPACE else f"r_{name}"

    fields = {f"r_{name}" for name in formula_fields(formula)} | {"R_pi"}
    before: list[str] = []
    convert = "float(r_rate)"
    if _float_valued(formula):
        # When its fields are ints or floats, such a rate needs no conversion: it is
        # what float() would return.
        plain = " and ".join(f"type({name}) in PLAIN" for name in sorted(fields - {"R_pi"}))
        before.append(f"r_plain = {plain or 'True'}")
        convert = "r_rate if r_plain else float(r_rate)"
    hoisted: dict[str, str] = {}
    lines = []
    for line in formula:
        statement = ast.parse(_TOKEN.sub(lambda m: one(m.group(0)), line)).body[0]
        assert isinstance(statement, ast.Assign)
        value = _Min().visit(statement.value)
        statement.value = _hoist(value, [(fields, before)], hoisted, "r_c", safe=True)
        lines.append(ast.unparse(statement))
    return before, [*lines, f"q_lr = {convert}"]


def _float_valued(formula: tuple[str, ...]) -> bool:
    """Whether a schedule's rate is a float whatever ints or floats its fields hold.

    >>> from steepest.optim.schedules import cosine, exponential
    >>> _float_valued(cosine.formula), _float_valued(exponential.formula)
    (True, False)
    """
    kinds: dict[str, str | None] = {"k": "int", "pi": "float"}

    def kind(node: ast.expr) -> str | None:  # "int", "float", "number" (either) or None
        if isinstance(node, ast.Constant):
            return {int: "int", float: "float"}.get(type(node.value))
        if isinstance(node, ast.Name):
            return kinds.get(node.id, "number")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return kind(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [kind(a) for a in node.args]
            if None in args:
                return None
            if node.func.id == "cos":
                return "float"
            if node.func.id == "min":
                return args[0] if len(set(args)) == 1 else "number"
            return None
        if isinstance(node, ast.BinOp):
            left, right = kind(node.left), kind(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div):
                return "float"
            if isinstance(node.op, ast.Pow):  # int ** -1 is a float, -1.0 ** 0.5 complex
                return "float" if left == "float" and right == "int" else None
            if "float" in (left, right):
                return "float"
            return "int" if left == right == "int" else "number"
        return None

    for line in formula:
        target, value = (part.strip() for part in line.split("=", 1))
        kinds[target] = kind(ast.parse(value, mode="eval").body)
    return kinds.get("rate") == "float"


class _Min(ast.NodeTransformer):
    """``R_min(a, b)`` of two names or numbers written as ``(b if b < a else a)``: what
    ``min`` does (the first argument unless the second is smaller), without a call."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if (isinstance(node.func, ast.Name) and node.func.id == "R_min" and not node.keywords
                and len(node.args) == 2
                and all(isinstance(a, ast.Name | ast.Constant) for a in node.args)):
            a, b = node.args
            return ast.IfExp(ast.Compare(b, [ast.Lt()], [a]), b, a)
        return node


_TOKEN = re.compile(r"\b\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\b|" + _NAME.pattern)
# An assignment's target, and the names that are the same in every formula.
_TARGET = re.compile(r"\s*([A-Za-z_]\w*) = ")
_SHARED = {"sqrt", "TINY", "INF", "CORRECTIONS", "EXTEND", "len"}


# long: one generated loop, written out step by step in the order it runs
def _compile(sweep: Any, sign: float, tol: bool, gtol: bool, ftol: bool, record: bool,
             formula: Formula, scheduled: bool | tuple[str, ...]) -> Any:
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

    def length(terms: list[str]) -> str:
        return "sqrt(" + " + ".join(f"{t} * {t}" for t in terms) + ")"

    before, step_lines, after = _rule_lines(formula, n, gs, zs, ds, scheduled)
    # The monitor's watch over a step, inline over local copies of its attributes.
    watch_before: list[str] = []
    hoisted: dict[str, str] = {}
    improved = _watch_lines(IMPROVED, {"k": "best_k", "f_new": "best", "step_len": "best_len"},
                            watch_before, hoisted)
    observed = _watch_lines(tuple(line for line in OBSERVED if line not in _STEP_LINES), {
        # The loop's turn (computed where it is read) is nan where there was no step
        # before (its previous step is nan then), and ``nan < x`` is False, as ``turn is
        # not None and ...`` was.
        "turn is not None and turn < 0.0 and turn":
            "(w_turn := " + " + ".join(f"{p} * {d}" for p, d in zip(ps, ds)) + ") < 0.0 and w_turn",
        "lr": "q_lr",
        "GRADIENT_CHANGE": length([f"({h} - {g})" for h, g in zip(hs, gs)]),
        "GRADIENT_LENGTH": length(hs),
        "POINT_LENGTH": length(names),
    }, watch_before, hoisted)
    schedule_before, schedule_each = (_schedule_lines(scheduled) if isinstance(scheduled, tuple)
                                      else ([], []))
    # Input 0 is the loop's own variables; the other inputs are read once, before it.
    others = [f"s{i}" for i in range(1, len(sweep.inputs))]
    lines = [
        "def loop(z, f, g, k, max_iter, lr, tol, gtol, ftol, best, previous, args, rows, "
        "floor=-INF, settings=(), memory=(), count=None, monitor=None):",
        f"    {', '.join(others)}, = args" if others else "    pass",
        *("    " + line for i, line in sweep.unpack.items() if i != 0),
        f"    {', '.join(zs)}, = z",
        f"    {', '.join(gs)}, = g",
        "    turned = previous is not None",
        f"    {', '.join(ps)}, = previous if turned else {tuple_of(['nan'] * n)}",
        *(f"    {', '.join(f'q_{name}' for name in formula.settings)}, = settings"
          for _ in formula.settings[:1]),
        *(f"    {', '.join(names_)}, = memory[{j}]" for j, names_ in enumerate(memory)),
        "    k_start = k",
        "    if count is None:",
        "        count = k",
        "    nfev = improved = repeats = 0",
        "    best_k, best_step, best_len, best_z, step_len = -1, None, nan, None, nan",
        "    q_lr = lr",
        "    q_count = count",
        *("    " + line for line in before),
        "    last_lr = nan",
        "    dirty = False",  # a new best not yet told to the monitor
        "    verdict = None",
        *(f"    r_{name} = lr.{name}" for name in
          (formula_fields(scheduled) if isinstance(scheduled, tuple) else ())),
        *("    " + line for line in schedule_before),
        "    watching = monitor is not None and best > -INF",
        "    if watching:",
        *(f"        m_{name} = monitor.{name}" for name in WATCHED),
        *("        " + line for line in watch_before),
        # ``while True`` with the test inside, not ``while k < max_iter``: CPython 3.11
        # specialises a function's operations for floats only once it has been called, or
        # has jumped back to the top of a loop, a few times, and only an unconditional jump
        # back counts.  A loop called once per run would otherwise run unspecialised.
        "    while True:",
    ]
    body = ["if not k < max_iter:", "    break"]
    if isinstance(scheduled, tuple):  # a schedule's formula, written inline
        body += schedule_each
        body += ["if not 0.0 < q_lr < INF:", "    break"]
    elif scheduled:
        body += ["q_lr = float(lr(count))", "if not 0.0 < q_lr < INF:", "    break"]
    body.append("q_count = count + 1")
    body += step_lines
    body += [f"{name} = {z} + {d}" for name, z, d in zip(names, zs, ds)]
    body.append(f"step_len = {length(ds)}")
    body.append("nfev += 1")
    body.append("try:")
    body += ["    " + line for line in sweep.body]
    body.append("except (ArithmeticError, ValueError):")
    body.append("    break")
    body.append(f"f_new = {'-' if negate else ''}{sweep.value}")
    body += [f"{h} = {'-' if negate else ''}{expr}" for h, expr in zip(hs, sweep.grads[0])]
    # What the general loop decides after a step, decided here the same way: a finite new
    # best loss (above the floor of a run falling without bound); the same step again from
    # a point it does not move (the monitor counts it and finds it settled); a finite loss
    # that is no new best, which the monitor watches for divergence and oscillation.
    # Anything else (inf, nan, a fall without bound) is left to the general loop.
    # (Each test jumps over a line or two: CPython 3.11 specialises a comparison for
    # floats only where its jump is short, within 256 instructions.)
    body += ["if f_new < best:",
             "    if not (f_new >= floor and f_new - f_new == 0.0 and step_len < INF):",
             "        break",
             "    kind = 0"]
    if repeats:
        same = " and ".join([f"{name} == {z}" for name, z in zip(names, zs)]
                            + [f"{d} == {p}" for d, p in zip(ds, ps)])
        body += [f"elif f_new == f and {same}:", "    kind = 1"]
    # (f is never below best, the least loss so far, so a new best is no repeat.)  Not
    # below a best above -inf, f_new is finite when below inf.  (Without fixed points, the
    # count of repeats stays 0: no need to test it.)
    body += [f"elif watching{' and not repeats' if repeats else ''} and f_new < INF "
             "and step_len < INF:",
             "    kind = 2",
             "else:",
             "    break"]
    if tol:
        body += ["if step_len < tol:", "    break"]
    if gtol:
        body += [f"if {length(hs)} <= gtol:", "    break"]
    if ftol:
        body += ["if abs(f_new - f) <= ftol * max(abs(f), abs(f_new), 1.0):", "    break"]
    body += ["k += 1", "count += 1", "last_lr = q_lr"]
    if record:
        raw_grads = [f"-{h}" if negate else h for h in hs]
        body.append(f"rows.append((k, {', '.join(names)}, {'-f_new' if negate else 'f_new'}, "
                    f"{', '.join(raw_grads)}, step_len, q_lr))")
    changing = [name for name in formula.memory
                if any(line.split("=")[0].strip() == name for line in formula.per_coordinate)]
    body += [f"u_{name}_{i} = n_{name}_{i}" for name in changing for i in range(n)]
    body += [
        *(["if kind == 1:", "    repeats += 1", "elif kind == 0:"] if repeats else
          ["if kind == 0:"]),
        "    improved += 1",
        "    best = f_new",
        "    best_k, best_step, best_len = k, " + tuple_of(ds) + ", step_len",
        "    best_z = " + tuple_of(names),
        "    dirty = True",
        "else:",
        "    if dirty:",
        *("        " + line for line in improved),
        "        dirty = False",
        *("    " + line for line in observed),
        f"{', '.join(zs)}, = {', '.join(names)},",
        f"{', '.join(gs)}, = {', '.join(hs)},",
        f"{', '.join(ps)}, = {', '.join(ds)},",
        "f = f_new",
        "if verdict is not None:",
        "    break",
    ]
    lines += ["        " + line for line in body]
    kept = "(" + ", ".join(tuple_of(names_) for names_ in memory) + (",)" if memory else ")")
    lines += ["    if watching:",
              "        if k > k_start:",
              "            m_k = k",
              "            m_last = f"]
    lines += [f"        monitor.{name} = m_{name}" for name in WATCHED if name not in _FIXED]
    lines += ["    " + line for line in after]
    lines.append(f"    return RESULT(k, {tuple_of(zs)}, f, {tuple_of(gs)}, nfev, improved, best_k, "
                 f"best, best_step, best_len, repeats, {tuple_of(ps)}, step_len, {kept}, count, "
                 "last_lr, best_z, dirty, verdict)")
    namespace = dict(sweep.namespace)
    namespace.update(WATCH_NAMESPACE)
    namespace.update({f"R_{name}": value for name, value in SCHEDULE_NAMESPACE.items()})
    namespace.update(sqrt=math.sqrt, nan=math.nan, INF=math.inf, TINY=TINY,
                     RESULT=FloatDescent, PLAIN=(int, float), CORRECTIONS=corrections,
                     EXTEND=_extend)
    source = "\n".join(lines) + "\n"
    # Generated from the recorded program's statements and the rules' own formulas, never
    # from user text.
    exec(compile(source, "<steepest descent over floats>", "exec"), namespace)
    loop = namespace["loop"]
    loop.source = source
    return loop
