"""Update rules against PyTorch's optimizers, step by step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
from steepest import optim as opt


def quadratic_problem(seed: int, n: int = 4):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    hessian = a @ a.T + np.eye(n)
    target = rng.normal(size=n)
    start = rng.normal(size=n)
    return hessian, target, start


def run_ours(rule: opt.Optimizer, hessian, target, start, lr, steps):
    x = start.copy()
    state = rule.init(x)
    path = [x]
    for _ in range(steps):
        step, state = rule.update(hessian @ (x - target), state, x, lr)
        x = x + step
        path.append(x)
    return np.array(path)


def run_torch(make, hessian, target, start, steps):
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    h = torch.tensor(hessian, dtype=torch.float64)
    t = torch.tensor(target, dtype=torch.float64)
    optimizer = make([x])
    path = [start.copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = 0.5 * (x - t) @ h @ (x - t)
        loss.backward()
        optimizer.step()
        path.append(x.detach().numpy().copy())
    return np.array(path)


CASES = {
    "gd": (lambda: opt.GD(0.01), lambda p: torch.optim.SGD(p, lr=0.01)),
    "momentum": (
        lambda: opt.Momentum(0.01, beta=0.9),
        lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    ),
    "nesterov": (
        lambda: opt.Nesterov(0.01, beta=0.8),
        lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.8, nesterov=True),
    ),
    "adagrad": (lambda: opt.Adagrad(0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    "rmsprop": (
        lambda: opt.RMSProp(0.01, rho=0.99),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8),
    ),
    "adam": (lambda: opt.Adam(0.05), lambda p: torch.optim.Adam(p, lr=0.05)),
    "adamw": (
        lambda: opt.AdamW(0.05, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_rules_match_pytorch(name, seed):
    ours, theirs = CASES[name]
    hessian, target, start = quadratic_problem(seed)
    rule = ours()
    expected = run_torch(theirs, hessian, target, start, 25)
    got = run_ours(rule, hessian, target, start, rule.lr, 25)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_minimize_with_adam_matches_pytorch_adam():
    hessian, target, start = quadratic_problem(5)
    res = st.minimize(
        lambda x: 0.5 * (x - target) @ hessian @ (x - target),
        start,
        method="adam",
        lr=0.05,
        max_iter=40,
        tol=None,
    )
    expected = run_torch(lambda p: torch.optim.Adam(p, lr=0.05), hessian, target, start, 40)
    np.testing.assert_allclose(res.history.x, expected, rtol=1e-10, atol=1e-12)


def test_lbfgs_solves_a_quadratic_in_few_steps():
    hessian, target, start = quadratic_problem(9, n=6)
    res = st.minimize(
        lambda x: 0.5 * (x - target) @ hessian @ (x - target),
        start,
        method="lbfgs",
        tol=None,
        gtol=1e-10,
    )
    assert res.status == "converged" and res.nit <= 40
    np.testing.assert_allclose(res.x, target, atol=1e-8)


def test_newton_solves_a_quadratic_in_one_step():
    hessian, target, start = quadratic_problem(2)
    res = st.minimize(
        lambda x: 0.5 * (x - target) @ hessian @ (x - target), start, method="newton", gtol=1e-9
    )
    np.testing.assert_allclose(res.history.x[1], target, atol=1e-10)
    assert res.nit == 1


def test_armijo_never_increases_the_loss():
    res = st.minimize(
        "(1 - x)^2 + 100 (y - x^2)^2", [-1.2, 1.0], method="armijo", max_iter=300, lr=10.0
    )
    assert np.all(np.diff(res.history.loss) <= 0)


def test_rules_need_the_objective_when_they_search():
    for rule in (opt.Armijo(), opt.LBFGS(), opt.Newton()):
        with pytest.raises(st.OptimizationError, match="needs the loss itself"):
            rule.update(np.ones(2), rule.init(np.zeros(2)), np.zeros(2), 1.0)


def test_make_and_repr():
    assert repr(opt.make("adam", lr=0.01)) == "Adam(lr=0.01, beta1=0.9, beta2=0.999)"
    assert isinstance(opt.make("sgd"), opt.GD) and isinstance(opt.make("BFGS"), opt.LBFGS)
    mine = opt.Momentum(0.3)
    assert opt.make(mine, lr=0.1) is mine and mine.lr == 0.1
    assert set(st.optim.METHODS) >= {
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "armijo",
        "lbfgs",
        "newton",
        "grid",
    }
