"""Pictures: activation plots, learning curves, decision boundaries, perceptron lines,
network diagrams, computation graphs and one-file HTML reports.

matplotlib (``pip install 'gradlab[plot]'``) is imported only when a picture is
drawn; ``import gradlab`` and ``import gradlab.viz`` never import it. Every
``plot_*``/diagram function returns a matplotlib ``Figure`` and, given
``path`` (.png, .svg or .pdf), writes it there atomically.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "plot_activations": "activations",
    "activation_curves": "activations",
    "plot_history": "history",
    "plot_decision_boundary": "boundary",
    "plot_regression": "boundary",
    "plot_fit": "boundary",
    "predict_scores": "boundary",
    "plot_perceptron": "perceptron",
    "plot_perceptron_lines": "perceptron",
    "network_diagram": "network",
    "network_update_diagram": "network",
    "computation_graph": "graph",
    "to_dot": "graph",
    "draw_graph": "drawgraph",
    "GraphPicture": "drawgraph",
    "write_report": "report",
    "Report": "report",
    "explanation_report": "report",
    "demo_tour": "tour",
    "save": "_mpl",
    "plot_filters": "filters",
    "plot_feature_maps": "filters",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradlab.viz' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
