"""The answers the check benchmark times get the verdicts it expects (no timing here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import steepest as st

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import practice_check  # noqa: E402


@pytest.mark.parametrize(("group", "question", "answer", "verdict"), practice_check.CASES)
def test_benchmark_answers_get_their_verdicts(
    group: str, question: str, answer: str, verdict: str
) -> None:
    feedback = st.practice.check(question, answer)
    assert feedback.verdict == verdict
    if group == "mistake":
        assert feedback.mistake is not None
    if group == "no mistake found":
        assert feedback.mistake is None
