"""autograd's extension point: steepest has no user-defined derivative rules."""

import functools

import steepest as st
from steepest.errors import DifferentiationError


def primitive(fun):
    """``fun`` as an operation with no derivative rule: a traced argument is refused."""
    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        if any(isinstance(a, st.Tensor) and a.requires_grad for a in args):
            raise DifferentiationError(
                f"{getattr(fun, '__name__', 'this function')} was declared with "
                "autograd.extend.primitive; steepest takes no user-defined derivative rules")
        return fun(*args, **kwargs)

    return wrapped
