"""Fused elementwise runs as native loops: generated C, compiled once, cached on disk.

A fused run of a recorded program (:mod:`steepest.autodiff.fuse`) goes block
by block through NumPy's ufuncs: each operation still makes a pass over each
block.  Here the same runs are written as one C loop over the elements, every
intermediate result in a register, compiled by the system's C compiler in a
background thread and loaded with :mod:`ctypes`.  Until the library is ready
(and whenever an operand is not a contiguous float64 array or a float) the
blocked ufuncs run instead, so a program's first calls cost no compile.

Bit for bit the ufuncs' results: only ``+ - * /``, negation, ``sqrt`` and
``abs`` on float64, each IEEE-correctly rounded in C as in NumPy, in the same
order (every operation in parentheses), compiled with ``-ffp-contract=off``
(no fused multiply-add) and without fast-math; constants are C99 hexadecimal
literals, exact; a compiler evaluating doubles with excess precision refuses
the source (``FLT_EVAL_METHOD``).  NaNs are NaNs in the same places, their
payload bits are not promised.

The C source is made only from the table of operations below and numbers
formatted here (array indices and ``float.hex``), never from text a user
wrote, so nothing a user passes can reach the compiler.

Libraries are cached in a per-user directory (``STEEPEST_CACHE_DIR``, else
``$XDG_CACHE_HOME/steepest``, else ``~/.cache/steepest``), keyed by a hash of
the source and the compiler, so a new process loads them at once; the 256
most recently used are kept (:func:`prune`), so the cache stays under about
13 MB however many programs are compiled.  ``STEEPEST_NATIVE=0`` in the
environment switches all of this off.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Switched off (``STEEPEST_NATIVE=0``, or here for the ablation and the tests), every fused
# run goes through the blocked ufuncs as before.
ENABLED = os.environ.get("STEEPEST_NATIVE", "1").strip().lower() not in {"0", "false", "no",
                                                                         "off"}

# Flags that keep every result the ufuncs' own: no contraction into fused multiply-adds,
# no fast-math; -fno-math-errno only lets sqrt be the instruction (its value is the same).
FLAGS = ("-O3", "-std=c99", "-fPIC", "-shared", "-ffp-contract=off", "-fno-math-errno")

# At most this many libraries stay in the cache directory (about 50 kB each): the least
# recently used beyond it are removed when a process first uses the directory and after
# each compile, so the disk taken stays bounded however many programs are compiled.
CACHE_LIMIT = 256

# At most this many layouts (which operands are numbers, which arrays are the same) per run.
LAYOUTS = 8

_C_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_C_FUNCTIONS = {"sqrt": "sqrt", "abs": "fabs"}
_FLOAT64 = np.dtype(np.float64)
_ITEM = _FLOAT64.itemsize

_lock = threading.Lock()
_idle = threading.Condition(_lock)
_jobs: list[Callable[[], None]] = []
_busy = 0  # jobs taken by the worker and not finished
_compiling: tuple[subprocess.Popen, str] | None = None  # the compiler running, its output
_worker_running = False
_generation = 0  # a forked child starts a new one: its parent's jobs never finish there
_counts = {"compiled": 0, "loaded": 0, "failed": 0}
_directories: dict[str, Path] = {}
_UNSET = object()
_compiler: Any = _UNSET


def _reset_after_fork() -> None:
    global _lock, _idle, _jobs, _busy, _worker_running, _generation, _compiling
    _lock = threading.Lock()
    _idle = threading.Condition(_lock)
    _jobs, _busy, _worker_running, _compiling = [], 0, False, None
    _generation += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def find_compiler() -> str | None:
    """The path of the system's C compiler (Python's own, else ``cc``, ``gcc``, ``clang``)."""
    if os.name == "nt":
        return None
    configured = (sysconfig.get_config_var("CC") or "").split()
    for name in (*configured[:1], "cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


def compiler() -> str | None:
    """:func:`find_compiler`, looked up once per process."""
    global _compiler
    if _compiler is _UNSET:
        _compiler = find_compiler()
    return _compiler


def available() -> bool:
    """Whether fused runs may become native loops (switched on, and a compiler found)."""
    return ENABLED and compiler() is not None


def counts() -> dict[str, int]:
    """How many libraries this process compiled, loaded from the cache, or failed to make."""
    with _lock:
        return dict(_counts)


def wait(timeout: float | None = None) -> bool:
    """Wait until every compile asked for so far is done (loaded or failed); False on timeout.

    >>> wait()
    True
    """
    with _idle:
        return _idle.wait_for(lambda: not _jobs and not _busy, timeout)


def _safe(directory: Path) -> bool:
    """Whether ``directory`` is ours alone to write (nobody else could plant a library)."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return False
    return (info.st_uid == os.getuid() and not info.st_mode & 0o022
            and os.access(directory, os.W_OK | os.X_OK))


def _remove_stale(directory: Path) -> None:
    """Remove half-written libraries an hour old (a process killed while compiling), and
    the least recently used libraries beyond :data:`CACHE_LIMIT`."""
    with contextlib.suppress(OSError):
        for path in directory.glob("tmp-*.so"):
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > 3600:
                    path.unlink()
    prune(directory)


def prune(directory: Path, keep: int | None = None) -> int:
    """Remove all but the ``keep`` most recently used libraries in ``directory``.

    A library's modification time is its last use (loading one touches it),
    so a long-running process that compiles a stream of new programs keeps
    the cache at ``keep`` libraries (:data:`CACHE_LIMIT` by default).  A
    library another process has loaded stays mapped there after its file
    is removed.  Returns how many were removed.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     _ = (folder / f"run-{i}.so").write_bytes(b"")
    ...     os.utime(folder / f"run-{i}.so", (i, i))
    >>> prune(folder, keep=1), sorted(p.name for p in folder.iterdir())
    (2, ['run-2.so'])
    >>> shutil.rmtree(folder)
    """
    keep = CACHE_LIMIT if keep is None else keep
    used: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for path in directory.glob("run-*.so"):
            with contextlib.suppress(OSError):
                used.append((path.stat().st_mtime, path))
    used.sort(reverse=True)
    removed = 0
    for _, path in used[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def cache_directory() -> Path:
    """Where libraries are kept: the per-user cache, or a private temporary directory."""
    chosen = os.environ.get("STEEPEST_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or ""
    with _lock:
        known = _directories.get(chosen)
    if known is not None:
        return known
    try:
        directory = (Path(chosen) if os.environ.get("STEEPEST_CACHE_DIR") else Path(
            chosen or Path.home() / ".cache") / "steepest") / "native"
    except RuntimeError:  # no home directory
        directory = None
    if directory is None or not _safe(directory):
        directory = Path(tempfile.mkdtemp(prefix="steepest-native-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    _remove_stale(directory)
    with _lock:
        return _directories.setdefault(chosen, directory)


def _literal(value: float) -> str:
    """A float as an exact C99 hexadecimal literal (only digits, ``x p . + -``)."""
    return f"({float(value).hex()})"


def _c_source(steps: Sequence[tuple[ast.expr, Sequence[str]]], layout: tuple[int, ...]) -> str:
    """One C loop computing every step's expression element by element.

    ``layout`` gives each slot (each step's output, then its operands) an
    array index (arrays at one address share one) or -1 for a number.
    Reads and writes of one array in one element go through one variable, so
    a later step sees what an earlier one wrote, as when the steps run one
    after another.
    """
    outputs, slots, k = set(), [], 0
    for _, params in steps:
        outputs.add(layout[k])
        slots.append((layout[k], layout[k + 1:k + 1 + len(params)]))
        k += 1 + len(params)
    arrays = max(layout) + 1
    numbers = sum(1 for c in layout if c < 0)
    declared = [f"double *restrict p{c}" if c in outputs else f"const double *restrict p{c}"
                for c in range(arrays)]
    declared += [f"double n{j}" for j in range(numbers)]
    body: list[str] = []
    current: dict[int, str] = {}  # array -> the variable holding its element
    scalar = 0
    for m, ((expression, params), (out, operands)) in enumerate(zip(steps, slots)):
        names: dict[str, str] = {}
        for param, c in zip(params, operands):
            if c < 0:
                names[param], scalar = f"n{scalar}", scalar + 1
                continue
            if c not in current:
                current[c] = f"r{c}"
                body.append(f"        const double r{c} = p{c}[i];")
            names[param] = current[c]
        body.append(f"        const double v{m} = {_c_expression(expression, names)};")
        body.append(f"        p{out}[i] = v{m};")
        current[out] = f"v{m}"
    return "\n".join([
        "/* Generated by steepest from its table of operations: no user text. */",
        "#include <float.h>", "#include <math.h>", "#include <stddef.h>",
        "#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0",
        "#error \"doubles evaluated with excess precision\"", "#endif",
        f"void steepest_run(ptrdiff_t n, {', '.join(declared)}) {{",
        "    for (ptrdiff_t i = 0; i < n; ++i) {", *body, "    }", "}", ""])


def _c_expression(node: ast.expr, names: dict[str, str]) -> str:
    """``node`` in C, every operation in parentheses (the ufuncs' order)."""
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Constant):
        return _literal(node.value)
    if isinstance(node, ast.BinOp):
        return (f"({_c_expression(node.left, names)} {_C_OPERATORS[type(node.op)]} "
                f"{_c_expression(node.right, names)})")
    if isinstance(node, ast.UnaryOp):
        inner = _c_expression(node.operand, names)
        return f"(-{inner})" if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return f"{_C_FUNCTIONS[node.func.id]}({_c_expression(node.args[0], names)})"


def compiler_key(path: str) -> str:
    info = os.stat(path)
    return f"{os.path.realpath(path)}|{info.st_size}|{info.st_mtime_ns}|{platform.machine()}"


def _library_path(source: str, cc: str) -> Path:
    key = "\0".join((source, compiler_key(cc), *FLAGS))
    return cache_directory() / f"run-{hashlib.sha256(key.encode()).hexdigest()[:40]}.so"


def _load(path: Path, arrays: int, numbers: int) -> Callable[..., None]:
    function = ctypes.CDLL(str(path)).steepest_run  # CDLL: the call releases the GIL
    function.argtypes = [ctypes.c_ssize_t, *[ctypes.c_void_p] * arrays,
                         *[ctypes.c_double] * numbers]
    function.restype = None
    return function


def compile_source(source: str, cc: str, path: Path, flags: Sequence[str] = FLAGS) -> None:
    """Compile the C ``source`` with ``flags`` into the library ``path``, written under
    another name and then renamed, so that another process never loads a half-written
    library."""
    global _compiling
    handle, temporary = tempfile.mkstemp(prefix="tmp-", suffix=".so", dir=path.parent)
    os.close(handle)
    try:
        with _lock:
            process = subprocess.Popen([cc, *flags, "-x", "c", "-", "-o", temporary, "-lm"],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            _compiling = (process, temporary)
        try:
            process.communicate(source.encode(), timeout=120)
        finally:
            with _lock:
                _compiling = None
        if process.wait() != 0:
            raise subprocess.CalledProcessError(process.returncode, cc)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _stop_at_exit() -> None:
    """At the interpreter's exit: drop the compiles not started, stop the one under way
    and remove its half-written file (the background thread stops without cleaning up)."""
    with _lock:
        _jobs.clear()
        compiling = _compiling
    if compiling is not None:
        process, temporary = compiling
        process.kill()
        process.wait()
        with contextlib.suppress(OSError):
            os.remove(temporary)


atexit.register(_stop_at_exit)


def _work() -> None:
    global _busy, _worker_running
    while True:
        with _lock:
            if not _jobs:
                _worker_running = False
                _idle.notify_all()
                return
            job = _jobs.pop(0)
            _busy += 1
        try:
            job()
        except Exception:  # a job records its own failure; the thread goes on
            pass
        finally:
            with _lock:
                _busy -= 1


def submit(job: Callable[[], None]) -> None:
    """Run ``job`` on the one background thread (one compile at a time)."""
    global _worker_running
    with _lock:
        _jobs.append(job)
        if not _worker_running:
            _worker_running = True
            threading.Thread(target=_work, name="steepest-native", daemon=True).start()


_FAILED = "failed"


class Group:
    """Consecutive fused runs as one native loop, a library for each layout of operands.

    ``steps``: each run's expression and the names of its parameters (of
    its operands, in order).  A run accumulating into an array reads it as
    its first operand and writes it as its output.
    """

    def __init__(self, steps: Sequence[tuple[ast.expr, Sequence[str]]]):
        self.steps = [(expression, tuple(params)) for expression, params in steps]
        self.functions: dict[tuple[int, ...], Any] = {}

    def run(self, steps: Sequence[tuple[Any, Sequence[Any]]]) -> bool:
        """Compute the runs natively (each ``(output, operands)``); False when they must
        go through the ufuncs instead (a layout not compiled yet, an operand of another
        kind or shape, a written array overlapping another one)."""
        if not ENABLED:
            return False
        layout = self._layout(steps)
        if layout is None:
            return False
        key, addresses, numbers = layout
        function = self.functions.get(key)
        if function is None or isinstance(function, tuple | str):
            function = self._prepare(key, len(addresses), len(numbers))
            if function is None:
                return False
        function(steps[0][0].size, *addresses, *numbers)
        return True

    def _layout(self, steps: Sequence[tuple[Any, Sequence[Any]]]
                ) -> tuple[tuple[int, ...], list[int], list[float]] | None:
        """(each slot's array index or -1, the arrays' addresses, the numbers), or None."""
        shape = steps[0][0].shape
        size = steps[0][0].size
        if not size:
            return None
        key: list[int] = []
        addresses: list[int] = []
        numbers: list[float] = []
        seen: dict[int, int] = {}  # id -> array index
        written: set[int] = set()
        points: list[int] = []  # where the numbers broadcast from arrays are read
        for out, operands in steps:
            for position, a in enumerate((out, *operands)):
                if type(a) is np.ndarray:
                    c = seen.get(id(a))
                    if c is None:
                        if (a.dtype is not _FLOAT64 and a.dtype != _FLOAT64) or a.shape != shape:
                            return None
                        if not a.flags.c_contiguous:
                            if position == 0 or any(a.strides):
                                return None
                            key.append(-1)  # one number broadcast (np.broadcast_to)
                            numbers.append(a.item(0))
                            points.append(a.__array_interface__["data"][0])
                            continue
                        address = a.__array_interface__["data"][0]
                        c = addresses.index(address) if address in addresses else len(addresses)
                        if c == len(addresses):
                            addresses.append(address)
                        seen[id(a)] = c
                    if position == 0:
                        if not a.flags.writeable:
                            return None
                        written.add(c)
                    key.append(c)
                elif type(a) is float or type(a) is np.float64:
                    key.append(-1)
                    numbers.append(a)
                else:
                    return None
        span = size * _ITEM
        for w in written:  # written arrays: the same view as another, or apart from it
            start = addresses[w]
            for c, address in enumerate(addresses):
                if c != w and abs(address - start) < span:
                    return None
            if any(0 <= point - start < span for point in points):
                return None  # a number read once would miss what the loop writes there
        return tuple(key), addresses, numbers

    def _prepare(self, key: tuple[int, ...], arrays: int, numbers: int) -> Any:
        """The loaded function for ``key``: from the cache at once, else compiled in the
        background (None meanwhile, and for good if the compile failed)."""
        with _lock:
            state = self.functions.get(key)
            if state == _FAILED or (isinstance(state, tuple) and state[1] == _generation):
                return None  # failed, or being compiled in this process
            if state is None and len(self.functions) >= LAYOUTS:
                return None
            cc = compiler()
            if cc is None:
                return None
            self.functions[key] = ("pending", _generation)
        try:
            source = _c_source(self.steps, key)
            path = _library_path(source, cc)
            if path.exists():
                with contextlib.suppress(OSError):
                    os.utime(path)  # its last use, by which the cache is pruned
                return self._loaded(key, path, arrays, numbers, "loaded")
        except Exception:  # whatever goes wrong here, the ufuncs compute it
            return self._failed(key)
        submit(lambda: self._build(key, source, cc, path, arrays, numbers))
        return None

    def _build(self, key: tuple[int, ...], source: str, cc: str, path: Path, arrays: int,
               numbers: int) -> None:
        try:
            compile_source(source, cc, path)
        except Exception:  # no library: the ufuncs go on computing it
            self._failed(key)
            return
        self._loaded(key, path, arrays, numbers, "compiled")
        prune(path.parent)

    def _loaded(self, key: tuple[int, ...], path: Path, arrays: int, numbers: int,
                how: str) -> Any:
        try:
            function = _load(path, arrays, numbers)
        except Exception:  # not loadable: the ufuncs go on computing it
            return self._failed(key)
        with _lock:
            self.functions[key] = function
            _counts[how] += 1
        return function

    def _failed(self, key: tuple[int, ...]) -> None:
        with _lock:
            self.functions[key] = _FAILED
            _counts["failed"] += 1
        return None
