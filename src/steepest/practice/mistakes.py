"""The catalogue of mal-rules, and the search for the one a learner applied.

A mal-rule is a wrong version of a differentiation rule that learners
actually use (the product rule as (fg)' = f'g', the power rule with the
exponent raised instead of lowered...).  :data:`MISTAKES` lists them; each
entry says what the learner did, what the rule is, and gives an example.

:func:`diagnose` takes the derivation tree of the right answer
(:func:`steepest.symbolic.derive`), rebuilds its result with the rule at one
step replaced by a mal-rule (every step, every mal-rule that fits it), then
with a mal-rule used everywhere it fits, then with two of them together,
and returns the first wrong derivation whose result is the learner's answer
(compared at the same points as :func:`~steepest.practice.equivalence.compare`).

>>> from steepest.symbolic import derive, parse
>>> found = diagnose(derive("x^2 sin x"), parse("2x cos x"))
>>> found.names
('product-rule-as-product',)
>>> print(found.sentences()[0])
You applied the product rule as (fg)' = f'g'. The rule is (fg)' = f'g + fg'.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from steepest.errors import TimeLimitError
from steepest.practice.equivalence import close, compare, evaluate, free_variables, sample_points
from steepest.symbolic.printing import text_form
from steepest.symbolic.steps import Derivation, Step
from steepest.symbolic.timed import timed


@dataclass(frozen=True)
class Mistake:
    """One entry of the catalogue: a wrong rule learners use.

    ``did`` says in one sentence what the learner did, ``rule`` states the
    right rule, and ``question`` / ``wrong`` / ``right`` are an example.

    >>> MISTAKES["trig-sign"].rule
    'd/dx sin(x) = cos(x) and d/dx cos(x) = -sin(x)'
    """

    name: str
    did: str
    rule: str
    question: str
    wrong: str
    right: str

    def sentence(self) -> str:
        """What the learner did and what the rule is, as a teacher would say it.

        >>> MISTAKES["constant-term-kept"].sentence()
        'You kept a constant term. The rule is d/dx c = 0: a constant term disappears.'
        """
        return f"{self.did}. The rule is {self.rule}."


_ENTRIES = [
    Mistake(
        "power-rule-exponent-up",
        "You raised the exponent by one",
        "d/dx x^n = n*x^(n - 1): the exponent goes down by one",
        "d/dx x^3",
        "3x^4",
        "3x^2",
    ),
    Mistake(
        "power-rule-exponent-kept",
        "You kept the exponent as it was",
        "d/dx x^n = n*x^(n - 1): the exponent goes down by one",
        "d/dx x^3",
        "3x^3",
        "3x^2",
    ),
    Mistake(
        "power-rule-variable-exponent",
        "You used the power rule with an exponent that changes with the variable",
        "d/dx u^n = n*u^(n - 1)*u' for a constant n only; for f^g, where g changes too, "
        "write f^g = e^(g*ln(f)): (f^g)' = f^g*(g'*ln(f) + g*f'/f)",
        "d/dx x^x",
        "x*x^(x - 1)",
        "x^x (ln x + 1)",
    ),
    Mistake(
        "chain-rule-inner-missing",
        "You differentiated the outer function but did not multiply by the derivative "
        "of the inside",
        "the chain rule, d/dx f(u) = f'(u)*du/dx",
        "d/dx sin(x^2)",
        "cos(x^2)",
        "2x cos(x^2)",
    ),
    Mistake(
        "product-rule-as-product",
        "You applied the product rule as (fg)' = f'g'",
        "(fg)' = f'g + fg'",
        "d/dx x^2 sin x",
        "2x cos x",
        "2x sin x + x^2 cos x",
    ),
    Mistake(
        "product-rule-term-missing",
        "You wrote only one of the two terms of the product rule",
        "(fg)' = f'g + fg', one term for each factor",
        "d/dx x^2 sin x",
        "2x sin x",
        "2x sin x + x^2 cos x",
    ),
    Mistake(
        "quotient-rule-sign",
        "You subtracted the terms of the quotient rule in the wrong order",
        "(f/g)' = (f'g - fg')/g^2: f' comes first",
        "d/dx x/(x + 1)",
        "-1/(x + 1)^2",
        "1/(x + 1)^2",
    ),
    Mistake(
        "quotient-rule-denominator",
        "You did not divide by the square of the denominator",
        "(f/g)' = (f'g - fg')/g^2",
        "d/dx x/(x + 1)",
        "1/(x + 1)",
        "1/(x + 1)^2",
    ),
    Mistake(
        "quotient-as-quotient",
        "You differentiated the top and the bottom separately, as (f/g)' = f'/g'",
        "(f/g)' = (f'g - fg')/g^2",
        "d/dx x^2/(x + 1)",
        "2x",
        "x (x + 2)/(x + 1)^2",
    ),
    Mistake(
        "exponential-missing-log",
        "You left out the factor ln(a)",
        "d/dx a^x = a^x*ln(a); only e^x is its own derivative",
        "d/dx 2^x",
        "2^x",
        "2^x ln 2",
    ),
    Mistake(
        "power-rule-on-exponential",
        "You used the power rule on an exponential, where the variable is in the exponent",
        "d/dx a^x = a^x*ln(a)",
        "d/dx 2^x",
        "x*2^(x - 1)",
        "2^x ln 2",
    ),
    Mistake(
        "trig-sign",
        "The sign of a trigonometric derivative is wrong",
        "d/dx sin(x) = cos(x) and d/dx cos(x) = -sin(x)",
        "d/dx cos x",
        "sin x",
        "-sin x",
    ),
    Mistake(
        "constant-term-kept",
        "You kept a constant term",
        "d/dx c = 0: a constant term disappears",
        "d/dx x^2 + 5",
        "2x + 5",
        "2x",
    ),
    Mistake(
        "partial-other-variable",
        "You differentiated the other variables too",
        "in a partial derivative the other variables are held constant",
        "d/dy x^2 + y^2",
        "2x + 2y",
        "2y",
    ),
    Mistake(
        "descent-uphill",
        "You stepped uphill, adding the gradient step instead of subtracting it",
        "new point = start - rate * gradient",
        "one step of gradient descent on x^2 from 3 with rate 0.1",
        "3.6",
        "2.4",
    ),
    Mistake(
        "descent-rate-missing",
        "You subtracted the whole gradient, without multiplying it by the rate",
        "new point = start - rate * gradient",
        "one step of gradient descent on x^2 from 3 with rate 0.1",
        "-3",
        "2.4",
    ),
    Mistake(
        "antiderivative",
        "You integrated instead of differentiating: the derivative of your answer is the "
        "function itself",
        "differentiate, the reverse of integrating",
        "d/dx x^2",
        "x^3/3",
        "2x",
    ),
]

MISTAKES: dict[str, Mistake] = {entry.name: entry for entry in _ENTRIES}
"""The catalogue of mal-rules, by name, in the order the search prefers them."""

_ORDER = {name: index for index, name in enumerate(MISTAKES)}

_POWER_RULES = ("power", "square root", "root")
_TRIG = ("sin", "cos", "tan", "sec", "csc", "cot")


@dataclass(frozen=True)
class Fault:
    """A mal-rule used at one step of the derivation (``index``: preorder position)."""

    index: int
    mistake: str
    variant: int = 0


@dataclass(frozen=True)
class Diagnosis:
    """The wrong derivation that reproduces a learner's answer.

    ``faults`` are the mal-rules and where they were used; ``steps`` the
    steps of the right derivation where they were used, each with the
    wrong result the mal-rule gave there.

    >>> from steepest.symbolic import derive, parse
    >>> diagnose(derive("cos x"), parse("sin x")).names
    ('trig-sign', 'antiderivative')
    """

    faults: tuple[Fault, ...]
    steps: tuple[tuple[Step, sympy.Expr], ...]
    also: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the mistakes, each once, then the others that fit as well."""
        seen: list[str] = []
        for name in [f.mistake for f in self.faults] + list(self.also):
            if name not in seen:
                seen.append(name)
        return tuple(seen)

    def sentences(self) -> list[str]:
        """What went wrong, one sentence pair per mistake (the first of equal ones)."""
        seen: list[str] = []
        for fault in self.faults:
            if fault.mistake not in seen:
                seen.append(fault.mistake)
        return [MISTAKES[name].sentence() for name in seen]


# ---------------------------------------------------------------------------
# Walking the tree


def _preorder(root: Step) -> list[tuple[Step, Step | None]]:
    out: list[tuple[Step, Step | None]] = []

    def walk(step: Step, parent: Step | None) -> None:
        out.append((step, parent))
        for sub in step.substeps:
            walk(sub, step)

    walk(root, None)
    return out


def _held_in(expr: sympy.Expr, held: Sequence[sympy.Symbol]) -> list[sympy.Symbol]:
    return [v for v in held if expr.has(v)]


def applicable(
    step: Step, parent: Step | None, held: Sequence[sympy.Symbol]
) -> list[tuple[str, int]]:
    """The mal-rules (name, variant) that can replace the rule used at ``step``.

    >>> from steepest.symbolic import derive
    >>> applicable(derive("x^3").steps, None, ())
    [('power-rule-exponent-up', 0), ('power-rule-exponent-kept', 0)]
    """
    rule = step.rule
    found: list[tuple[str, int]] = []
    if rule in _POWER_RULES and not step.substeps and isinstance(step.expr, sympy.Pow):
        found += [("power-rule-exponent-up", 0), ("power-rule-exponent-kept", 0)]
    elif rule == "logarithmic differentiation":
        found.append(("power-rule-variable-exponent", 0))
    elif rule == "chain" and step.substeps[1].result != 1:
        found.append(("chain-rule-inner-missing", 0))
    elif rule == "product":
        found.append(("product-rule-as-product", 0))
        found += [("product-rule-term-missing", k) for k in range(len(step.substeps))]
    elif rule == "quotient":
        found += [("quotient-rule-sign", 0), ("quotient-rule-denominator", 0)]
        found += [("quotient-rule-denominator", 1), ("quotient-as-quotient", 0)]
    elif rule == "general exponential" and not step.substeps:
        found += [("exponential-missing-log", 0), ("power-rule-on-exponential", 0)]
    elif rule == "exponential" and not step.substeps:
        found.append(("power-rule-on-exponential", 0))
    elif rule == "trig" and step.function in _TRIG:
        found.append(("trig-sign", 0))
    elif rule == "constant":
        if parent is not None and parent.rule in ("sum", "difference") and step.expr != 0:
            found.append(("constant-term-kept", 0))
        if _held_in(step.expr, held):
            found.append(("partial-other-variable", 0))
    elif rule == "constant multiple" and _held_in(step.bindings[0][1], held):
        found.append(("partial-other-variable", 0))
    return found


def _wrong_leaf(step: Step, fault: Fault, held: Sequence[sympy.Symbol]) -> sympy.Expr:
    """The result of a leaf rule (no substeps) under a mal-rule."""
    expr, v = step.expr, step.wrt
    name = fault.mistake
    if name == "power-rule-exponent-up":
        return expr.exp * v ** (expr.exp + 1)
    if name == "power-rule-exponent-kept":
        return expr.exp * v**expr.exp
    if name == "exponential-missing-log":
        return expr
    if name == "power-rule-on-exponential":
        if isinstance(expr, sympy.exp):
            return v * sympy.exp(v - 1)
        return v * expr.base ** (v - 1)
    if name == "trig-sign":
        return -step.result
    if name == "constant-term-kept":
        return expr
    if name == "partial-other-variable":
        return sympy.Add(*(sympy.diff(expr, s) for s in _held_in(expr, held)))
    raise ValueError(f"no leaf mal-rule {name}")  # pragma: no cover - catalogue and code agree


def rebuild(root: Step, faults: dict[int, Fault], held: Sequence[sympy.Symbol] = ()) -> sympy.Expr:
    """The result of the derivation with the mal-rules in ``faults`` used where they say.

    >>> from steepest.symbolic import derive
    >>> rebuild(derive("x^3").steps, {0: Fault(0, "power-rule-exponent-kept")})
    3*x**3
    """
    counter = itertools.count()

    def go(step: Step) -> sympy.Expr:
        index = next(counter)
        fault = faults.get(index)
        parts = [go(sub) for sub in step.substeps]
        if fault is not None and not step.substeps:
            return _wrong_leaf(step, fault, held)
        return _combine(step, parts, fault, held)

    return go(root)


# long: one branch per rule of the derivation tree, each with its mal-rules beside it
def _combine(
    step: Step, parts: list[sympy.Expr], fault: Fault | None, held: Sequence[sympy.Symbol]
) -> sympy.Expr:
    rule = step.rule
    mistake = fault.mistake if fault else None
    if rule in ("sum", "difference"):
        return sympy.Add(*parts)
    if rule == "constant multiple":
        c = step.bindings[0][1]
        if mistake == "partial-other-variable":
            f = step.substeps[0].expr
            dc = sympy.Add(*(sympy.diff(c, s) for s in _held_in(c, held)))
            return dc * f + c * parts[0]
        return c * parts[0]
    if rule == "product":
        factors = [sub.expr for sub in step.substeps]
        if mistake == "product-rule-as-product":
            return sympy.Mul(*parts)
        terms = [
            sympy.Mul(d, *[f for j, f in enumerate(factors) if j != i]) for i, d in enumerate(parts)
        ]
        if mistake == "product-rule-term-missing" and fault is not None:
            terms.pop(fault.variant)
        return sympy.Add(*terms)
    if rule == "quotient":
        f, g = step.substeps[0].expr, step.substeps[1].expr
        df, dg = parts
        if mistake == "quotient-rule-sign":
            return (f * dg - df * g) / g**2
        if mistake == "quotient-rule-denominator" and fault is not None:
            return (df * g - f * dg) / (g if fault.variant == 0 else 1)
        if mistake == "quotient-as-quotient":
            return df / dg if dg != 0 else sympy.nan
        return (df * g - f * dg) / g**2
    if rule == "chain":
        ((_, inside),) = step.bindings
        u = step.substeps[0].wrt
        outer = parts[0].xreplace({u: inside})
        if mistake == "chain-rule-inner-missing":
            return outer
        return outer * parts[1]
    if rule == "logarithmic differentiation":
        if mistake == "power-rule-variable-exponent":
            base, exponent = dict(step.bindings)["f"], dict(step.bindings)["g"]
            return exponent * base ** (exponent - 1) * sympy.diff(base, step.wrt)
        return step.expr * parts[0]
    if rule == "variable":
        return sympy.Integer(1)
    return step.result


# ---------------------------------------------------------------------------
# The search


def _singles(root: Step, held: Sequence[sympy.Symbol]) -> list[Fault]:
    faults = []
    for index, (step, parent) in enumerate(_preorder(root)):
        faults += [Fault(index, name, variant) for name, variant in applicable(step, parent, held)]
    return sorted(faults, key=lambda f: (_ORDER[f.mistake], f.index, f.variant))


def candidates(root: Step, held: Sequence[sympy.Symbol] = ()) -> Iterator[list[tuple[Fault, ...]]]:
    """The wrong derivations to try, in rounds: one mal-rule at one step, one
    mal-rule at every step it fits, then two together.

    >>> from steepest.symbolic import derive
    >>> [len(r) for r in candidates(derive("x^2 sin x").steps)]
    [6, 0, 11]
    """
    singles = _singles(root, held)
    yield [(f,) for f in singles]
    everywhere: list[tuple[Fault, ...]] = []
    for name in MISTAKES:
        chosen = tuple(f for f in singles if f.mistake == name and f.variant == 0)
        if len(chosen) > 1:
            everywhere.append(chosen)
    yield everywhere
    pairs: list[tuple[Fault, ...]] = []
    for a, b in itertools.combinations(singles, 2):
        if a.index != b.index:
            pairs.append((a, b))
    for a, b in itertools.combinations(everywhere, 2):
        pairs.append(a + b)
    yield pairs[:_MAX_PAIRS]


_MAX_PAIRS = 400


def diagnose(
    derivation: Derivation,
    answer: sympy.Expr,
    *,
    at: dict[sympy.Symbol, sympy.Expr] | None = None,
    timeout: float = 1.5,
) -> Diagnosis | None:
    """The mal-rules that turn the right derivation into ``answer``, or None.

    With ``at`` (a point), ``answer`` is the learner's value of the derivative
    there and the wrong derivations are compared at that point only.  Gives
    up (None) after ``timeout`` seconds.

    >>> from steepest.symbolic import derive, parse
    >>> diagnose(derive("e^(2x)"), parse("e^(2x)")).names
    ('chain-rule-inner-missing',)
    >>> diagnose(derive("x^2"), parse("7")) is None
    True
    """
    try:
        return timed(lambda: _search(derivation, answer, at), timeout, "looking for the mistake")
    except TimeLimitError:
        return None


def _search(
    derivation: Derivation, answer: sympy.Expr, at: dict[sympy.Symbol, sympy.Expr] | None
) -> Diagnosis | None:
    root, held = derivation.steps, derivation.held_constant
    if at and answer.is_zero:
        # 0 at a point is what putting the point in before differentiating gives (the
        # derivative of the constant f(a)); a mal-rule that also gives 0 there is a guess.
        return None
    names = free_variables(derivation.expr, answer, derivation.result)
    if derivation.wrt not in names:
        names.append(derivation.wrt)
    if at:
        points = {name: np.array([float(at[name])]) for name in names}
    else:
        points = sample_points(names)
    mine, right = evaluate([answer, derivation.result], points)
    integrated = False if at else _integrated(derivation, answer, points)
    steps = [step for step, _ in _preorder(root)]
    for round_ in candidates(root, held):
        if not round_:
            continue
        exprs = [rebuild(root, {f.index: f for f in faults}, held) for faults in round_]
        values = evaluate(exprs, points)
        for faults, value, expr in zip(round_, values, exprs, strict=True):
            if _matches(value, mine, right) and (at or _reproduces(expr, answer)):
                node_steps = tuple(
                    (
                        steps[f.index],
                        rebuild(steps[f.index], {0: Fault(0, f.mistake, f.variant)}, held),
                    )
                    for f in faults
                )
                also = ("antiderivative",) if integrated else ()
                return Diagnosis(faults, node_steps, also)
    if integrated:
        return Diagnosis((Fault(0, "antiderivative"),), ((root, answer),))
    return None


def _reproduces(candidate: sympy.Expr, answer: sympy.Expr) -> bool:
    """Whether a wrong derivation gives exactly the answer, not merely to double precision."""
    return compare(candidate, answer, timeout=0.5).equal is True


def _matches(candidate: np.ndarray, answer: np.ndarray, right: np.ndarray) -> bool:
    both = ~np.isnan(candidate) & ~np.isnan(answer)
    if both.sum() < min(4, len(answer)):
        return False
    if not bool(np.all(close(candidate[both], answer[both], 1e-6))):
        return False
    # A mal-rule that changes nothing (x^1, a constant factor of 0) explains nothing.
    usable = both & ~np.isnan(right)
    return not bool(np.all(close(candidate[usable], right[usable], 1e-6)))


def _integrated(
    derivation: Derivation, answer: sympy.Expr, points: dict[sympy.Symbol, np.ndarray]
) -> bool:
    """Whether the derivative of the answer is the function itself (up to a constant)."""
    if not answer.has(derivation.wrt):
        return False
    slope = sympy.diff(answer, derivation.wrt)
    slope_values, function_values = evaluate([slope, derivation.expr], points)
    both = ~np.isnan(slope_values) & ~np.isnan(function_values)
    return bool(both.sum() >= 4 and np.all(close(slope_values[both], function_values[both], 1e-6)))


def wrong_step_text(step: Step, wrong: sympy.Expr, operator: str) -> str:
    """``here d/dx [f] = right, not wrong`` for the step where the answers part.

    >>> from steepest.symbolic import derive, parse
    >>> d = derive("x^3")
    >>> wrong_step_text(d.steps, parse("3x^4"), "d/dx")
    'here d/dx [x^3] = 3*x^2, not 3*x^4'
    """
    return (
        f"here {operator} [{step.expr_text()}] = {text_form(step.result)}, not {text_form(wrong)}"
    )


__all__ = [
    "MISTAKES",
    "Diagnosis",
    "Fault",
    "Mistake",
    "applicable",
    "candidates",
    "diagnose",
    "rebuild",
    "wrong_step_text",
]
