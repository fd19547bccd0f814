"""Sentences every view of a layered network says in the same words: a kink, a saturated link."""

from __future__ import annotations

from .notation import sub_text, sup_text


def kink_sentence(tr, kink):
    """The sentence that flags one kink (parts for a Para or Note)."""
    act = tr.act(kink.layer)
    name = "z" + sub_text(str(kink.neuron + 1)) + sup_text(f"({kink.layer})")
    where = (f"sample {kink.sample + 1}, " if tr.m > 1 else "") + \
        ("verification pass" if kink.new else f"layer {kink.layer}")
    exact = "exactly at" if kink.z == kink.at else f"{abs(kink.z - kink.at):.1e} from"
    value = f"{kink.z:.3g}".replace("-", "−")
    return (f"⚠ Kink: {name} ({where}) = {value} lies {exact} the kink of {act.title} at {kink.at:g}. gradlab "
            f"computes with the float as it is; a hand calculation that rounds it to {kink.at:g} uses the "
            f"convention {act.at_kink}, and may get a different derivative.",)


def saturation_sentence(tr):
    """Why a loss on logits shows only the simplification: p rounds to 0 or 1 in float64."""
    return (f"p = {tr.loss.link}(ŷ) is 0 or 1 to the decimals shown here, so the long product ∂L/∂p × ∂p/∂ŷ "
            "would divide by a number printed as 0; its simplification, computed without dividing by p, is exact "
            "and is shown alone. The loss itself is computed in the stable form that never takes ln 0.")
