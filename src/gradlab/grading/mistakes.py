"""The catalogue of mistakes: one row per code, in the order the grader prefers them.

Each code has a title, a sentence describing it, and a message that says,
with the student's own numbers, what the number they wrote is and what it
should have been. The grader tests each code by recomputing the entry under
that mistake (:mod:`gradlab.grading.sheet`) and names the first that gives
the student's number; when several do, they follow this order (the more
specific explanation first) and the next two are the alternatives.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tolerance import digits_text as num


@dataclass(frozen=True)
class Mistake:
    code: str
    title: str
    description: str
    message: object  # (facts) -> the part of the sentence after "you wrote X, " (facts["say"] replaces it)


def _missing_derivative(f):
    return (f"which is {f['incoming_label']} = {num(f['incoming'])} alone — the factor "
            f"{f['fn']}′({f['at']}) = {num(f['factor'])} is missing")


def _derivative_of_output(f):
    return (f"which applies {f['fn']}′ to the activation a = {num(f['a'])} instead of to z: that factor is "
            f"{num(f['factor'])}, the right one {num(f['right'])}")


def _missing_mean(f):
    if f["used"] == 1:
        return f"which leaves out the 1/{f['divisor']} of the mean"
    if f["divisor"] == 1:
        return f"which divides by {f['used']}, but the loss is a sum here (nothing to divide by)"
    return f"which divides by {f['used']} instead of {f['divisor']}"


CATALOGUE = [
    Mistake("kink", "Derivative at a kink",
            "At a ReLU/step kink (z exactly at it) the derivative was taken with the other convention.",
            lambda f: (f"which takes {f['fn']}′({num(f['z'])}) = {num(f['used'])} at the kink; gradlab, like "
                       f"PyTorch, takes {num(f['right'])} there")),
    Mistake("missing_derivative", "Activation derivative left out",
            "δ = ∂L/∂a ⊙ f′(z): the f′(z) factor was left out.", _missing_derivative),
    Mistake("derivative_of_output", "Derivative applied to the activation",
            "f′ was evaluated at a = f(z) instead of at z, e.g. σ(a)(1 − σ(a)) instead of a(1 − a).",
            _derivative_of_output),
    Mistake("transposed", "Transposed",
            "The right number of the transposed position (the other layout): ∂L/∂wⱼᵢ written for ∂L/∂wᵢⱼ.",
            lambda f: f"which is {f['other']}: the two indices are swapped (the other layout)"),
    Mistake("wrong_weight", "Weight of another connection",
            "A sum used the weight of another connection, e.g. w₂₁ for w₁₂.",
            lambda f: f"which uses {f['used']} where {f['weight']} belongs"),
    Mistake("updated_weights_used", "Updated weights in the backward pass",
            "The backward pass went through weights that were already updated; it uses the weights of the forward pass.",
            lambda f: (f"which goes back through the updated weights of layer {f['layer']}; the backward pass "
                       "uses the weights before the update")),
    Mistake("old_weights_used", "Old weights in a sequential backward pass",
            "With sequential updates a layer is updated before the δ below it, which then goes through its new weights.",
            lambda f: (f"which goes back through the weights of layer {f['layer']} before the update; with "
                       "sequential updates the new weights are used")),
    Mistake("frozen_bias_updated", "Frozen bias updated",
            "The biases are frozen in this exercise, but the bias was updated.",
            lambda f: "which updates a frozen bias; frozen biases keep their value"),
    Mistake("bias_not_summed", "Bias gradient of one sample",
            "∂L/∂b was taken from one sample's δ instead of summed over the batch.",
            lambda f: f"which is δ of sample {f['sample']} only; ∂L/∂b sums δ over every sample of the batch"),
    Mistake("missing_factor_2", "Factor 2 of the square",
            "The 2 from differentiating (ŷ − y)² was dropped although the loss has no ½.",
            lambda f: ("which doubles the derivative although the loss has ½ in front" if f["half"]
                       else "which drops the 2 from differentiating the square (the loss has no ½)")),
    Mistake("missing_mean", "Mean's divisor",
            "The 1/m (or 1/N) of a mean was left out, or another divisor was used.", _missing_mean),
    Mistake("update_sign", "Update in the wrong direction",
            "The update added the gradient (w + η·g); gradient descent subtracts it.",
            lambda f: f"which is {num(f['old'])} + η × ({num(f['g'])}); gradient descent subtracts: w − η ∂L/∂w"),
    Mistake("learning_rate", "Another learning rate",
            "The update used another learning rate η.",
            lambda f: f"which uses η = {num(f['rate'])}; this step's η is {num(f['lr'])}"),
    Mistake("missing_bias", "Bias left out",
            "The bias was left out of z = Σ w a + b.",
            lambda f: f"which leaves out the bias {num(f['bias'])}"),
    Mistake("sign", "Sign flipped", "The number has the wrong sign.", lambda f: "which has the wrong sign"),
    Mistake("rounding", "Early rounding",
            "Numbers were rounded too early or too far, beyond the tolerance of the precision written.",
            lambda f: f"which {f['how']}; keep at least 4 significant figures until the end"),
    Mistake("scaled", "Formula off by a constant factor",
            "A gradient formula right up to a constant factor (e.g. the 2/m missing).", lambda f: f.get("say", "")),
    Mistake("shape", "Formula of the wrong shape",
            "A gradient formula that does not even have the gradient's shape.", lambda f: f.get("say", "")),
    Mistake("different", "Different formula",
            "A gradient formula that differs from the derivation (a draw of values shows where).",
            lambda f: f.get("say", "")),
    Mistake("arithmetic", "Arithmetic slip",
            "None of the known mistakes gives this number: a slip in the arithmetic.",
            lambda f: "which none of the usual mistakes explains: an arithmetic slip?"),
]
BY_CODE = {m.code: m for m in CATALOGUE}
PRIORITY = {m.code: k for k, m in enumerate(CATALOGUE)}
CODES = tuple(BY_CODE)


def explain(code, label, given, right, facts):
    """The one-sentence message of a wrong entry."""
    body = facts["say"] if "say" in facts else BY_CODE[code].message(facts)
    return f"{label}: you wrote {num(given)}, {body} — from your own numbers it is {num(right)}."


def catalogue_table():
    """[(code, title, description)] for documentation and --help."""
    return [(m.code, m.title, m.description) for m in CATALOGUE]
