"""Divergence: detecting it, and advice from what the run measured.

:class:`Monitor` watches the loss of a full-batch run for divergence,
oscillation and stalls and estimates the curvature ``L`` behind the advice:
gradient descent on a quadratic is stable exactly when ``lr < 2 / L``
(momentum and Nesterov have their own limits).  Stochastic runs, whose
batch losses are noisy, are judged by blow-ups and by the loss over whole
epochs instead (:func:`stochastic_advice`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.optim.lengths import vector_length
from steepest.optim.rules import GD, Momentum, Nesterov, Optimizer

EPS = float(np.finfo(float).eps)

# Divergence: the loss rose on this many consecutive steps and now exceeds the best loss by
# GROWTH_FACTOR times the loss scale of the run ...
GROWTH_PATIENCE = 10
GROWTH_FACTOR = 10.0
# ... or, rising or not, exceeds it by this many times the scale.
BLOWUP_FACTOR = 1e6
# Oscillation: this many steps without a new best loss, most of them reversing direction.
OSCILLATION_WINDOW = 50
# Stall: this many steps without any new best loss.
STALL_WINDOW = 1000
# Power iterations that sharpen the curvature estimate behind divergence advice.
POWER_ITERATIONS = 40
# A back-and-forth straddles a kink when the slope along it changes this many times faster
# between its two ends than at either end (measured a thousandth of its length outside).
KINK_RATIO = 10.0
KINK_PROBE = 1e-3
# ... and at these fractions of the way between the ends (uneven, so that a swing from
# -a to a does not sample the kink itself) each component of the gradient is within this
# fraction of its jump of its value at one end or the other.
KINK_SAMPLES = (0.13, 0.37, 0.61, 0.87)
KINK_SPREAD = 0.1


# What the monitor does on a step, written once as statements over its attributes
# (``self.<name>``) and the step's numbers: :meth:`Monitor.improved_numbers` and
# :meth:`Monitor.observe_numbers` run them, and the descent loop over floats
# (:mod:`steepest.optim.float_descent`) writes them inline over local copies of the
# attributes, so both take the same decisions on the same numbers.  ``GRADIENT_CHANGE``,
# ``GRADIENT_LENGTH`` and ``POINT_LENGTH`` stand for the lengths of the change of the
# gradient, of the new gradient and of the new point (computed only where read);
# ``verdict`` (None before) is what the monitor concludes.
IMPROVED = (  # a new best loss f_new at step k, of length step_len
    "self.k = self.best_at = k",
    "self.last = self.best = f_new",
    "self.since_best = self.reversals = self.rises = 0",
    "self.window_loss = f_new",
    "self.previous_len = step_len",
)
OBSERVED = (  # a step from loss f to f_new that may be no new best; turn and lr as given
    # (Written for few operations on the common step, one that neither rises nor ends a
    # window: each test is made once, and the rare cases sit behind a cheap test.)
    "self.k = k",
    "self.last = f_new",
    "if f_new < self.best:",
    "    self.best, self.best_at, self.since_best, self.reversals = f_new, k, 0, 0",
    "    self.window_loss = f_new",
    "else:",
    "    self.since_best += 1",
    # A rise gives a secant of the curvature; so does a step that left the loss where it
    # was, while no secant is known yet.
    "if f_new > f:",
    "    if self.rises == 0:",
    "        self.rise_start, self.rise_start_at = f, k - 1",
    "    self.rises += 1",
    "    if step_len > 0:",
    "        w_secant = GRADIENT_CHANGE / step_len",
    "        if isfinite(w_secant) and (self.lipschitz is None or w_secant > self.lipschitz):",
    "            self.lipschitz = w_secant",
    "else:",
    "    self.rises = 0",
    "    if self.lipschitz is None and f_new == f and step_len > 0:",
    "        w_secant = GRADIENT_CHANGE / step_len",
    "        if isfinite(w_secant):",
    "            self.lipschitz = w_secant",
    "w_rise = f_new - self.best",
    # The scale is at least |f0|, so a rise of at most GROWTH_FACTOR |f0| (the common
    # case, tested without a call where |f0| is computed once) can meet neither limit below.
    # (A rule whose steps are about its rate long cannot run away: its rises are
    # overshoots, told by the oscillation and stall rules below.)
    "if w_rise > GROWTH_FACTOR * abs(self.f0) and not self.bounded:",
    "    w_scale = max(abs(self.f0), abs(self.best), abs(self.f0 - self.best), self.floor)",
    "    if w_rise > BLOWUP_FACTOR * w_scale or (",
    "        self.rises >= GROWTH_PATIENCE and w_rise > GROWTH_FACTOR * w_scale",
    "    ):",
    "        verdict = 'diverged'",
    "if verdict is None:",
    "    if self.since_best:",
    # The bound is never above 0 (lengths are at least 0, or nan): a step that does not
    # turn back (the usual one) is told by its sign, before the bound is computed.
    "        if turn is not None and turn < 0.0 and turn < -0.5 * step_len * self.previous_len:",
    "            self.reversals += 1",
    # The first step without a new best, or the end of a window: both rare, behind one test.
    "        if self.since_best % OSCILLATION_WINDOW < 2:",
    "            if self.since_best == 1:",
    "                self.window_step, self.window_lr = step_len, lr",
    # A run whose steps are rounding-error sized, or whose steps change the loss by less
    # than its rounding error, has settled; it is not stalled or oscillating.  Under a
    # decaying schedule an oscillation may still die out: it is given time.
    "            if self.since_best % OSCILLATION_WINDOW == 0:",
    "                w_change = step_len * GRADIENT_LENGTH",
    "                self.settled = step_len <= 1e-9 * (1.0 + POINT_LENGTH) or (",
    "                    w_change <= 1e3 * EPS * abs(f_new))",
    # How far the loss fell over the window (from its best, for the first): a run that
    # stalls while it still falls is told so.
    "                self.fell = self.window_loss - f_new",
    "                self.window_loss = f_new",
    "                if not self.settled:",
    "                    if self.rises >= self.since_best:",
    "                        verdict = 'diverged'",
    "                    elif (self.reversals >= 0.8 * self.since_best",
    "                          and step_len >= 0.5 * self.window_step and lr >= self.window_lr):",
    "                        verdict = 'oscillating'",
    "                    elif self.since_best >= STALL_WINDOW:",
    "                        verdict = 'stalled'",
    "    self.previous_len = step_len",
)
WATCH_NAMESPACE = {"isfinite": math.isfinite, "BLOWUP_FACTOR": BLOWUP_FACTOR,
                   "GROWTH_PATIENCE": GROWTH_PATIENCE, "GROWTH_FACTOR": GROWTH_FACTOR,
                   "OSCILLATION_WINDOW": OSCILLATION_WINDOW, "STALL_WINDOW": STALL_WINDOW,
                   "EPS": EPS}


def watch_attributes(statements: tuple[str, ...]) -> list[str]:
    """The monitor's attributes the statements read or write, in order of first use.

    >>> watch_attributes(IMPROVED)  # doctest: +NORMALIZE_WHITESPACE
    ['k', 'best_at', 'last', 'best', 'since_best', 'reversals', 'rises', 'window_loss',
     'previous_len']
    """
    names: list[str] = []
    for line in statements:
        for name in re.findall(r"\bself\.([A-Za-z_]\w*)", line):
            if name not in names:
                names.append(name)
    return names


def _watch_function(name: str, parameters: str, statements: tuple[str, ...]) -> Any:
    """The statements as a function of the monitor and the step's numbers, returning the
    verdict; the lengths are asked of ``measure(vectors)`` where they are read."""
    lengths = {"GRADIENT_CHANGE": 0, "GRADIENT_LENGTH": 1, "POINT_LENGTH": 2}
    body = "\n".join("    " + line for line in statements)
    for length, index in lengths.items():
        body = re.sub(rf"\b{length}\b", f"measure(vectors)[{index}]", body)
    source = f"def {name}(self, {parameters}):\n    verdict = None\n{body}\n    return verdict\n"
    namespace = dict(WATCH_NAMESPACE)
    # Generated from the statements of this module, never from user text.
    exec(compile(source, "<steepest monitor>", "exec"), namespace)
    return namespace[name]


_improved = _watch_function("_improved", "k, f_new, step_len", IMPROVED)
_observed = _watch_function("_observed", "k, f, f_new, step_len, lr, turn, measure, vectors",
                            OBSERVED)


class Monitor:
    """Watches the loss for divergence, oscillation and stalls; estimates the curvature.

    The curvature estimate is the largest secant ``|g_k - g_(k-1)| / |x_k - x_(k-1)|``
    seen on steps where the loss did not go down (for a quadratic, a lower
    bound on the largest Hessian eigenvalue L), sharpened when a run fails by
    power iteration on Hessian-vector products taken from gradient
    differences.  Gradient descent is stable on a quadratic exactly when
    ``lr < 2 / L``.
    """

    def __init__(self, f0: float, z0: np.ndarray | None = None, *,
                 bounded: bool = False) -> None:
        self.f0 = f0
        # The last point where the run was still stable (its best so far): curvature for
        # advice is measured there, not where the run blew up.
        self.stable_z = z0
        self.runaway_below = -1e10 * max(abs(f0), 1.0)
        # The change the first step predicted, |g . step|: a loss that starts at 0 (or at
        # the minimum) has no size of its own to measure a rise against.
        self.floor = 1e-300
        self.best = f0
        self.best_at = 0
        self.rises = 0
        self.rise_start = f0
        self.rise_start_at = 0
        self.since_best = 0
        # The loss at the last check (or the last best), and how far it fell over the
        # window before it.
        self.window_loss = f0
        self.fell = math.nan
        self.reversals = 0
        self.previous_step: np.ndarray | None = None
        self.previous_len = math.nan
        self.turn: float | None = None
        self.lipschitz: float | None = None
        self.window_step = math.nan
        self.window_lr = math.nan
        self.settled = False
        self.k = 0
        self.last = f0
        # Whether the update rule's steps are about its rate whatever the gradient
        # (Optimizer.bounded_steps): its rises are then overshoots, not a divergence.
        self.bounded = bounded

    def scale(self) -> float:
        return max(abs(self.f0), abs(self.best), abs(self.f0 - self.best), self.floor)

    def improved(self, k: int, f_new: float, step: np.ndarray, step_len: float,
                 z: np.ndarray | None = None) -> None:
        """A step reached a new best loss (so the loss also went down), at ``z``."""
        if z is not None:
            self.stable_z = z
        self.previous_step = step
        self.improved_numbers(k, f_new, step_len)

    def improved_numbers(self, k: int, f_new: float, step_len: float) -> None:
        """What :meth:`improved` records apart from the step and the point themselves."""
        _improved(self, k, f_new, step_len)

    def repeated(self, k: int, f: float, step: np.ndarray, step_len: float, count: int,
                 lr: float) -> None:
        """``count`` steps that each left the parameters exactly where they were.

        What :meth:`observe` records for such steps, all at once: the same
        step from the same point gives the same loss and gradient, so the
        loss neither rose nor fell, the gradient did not change (a secant of
        0), the step did not reverse, and the run is settled (its step is
        below the rounding of the parameters) at every check.
        """
        before = self.since_best
        self.k, self.last = k, f
        self.since_best += count
        checks = self.since_best // OSCILLATION_WINDOW - before // OSCILLATION_WINDOW
        if checks:  # the loss was f at each of them
            self.fell = self.window_loss - f if checks == 1 else 0.0
            self.window_loss = f
        self.rises = 0
        if self.lipschitz is None and step_len > 0:
            self.lipschitz = 0.0
        if before == 0:
            self.window_step, self.window_lr = step_len, lr
        if before // OSCILLATION_WINDOW < self.since_best // OSCILLATION_WINDOW:
            self.settled = True
        self.previous_step, self.previous_len = step, step_len

    def note_step(self, step: np.ndarray) -> None:
        """Before the point ``step`` leads to is evaluated: how ``step`` turns from the last
        step (their dot product), after which the last step is let go, so that a large
        vector need not stay alive while the new gradient is computed."""
        previous = self.previous_step
        self.turn = None if previous is None else _dot(previous, step)
        self.previous_step = None

    def observe(self, k, f, f_new, g, g_new, step, step_len, z_new, lr) -> str | None:
        """Watch a step that reached no new best loss; a verdict when the run must end.

        :meth:`note_step` has seen ``step`` before its point was evaluated.
        """
        self.previous_step = step
        return self.observe_numbers(k, f, f_new, step_len, lr, self.turn, _lengths,
                                    (g_new, g, z_new))

    def observe_numbers(self, k: int, f: float, f_new: float, step_len: float, lr: float,
                        turn: float | None, measure: Callable[[Any], tuple[float, float, float]],
                        vectors: Any) -> str | None:
        """:meth:`observe` on numbers: ``turn`` is the dot product of the last step with
        this one (None when there was none); ``measure(vectors)`` gives the length of
        the change of the gradient and those of the new gradient and point, and is
        called only on the steps that need them.  The descent loop over floats runs
        the same statements (:data:`OBSERVED`) inline, on its own numbers."""
        return _observed(self, k, f, f_new, step_len, lr, turn, measure, vectors)

    def refine_curvature(
        self, vg: Callable[[np.ndarray], tuple[float, np.ndarray]], z: np.ndarray,
        step: np.ndarray, *, stable: bool = False,
    ) -> None:
        """Sharpen the curvature estimate by power iteration before giving advice.

        Hessian-vector products come from differences of the gradient,
        ``H v ~ (g(z + h v) - g(z)) / h``, starting from the last step (the
        direction the run was blowing up in).  This costs a few dozen
        gradient evaluations, once, when the run has already failed.  With
        ``stable``, ``z`` is ignored and the curvature is measured at the
        last point where the run was still stable; that estimate replaces
        the secants taken on the way to the blow-up, where the curvature of
        a function steeper than a quadratic is far larger than where the run
        started.
        """
        if stable and self.stable_z is not None:
            z = self.stable_z
        size = vector_length(step)
        if not (size > 0 and math.isfinite(size) and np.all(np.isfinite(z))):
            return
        v = step / size
        h = 1e-6 * (1.0 + vector_length(z))
        _, g0 = vg(z)
        estimate = None
        for _ in range(POWER_ITERATIONS):
            _, g1 = vg(z + h * v)
            product = (g1 - g0) / h
            length = vector_length(product)
            if not (length > 0 and math.isfinite(length)):
                break
            estimate, v = length, product / length
        if estimate is not None and (
            stable or self.lipschitz is None or estimate > self.lipschitz
        ):
            self.lipschitz = estimate

    def runaway(self, f: float, z: np.ndarray, sign: float) -> str | None:
        """A message when the loss fell by many orders of magnitude below zero: no minimum."""
        if f < self.runaway_below:
            size = vector_length(z)
            moved, bound = ("fell", "below") if sign > 0 else ("rose", "above")
            return (
                f"the value {moved} from {sign * self.f0:.4g} to {sign * f:.3g} (parameters of "
                f"size {size:.3g}): the function seems to have no "
                f"{'minimum' if sign > 0 else 'maximum'} in the direction the steps took "
                f"(unbounded {bound}); start elsewhere or restrict the domain"
            )
        return None

    def still_decreasing(self) -> bool:
        return self.since_best == 0 and self.k > 0

    # -- messages ---------------------------------------------------------------------------

    def message(self, verdict: str, sign: float, rule: Optimizer, lr: float,
                kink: Kink | None = None) -> str:
        if verdict == "diverged":
            start, at = (self.rise_start, self.rise_start_at) if self.rises else (self.best, 0)
            steps = max(1, self.k - at)
            what = (
                f"the loss grew from {sign * start:.3g} to {sign * self.last:.3g} "
                f"({factor(self.last, start)}) in {steps} steps"
            )
            return f"{what}: {self.advice(rule, lr)}"
        if verdict == "oscillating":
            what = (
                f"oscillating without progress: the last {self.since_best} steps went back "
                f"and forth without lowering the loss below {sign * self.best:.4g} "
                f"(reached at step {self.best_at})"
            )
            return f"{what}: {kink.words(lr, self.best_at) if kink else self.advice(rule, lr)}"
        stalled = (f"no lower loss in the last {self.since_best} steps (best "
                   f"{sign * self.best:.6g} at step {self.best_at})")
        if self.fell > 0.0:
            moving, side = ("falling", "above") if sign > 0 else ("rising", "below")
            return (f"{stalled}; the loss is still {moving} (by {self.fell:.3g} in the last "
                    f"{OSCILLATION_WINDOW} steps) but remains {self.last - self.best:.3g} "
                    f"{side} that best: the steps make slow progress")
        return f"{stalled}; the steps are not making progress"

    def nonfinite_message(self, k, f_new, gnorm, step_len, sign, rule, lr, z=None) -> str:
        if not math.isfinite(step_len):
            what = f"the parameters became {word(step_len)} at step {k}"
        elif not math.isfinite(f_new):
            if f_new == -math.inf and self.best < self.f0:
                extreme = "minimum" if sign > 0 else "maximum"
                return (
                    f"the value went to {sign * f_new:g} at step {k}: the function has no "
                    f"{extreme} in the direction the steps took (unbounded)"
                )
            if math.isnan(f_new) and self.rises == 0 and z is not None:
                return outside_domain(k, z, "smallest" if sign > 0 else "largest")
            what = f"the loss became {word(sign * f_new)} at step {k}"
        else:
            what = f"the gradient became {word(gnorm)} at step {k}"
        if self.best < self.f0 and self.rises == 0:
            return what
        grown = ""
        if self.rises:
            grown = f" after growing {factor(self.last, self.rise_start)} in {self.rises} steps"
        return f"{what}{grown}: {self.advice(rule, lr)}"

    def advice(self, rule: Optimizer, lr: float) -> str:
        rate = f"learning rate {lr:g}"
        rule = rule.rule
        lipschitz = self.lipschitz
        if lipschitz is None or not lipschitz > 0:
            return f"{rate} is too large here; try a smaller one, such as {round_rate(lr / 10)}"
        if type(rule) is GD:
            threshold, name, suggestion = 2.0 / lipschitz, "2/L", 1.0 / lipschitz
        elif type(rule) is Momentum:
            beta = rule.beta  # type: ignore[attr-defined]
            threshold = 2.0 * (1.0 + beta) / lipschitz
            name, suggestion = f"2(1 + beta)/L (beta = {beta:g})", (1.0 + beta) / lipschitz
        elif type(rule) is Nesterov:
            # Looking ahead costs stability: on a quadratic the limit is 2(1+b)/((1+2b) L).
            beta = rule.beta  # type: ignore[attr-defined]
            threshold = 2.0 * (1.0 + beta) / ((1.0 + 2.0 * beta) * lipschitz)
            name = f"2(1 + beta)/((1 + 2 beta) L) (beta = {beta:g})"
            suggestion = threshold / 2.0
        else:
            return (
                f"{rate} is too large for curvature L = {lipschitz:.3g} estimated from the "
                f"gradient; try a smaller one, such as {round_rate(lr / 10)}, or a decaying "
                "schedule from steepest.optim.schedules"
            )
        relation = "is above" if lr > threshold else "is close to"
        if lr <= 0.9 * threshold:
            relation = "is below the quadratic limit"
        suggestion = min(suggestion, lr / 2)
        return (
            f"{rate} {relation} {name} = {threshold:#.3g} estimated from the gradient; "
            f"try {round_rate(suggestion)}"
        )


class Kink:
    """Where the slope of f jumps between the two ends of a back-and-forth step."""

    def __init__(self, point: np.ndarray, slopes: tuple[float, float],
                 variables: tuple[str, ...] | None) -> None:
        self.point, self.slopes, self.variables = point, slopes, variables

    def words(self, lr: float, arrived: int) -> str:
        """Why constant steps circle the kink, and what gets closer.

        The decaying rate suggested keeps about ``lr`` for as many steps as the run
        took to reach the kink (``arrived``, at least 10), then falls like 1/k: the
        swing narrows while the rates still add up to any distance.

        >>> print(Kink(np.array([0.0]), (1.0, 1.0), ("x",)).words(0.3, 3)[85:140])
        near x = 0, which the steps circle: its gradient keeps
        """
        before, after = self.slopes
        decay = round_rate(1.0 / max(arrived, 10))
        return (
            f"f has a kink (a corner, or a bend far sharper than f is curved where the steps "
            f"land) {self.where()}, which the steps circle: its gradient keeps its size there "
            f"({before:.3g} on one side, {after:.3g} on the other), so steps at a constant "
            f"rate go back and forth across it, and a smaller rate only narrows the swing; "
            f"a decaying rate, such as inverse_time({lr:g}, decay={decay}) from "
            f"steepest.optim.schedules (--schedule inverse_time:{decay}), gets closer"
        )


    def crossed(self, step_len: float) -> str:
        """A run that ended on a short step across the kink: where it is, and why no larger
        rate and no ``gtol`` can take the run further."""
        before, after = self.slopes
        return (
            f"the last step crossed a kink of f (a corner) {self.where()}, where the gradient "
            f"keeps its size on both sides ({before:.3g} and {after:.3g}) and never vanishes, "
            f"so gtol cannot stop the run there and a larger rate only widens the swing; the "
            f"point is within {step_len:.2g} of the kink"
        )

    def where(self) -> str:
        return f"near {point_words(self.point, self.variables)}"


def find_kink(vg: Callable[[np.ndarray], tuple[float, np.ndarray]], a: np.ndarray,
              b: np.ndarray, variables: tuple[str, ...] | None = None,
              ) -> tuple[Kink | None, int]:
    """The kink that a step from ``a`` to ``b`` crossed (None: none), and the evaluations.

    f falls from both ends into the segment between them, and its slope along
    the segment changes between the ends far faster (``KINK_RATIO`` times)
    than just outside either end: the gradient jumps somewhere in between,
    as it does at the corner of ``|x|``, instead of turning smoothly as on a
    quadratic (where every rate below ``2/L`` converges).  At four points
    in between, each component of the gradient is still near its value at
    one end or the other (a jump, not a gradual turn).  The kink is put
    where the tangent lines of f at the two ends meet.

    >>> kink, evaluations = find_kink(lambda z: (abs(z[0]), np.sign(z)),
    ...                               np.array([0.1]), np.array([-0.2]))
    >>> kink.point.round(12).tolist(), kink.slopes, evaluations
    ([0.0], (1.0, 1.0), 8)
    >>> find_kink(lambda z: (z @ z, 2 * z), np.array([1.0]), np.array([-1.0]))[0] is None
    True
    """
    d = b - a
    length = vector_length(d)
    if not (length > 0 and math.isfinite(length)):
        return None, 0
    u = d / length
    h = KINK_PROBE * length
    try:
        (fa, ga), (fb, gb) = vg(a), vg(b)
        outside_a, outside_b = vg(a - h * u)[1], vg(b + h * u)[1]
    except Exception:  # a point where f cannot be evaluated tells nothing
        return None, 4
    slope_a, slope_b = float(ga @ u), float(gb @ u)
    if not slope_a < 0.0 < slope_b:
        return None, 4  # not a back-and-forth across a lower point
    across = (slope_b - slope_a) / length
    at_ends = max(abs(slope_a - float(outside_a @ u)), abs(float(outside_b @ u) - slope_b)) / h
    if not (math.isfinite(across) and math.isfinite(at_ends)) or at_ends * KINK_RATIO >= across:
        return None, 4
    # The tangent lines fa + slope_a s and fb + slope_b (s - length) meet at s.
    s = (float(fb) - float(fa) - slope_b * length) / (slope_a - slope_b)
    s = min(max(s, 0.0), length)
    # Across kinks each component of the gradient jumps between its values at the two ends
    # (|x| + |y|: one jump for x, another for y), and so stays near one of them all along
    # the segment; across a smooth bend that is merely flat at the ends (-cos x swinging
    # across nearly half its period) it passes gradually through the values in between.
    jumps = np.abs(gb - ga)
    count = 4 + len(KINK_SAMPLES)
    try:
        inside = [vg(a + t * d)[1] for t in KINK_SAMPLES]
    except Exception:
        return None, count
    tested = jumps > 0.1 * float(np.max(jumps))
    for g in inside:
        off = np.minimum(np.abs(g - ga), np.abs(g - gb))
        if not np.all(off[tested] <= KINK_SPREAD * jumps[tested]):
            return None, count
    point = a + s * u
    # Where within the swing the kink lies is known to about a thousandth of the swing.
    point[np.abs(point) < KINK_PROBE * length] = 0.0
    return Kink(point, (vector_length(ga), vector_length(gb)), variables), count


def point_words(z: np.ndarray, variables: tuple[str, ...] | None = None) -> str:
    """A point in words: ``x = 0.1``, ``(0.1, -0.2)``, or its number of parameters.

    >>> point_words(np.array([0.1, -0.2]), ("x", "y")), point_words(np.array([3.0]))
    ('(x, y) = (0.1, -0.2)', '3')
    """
    flat = np.ravel(z)
    if flat.size == 1:
        value = f"{flat[0] + 0.0:.4g}"
        return f"{variables[0]} = {value}" if variables else value
    if flat.size <= 6:
        values = "(" + ", ".join(f"{v + 0.0:.4g}" for v in flat) + ")"
        return f"({', '.join(variables)}) = {values}" if variables else values
    return f"a point of {flat.size} parameters"


def factor(now: float, then: float) -> str:
    if then > 0 and now > 0:
        ratio = now / then
        return (
            f"{ratio:.2g}x"
            if ratio < 1e3
            else f"{ratio:.0e}x".replace("e+0", "e").replace("e+", "e")
        )
    return f"by {now - then:.3g}"


def round_rate(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def outside_domain(k: int, z: np.ndarray, extreme: str) -> str:
    """Why a run whose loss was falling met nan at finite parameters: it left f's domain.

    >>> outside_domain(15, np.array([-0.0123]), "smallest")[:60]
    'the loss became nan at step 15, at -0.0123: f is not defined'
    """
    return (
        f"the loss became nan at step {k}, at {point_words(z)}: f is not defined there (a square "
        f"root or logarithm of a negative number, 0/0...), so the steps left its domain; "
        f"if f's {extreme} value lies on the edge of the domain, the steps cross it: start "
        f"elsewhere, take smaller steps, or keep the parameters inside (a change of "
        f"variables such as x = e^u)"
    )


def word(value: float) -> str:
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def stochastic_advice(lr: float) -> str:
    if not math.isfinite(lr):
        return "the function is not finite at the start of a batch"
    return f"learning rate {lr:g} is too large for these batches; try {round_rate(lr / 10)}"



def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a . b``, summed left to right for a few numbers (as the loop over floats sums)."""
    if a.size > 16:
        return float(a @ b)
    total = 0.0
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        total += x * y
    return total


def _length(v: np.ndarray) -> float:
    return math.sqrt(_dot(v, v))


def _lengths(vectors: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float, float]:
    """``|g_new - g|``, ``|g_new|`` and ``|z_new|`` of ``(g_new, g, z_new)``."""
    g_new, g, z_new = vectors
    return _length(g_new - g), _length(g_new), _length(z_new)


__all__ = [
    "BLOWUP_FACTOR",
    "GROWTH_FACTOR",
    "OSCILLATION_WINDOW",
    "Kink",
    "Monitor",
    "factor",
    "find_kink",
    "point_words",
    "round_rate",
    "stochastic_advice",
    "word",
]
