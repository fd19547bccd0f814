"""What the page shows of an explanation: the steps, the chain-rule derivations, the network picture.

* :func:`steps_of` splits the scalar view into steps (forward layer by layer,
  the loss, backward layer by layer, the parameter gradients, the update per
  layer, the verification pass) and pairs each with the matrix view's section
  of the same phase; both as HTML from the explainer's own renderer, whose
  equations carry ``data-entry`` with the answer-sheet name they compute.
* :func:`derivations_of` lists, for every entry, the entries its chain rule
  goes through (from the answer sheet's formulas), so a click on a weight shows
  its derivation line by line.
* :func:`network_svg` draws the network: neurons with z and a, edges with
  their weights, coloured by sign and drawn thicker with magnitude.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..explainer.document import Document, Heading
from ..explainer.notation import fmt
from ..explainer.render.html import body_html
from ..grading.sheet import sheet_for

BACKWARD = ("delta", "da", "dL/dy_hat", "dW", "db")
FORWARD = ("z", "a", "p")
BATCH_WIDE = ("Loss", "New loss", "Parameter gradients", "Improvement")  # scalar-view steps of a whole batch
MAX_CHAIN = 48  # lines of one derivation shown (a batch's ∂L/∂W goes through every sample's δ)
PHASES = (("Forward", "forward"), ("Backward", "backward"), ("Gradient descent", "update"),
          ("Verification", "verification"))


def _phase(text):
    for prefix, key in PHASES:
        if text.startswith(prefix):
            return key
    return "other"


def _sections(doc, level):
    """[(heading text or '', [blocks])] split at headings of ``level`` (blocks before the first one: '')."""
    out = [("", [])]
    for b in doc.blocks:
        if isinstance(b, Heading) and b.level <= level:
            out.append((b.text, []))
            if b.level < level:
                out[-1][1].append(b)
            continue
        out[-1][1].append(b)
    return [(t, bl) for t, bl in out if t or bl]


def _html(title, blocks, precision):
    doc = Document(title)
    doc.blocks = list(blocks)
    return body_html(doc, precision)


def steps_of(exp):
    """([{id, phase, title, scalar_html, matrix}], {matrix key: matrix_html}) for the explanation ``exp``: each
    step names its matrix view section by key, sent once (see the module docstring)."""
    precision = exp.precision
    matrix = {}
    for text, blocks in _sections(exp.view("matrix"), 2):
        key = "gradients" if text.startswith("Gradients") else _phase(text)
        matrix.setdefault(key, []).extend(blocks)
    matrix_html = {k: _html(k.capitalize(), v, precision) for k, v in matrix.items()}
    steps, phase_title, intro, sample = [], "", [], ""
    for b in exp.view("scalar").blocks:
        if isinstance(b, Heading) and b.level == 2:
            phase_title, intro, sample = b.text, [], ""
            continue
        if isinstance(b, Heading) and b.level == 4 and b.text.startswith("Sample "):
            sample = b.text.split(":")[0]  # the steps of a batch say whose numbers they show
            continue
        if isinstance(b, Heading) and b.level == 3:
            if b.text.startswith(BATCH_WIDE):
                sample = ""  # the loss, the gradients and the improvement are the whole batch's
            title = f"{sample} · {b.text}" if sample else b.text
            steps.append({"phase_title": phase_title, "title": title, "blocks": list(intro)})
            intro = []
            continue
        if steps and steps[-1]["phase_title"] == phase_title:
            steps[-1]["blocks"].append(b)
        else:
            intro.append(b)
    out = []
    for k, st in enumerate(steps):
        phase = _phase(st["phase_title"])
        key = "gradients" if st["title"] == "Parameter gradients" else (
            "update" if phase == "verification" and "verification" not in matrix_html else phase)
        title = f"{st['phase_title']} · {st['title']}" if st["phase_title"] else st["title"]
        key = key if key in matrix_html else phase
        out.append({"id": f"s{k}", "phase": phase, "title": title,
                    "scalar_html": _html(title, st["blocks"], precision), "matrix": key})
    return out, matrix_html


def derivations_of(exp):
    """{entry: [the entries its chain rule goes through, nearest first]} over the answer sheet of ``exp``."""
    sheet = sheet_for(exp)
    env = sheet.reference_env()
    inputs = {e.name: env.inputs(e.formula) for e in sheet.entries}
    kinds = {e.name: e.kind for e in sheet.entries}
    out = {}
    for e in sheet.entries:
        if e.kind not in ("dW", "db", "W_new", "b_new", "delta", "z", "a", "da") or (
                sheet.batch is not None and e.index and e.kind in ("delta", "z", "a", "da") and e.index[0] != 1):
            continue  # a click on an edge asks for ∂L/∂w, on a neuron for its δ and z (of the first sample)
        follow = BACKWARD if e.kind in BACKWARD or e.kind in ("W_new", "b_new") else FORWARD + ("loss",)
        chain, todo, seen = [], [e.name], {e.name}
        while todo:
            name = todo.pop(0)
            for n in inputs.get(name, ()):
                if n not in seen and kinds.get(n) in follow:
                    seen.add(n)
                    chain.append(n)
                    todo.append(n)
        out[e.name] = chain[:MAX_CHAIN]
    return out


def _colour(w, top):
    t = min(1.0, abs(w) / top) if top else 0.0
    return ("#1f6feb" if w >= 0 else "#d1242f"), 1.0 + 5.0 * t


def network_svg(exp, width=540, height=340):
    """The network as SVG: neurons (data-entry a[l][j], x[i] for inputs) with z and a of the first sample, edges
    (data-entry W[l][i,j]: input i → neuron j) coloured by sign, thicker with |w|, labelled when there are few."""
    tr = exp.trace
    sizes = [tr.layer(1).n_in] + [tr.layer(l).n_out for l in range(1, tr.L + 1)]
    xs = [50 + k * (width - 100) / max(1, len(sizes) - 1) for k in range(len(sizes))]
    ys = [[(j + 1) * height / (n + 1) for j in range(n)] for n in sizes]
    top = max(float(np.max(np.abs(tr.W(l)))) for l in range(1, tr.L + 1)) or 1.0
    many = sum(a * b for a, b in zip(sizes, sizes[1:])) > 24
    p = exp.precision
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="the network: neurons and weights">']
    for l in range(1, tr.L + 1):
        W = tr.W(l)
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                w = float(W[j, i])
                colour, stroke = _colour(w, top)
                x1, y1, x2, y2 = xs[l - 1], ys[l - 1][i], xs[l], ys[l][j]
                name = f"W[{l}][{i + 1},{j + 1}]"
                parts.append(f'<g class="edge" data-entry="{name}" tabindex="0"><title>w{i + 1}{j + 1}⁽{l}⁾ = '
                             f'{escape(fmt(w, p))}</title><line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                             f'y2="{y2:.1f}" stroke="{colour}" stroke-width="{stroke:.2f}" stroke-opacity="0.8"/>')
                if not many:
                    mx, my = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1)
                    parts.append(f'<text x="{mx:.1f}" y="{my - 6:.1f}" font-size="13" fill="{colour}" '
                                 f'paint-order="stroke" stroke="#fff" stroke-width="4">'
                                 f'{escape(fmt(w, p))}</text>')
                parts.append("</g>")
    for l, n in enumerate(sizes):
        for j in range(n):
            cx, cy = xs[l], ys[l][j]
            if l == 0:
                name, label = f"x[{j + 1}]", f"x{j + 1} = {fmt(tr.X[0, j], p)}"
            else:
                name = f"a[{l}][{j + 1}]"
                label = f"z = {fmt(tr.Z[l][0, j], p)}, a = {fmt(tr.A[l][0, j], p)}"
            lines = label.split(", ")
            text = "".join(f'<tspan x="{cx:.1f}" dy="{0 if k == 0 else 15}">{escape(t)}</tspan>'
                           for k, t in enumerate(lines))
            anchor = "end" if l == len(sizes) - 1 and l else ("start" if l == 0 else "middle")
            tx = cx + (16 if anchor == "start" else -16 if anchor == "end" else 0)
            text = text.replace(f'x="{cx:.1f}"', f'x="{tx:.1f}"')
            parts.append(f'<g class="neuron" data-entry="{name}" tabindex="0"><title>{escape(label)}</title>'
                         f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="14" fill="#f6f8fa" stroke="#24292f" '
                         f'stroke-width="2"/><text y="{cy + 30:.1f}" font-size="13" text-anchor="{anchor}" '
                         f'paint-order="stroke" stroke="#fff" stroke-width="4">{text}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
