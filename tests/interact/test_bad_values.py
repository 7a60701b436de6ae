"""Values a notebook user may pass to st.interact: one sentence, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import steepest as st
from steepest.errors import SteepestError

pytest.importorskip("ipywidgets", reason="st.interact needs the notebook extra")

CALLS: list[tuple[str, Callable[[], Any], str]] = [
    ("steps beyond a picture", lambda: st.interact.descent("x^2", steps=10**9), "from 1 to"),
    ("a range of words", lambda: st.interact.descent("x^2", xlim="a"), "a range must be"),
    ("a range of three", lambda: st.interact.descent("x^2 + y^2", x0=[1, 1], ylim=(1, 2, 3)),
     "a range must be"),
    ("a tangent range with None", lambda: st.interact.tangent("x^2", xlim=[None, 1]),
     "a range must be"),
    ("rates typed with a word", lambda: st.interact.learning_rates("x^2", rates="0.1, abc"),
     "'abc' is not a learning rate"),
    ("rates of words", lambda: st.interact.learning_rates("x^2", rates=["a"]), "rates must be"),
    ("one rate, not a list", lambda: st.interact.learning_rates("x^2", rates=5), "rates must be"),
]  # fmt: skip


@pytest.mark.parametrize("call, said", [(c, s) for _, c, s in CALLS], ids=[n for n, _, _ in CALLS])
def test_a_bad_value_is_one_sentence(call: Callable[[], Any], said: str) -> None:
    with pytest.raises(SteepestError, match=said):
        call()


def test_rates_typed_as_text_are_read() -> None:
    panel = st.interact.learning_rates("x^2", rates="0.1 0.5", steps=3)
    assert sorted(panel.runs) == [0.1, 0.5]
