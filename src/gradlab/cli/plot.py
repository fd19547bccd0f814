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

KINDS = ("activations", "perceptron", "network", "graph")


def add_arguments(p):
    p.add_argument("kind", choices=KINDS, help="what to draw")
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="the picture file (.png, .svg or .pdf)")
    p.add_argument("--gate", default=None, help="perceptron: and, or, nand or xor (default: and, or and xor side by side)")
    p.add_argument("--epochs", type=T.int_in(1, T.MAX_PERCEPTRON_EPOCHS), default=None,
                   help=f"perceptron: the most epochs (default 10, at most {T.MAX_PERCEPTRON_EPOCHS})")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, default=None, help="perceptron: η (default 1); network: η (default 0.1)")
    p.add_argument("--engine", default=None, choices=("auto", "dot", "matplotlib"), help="graph: who draws it (default auto)")


# which options each kind takes; any other given option is an error, not ignored
APPLIES = {"activations": (), "perceptron": ("gate", "epochs", "lr"), "network": ("lr",), "graph": ("engine",)}


def run(args) -> int:
    from .. import viz
    from ..viz import _mpl, tour

    from ..core.errors import ParameterError

    for option in ("gate", "epochs", "lr", "engine"):
        if getattr(args, option) is not None and option not in APPLIES[args.kind]:
            takers = [k for k, opts in APPLIES.items() if option in opts]
            raise ParameterError(f"--{option} applies to `gradlab plot {' or '.join(takers)}`, not to {args.kind}")
    _mpl.check_path(args.output, "plot")
    if args.kind == "activations":
        viz.plot_activations(args.output)
    elif args.kind == "perceptron":
        gates = args.gate if args.gate else ("and", "or", "xor")
        viz.plot_perceptron(gates, args.output, max_epochs=10 if args.epochs is None else args.epochs,
                            lr=1.0 if args.lr is None else args.lr)
    elif args.kind == "network":
        tour.course_update_diagram(args.output, lr=0.1 if args.lr is None else args.lr)
    else:
        tour.seed_graph(args.output, engine=args.engine or "auto")
    print(f"wrote {args.output}")
    return 0
