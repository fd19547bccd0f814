"""The graph view reads right in text, Markdown, HTML and LaTeX; its numbers are autodiff's; its picture draws."""

import contextlib
import io
import pathlib
import re
import shutil

import numpy as np
import pytest

import gradlab as gl
import gradlab.nn  # noqa: F401  (registers the fused nn rows)
from gradlab.cli import main
from gradlab.core.primitive import PRIMITIVES
from gradlab.explainer import example
from gradlab.explainer.document import Table
from gradlab.explainer.graph import explain_graph, graph_of_explanation
from gradlab.explainer.notation import Frac, Node, Raw, Row, Sup, Sym, Text
from gradlab.explainer.opnotation import DOT, NOTATION, OpArgs, op_notation, tree_node
from gradlab.explainer.render.nodes_latex import latex
from gradlab.explainer.render.nodes_mathml import mathml
from gradlab.explainer.render.nodes_text import one_line
from gradlab.ops.catalog import activation_kind

HERE = pathlib.Path(__file__).resolve().parent
from support import outputs as render_checks  # noqa: E402


def produce(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *args]) == 0
    return out.getvalue()


GRAPH_CASES = [("course", "--view", "graph", "--lr", "0.1"), ("two-layer", "--view", "graph"),
               ("relu-mse", "--view", "graph"), ("two-layer", "--variant", "sigmoid-bce", "--view", "graph")]
CASE_IDS = [" ".join(a[:3]) for a in GRAPH_CASES]

# LaTeX spelled as text, NumPy reprs and broken transposes: never in any output
LEAKS = ["fracv", "frac1v", "lnsoftmax", "array(", "ˆT", "(·)^", "^T", r"\text{\textbackslash"]
# in text and HTML there is no LaTeX at all
PLAIN_LEAKS = LEAKS + [r"\frac", "frac", r"\ln", "^{", "\\"]


def text(node, precision=4):
    return one_line(node, precision)


# ---------------------------------------------------------------- no leaks, in every format


@pytest.mark.parametrize("args", GRAPH_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("fmt", ["text", "html", "markdown", "latex"])
def test_graph_view_has_no_leaks(args, fmt):
    out = produce(*args, "--format", fmt)
    if fmt == "html":  # what the reader sees: the text between the tags of the body
        out = re.sub(r"<[^>]*>", "", out[out.index("<body>"):])
    for leak in PLAIN_LEAKS if fmt in ("text", "html") else LEAKS:
        assert leak not in out, f"{leak!r} in the {fmt} output"


def _leaky_function():
    """A function whose old graph view leaked: v/2, 1/v, ln softmax, Wᵀ, an array constant, a square."""
    C = np.array([[1.0], [0.0]])

    def f(x, W):
        z = W @ x
        return gl.sum(gl.log_softmax(z.T) * C.T) + gl.sum(z / 2.0) + gl.sum(1.0 / (z ** 2 + 1.0))
    return f, (np.array([[0.5], [-1.0]]), np.array([[1.0, 2.0], [0.5, -0.3]]))


@pytest.mark.parametrize("fmt", ["text", "html", "markdown", "latex"])
def test_explain_graph_has_no_leaks(fmt):
    f, inputs = _leaky_function()
    out = explain_graph(f, *inputs).render(fmt, **({"color": False} if fmt == "text" else {}))
    if fmt == "html":
        out = re.sub(r"<[^>]*>", "", out[out.index("<body>"):])
    for leak in PLAIN_LEAKS if fmt in ("text", "html") else LEAKS:
        assert leak not in out, f"{leak!r} in the {fmt} output"
    if fmt == "text":
        assert "W ᵀ" not in out and "Wᵀ (·)" in out and "c1" in out and "2 v" in out


@pytest.mark.parametrize("args", GRAPH_CASES, ids=CASE_IDS)
def test_markdown_table_cells_stay_on_one_line(args):
    md = produce(*args, "--format", "markdown")
    exp = example(*([args[0]] + ([args[2]] if args[1] == "--variant" else [])))
    doc = graph_of_explanation(exp).view()
    expected = sum(len(b.rows) + 2 for b in doc.blocks if isinstance(b, Table))
    table_lines = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table_lines) == expected
    assert all(line.endswith("|") for line in table_lines)


def test_markdown_table_of_3x2_matrices_has_one_line_per_node():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    g = explain_graph(lambda a, b: gl.sum(a * b + a), A, B)
    md = g.render("markdown")
    forward = md.split("## Forward pass")[1].split("##")[0]
    rows = [line for line in forward.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(g.nodes)
    assert all(r"\begin{bmatrix}" in r for r in rows[2:-1])  # all but the sum


def _walk(node):
    yield node
    for value in vars(node).values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            for sub in (item if isinstance(item, list) else [item]):
                if isinstance(sub, Node):
                    yield from _walk(sub)


def test_no_raw_latex_nodes_in_the_document():
    doc = graph_of_explanation(example("course")).view()
    for block in doc.blocks:
        parts = getattr(block, "parts", None) or [getattr(block, "node", None)]
        if isinstance(block, Table):
            parts = [c for r in block.rows for c in r]
        for part in parts:
            if isinstance(part, Node):
                assert not any(isinstance(n, Raw) for n in _walk(part))


# ---------------------------------------------------------------- the table of primitives


def test_every_registered_primitive_is_in_the_table():
    missing = sorted(set(PRIMITIVES) - set(NOTATION))
    assert not missing, f"primitives without notation: {missing}"


def _sample_args(name):
    prim = PRIMITIVES[name]
    n = {"linear": 3, "dense_stack": 3}.get(name, prim.nargs or 2)
    ins = [Sym(s) for s in ("x", "y", "z")[:n]]
    params = {"getitem": {"index": (0, slice(1, None))}, "reshape": {"shape": (4,)},
              "broadcast_to": {"shape": (2, 2)}, "transpose": {"axes": (1, 0)},
              "scatter_add": {"index": 0, "shape": (2, 2)}, "clip": {"min": 0.0, "max": 1.0},
              "dense_stack": {"activations": ("relu",)}, "leaky_relu": {"negative_slope": 0.1},
              "sum": {"axis": (0,)}, "mean": {"axis": None}}.get(name, {})
    return OpArgs(ins=ins, values=[np.ones((2, 2))] * n, params=params, out=Sym("v"))


@pytest.mark.parametrize("name", sorted(NOTATION))
def test_every_row_renders_in_every_format(name):
    formula, locals_ = op_notation(name, _sample_args(name))
    for node in [formula, *locals_]:
        assert not any(isinstance(n, Raw) for n in _walk(node))
        t, tex, mml = one_line(node, 4), latex(node, 4), mathml(node, 4)
        assert t and "\\" not in t and "^{" not in t
        assert tex.isascii() and "?" not in tex, tex  # every symbol has a LaTeX spelling
        assert "<" in mml


def test_a_primitive_missing_from_the_table_still_reads():
    formula, locals_ = op_notation("frobnicate", OpArgs(ins=[Sym("x"), Sym("y")]))
    assert text(formula) == "frobnicate(x, y)"
    assert [text(n) for n in locals_] == ["local Jacobian", "local Jacobian"]


@pytest.mark.parametrize("name,expected", [
    ("sigmoid", "v(1 − v)"), ("tanh", "1 − v²"), ("relu", "𝓗(x)"), ("leaky_relu", "1 if x > 0 else 0.1"),
    ("softplus", "σ(x)"), ("softmax", "diag(v) − v vᵀ"), ("heaviside", "0")])
def test_activation_derivatives_come_from_the_catalog(name, expected):
    args = _sample_args(name)
    args.ins, args.out = [Sym("x")], Sym("v")
    _, (local,) = op_notation(name, args)
    kind = activation_kind(name)
    subst = {"z": Sym("x"), "a": Sym("v"), "α": args.params.get("negative_slope", 0.01), "θ": 0.0}
    assert text(local) == text(tree_node(kind.derivative, subst)) == expected


def test_tree_node_writes_precedence_and_powers():
    assert text(tree_node(("/", 1, ("+", 1, ("^", "e", ("neg", "z")))))) == "1/(1 + e^(−z))"
    assert text(tree_node(("-", "a", ("-", "b", "c")))) == "a − (b − c)"
    assert text(tree_node(("*", ("+", "a", "b"), ("neg", "c")))) == "(a + b)(−c)"
    assert text(tree_node(("^", ("+", "a", 1), 2))) == "(a + 1)²"
    assert isinstance(tree_node(("^", "a", "T")), Sup)
    assert text(tree_node(("call", "σ", "z"), {"z": Sym("v2")})) == "σ(v2)"


# ---------------------------------------------------------------- how derivatives read


def _edge_text(g, node, source):
    (edge,) = [e for e in g.by_name[node].edges if e.source == source]
    return text(edge.local)


@pytest.mark.parametrize("p,forward,local", [(2, "x²", "2 x"), (3, "x³", "3 x²"), (0.5, "x^0.5", "0.5 x^(−0.5)"),
                                             (-1, "x⁻¹", "−x⁻²"), (1, "x^1", "1")])
def test_power_derivative_substitutes_the_exponent(p, forward, local):
    g = explain_graph(lambda x: x ** p, 3.0)
    if p != 1:
        assert text(g.by_name["f"].formula) == forward
    assert _edge_text(g, "f", "x") == local
    assert g.grad("x") == pytest.approx(p * 3.0 ** (p - 1))


def test_the_square_in_the_two_layer_loss_reads_2_v():
    out = produce("two-layer", "--view", "graph")
    assert "v6²" in out and "× 2 v6 =" in out
    assert "2 v6^2" not in out and "2 v6² − 1" not in out


def test_division_gives_fractions():
    g = explain_graph(lambda x, y: x / y, 1.0, 2.0)
    f = g.by_name["f"]
    assert isinstance(f.formula, Frac) and text(f.formula) == "x/y"
    assert _edge_text(g, "f", "x") == "1/y"
    assert _edge_text(g, "f", "y") == "−x/y²"
    assert g.grad("y") == pytest.approx(-0.25)


def test_matrix_products_use_real_transposes():
    g = graph_of_explanation(example("course"))
    v7 = g.by_name["v7"]  # v7 = W3 v6
    by_source = {e.source: e.local for e in v7.edges}
    assert isinstance(by_source["v6"], Row) and isinstance(by_source["v6"].items[0], Sup)
    assert by_source["v6"].items[1] is DOT
    assert text(by_source["v6"]) == "W3ᵀ (·)" and text(by_source["W3"]) == "(·) v6ᵀ"
    html = g.render("html")
    assert "<msup><mrow><mi>W3</mi></mrow><mrow><mi>T</mi></mrow></msup>" in html


def test_sigmoid_derivative_is_written_with_its_output():
    out = produce("course", "--view", "graph")
    assert "∂L/∂v8 = ∂L/∂v9 × ∂v9/∂v8 = −1.2921 × v9(1 − v9) = −1.2921 × 0.1750 = −0.2261" \
        in out


# ---------------------------------------------------------------- constants


def test_array_constants_are_named_and_shown_as_matrices():
    C = np.array([[1.0, 0.0], [2.0, -1.0]])
    g = explain_graph(lambda x: gl.sum(x * C) * 3.0, np.ones((2, 2)))
    assert g.by_name["c1"].kind == "constant"
    out = g.render("text", color=False)
    assert "array(" not in out and "c1" in out and "· 3" in out
    md = g.render("markdown")
    assert r"| $c1$ | constant | — | $\underset{2\times 2}{\begin{bmatrix} 1.0 & 0.0 \\ 2.0 & -1.0" in md
    np.testing.assert_allclose(g.grad("x"), 3.0 * C)


def test_named_constants_as_keywords_or_by_identity():
    X, Y = np.array([1.0, 2.0]), np.array([0.5, 3.0])
    by_keyword = explain_graph(lambda x, y: gl.sum((x - y) ** 2), X, constants={"y": Y})
    by_identity = explain_graph(lambda x: gl.sum((x - Y) ** 2), X, constants={"y": Y})
    for g in (by_keyword, by_identity):
        assert [n.name for n in g.nodes if n.kind == "input"] == ["x"]
        assert g.by_name["y"].kind == "constant" and g.by_name["y"].grad is None
        assert text(g.by_name["v1"].formula) == "x − y"
        np.testing.assert_allclose(g.grad("x"), 2 * (X - Y))


def test_operations_on_constants_alone_are_not_differentiated():
    X, Y = np.array([0.3, 0.6]), np.array([1.0, 0.0])
    g = explain_graph(lambda p, y: -gl.sum(y * gl.log(p) + (1.0 - y) * gl.log(1.0 - p)), X, constants={"y": Y})
    consts = [n for n in g.nodes if n.const and n.kind == "op"]
    assert [text(n.formula) for n in consts] == ["1 − y"]
    assert all(e.source not in ("y", consts[0].name) for n in g.nodes for e in n.edges)
    np.testing.assert_allclose(g.grad("p"), -Y / X + (1 - Y) / (1 - X))


# ---------------------------------------------------------------- the numbers are autodiff's


FUNCTIONS = [
    (lambda x, y, z: (x + y) * z, (-2.0, 5.0, -4.0)),
    (lambda x: x * x + x, (3.0,)),
    (lambda a, b: gl.sum(gl.sigmoid(a @ b)), (np.arange(6.0).reshape(2, 3) / 5, np.array([0.1, -0.2, 0.3]))),
    (lambda w, x: gl.mean((gl.relu(x @ w) - 1.0) ** 2), (np.array([0.5, -1.0]), np.array([[1.0, 2.0], [3.0, -1.0]]))),
    (lambda z: gl.sum(gl.log_softmax(z) * gl.tanh(z)), (np.array([[0.1, 2.0, -1.0]]),)),
    (lambda x, y: gl.sum(gl.maximum(x, y) / (1.0 + gl.exp(-x))), (np.array([1.0, -2.0]), np.array([0.5, 0.0]))),
]


@pytest.mark.parametrize("k", range(len(FUNCTIONS)))
def test_graph_numbers_equal_autodiff(k):
    f, inputs = FUNCTIONS[k]
    g = explain_graph(f, *inputs, names=[f"x{i}" for i in range(len(inputs))])
    for i, value in enumerate(inputs):
        np.testing.assert_allclose(g.grad(f"x{i}"), gl.grad(f, argnums=i)(*inputs), atol=1e-12)
    for node in g.nodes:  # what a node receives adds up to its gradient; a scalar edge is upstream × local
        received = [e for n in g.nodes for e in n.edges if e.source == node.name]
        if received:
            np.testing.assert_allclose(sum(e.contribution for e in received), node.grad, atol=1e-12)
        for e in node.edges:
            if e.local_value is not None:
                assert float(np.sum(e.contribution)) == pytest.approx(float(np.sum(node.grad)) * e.local_value)


def test_network_graph_uses_the_trace_and_names_the_target():
    exp = example("relu-mse")
    g = graph_of_explanation(exp)
    assert [n.name for n in g.nodes if n.kind == "input"] == ["x", "W1", "b1"]
    assert g.by_name["y"].kind == "constant"
    np.testing.assert_allclose(g.grad("W1"), exp["dW[1]"], atol=1e-12)


# ---------------------------------------------------------------- LaTeX compiles, HTML renders


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
@pytest.mark.parametrize("args", GRAPH_CASES[:3], ids=CASE_IDS[:3])
def test_graph_latex_compiles(args, tmp_path):
    render_checks.assert_latex_compiles(args, tmp_path)


@pytest.mark.skipif(render_checks._chromium() is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("args", GRAPH_CASES[:2], ids=CASE_IDS[:2])
def test_graph_html_renders_in_headless_chromium(args, tmp_path):
    render_checks.assert_html_renders(args, tmp_path)


# ---------------------------------------------------------------- the picture


def _engines():
    engines = []
    try:
        import matplotlib  # noqa: F401
        engines.append("matplotlib")
    except ImportError:
        pass
    if shutil.which("dot"):
        engines.append("dot")
    return engines


@pytest.mark.skipif(not _engines(), reason="neither matplotlib nor Graphviz's dot program is installed")
@pytest.mark.parametrize("engine", ["matplotlib", "dot"])
def test_explanation_graph_diagram_draws_png_and_svg(engine, tmp_path):
    if engine not in _engines():
        pytest.skip(f"{engine}: not installed (matplotlib / Graphviz's dot program)")
    from gradlab.viz.graph import explanation_graph_diagram

    g = graph_of_explanation(example("course"))
    png = explanation_graph_diagram(g, tmp_path / "g.png", engine=engine)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    svg = explanation_graph_diagram(g, tmp_path / "g.svg", engine=engine).read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg
    for node in g.nodes:
        assert node.name in svg, node.name
    assert "v3 = σ(v2)" in svg and "grad" in svg


def test_generated_names_never_clash_with_given_ones():
    g = explain_graph(lambda v1, c1: gl.sum(v1 * c1 * np.array([1.0, 2.0])), np.ones(2), np.ones(2))
    assert [n.name for n in g.nodes] == ["v1", "c1", "v2", "c2", "v3", "f"]
    with pytest.raises(gl.ParameterError):
        explain_graph(lambda x: x * 2.0, 1.0, names=["f"])
