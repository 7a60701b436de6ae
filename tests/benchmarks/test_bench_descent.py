"""The descent benchmarks run and compute what they say (timings are not checked)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import steepest as st

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import descent_memory  # noqa: E402
import descent_paths  # noqa: E402


def test_every_descent_path_reaches_the_sauna_minimum():
    for name, (f, options) in descent_paths.paths().items():
        settings = {"lr": descent_paths.RATE, "max_iter": 3_000, "tol": None, "record": False,
                    **options}
        result = st.minimize(f, np.array(descent_paths.START), **settings)
        assert np.allclose(result.x, [4.0, 4.0], atol=0.05), name


def test_the_memory_benchmark_checks_its_answers_and_measures_peaks():
    small = {kind: descent_memory._measure(kind, 20_000, 4)
             for kind in ("hand-written loop", "record=True", "record='all'")}
    assert all(row["peak_mib"] > 0 for row in small.values())
    assert small["record=True"]["history_rows"] == 5
    # Keeping every iterate (two vectors a row) takes more than keeping summaries.
    assert small["record='all'"]["peak_mib"] > small["record=True"]["peak_mib"]
