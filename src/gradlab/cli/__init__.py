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
import warnings

COMMANDS = ("demo", "explain", "derive", "train", "plot", "check", "exercise", "grade", "explore")


def _load(name):
    try:
        return importlib.import_module(f"gradlab.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"gradlab.cli.{name}":
            return None
        raise


class _Version(argparse.Action):
    """``gradlab --version``: print ``gradlab X.Y.Z`` and exit 0 (the version is read only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from ..app import __version__  # lazy: read only when asked (cli imports app only)

        print(f"gradlab {__version__}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradlab",
        description="Build, train and explain neural networks from matrix calculus up.",
    )
    parser.add_argument("--version", action=_Version, help="print gradlab's version and exit")
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


def _one_sentence_warnings(command):
    """Print each warning (gradlab's or NumPy's) as one line naming the command, without file paths or source."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        print(f"gradlab {command}: warning: {text}", file=file or sys.stderr)

    warnings.showwarning = show


def main(argv=None) -> int:
    from ..app import GradlabError  # lazy: only the command that runs loads its job

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (status 2, the sentence already printed) or --help (0)
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    saved = warnings.showwarning
    _one_sentence_warnings(args.command)
    try:
        return int(args._run(args) or 0)
    except BrokenPipeError:  # `gradlab explain | head`: the reader left; nothing to say
        sys.stderr.close()
        return 0
    except GradlabError as exc:
        message = str(exc)
        for prefix in (f"gradlab {args.command}: ", f"{args.command}: "):  # the prefix below says it already
            if message.startswith(prefix):
                message = message[len(prefix):]
        print(f"gradlab {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gradlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"gradlab {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"gradlab {args.command}: error: out of memory; use smaller sizes", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = saved


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
