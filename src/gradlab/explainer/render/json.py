"""Every named quantity of an explanation as JSON, for programs and tests.

Values are full float64 (not rounded); arrays are nested lists. The document
also states the layout, the conventions, the loss and the autodiff check.
"""

from __future__ import annotations

import json

import numpy as np


def _plain(value):
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr.tolist()


def explanation_dict(exp):
    """A JSON-ready dict: metadata and ``values`` (name -> number or nested list)."""
    tr = exp.trace
    return {
        "title": exp.title,
        "layout": exp.layout,
        "precision": exp.precision,
        "loss_function": tr.loss.name,
        "learning_rate": tr.lr,
        "conventions": tr.conv.as_dict(),
        "layers": [{"in": layer.n_in, "out": layer.n_out, "activation": layer.act.name, "bias": layer.b is not None,
                    **({"activation_parameters": layer.params} if layer.params else {})} for layer in tr.net.layers],
        "kinks": [{"layer": k.layer, "sample_index": k.sample, "neuron_index": k.neuron, "z": k.z, "kink": k.at,
                   "verification_pass": k.new} for k in tr.kinks],  # layer 1-based as in the names, indices 0-based
        "autodiff_check": {"passed": exp.check_ok, "max_abs_difference": exp.differences},
        "values": {name: _plain(exp[name]) for name in exp.names()},
    }


def explanation_json(exp, indent=2):
    """:func:`explanation_dict` as a JSON string."""
    return json.dumps(explanation_dict(exp), indent=indent, ensure_ascii=False) + "\n"
