"""Code that cannot be differentiated: one clear DifferentiationError each.

Every message names the function at fault and what to write instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import steepest as st
from steepest.errors import DifferentiationError, SteepestError

VECTOR = np.array([0.5, 1.5, 2.5])


def message_of(f, *args, transform=st.grad) -> str:
    with pytest.raises(DifferentiationError) as info:
        transform(f)(*args)
    return str(info.value)


def test_differentiation_error_is_a_steepest_error():
    assert issubclass(DifferentiationError, SteepestError)
    assert issubclass(DifferentiationError, TypeError)
    assert st.DifferentiationError is DifferentiationError


# -- NumPy functions without a derivative rule -------------------------------------
def test_a_function_without_a_rule_names_itself_and_the_alternative():
    message = message_of(lambda x: np.sum(np.put(x, [0], 1.0)), VECTOR)
    assert message == (
        "np.put has no derivative rule in steepest; build a new array with np.where or "
        "np.concatenate"
    )


def test_other_unsupported_functions_get_a_general_hint():
    message = message_of(lambda x: np.sum(np.sinc(x)), VECTOR)
    assert message.startswith(
        "np.sinc has no derivative rule in steepest; write it with supported operations"
    )
    message = message_of(lambda x: np.sum(np.add.accumulate(x)), VECTOR)
    assert message.startswith("np.add.accumulate has no derivative rule in steepest")
    message = message_of(lambda x: np.sum(np.interp(x, [0.0, 1.0], [0.0, 2.0])), VECTOR)
    assert message.startswith("np.interp has no derivative rule in steepest")


def test_unsupported_options_are_named():
    message = message_of(lambda x: np.linalg.norm(x, ord="bad"), VECTOR)
    assert message.startswith("np.linalg.norm has no derivative rule in steepest; ord='bad'")
    message = message_of(lambda x: np.sum(np.exp(x, where=x > 1)), VECTOR)
    assert "its where= option is not differentiable here" in message


def test_np_array_of_traced_values_keeps_their_derivatives():
    assert st.grad(lambda x: np.sum(np.array([x[0], x[1]]) ** 2))(VECTOR).tolist() == [
        1.0, 3.0, 0.0]
    jac = st.jacobian(lambda x: np.array([x, x ** 2, 3.0]))(2.0)
    assert jac.tolist() == [1.0, 4.0, 0.0]


def test_np_array_with_a_number_dtype_is_refused():
    message = message_of(lambda x: np.sum(np.array([x[0], x[1]], dtype=float)), VECTOR)
    assert message.startswith("np.array / np.asarray with a number dtype")


# -- math functions ------------------------------------------------------------------
def test_math_sin_says_np_sin():
    message = message_of(lambda x: math.sin(x), 1.0)
    assert message == (
        "math.sin cannot take a traced value: it turns it into a plain float and the "
        "derivative is lost; use np.sin instead"
    )


def _math_functions() -> list[tuple[str, int]]:
    """Every function of the math module that turns its arguments into floats, with its arity."""
    found = []
    for name in sorted(dir(math)):
        fn = getattr(math, name)
        if not callable(fn) or name.startswith("_"):
            continue
        for arity in (1, 2):
            try:
                fn(*[0.5] * arity)
            except (TypeError, ValueError):
                continue
            found.append((name, arity))
            break
    return found


MATH_FUNCTIONS = _math_functions()
# Rounding functions read the value (as int() does): a step, with derivative 0.
ROUNDING = {"floor", "ceil", "trunc"}


def test_the_math_functions_are_found():
    names = {name for name, _ in MATH_FUNCTIONS}
    assert {"exp", "log", "sqrt", "tanh", "cos", "atan2", "pow", "hypot", "erf"} <= names


@pytest.mark.parametrize(("name", "arity"), [f for f in MATH_FUNCTIONS if f[0] not in ROUNDING])
def test_every_math_function_names_itself_and_its_numpy_twin(name, arity):
    math_fn = getattr(math, name)

    def f(x):
        return np.sin(x) + math_fn(*[x] * arity)  # called under another name: math_fn

    message = message_of(f, 0.5)
    assert message.startswith(f"math.{name} cannot take a traced value")
    twin = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
            "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power",
            "fsum": "sum", "dist": "linalg.norm", "ulp": "spacing"}.get(name, name)
    if hasattr(np, twin.split(".")[0]) and name not in ("gamma", "lgamma", "erf", "erfc"):
        assert message.endswith(f"use np.{twin} instead")
    else:
        assert message.endswith("write it with NumPy functions (np.exp, np.log, np.sqrt, ...) "
                                "instead")


@pytest.mark.parametrize("name", sorted(ROUNDING))
def test_rounding_math_functions_are_steps(name):
    assert st.grad(lambda x: getattr(math, name)(x) * 1.0 + x)(0.5) == 1.0


def test_the_math_call_that_failed_is_the_one_named():
    def f(x):
        return np.sin(x) * 2 + math.exp(x)

    assert message_of(f, 1.0).startswith("math.exp cannot take a traced value")

    def g(x):
        return math.sqrt(math.log(x))

    assert message_of(g, 2.0).endswith("use np.log instead")


def test_math_function_without_a_numpy_twin():
    def f(x):
        return math.erf(x)

    assert message_of(f, 1.0).endswith(
        "write it with NumPy functions (np.exp, np.log, np.sqrt, ...) instead"
    )


def test_float_of_a_traced_value():
    message = message_of(lambda x: float(x) * 2, 1.0)
    assert message.startswith("a traced value was turned into a Python float (float()")
    assert "math.sin" not in message
    assert ".item()" in message


# -- in-place writes -------------------------------------------------------------------
IN_PLACE = (
    "in-place writes into a traced array (x[i] = ..., out=...) are not differentiable; "
    "build a new array instead with np.where, np.concatenate or np.stack"
)


def test_item_assignment_into_a_traced_array():
    def f(x):
        x[0] = 1.0
        return np.sum(x)

    assert message_of(f, VECTOR) == IN_PLACE


def test_out_argument():
    def f(x):
        buffer = np.zeros(3)
        np.add(x, x, out=buffer)
        return np.sum(buffer)

    assert message_of(f, VECTOR) == IN_PLACE

    def g(x):
        return np.sum(np.sum(x, out=np.zeros(())))

    assert message_of(g, VECTOR) == IN_PLACE


def test_augmented_assignment_into_a_plain_array():
    def f(x):
        total = np.zeros(3)
        total += x
        return np.sum(total)

    assert message_of(f, VECTOR) == IN_PLACE


def test_augmented_assignment_of_a_traced_name_rebinds_and_works():
    def f(x):
        x += 1.0  # a new traced value bound to the name x: nothing is written in place
        x *= x
        return np.sum(x)

    np.testing.assert_allclose(st.grad(f)(VECTOR), 2 * (VECTOR + 1.0))


@pytest.mark.xfail(
    strict=True,
    reason="NumPy swallows the error raised by float() during a[i] = traced and reports "
    "'setting an array element with a sequence' instead (a known limitation)",
)
def test_writing_a_traced_value_into_a_plain_array():
    def f(x):
        buffer = np.zeros(3)
        buffer[0] = x[0]
        return np.sum(buffer)

    assert message_of(f, VECTOR) == IN_PLACE


# -- outputs and arguments -------------------------------------------------------------
def test_grad_of_a_vector_output_says_jacobian():
    message = message_of(lambda x: x**2, VECTOR)
    assert message == (
        "grad needs a function with one number as output, but it returned shape (3,); "
        "use st.jacobian for vector outputs, or reduce the output (np.sum, np.mean)"
    )
    assert "st.jacobian" in message_of(lambda x: x**2, VECTOR, transform=st.value_and_grad)


def test_grad_of_a_tuple_output():
    message = message_of(lambda x: (np.sum(x), np.mean(x)), VECTOR)
    assert message.startswith("the function returned a tuple; return one array")


def test_backward_of_a_vector_says_what_to_pass():
    w = st.Tensor(VECTOR, requires_grad=True)
    with pytest.raises(DifferentiationError) as info:
        (w * 2).backward()
    assert str(info.value) == (
        "backward() without an argument needs a one-element tensor, not shape (3,); "
        "pass the output gradient, e.g. out.backward(np.ones(out.shape))"
    )


def test_argnums_out_of_range():
    with pytest.raises(DifferentiationError) as info:
        st.grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)
    assert str(info.value) == (
        "argnums=2 asks for argument 2, but the function was called with 2 positional argument(s)"
    )


def test_non_numeric_argument():
    message = message_of(lambda s: np.sum(s), {"a": 1})
    assert message == (
        "cannot differentiate with respect to a value of type dict: pass numbers or NumPy arrays"
    )


def test_string_argument():
    message = message_of(lambda s: np.sum(s), "text")
    assert message == (
        "cannot differentiate with respect to a value of type str: pass numbers or NumPy arrays"
    )


def test_jvp_shape_checks():
    with pytest.raises(DifferentiationError, match="one tangent per primal"):
        st.jvp(np.sin, (1.0, 2.0), (1.0,))
    with pytest.raises(
        DifferentiationError,
        match=r"a tangent has shape \(2,\) but its primal "
        r"has shape \(3,\)",
    ):
        st.jvp(np.sin, (VECTOR,), (np.ones(2),))


def test_vjp_cotangent_shape_check():
    _, pullback = st.vjp(np.sin, VECTOR)
    with pytest.raises(
        DifferentiationError,
        match=r"the cotangent has shape \(2,\), but the "
        r"output has shape \(3,\)",
    ):
        pullback(np.ones(2))


# -- integers are promoted, not refused -----------------------------------------------
def test_integer_inputs_are_promoted_to_float64():
    g = st.grad(lambda x: np.sum(x**3))(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [3.0, 12.0, 27.0])
    assert st.grad(lambda x: x**3)(2) == 12.0
    assert st.Tensor([1, 2]).dtype == np.float64
    assert st.Tensor(np.array([True, False])).dtype == np.float64
    assert st.hessian(lambda x: x**3)(2) == 12.0


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.linalg.det(np.array([[x, 1.0], [2.0, x]])),
        lambda x: np.sum(np.exp(np.array([x, 1.0]))),
    ],
)
def test_numpy_refusing_an_array_of_traced_values_becomes_one_sentence(f):
    with pytest.raises(st.DifferentiationError, match=r"np\.stack"):
        st.grad(f)(3.0)
    with pytest.raises(st.DifferentiationError, match=r"np\.stack"):
        st.jvp(f, (3.0,), (1.0,))


def test_a_dict_cotangent_is_read_by_the_output_keys():
    _, pullback = st.vjp(lambda x: {"a": x, "b": 2.0 * x}, 1.0)
    assert pullback({"b": 1.0, "a": 0.0}) == pullback({"a": 0.0, "b": 1.0}) == 2.0
    with pytest.raises(DifferentiationError, match="keys"):
        pullback({"c": 1.0, "d": 0.0})


def test_arrays_of_objects_and_singular_matrices_are_one_sentence():
    with pytest.raises(DifferentiationError, match="not numbers"):
        st.grad(lambda x: np.sum(x * np.array(["a"], dtype=object)))(1.0)
    with pytest.raises(DifferentiationError, match="singular"):
        st.grad(lambda x: np.sum(np.linalg.inv(x)))(np.zeros((2, 2)))


# -- np.ndarray's methods and attributes on a traced array ---------------------------
# Every public name of np.ndarray: a method or attribute of Tensor, or one sentence that
# names it and says what to use; never Python's bare AttributeError.
NDARRAY_NAMES = sorted(name for name in dir(np.ndarray) if not name.startswith("_"))


@pytest.mark.parametrize("name", NDARRAY_NAMES)
def test_every_ndarray_attribute_is_there_or_named_with_what_to_do(name):
    seen = []

    def f(x):
        try:
            seen.append(getattr(x, name))
        except AttributeError as error:
            seen.append(error)
        return np.sum(x * x)

    st.grad(f)(np.array([[0.5, 1.5], [2.5, 3.5]]))
    (found,) = seen
    if isinstance(found, AttributeError):
        message = str(found)
        assert f".{name} of np.ndarray" in message and ";" in message, message


@pytest.mark.parametrize("name, instead", [("sort", "np.sort(x)"), ("fill", "np.where"),
                                           ("partition", "np.partition"), ("put", "np.where")])
def test_methods_that_write_into_the_array_are_refused_with_the_function_to_use(name, instead):
    message = message_of(lambda x: np.sum(getattr(x, name)(0)), VECTOR)
    assert message.startswith(f"x.{name}() writes into a traced array") and instead in message


def test_numpy_functions_given_a_list_of_traced_values_say_to_stack_it():
    message = message_of(lambda x: np.mean([x[0], 1.0]), VECTOR)
    assert "np.stack" in message and "list" in message


def test_eager_tensors_of_one_number_in_a_list_are_their_values():
    # NumPy asks each element for an array; a 0-d result gave a NumPy scalar, which it
    # refused with "object __array__ method not producing an array".
    t = st.Tensor([[0.6, 0.2], [0.3, 0.9]], requires_grad=True)
    with st.no_grad():
        values = np.array([t[0, 0], t[1, 1]])
        top = np.max([t[0, 0], t[1, 1]])
    assert values.dtype == np.float64 and values.tolist() == [0.6, 0.9]
    assert top == 0.9
