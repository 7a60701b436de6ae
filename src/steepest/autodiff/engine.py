"""The eager path's inner loops, compiled: ``engine.c`` built once and loaded as a module.

Each operation on a :class:`~steepest.Tensor` and each backward sweep runs
a few dozen lines of :mod:`steepest.autodiff.core` between NumPy's calls:
the short path of an elementwise primitive (``_short_application``), the
sweep and the ordering walk; and the reductions, the general application of
a primitive with a vjp (a ``Linear`` layer) and NumPy's protocols
(``np.exp(x)``, ``np.sum(x, axis=1)``).  On a chain of scalar operations
that interpreted work is most of the time.  ``engine.c`` holds the same
steps in C, statement for statement, calling the same Python operations on the
same operands, so both engines make the same nodes and the same numbers;
anything off the short path (another trace's value, ``no_grad``, a
picture's log, values watched for release) is handed to the Python
application, which stays the reference.

The source is compiled by the system's C compiler against Python's headers,
in the background when the library is not yet in the per-user cache of
:mod:`steepest.autodiff.native` (keyed by the source, the compiler and the
Python build), and loaded when ready; until then, and where there is no
compiler or no headers, Python's engine runs.  ``STEEPEST_NATIVE=0``
switches it off with the fused loops.

>>> import steepest as st
>>> from steepest.autodiff import engine
>>> engine.wait()  # the compile, when one runs, is done (loaded or failed)
True
>>> x = st.Tensor(2.0, requires_grad=True)
>>> y = x * x + 1.0
>>> y.backward(); float(x.grad)
4.0
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import sys
import sysconfig
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from steepest.autodiff import core, native

SOURCE = Path(__file__).with_name("engine.c")
MODULE = "steepest_engine"
# -fno-strict-aliasing and -fwrapv: as Python's own extensions are built.
FLAGS = ("-O2", "-shared", "-fPIC", "-fno-strict-aliasing", "-fwrapv")

_lock = threading.Lock()
_state: dict[str, object] = {"module": None, "failed": False, "started": False}


def include_directory() -> str | None:
    """The directory of ``Python.h``, or None where this Python has no headers."""
    include = sysconfig.get_paths().get("include")
    return include if include and Path(include, "Python.h").is_file() else None


def library_path(source: str, cc: str, include: str) -> Path:
    """Where the compiled engine of ``source`` lives in the cache (a hash of everything
    that makes the library: source, compiler, headers, Python build and flags)."""
    key = "\0".join((source, native.compiler_key(cc), include, sys.version,
                     sysconfig.get_config_var("EXT_SUFFIX") or "", *FLAGS))
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return native.cache_directory() / f"engine-{digest}{sysconfig.get_config_var('EXT_SUFFIX')}"


def _import(path: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(MODULE, str(path))
    spec = importlib.util.spec_from_file_location(MODULE, str(path), loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    module.init(core.engine_names())
    return module


def _loaded(module: ModuleType) -> None:
    with _lock:
        _state["module"] = module
    core.use_compiled(module)


def _build(source: str, cc: str, include: str, path: Path) -> None:
    try:
        if not path.exists():
            native.compile_source(source, cc, path, (*FLAGS, f"-I{include}"))
        _loaded(_import(path))
    except Exception:  # no headers, a compiler that fails: Python's engine goes on
        with _lock:
            _state["failed"] = True


def start() -> None:
    """Load the compiled engine, from the cache at once, else after a compile in the
    background; nothing when switched off, without a compiler or without Python's headers.
    Called once, when :mod:`steepest.autodiff` is imported."""
    with _lock:
        if _state["started"]:
            return
        _state["started"] = True
    cc, include = native.compiler(), include_directory()
    if not native.ENABLED or cc is None or include is None or not SOURCE.is_file():
        with _lock:
            _state["failed"] = True
        return
    source = SOURCE.read_text()
    path = library_path(source, cc, include)
    if path.exists():
        _build(source, cc, include, path)
    else:
        native.submit(lambda: _build(source, cc, include, path))


def wait(timeout: float | None = None) -> bool:
    """Wait until the compile, if one runs, is done (loaded or failed); False on timeout.

    >>> wait()
    True
    """
    return native.wait(timeout)


def loaded() -> bool:
    """Whether the compiled engine is loaded (it runs unless switched off).

    >>> wait() and loaded() in (True, False)
    True
    """
    with _lock:
        return _state["module"] is not None


@contextlib.contextmanager
def python_engine() -> Iterator[None]:
    """Run Python's engine, the reference, inside the block (the tests compare them).

    >>> import steepest as st
    >>> with python_engine():
    ...     y = st.Tensor(3.0, requires_grad=True) * 2.0
    >>> float(y.data)
    6.0
    """
    before = core.compiled_engine()
    core.use_compiled(None)
    try:
        yield
    finally:
        core.use_compiled(before)
