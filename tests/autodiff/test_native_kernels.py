"""Fused runs as native loops (generated C) equal the blocked ufuncs bit for bit.

Each function is differentiated with the native loops switched off (the
blocked ufuncs, and the plain program) and on, after waiting for the
background compile, through the public API.  The loops compute the same
IEEE operations in the same order, so the results agree bit for bit.
The tests' libraries go to the test run's own cache directory (the root
``conftest.py`` sets ``STEEPEST_CACHE_DIR``).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import fuse, native

needs_compiler = pytest.mark.skipif(not native.available(), reason="no C compiler found")

N = fuse.BLOCK_AT + fuse.BLOCK // 3 + 7  # large enough for a loop, no multiple of a block
SRC = Path(__file__).resolve().parents[2] / "src"


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rational(x):
    return np.sum((x * x + 1.0) / (2.0 + np.abs(x)) - np.sqrt(x * x + 3.0) * x)


def centered(x):
    # The mean is a number inside the runs (a scalar operand of the loop).
    return np.sum((x - np.mean(x)) ** 2 * 0.5 + np.sqrt(x * x + 1.0) / (1.0 + np.abs(x)))


def offsets(x):
    # Views that start and end at different places, read together with the whole array.
    return np.sum((x[3:-2] * x[:-5] - x[5:]) ** 2 / 3.0) + np.sum(-x * 0.25)


def strided(x):
    # x[::2] is not in memory in order: those runs stay with the ufuncs.
    return np.sum((x[::2] - x[1::2]) ** 2 + x[: x.size // 2] * 0.5)


def matrix(w):
    # Two-dimensional arrays and a column broadcast against the rows.
    return np.mean((w[1:, :] - w[:-1, :] * 0.5) ** 2 + w[1:, :1] * w[1:, :])


def branch(x):
    return np.sum(np.maximum(x, 0.0) * x - 3.0 * x)


FUNCTIONS = [rosenbrock, rational, centered, offsets, strided, branch]


def _point(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(-1.5, 2.0, shape).astype(dtype)


def _flat(result):
    if isinstance(result, tuple | list):
        return [a for part in result for a in _flat(part)]
    return [np.asarray(result)]


def _bits_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class _Runs:
    """Counts the runs the native loops computed (and declined) while patched in."""

    def __init__(self, monkeypatch):
        self.native = self.declined = 0
        run = native.Group.run

        def counted(group, steps):
            done = run(group, steps)
            if done:
                self.native += 1
            else:
                self.declined += 1
            return done

        monkeypatch.setattr(native.Group, "run", counted)


def _replayed(f, args, value, calls=3):
    """A fresh function's recorded gradient, called until it replays, and waited for."""
    argnums = tuple(range(len(args)))
    transform = st.value_and_grad if value else st.grad
    g = transform(lambda *a: f(*a), argnums=argnums)
    for _ in range(calls):
        g(*args)
    assert native.wait(120)
    return g


@needs_compiler
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [False, True], ids=["grad", "value_and_grad"])
def test_native_loops_equal_the_ufuncs_bit_for_bit(f, value, monkeypatch):
    args = (_point(2 * N if f is strided else N),)  # strided: halves large enough
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        blocked = _replayed(f, args, value)(*args)
        patch.setattr(fuse, "ENABLED", False)
        plain = _replayed(f, args, value)(*args)
    g = _replayed(f, args, value)
    runs = _Runs(monkeypatch)
    result = g(*args)
    assert runs.native > 0 or (f is strided and not value)  # its gradient: strided views
    for a, b, c in zip(_flat(result), _flat(blocked), _flat(plain), strict=True):
        assert _bits_equal(a, b) and _bits_equal(a, c)


@needs_compiler
def test_two_dimensional_arrays_and_several_arguments(monkeypatch):
    w = _point((N // 40, 41))
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        blocked = _replayed(matrix, (w,), True)(w)
    runs = _Runs(monkeypatch)
    result = _replayed(matrix, (w,), True)(w)
    assert runs.native > 0
    for a, b in zip(_flat(result), _flat(blocked), strict=True):
        assert _bits_equal(a, b)

    def two(x, y):
        return np.sum((x - y) ** 2 * 0.5 + x * y / 4.0 - np.sqrt(np.abs(y)))

    args = (_point(N, 1), _point(N, 2))
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        blocked = _replayed(two, args, True)(*args)
    for same in (False, True):  # the same array twice: another layout, its own loop
        call = args if not same else (args[0], args[0])
        result = _replayed(two, call, True)(*call)
        if same:
            with monkeypatch.context() as patch:
                patch.setattr(native, "ENABLED", False)
                blocked = _replayed(two, call, True)(*call)
        for a, b in zip(_flat(result), _flat(blocked), strict=True):
            assert _bits_equal(a, b)


@needs_compiler
@pytest.mark.parametrize("n", [fuse.BLOCK_AT - 1, fuse.BLOCK_AT, fuse.BLOCK_AT + 1,
                               fuse.BLOCK_AT + 2 * fuse.BLOCK + 1])
def test_sizes_at_the_threshold(n, monkeypatch):
    x = _point(n)
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        blocked = _replayed(rational, (x,), True)(x)
    runs = _Runs(monkeypatch)
    result = _replayed(rational, (x,), True)(x)
    assert (runs.native > 0) == (n >= fuse.BLOCK_AT)
    for a, b in zip(_flat(result), _flat(blocked), strict=True):
        assert _bits_equal(a, b)


def test_float32_is_left_to_the_ufuncs(monkeypatch):
    x = _point(N, dtype=np.float32)
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        expected = _replayed(rational, (x,), True)(x)
    runs = _Runs(monkeypatch)
    result = _replayed(rational, (x,), True)(x)
    assert runs.native == 0
    for a, b in zip(_flat(result), _flat(expected), strict=True):
        assert a.dtype == b.dtype and _bits_equal(a, b)
    assert _flat(result)[1].dtype == np.float32


def _group(source, params):
    return native.Group([(ast.parse(source, mode="eval").body, params)])


@needs_compiler
def test_a_loop_declines_operands_it_cannot_take():
    group = _group("view + a * 2.5", ("view", "a"))
    g, x = np.zeros(N + 1), _point(N)
    steps = [(g[:-1], (g[:-1], x))]
    group.run(steps)  # the first call asks for the library
    assert native.wait(120)
    assert group.run(steps)
    assert np.array_equal(g[:-1], x * 2.5)
    # A written array overlapping an operand shifted by one: one after the other instead.
    assert not group.run([(g[:-1], (g[:-1], g[1:]))])
    # Not in memory in order, another dtype, an integer, another shape: declined.
    assert not group.run([(g[:-1], (g[:-1], np.zeros(2 * N)[::2]))])
    assert not group.run([(g[:-1], (g[:-1], x.astype(np.float32)))])
    assert not group.run([(g[:-1], (g[:-1], 3))])
    assert not group.run([(g[:-1], (g[:-1], np.zeros(N + 1)))])
    assert not group.run([(g[:0], (g[:0], x[:0]))])
    # A number in place of the array: another layout, compiled in turn.
    group.run([(g[:-1], (g[:-1], 1.5))])
    assert native.wait(120)
    assert group.run([(g[:-1], (g[:-1], 1.5))])
    assert np.array_equal(g[:-1], x * 2.5 + 1.5 * 2.5)
    # The same layout for a value broadcast from an array (stride 0), unless the loop
    # writes where it is read: the ufuncs see it change.
    assert group.run([(g[:-1], (g[:-1], np.broadcast_to(np.full(1, 2.0), (N,))))])
    assert not group.run([(g[:-1], (g[:-1], np.broadcast_to(g[5:6], (N,))))])


def test_the_c_source_holds_only_generated_names_and_exact_constants():
    expression = ast.parse("-(a - 0.1) / sqrt(abs(b)) + 1e-300", mode="eval").body
    source = native._c_source([(expression, ("a", "b"))], (0, 1, -1))
    body = source.split("{", 1)[1]
    assert "0.1" not in body and (0.1).hex() in body and (1e-300).hex() in body
    words = set(re.findall(r"[A-Za-z_]\w*", body.replace((0.1).hex(), "").replace(
        (1e-300).hex(), "")))
    assert words <= {"for", "ptrdiff_t", "i", "n", "double", "const", "restrict", "p0", "p1", "r1",
                     "n0", "v0", "sqrt", "fabs"}


def test_no_compiler_leaves_the_ufuncs(monkeypatch):
    monkeypatch.setattr(native, "find_compiler", lambda: None)
    monkeypatch.setattr(native, "_compiler", native._UNSET)
    assert not native.available()
    x = _point(N)
    before = native.counts()
    runs = _Runs(monkeypatch)
    g = _replayed(rosenbrock, (x,), True)
    result = g(x)
    assert runs.native == runs.declined == 0  # no loop was even written
    assert native.counts() == before
    monkeypatch.setattr(native, "ENABLED", False)
    expected = _replayed(rosenbrock, (x,), True)(x)
    for a, b in zip(_flat(result), _flat(expected), strict=True):
        assert _bits_equal(a, b)


def test_a_failed_compile_leaves_the_ufuncs(monkeypatch, tmp_path):
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(tmp_path))
    false = Path("/bin/false") if Path("/bin/false").exists() else None
    if false is None:
        pytest.skip("no /bin/false")
    monkeypatch.setattr(native, "_compiler", str(false))
    monkeypatch.setattr(native, "ENABLED", True)  # also under STEEPEST_NATIVE=0
    before = native.counts()["failed"]
    x = _point(N)
    runs = _Runs(monkeypatch)
    result = _replayed(rational, (x,), True)(x)
    assert native.counts()["failed"] > before and runs.native == 0
    monkeypatch.setattr(native, "ENABLED", False)
    expected = _replayed(rational, (x,), True)(x)
    for a, b in zip(_flat(result), _flat(expected), strict=True):
        assert _bits_equal(a, b)
    assert not list((tmp_path / "native").glob("tmp-*"))  # nothing half-written left


def _python(code, **environment):
    env = {**os.environ, "PYTHONPATH": str(SRC), **environment}
    done = subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


PROGRAM = textwrap.dedent(f"""
    import numpy as np, steepest as st
    from steepest.autodiff import native
    x = np.random.default_rng(0).uniform(-1.5, 2.0, {N})
    g = st.grad(lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
    g(x); g(x)
    ran = []
    run = native.Group.run
    native.Group.run = lambda group, steps: ran.append(run(group, steps)) or ran[-1]
    result = g(x)
""")


@needs_compiler
def test_a_new_process_loads_the_cached_library_at_once(tmp_path):
    first = _python(PROGRAM + "native.wait(120); print(native.counts()['compiled'])",
                    STEEPEST_CACHE_DIR=str(tmp_path))
    assert int(first) > 0
    assert list((tmp_path / "native").glob("*.so"))
    second = _python(PROGRAM + "print(all(ran), native.counts()['compiled'], "
                     "native.counts()['loaded'])", STEEPEST_CACHE_DIR=str(tmp_path))
    assert second.split() == ["True", "0", first]  # every run native, none compiled


def test_the_environment_switches_the_loops_off(tmp_path):
    out = _python(PROGRAM + "native.wait(120); print(native.available(), any(ran), "
                  "native.counts())", STEEPEST_NATIVE="0", STEEPEST_CACHE_DIR=str(tmp_path))
    assert out.startswith("False False")
    assert not (tmp_path / "native").exists() or not list((tmp_path / "native").iterdir())


@needs_compiler
def test_threads_share_a_program_while_its_loop_compiles(monkeypatch, tmp_path):
    release = threading.Event()
    compile_ = native.compile_source

    def held(*args):
        release.wait(120)
        compile_(*args)

    monkeypatch.setattr(native, "compile_source", held)
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(tmp_path))  # nothing cached: compiled
    x = _point(N, 5)
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        expected = _flat(_replayed(centered, (x,), True)(x))
    g = st.value_and_grad(lambda x: centered(x))
    g(x)
    g(x)
    results, errors, started = [], [], threading.Barrier(3)

    def calls():
        try:
            started.wait(60)
            for _ in range(6):
                results.append(g(x))
            started.wait(60)  # the compile is released while both threads go on
            for _ in range(6):
                results.append(g(x))
        except Exception as error:  # handed to the test's thread
            errors.append(error)

    threads = [threading.Thread(target=calls) for _ in range(2)]
    compiled = native.counts()["compiled"]
    try:
        for t in threads:
            t.start()
        started.wait(60)
        started.wait(60)
        assert native.counts()["compiled"] == compiled  # still held: the ufuncs computed
    finally:
        release.set()
        for t in threads:
            t.join(120)
    assert native.wait(120) and not errors and len(results) == 24
    runs = _Runs(monkeypatch)
    results.append(g(x))
    assert runs.native > 0
    for result in results:
        for a, b in zip(_flat(result), expected, strict=True):
            assert _bits_equal(a, b)


def test_the_cache_is_private_and_forgets_half_written_files(monkeypatch, tmp_path):
    folder = tmp_path / "native"
    folder.mkdir()
    stale, fresh = folder / "tmp-old.so", folder / "tmp-new.so"
    stale.write_bytes(b"")
    fresh.write_bytes(b"")
    os.utime(stale, (0, 0))
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(tmp_path))
    assert native.cache_directory() == folder
    assert not stale.exists() and fresh.exists()
    # A directory others may write to is never used: a private temporary one instead.
    shared = tmp_path / "shared"
    (shared / "native").mkdir(parents=True)
    (shared / "native").chmod(0o777)
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(shared))
    private = native.cache_directory()
    assert private != shared / "native" and (private.stat().st_mode & 0o077) == 0


def _libraries(folder: Path) -> list[Path]:
    return sorted(folder.glob("run-*.so"))


def _fill(folder: Path, count: int) -> list[Path]:
    """``count`` placeholder libraries, the first the least recently used."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"run-{i:04d}.so" for i in range(count)]
    for i, path in enumerate(paths):
        path.write_bytes(b"")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    return paths


def test_the_cache_keeps_the_most_recently_used_libraries(monkeypatch, tmp_path):
    paths = _fill(tmp_path / "native", native.CACHE_LIMIT + 5)
    os.utime(paths[0])  # used just now: kept, though written first
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(tmp_path))
    assert native.cache_directory() == tmp_path / "native"
    kept = _libraries(tmp_path / "native")
    assert len(kept) == native.CACHE_LIMIT
    assert paths[0] in kept and not set(paths[1:6]) & set(kept)


@needs_compiler
def test_a_process_compiling_new_programs_keeps_the_cache_bounded(monkeypatch, tmp_path):
    monkeypatch.setenv("STEEPEST_CACHE_DIR", str(tmp_path))  # nothing cached: compiled
    monkeypatch.setattr(native, "CACHE_LIMIT", 3)
    old = _fill(tmp_path / "native", 3)
    x = _point(N, 7)
    with monkeypatch.context() as patch:
        patch.setattr(native, "ENABLED", False)
        expected = _flat(_replayed(offsets, (x,), True)(x))
    compiled = native.counts()["compiled"]
    g = st.value_and_grad(lambda x: offsets(x))
    for _ in range(3):
        g(x)
    assert native.wait(120)
    assert native.counts()["compiled"] > compiled
    kept = _libraries(tmp_path / "native")
    assert len(kept) == 3 and old[0] not in kept  # the new library in, the oldest out
    runs = _Runs(monkeypatch)
    for a, b in zip(_flat(g(x)), expected, strict=True):
        assert _bits_equal(a, b)
    assert runs.native > 0
