"""Honest limits and continuity.

Two SymPy behaviours a learner should never see: ``limit(1/x, x, 0)``
silently means the limit from the right, and the one-sided limits of a
piecewise function can come from the wrong branch (SymPy 1.14 gives 3 for
the limit from the left of Piecewise((x^2, x < 1), (2x + 1, True)) at 1,
which is 1).  Here both sides are always computed, and a piecewise function
is replaced, on each side of the point, by the branch that applies there.

The functions here work on SymPy expressions; :mod:`steepest.symbolic.calculus`
does the parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from steepest.errors import SteepestError
from steepest.symbolic._critical import is_zero
from steepest.symbolic._oscillating import Settled, settle
from steepest.symbolic.printing import plain_repr, text_form

DIFFER = "one-sided limits differ"
OSCILLATES = "oscillates"
UNBOUNDED = "unbounded"
UNDEFINED = "undefined"
UNDETERMINED = "undetermined"
REASONS = (DIFFER, OSCILLATES, UNBOUNDED, UNDEFINED, UNDETERMINED)

REMOVABLE = "removable"
JUMP = "jump"
INFINITE = "infinite"
OSCILLATORY = "oscillatory"
DISCONTINUITY_KINDS = (REMOVABLE, JUMP, INFINITE, OSCILLATORY)

_SIDES = {
    "both": "both",
    "+-": "both",
    "±": "both",
    "two-sided": "both",
    "+": "+",
    "right": "+",
    "r": "+",
    "from the right": "+",
    "-": "-",
    "left": "-",
    "l": "-",
    "from the left": "-",
}


def normalize_side(side: str) -> str:
    """``"both"``, ``"+"`` or ``"-"`` from the spellings people use.

    >>> normalize_side("right"), normalize_side("-"), normalize_side("both")
    ('+', '-', 'both')
    """
    key = str(side).strip().lower()
    if key not in _SIDES:
        raise SteepestError(f"side must be '+', '-' or 'both', not {side!r}")
    return _SIDES[key]


def _is_infinite(value: sp.Expr | None) -> bool:
    return value is not None and value in (sp.oo, -sp.oo, sp.zoo)


def _is_oscillating(value: sp.Expr | None) -> bool:
    return isinstance(value, sp.AccumBounds)


def _is_finite(value: sp.Expr | None) -> bool:
    return value is not None and not value.has(sp.oo, -sp.oo, sp.zoo, sp.nan, sp.AccumBounds)


def _holds_near(condition: Any, x: sp.Symbol, a: sp.Expr, side: str) -> bool | None:
    """Whether ``condition`` holds for every x just to one side of ``a``."""
    if condition is sp.true or condition is True:
        return True
    if condition is sp.false or condition is False:
        return False
    if condition.free_symbols != {x} or not a.is_number:
        return None
    try:
        region = condition.as_set()
        edges = [b for b in region.boundary if b.is_number and b.is_finite]
        if a.is_infinite:
            # Approaching +oo from the left or -oo from the right.
            probe = (
                (max(edges) + 1)
                if a is sp.oo and edges
                else (min(edges) - 1)
                if edges
                else sp.Integer(0)
            )
        elif side == "+":
            beyond = [b for b in edges if bool(b > a)]
            probe = (a + min(beyond)) / 2 if beyond else a + 1
        else:
            before = [b for b in edges if bool(b < a)]
            probe = (a + max(before)) / 2 if before else a - 1
        return bool(region.contains(probe))
    except (TypeError, NotImplementedError, ValueError, AttributeError):
        return None


def _branch(piecewise: sp.Piecewise, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr:
    """The branch of ``piecewise`` that applies just to one side of ``a``."""
    for expr, condition in piecewise.args:
        holds = _holds_near(condition, x, a, side)
        if holds is None:
            return piecewise  # cannot tell: leave it to SymPy
        if holds:
            return expr
    return piecewise


def select_branches(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr:
    """``f`` with every piecewise part replaced by its branch on one side of ``a``.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> f = sp.Piecewise((x**2, x < 1), (2*x + 1, True))
    >>> select_branches(f, x, sp.Integer(1), "-"), select_branches(f, x, sp.Integer(1), "+")
    (x**2, 2*x + 1)
    """
    if not f.has(sp.Piecewise):
        return f
    folded = sp.piecewise_fold(f)
    return folded.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: _branch(e, x, a, side))


_JUMPS = (sp.floor, sp.ceiling, sp.sign, sp.Heaviside)
_PROBES = (sp.Rational(1, 10**30), sp.Rational(1, 10**37), sp.Rational(3, 10**44))


def freeze_jumps(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr | None:
    """``f`` with each floor, ceil, sign and step replaced by its constant value just to
    one side of a finite ``a`` (None when that value cannot be decided).

    SymPy's limits of compositions such as e^(-e^(-floor(x))) at 0 can take the
    wrong side of a jump; a jump function of u is constant next to ``a`` once
    the one-sided limit of u is known and, where u tends to a jump point, the
    side from which it comes.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> freeze_jumps(sp.exp(-sp.floor(x)), x, sp.Integer(0), "-")
    E
    >>> freeze_jumps(sp.sign(x**2) + sp.floor(x + sp.Rational(1, 2)), x, sp.Integer(0), "-")
    1
    """
    while True:
        # Only jumps that move with x: floor(y) is a constant as x -> a.
        innermost = [j for j in f.atoms(*_JUMPS)
                     if not j.args[0].has(*_JUMPS) and j.args[0].has(x)]
        if not innermost:
            return f
        frozen = {}
        for jump in innermost:
            value = _jump_value(jump, x, a, side)
            if value is None:
                return None
            frozen[jump] = value
        f = f.xreplace(frozen)


def _unbounded_floors(
    f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str
) -> tuple[sp.Expr, list[sp.Symbol]]:
    """``f`` with each innermost floor(u) whose u runs off to +-oo written u - s and each
    ceil(u) written u + s, a new s in [0, 1) for each: the fractions left out.

    floor(1/x) jumps ever more often next to 0, so it has no constant value to
    freeze there; x*floor(1/x) = 1 - x*s is still squeezed (see :func:`_squeezed`).

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> g, (s,) = _unbounded_floors(x * sp.floor(1 / x), x, sp.Integer(0), "+")
    >>> sp.expand(g) == 1 - x * s
    True
    """
    fractions: list[sp.Symbol] = []
    swap: dict[sp.Expr, sp.Expr] = {}
    for jump in f.atoms(sp.floor, sp.ceiling):
        u = jump.args[0]
        if u.has(*_JUMPS) or not u.has(x) or one_sided(u, x, a, side) not in (sp.oo, -sp.oo):
            continue
        s = sp.Dummy("s", nonnegative=True)
        fractions.append(s)
        swap[jump] = u - s if isinstance(jump, sp.floor) else u + s
    return (f.xreplace(swap), fractions) if swap else (f, [])


def _squeezed(
    g: sp.Expr, fractions: list[sp.Symbol], x: sp.Symbol, a: sp.Expr, side: str
) -> Settled:
    """The limit of g(x, s1, s2, ...) for every choice of the fractions s_i in [0, 1]
    at each x, where g is affine in each s_i (None otherwise, or where they differ).

    Such a g lies between its values at the corners (each s_i 0 or 1), so a limit
    shared by every corner is the limit of g, whatever the fractions do: the
    squeeze 1 - x < x*floor(1/x) <= 1 for x > 0.
    """
    if len(fractions) > 3:
        return Settled(None)
    for s in fractions:
        try:
            if not is_zero(sp.simplify(sp.diff(g, s, 2))):
                return Settled(None)
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            return Settled(None)
    corners: list[sp.Expr] = []
    for bits in range(2 ** len(fractions)):
        corner = g.xreplace(
            {s: sp.Integer((bits >> i) & 1) for i, s in enumerate(fractions)}
        )
        value = one_sided(corner, x, a, side)
        if value is None or not (_is_finite(value) or value in (sp.oo, -sp.oo)):
            return Settled(None)
        corners.append(value)
    first = corners[0]
    if first in (sp.oo, -sp.oo):
        same = all(c == first for c in corners)
    else:
        same = all(_is_finite(c) and is_zero(sp.simplify(c - first)) for c in corners)
    return Settled(first if same else None)


def _jump_value(jump: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr | None:
    u = jump.args[0]
    target = one_sided(u, x, a, side)
    if target in (sp.oo, -sp.oo) and isinstance(jump, (sp.sign, sp.Heaviside)):
        # sign(1/x) is 1 right of 0 and -1 left of it: constant where u is large.
        return sp.Integer(1) if target is sp.oo else (
            sp.Integer(-1) if isinstance(jump, sp.sign) else sp.Integer(0)
        )
    if target is None or not target.is_finite or target.is_real is not True:
        return None
    at_jump = target.is_integer if isinstance(jump, (sp.floor, sp.ceiling)) else target == 0
    if not at_jump:
        return type(jump)(target) if not isinstance(jump, sp.Heaviside) else sp.Heaviside(target)
    sign = -1 if side == "-" else 1
    offsets = []
    for step in _PROBES:
        offset = sp.N(u.subs(x, a + sign * step) - target, 60)
        if not offset.is_number or offset.is_real is not True:
            return None
        offsets.append(sp.sign(offset))
    if len(set(offsets)) != 1:
        return None
    direction = offsets[0]
    if direction == 0:
        return type(jump)(target) if not isinstance(jump, sp.Heaviside) else sp.Heaviside(target)
    if isinstance(jump, sp.floor):
        return target if direction > 0 else target - 1
    if isinstance(jump, sp.ceiling):
        return target + 1 if direction > 0 else target
    if isinstance(jump, sp.sign):
        return direction
    return sp.Integer(1) if direction > 0 else sp.Integer(0)


def _exponentials(f: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """``f`` with each power b^u of a constant base b > 0 (b not e) written e^(u ln b).

    SymPy 1.14 gets b^u wrong where u tends to -oo (2^x at -oo and 2^(1/x) at 0
    from the left come back as oo); its limits of e^u are right.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> _exponentials(2**(1 / x) + x**2, x)
    x**2 + exp(log(2)/x)
    """
    return f.replace(
        lambda e: (e.is_Pow and e.exp.has(x) and e.base.is_number
                   and e.base is not sp.E and e.base.is_positive is True),
        lambda e: sp.exp(e.exp * sp.log(e.base)),
    )


def one_sided(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr | None:
    """The limit of ``f`` as ``x`` approaches ``a`` from one side (None: unknown).

    ``side`` is ``"+"`` or ``"-"``; at ``oo`` or ``-oo`` the side is implied.
    An oscillating limit comes back as a SymPy ``AccumBounds``.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> one_sided(1 / x, x, sp.Integer(0), "-")
    -oo
    """
    return settled_one_sided(f, x, a, side).value


def settled_one_sided(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> Settled:
    """:func:`one_sided`, with whether the bounds of an oscillation are its lowest and
    highest values; a limit where f oscillates is checked by
    :func:`steepest.symbolic._oscillating.settle`.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> settled_one_sided(sp.Abs(sp.sin(x)) ** (1 / x), x, sp.oo, "-")
    Settled(value=AccumBounds(0, 1), exact_bounds=False)
    """
    branch = select_branches(f, x, a, side)
    if not a.is_infinite and branch.has(*_JUMPS):
        branch, fractions = _unbounded_floors(branch, x, a, side)
        frozen = freeze_jumps(branch, x, a, side)
        if frozen is None:
            return Settled(None)
        if fractions:
            return _squeezed(frozen, fractions, x, a, side)
        branch = frozen
    branch = _exponentials(branch, x)
    value = _sympy_limit(branch, x, a, side)
    return settle(
        branch,
        x,
        a,
        side,
        value,
        lambda g: one_sided(g, x, a, side),
        lambda g: real_on_side(g, x, a, side),
    )


def _sympy_limit(branch: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> sp.Expr | None:
    try:
        if a is -sp.oo:
            # SymPy 1.14 takes some limits at -oo wrongly ((tanh(x^2) + (1/2)^x)^x
            # is 1, not 0) where the same limit at +oo of f(-t) is right.
            value = sp.limit(branch.xreplace({x: -x}), x, sp.oo)
        else:
            value = sp.limit(branch, x, a) if a is sp.oo else sp.limit(branch, x, a, side)
    except (
        NotImplementedError,
        ValueError,
        TypeError,
        ZeroDivisionError,
        RecursionError,
        AttributeError,  # SymPy failing inside (x^sin(x^2) at -inf): unknown, not a crash
        sp.PoleError,
    ):
        return None
    if value is sp.nan or isinstance(value, sp.Limit) or value.has(sp.Limit, sp.nan):
        return None
    return value


def real_on_side(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> bool:
    """False when f is clearly not real just to one side of ``a`` (sqrt(x) left of 0)."""
    if a.is_infinite:
        probe = sp.Integer(10**6) if a is sp.oo else -sp.Integer(10**6)
    elif a.is_number:
        step = sp.Rational(1, 10**6)
        probe = a + step if side == "+" else a - step
    else:
        return True
    try:
        # evalf with subs never builds the exact value ((1 + 1/x)^x at 10^6 would
        # be a rational with millions of digits).
        value = f.evalf(30, subs={x: probe})
    except (TypeError, ValueError, ArithmeticError, MemoryError):
        # x^(2^(x^2)) at 10^6 has a mantissa no memory holds, floor(1/x) at 10^-6 sits
        # on a jump evalf cannot resolve (PrecisionExhausted): nothing is learnt.
        return True
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return True
    real, imaginary = value.as_real_imag()
    return abs(imaginary) <= 1e-20 * max(1, abs(real))


@dataclass
class Limit:
    """The outcome of a limit: ``value``, the one-sided ``left`` and ``right``, and
    whether the limit ``exists`` (as a finite number) or, if not, the ``reason``.

    ``reason`` is None when the limit exists, else ``"one-sided limits differ"``,
    ``"oscillates"`` (``left``/``right`` then hold SymPy ``AccumBounds`` such as
    ``AccumBounds(-1, 1)``; a side in ``loose_sides`` holds only two values f
    tends to along different sequences, not its lowest and highest),
    ``"unbounded"`` (``value`` is ``oo`` or ``-oo``
    when both sides agree on it), ``"undefined"`` (f is not real on a side,
    as sqrt(x) left of 0; ``undefined_sides`` says which) or ``"undetermined"``
    (SymPy could not decide; ``exists`` is then None).  At ``oo`` only ``left`` is set, at ``-oo``
    only ``right``; a one-sided request sets only that side.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> from steepest.symbolic.calculus import limit
    >>> print(limit(1 / x, x, 0))
    the limit of 1/x as x -> 0 does not exist: the one-sided limits differ
    (-inf from the left, inf from the right)
    """

    __repr__ = plain_repr

    value: sp.Expr | None
    left: sp.Expr | None
    right: sp.Expr | None
    exists: bool | None
    reason: str | None
    expr: sp.Expr | None = None
    var: sp.Symbol | None = None
    at: sp.Expr | None = None
    side: str = "both"
    undefined_sides: tuple[str, ...] = ()
    loose_sides: tuple[str, ...] = ()

    def _approach(self) -> str:
        arrow = {"both": "", "+": "+", "-": "-"}[self.side]
        return f"{self.var} -> {text_form(self.at)}{arrow}"

    def message(self) -> str:
        """One sentence: the value, or why the limit does not exist."""
        head = f"the limit of {text_form(self.expr)} as {self._approach()}"
        if self.exists:
            return f"{head} is {text_form(self.value)}"
        if self.reason == DIFFER:
            return (
                f"{head} does not exist: the one-sided limits differ "
                f"({text_form(self.left)} from the left, {text_form(self.right)} from the right)"
            )
        if self.reason == OSCILLATES:
            which = next(w for w in ("-", "+") if _is_oscillating(self.side_value(w)))
            return f"{head} does not exist: the function {self.side_words(which)}"
        if self.reason == UNBOUNDED:
            if self.value is not None and self.value is not sp.zoo:
                return (
                    f"{head} does not exist as a number: the function is unbounded "
                    f"({text_form(self.value)})"
                )
            return f"{head} does not exist: the function is unbounded"
        if self.reason == UNDEFINED:
            if self.at is not None and self.at.is_infinite:
                far = "large negative x" if self.at is -sp.oo else "large x"
                return (
                    f"{head} does not exist: the function is not defined (as a real number) "
                    f"at arbitrarily {far}"
                )
            where = " and ".join(
                {"-": "to the left", "+": "to the right"}[s] for s in self.undefined_sides
            )
            return (
                f"{head} does not exist: the function is not defined (as a real number) "
                f"just {where} of {text_form(self.at)}"
            )
        return f"{head} could not be determined exactly"

    def side_value(self, which: str) -> sp.Expr | None:
        """The one-sided limit from ``"-"`` (the left) or ``"+"`` (the right)."""
        return self.left if which == "-" else self.right

    def side_words(self, which: str) -> str:
        """The one-sided limit in words: ``oscillates between -1 and 1``, ``2``.

        Where the bounds of an oscillation are only two values f tends to along
        different sequences (its lowest and highest may lie beyond), it says so.

        >>> from steepest.symbolic.calculus import limit
        >>> limit("abs(sin(x))^(1/x)", "x", "inf").side_words("-")
        'oscillates: it tends to 0 along some sequences of x and to 1 along others'
        """
        value = self.side_value(which)
        if not _is_oscillating(value):
            return text_form(value)
        low, high = text_form(value.min), text_form(value.max)
        if which in self.loose_sides:
            return (
                f"oscillates: it tends to {low} along some sequences of {self.var} "
                f"and to {high} along others"
            )
        return f"oscillates between {low} and {high}"

    def __str__(self) -> str:
        return self.message()

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import limit_html

        return limit_html(self)

    def _repr_latex_(self) -> str:
        from steepest.symbolic.rich import limit_latex

        return limit_latex(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every field as text (None stays None), and the message."""

        def text(value: Any) -> str | None:
            return None if value is None else text_form(value)

        return {
            "expr": text(self.expr),
            "var": text(self.var),
            "at": text(self.at),
            "side": self.side,
            "value": text(self.value),
            # An oscillation's bounds in words, loose ones said as such.
            "left": None if self.left is None else self.side_words("-"),
            "right": None if self.right is None else self.side_words("+"),
            "exists": self.exists,
            "reason": self.reason,
            "message": self.message(),
        }

    def table(self, n: int = 6) -> Any:
        """Values of f as x approaches the point: a pandas DataFrame.

        Steps are 10^-1 ... 10^-n from each side requested (at infinity, x is
        10^1 ... 10^n or its negative).  Values are computed exactly and then
        rounded, so cancellation near the point does not spoil them.

        >>> import sympy as sp
        >>> from steepest.symbolic.calculus import limit
        >>> x = sp.Symbol("x")
        >>> limit(1 / x, x, 0, side="+").table(3)
          side      x    f(x)
        0    +  0.100    10.0
        1    +  0.010   100.0
        2    +  0.001  1000.0
        """
        import pandas as pd

        if self.expr is None or self.var is None or self.at is None:
            raise SteepestError("this limit has no expression to tabulate")
        if not self.at.is_number:
            raise SteepestError(f"a table needs a numeric point, not {self.at}")
        if int(n) < 1:
            raise SteepestError("a table needs at least one row (n >= 1)")
        rows: list[tuple[str, float, float]] = []
        steps = [sp.Rational(1, 10**k) for k in range(1, int(n) + 1)]
        if self.at is sp.oo:
            plan = [("-", sp.Integer(10**k)) for k in range(1, int(n) + 1)]
        elif self.at is -sp.oo:
            plan = [("+", -sp.Integer(10**k)) for k in range(1, int(n) + 1)]
        else:
            plan = []
            if self.side in ("both", "+"):
                plan += [("+", self.at + h) for h in steps]
            if self.side in ("both", "-"):
                plan += [("-", self.at - h) for h in steps]
        for side, point in plan:
            rows.append((side, _to_float(point), _evaluate(self.expr, self.var, point)))
        name = self.var.name
        return pd.DataFrame(rows, columns=["side", name, f"f({name})"])


def _evaluate(f: sp.Expr, x: sp.Symbol, point: sp.Expr) -> float:
    """f(point) as a float, computed with enough precision to survive cancellation."""
    try:
        return _to_float(f.evalf(30, subs={x: point}))
    except PrecisionExhausted:
        pass  # floor(1/x) at x = 1/10 sits on a jump: the exact value decides
    except (TypeError, ValueError, ArithmeticError, MemoryError):
        return float("nan")
    try:
        return _to_float(f.subs(x, point))
    except (TypeError, ValueError, ArithmeticError, MemoryError):
        return float("nan")


def _to_float(value: sp.Expr) -> float:
    approx = sp.N(value, 30)
    if approx is sp.zoo or approx.has(sp.nan, sp.zoo):
        return float("nan")
    if approx is sp.oo:
        return float("inf")
    if approx is -sp.oo:
        return float("-inf")
    real, imaginary = approx.as_real_imag()
    if abs(imaginary) > 1e-25 * max(1, abs(real)):
        return float("nan")
    return float(real)


def compute(f: sp.Expr, x: sp.Symbol, a: sp.Expr, side: str) -> Limit:
    """The limit of ``f`` as ``x`` approaches ``a``; see :class:`Limit`."""
    real_x = sp.Symbol(x.name, real=True)
    g = f.xreplace({x: real_x}) if real_x != x else f
    back = {real_x: x}
    settled: dict[str, Settled] = {}
    if a is sp.oo:
        side = "-"
    elif a is -sp.oo:
        side = "+"
    for which in ("-", "+"):
        if side in ("both", which):
            settled[which] = settled_one_sided(g, real_x, a, which)
    left = settled["-"].value if "-" in settled else None
    right = settled["+"].value if "+" in settled else None
    undefined = [
        which
        for which, value in (("-", left), ("+", right))
        if value is not None and (value.has(sp.I) or not real_on_side(g, real_x, a, which))
    ]
    left = None if left is None or "-" in undefined else left.xreplace(back)
    right = None if right is None or "+" in undefined else right.xreplace(back)
    shown_side = "both" if a.is_infinite else side
    if undefined:
        value, exists, reason = None, False, UNDEFINED
    elif side != "both":
        value = left if side == "-" else right
        value, exists, reason = _judge_single(value)
    else:
        value, exists, reason = _judge_both(left, right)
    result = Limit(value, left, right, exists, reason, f, x, a, shown_side)
    result.undefined_sides = tuple(undefined)
    result.loose_sides = tuple(w for w, s in settled.items() if not s.exact_bounds)
    return result


def _judge_single(value: sp.Expr | None) -> tuple[sp.Expr | None, bool | None, str | None]:
    if value is None:
        return None, None, UNDETERMINED
    if _is_oscillating(value):
        return None, False, OSCILLATES
    if _is_infinite(value):
        return value, False, UNBOUNDED
    if not _is_finite(value):
        return None, None, UNDETERMINED
    return value, True, None


def _judge_both(
    left: sp.Expr | None, right: sp.Expr | None
) -> tuple[sp.Expr | None, bool | None, str | None]:
    if _is_oscillating(left) or _is_oscillating(right):
        return None, False, OSCILLATES
    if left is None or right is None:
        return None, None, UNDETERMINED
    if _is_infinite(left) or _is_infinite(right):
        if left == right and left is not sp.zoo:
            return left, False, UNBOUNDED
        if left is sp.zoo or right is sp.zoo:
            return None, False, UNBOUNDED
        return None, False, DIFFER
    if not (_is_finite(left) and _is_finite(right)):
        return None, None, UNDETERMINED
    if is_zero(sp.simplify(left - right)):
        return left, True, None
    return None, False, DIFFER


@dataclass
class Continuity:
    """Whether f is continuous at a point, condition by condition.

    ``defined`` (f(a) is a real number), ``limit_exists`` (a finite two-sided
    limit), ``equal`` (the two agree), ``continuous`` (all three), and
    ``kind``: None when continuous, else ``"removable"`` (the limit exists but
    f(a) is missing or different), ``"jump"`` (finite one-sided limits that
    differ), ``"infinite"`` (a side is unbounded) or ``"oscillatory"``.

    >>> import sympy as sp
    >>> from steepest.symbolic.calculus import continuity
    >>> x = sp.Symbol("x")
    >>> print(continuity(sp.Piecewise((x, x < 0), (x + 1, True)), 0).message)
    not continuous at x = 0: the limit as x -> 0 does not exist (the one-sided limits
    differ: 0 from the left, 1 from the right); a jump discontinuity
    """

    __repr__ = plain_repr

    expr: sp.Expr
    var: sp.Symbol
    at: sp.Expr
    value: sp.Expr | None
    defined: bool
    limit: Limit
    limit_exists: bool | None
    equal: bool
    continuous: bool | None
    kind: str | None
    message: str

    def __bool__(self) -> bool:
        return bool(self.continuous)

    def __str__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import continuity_html

        return continuity_html(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the three conditions, the verdict, the kind and the message."""
        return {
            "expr": text_form(self.expr),
            "var": str(self.var),
            "at": text_form(self.at),
            "value": None if self.value is None else text_form(self.value),
            "defined": self.defined,
            "limit": self.limit.to_dict(),
            "limit_exists": self.limit_exists,
            "equal": self.equal,
            "continuous": self.continuous,
            "kind": self.kind,
            "message": self.message,
        }


def _value_at(f: sp.Expr, x: sp.Symbol, a: sp.Expr) -> sp.Expr | None:
    try:
        value = f.subs(x, a)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or value.is_real is False:
        return None
    if value.is_number and isinstance(value, sp.Piecewise):
        return None  # no branch applies: f is not defined there
    return value


def continuity(f: sp.Expr, x: sp.Symbol, a: sp.Expr) -> Continuity:
    """Check the three conditions of continuity of ``f`` at ``x = a``."""
    real_x = sp.Symbol(x.name, real=True)
    g = f.xreplace({x: real_x}) if real_x != x else f
    value = _value_at(g, real_x, a)
    defined = value is not None
    lim = compute(f, x, a, "both")
    exists = lim.exists
    equal = bool(defined and exists and is_zero(sp.simplify(value - lim.value)))
    continuous: bool | None = defined and bool(exists) and equal
    if exists is None and defined:
        continuous = None
    kind: str | None = None
    if not continuous:
        if _is_infinite(lim.left) or _is_infinite(lim.right):
            kind = INFINITE
        elif lim.reason == OSCILLATES:
            kind = OSCILLATORY
        elif lim.reason == DIFFER:
            kind = JUMP
        elif exists:
            kind = REMOVABLE
    where = f"{x} = {text_form(a)}"
    if continuous:
        message = (
            f"continuous at {where}: f({text_form(a)}) = {text_form(value)} is defined, "
            f"the limit is {text_form(lim.value)}, and they are equal"
        )
    else:
        problems = []
        if not defined:
            problem = f"f({text_form(a)}) is not defined"
            if exists:
                problem += f" (the limit is {text_form(lim.value)})"
            problems.append(problem)
        if exists is None:
            problems.append(f"the limit as {x} -> {text_form(a)} could not be determined")
        elif not exists:
            detail = lim.message().split(": ", 1)[-1]
            if lim.reason == DIFFER:
                detail = (
                    f"the one-sided limits differ: {text_form(lim.left)} from the left, "
                    f"{text_form(lim.right)} from the right"
                )
            problems.append(f"the limit as {x} -> {text_form(a)} does not exist ({detail})")
        elif defined and not equal:
            problems.append(
                f"f({text_form(a)}) = {text_form(value)} but the limit is {text_form(lim.value)}"
            )
        message = f"not continuous at {where}: " + " and ".join(problems)
        if kind:
            message += f"; {'an' if kind[0] in 'aeiou' else 'a'} {kind} discontinuity"
    return Continuity(f, x, a, value, defined, lim, exists, equal, continuous, kind, message)
