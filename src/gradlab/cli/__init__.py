"""The ``gradlab`` command: one thin module per job.

Each command lives in ``gradlab/cli/<name>.py`` and defines ``HELP`` (one
line), ``add_arguments(parser)`` and ``run(args) -> int``. Commands hold no
logic of their own: each is a few lines over the Python API. Errors of the
:class:`~gradlab.GradlabError` family become a clear message on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("demo", "explain", "derive", "train", "plot", "check")


def _load(name):
    try:
        return importlib.import_module(f"gradlab.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"gradlab.cli.{name}":
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Build, train and explain neural networks from matrix calculus up.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = _load(name)
        if mod is None:
            continue
        p = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None) -> int:
    from ..core.errors import GradlabError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except GradlabError as exc:
        message = str(exc)
        if message.startswith(f"{args.command}: "):  # the API names its operation; the prefix says it already
            message = message[len(args.command) + 2:]
        print(f"gradlab {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gradlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        print(f"gradlab {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
