"""Practice with feedback: exercises, answer checking, and the diagnosis of a mistake.

* :func:`check` judges a learner's answer to a question written in learner
  notation (``"d/dx x^2 sin x"``, ``"lim x->0+ 1/x"``...) and returns a
  :class:`Feedback`: the verdict, a teacher's sentence, the mal-rule of
  :data:`MISTAKES` that reproduces a wrong derivative, a point where the
  answers differ, and the worked solution.
* :func:`exercises` draws seeded, reproducible exercises by topic and level,
  each with its answer, worked solution and hints.

>>> import steepest as st
>>> fb = st.practice.check("d/dx sin(x^2)", "cos(x^2)")
>>> fb.verdict, fb.mistake
('incorrect', 'chain-rule-inner-missing')
>>> [e.question for e in st.practice.exercises("power", level=1, n=2, seed=1)]
['d/dx 3x^2', 'd/dx 2x^5']
"""

from __future__ import annotations

from steepest.practice.check import VERDICTS, Feedback, check, solve
from steepest.practice.exercises import LEVELS, TOPICS, Exercise, exercises
from steepest.practice.mistakes import MISTAKES, Mistake

__all__ = [
    "LEVELS",
    "MISTAKES",
    "TOPICS",
    "VERDICTS",
    "Exercise",
    "Feedback",
    "Mistake",
    "check",
    "exercises",
    "solve",
]
