"""The table-driven test: every registered primitive, every case, three ways.

For each row and each sample input: the VJP-built Jacobian (via gl.jacobian),
the row's explicit Jacobian and central finite differences must agree. A row
registered without cases, or with a wrong rule, fails here.
"""


import numpy as np
import pytest

import gradlab as gl
from gradlab.core.primitive import PRIMITIVES, register
from gradlab.core.tensor import Tensor, apply

from support.primitive_cases import CASES, FIRST_ORDER_ONLY, Const


def _params_of(prim_name):
    return [pytest.param(name, i, args, params, id=f"{name}-{i}")
            for name in sorted(CASES) for i, (args, params) in enumerate(CASES[name])]


def _function(prim, args, params):
    """f(*differentiable inputs) applying ``prim`` with the constants put back."""
    slots = [a for a in args]

    def f(*xs):
        it = iter(xs)
        full = [a.value if isinstance(a, Const) else next(it) for a in slots]
        return apply(prim, *full, **params)

    f.__name__ = prim.name
    return f, [a for a in args if not isinstance(a, Const)]


def test_every_registered_primitive_has_cases():
    missing = sorted(set(PRIMITIVES) - set(CASES))
    assert not missing, f"primitives without grad-check cases: {missing}"


@pytest.mark.parametrize("name,i,args,params", _params_of(None))
def test_vjp_matches_finite_differences(name, i, args, params):
    prim = PRIMITIVES[name]
    f, inputs = _function(prim, args, params)
    report = gl.check_grad(f, *inputs, mode="full")
    assert report.passed, str(report)


@pytest.mark.parametrize("name,i,args,params", _params_of(None))
def test_explicit_jacobian_matches_vjp(name, i, args, params):
    prim = PRIMITIVES[name]
    f, inputs = _function(prim, args, params)
    datas = [a.value if isinstance(a, Const) else a for a in args]
    k = 0
    for argnum, a in enumerate(args):
        if isinstance(a, Const):
            continue
        explicit = prim.explicit_jacobian(argnum, *datas, **params)
        via_vjp = gl.jacobian(f, argnums=k)(*inputs)
        numeric = gl.numerical_jacobian(f, *inputs, argnum=k)
        assert explicit.shape == via_vjp.shape
        np.testing.assert_allclose(explicit, via_vjp, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(explicit, numeric, rtol=1e-5, atol=1e-7)
        k += 1


@pytest.mark.parametrize("name,i,args,params", _params_of(None))
def test_second_derivatives_match_finite_differences_of_the_gradient(name, i, args, params):
    """Second order: each VJP, run on Tensors, is differentiated again (every mixed ∂²/∂xᵢ∂xⱼ of Σ w ⊙ f)."""
    prim = PRIMITIVES[name]
    f, inputs = _function(prim, args, params)
    if not inputs or name in FIRST_ORDER_ONLY:
        pytest.skip(f"{name}: {FIRST_ORDER_ONLY.get(name, 'no differentiable input')}")
    datas = [a.value if isinstance(a, Const) else a for a in args]
    w = np.random.default_rng(i).standard_normal(np.shape(prim.forward(*datas, **params)))

    def weighted(*xs):
        return gl.sum(f(*xs) * w)

    for k in range(len(inputs)):
        report = gl.check_grad(gl.grad(weighted, argnums=k), *inputs, mode="full")
        assert report.passed, f"∂/∂ input {k}:\n{report}"


def test_checker_catches_a_wrong_vjp():
    def wrong_tanh_dx(g, out, x):
        return g * (1 - out)  # should be 1 - out**2

    prim = register("wrong_tanh_for_test", np.tanh, (wrong_tanh_dx,), latex=r"\tanh $x", dlatex=("?",))
    try:
        report = gl.check_grad(lambda x: apply(prim, x), np.array([0.3, -0.7, 1.2]))
        assert not report.passed
        assert "MISMATCH" in str(report)
        with pytest.raises(gl.GradientCheckError, match="FAILED"):
            gl.assert_grad(lambda x: apply(prim, x), np.array([0.3, -0.7, 1.2]))
        big = np.linspace(-1, 1, 30000)
        report = gl.check_grad(lambda x: apply(prim, x).sum(), big, mode="adjoint")
        assert not report.passed and report.inputs[0].mode == "adjoint"
    finally:
        del PRIMITIVES["wrong_tanh_for_test"]


def test_adjoint_mode_passes_for_correct_rules():
    x = np.linspace(-2, 2, 50000)
    report = gl.check_grad(lambda x: gl.tanh(x) * x, x)
    assert report.inputs[0].mode == "adjoint" and report.passed


def test_every_row_has_latex_for_forward_and_each_input():
    for name, prim in PRIMITIVES.items():
        assert prim.latex, name
        if prim.nargs is not None:
            assert len(prim.dlatex) >= 1, name
