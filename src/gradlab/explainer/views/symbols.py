"""The symbols of the lecture's notation, shared by the views.

Layers are superscripts in parentheses (z₁⁽²⁾), neurons subscripts, and a
weight wᵢⱼ⁽ˡ⁾ connects input i (aᵢ⁽ˡ⁻¹⁾, or xᵢ for the first layer) to
neuron j of layer l, as lectures index them; gradlab stores it as W⁽ˡ⁾[j−1, i−1]
(the (out, in) weight of torch.nn.Linear). Indices printed are 1-based.
"""

from __future__ import annotations

from ..notation import Deriv, Sym


def _pair(i, j):
    short = all(isinstance(k, str) or k < 10 for k in (i, j))
    return f"{i}{j}" if short else f"{i},{j}"


def z(l, j=None):
    return Sym("z", "" if j is None else j, f"({l})")


def a(l, i=None, k_out=None, last=False):
    """a⁽ˡ⁾ᵢ, x for the input layer (l = 0), ŷ for the output layer when ``last``."""
    if l == 0:
        return Sym("x", "" if i is None else i)
    if last:
        return Sym("ŷ", "" if (i is None or k_out == 1) else i)
    return Sym("a", "" if i is None else i, f"({l})")


def w(l, i, j, new=False):
    """wᵢⱼ⁽ˡ⁾, or its updated value w_new,ᵢⱼ⁽ˡ⁾ (sequential updates)."""
    return Sym("w", ("new," if new else "") + _pair(i, j), f"({l})")


def b(l, j=None):
    return Sym("b", "" if j is None else j, f"({l})")


def y(j=None, k_out=1):
    return Sym("y", "" if (j is None or k_out == 1) else j)


def delta(l, j=None):
    return Sym("δ", "" if j is None else j, f"({l})")


def L():
    return Sym("L")


def dL(node):
    return Deriv(L(), node)


def W(l, new=False):
    """W⁽ˡ⁾, or the updated W_new⁽ˡ⁾ (sequential updates)."""
    return Sym("W", "new" if new else "", f"({l})")


def vec(name, l=None):
    """A bold vector symbol (z⁽ˡ⁾, a⁽ˡ⁾, δ⁽ˡ⁾); ``l`` None for no superscript."""
    return Sym(name, "", "" if l is None else f"({l})", bold=True)
