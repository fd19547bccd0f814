"""``gradlab explore``: the interactive explorer in the browser (every number live, check my work, live training)."""

from __future__ import annotations

from . import _types as T

HELP = "open the interactive explorer in the browser: edit any number, step through, check your work, train live"

DESCRIPTION = """\
Start a local web app (127.0.0.1 only, with a random token in its address) and
open it: the network with every weight, each step of the forward pass, backward
pass and update with the numbers substituted (scalar and matrix form), the graph
view, check-my-work cells marked as you type, live training on a dataset with
the decision boundary, and links and exports of the current step. Every number
is computed by gradlab itself. Ctrl-C stops it.

examples:
  gradlab explore                              the course example
  gradlab explore --example relu-mse
  gradlab explore --model net.safetensors --input 1,2 --target 0.5 --lr 0.1
  gradlab explore --data spirals               live training on spirals
  gradlab explore --port 8765 --no-browser     then open the printed address
"""


def add_arguments(p):
    p.add_argument("--example", choices=("course", "relu-mse", "two-layer"), help="start from a built-in example")
    p.add_argument("--variant", help="two-layer: mse | sigmoid-mse | sigmoid-bce")
    p.add_argument("--model", help="start from a model saved with gl.save (with --input and --target)")
    p.add_argument("--input", help="input values: '2.0', '1,2' or a batch '1,2;3,4'")
    p.add_argument("--target", help="target values, same syntax as --input")
    p.add_argument("--loss", help="mse, bce, bce_with_logits or cross_entropy")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, help="learning rate of the update step")
    p.add_argument("--data", choices=("moons", "circles", "xor", "spirals", "blobs"),
                   help="open on live training with this dataset")
    p.add_argument("--port", type=T.int_in(1024, 65535), help="the port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser; print the address only")


def run(args) -> int:
    import dataclasses

    from gradlab.app.explore import ExploreJob, run_explore  # lazy: only the command that runs loads its job

    job = ExploreJob(**{f.name: getattr(args, f.name) for f in dataclasses.fields(ExploreJob)})
    return run_explore(job)
