"""The benchmark workloads compute the right answers, checked independently."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.optimize import rosen, rosen_der

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import common  # noqa: E402
import run  # noqa: E402
import w1_descent  # noqa: E402
import w2_rosenbrock  # noqa: E402
import w3_mlp  # noqa: E402
import w4_chain  # noqa: E402


def test_w1_floor_reproduces_the_lessons_first_two_steps():
    x, y = w1_descent._floor(1)()
    assert (x, y) == pytest.approx((0.50567, 0.604675), abs=1e-5)
    x, y = w1_descent._floor(2)()
    assert (x, y) == pytest.approx((0.511480, 0.609482), abs=1e-6)


@pytest.mark.parametrize("engine", ["steepest", "steepest.minimize", "torch"])
def test_w1_engines_walk_the_same_path_as_the_floor(engine):
    case = w1_descent.cases(quick=True)[0]
    floor = w1_descent._floor(300)()
    makers = {
        "steepest": w1_descent._steepest,
        "steepest.minimize": w1_descent._steepest_minimize,
        "torch": w1_descent._torch,
    }
    np.testing.assert_allclose(makers[engine](300)(), floor, rtol=case.rtol)


@pytest.mark.parametrize("n", [2, 10, 1_000])
def test_w2_floor_is_scipys_rosenbrock_gradient(n):
    x = w2_rosenbrock.point(n)
    np.testing.assert_allclose(w2_rosenbrock.rosenbrock_gradient(x), rosen_der(x), rtol=1e-12)
    assert w2_rosenbrock.rosenbrock(x) == pytest.approx(rosen(x), rel=1e-12)


@pytest.mark.parametrize("n", [10, 1_000])
def test_w2_steepest_and_torch_match_the_floor(n):
    x = w2_rosenbrock.point(n)
    floor = w2_rosenbrock._floor(x, 1)()
    for make in (w2_rosenbrock._steepest, w2_rosenbrock._torch):
        np.testing.assert_allclose(make(x, 3)(), floor, rtol=1e-12)


def test_w3_floor_backprop_matches_pytorch_autograd():
    inputs, labels, _ = w3_mlp.data(1)
    params = w3_mlp.initial_parameters()
    tensors = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
    w1, b1, w2, b2 = tensors
    logits = torch.relu(torch.from_numpy(inputs) @ w1 + b1) @ w2 + b2
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels))
    grads = torch.autograd.grad(loss, tensors)
    expected = [p - w3_mlp.RATE * g.numpy() for p, g in zip(params, grads)]
    for got, want in zip(w3_mlp._floor(1)(), expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_w3_steepest_and_torch_train_like_the_floor():
    floor = w3_mlp._floor(4)()
    for make in (w3_mlp._steepest, w3_mlp._torch):
        for got, want in zip(make(4)(), floor):
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


def test_w4_floor_derivative_matches_a_central_difference():
    steps = 200
    value, derivative = w4_chain._floor(steps)()
    h = 1e-6
    high = w4_chain.chain(w4_chain.START + h, steps, np.sin)
    low = w4_chain.chain(w4_chain.START - h, steps, np.sin)
    assert value == pytest.approx(w4_chain.chain(w4_chain.START, steps, np.sin), rel=1e-14)
    assert derivative == pytest.approx((high - low) / (2 * h), rel=1e-7)


def test_w4_steepest_long_chain_matches_the_floor_on_every_call():
    floor = w4_chain._floor(1_000)()
    runner = w4_chain._steepest(1_000)
    for _ in range(3):  # traced, recorded, replayed
        assert runner() == pytest.approx(floor, rel=1e-12)


def test_measure_refuses_to_time_an_engine_with_a_different_answer():
    case = common.Case(
        "toy",
        "call",
        1,
        {
            "floor": lambda: lambda: np.array([1.0, 2.0]),
            "steepest": lambda: lambda: np.array([1.0, 2.0]),
            "torch": lambda: lambda: np.array([1.0, 2.5]),
            "jax": lambda: (_ for _ in ()).throw(ImportError("no jax", name="jax")),
        },
    )
    result = common.measure(case, repeats=3)
    assert set(result["median_s"]) == {"floor", "steepest"}
    assert "different answer" in result["notes"]["torch"]
    assert "not installed" in result["notes"]["jax"]


def test_markdown_table_has_medians_ratios_and_notes():
    report = {
        "quick": True,
        "load_before": "['1.0', '1.0', '1.0']",
        "load_after": "['1.0', '1.0', '1.0']",
        "machine": {"cpus": 2},
        "versions": {},
        "threads": {"OMP_NUM_THREADS": "1"},
        "elapsed_s": 1.0,
        "workloads": [
            {
                "workload": "W2",
                "results": [
                    {
                        "case": "W2 toy",
                        "unit": "call",
                        "per": 10,
                        "repeats": 3,
                        "median_s": {"floor": 1e-4, "steepest": 2e-4, "torch": 1e-3},
                        "notes": {"jax": "not installed (jax)"},
                    }
                ],
            }
        ],
        "memory": {
            "label": "toy",
            "engines": [
                {"engine": "floor", "peak_mib": 100.0, "baseline_mib": 90.0, "growth_mib": 10.0}
            ],
        },
    }
    text = run.markdown(report)
    assert "| W2 toy, per call | 10 µs | 20 µs (2x) | 100 µs (10x) | - [1] |" in text
    assert "steepest / torch = 0.2" in text
    assert "| floor | 100 MiB | 90 MiB | 10.0 MiB |" in text
    assert "[1] jax, W2 toy: not installed (jax)" in text
    json.dumps(report)
