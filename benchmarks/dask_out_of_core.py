"""Mini-batch SGD over a Parquet data set larger than the workers' memory.

    python benchmarks/dask_out_of_core.py                       # 40 million rows x 8 features
    python benchmarks/dask_out_of_core.py --rows 4000000        # a smaller run

Writes ``--rows`` rows of 8 features and a target (float64: about 2.9 GB for
40 million rows) as Parquet files under ``--folder`` (once; reused after),
starts a ``LocalCluster`` of ``--workers`` processes capped at
``--memory-limit`` each, and runs one epoch of mini-batch SGD on least
squares (``st.minimize`` with its closed-form gradient, ``batch_size``
rows per step) over the files.  It reports:

- whether any worker was lost (the worker processes' ids before and after);
- the peak resident memory of the client process (``ru_maxrss``) at the
  end of the epoch, and what it was after the imports (library by library:
  numpy, steepest, pandas, dask.dataframe, distributed) and after starting
  the cluster (whose scheduler runs in the same process), before any data;
- rows per second of the epoch (its batches only, and with the two passes
  over all of the data for the loss at its start and end), next to the
  same loop in memory on a sample that fits (``--sample`` rows);
- the distance of the coefficients from the ones that generated the data.

``--without-sparse`` imports Dask as it is imported where the optional
``sparse`` package is not installed (``pip install 'steepest[dask]'`` does
not install it; dask-glm, a development dependency here, does): when it is
there, ``dask.array`` imports it, and with it numba and SciPy, about 60 MB.

Results go to ``benchmarks/results/dask_out_of_core.json``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
FEATURES = 8
TRUE_COEF = np.linspace(-1.0, 1.0, FEATURES)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def write_files(folder: Path, rows: int, per_file: int) -> int:
    """Parquet files of ``per_file`` rows each (written once); the number of files."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    count = -(-rows // per_file)
    done = folder / "_written"
    if done.exists() and done.read_text() == f"{rows} {per_file}":
        return count
    for old in folder.glob("*.parquet"):
        old.unlink()
    rng = np.random.default_rng(0)
    for i in range(count):
        n = min(per_file, rows - i * per_file)
        X = rng.normal(size=(n, FEATURES))
        y = X @ TRUE_COEF + 0.5 + rng.normal(scale=0.1, size=n)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(FEATURES)])
        frame["y"] = y
        frame.to_parquet(folder / f"part{i:04d}.parquet", index=False)
    done.write_text(f"{rows} {per_file}")
    return count


def squared_error(theta: np.ndarray, batch: np.ndarray) -> float:
    residual = batch[:, :FEATURES] @ theta[1:] + theta[0] - batch[:, FEATURES]
    return float(np.mean(residual**2))


def squared_error_grad(theta: np.ndarray, batch: np.ndarray) -> np.ndarray:
    X, y = batch[:, :FEATURES], batch[:, FEATURES]
    residual = X @ theta[1:] + theta[0] - y
    return 2.0 * np.concatenate([[residual.mean()], X.T @ residual / len(y)])


def main() -> None:  # long: one benchmark run, its stages in order, printed as it goes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000_000)
    parser.add_argument("--rows-per-file", type=int, default=500_000)
    parser.add_argument("--folder", default="/tmp/steepest-out-of-core")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=1_000_000)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--without-sparse", action="store_true",
                        help="import Dask as where the optional sparse package is absent")
    args = parser.parse_args()
    if args.without_sparse:
        sys.modules["sparse"] = None  # type: ignore[assignment]  # dask.array: ImportError
    imports = {"python and numpy": peak_mb()}
    import steepest as st

    imports["steepest"] = peak_mb()
    import pandas  # noqa: F401

    imports["pandas"] = peak_mb()
    import dask.dataframe as dd

    imports["dask.dataframe"] = peak_mb()
    import distributed  # noqa: F401

    imports["distributed"] = peak_mb()
    heavy = [name for name in ("sparse", "numba", "scipy", "sympy", "matplotlib", "torch")
             if sys.modules.get(name) is not None]
    after_imports = peak_mb()
    started = time.perf_counter()
    # Written by another process, so that the client's peak memory is the run's alone.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as writer:
        files = writer.submit(write_files, Path(args.folder), args.rows,
                              args.rows_per_file).result()
    written = time.perf_counter() - started
    size = sum(p.stat().st_size for p in Path(args.folder).glob("*.parquet"))
    print(f"{args.rows:,} rows x {FEATURES} features in {files} Parquet files "
          f"({size / 1e9:.2f} GB on disk, {args.rows * (FEATURES + 1) * 8 / 1e9:.2f} GB as "
          f"float64), written in {written:.0f} s", flush=True)

    client = st.cluster(workers=args.workers, memory_limit=args.memory_limit, quiet=True)
    with_cluster = peak_mb()  # the LocalCluster's scheduler runs in this process too
    before = sorted(client.run(os.getpid).values())
    frame = dd.read_parquet(args.folder)
    data = frame.to_dask_array()
    steps: list[float] = []

    def clock(iterate: Any) -> None:
        steps.append(time.perf_counter())

    started = time.perf_counter()
    res = st.minimize(squared_error, np.zeros(FEATURES + 1), grad=squared_error_grad, data=data,
                      batch_size=args.batch_size, epochs=1, lr=args.lr, seed=0, tol=None,
                      callback=clock)
    epoch = time.perf_counter() - started
    client_peak = peak_mb()
    after = sorted(client.run(os.getpid).values())
    client.close()
    batches = steps[-1] - steps[0] if len(steps) > 1 else float("nan")
    truth = np.concatenate([[0.5], TRUE_COEF])

    sample = np.random.default_rng(1).normal(size=(args.sample, FEATURES))
    sample = np.column_stack([sample, sample @ TRUE_COEF + 0.5
                              + np.random.default_rng(2).normal(scale=0.1, size=args.sample)])
    started = time.perf_counter()
    memory = st.minimize(squared_error, np.zeros(FEATURES + 1), grad=squared_error_grad,
                         data=sample, batch_size=args.batch_size, epochs=1, lr=args.lr, seed=0,
                         tol=None)
    in_memory = time.perf_counter() - started
    result = {
        "rows": args.rows, "files": files, "bytes_on_disk": size, "workers": args.workers,
        "memory_limit": args.memory_limit, "batch_size": args.batch_size, "steps": res.nit,
        "status": res.status, "workers_lost": len(set(before) - set(after)),
        "client_peak_mb": client_peak, "client_mb_after_imports": after_imports,
        "client_mb_with_cluster_started": with_cluster,
        "client_mb_after_each_import": imports, "heavy_modules_imported": heavy,
        "epoch_seconds": epoch, "rows_per_second_batches": args.rows / batches,
        "rows_per_second_epoch": args.rows / epoch,
        "in_memory_rows_per_second": args.sample / in_memory,
        "max_coef_error": float(np.max(np.abs(res.x - truth))),
        "in_memory_max_coef_error": float(np.max(np.abs(memory.x - truth))),
        "final_loss": float(res.fun),
    }
    print(json.dumps(result, indent=2))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "dask_out_of_core.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
