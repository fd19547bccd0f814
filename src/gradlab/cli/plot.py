"""``gradlab plot``: draw one of gradlab's pictures into a PNG, SVG or PDF file."""

from __future__ import annotations

HELP = "draw a picture: activations, perceptron, network, boundary, graph; or a saved model (PNG, SVG or PDF)"
DESCRIPTION = """Draw one of gradlab's pictures.

kinds:
  activations   sigmoid, tanh, ReLU, leaky ReLU, identity and step with their derivatives
  perceptron    the perceptron's line after each epoch (--gate and|or|nand|xor, or all three of and, or, xor)
  network       a 1-2-3-1 sigmoid network before and after one gradient step (--lr); with --model FILE,
                that saved network and its weights
  boundary      with --model FILE: the saved model's decision boundary over a dataset of 2 features
                (--data NAME or a .csv file; default: the dataset the file records)
  graph         the computation graph of the ReLU regression loss mean((max(0, XW + b) - Y)^2) on small
                random numbers; with --model FILE, of one forward and backward pass of the saved model's
                loss on the first sample of --data

examples:
  gradlab plot activations --output activations.png
  gradlab plot perceptron --gate xor --output xor.svg
  gradlab plot network --output course.png
  gradlab train --data moons --save moons.safetensors
  gradlab plot boundary --model moons.safetensors --data moons --output boundary.png
  gradlab plot network --model moons.safetensors --output net.svg
  gradlab plot graph --model moons.safetensors --output graph.png
"""

from . import _types as T

KINDS = ("activations", "perceptron", "network", "boundary", "graph")  # as gradlab.app.plot.KINDS


def add_arguments(p):
    p.add_argument("kind", choices=KINDS, help="what to draw")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="the picture file (.png, .svg or .pdf)")
    p.add_argument("--gate", default=None, help="perceptron: and, or, nand or xor (default: and, or and xor side by side)")
    p.add_argument("--epochs", type=T.int_in(1, T.MAX_PERCEPTRON_EPOCHS), default=None,
                   help=f"perceptron: the most epochs (default 10, at most {T.MAX_PERCEPTRON_EPOCHS})")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, default=None, help="perceptron: η (default 1); network: η (default 0.1)")
    p.add_argument("--engine", default=None, choices=("auto", "dot", "matplotlib"), help="graph: who draws it (default auto)")
    p.add_argument("--model", default=None, metavar="FILE",
                   help="network, boundary, graph: draw this saved model (gl.save, gradlab train --save)")
    p.add_argument("--data", default=None, metavar="NAME",
                   help="boundary, graph with --model: a dataset name or a .csv file (default: the one the model "
                        "file records)")


def run(args) -> int:
    from ..app.plot import plot  # lazy: only the command that runs loads its job

    plot(args.kind, args.output, gate=args.gate, epochs=args.epochs, lr=args.lr, engine=args.engine,
         model=args.model, data=args.data)
    print(f"wrote {args.output}")
    return 0
