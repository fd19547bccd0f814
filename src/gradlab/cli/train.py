"""``gradlab train``: train a network on a dataset or CSV file, with a progress bar, a summary and pictures."""

from __future__ import annotations

HELP = "train a network on a dataset or a CSV file; summary table, pictures, model file, HTML report"
DESCRIPTION = """Train a multi-layer perceptron and show what happened.

With no arguments, trains a 2-16-16-1 ReLU network on the moons dataset and
prints what it did. Every argument is checked before training starts.

examples:
  gradlab train
  gradlab train --data moons --layers 2,16,16,1 --epochs 200 --plot out/ --report out/report.html
  gradlab train --data iris --loss ce --layers 4,16,3 --validation-split 0.2
  gradlab train --data table.csv --target price --loss mse --save model.safetensors
"""


def add_arguments(p):
    p.add_argument("--data", default="moons", help="a dataset name (moons, circles, xor, iris, ...) or a .csv file (default moons)")
    p.add_argument("--target", default=None, help="target column of a CSV file: its header name or index (default: the last)")
    p.add_argument("--samples", type=int, default=400, help="samples drawn from a generated dataset (default 400)")
    p.add_argument("--noise", type=float, default=0.2, help="noise of a generated dataset (default 0.2)")
    p.add_argument("--layers", default=None, help="layer sizes, input first, e.g. 2,16,16,1 (default features,16,16,outputs)")
    p.add_argument("--activation", default="relu", help="hidden activation: relu, tanh, sigmoid, leaky_relu, identity (default relu)")
    p.add_argument("--loss", default=None, help="bce, ce or mse (default: from the targets)")
    p.add_argument("--optimizer", default="adam", choices=("adam", "sgd"), help="default adam")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--epochs", type=int, default=200, help="passes over the data (default 200)")
    p.add_argument("--batch-size", type=int, default=32, help="samples per step (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data, the weights and the batches (default 0)")
    p.add_argument("--validation-split", type=float, default=0.2, help="fraction held out for validation (default 0.2)")
    p.add_argument("--standardize", action="store_true", help="scale every feature to mean 0, standard deviation 1")
    p.add_argument("--save", default=None, metavar="FILE", help="write the trained model (safetensors, atomically)")
    p.add_argument("--plot", default=None, metavar="DIR", help="write learning_curve.png, decision_boundary.png, network.png here")
    p.add_argument("--report", default=None, metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..viz import training as T

    spec = T.TrainSpec(data=args.data, target=args.target, samples=args.samples, noise=args.noise,
                       layers=args.layers, activation=args.activation, loss=args.loss, optimizer=args.optimizer,
                       lr=args.lr, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                       validation_split=args.validation_split, standardize=args.standardize)
    if args.report and not str(args.report).lower().endswith((".html", ".htm")):
        from ..core.errors import ParameterError

        raise ParameterError(f"train: --report must name an .html file. Got {args.report!r}.")
    prepared = T.prepare(spec)
    print(T.describe(prepared))
    result = T.run(prepared, verbose=0 if args.quiet else 1)
    print_summary(result.summary)
    written = T.write_outputs(result, args.plot, args.report, args.save)
    for what, path in written.items():
        print(f"wrote {what.replace('_', ' ')}: {path}")
    if not (args.plot or args.report or args.save):
        import dataclasses

        resolved = dataclasses.replace(spec, layers=",".join(map(str, prepared.layers)), loss=prepared.loss)
        print(f"Same run as a full command: {T.command_line(resolved)}")
        print("Add --plot DIR for the learning curve and decision boundary, --report FILE.html for a report, "
              "--save FILE to keep the model.")
    return 0


def print_summary(rows) -> None:
    """The summary table: rich when installed, plain text otherwise."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        width = max(len(k) for k, _ in rows)
        print("Summary")
        for k, v in rows:
            print(f"  {k:<{width}}  {v:>10}")
        return
    table = Table(title="Summary")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for k, v in rows:
        table.add_row(k, v)
    Console().print(table)
