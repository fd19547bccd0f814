"""One error hierarchy, and messages that name the operation and the values."""

import numpy as np
import pytest

import gradlab as gl


def test_hierarchy_refines_builtins():
    assert issubclass(gl.ShapeError, gl.GradlabError) and issubclass(gl.ShapeError, ValueError)
    assert issubclass(gl.InputTypeError, TypeError)
    assert issubclass(gl.GraphError, RuntimeError)
    assert issubclass(gl.NonFiniteError, FloatingPointError)
    assert issubclass(gl.MissingExtraError, ImportError)


def test_matmul_message_names_inner_dimensions():
    a, b = gl.tensor(np.ones((3, 2))), gl.tensor(np.ones((3, 1)))
    with pytest.raises(gl.ShapeError) as info:
        a @ b
    assert str(info.value) == "matmul: (3, 2) @ (3, 1): inner dimensions 2 and 3 differ"


def test_broadcast_message_names_both_shapes():
    with pytest.raises(gl.ShapeError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        gl.tensor(np.ones(3)) + gl.tensor(np.ones(4))


def test_linear_message_names_features():
    with pytest.raises(gl.ShapeError, match=r"linear: input of shape \(5, 3\) has 3 features.*in_features = 2"):
        gl.linear(gl.tensor(np.ones((5, 3))), gl.tensor(np.ones((4, 2))), gl.tensor(np.ones(4)))


@pytest.mark.parametrize("bad", ["abc", None, object(), [1, "x"], [[1, 2], [3]], 1 + 2j])
def test_non_numeric_input_is_a_clear_error(bad):
    with pytest.raises(gl.InputTypeError):
        gl.tensor(bad)


def test_non_numeric_operand_is_a_clear_error():
    with pytest.raises(gl.InputTypeError, match="mul: expected a Tensor, a number or an array, got str"):
        gl.tensor([1.0]) * "a"


def test_other_shape_errors():
    with pytest.raises(gl.ShapeError, match=r"reshape: cannot reshape \(2, 3\)"):
        gl.reshape(gl.tensor(np.ones((2, 3))), (4, 2))
    with pytest.raises(gl.ShapeError, match="square matrix"):
        gl.inv(gl.tensor(np.ones((2, 3))))
    with pytest.raises(gl.ShapeError, match="axis 2 is out of range"):
        gl.sum(gl.tensor(np.ones((2, 3))), axis=2)
    with pytest.raises(gl.ShapeError, match="stack: all tensors must have the same shape"):
        gl.stack([gl.tensor(np.ones(2)), gl.tensor(np.ones(3))])
    with pytest.raises(gl.ShapeError, match="item: only a tensor with one element"):
        gl.tensor([1.0, 2.0]).item()
    with pytest.raises(gl.ShapeError, match="grad: the function must return a scalar"):
        gl.grad(lambda x: x * 2)(np.ones(3))


def test_parameter_errors_use_the_template():
    with pytest.raises(gl.ParameterError, match="The 'mode' parameter of check_grad must be one of"):
        gl.check_grad(lambda x: x, np.ones(2), mode="fast")


def test_non_finite_inputs_to_check_grad_are_rejected():
    with pytest.raises(gl.NonFiniteError, match="input 0 .* contains NaN"):
        gl.check_grad(gl.exp, np.array([1.0, np.nan]))
    with pytest.raises(gl.NonFiniteError, match="f returned NaN or inf"):
        gl.check_grad(gl.log, np.array([-1.0]))
