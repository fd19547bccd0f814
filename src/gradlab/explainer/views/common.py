"""Blocks every view of a layered network starts and ends with."""

from __future__ import annotations

from ..notes import kink_sentence, saturation_sentence  # noqa: F401  (the views import them from here)


def title_of(exp, view):
    return f"{exp.title} — {view}"


def conventions_note(doc, exp, scalar=False):
    """The notation and every non-default convention, stated once at the top."""
    tr = exp.trace
    sizes = [tr.net.layers[0].n_in] + [layer.n_out for layer in tr.net.layers]
    acts = ", ".join(f"layer {l}: {_act_name(layer)}" for l, layer in enumerate(tr.net.layers, 1))
    loss = tr.loss.title
    batch = "one sample" if tr.m == 1 else f"a batch of m = {tr.m} samples"
    doc.para(f"A {'–'.join(map(str, sizes))} network ({acts}), {loss} loss, {batch}"
             + (f", learning rate η = {tr.lr:g}." if tr.lr is not None else "."))
    if scalar:
        doc.note("Notation: z = W a + b and a = f(z) per layer; wᵢⱼ⁽ˡ⁾ connects input i to neuron j of layer l "
                 "(gradlab stores it as W[j−1, i−1] of the (out, in) weight; lecture notation often writes the "
                 "bias bⱼ⁽ˡ⁾ as w₀ⱼ⁽ˡ⁾, the weight of a constant input x₀ = 1). Numbers are computed in float64 and printed with "
                 f"{exp.precision} decimals.")
    else:
        doc.note(f"Layout: {exp.layout}. " + _layout_sentence(exp.layout))
    for sentence in tr.conv.statements(tr.lr):
        doc.note(sentence, kind="warn")
    _model_notes(doc, tr, scalar)
    for sentence in exp.notes:
        doc.note(sentence)


def _layout_sentence(layout):
    if layout == "numerator":
        return ("In numerator layout ∂ℓ/∂v of a vector v is a row and ∂ℓ/∂W has the shape of Wᵀ; "
                "the denominator-layout gradient (the shape of the variable, gradlab's .grad) is its transpose.")
    return ("In denominator layout (gradlab's .grad) a gradient has the shape of its variable; the numerator-layout "
            "gradient (rows for vectors, Wᵀ's shape for W) is its transpose.")


def check_note(doc, exp):
    """The autodiff cross-check, with the largest difference found."""
    worst = max(exp.differences.values(), default=0.0)
    if exp.check_ok and exp.trace.sequential:
        doc.note(f"✓ Checked: the loss and layer {exp.trace.L}'s gradients equal gradlab's reverse-mode autodiff "
                 f"(largest difference {worst:.1e}, tolerance 1e-10); under sequential updates the lower layers' "
                 "numbers follow the convention, not the gradient of L, so they are not compared.", kind="ok")
    elif exp.check_ok:
        doc.note(f"✓ Checked: every gradient above equals gradlab's reverse-mode autodiff "
                 f"(largest difference {worst:.1e}, tolerance 1e-10).", kind="ok")
    else:
        bad = ", ".join(k for k, v in exp.differences.items() if v > 1e-10)
        doc.note(f"✗ The formulas and autodiff disagree on {bad} (largest difference {worst:.1e}).", kind="warn")


def _act_name(layer):
    params = ", ".join(f"{k}={v:g}" for k, v in layer.params.items())
    bias = "" if layer.b is not None else ", no bias"
    return layer.act.name + (f"({params})" if params else "") + bias


def _model_notes(doc, tr, scalar):
    """What a reader must know about this network and loss: double links, kinks."""
    last = tr.act(tr.L).name
    if tr.loss.link is not None and last == tr.loss.link:
        doc.note(f"The output layer applies {last} and {tr.loss.title} applies {last} to it again (it takes logits): "
                 f"the explanation shows exactly that. For the usual network, end with an identity output.",
                 kind="warn")
    if tr.kinks and scalar:
        doc.note(f"⚠ {len(tr.kinks)} pre-activation(s) lie within 1e-9 of an activation's kink; each is flagged "
                 "where it occurs, with the convention used there.", kind="warn")
    elif tr.kinks:
        for kink in tr.kinks:
            doc.note(*kink_sentence(tr, kink), kind="warn")
