"""steepest over Dask against dask-glm and dask-ml, on the same cluster and the same data.

    python benchmarks/dask_compare.py                  # 200,000 rows, 8 partitions, 2 workers
    python benchmarks/dask_compare.py --rows 50000 --workers 1 --scheduler threads

One run, three engines, logistic regression (no penalty, an intercept
column in X), each on the same persisted Dask arrays:

- **gradient descent**: dask-glm's ``gradient_descent`` (a backtracking line
  search each iteration), steepest ``method="armijo"`` (the same search) and
  steepest ``method="gd"`` at the rate 1/L;
- **L-BFGS**: dask-glm's ``lbfgs`` (SciPy on the client, one ``compute`` per
  evaluation) and steepest ``method="lbfgs"``;
- **the model**: dask-ml's ``LogisticRegression(solver="lbfgs")`` and
  steepest's ``LogisticRegression(solver="lbfgs")``.

For each: seconds per iteration, blocking round trips to the scheduler per
iteration (dask-glm: calls of ``compute``/``persist`` that wait for the
cluster, counted at the scheduler's entry point; steepest: its map-reduces,
counted where they are made), and the largest difference of the
coefficients from scikit-learn's on the same data in memory.  Results are
printed as a markdown table and written to
``benchmarks/results/dask_compare.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def make_data(rows: int, features: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows with an intercept column first; labels drawn from a logistic model (not separable)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(rows), rng.normal(size=(rows, features))])
    beta = np.concatenate([[0.3], rng.normal(scale=0.5, size=features)])
    p = 1.0 / (1.0 + np.exp(-X @ beta))
    return X, (rng.random(rows) < p).astype(float)


def log_loss(theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> Any:
    """The mean log-loss of the logistic model, written with NumPy (autodiff differentiates it)."""
    X, y = batch
    z = X @ theta
    return np.mean(np.logaddexp(0.0, z) - y * z)


class Counter:
    """Blocking round trips: each call of the scheduler's entry point that waits for results."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, owner: Any, name: str) -> None:
        original = getattr(owner, name)
        counter = self

        @functools.wraps(original)
        def counted(*args: Any, **kwargs: Any) -> Any:
            counter.calls += 1
            return original(*args, **kwargs)

        setattr(owner, name, counted)


def timed(label: str, func: Any, counter: Counter, iterations: Any) -> dict[str, Any]:
    counter.calls = 0
    started = time.perf_counter()
    coef, extra = func()
    seconds = time.perf_counter() - started
    count = iterations(extra)
    return {"engine": label, "seconds": seconds, "iterations": count,
            "seconds_per_iteration": seconds / max(count, 1),
            "round_trips": extra.get("round_trips", counter.calls),
            "round_trips_per_iteration": extra.get("round_trips", counter.calls) / max(count, 1),
            "coef": np.asarray(coef, dtype=float).tolist()}


def main() -> None:  # long: one benchmark run, its engines in order, printed as it goes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", choices=["cluster", "threads"], default="cluster")
    parser.add_argument("--gd-iterations", type=int, default=20)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import dask
    import dask.array as da
    import dask_glm.algorithms as glm
    from dask_glm.families import Logistic
    from dask_ml.linear_model import LogisticRegression as DaskLogistic
    from sklearn.linear_model import LogisticRegression as Reference

    import steepest as st
    from steepest.optim import distributed

    X, y = make_data(args.rows, args.features)
    chunk = -(-args.rows // args.partitions)
    reference = Reference(penalty=None, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    best = reference.coef_[0]

    client = None
    counter = Counter()
    if args.scheduler == "cluster":
        from distributed import Client

        client = st.cluster(workers=args.workers, quiet=True)
        counter.wrap(Client, "get")  # what dask.compute and dask.persist call on a cluster
    else:
        from dask.callbacks import Callback

        def started(graph: Any) -> None:
            counter.calls += 1

        Callback(start=started).register()  # once per compute or persist that waits
    lazy_X = da.from_array(X, chunks=(chunk, X.shape[1])).persist()
    lazy_y = da.from_array(y, chunks=chunk).persist()
    # The same tight tolerance for SciPy's L-BFGS in dask-glm as steepest's (its default
    # factr=1e7 stops about 1e-4 short of the minimum).
    glm.fmin_l_bfgs_b = functools.partial(glm.fmin_l_bfgs_b, factr=10.0)
    n = args.gd_iterations
    rows: list[dict[str, Any]] = []

    def steepest_run(**settings: Any) -> Any:
        def run() -> tuple[Any, dict[str, Any]]:
            trips: list[int] = []
            original = distributed.Cluster.evaluate

            def evaluate(self: Any, z: np.ndarray, what: str) -> Any:
                trips.append(1)
                return original(self, z, what)

            distributed.Cluster.evaluate = evaluate  # type: ignore[method-assign]
            try:
                res = st.minimize(log_loss, np.zeros(X.shape[1]), data=(lazy_X, lazy_y),
                                  **settings)
            finally:
                distributed.Cluster.evaluate = original  # type: ignore[method-assign]
            return res.x, {"nit": res.nit, "round_trips": len(trips)}
        return run

    def glm_gd() -> tuple[Any, dict[str, Any]]:
        return glm.gradient_descent(lazy_X, lazy_y, max_iter=n, tol=0.0, family=Logistic), {
            "nit": n}

    def glm_lbfgs() -> tuple[Any, dict[str, Any]]:
        evaluations: list[int] = []
        original = glm.fmin_l_bfgs_b

        def counted(func: Any, x0: Any, **kwargs: Any) -> Any:
            def once(*a: Any) -> Any:
                evaluations.append(1)
                return func(*a)
            result = original(once, x0, **kwargs)
            return result
        glm.fmin_l_bfgs_b = counted
        try:
            beta = glm.lbfgs(lazy_X, lazy_y, family=Logistic, regularizer=None, tol=1e-10,
                             max_iter=1000)
        finally:
            glm.fmin_l_bfgs_b = original
        return beta, {"nit": len(evaluations)}

    def dask_ml_model() -> tuple[Any, dict[str, Any]]:
        model = DaskLogistic(penalty="l2", C=1e12, solver="lbfgs", tol=1e-10, max_iter=1000,
                             fit_intercept=False).fit(lazy_X, lazy_y)
        return np.ravel(model.coef_), {"nit": 1}

    L = 0.25 * float(np.linalg.eigvalsh(X.T @ X / X.shape[0])[-1])
    plans = [
        ("dask-glm gradient_descent", glm_gd, lambda e: e["nit"]),
        ("steepest armijo", steepest_run(method="armijo", max_iter=n, tol=None),
         lambda e: e["nit"]),
        ("steepest gd (lr = 1/L)", steepest_run(method="gd", lr=1.0 / L, max_iter=n, tol=None),
         lambda e: e["nit"]),
        ("dask-glm lbfgs (per evaluation)", glm_lbfgs, lambda e: e["nit"]),
        ("steepest lbfgs (per evaluation)", steepest_run(method="lbfgs", max_iter=1000,
                                                         tol=1e-12), lambda e: e["round_trips"]),
        ("dask-ml LogisticRegression lbfgs (whole fit)", dask_ml_model, lambda e: 1),
    ]
    for label, func, iterations in plans:
        row = timed(label, func, counter, iterations)
        row["max_coef_diff_vs_sklearn"] = float(np.max(np.abs(np.array(row["coef"]) - best)))
        rows.append(row)
        print(f"{label}: {row['seconds_per_iteration'] * 1e3:.1f} ms per iteration, "
              f"{row['round_trips_per_iteration']:.2f} round trips per iteration, "
              f"|coef - sklearn| {row['max_coef_diff_vs_sklearn']:.2e}", flush=True)
    started = time.perf_counter()
    st_model = st.models.LogisticRegression(solver="lbfgs", tol=1e-10)
    st_model.fit(lazy_X[:, 1:], lazy_y)
    whole = time.perf_counter() - started
    coef = np.concatenate([[st_model.intercept_], st_model.coef_])
    rows.append({"engine": "steepest LogisticRegression lbfgs (whole fit)", "seconds": whole,
                 "iterations": 1, "seconds_per_iteration": whole, "round_trips": None,
                 "round_trips_per_iteration": None, "coef": coef.tolist(),
                 "max_coef_diff_vs_sklearn": float(np.max(np.abs(coef - best)))})
    print(f"steepest LogisticRegression lbfgs (whole fit): {whole:.2f} s, "
          f"|coef - sklearn| {rows[-1]['max_coef_diff_vs_sklearn']:.2e}")
    if client is not None:
        client.close()
    setting = {"rows": args.rows, "features": args.features, "partitions": args.partitions,
               "workers": args.workers if client is not None else "local threads",
               "dask": dask.__version__}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "dask_compare.json").write_text(json.dumps({"setting": setting, "rows": rows},
                                                      indent=2))
    print("\n| engine | ms / iteration | round trips / iteration | max |coef - sklearn| |")
    print("|---|---:|---:|---:|")
    for row in rows:
        trips = row["round_trips_per_iteration"]
        print(f"| {row['engine']} | {row['seconds_per_iteration'] * 1e3:.1f} | "
              f"{'' if trips is None else f'{trips:.2f}'} | "
              f"{row['max_coef_diff_vs_sklearn']:.1e} |")
    print(f"\n{setting}")


if __name__ == "__main__":
    main()
