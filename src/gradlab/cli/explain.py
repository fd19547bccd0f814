"""``gradlab explain``: every number of a forward and backward pass, in scalar, matrix or graph form."""

from __future__ import annotations

from . import _types as T

HELP = "explain a forward/backward pass step by step (built-in example or saved model)"

DESCRIPTION = """\
Explain one training step with every number: the forward pass, the loss, the
backward pass (δ recursion, every gradient) and, with a learning rate, the
update and a verification pass.

examples:
  gradlab explain course                       the 1–2–3–1 sigmoid network (course example, scalar view)
  gradlab explain two-layer --view matrix --layout numerator
  gradlab explain two-layer --variant sigmoid-bce --view matrix
  gradlab explain relu-mse --view matrix       one ReLU neuron, MSE, batch of 4
  gradlab explain perceptron --variant xor     the Rosenblatt rule, step by step
  gradlab explain course --format json         every named quantity
  gradlab explain course --format latex --standalone --output course.tex
  gradlab explain --model net.safetensors --input 1,2 --target 0.5 --lr 0.1
  gradlab explain --model iris.safetensors --input 5.1,3.5,1.4,0.2 --target 0 --view matrix
"""


def add_arguments(p):
    from gradlab.app.explain import EXAMPLES  # lazy: only the command that runs loads its job

    p.add_argument("example", nargs="?", choices=EXAMPLES, help="built-in example (default: course)")
    p.add_argument("--variant", help="two-layer: mse | sigmoid-mse | sigmoid-bce; perceptron: or | xor")
    p.add_argument("--view", choices=("scalar", "matrix", "graph"), default="scalar", help="default: scalar")
    p.add_argument("--layout", choices=("numerator", "denominator"), default="denominator",
                   help="layout of gradients in the matrix view and JSON (default: denominator)")
    p.add_argument("--format", choices=("text", "markdown", "latex", "html", "json"), default="text")
    p.add_argument("--precision", type=T.int_in(0, 15), default=4, help="decimals printed, 0 to 15 (default 4)")
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    p.add_argument("--standalone", action="store_true", help="LaTeX: a complete document that compiles")
    p.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    p.add_argument("--diagram", metavar="FILE", help="also draw the network (before, gradients, after the update) "
                   "to FILE (.png, .svg or .pdf; needs gradlab[plot])")
    p.add_argument("--report", metavar="FILE.html", help="also write one self-contained HTML report (the explanation "
                   "and the diagram) to FILE.html")
    m = p.add_argument_group("a saved model")
    m.add_argument("--model", help="model file saved with gl.save")
    m.add_argument("--input", help="input values: '2.0', '1,2' or a batch '1,2;3,4' (a leading minus needs '=': "
                   "--input=-1,2)")
    m.add_argument("--target", help="target values, same syntax as --input")
    m.add_argument("--loss", help="mse, bce (on probabilities), bce_with_logits or cross_entropy (default: the loss "
                   "recorded in the model file by `gradlab train`, else inferred from the output layer; the choice "
                   "is stated)")
    m.add_argument("--lr", type=T.POSITIVE_FLOAT, help="learning rate: show the update and a verification pass")
    c = p.add_argument_group("conventions")
    c.add_argument("--reduction", choices=("mean", "sum"))
    c.add_argument("--half", action="store_true", help="½ in front of the squared error")
    c.add_argument("--shared-bias", action="store_true", help="one bias per layer")
    c.add_argument("--frozen-bias", action="store_true", help="do not update biases")
    c.add_argument("--update-order", choices=("simultaneous", "sequential"), default="simultaneous")


def run(args) -> int:
    import dataclasses
    import sys

    # lazy: only the command that runs loads its job
    from gradlab.app.explain import ExplainJob, run_explain, write_extras, write_output

    job = ExplainJob(**{f.name: getattr(args, f.name) for f in dataclasses.fields(ExplainJob)})
    result = run_explain(job)
    write_output(result.text, job.output)
    for path in write_extras(result, job):
        print(f"wrote {path}", file=sys.stderr)
    return 0
