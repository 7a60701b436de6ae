"""Modules and parameters: the containers a network's weights live in.

A :class:`Parameter` is a :class:`~steepest.Tensor` that always records
operations (``requires_grad=True``) and whose ``.data`` is a writable NumPy
array, so a training loop can do ``p.data -= lr * p.grad`` by hand.  A
:class:`Module` collects the parameters assigned to it (and to the modules
assigned to it), in the order they were assigned.

>>> import numpy as np, steepest as st
>>> class Line(st.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.m = st.nn.Parameter(0.5)
...         self.b = st.nn.Parameter(7 / 3)
...     def forward(self, x):
...         return self.m * x + self.b
>>> line = Line()
>>> [name for name, _ in line.named_parameters()]
['m', 'b']
>>> loss = np.sum((line(np.array([1.0, 2.0, 3.0])) - np.array([2.0, 5.0, 3.0])) ** 2)
>>> loss.backward()
>>> float(line.m.grad), float(line.b.grad)
(0.0, 0.0)
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import numpy as np

from steepest.autodiff import Tensor
from steepest.autodiff.core import mark_written
from steepest.errors import DataError

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype: Any) -> np.dtype:
    """``np.float32`` or ``np.float64`` (the two dtypes networks are trained in).

    >>> as_float_dtype("float32")
    dtype('float32')
    >>> as_float_dtype(int)
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: dtype must be float32 or float64, not int64
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise DataError(f"dtype must be float32 or float64, not {dtype!r}") from None
    if resolved not in FLOAT_DTYPES:
        raise DataError(f"dtype must be float32 or float64, not {resolved}")
    return resolved


class Parameter(Tensor):
    """A learnable tensor: ``requires_grad`` is on and ``.data`` may be written.

    >>> import steepest as st
    >>> b3 = st.nn.Parameter(0.0, name="b3")
    >>> b3
    Parameter(0., name='b3')
    >>> b3.data += 1.57
    >>> float(b3.data)
    1.57
    """

    __slots__ = ()
    # What is computed from a parameter is a plain tensor, as in PyTorch: a module that
    # keeps an activation as an attribute does not take it for a parameter.
    _result_class = Tensor

    def __init__(self, data: Any, dtype: Any = None, name: str | None = None) -> None:
        # Tensor makes the one copy (in the dtype asked for): a layer's weights are
        # copied once, not twice, when it is made.
        resolved = as_float_dtype(dtype) if dtype is not None else None
        super().__init__(data, requires_grad=True, dtype=resolved, name=name)
        if self._value.dtype not in FLOAT_DTYPES:  # float16 or complex: trained in float64
            self._value = self._value.astype(np.float64)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Parameter(")
        name = f", name={self.name!r}" if self.name else ""
        frozen = ", requires_grad=False" if not self.requires_grad else ""
        return f"Parameter({body}{name}{frozen})"


class Module:
    """Base class of layers and networks: holds parameters and submodules.

    Subclasses assign :class:`Parameter` and :class:`Module` attributes in
    ``__init__`` (after ``super().__init__()``) and define ``forward``;
    calling the module calls ``forward``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"call super().__init__() in {type(self).__name__}.__init__ before "
                "assigning attributes"
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            if value.name is None:
                value.name = name
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    # -- calling ---------------------------------------------------------------------------
    def forward(self, x: Any) -> Any:  # pragma: no cover - every subclass overrides
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    # -- parameters ------------------------------------------------------------------------
    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """``(qualified name, parameter)`` pairs, this module's first, then each submodule's."""
        seen: set[int] = set()
        pairs: list[tuple[str, Parameter]] = []
        for name, param in self._walk(prefix):
            if id(param) not in seen:
                seen.add(id(param))
                pairs.append((name, param))
        return pairs

    def _walk(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, param in self._parameters.items():
            yield prefix + name, param
        for name, module in self._modules.items():
            yield from module._walk(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        """Every parameter once, in order: for layers, weight then bias, layer by layer."""
        return [param for _, param in self.named_parameters()]

    def modules(self) -> list[Module]:
        """This module and all modules inside it, depth first."""
        found = [self]
        for module in self._modules.values():
            found.extend(module.modules())
        return found

    def zero_grad(self) -> None:
        """Forget every parameter's accumulated ``.grad`` (call before each backward)."""
        # Called every step: the parameters are reached directly, without their names
        # (one shared by two modules is simply cleared twice), and the modules with one
        # list that is its own work queue (no list per module, no recursion).
        modules = [self]
        for module in modules:
            for param in module._parameters.values():
                param.grad = None
            modules.extend(module._modules.values())

    def num_parameters(self) -> int:
        """How many numbers the parameters hold altogether."""
        return sum(param.size for param in self.parameters())

    # -- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's values by qualified name."""
        return {name: param.data.copy() for name, param in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Write values back into the parameters (shapes must match).

        The values are written in place: a result computed from the old ones
        refuses ``backward()`` (compute it again).
        """
        params = dict(self.named_parameters())
        missing = sorted(set(params) - set(state))
        unknown = sorted(set(state) - set(params))
        if missing or unknown:
            raise DataError(
                f"state does not match the module: missing {missing or 'none'}, "
                f"unknown {unknown or 'none'}"
            )
        for name, param in params.items():
            value = np.asarray(state[name], dtype=param.dtype)
            if value.shape != param.shape:
                raise DataError(
                    f"parameter {name} has shape {param.shape}, the state gives {value.shape}"
                )
            param.data[...] = value
            mark_written(param)  # a graph computed from the old values refuses backward()

    def to(self, dtype: Any) -> Module:
        """Convert every parameter to ``float32`` or ``float64`` in place; returns the module.

        The dtype is then the one named: later inputs no longer settle it.

        >>> import numpy as np, steepest as st
        >>> layer = st.nn.Linear(2, 1).to("float64")
        >>> layer(np.ones((1, 2), dtype=np.float32)).dtype
        dtype('float64')
        """
        resolved = as_float_dtype(dtype)
        for param in self.parameters():
            if param.dtype != resolved:
                param.data = param.data.astype(resolved)
                param.grad = None
        for module in self.modules():
            if "_dtype_settled" in module.__dict__:
                module._dtype_settled = True
        return self

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the first parameter (float64 for a module without parameters)."""
        params = self.parameters()
        return params[0].dtype if params else np.dtype(np.float64)

    def extra_repr(self) -> str:
        return ""

    def _repr_html_(self) -> str:
        from steepest.display import box, paragraph, table

        rows = [
            (name, "×".join(str(n) for n in p.data.shape) or "scalar", int(p.data.size),
             "yes" if p.requires_grad else "no")
            for name, p in self.named_parameters()
        ]  # fmt: skip
        total = sum(row[2] for row in rows)
        return box(
            type(self).__name__,
            f"<pre>{html.escape(repr(self))}</pre>",
            table(rows, ["parameter", "shape", "numbers", "learned"]),
            paragraph(f"{total} numbers in all"),
        )

    def __repr__(self) -> str:
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, module in self._modules.items():
            inner = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {inner}")
        lines.append(")")
        return "\n".join(lines)


__all__ = ["Module", "Parameter", "as_float_dtype"]
