"""Entry names of an answer sheet, and the notation students write them in.

Canonical names are the explainer's quantity names with 1-based entry indices
as the scalar view prints them:

=====================  ===============================================================
``z[2][1]``            z₁⁽²⁾ (one sample); ``z[2][3,1]`` the same for sample 3 of a batch
``a[2][1]``            a₁⁽²⁾; the output ŷ is ``a[L][k]``
``p[1]``               p = softmax(ŷ) or σ(ŷ) for a loss on logits
``loss``               L
``dL/dy_hat[1]``       ∂L/∂ŷ₁
``delta[2][1]``        δ₁⁽²⁾ = ∂L/∂z₁⁽²⁾
``da[1][2]``           ∂L/∂a₂⁽¹⁾; ``da[0][i]`` is ∂L/∂xᵢ
``dW[2][1,2]``         ∂L/∂w₁₂⁽²⁾: w₁₂⁽²⁾ connects input 1 to neuron 2 (stored W[2][1, 0])
``db[2][1]``           ∂L/∂b₁⁽²⁾ (``db[2]`` when a layer shares one bias)
``W_new[2][1,2]``      the updated w₁₂⁽²⁾; ``b_new[2][1]`` the updated b₁⁽²⁾
=====================  ===============================================================

:func:`resolve` also maps the notation of the scalar view and of hand-written
sheets to these names: ``z₁⁽²⁾``, ``z_1^{(2)}``, ``z1^(2)``, ``∂L/∂w₁₂⁽²⁾``,
``dL/dw12^(2)``, ``δ₁⁽²⁾``, ``delta_1^(2)``, ``∂L/∂x₁``, ``ŷ``, ``L``,
``w₁₂⁽²⁾'`` or ``w_new_12^(2)`` (updated), ``w₀₁⁽²⁾`` (a bias written as weight 0, as some lectures do), with
``(sample 3)`` or ``s=3`` after the name for a batch.
"""

from __future__ import annotations

import re

from ..explainer.explanation import entry_name

_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙₛ₍₎", "0123456789ijklmns()"))
_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ˡᴸ", "0123456789()lL"))
_SUB_OUT = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
_SUP_OUT = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))

PER_SAMPLE = ("z", "a", "p", "dL/dy_hat", "delta", "da")  # kinds with one value per sample and neuron
PER_WEIGHT = ("dW", "W_new")
NO_LAYER = ("p", "dL/dy_hat")
MAX_NAME = 120  # characters of a written entry name  # per-sample kinds of the output, named without a layer  # kinds indexed [i, j] = input i, neuron j


def sub(n):
    return "".join(_SUB_OUT[c] for c in str(n))


def sup(n):
    return "⁽" + "".join(_SUP_OUT[c] for c in str(n)) + "⁾"


def canonical(kind, layer=None, index=()):
    """The canonical name: ``canonical('dW', 2, (1, 2)) == 'dW[2][1,2]'`` (indices 1-based; the explainer's
    :func:`~gradlab.explainer.explanation.entry_name`, which tags the scalar view's lines with the same names)."""
    return entry_name(kind, layer, index)


_CANON = re.compile(r"^(loss|z|a|p|dL/dy_hat|delta|da|dW|db|W_new|b_new)(?:\[(\d+)\])?(?:\[(\d+)(?:,(\d+))?\])?$")


def parse_canonical(name):
    """(kind, layer, indices) of a canonical name, or None."""
    m = _CANON.match(name)
    if not m:
        return None
    kind, layer, i, j = m.groups()
    index = tuple(int(x) for x in (i, j) if x is not None)
    layer = int(layer) if layer is not None else None
    if kind in NO_LAYER:  # p[1], dL/dy_hat[2,1]: the only bracket is the index
        if layer is not None and index:
            return None
        if layer is not None:
            index, layer = (layer,), None
    elif kind != "loss" and layer is None:
        return None
    if kind == "loss" and (layer is not None or index):
        return None
    return kind, layer, index


# ---------------------------------------------------------------- notation


_SUB_RUN = re.compile("[" + "".join(_SUBSCRIPT) + "]+")
_SUP_RUN = re.compile("[" + "".join(_SUPERSCRIPT) + "]+")
_SUB_TABLE, _SUP_TABLE = str.maketrans(_SUBSCRIPT), str.maketrans(_SUPERSCRIPT)


def _flatten_scripts(text):
    """Unicode sub- and superscripts to ``_digits`` and ``^(digits)``."""
    text = _SUB_RUN.sub(lambda m: "_" + m.group().translate(_SUB_TABLE), text)
    return _SUP_RUN.sub(lambda m: "^" + m.group().translate(_SUP_TABLE), text)


_SAMPLE = re.compile(r"(?:\(\s*sample\s*(\d+)\s*\)|\[\s*sample\s*(\d+)\s*\]|[,;\s]+sample\s*(\d+)|[,;\s]+s\s*=\s*(\d+))\s*$")
_NOTATION = re.compile(
    r"^(?P<d>dl/d)?"  # ∂L/∂ (as dL/d); δ is rewritten to dL/dz first
    r"(?P<sym>yhat|loss|l|z|a|w|b|x|p)"
    r"(?P<new1>'|_new|new)?"
    r"(?:_?\(?(?P<idx>\d+(?:,\d+)?)\)?)?"
    r"(?:\^\(?(?P<layer>\d+)\)?)?"
    r"(?P<new2>'|_new|new|\(new\))?$")


def _normalize(text):
    t = _flatten_scripts(str(text).strip())
    t = t.replace("∂", "d").replace("δ", "delta").replace("ŷ", "yhat").replace("−", "-").replace("′", "'")
    t = t.replace("{", "").replace("}", "").replace(",_", ",")  # w₁,₁₀ → w_1,10
    return t


def resolve(text, layers, batch, width=None):
    """The canonical name of an entry written ``text`` (canonical or notation), or None.

    ``layers``: L, the number of layers; ``batch``: m when the sheet is for a
    batch of m samples, None for one sample (then a sample index is refused
    unless it is 1); ``width(kind, layer)``: the number of units a per-sample
    name indexes, so that a name without its unit index (``ŷ``, ``z[2]``) is
    read as unit 1 only where there is one unit.
    """
    raw = str(text).strip()
    if len(raw) > MAX_NAME:  # no entry name is this long; nothing hostile reaches the patterns below
        return None
    sample = None
    m = _SAMPLE.search(raw)
    if m:
        sample = int(next(g for g in m.groups() if g is not None))
        raw = raw[: m.start()].strip()
    if parse_canonical(raw) is not None:
        name = raw
    else:
        aliases = {"y_hat": f"a[{layers}]", "yhat": f"a[{layers}]", "ŷ": f"a[{layers}]", "dL/dx": "da[0]",
                   "L": "loss", "Loss": "loss"}
        head = re.match(r"^(y_hat|yhat|ŷ|dL/dx)(\[.*\])?$", raw)
        if head:
            name = aliases[head.group(1)] + (head.group(2) or "")
            if parse_canonical(name) is None:
                return None
        elif raw in aliases:
            name = aliases[raw]
        else:
            name = _from_notation(raw, layers)
            if name is None:
                return None
    return _with_sample(name, sample, layers, batch, width)


def _from_notation(raw, layers):
    t = _normalize(raw)
    new_prefix = re.match(r"^(?:new|updated)\s+", t)  # 'new w₁₂⁽²⁾', as the template's notation column writes it
    if new_prefix:
        t = t[new_prefix.end():] + "'"
    t = re.sub(r"\s+", "", t)
    low = t.lower().replace("dy_hat", "dyhat").replace("y_hat", "yhat")
    low = re.sub(r"^delta(?=[_\d^(])", "dl/dz", low)
    low = re.sub(r"\^\(?(\d+)\)?(_\(?[\d,]+\)?)", r"\2^(\1)", low)  # z^{(2)}_1: the layer written first
    m = _NOTATION.match(low)
    if not m:
        return None
    d, sym, idx, layer = m.group("d"), m.group("sym"), m.group("idx"), m.group("layer")
    new = bool(m.group("new1") or m.group("new2"))
    deriv = d is not None
    if sym in ("l", "loss"):
        return "loss" if not (deriv or idx or layer or new) else None
    index = _indices(idx, 2 if sym == "w" else 1)
    if index is None:
        return None
    if sym in ("x", "yhat", "p"):
        if layer is not None or new:
            return None
        if sym == "x":
            return canonical("da", 0, index) if deriv else None
        if sym == "yhat":
            return canonical("dL/dy_hat", None, index) if deriv else canonical("a", layers, index)
        return None if deriv else canonical("p", None, index)
    if layer is None:
        return None
    lay = int(layer)
    if sym == "z":
        return canonical("delta", lay, index) if deriv else (None if new else canonical("z", lay, index))
    if sym == "a":
        return canonical("da", lay, index) if deriv else (None if new else canonical("a", lay, index))
    if sym == "w" and len(index) == 2 and index[0] == 0:  # w₀ⱼ (bias as weight 0) is the bias bⱼ
        sym, index = "b", index[1:]
    if sym == "w":
        if deriv:
            return None if new else canonical("dW", lay, index)
        return canonical("W_new", lay, index) if new else None
    if sym == "b":
        if deriv:
            return None if new else canonical("db", lay, index)
        return canonical("b_new", lay, index) if new else None
    return None


def _indices(idx, want):
    if idx is None:
        return ()
    if "," in idx:
        parts = tuple(int(p) for p in idx.split(","))
    elif want == 2 and len(idx) == 2:
        parts = (int(idx[0]), int(idx[1]))
    else:
        parts = (int(idx),)
    return parts if len(parts) == want else None


def _with_sample(name, sample, layers, batch, width=None):
    parsed = parse_canonical(name)
    if parsed is None:
        return None
    kind, layer, index = parsed
    if kind == "loss":
        return name if sample is None and layer is None and not index else None
    if kind not in PER_SAMPLE:
        return name if sample is None else None
    if not index:  # ŷ, ∂L/∂ŷ, ∂L/∂x, z[2]: unit 1, where it is the only unit
        if width is not None and width(kind, layer) != 1:
            return None
        index = (1,)
    if batch is None:
        if sample not in (None, 1):
            return None
        if len(index) == 2 and index[0] == 1:  # z[2][1,3] for the only sample
            index = index[1:]
        return canonical(kind, layer, index)
    if sample is not None:
        if len(index) != 1:
            return None
        index = (sample, index[0])
    return canonical(kind, layer, index) if len(index) == 2 else None


def label(kind, layer, index, batch, layers, outputs):
    """The printed notation of an entry: ``∂L/∂w₁₂⁽²⁾``, ``z₁⁽²⁾ (sample 3)``, ``ŷ``."""
    s = None
    if kind in PER_SAMPLE and batch is not None:
        s, index = index[0], index[1:]
    ix = "".join(sub(i) for i in index)
    if len(index) == 2 and max(index) > 9:
        ix = sub(index[0]) + "," + sub(index[1])
    up = sup(layer) if layer is not None else ""
    if kind == "a" and layer == layers:
        text = "ŷ" + (ix if outputs > 1 else "")
    else:
        text = {
            "z": f"z{ix}{up}", "a": f"a{ix}{up}", "p": f"p{ix}", "loss": "L", "dL/dy_hat": "∂L/∂ŷ" + (ix if outputs > 1 else ""),
            "delta": f"∂L/∂z{ix}{up}", "da": f"∂L/∂x{ix}" if layer == 0 else f"∂L/∂a{ix}{up}",
            "dW": f"∂L/∂w{ix}{up}", "db": f"∂L/∂b{ix}{up}", "W_new": f"new w{ix}{up}", "b_new": f"new b{ix}{up}",
        }[kind]
    return text + (f" (sample {s})" if s is not None else "")
