"""The plot job: one of gradlab's pictures into a PNG, SVG or PDF file (``gradlab plot``)."""

from __future__ import annotations

from ..core.errors import ParameterError
from ..viz import _mpl
from ..viz.activations import plot_activations
from ..viz.perceptron import plot_perceptron
from .tour import course_update_diagram, seed_graph

KINDS = ("activations", "perceptron", "network", "graph")
# which options each kind takes; any other given option is an error, not ignored
APPLIES = {"activations": (), "perceptron": ("gate", "epochs", "lr"), "network": ("lr",), "graph": ("engine",)}


def plot(kind: str, output, gate=None, epochs=None, lr=None, engine=None):
    """Draw picture ``kind`` into ``output`` (.png, .svg or .pdf); options left None take their defaults.

    Args:
        kind: 'activations', 'perceptron' (gate: 'and', 'or', 'nand' or 'xor', default and/or/xor side by side;
            epochs default 10; lr default 1), 'network' (the slides' network before and after one step;
            lr default 0.1) or 'graph' (the seed question's computation graph; engine 'auto', 'dot' or
            'matplotlib').
        output: the picture file.
    Returns:
        ``output``.
    """
    if kind not in KINDS:
        raise ParameterError(f"plot: the kind must be one of {', '.join(KINDS)}; got {kind!r}")
    given = {"gate": gate, "epochs": epochs, "lr": lr, "engine": engine}
    for option, value in given.items():
        if value is not None and option not in APPLIES[kind]:
            takers = [k for k, opts in APPLIES.items() if option in opts]
            raise ParameterError(f"--{option} applies to `gradlab plot {' or '.join(takers)}`, not to {kind}")
    _mpl.check_path(output, "plot")
    if kind == "activations":
        plot_activations(output)
    elif kind == "perceptron":
        plot_perceptron(gate if gate else ("and", "or", "xor"), output, max_epochs=10 if epochs is None else epochs,
                        lr=1.0 if lr is None else lr)
    elif kind == "network":
        course_update_diagram(output, lr=0.1 if lr is None else lr)
    else:
        seed_graph(output, engine=engine or "auto")
    return output
