"""Pictures for slides: edge labels kept apart, dense networks faded by |w|, the step panel as gl.nn.Step,
the report's derivations typeset as MathML and its graphs at their natural size."""

import io
import itertools
import re

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError

pytest.importorskip("matplotlib")


def _label_boxes(fig):
    """Per axes: the window extents of the edge labels and of the neurons, as drawn."""
    from matplotlib.patches import Circle

    fig.savefig(io.BytesIO(), format="svg")  # draw as a file is written
    renderer = fig._get_renderer()
    out = []
    for ax in fig.axes:
        labels = [t.get_window_extent(renderer) for t in ax.texts if (t.get_gid() or "").startswith("edge-label-")]
        neurons = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, Circle)]
        if labels:
            out.append((labels, neurons))
    return out


def _apart(a, b):
    return a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


def test_course_update_diagram_keeps_every_edge_label_apart():
    fig = gl.viz.network_update_diagram(gl.explainer.example("course"))
    panels = _label_boxes(fig)
    assert len(panels) == 3
    for labels, neurons in panels:
        assert len(labels) == 2 + 6 + 3
        for a, b in itertools.combinations(labels, 2):
            assert _apart(a, b), (a, b)
        for a, n in itertools.product(labels, neurons):
            assert _apart(a, n), (a, n)


def test_labelled_network_with_crossing_edges_keeps_labels_apart():
    model = gl.nn.Sequential(gl.nn.Linear(2, 4, rng=0), gl.nn.Tanh(), gl.nn.Linear(4, 4, rng=1), gl.nn.Tanh(),
                             gl.nn.Linear(4, 1, rng=2))
    (labels, neurons), = _label_boxes(gl.viz.network_diagram(model))
    assert len(labels) == 8 + 16 + 4
    for a, b in itertools.combinations(labels, 2):
        assert _apart(a, b), (a, b)


def _edge_opacities(svg):
    """{gid: stroke-opacity} of the edges in a network diagram's SVG."""
    found = {}
    for gid, body in re.findall(r'<g id="(edge-\d+-\d+-\d+)">(.*?)</g>', svg, flags=re.S):
        m = re.search(r"stroke-opacity: ([0-9.]+)", body)
        found[gid] = float(m.group(1)) if m else 1.0
    return found


def test_dense_network_fades_edges_in_proportion_to_weight():
    model = gl.nn.MLP([2, 16, 16, 1], activation="relu", rng=0)
    buf = io.StringIO()
    gl.viz.network_diagram(model).savefig(buf, format="svg")
    opacity = _edge_opacities(buf.getvalue())
    weights = [np.asarray(layer.weight.data) for layer in model.modules() if isinstance(layer, gl.nn.Linear)]
    assert len(opacity) == sum(W.size for W in weights) == 2 * 16 + 16 * 16 + 16
    scale = max(np.abs(W).max() for W in weights)
    pairs = sorted((abs(float(W[j, i])), opacity[f"edge-{l + 1}-{j}-{i}"])
                   for l, W in enumerate(weights) for j in range(W.shape[0]) for i in range(W.shape[1]))
    assert all(a1 <= a2 + 1e-6 for (_, a1), (_, a2) in zip(pairs, pairs[1:]))   # ordered by |w|
    for w, alpha in pairs:
        assert alpha == pytest.approx(0.85 * w / scale, abs=1e-6)                 # proportional to |w|
    assert pairs[-1][1] == pytest.approx(0.85) and pairs[0][1] < 0.1


def test_small_labelled_network_keeps_its_edges_solid():
    buf = io.StringIO()
    gl.viz.network_diagram(gl.explainer.example("course")).savefig(buf, format="svg")
    assert set(_edge_opacities(buf.getvalue()).values()) == {0.85}


def test_step_panel_uses_the_convention_of_gl_nn_step():
    fig = gl.viz.plot_activations(names=("step",), points=400)   # an even count: 0 is not on the grid by itself
    ax = fig.axes[0]
    dots = {line.get_gid(): (float(line.get_xdata()[0]), float(line.get_ydata()[0]))
            for line in ax.lines if (line.get_gid() or "").startswith("jump")}
    step = gl.nn.Step()
    at_zero = float(step(gl.tensor([0.0])).data[0])
    below = float(step(gl.tensor([-1e-9])).data[0])
    assert at_zero == 1.0 and below == 0.0
    assert dots == {"jump-value": (0.0, at_zero), "jump-open": (0.0, below)}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "step(x) = 1 if x ≥ 0 else 0"


def _derivation():
    from gradlab.symbolic import derive, parse

    L = parse("norm2(relu(X @ w + ones(m)*b) - y)**2/m", {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"})
    return derive(L, "X")


def test_report_typesets_a_derivation_as_mathml():
    from gradlab.viz import Report

    d = _derivation()
    page = Report("derivation").derivation(d).html()
    body = page[page.index('<div class="derivation">'):]
    rows = re.findall(r"<tr>.*?</tr>", body, flags=re.S)
    assert len(rows) == 1 + len(d.steps)
    assert body.count("<math") >= 2 * len(rows) + 3          # left and right side of every line, the "where" line
    assert "<pre" not in body and "\\frac" not in body and "\\left" not in body
    assert "<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>X</mi></mrow></mfrac>" in rows[0]
    assert "<msup><mi>w</mi><mrow><mo>⊤</mo></mrow></msup>" in rows[0]
    assert "<mtext>Frobenius rearrangement </mtext>" in body
    assert "<mi>𝓗</mi>" in body and "<mi>𝟏</mi>" in body    # \mathcal{H}, \mathbf{1} by their code points


def test_latex_outside_gradlabs_vocabulary_is_refused_and_the_report_shows_the_exact_text():
    from gradlab.viz import Report
    from gradlab.viz.texmath import latex_to_mathml

    with pytest.raises(ParameterError, match=r"latex_to_mathml: the command \\unknowncmd"):
        latex_to_mathml(r"\unknowncmd{x}")

    class Odd:
        def to_latex(self, steps=True):
            return "\\begin{align*}\nx &= \\unknowncmd{y}\n\\end{align*}"

        def to_text(self, steps=True):
            return "x = y, exactly"

    page = Report("odd").derivation(Odd()).html()
    assert "<pre>x = y, exactly</pre>" in page and "<math" not in page


def test_report_shows_a_graph_at_natural_size_in_a_scrolling_box():
    from gradlab.viz import Report

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="2400pt" height="300pt"><rect width="10" height="10"/></svg>'
    page = Report("graph").graph(svg, "the computation graph").html()
    figure = page[page.index('<figure class="graph">'):]
    assert 'overflow:auto' in figure and "max-width:none" in figure
    assert 'src="data:image/svg+xml;base64,' in figure and "<figcaption>the computation graph</figcaption>" in figure
