"""Rich display in Jupyter: the HTML pieces every ``_repr_html_`` of gradlab writes, a tensor's card and a
module's summary table (Keras' ``summary()``).

Nothing here imports IPython, matplotlib or rich: a notebook calls the ``_repr_*_`` methods itself, and the
functions only build strings from NumPy arrays and gradlab objects (read by their attributes, so this module
sits in ``core`` and serves ``nn``, ``train`` and the rooms above).
"""

from __future__ import annotations

import base64
import html

import numpy as np

from .errors import ParameterError, ShapeError
from .graph import no_grad
from .tensor import Tensor

MAX_SHOWN = 200  # array entries written out in full; larger arrays are summarised by NumPy's printer


def esc(value) -> str:
    """``str(value)`` escaped for HTML text and attributes."""
    return html.escape(str(value), quote=True)


def html_table(headers, rows, caption=None, cls="gradlab-table") -> str:
    """An HTML ``<table>``: ``headers`` (k names) over ``rows`` (lists of k cells, escaped here)."""
    head = "".join(f"<th style=\"text-align:left\">{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td style=\"text-align:left\">{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    cap = f"<caption style=\"text-align:left\"><b>{esc(caption)}</b></caption>" if caption else ""
    return f'<table class="{cls}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def text_table(headers, rows) -> str:
    """The same table as monospace text, columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def png_img(png: bytes, alt: str) -> str:
    """An ``<img>`` holding ``png`` (bytes) as a data URI."""
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>'


def array_text(a) -> str:
    """An array as NumPy prints it (4 decimals; arrays over 200 entries summarised with …)."""
    return np.array2string(np.asarray(a), precision=4, separator=", ", threshold=MAX_SHOWN)


def tensor_html(t) -> str:
    """A tensor's card: shape, dtype, how it was made, its values and its gradient (``.grad``) if any."""
    data = np.asarray(t.data)
    made = f"operation {t.op.name}" if t.op is not None else ("leaf, requires_grad=True" if t.requires_grad
                                                             else "leaf (constant)")
    rows = [("shape", tuple(data.shape)), ("dtype", data.dtype), ("made by", made)]
    if t.name:
        rows.insert(0, ("name", t.name))
    pre = "<pre style=\"margin:0\">{}</pre>"
    cells = "".join(f"<tr><th style=\"text-align:left\">{esc(k)}</th><td style=\"text-align:left\">{esc(v)}</td></tr>"
                    for k, v in rows)
    cells += f"<tr><th style=\"text-align:left\">value</th><td>{pre.format(esc(array_text(data)))}</td></tr>"
    grad = "None (call backward() on a result)" if t.grad is None else array_text(t.grad)
    if t.grad is not None or t.requires_grad:
        cells += f"<tr><th style=\"text-align:left\">grad</th><td>{pre.format(esc(grad))}</td></tr>"
    return f'<table class="gradlab-tensor"><caption style="text-align:left"><b>Tensor</b></caption>{cells}</table>'


# ---------------------------------------------------------------- Module.summary


def _own_count(m) -> int:
    return int(sum(m.__dict__[n].data.size for n in m._param_names if m.__dict__[n] is not None))


def _output_shapes(model, input_shape) -> dict:
    """{module name: output shape} of every module called when ``model`` runs on a zero batch of one sample (names,
    not ids, so a copied or unpickled model keeps its table)."""
    try:
        sample = () if isinstance(input_shape, (str, bytes)) else tuple(int(s) for s in input_shape)
    except (TypeError, ValueError):
        sample = ()
    if not sample or any(s <= 0 for s in sample):
        raise ParameterError(f"Module.summary: input_shape must be the shape of one sample without the batch axis, "
                             f"positive integers such as (2,) or (1, 28, 28); got {input_shape!r}")
    named = model.named_modules()
    modules = [m for _, m in named]
    shapes, saved = {}, []

    def recorder(name, m, forward):
        def call(*args, **kwargs):
            out = forward(*args, **kwargs)
            if isinstance(out, Tensor):
                shapes[name] = ("batch",) + tuple(out.shape[1:])
            return out
        return call

    for name, m in named:  # a fused chain runs as one row and would skip its layers: unfuse while recording
        saved.append((m, m.__dict__.get("forward"), m.__dict__.get("fuse", _MISSING)))
        object.__setattr__(m, "forward", recorder(name, m, m.forward))
        if hasattr(m, "fuse"):
            object.__setattr__(m, "fuse", False)
    try:
        with no_grad(), model.evaluating():
            model(Tensor(np.zeros((1,) + sample)))
    except Exception as exc:  # the model's own sentence says why the shape does not fit
        raise ShapeError(f"Module.summary: input_shape {sample} does not fit {type(model).__name__}: {exc}") from None
    finally:
        for m, forward, fuse in saved:
            if forward is None:
                object.__delattr__(m, "forward")
            else:
                object.__setattr__(m, "forward", forward)
            if fuse is _MISSING:
                m.__dict__.pop("fuse", None)
            else:
                object.__setattr__(m, "fuse", fuse)
    return shapes


_MISSING = object()


def summary_rows(model, input_shape=None):
    """``(headers, rows, totals)`` of a module's summary: one row per layer (a module without children, or one
    with parameters of its own), its output shape when ``input_shape`` is given (or was given to an earlier
    :meth:`summary` call) and its parameter count; ``totals`` is ``(total, trainable)``."""
    if input_shape is not None:
        object.__setattr__(model, "_summary_shapes", _output_shapes(model, input_shape))
    shapes = model.__dict__.get("_summary_shapes")
    rows = []
    for name, m in model.named_modules():
        if m._module_names and not _own_count(m):
            continue
        layer = f"{name} ({type(m).__name__})" if name else type(m).__name__
        extra = m.extra_repr()
        row = [layer + (f" {extra}" if extra else ""), _own_count(m)]
        if shapes is not None:
            shape = shapes.get(name)
            row.insert(1, "(" + ", ".join(str(s) for s in shape) + ")" if shape else "not called")
        rows.append(row)
    headers = ["layer (type)", "output shape", "parameters"] if shapes is not None else ["layer (type)", "parameters"]
    params = model.parameters()
    totals = (int(sum(p.data.size for p in params)), int(sum(p.data.size for p in params if p.requires_grad)))
    return headers, rows, totals


class ModuleDisplay:
    """``summary()`` and the notebook display of a :class:`~gradlab.nn.Module` (mixed into it)."""

    def summary(self, input_shape=None, print_fn=print):
        """Print a table of the layers, like Keras' ``model.summary()``.

        Args:
            input_shape: the shape of one sample without the batch axis (e.g. ``(2,)``); given, a zero batch of
                one sample runs through the model and each layer's output shape, ``(batch, …)``, is listed (and
                kept for the notebook display).
            print_fn: called with the table's text (default ``print``).
        """
        headers, rows, (total, trainable) = summary_rows(self, input_shape)
        print_fn(f"{type(self).__name__}\n{text_table(headers, rows)}\n"
                 f"Total parameters: {total:,} (trainable: {trainable:,})")

    def _repr_html_(self):
        headers, rows, (total, trainable) = summary_rows(self)
        note = "" if "output shape" in headers else " (call summary(input_shape) to add each layer's output shape)"
        return (html_table(headers, rows, caption=type(self).__name__) +
                f"<p>Total parameters: {total:,} (trainable: {trainable:,}){esc(note)}</p>")
