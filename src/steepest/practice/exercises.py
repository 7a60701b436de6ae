"""Exercises by topic and level, seeded and reproducible, each with its answer,
worked solution and two hints (the rule to use, then the first step).

Levels grow from one rule on a plain variable (level 1), through constants
and coefficients (2), a rule applied to an inner function (3), two rules
mixed (4), to nested and mixed rules (5).

>>> [e.question for e in exercises("power", level=1, n=3, seed=1)]
['d/dx 3x^2', 'd/dx 2x^5', 'd/dx 2x^3']
>>> exercises("chain", level=2, n=1, seed=0)[0].answer
'12*cos(3*x + 4)'
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass

from steepest.display import box, paragraph
from steepest.errors import SteepestError
from steepest.practice.check import solve
from steepest.practice.questions import read_question
from steepest.symbolic.printing import text_form
from steepest.symbolic.steps import Step, derive

TOPICS = (
    "power",
    "product",
    "quotient",
    "chain",
    "exp-log",
    "trig",
    "inverse-trig",
    "partial",
    "gradient",
    "limit",
    "critical-points",
    "descent-step",
)
"""The topics of :func:`exercises`."""

LEVELS = (1, 2, 3, 4, 5)
"""The levels of :func:`exercises`, from one rule to nested and mixed rules."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the question, its right answer, the worked solution and hints.

    >>> e = exercises("product", level=1, n=1, seed=0)[0]
    >>> e.topic, e.level, len(e.hints)
    ('product', 1, 2)
    """

    topic: str
    level: int
    question: str
    answer: str
    solution: str
    hints: tuple[str, ...]

    def _repr_html_(self) -> str:
        """The question, the hints and the worked solution (folded away) for a notebook.

        >>> "<details" in exercises("power", level=1, n=1, seed=1)[0]._repr_html_()
        True
        """
        hints = "".join(f"<li>{html.escape(h)}</li>" for h in self.hints)
        solution = (
            f"<details><summary>answer and worked solution</summary><p>{html.escape(self.answer)}"
            f"</p><pre>{html.escape(self.solution)}</pre></details>"
        )
        return box(
            f"{self.topic}, level {self.level}",
            paragraph(self.question),
            f"<details><summary>hints</summary><ol>{hints}</ol></details>",
            solution,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "topic": self.topic,
            "level": self.level,
            "question": self.question,
            "answer": self.answer,
            "solution": self.solution,
            "hints": list(self.hints),
        }


Maker = Callable[[random.Random], str]

_F = ["sin x", "cos x", "e^x", "ln x"]
_G = ["sin", "cos", "e^", "ln"]


def _c(rng: random.Random, low: int = 2, high: int = 5) -> int:
    return rng.randint(low, high)


def _signed(value: int) -> str:
    return f"+ {value}" if value >= 0 else f"- {-value}"


def _apply(outer: str, inner: str) -> str:
    return f"e^({inner})" if outer == "e^" else f"{outer}({inner})"


def _poly(rng: random.Random, terms: int) -> str:
    powers = rng.sample(range(1, 6), terms)
    parts = [f"{_c(rng)}x^{p}" if p > 1 else f"{_c(rng)}x" for p in sorted(powers, reverse=True)]
    return " + ".join(parts) + f" {_signed(rng.randint(-9, 9))}"


def _power(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: f"{_c(r)}x^{_c(r)}",
        2: lambda r: _poly(r, 2),
        3: lambda r: f"{_c(r)}x^{_c(r)} + {_c(r)}/x^{_c(r, 2, 3)}",
        4: lambda r: f"{_c(r)} sqrt(x) + {_c(r)}x^{_c(r)} - {_c(r)}/x",
        5: lambda r: f"x^({_c(r, 1, 4)}/{_c(r, 5, 7)}) + {_c(r)}/x^{_c(r)} + {_c(r)} sqrt(x)",
    }
    return makers[level]


def _product(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: f"x^{_c(r)} {r.choice(_F)}",
        2: lambda r: f"{_c(r)}x^{_c(r)} {r.choice(_F)}",
        3: lambda r: "e^x sin x" if r.random() < 0.5 else "sin x ln x",
        4: lambda r: f"x^{_c(r)} {_apply(r.choice(['sin', 'cos', 'e^']), f'{_c(r)}x')}",
        5: lambda r: f"x e^x sin({_c(r)}x)",
    }
    return makers[level]


def _quotient(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: f"({_c(r)}x {_signed(_c(r))})/(x {_signed(-_c(r))})",
        2: lambda r: f"x^{_c(r)}/(x {_signed(_c(r, 1, 4))})",
        3: lambda r: f"{r.choice(['sin(x)', 'e^x', 'ln(x)'])}/x^{_c(r)}",
        4: lambda r: f"{r.choice(['sin(x)', 'e^x', 'cos(x)'])}/(x^2 + {_c(r, 1, 4)})",
        5: lambda r: f"sin({_c(r)}x)/(x^2 + {_c(r, 1, 4)})",
    }
    return makers[level]


def _chain(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: f"(x {_signed(_c(r))})^{_c(r, 3, 6)}",
        2: lambda r: f"{_c(r)} {_apply(r.choice(['sin', 'cos']), f'{_c(r)}x + {_c(r)}')}",
        3: lambda r: _apply(r.choice(_G), f"x^{_c(r)} + {_c(r)}"),
        4: lambda r: r.choice(
            [f"sin(x^{_c(r)})^{_c(r)}", f"e^(sin({_c(r)}x))", f"ln(cos x + {_c(r)})"]
        ),
        5: lambda r: r.choice(
            [f"ln(cos(x^2) + {_c(r)})", f"sin(e^({_c(r)}x))^2", f"sqrt(1 + sin(x^{_c(r)}))"]
        ),
    }
    return makers[level]


def _exp_log(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: r.choice([f"e^({_c(r)}x)", f"ln({_c(r)}x)", f"{_c(r)} e^x"]),
        2: lambda r: r.choice([f"{_c(r)}^x", f"log_{_c(r)}(x)", f"e^(-{_c(r)}x)"]),
        3: lambda r: r.choice([f"x e^({_c(r)}x)", f"ln(x^2 + {_c(r)})", f"{_c(r)}^(x^2)"]),
        4: lambda r: r.choice(["e^x ln x", f"ln(x)/x^{_c(r)}", f"x^{_c(r)} * {_c(r)}^x"]),
        5: lambda r: r.choice(["x^x", "ln(ln x)", f"e^(x ln x) + ln(e^x + {_c(r)})"]),
    }
    return makers[level]


def _trig(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: f"{_c(r)} sin x + {_c(r)} cos x",
        2: lambda r: r.choice(["tan x", f"sin({_c(r)}x)", f"cos({_c(r)}x)"]),
        3: lambda r: r.choice(["sin x cos x", "x sin x", "sec x"]),
        4: lambda r: r.choice([f"tan(x^{_c(r)})", "sin(x)/x", f"cos(x)^{_c(r)}"]),
        5: lambda r: r.choice([f"sin({_c(r)}x)^2", "tan(x) sec(x)", f"cos(sin({_c(r)}x))"]),
    }
    return makers[level]


def _inverse_trig(level: int) -> Maker:
    makers: dict[int, Maker] = {
        1: lambda r: r.choice(["arctan x", "arcsin x", "arccos x"]),
        2: lambda r: r.choice([f"arctan({_c(r)}x)", f"{_c(r)} arcsin x"]),
        3: lambda r: r.choice(["arcsin(x^2)", f"arctan(x^{_c(r)})"]),
        4: lambda r: r.choice(["x arctan x", "arcsin(x)/x"]),
        5: lambda r: r.choice(["arctan(e^x)", "arcsin(sqrt x)", "ln(arctan x)"]),
    }
    return makers[level]


def _two_variable(rng: random.Random, level: int) -> str:
    a, b, c = _c(rng), _c(rng), _c(rng)
    forms = {
        1: [f"{a}x^2 + {b}y^2", f"{a}x + {b}y^{c}"],
        2: [f"{a}x^2 y^{b}", f"x^{a} y + {b}x y^2"],
        3: [f"x e^({a}y)", f"y sin({a}x)", "x^2 ln y"],
        4: ["e^(x y)", "sin(x^2 y)", "ln(x^2 + y^2)"],
        5: ["x^2 e^(x y)", "sin(x y) + x cos y", f"y/(x^2 + {a})"],
    }
    return rng.choice(forms[level])


def _partial(level: int) -> Maker:
    return lambda r: f"{r.choice(['d/dx', 'd/dy'])} {_two_variable(r, level)}"


def _gradient(level: int) -> Maker:
    def make(r: random.Random) -> str:
        expr = _two_variable(r, min(level, 4))
        if level in (2, 4, 5):
            return f"grad {expr} at ({r.randint(-2, 3)}, {r.randint(1, 3)})"
        return f"grad {expr}"

    return make


def _limit(level: int) -> Maker:
    def make(r: random.Random) -> str:
        a = _c(r, 2, 4)
        forms = {
            1: [f"lim x->{a} x^2 + {_c(r)}x", f"lim x->{a} (x + {_c(r)})/(x + 1)"],
            2: [f"lim x->{a} (x^2 - {a * a})/(x - {a})", f"lim x->{a} (x^2 - {a}x)/(x - {a})"],
            3: [f"lim x->0 sin({a}x)/x", f"lim x->0 (e^({a}x) - 1)/x"],
            4: [
                f"lim x->oo ({a}x^2 + 1)/(x^2 + {_c(r)})",
                f"lim x->oo ({a}x + 1)/(x^2 + 1)",
                f"lim x->oo ({a}x^3 - x)/(x^2 + 1)",
            ],
            5: ["lim x->0+ 1/x", "lim x->0 |x|/x", "lim x->0 (1 - cos x)/x^2"],
        }
        return r.choice(forms[level])

    return make


def _critical(level: int) -> Maker:
    def make(r: random.Random) -> str:
        a, b = _c(r, 1, 4), _c(r, 1, 4)
        forms = {
            1: [f"x^2 - {2 * a}x + {b}", f"{b} + {2 * a}x - x^2"],
            2: [f"x^3 - {3 * a * a}x", f"x^3 - 3x^2 + {b}"],
            3: [f"x^2 + y^2 - {2 * a}x + {2 * b}y", f"x^2 - y^2 + {2 * a}x"],
            4: [f"x^2 + x y + y^2 - {3 * a}x", "x^3 - 3x + y^2"],
            5: ["x^4 - 2x^2", "x^3 - 3x y + y^3", f"x^3 + y^3 - {3 * a}x - {3 * b}y"],
        }
        return f"critical points of {r.choice(forms[level])}"

    return make


def _descent(level: int) -> Maker:
    def make(r: random.Random) -> str:
        rate = r.choice(["0.1", "0.5", "0.05", "0.25"])
        a, x0 = _c(r, 2, 4), r.choice([-3, -2, -1, 1, 2, 3, 4])
        forms = {
            1: ("x^2", f"{x0}"),
            2: (f"{a}x^2 - {_c(r)}x", f"{x0}"),
            3: (r.choice(["x^3", f"x^4 - {a}x", "e^x", f"sin({a}x)"]), f"{x0}"),
            4: (f"x^2 + {a}y^2", f"({x0}, {r.randint(-2, 3)})"),
            5: (f"x^2 y + {a}y^2", f"({x0}, {r.randint(-2, 3)})"),
        }
        expr, start = forms[level]
        return f"one step of gradient descent on {expr} from {start} with rate {rate}"

    return make


_MAKERS: dict[str, Callable[[int], Maker]] = {
    "power": _power,
    "product": _product,
    "quotient": _quotient,
    "chain": _chain,
    "exp-log": _exp_log,
    "trig": _trig,
    "inverse-trig": _inverse_trig,
    "partial": _partial,
    "gradient": _gradient,
    "limit": _limit,
    "critical-points": _critical,
    "descent-step": _descent,
}


def _first_step(root: Step) -> str:
    """The first step of a derivation in words: the parts the rule names, what to do next."""
    held = [s.name for s in root.held_constant]
    constant = f" ({', '.join(held)} held constant)" if held else ""
    parts = ", ".join(f"{name} = {text_form(value)}" for name, value in root.bindings)
    inner = [s.expr_text() for s in root.substeps]
    if root.rule in ("sum", "difference"):
        return f"First step: differentiate each term on its own: {', '.join(inner)}{constant}."
    if root.rule == "chain":
        outer, inside = inner
        return (
            f"First step: {parts}; differentiate the outer function {outer} and the inside "
            f"{inside}, then multiply{constant}."
        )
    if root.substeps:
        return f"First step: {parts}{constant}; then differentiate {' and '.join(inner)}."
    return f"First step: {root.explanation() or root.title}{constant}."


# long: one pair of hints per kind of question
def hints(question: str) -> tuple[str, str]:
    """Two hints for a question: the rule to use, then the first step.

    >>> hints("d/dx x^2 sin x")
    ("Use the product rule: (f*g)' = f'*g + f*g'.", \
'First step: f = x^2, g = sin(x); then differentiate x^2 and sin(x).')
    """
    parsed = read_question(question)
    if parsed.kind == "derivative":
        root = derive(parsed.expr, parsed.variable).steps
        first = f"Use the {root.title}" + (f": {root.formula}" if root.formula else "")
        if root.rule == "constant multiple":
            inner = root.substeps[0]
            first += f", then the {inner.title}" + (f": {inner.formula}" if inner.formula else "")
        return first + ".", _first_step(root)
    if parsed.kind == "gradient":
        names = ", ".join(v.name for v in parsed.variables)
        first = parsed.variables[0]
        return (
            f"The gradient lists the partial derivatives by {names}; for each, hold the "
            "other variables constant.",
            f"First step: ∂f/∂{first.name} = {text_form(derive(parsed.expr, first).result)}.",
        )
    if parsed.kind == "limit":
        return (
            "Put the value in; if that gives 0/0 or inf/inf, simplify first (factor and cancel, "
            "divide by the highest power, or use a known limit such as sin(u)/u -> 1).",
            "First step: look at what the numerator and the denominator each approach.",
        )
    slopes = ", ".join(
        f"∂f/∂{v.name} = {text_form(derive(parsed.expr, v).result)}" for v in parsed.variables
    )
    if len(parsed.variables) == 1:
        slopes = f"f'({parsed.variables[0].name}) = " + slopes.split(" = ", 1)[1]
    if parsed.kind == "descent":
        return (
            "One step of gradient descent: new point = start - rate * gradient at the start.",
            f"First step: {slopes}; evaluate it at the start.",
        )
    return (
        "Critical points are where the gradient is 0; the second derivative (or the Hessian) "
        "says minimum, maximum or saddle.",
        f"First step: set {slopes} to 0 and solve.",
    )


def exercises(topic: str, level: int = 1, n: int = 10, seed: int = 0) -> list[Exercise]:
    """``n`` exercises on ``topic`` at ``level`` (1 to 5), the same for the same ``seed``.

    >>> [e.topic for e in exercises("limit", level=2, n=2)]
    ['limit', 'limit']
    >>> exercises("calculus")
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: unknown topic 'calculus'; the topics are power, product, \
quotient, chain, exp-log, trig, inverse-trig, partial, gradient, limit, critical-points, \
descent-step
    """
    if topic not in _MAKERS:
        raise SteepestError(f"unknown topic {topic!r}; the topics are {', '.join(TOPICS)}")
    if isinstance(level, bool) or level not in LEVELS:
        raise SteepestError(f"level must be one of 1, 2, 3, 4, 5, not {level!r}")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100:
        raise SteepestError(f"n must be a whole number from 1 to 100, not {n!r}")
    rng = random.Random(f"{topic}:{level}:{seed}")
    make = _MAKERS[topic](level)
    derivative_topic = topic not in ("partial", "gradient", "limit", "critical-points",
                                     "descent-step")  # fmt: skip
    out: list[Exercise] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n and attempts < 20 * n:
        attempts += 1
        text = make(rng)
        question = f"d/dx {text}" if derivative_topic else text
        if question in seen and attempts < 10 * n:
            continue
        seen.add(question)
        solved = solve(question)
        out.append(
            Exercise(topic, level, question, solved.expected, solved.solution, hints(question))
        )
    return out


__all__ = ["LEVELS", "TOPICS", "Exercise", "exercises", "hints"]
