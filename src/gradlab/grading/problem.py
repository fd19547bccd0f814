"""The problem an exercise states: the network, its numbers and the tasks (a Document every renderer takes).

:func:`problem_document` builds it for a network, a perceptron or a symbolic
exercise; :meth:`gradlab.grading.exercise.Exercise.problem` renders it as
Markdown, LaTeX or HTML.
"""

from __future__ import annotations

import numpy as np

from ..data.synthetic import gate_table
from ..explainer.document import Document
from ..explainer.notation import Num, Op, Row, Sym, row_vector
from ..ops import catalog
from . import names as N
from .perceptron import perceptron_sheet


def problem_document(ex):
    """The :class:`~gradlab.explainer.document.Document` of an exercise's problem (network, perceptron or symbolic)."""
    s = ex.spec
    doc = Document(ex.title)
    if ex.kind == "symbolic":
        return _symbolic_document(doc, s)
    if ex.kind == "perceptron":
        return _perceptron_document(doc, ex)
    tr = ex.reference.trace
    widths = [tr.layer(1).n_in] + [tr.layer(l).n_out for l in range(1, tr.L + 1)]
    acts = ", ".join(f"layer {l}: {tr.act(l).title}" for l in range(1, tr.L + 1))
    kind = tr.loss
    m = "one sample" if tr.single else f"a batch of m = {tr.m} samples"
    doc.para(f"A {'–'.join(map(str, widths))} network ({acts}) with the {kind.title} loss, trained on {m}"
             + (f" by one step of gradient descent with learning rate η = {tr.lr:g}." if tr.lr is not None else "."))
    doc.para("Notation: z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾ and a⁽ˡ⁾ = f(z⁽ˡ⁾), a⁽⁰⁾ = x; wᵢⱼ⁽ˡ⁾ is the weight from input i to "
             "neuron j of layer l.")
    doc.para(_loss_sentence(tr))
    for sentence in tr.conv.statements(tr.lr):
        if not sentence.startswith(("Loss reduction", "A factor ½")):  # the loss sentence says those
            doc.para(sentence)
    for l in range(1, tr.L + 1):
        W, b = tr.W(l), tr.b(l)
        doc.heading(f"Layer {l} ({tr.act(l).title})", 3)
        header = ["neuron"] + [f"w{N.sub(i + 1)}ⱼ" + N.sup(l) for i in range(W.shape[1])] + (
            [("shared bias b" if np.ndim(b) == 0 else "bias bⱼ") + N.sup(l)] if b is not None else [])
        rows = [[f"j = {j + 1}"] + [Num(W[j, i]) for i in range(W.shape[1])] + (
            [Num(b[j] if np.ndim(b) else b)] if b is not None else []) for j in range(W.shape[0])]
        doc.table(header, rows)
    doc.heading("Data", 3)
    header = ["sample"] + [f"x{N.sub(i + 1)}" for i in range(tr.X.shape[1])] + [
        "class" if kind.name == "cross_entropy" else "target y"]
    rows = []
    for r in range(tr.m):
        ytext = (str(int(np.argmax(tr.Y[r])) + 1) if kind.name == "cross_entropy"
                 else ", ".join(_target_text(v) for v in np.atleast_1d(tr.Y[r])))
        rows.append([str(r + 1)] + [Num(v) for v in tr.X[r]] + [ytext])
    doc.table(header, rows)
    doc.heading("Tasks", 3)
    tasks = ["Forward pass: every z and a of every layer" + ("" if tr.single else ", sample by sample") + ".",
             ("The probabilities p and the loss L." if tr.P is not None else "The loss L."),
             "Backward pass: ∂L/∂ŷ, then δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ and ∂L/∂a⁽ˡ⁻¹⁾ from the output layer down (∂L/∂a⁽⁰⁾ = ∂L/∂x).",
             "The gradients ∂L/∂wᵢⱼ⁽ˡ⁾" + (" and ∂L/∂bⱼ⁽ˡ⁾" if any(tr.has_bias(l) for l in range(1, tr.L + 1)) else "")
             + ("" if tr.single else ", summed over the batch") + "."]
    if tr.lr is not None:
        tasks.append(f"The updated weights and biases: w ← w − η ∂L/∂w with η = {tr.lr:g}.")
    for k, t in enumerate(tasks, start=1):
        doc.para(f"{k}. {t}")
    doc.note("Write your numbers in template.csv, one per row, keeping at least 4 significant figures or 4 "
             "decimals. Names: z[2][1] is z₁⁽²⁾, delta[2][1] is δ₁⁽²⁾ = ∂L/∂z₁⁽²⁾, dW[2][1,2] is ∂L/∂w₁₂⁽²⁾ "
             "(input 1 → neuron 2), W_new[2][1,2] the updated w₁₂⁽²⁾"
             + ("" if tr.single else "; for a batch the first index is the sample: z[1][3,2] is z₂⁽¹⁾ of sample 3")
             + ". Grade with: gradlab grade template.csv --exercise key.json")
    return doc


def _target_text(v):
    """A target in a table cell, exact as drawn, with a true minus sign."""
    return f"{float(v):g}".replace("-", "−")


def _loss_sentence(tr):
    kind = tr.loss
    formula = catalog.to_text(kind.formula)
    if kind.name == "cross_entropy":
        red = "averaged over the samples" if tr.conv.reduction == "mean" else "summed over the samples"
        return f"Loss: ℓ = {formula} with p = softmax(ŷ) and y one-hot, {red}."
    if kind.link == "sigmoid":
        formula += " with p = σ(ŷ)"
    red = "averaged over every output of every sample" if tr.conv.reduction == "mean" else "summed"
    half = " times ½" if tr.conv.half else ""
    return f"Loss: ℓ = {formula}{half}, {red}."


def _perceptron_document(doc, ex):
    s = ex.spec
    X, y = gate_table(s["gate"], "exercise")
    doc.para(f"A perceptron with the unit step (ŷ = 1 if z ≥ θ = {s['threshold']:g}, else 0) learns the "
             f"{s['gate'].upper()} gate by Rosenblatt's rule w ← w + η (y − ŷ) x with η = {s['lr']:g}, one sample at "
             "a time in the order of the table, with the bias trick x₀ = 1 (z = w₀ + w₁x₁ + w₂x₂).")
    doc.eq(Row(Sym("w", "", "", bold=True), Op("="), row_vector(s["initial_weights"])))
    doc.table(["sample", "x₁", "x₂", "y"], [[str(k + 1), Num(X[k, 0]), Num(X[k, 1]), str(int(y[k]))] for k in range(4)])
    n = len(perceptron_sheet(ex.reference).steps)
    doc.para(f"Work through {n} steps ({n // 4} epochs): for each step t write z, ŷ, y − ŷ and the weights after "
             "the step.")
    doc.note("Names: z[t], y_hat[t], error[t], w[t][0] (the bias), w[t][1], w[t][2]. Grade with: gradlab grade "
             "template.csv --exercise key.json")
    return doc


def _symbolic_document(doc, s):
    doc.para(f"Derive {s['question']}")
    doc.para("Shapes: " + ", ".join(f"{k} is {v}" for k, v in s["shapes"].items()) + ".")
    doc.para(f"Expression (gradlab syntax): {s['expression']}")
    if s.get("where"):
        doc.para(f"You may use the names {s['where']} (write ŷ as yhat, subscripts as digits: a₁ as a1).")
    doc.note("Answer with one formula in the same syntax (X.T for the transpose, @ for the matrix product, * for "
             "scalars and element-wise products), in the row 'answer' of template.csv. Names defined in the "
             "problem may be used. Grade with: gradlab grade template.csv --exercise key.json")
    return doc
