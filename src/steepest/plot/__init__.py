"""Pictures of calculus and optimization, each returned as a matplotlib Figure.

Figures are built without pyplot (nothing opens a window); save them with
``fig.savefig("picture.png")``.  The shared look (colorblind-safe Okabe-Ito
colors, mathtext labels) is in :mod:`steepest.plot.style`.

Every public name of the modules in this package (their ``__all__``) is
available here, loaded on first use: ``st.plot.numeric_error``,
``st.plot.function``, ``st.plot.contour`` and so on.

>>> import numpy as np
>>> from steepest import plot
>>> fig = plot.numeric_error(lambda x: x**2, 3.0, methods=["forward"])
>>> fig.axes[0].get_xlabel()
'step size $h$'
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

#: Modules searched first, in this order, when two export the same name.
_PREFERRED = ("numeric", "calculus", "landscape", "descent", "style")


def _modules() -> list[str]:
    found = {info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")}
    return [m for m in _PREFERRED if m in found] + sorted(found - set(_PREFERRED))


def _load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    modules = _modules()
    if name in modules:
        return _load(name)
    for module_name in modules:
        module = _load(module_name)
        if name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'steepest.plot' has no attribute {name!r}")


def __dir__() -> list[str]:
    names = set(_modules())
    for module_name in _modules():
        try:
            names |= set(getattr(_load(module_name), "__all__", ()))
        except Exception:  # a module that fails to import still leaves the others listed
            continue
    return sorted(names)
