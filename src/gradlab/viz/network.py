"""Network diagrams: neurons as circles by layer, edges coloured by sign and weighted by size.

Like a lecture's picture of a small network: each edge is a weight
W[l][j, i] (from neuron i of layer l−1 to neuron j of layer l), blue when
positive and orange when negative, thicker when larger (and, in a network too
dense to label, more opaque when larger: opacity ∝ |value|); edges can be
labelled with weights, gradients or updates — each label placed along its edge
so that no two labels overlap — neurons with their values, and each neuron
shows its bias. :func:`network_update_diagram` draws one training step
as three panels: weights before, gradients, weights after.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import DIAGRAM_LABELS, declare
from ..core.errors import InputTypeError, ParameterError, ShapeError
from . import _mpl

MAX_LABELLED_EDGES = 40
MAX_DRAWN_NEURONS = 24


def _arr(t):
    return np.array(getattr(t, "data", t), dtype=np.float64)


def _activation_name(mod):
    name = getattr(mod, "name", None)
    if isinstance(name, str):
        return name
    return type(mod).__name__.lower()


def layers_of(model) -> list:
    """The layers of ``model`` as ``[(W (out, in), b (out,) or None, activation name or None), ...]``.

    ``model`` may be a gradlab Module (Sequential/MLP of Linear layers and
    activations), an Explanation or explain Trace (its network before the
    update), or a list of ``W`` arrays or ``(W, b)`` / ``(W, b, activation)`` tuples.
    """
    trace = getattr(model, "trace", None)
    if trace is not None and hasattr(trace, "net"):
        model = trace.net
    if hasattr(model, "net") and hasattr(model, "conv"):
        model = model.net
    if hasattr(model, "layers") and isinstance(getattr(model, "layers"), list) and model.layers and hasattr(model.layers[0], "W"):
        return [(_arr(ly.W), _arr(ly.b).reshape(-1) if _arr(ly.b).ndim else np.full(ly.W.shape[0], float(ly.b)),
                 getattr(ly.act, "name", None)) for ly in model.layers]
    if hasattr(model, "named_modules"):
        return _layers_of_module(model)
    if isinstance(model, (list, tuple)):
        return [_layer_of_item(item, k) for k, item in enumerate(model)]
    raise InputTypeError(f"network_diagram: cannot read layers from a {type(model).__name__}; pass a gradlab Module, an Explanation or a list of (W, b)")


def _layers_of_module(model):
    out = []
    for _, mod in model.named_modules():
        if mod.children():
            continue
        W = getattr(mod, "weight", None)
        if W is not None and _arr(W).ndim == 2:
            b = getattr(mod, "bias", None)
            out.append([_arr(W), None if b is None else _arr(b).reshape(-1), None])
        elif out and not getattr(mod, "_param_names", None):
            out[-1][2] = _activation_name(mod)
    if not out:
        raise InputTypeError(f"network_diagram: {type(model).__name__} has no Linear layers to draw")
    return [tuple(x) for x in out]


def _layer_of_item(item, k):
    if isinstance(item, tuple):
        W = _arr(item[0])
        b = None if len(item) < 2 or item[1] is None else _arr(item[1]).reshape(-1)
        act = item[2] if len(item) > 2 else None
    else:
        W, b, act = _arr(item), None, None
    if W.ndim != 2:
        raise ShapeError(f"network_diagram: layer {k + 1} weight must be (out, in), got shape {W.shape}")
    return (W, b, act)


def _check_chain(layers):
    for k in range(1, len(layers)):
        if layers[k][0].shape[1] != layers[k - 1][0].shape[0]:
            raise ShapeError(
                f"network_diagram: layer {k + 1} weight {layers[k][0].shape} does not take the "
                f"{layers[k - 1][0].shape[0]} outputs of layer {k}"
            )


SPACING = 3.0  # horizontal distance between layers, in neuron spacings


def _positions(sizes):
    """Neuron centres: x by layer (spacing :data:`SPACING`), y centred (spacing 1)."""
    pos = []
    for l, n in enumerate(sizes):
        ys = (np.arange(n)[::-1] - (n - 1) / 2.0) * 1.0
        pos.append([(l * SPACING, y) for y in ys])
    return pos


_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LReLU", "leakyrelu": "LReLU",
            "identity": "id", "step": "step", "softmax": "softmax"}


def _fmt(v, digits):
    return f"{v:.{digits}f}" if abs(v) >= 10 ** (-digits) or v == 0 else f"{v:.1e}"


def _draw(ax, layers, edge_values, label_edges, neuron_values, digits, show_bias, bias_values, title, bias_prefix="b="):
    from matplotlib.patches import Circle

    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers]
    if max(sizes) > 8:
        show_bias = False  # no room for the numbers between crowded neurons
    if max(sizes) > MAX_DRAWN_NEURONS:
        raise ParameterError(f"network_diagram: can draw layers of at most {MAX_DRAWN_NEURONS} neurons; got sizes {sizes}")
    pos = _positions(sizes)
    n_edges = sum(W.size for W, _, _ in layers)
    if label_edges and n_edges > MAX_LABELLED_EDGES:
        label_edges = False
    scale = max(max(float(np.max(np.abs(v))) for v in edge_values), 1e-12)
    dense = n_edges > MAX_LABELLED_EDGES  # too many edges to read one by one: fade them by |value|
    radius = 0.3
    labels = []  # (Text, source point, target point)
    for l, V in enumerate(edge_values):
        for j in range(V.shape[0]):
            for i in range(V.shape[1]):
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                v = float(V[j, i])
                color = _mpl.POSITIVE if v >= 0 else _mpl.NEGATIVE
                alpha = EDGE_ALPHA * abs(v) / scale if dense else EDGE_ALPHA
                ax.plot([x0, x1], [y0, y1], color=color, lw=0.4 + 4.0 * abs(v) / scale, alpha=alpha, zorder=1,
                        solid_capstyle="round", gid=f"edge-{l + 1}-{j}-{i}")
                if label_edges:
                    text = ax.text((x0 + x1) / 2, (y0 + y1) / 2, _fmt(v, digits), fontsize=8, ha="center", va="center",
                                   color=color, zorder=4, gid=f"edge-label-{l + 1}-{j}-{i}",
                                   bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.9))
                    labels.append(((l, i, j), text, (x0, y0), (x1, y1)))
    circles, notes = [], []
    for l, layer_pos in enumerate(pos):
        for k, (x, y) in enumerate(layer_pos):
            face = "#f1f3f5" if l == 0 else "#fff9db"
            circles.append(ax.add_patch(Circle((x, y), radius, fc=face, ec="#343a40", lw=1.4, zorder=5)))
            if neuron_values is not None and neuron_values[l] is not None:
                ax.text(x, y, _fmt(float(neuron_values[l][k]), digits), fontsize=8, ha="center", va="center", zorder=6)
            if show_bias and l > 0 and bias_values[l - 1] is not None:
                notes.append(ax.text(x, y - radius - 0.08, f"{bias_prefix}{_fmt(float(bias_values[l - 1][k]), digits)}",
                                     fontsize=7.5, ha="center", va="top", color="#495057", zorder=6))
    top = max(p[0][1] for p in pos) + 0.75
    for l in range(len(sizes)):
        if l == 0:
            head = f"input\n{sizes[0]} feature{'s' if sizes[0] != 1 else ''}"
        else:
            act = layers[l - 1][2]
            sym = _SYMBOLS.get(str(act).lower(), str(act)) if act else "linear"
            head = f"layer {l}\n{sizes[l]} × {sym}"
        notes.append(ax.text(pos[l][0][0], top, head, ha="center", va="bottom", fontsize=9.5, fontweight="bold"))
    ax.set_xlim(-0.8, (len(sizes) - 1) * SPACING + 0.8)
    ax.set_ylim(-max(sizes) / 2.0 - 0.5, top + 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    if labels:
        _place_labels(ax, [rest for _, *rest in sorted(labels, key=lambda item: item[0])], circles, notes)


EDGE_ALPHA = 0.85  # opacity of an edge (of the largest |value| when a dense network fades its edges)
LABEL_STOPS = np.linspace(0.18, 0.82, 17)  # where along its edge a label may sit, nearest the source first
LABEL_STAGGER = 0.24  # how much further along its edge every second label of a neuron starts


def _place_labels(ax, labels, circles, notes):
    """Move each edge label along its edge so that no two labels, and no label and a neuron or its bias, overlap.

    Labels are placed in order of their source neuron, each at the first position along its edge (nearest the
    source) whose box is clear of everything placed so far; where no position is clear, at the one overlapping
    least. Works in display coordinates after the layout, with the labels' real sizes.
    """
    fig = ax.figure
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    ax.apply_aspect()
    renderer = fig._get_renderer()
    to_display, to_data = ax.transData.transform, ax.transData.inverted().transform
    boxes = [c.get_window_extent(renderer) for c in circles] + [n.get_window_extent(renderer) for n in notes]
    taken = [(b.x0, b.y0, b.x1, b.y1) for b in boxes]
    pad = 3.0  # pixels kept free around each label
    previous, k = None, 0
    for text, src, dst in labels:
        k = k + 1 if src == previous else 0  # the k-th edge leaving this neuron
        previous = src
        ext = text.get_window_extent(renderer)
        hw, hh = ext.width / 2 + pad, ext.height / 2 + pad
        (sx, sy), (dx, dy) = to_display([src, dst])
        best, best_cost = None, None
        # alternate edges of one neuron start their search at different distances, so that neighbouring labels
        # are staggered along the fan of edges instead of stacked against the neuron
        prefer = LABEL_STOPS[0] + (0.0 if k % 2 == 0 else LABEL_STAGGER)
        for t in sorted(LABEL_STOPS, key=lambda s: (s < prefer - 1e-9, abs(s - prefer))):
            cx, cy = sx + t * (dx - sx), sy + t * (dy - sy)
            box = (cx - hw, cy - hh, cx + hw, cy + hh)
            cost = sum(_overlap(box, other) for other in taken)
            if best_cost is None or cost < best_cost - 1e-9:
                best, best_cost = (t, box), cost
            if cost == 0:
                break
        t, box = best
        text.set_position(tuple(to_data([(sx + t * (dx - sx), sy + t * (dy - sy))])[0]))
        taken.append(box)


def _overlap(a, b):
    """The area where boxes ``a`` and ``b`` (x0, y0, x1, y1) overlap; 0 when they are apart."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _legend(fig, what):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_mpl.POSITIVE, lw=3, label=f"positive {what}"),
               Line2D([], [], color=_mpl.NEGATIVE, lw=3, label=f"negative {what}")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)


@declare(path=_mpl.PICTURE_PATH_OR_NONE, labels=DIAGRAM_LABELS)
def network_diagram(model, path=None, *, labels: str | None = "weights", edge_values=None, neuron_values=None,
                    digits: int = 2, show_bias: bool = True, title: str | None = None, ax=None):
    """Draw a layered network.

    Args:
        model: see :func:`layers_of` (Module, Explanation, list of (W, b)).
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        labels: what the edges show and are coloured by: 'weights', 'gradients'
            or 'updates' (then ``edge_values`` must give them), or None for no
            numbers (edges still coloured by the weights).
        edge_values: one array per layer, shape (out, in) like W: gradients
            ∂L/∂W or updates ΔW to show instead of the weights.
        neuron_values: one array per layer including the input, shapes
            (n_in,), (n_1,), ...: numbers written in the neurons (e.g. activations).
        digits: decimals of the labels.
        show_bias: write each neuron's bias under it.

    Returns:
        the matplotlib ``Figure``.
    """
    layers = layers_of(model)
    _check_chain(layers)
    values = [W for W, _, _ in layers]
    if labels in ("gradients", "updates"):
        if edge_values is None:
            raise ParameterError(f"network_diagram: labels={labels!r} needs edge_values, one (out, in) array per layer")
        values = [_arr(v) for v in edge_values]
        for k, (v, W) in enumerate(zip(values, (W for W, _, _ in layers))):
            if v.shape != W.shape:
                raise ShapeError(f"network_diagram: edge_values[{k}] has shape {v.shape}, expected {W.shape} like the weight")
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers]
    with _mpl.style():
        if ax is None:
            unit = 0.8 if max(sizes) <= 8 else 0.45  # inches per neuron spacing; circles stay round
            width = max(5.0, unit * ((len(sizes) - 1) * SPACING + 1.6) + 0.5)
            fig = _mpl.new_figure(width, unit * (max(sizes) + 3.3) + 0.9)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        what = labels or "weights"
        _draw(ax, layers, values, labels is not None, neuron_values, digits, show_bias, [b for _, b, _ in layers],
              title if title is not None else f"Network ({'–'.join(map(str, sizes))}), edges: {what}")
        _legend(fig, what[:-1] if what.endswith("s") else what)
    return _mpl.finish(fig, path, "network_diagram")


def _update_parts(before, after, gradients, lr):
    """(layers before, layers after, gradient per layer) from an Explanation or explicit arguments."""
    trace = getattr(before, "trace", None)
    if trace is not None and after is None:
        if getattr(trace, "lr", None) is None:
            raise ParameterError("network_update_diagram: this explanation has no update step; explain it with lr=...")
        layers = layers_of(before)
        new = [(_arr(trace.W_new[l]), _arr(trace.b_new[l]).reshape(-1) if _arr(trace.b_new[l]).ndim else
                np.full(layers[l - 1][0].shape[0], float(trace.b_new[l])), layers[l - 1][2]) for l in range(1, trace.L + 1)]
        grads = [_arr(trace.dW[l]) for l in range(1, trace.L + 1)]
        dbs = [_arr(trace.db[l]) * np.ones(layers[l - 1][0].shape[0]) for l in range(1, trace.L + 1)]
        return layers, new, grads, float(trace.lr), dbs
    if after is None:
        raise ParameterError("network_update_diagram: give the network after the update (after=...) or an Explanation with lr")
    layers, new = layers_of(before), layers_of(after)
    if gradients is None:
        step = 1.0 if lr is None else float(lr)
        gradients = [(W0 - W1) / step for (W0, _, _), (W1, _, _) in zip(layers, new)]
    dbs = [None if b0 is None or b1 is None else (b0 - b1) / (1.0 if lr is None else float(lr))
           for (_, b0, _), (_, b1, _) in zip(layers, new)]
    return layers, new, [_arr(g) for g in gradients], lr, dbs


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def network_update_diagram(before, path=None, *, after=None, gradients=None, lr=None, neuron_values=None, digits: int = 4,
                           title: str = "One gradient-descent step"):
    """Three panels: the weights before an update, their gradients, the weights after.

    Args:
        before: an Explanation made with ``lr`` (everything is read from it),
            or the network before the update (see :func:`layers_of`).
        after: the network after the update (when ``before`` is not an Explanation).
        gradients: ∂L/∂W per layer, shapes like W (default (W_before − W_after)/lr).
        lr: the learning rate η, shown in the titles.
        neuron_values: activations per layer (input first) written in the neurons of the first panel.
        digits: decimals of the labels.

    Returns:
        the matplotlib ``Figure``.
    """
    layers, new, grads, lr, dbs = _update_parts(before, after, gradients, lr)
    trace = getattr(before, "trace", None)
    if neuron_values is None and trace is not None and getattr(trace, "single", False):
        neuron_values = [np.asarray(trace.A[l] if l else trace.X, dtype=float).reshape(-1) for l in range(trace.L + 1)]
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _, _ in layers]
    eta = f" (η = {lr:g})" if lr is not None else ""
    with _mpl.style():
        h = max(3.2, 0.95 * max(sizes) + 1.4)
        fig = _mpl.new_figure(max(7.0, 2.9 * len(sizes) + 0.8), 3 * h + 0.6)
        axes = fig.subplots(3, 1)
        _draw(axes[0], layers, [W for W, _, _ in layers], True, neuron_values, digits, True, [b for _, b, _ in layers],
              "Before: weights W (activations in neurons)" if neuron_values is not None else "Before: weights W")
        _draw(axes[1], layers, grads, True, None, digits, True, dbs, "Gradients ∂L/∂W (∂L/∂b under the neurons)",
              bias_prefix="∂b=")
        _draw(axes[2], new, [W for W, _, _ in new], True, None, digits, True, [b for _, b, _ in new],
              f"After: W − η ∂L/∂W{eta}")
        _legend(fig, "value")
        fig.suptitle(title + eta)
    return _mpl.finish(fig, path, "network_update_diagram")
