"""Run the side-by-side benchmark suite and write a markdown table plus JSON.

    python benchmarks/run.py --quick       # seconds: smaller sizes, few repeats
    python benchmarks/run.py               # the full run
    python benchmarks/run.py --only W2,W4  # some workloads

Each workload runs in a fresh subprocess with the thread settings pinned
before NumPy, PyTorch or JAX is imported; inside it every engine's answer is
checked against the hand-written floor, then the engines are timed with
their repeats interleaved.  Peak memory of W3 is measured in one subprocess
per engine.  Results go to ``benchmarks/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORKLOADS = {"W1": "w1_descent", "W2": "w2_rosenbrock", "W3": "w3_mlp", "W4": "w4_chain"}
PEERS = {
    "torch": "torch",
    "jax": "jax",
    "autograd": "autograd",
    "mygrad": "mygrad",
    "micrograd": "micrograd",
    "threadpoolctl": "threadpoolctl",
}


def _repeats(quick: bool, workload: str) -> tuple[int, int]:
    """(repeats, warm-up calls) for a workload."""
    if quick:
        return 3, 1
    return {"W1": 5, "W2": 7, "W3": 5, "W4": 5}[workload], 2


def _worker(workload: str, quick: bool, threads: int) -> None:
    from common import measure, pin_threads_at_runtime

    settings = pin_threads_at_runtime(threads)
    module = importlib.import_module(WORKLOADS[workload])
    repeats, warmup = _repeats(quick, workload)
    results = [measure(case, repeats, warmup) for case in module.cases(quick)]
    print(json.dumps({"workload": workload, "threads": settings, "results": results}))


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _memory_worker(engine: str, quick: bool, threads: int) -> None:
    from common import pin_threads_at_runtime

    pin_threads_at_runtime(threads, torch_too=engine == "torch")
    import w3_mlp

    steps = 32 if quick else 156
    try:
        runner = w3_mlp.MAKERS[engine](steps)
    except ImportError as error:
        print(json.dumps({"engine": engine, "note": f"not installed ({error.name})"}))
        return
    before = _rss_kib("VmRSS")
    runner()
    peak = _rss_kib("VmHWM")
    print(
        json.dumps(
            {
                "engine": engine,
                "peak_mib": peak / 1024,
                "baseline_mib": before / 1024,
                "growth_mib": (peak - before) / 1024,
            }
        )
    )


def _subprocess(arguments: list[str], threads: int) -> dict[str, Any]:
    from common import pin_threads_in_environment

    pin_threads_in_environment(threads)
    completed = subprocess.run(
        [sys.executable, str(HERE / "run.py"), *arguments],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"benchmark worker {arguments} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("steepest", "numpy", *PEERS):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in (
                "Model name",
                "CPU(s)",
                "Thread(s) per core",
                "L3",
                "L3 cache",
                "CPU max MHz",
            ):
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "unknown"


def markdown(report: dict[str, Any]) -> str:
    """The results as markdown: medians per unit, and each engine over the floor."""
    from common import ENGINES, per_unit

    rows = [r for block in report["workloads"] for r in block["results"]]
    # steepest's other paths (steepest.minimize, steepest.eager...) right after it.
    variants = sorted({e for r in rows for e in (*r["median_s"], *r["notes"])
                       if e.startswith("steepest.")})
    engines = [
        e
        for e in ("floor", "steepest", *variants, *ENGINES[2:])
        if any(e in r["median_s"] or e in r["notes"] for r in rows)
    ]
    lines = ["| workload | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    footnotes: list[str] = []
    for r in rows:
        cells = []
        floor = r["median_s"].get("floor")
        for e in engines:
            if e in r["median_s"]:
                cell = per_unit(r["median_s"][e], r["per"])
                if floor and e != "floor":
                    cell += f" ({r['median_s'][e] / floor:.3g}x)"
                if e in r["notes"]:
                    cell += f" [{len(footnotes) + 1}]"
                    footnotes.append(f"{e}, {r['case']}: {r['notes'][e]}")
            elif e in r["notes"]:
                cell = f"- [{len(footnotes) + 1}]"
                footnotes.append(f"{e}, {r['case']}: {r['notes'][e]}")
            else:
                cell = "-"
            cells.append(cell)
        lines.append(f"| {r['case']}, per {r['unit']} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Medians; (Nx) = the engine's time over the hand-written floor's.")
    goals = []
    for r in rows:
        st = r["median_s"].get("steepest")
        torch = r["median_s"].get("torch")
        floor = r["median_s"].get("floor")
        parts = []
        if st and torch:
            parts.append(f"steepest / torch = {st / torch:.3g}")
        if st and floor:
            parts.append(f"steepest / floor = {st / floor:.3g}")
        for variant in variants:
            seconds = r["median_s"].get(variant)
            if seconds and floor:
                parts.append(f"{variant} / floor = {seconds / floor:.3g}")
            if seconds and torch:
                parts.append(f"{variant} / torch = {seconds / torch:.3g}")
        jax = r["median_s"].get("jax")
        if st and jax:
            parts.append(f"steepest / jax = {st / jax:.3g}")
        if parts:
            goals.append(f"- {r['case']}: " + ", ".join(parts))
    if goals:
        lines += ["", "Ratios:", "", *goals]
    memory = report.get("memory")
    if memory:
        lines += [
            "",
            f"| W3 peak resident memory ({memory['label']}) | peak RSS | "
            "RSS after imports and data | growth during the epoch |",
            "|---|---|---|---|",
        ]
        for m in memory["engines"]:
            if "note" in m:
                lines.append(f"| {m['engine']} | - | - | {m['note']} |")
            else:
                lines.append(
                    f"| {m['engine']} | {m['peak_mib']:.0f} MiB | "
                    f"{m['baseline_mib']:.0f} MiB | {m['growth_mib']:.1f} MiB |"
                )
    w2_memory = report.get("w2_memory")
    if w2_memory:
        lines += [
            "",
            f"| W2 Rosenbrock gradient, n = {w2_memory['n']:,}: peak memory traced during one "
            "call (tracemalloc) | peak | over the floor |",
            "|---|---|---|",
        ]
        floor_peak = w2_memory["peaks_mib"]["floor"]
        for name, peak in w2_memory["peaks_mib"].items():
            lines.append(f"| {name} | {peak:,.0f} MiB | {peak / floor_peak:.2f}x |")
    if footnotes:
        lines += ["", *[f"[{i}] {text}" for i, text in enumerate(footnotes, 1)]]
    settings = report["threads"]
    lines += [
        "",
        f"Threads pinned: {settings}",
        f"Load average (1, 5, 15 min) before: "
        f"{report['load_before']}, after: {report['load_after']}",
        f"Machine: {report['machine']}",
        f"Versions: {report['versions']}",
        f"Mode: {'quick' if report['quick'] else 'full'}, {report['elapsed_s']:.0f} s in all",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument(
        "--only",
        default="W1,W2,W3,W4,memory,w2memory",
        help="comma-separated workloads among W1,W2,W3,W4,memory,w2memory",
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS/engine threads (1)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    parser.add_argument("--w2-memory-worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.w2_memory_worker:
        import w2_rosenbrock

        print(json.dumps(w2_rosenbrock.memory(1_000_000 if options.quick else 10_000_000)))
        return 0
    if options.worker:
        _worker(options.worker, options.quick, options.threads)
        return 0
    if options.memory_worker:
        _memory_worker(options.memory_worker, options.quick, options.threads)
        return 0

    chosen = [w.strip() for w in options.only.split(",") if w.strip()]
    unknown = set(chosen) - set(WORKLOADS) - {"memory", "w2memory"}
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    flags = ["--threads", str(options.threads)] + (["--quick"] if options.quick else [])
    started = time.perf_counter()
    report: dict[str, Any] = {
        "quick": options.quick,
        "load_before": _load(),
        "machine": _machine(),
        "versions": _versions(),
        "workloads": [],
        "threads": {},
    }
    for workload in WORKLOADS:
        if workload in chosen:
            print(f"running {workload}...", file=sys.stderr, flush=True)
            block = _subprocess(["--worker", workload, *flags], options.threads)
            report["threads"] = block.pop("threads")
            report["workloads"].append(block)
    if "memory" in chosen:
        print("running memory...", file=sys.stderr, flush=True)
        import w3_mlp

        report["memory"] = {
            "label": "one epoch" if not options.quick else "32 steps",
            "engines": [
                _subprocess(["--memory-worker", engine, *flags], options.threads)
                for engine in w3_mlp.MAKERS
            ],
        }
    if "w2memory" in chosen:
        print("running w2memory...", file=sys.stderr, flush=True)
        report["w2_memory"] = _subprocess(["--w2-memory-worker", *flags], options.threads)
    report["load_after"] = _load()
    report["elapsed_s"] = time.perf_counter() - started
    options.out.mkdir(parents=True, exist_ok=True)
    stem = "quick" if options.quick else "full"
    (options.out / f"{stem}.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    (options.out / f"{stem}.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
