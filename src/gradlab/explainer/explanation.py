"""``Explanation``: one explained training step, its named numbers and its three views.

Every quantity has a stable name (see :data:`NAMES`); ``exp['dW[2]']`` is a
float64 NumPy array and ``exp.value('dW', layer=2, i=0, j=1)`` one number.
For one sample (x of shape (n₀,)) per-sample quantities are vectors (n,);
for a batch X (m, n₀) they are (m, n) with samples in rows.
"""

from __future__ import annotations

import numpy as np

from ..check import GradientCheckError
from ..core import constraints as C
from ..core.errors import ParameterError
from .document import Displayable
from .render import check_format, render_document
from .render.json import explanation_dict, explanation_json
from .trace import TOLERANCE, autodiff_check

NAMES = """\
x, y            the input (n₀,) or (m, n₀) and the target
W[l], b[l]      the parameters of layer l (W is (out, in), as gl.nn.Linear)
z[l], a[l]      pre-activation and activation of layer l (a[0] = x); y_hat = a[L]
loss            the loss value L
dL/dy_hat       ∂L/∂ŷ
dy_hat/dz       f′(z⁽ᴸ⁾), the diagonal of the output Jacobian ∂ŷ/∂z⁽ᴸ⁾
fprime[l]       f′(z⁽ˡ⁾), the diagonal of ∂a⁽ˡ⁾/∂z⁽ˡ⁾ (element-wise activations)
jacobian[l]     ∂a⁽ˡ⁾/∂z⁽ˡ⁾ = diag(a) − a aᵀ for a softmax layer, (n, n) per sample
p, dL/dp        for a loss on logits: p = σ(ŷ) or softmax(ŷ), and ∂L/∂p
delta[l]        δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾
dW[l], db[l]    ∂L/∂W⁽ˡ⁾ (shape of W in denominator layout, of Wᵀ in numerator layout), ∂L/∂b⁽ˡ⁾
                (no b, db, b_new for a layer without bias)
da[l]           ∂L/∂a⁽ˡ⁾ for l = 0..L−1;  dL/dx = da[0]
W_new[l], b_new[l]            the updated parameters (when lr is given)
z_new[l], a_new[l], y_hat_new the verification forward pass with the new parameters
loss_new, loss_change, loss_change_pct, loss_reduction, loss_reduction_pct
"""


def entry_name(kind, layer=None, index=(), sample=None):
    """The name of one number of a step, as answer sheets write it: the quantity's name, then 1-based indices
    as printed — ``entry_name('dW', 2, (1, 2)) == 'dW[2][1,2]'`` (∂L/∂w₁₂⁽²⁾: input 1 → neuron 2),
    ``entry_name('z', 1, (2,), sample=3) == 'z[1][3,2]'`` (sample 3 of a batch; ``sample`` None for one sample)."""
    index = tuple(index) if sample is None else (sample, *index)
    head = kind if layer is None else f"{kind}[{layer}]"
    return head + (f"[{','.join(str(i) for i in index)}]" if index else "")


LAYOUTS = C.LAYOUTS.values  # ('denominator', 'numerator')
CHECKS = C.CHECK_MODES.values  # ('raise', 'flag')
VIEWS = ("scalar", "matrix", "graph")
OPTIONS = {"layout": C.LAYOUTS, "precision": C.PRECISION, "check": C.CHECK_MODES}  # explain's output options


@C.declare("explain", **OPTIONS)
def check_options(layout, precision, check):
    """Refuse a bad layout, precision or check before any work is done (the declaration checks them)."""


def cross_check(trace, check="raise"):
    """{name: max |difference|} between the trace's gradients and autodiff; with check='raise', GradientCheckError
    when one exceeds the tolerance (check='flag' leaves it to the output to say)."""
    differences = autodiff_check(trace)
    worst = max(differences, key=differences.get, default=None)
    if check == "raise" and worst is not None and differences[worst] > TOLERANCE:
        raise GradientCheckError(f"explain: the matrix formulas and autodiff disagree on {worst} by "
                                 f"{differences[worst]:.3g} (tolerance {TOLERANCE:g})")
    return differences


class Explanation(Displayable):
    """A step of a layered network explained: named numbers and views.

    Build with :func:`gradlab.explainer`. Attributes: ``trace`` (the raw
    :class:`~gradlab.explainer.trace.Trace`), ``layout`` ('denominator' or
    'numerator'), ``precision`` (decimals printed), ``differences`` (max
    |difference| with autodiff per gradient, from :func:`cross_check`),
    ``check_ok``, ``title``, ``notes`` (sentences shown at the top).
    """

    def __init__(self, trace, differences, layout="denominator", precision=4, title="Explanation", notes=()):
        check_options(layout, precision, "raise")
        self.trace = trace
        self.differences = dict(differences)
        self.layout = layout
        self.precision = precision
        self.title = title
        self.notes = list(notes)
        self._values = self._collect()

    @property
    def check_ok(self):
        """Whether every compared gradient equals autodiff within the tolerance."""
        return all(v <= TOLERANCE for v in self.differences.values())

    # ------------------------------------------------------------ names

    def _v(self, arr):
        arr = np.asarray(arr, dtype=np.float64)
        if self.trace.single and arr.ndim == 2 and arr.shape[0] == 1:
            return arr[0]
        return arr

    def _g(self, arr):
        """A parameter gradient in the chosen layout (matrices transposed in numerator layout)."""
        arr = np.asarray(arr, dtype=np.float64)
        return arr.T if (self.layout == "numerator" and arr.ndim == 2) else arr

    def _collect(self):
        tr = self.trace
        L = tr.L
        v = {"x": self._v(tr.X), "y": self._v(tr.Y), "a[0]": self._v(tr.X)}
        for l in range(1, L + 1):
            v[f"W[{l}]"] = tr.W(l).copy()
            if tr.has_bias(l):
                v[f"b[{l}]"] = np.array(tr.b(l))
            v[f"z[{l}]"] = self._v(tr.Z[l])
            v[f"a[{l}]"] = self._v(tr.A[l])
        v["y_hat"] = self._v(tr.A[L])
        v["loss"] = np.array(tr.loss_value)
        if tr.P is not None:
            v["p"] = self._v(tr.P)
            if tr.dL_dP is not None:  # None where p rounds to 0 or 1 (the long product is ∞ × 0)
                v["dL/dp"] = self._v(tr.dL_dP)
        v["dL/dy_hat"] = self._v(tr.dL_dyhat)
        if tr.fprime[L] is not None:
            v["dy_hat/dz"] = self._v(tr.fprime[L])
        for l in range(1, L + 1):
            if tr.fprime[l] is not None:
                v[f"fprime[{l}]"] = self._v(tr.fprime[l])
            else:
                v[f"jacobian[{l}]"] = tr.J[l][0] if tr.single else tr.J[l]
            v[f"delta[{l}]"] = self._v(tr.delta[l])
            v[f"dW[{l}]"] = self._g(tr.dW[l])
            if tr.has_bias(l):
                v[f"db[{l}]"] = np.array(tr.db[l])
            v[f"da[{l - 1}]"] = self._v(tr.dA[l - 1])
        v["dL/dx"] = v["da[0]"]
        if tr.lr is not None:
            v["lr"] = np.array(tr.lr)
            for l in range(1, L + 1):
                v[f"W_new[{l}]"] = tr.W_new[l]
                if tr.has_bias(l):
                    v[f"b_new[{l}]"] = np.array(tr.b_new[l])
                v[f"z_new[{l}]"] = self._v(tr.Z_new[l])
                v[f"a_new[{l}]"] = self._v(tr.A_new[l])
            v["y_hat_new"] = self._v(tr.A_new[L])
            v["loss_new"] = np.array(tr.loss_new)
            change = tr.loss_new - tr.loss_value
            v["loss_change"] = np.array(change)
            v["loss_reduction"] = np.array(-change)
            pct = 100.0 * change / tr.loss_value if tr.loss_value != 0 else 0.0
            v["loss_change_pct"] = np.array(pct)
            v["loss_reduction_pct"] = np.array(-pct)
        return v

    def names(self):
        """All stable names, in trace order."""
        return list(self._values)

    def __getitem__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(f"explain: no quantity named {name!r}; known names: {', '.join(self._values)}") from None

    def __contains__(self, name):
        return name in self._values

    def value(self, kind, layer=None, i=None, j=None, sample=None):
        """One number: ``kind`` ('z', 'a', 'delta', 'dW', 'W_new', 'loss'...) of ``layer``.

        ``i``, ``j`` are 0-based indices into the stored array: for W-shaped
        arrays ``i`` is the neuron (row) and ``j`` the input (column); for
        vectors ``i`` is the neuron. ``sample`` selects a row of a batch.
        The printed notation is 1-based (w₁₂ ↔ i=0, j=1 in gradlab's (out, in)).
        """
        name = kind if layer is None else f"{kind}[{layer}]"
        arr = self[name]
        if sample is not None:
            arr = arr[sample]
        index = tuple(k for k in (i, j) if k is not None)
        return float(arr[index] if index else arr)

    # ------------------------------------------------------------ views and renderers

    def view(self, kind="scalar"):
        """The :class:`~gradlab.explainer.document.Document` of a view: 'scalar', 'matrix', 'graph' (or a registered one)."""
        from .views import VIEWS  # cycle: the views read Explanations

        if kind not in VIEWS:
            raise ParameterError(f"The 'view' parameter of Explanation.render must be one of {', '.join(VIEWS)}. "
                                 f"Got {kind!r}.")
        return VIEWS[kind](self)

    def render(self, fmt="text", view="scalar", **options):
        """The view rendered as 'text', 'markdown', 'latex', 'html' or 'json' (a string)."""
        if fmt == "json":
            return explanation_json(self)
        check_format(fmt)
        return render_document(self.view(view), fmt, self.precision, **options)

    def to_dict(self):
        """Every named quantity as nested lists (JSON-ready), with metadata."""
        return explanation_dict(self)

    def __repr__(self):
        tr = self.trace
        sizes = [tr.net.layers[0].n_in] + [layer.n_out for layer in tr.net.layers]
        return (f"<Explanation {self.title!r}: {'–'.join(map(str, sizes))} network, loss {tr.loss.name} = "
                f"{tr.loss_value:.{self.precision}f}, {len(self._values)} named quantities>")
