"""Full-batch descent over Dask on 1 and then 2 local workers: seconds per step.

    python benchmarks/dask_scaling.py                 # 400,000 rows, 8 partitions
    python benchmarks/dask_scaling.py --rows 100000 --workers 1,2,4

For each number of workers: a fresh ``LocalCluster`` of worker processes
(one thread each), the same logistic-regression data persisted in
``--partitions`` partitions, then 20 steps of ``gd`` (one map-reduce each)
timed after one warm-up run.  Written to
``benchmarks/results/dask_scaling.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from dask_compare import log_loss, make_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    import dask.array as da

    import steepest as st

    X, y = make_data(args.rows, 8)
    chunk = -(-args.rows // args.partitions)
    rows = []
    for count in (int(w) for w in args.workers.split(",")):
        with st.cluster(workers=count, quiet=True):
            data = (da.from_array(X, chunks=(chunk, X.shape[1])).persist(),
                    da.from_array(y, chunks=chunk).persist())
            settings = {"data": data, "lr": 1.0, "max_iter": args.steps, "tol": None}
            st.minimize(log_loss, np.zeros(X.shape[1]), **{**settings, "max_iter": 2})
            started = time.perf_counter()
            res = st.minimize(log_loss, np.zeros(X.shape[1]), **settings)
            seconds = (time.perf_counter() - started) / res.nfev
        rows.append({"workers": count, "seconds_per_evaluation": seconds})
        print(f"{count} worker{'s' * (count != 1)}: {seconds * 1e3:.1f} ms per step "
              f"(one map-reduce over {args.rows:,} rows in {args.partitions} partitions)",
              flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "dask_scaling.json").write_text(json.dumps({"rows": args.rows,
                                                       "partitions": args.partitions,
                                                       "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
