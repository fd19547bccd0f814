"""Shared plumbing for every picture: lazy matplotlib, one style, atomic saving.

matplotlib is an optional extra (``gradlab[plot]``). It is imported only when
a picture is drawn, never by ``import gradlab``; figures are built with
``matplotlib.figure.Figure`` directly (the Agg renderer, no pyplot state, no
window), so drawing works on a headless machine and in threads.

Those figures are instances of :data:`InlineFigure` (a ``Figure`` with
``_repr_png_``), so a figure returned as a notebook cell's value shows inline
in a fresh Jupyter kernel without ``%matplotlib inline``; since pyplot never
holds them, an inline backend does not show them a second time.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..core.constraints import Optional, Satisfies, check
from ..core.errors import require
from ..core.files import atomic_path

# Colours: blue for positive / class 1, orange-red for negative / class 0
# (distinguishable by most colour-blind readers), grey for neutral things.
POSITIVE = "#1f5fbf"
NEGATIVE = "#d9480f"
NEUTRAL = "#555555"
CLASS_COLORS = ("#d9480f", "#1f5fbf", "#2b8a3e", "#7048e8", "#e67700", "#0b7285")

STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "figure.titlesize": 14,
    "figure.titleweight": "bold",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
}

FORMATS = (".png", ".svg", ".pdf")
PICTURE_PATH = Satisfies(lambda p: Path(p).suffix.lower() in FORMATS, f"a file name ending in {', '.join(FORMATS)}",
                         invalid=("picture.txt", "picture", 3), show=lambda p: repr(str(p)))
# the ``path`` of a drawing function
PICTURE_PATH_OR_NONE = Optional(PICTURE_PATH, text=f"{PICTURE_PATH.text}, or None to only return the figure")
DPI = 110


def matplotlib():
    """Import matplotlib (or raise MissingExtraError naming ``gradlab[plot]``)."""
    mpl = require("matplotlib", "plot")
    require("matplotlib.figure", "plot")
    return mpl


@contextlib.contextmanager
def style():
    """Context in which figures get gradlab's fonts, grid and spines."""
    mpl = matplotlib()
    with mpl.rc_context(STYLE):
        yield mpl


def _inline_figure_class():
    """``matplotlib.figure.Figure`` with ``_repr_png_``: Jupyter shows it inline without a pyplot backend."""
    from matplotlib.figure import Figure

    class InlineFigure(Figure):
        """A matplotlib ``Figure`` that a notebook displays as a PNG (``_repr_png_``) with no backend set up."""

        def _repr_png_(self):
            return to_png_bytes(self)

    InlineFigure.__module__ = __name__
    InlineFigure.__qualname__ = "InlineFigure"
    return InlineFigure


def __getattr__(name):
    # ``InlineFigure`` is built on first use, so importing this module never imports matplotlib (a pickled figure
    # finds its class here too).
    if name == "InlineFigure":
        matplotlib()
        cls = globals()["InlineFigure"] = _inline_figure_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_figure(width: float, height: float):
    """A new Agg-backed :data:`InlineFigure` of ``width`` × ``height`` inches (call inside :func:`style`)."""
    import sys

    Figure = getattr(sys.modules[__name__], "InlineFigure")
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.08, h_pad=0.08)
    return fig


def figure_and_axes(ax, width: float, height: float):
    """``(fig, ax)``: a new ``width`` × ``height`` figure with one axes when ``ax`` is None, else ``ax``'s own."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(width, height)
    return fig, fig.add_subplot()


def check_path(path, owner: str) -> Path:
    """``path`` as a Path whose suffix is a picture format matplotlib writes."""
    return Path(check(owner, "path", path, PICTURE_PATH))


def save(fig, path, owner: str = "save") -> Path:
    """Write ``fig`` to ``path`` (.png, .svg or .pdf) atomically and return the path.

    The picture is written to a temporary file in the same folder and then
    renamed, so a reader never sees half a file. Parent folders are created.
    """
    p = check_path(path, owner)
    with atomic_path(p, suffix=p.suffix) as tmp, style():
        fig.savefig(tmp, format=p.suffix[1:].lower(), dpi=DPI)
    return p


def finish(fig, path, owner: str):
    """Save ``fig`` when ``path`` is given; return the figure either way."""
    if path is not None:
        save(fig, path, owner)
    return fig


def to_png_bytes(fig) -> bytes:
    """The figure as PNG bytes (for embedding in HTML reports)."""
    import io

    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()
