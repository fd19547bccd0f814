"""``gradlab train``: train a network on a dataset or CSV file, with a progress bar, a summary and pictures."""

from __future__ import annotations

import argparse

from . import _types as T

HELP = "train a network on a dataset or a CSV file; summary table, pictures, model file, HTML report"
DESCRIPTION = """Train a multi-layer perceptron and show what happened.

With no arguments, trains a 2-16-16-1 ReLU network on the moons dataset and
prints what it did. --model cnn trains a LeNet-style convolutional network on
square grey images (such as the 8x8 digits) instead. Every argument is checked
before training starts.

examples:
  gradlab train
  gradlab train --data moons --layers 2,16,16,1 --epochs 200 --plot out/ --report out/report.html
  gradlab train --data iris --loss ce --layers 4,16,3 --validation-split 0.2
  gradlab train --data table.csv --target price --loss mse --save model.safetensors
  gradlab train --data digits --model cnn --plot out/
"""


def _loss(text):
    """--loss: a name of the catalog's losses or the command's short names (bce, ce, mse)."""
    from ..app.train import LOSSES, catalog  # lazy: only the command that runs loads its job

    try:
        catalog.loss_kind(text)
    except KeyError:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(LOSSES)}; got {text!r}") from None
    return text


def _activation(text):
    from ..app.train import ACTIVATIONS  # lazy: only the command that runs loads its job

    if str(text).lower().replace("-", "_") not in ACTIVATIONS or str(text).lower() == "softmax":
        raise argparse.ArgumentTypeError(f"must be one of relu, tanh, sigmoid, leaky_relu, softplus, identity, step; "
                                         f"got {text!r}")
    return text


def _layers(text):
    from ..app import ParameterError  # lazy: only the command that runs loads its job
    from ..app.train import parse_layers  # lazy: only the command that runs loads its job

    try:
        sizes = parse_layers(text)
    except ParameterError:
        raise argparse.ArgumentTypeError(f"must be at least two comma-separated ints > 0, such as 2,16,16,1; got {text!r}") \
            from None
    if max(sizes) > T.MAX_LAYER:
        raise argparse.ArgumentTypeError(f"must have at most {T.MAX_LAYER:,} units per layer; got {text!r}")
    return text


def _model(text):
    """--model: mlp or cnn (case and spaces ignored)."""
    from ..app.train_cnn import MODELS  # lazy: only the command that runs loads its job

    key = str(text).strip().lower()
    if key not in MODELS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(MODELS)}; got {text!r}")
    return key


def add_arguments(p):
    p.add_argument("--data", default="moons", help="a dataset name (moons, circles, xor, iris, ...) or a .csv file (default moons)")
    p.add_argument("--target", default=None, help="target column of a CSV file: its header name or index (default: the last)")
    p.add_argument("--samples", type=T.int_in(2, T.MAX_SAMPLES), default=None,
                   help=f"samples drawn from a generated dataset (default 400; at most {T.MAX_SAMPLES:,})")
    p.add_argument("--noise", type=T.float_in(0.0), default=None, help="noise of a generated dataset (default 0.2)")
    p.add_argument("--model", type=_model, default="mlp",
                   help="mlp (the --layers network, default) or cnn (LeNet-style: two conv + ReLU + max-pool blocks "
                        "and three dense layers, on square grey images such as digits)")
    p.add_argument("--layers", type=_layers, default=None,
                   help="layer sizes, input first, e.g. 2,16,16,1 (default features,16,16,outputs)")
    p.add_argument("--activation", type=_activation, default="relu",
                   help="hidden activation: relu, tanh, sigmoid, leaky_relu, softplus, identity (default relu)")
    p.add_argument("--loss", type=_loss, default=None,
                   help="bce (trained on logits: BCE with logits), ce (cross-entropy) or mse (default: from the targets)")
    p.add_argument("--optimizer", default="adam", choices=("adam", "sgd"), help="default adam")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, default=None, help="learning rate (default 0.01; 0.003 with --model cnn)")
    p.add_argument("--epochs", type=T.int_in(1, T.MAX_EPOCHS), default=None,
                   help="passes over the data (default 200; 10 with --model cnn)")
    p.add_argument("--batch-size", type=T.int_in(1), default=32, help="samples per step (default 32)")
    p.add_argument("--seed", type=T.SEED, default=0, help="seed of the data, the weights and the batches (default 0)")
    p.add_argument("--validation-split", type=T.float_in(0.0, 0.9), default=0.2,
                   help="fraction held out for validation, from 0 to 0.9 (default 0.2)")
    p.add_argument("--standardize", action="store_true", help="scale every feature to mean 0, standard deviation 1")
    p.add_argument("--save", default=None, metavar="FILE", help="write the trained model (safetensors, atomically)")
    p.add_argument("--plot", default=None, metavar="DIR", help="write learning_curve.png, decision_boundary.png, network.png (cnn: filters.png, feature_maps.png) here")
    p.add_argument("--report", default=None, metavar="FILE.html", help="write a self-contained HTML report")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..app import ParameterError  # lazy: only the command that runs loads its job
    from ..app import train as TR  # lazy: only the command that runs loads its job

    csv = str(args.data).lower().endswith(".csv")
    for flag, value in (("--samples", args.samples), ("--noise", args.noise)):
        if csv and value is not None:
            raise ParameterError(f"train: {flag} applies to generated datasets only; a CSV file has its own rows")
    samples = 400 if args.samples is None else args.samples
    defaults = TR.CNN.CNN_DEFAULTS if args.model == "cnn" else {"epochs": TR.TrainSpec.epochs, "lr": TR.TrainSpec.lr}
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    lr = defaults["lr"] if args.lr is None else args.lr
    if args.layers and not csv and args.model == "mlp":
        TR.check_training_size("train", TR.parse_layers(args.layers), samples, epochs, args.batch_size)
    spec = TR.TrainSpec(data=args.data, target=args.target, samples=samples,
                        noise=0.2 if args.noise is None else args.noise,
                        layers=args.layers, activation=args.activation, loss=args.loss, optimizer=args.optimizer,
                        lr=lr, epochs=epochs, batch_size=args.batch_size, seed=args.seed,
                        validation_split=args.validation_split, standardize=args.standardize, model=args.model)
    if args.report and not str(args.report).lower().endswith((".html", ".htm")):
        raise ParameterError(f"train: --report must name an .html file. Got {args.report!r}.")
    prepared = TR.prepare(spec)
    TR.check_prepared_size(prepared, epochs, args.batch_size)
    print(TR.describe(prepared))
    result = TR.run(prepared, verbose=0 if args.quiet else 1)
    print_summary(result.summary)
    written = TR.write_outputs(result, args.plot, args.report, args.save)
    for what, path in written.items():
        print(f"wrote {what.replace('_', ' ')}: {path}")
    if args.plot or args.report:
        for line in TR.skipped_pictures(result):
            print(f"not drawn: {line}")
    if not (args.plot or args.report or args.save):
        import dataclasses

        layers = None if args.model == "cnn" else ",".join(map(str, prepared.layers))
        resolved = dataclasses.replace(spec, layers=layers, loss=prepared.loss)
        print(f"Same run as a full command: {TR.command_line(resolved)}")
        drawn = "kernels and feature maps" if args.model == "cnn" else "decision boundary"
        print(f"Add --plot DIR for the learning curve and {drawn}, --report FILE.html for a report, "
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
