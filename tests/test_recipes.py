"""Each recipe of docs/architecture.md ("How to add …"), done for real: an operation, an activation, a loss, a view,
a renderer and a command. Every test adds its thing the documented way, uses it end to end, and removes it again.
"""

import importlib
import sys
import types

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.primitive import PRIMITIVES, register
from gradlab.core.primitive import elementwise_jacobian as EJ
from gradlab.core.tensor import apply
from gradlab.ops import catalog


@pytest.fixture
def cleanup():
    """Names to remove from the registries after the test: (registry dict, key)."""
    added = []
    yield added
    for registry, key in added:
        registry.pop(key, None)


def test_recipe_an_operation_is_one_row(cleanup):
    # 1. one row: forward and the VJP of each input, as the textbook writes them
    row = register("recipe_softsign", lambda x: x / (1 + abs(x)), (lambda g, out, x: g / (1 + abs(x)) ** 2,), EJ,
                   latex=r"\frac{$x}{1 + |$x|}", dlatex=(r"\frac{1}{(1 + |$x|)^2}",))
    cleanup.append((PRIMITIVES, "recipe_softsign"))
    # 2. use it: autodiff, transforms and the gradient checker work on it at once
    f = lambda x: apply(row, x).sum()  # noqa: E731
    x = np.array([-2.0, -0.5, 0.3, 4.0])
    np.testing.assert_allclose(gl.grad(f)(x), 1 / (1 + np.abs(x)) ** 2, rtol=1e-14)
    assert gl.check_grad(f, x).passed
    assert gl.jacobian(lambda x: apply(row, x))(x).shape == (4, 4)


def test_recipe_an_activation_is_one_row_and_one_catalog_entry(cleanup):
    row = register("recipe_cube", lambda x: x ** 3, (lambda g, out, x: g * 3 * x ** 2,), EJ)
    kind = catalog.register_activation(catalog.ActivationKind(
        "recipe_cube", "Cube", "cube", row, ("^", "z", 3), ("*", 3, ("^", "z", 2)), "z"))
    cleanup += [(PRIMITIVES, "recipe_cube"), (catalog.ACTIVATION_KINDS, "recipe_cube")]

    class Cube(gl.nn.Activation):
        kind = catalog.ACTIVATION_KINDS["recipe_cube"]

    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), Cube(), gl.nn.Linear(2, 1, rng=1))
    exp = gl.explain(model, [0.5, -1.0], [0.2], "mse", lr=0.1)
    assert exp.check_ok and "cube(" in exp.render("text", color=False)
    assert Cube().derivative(np.array([2.0])) == pytest.approx([12.0]) and kind.text() == "z³"


def test_recipe_a_loss_is_one_row_one_catalog_entry_and_a_class(cleanup):
    row = register("recipe_half_l2", lambda p, t: 0.5 * (p - t) ** 2,
                   (lambda g, out, p, t: g * (p - t), lambda g, out, p, t: -g * (p - t)), EJ)
    kind = catalog.register_loss(catalog.LossKind(
        "recipe_half_l2", "half squared error", row, "values", None, "elements",
        ("*", 0.5, ("^", ("-", "ŷ", "y"), 2)), ("-", "ŷ", "y")))
    cleanup += [(PRIMITIVES, "recipe_half_l2"), (catalog.LOSS_KINDS, "recipe_half_l2")]

    class HalfL2(gl.nn.Loss):
        """½(ŷ − y)², averaged or summed."""

        kind = catalog.LOSS_KINDS["recipe_half_l2"]

    model = gl.nn.Sequential(gl.nn.Linear(2, 1, rng=0), gl.nn.Tanh())
    loss = HalfL2()(model(gl.tensor([[0.5, -1.0]])), [[0.3]])
    exp = gl.explain(model, [0.5, -1.0], [0.3], HalfL2(), lr=0.1)
    assert float(exp["loss"]) == pytest.approx(float(loss.data), abs=1e-15) and exp.check_ok
    assert kind.title in exp.render("text", color=False)
    half = gl.explain(model, [0.5, -1.0], [0.3], "mse", half=True)
    np.testing.assert_allclose(exp["dW[1]"], half["dW[1]"], atol=1e-15)


def test_recipe_a_view_is_a_build_function_and_one_registration(cleanup):
    from gradlab.explainer.document import Document
    from gradlab.explainer.notation import Num, Op, Row, Sym
    from gradlab.explainer.views import VIEWS, register_view

    def build(exp):
        doc = Document("Just the loss")
        doc.eq(Row(Sym("L"), Op("="), Num(float(exp["loss"]))))
        return doc

    register_view("loss-only", build)
    cleanup.append((VIEWS, "loss-only"))
    from gradlab.explainer import example

    course = example("course")
    assert "L = 0.2563" in course.render("text", view="loss-only", color=False)
    assert "0.2563" in course.render("html", view="loss-only")


def test_recipe_a_renderer_is_a_function_and_one_registration(cleanup):
    from gradlab.explainer import example
    from gradlab.explainer.document import Heading
    from gradlab.explainer.render import RENDERERS, register_renderer

    def outline(doc, precision, **options):
        return "\n".join(b.text for b in doc.blocks if isinstance(b, Heading)) + "\n"

    register_renderer("outline", outline)
    cleanup.append((RENDERERS, "outline"))
    text = example("course").render("outline")
    assert text.splitlines()[0] == "Forward pass" and "Backward pass" in text


def test_recipe_a_command_is_one_module_and_one_name(monkeypatch, capsys):
    from gradlab import cli

    hello = types.ModuleType("gradlab.cli.hello")
    hello.HELP = "say hello"

    def add_arguments(p):
        p.add_argument("--name", default="world")

    def run(args):
        from gradlab.app import ParameterError  # a command reaches the library through gradlab.app only

        if not args.name:
            raise ParameterError("--name must not be empty")
        print(f"hello, {args.name}")
        return 0

    hello.add_arguments, hello.run = add_arguments, run
    monkeypatch.setitem(sys.modules, "gradlab.cli.hello", hello)
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "hello"))
    assert cli.main(["hello", "--name", "gradlab"]) == 0
    assert capsys.readouterr().out == "hello, gradlab\n"
    assert cli.main(["hello", "--name", ""]) == 2
    assert "gradlab hello: error: --name must not be empty" in capsys.readouterr().err
    importlib.invalidate_caches()
