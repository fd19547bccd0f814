"""``gradlab plot``: draw one of gradlab's pictures into a PNG, SVG or PDF file."""

from __future__ import annotations

HELP = "draw a picture: activations, perceptron, network, graph (PNG, SVG or PDF)"
DESCRIPTION = """Draw one of gradlab's pictures.

kinds:
  activations   sigmoid, tanh, ReLU, leaky ReLU, identity and step with their derivatives
  perceptron    the perceptron's line after each epoch (--gate and|or|nand|xor, or all three of and, or, xor)
  network       the slides' 1-2-3-1 network before and after one gradient step (--lr)
  graph         the computation graph of the seed question's loss mean((max(0, XW + b) - Y)^2)

examples:
  gradlab plot activations --output activations.png
  gradlab plot perceptron --gate xor --output xor.svg
  gradlab plot network --output course.png
"""

from . import _types as T

KINDS = ("activations", "perceptron", "network", "graph")  # as gradlab.app.plot.KINDS


def add_arguments(p):
    p.add_argument("kind", choices=KINDS, help="what to draw")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="the picture file (.png, .svg or .pdf)")
    p.add_argument("--gate", default=None, help="perceptron: and, or, nand or xor (default: and, or and xor side by side)")
    p.add_argument("--epochs", type=T.int_in(1, T.MAX_PERCEPTRON_EPOCHS), default=None,
                   help=f"perceptron: the most epochs (default 10, at most {T.MAX_PERCEPTRON_EPOCHS})")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, default=None, help="perceptron: η (default 1); network: η (default 0.1)")
    p.add_argument("--engine", default=None, choices=("auto", "dot", "matplotlib"), help="graph: who draws it (default auto)")


def run(args) -> int:
    from ..app.plot import plot  # lazy: only the command that runs loads its job

    plot(args.kind, args.output, gate=args.gate, epochs=args.epochs, lr=args.lr, engine=args.engine)
    print(f"wrote {args.output}")
    return 0
