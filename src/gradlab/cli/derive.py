"""``gradlab derive``: symbolic gradients in matrix form, with the steps, verified on request.

    gradlab derive "norm2(relu(X @ w + ones(m)*b) - y)**2/m" \
        --shape X=m,n --shape w=n,1 --shape b=1 --shape y=m,1 --wrt w --wrt X --steps --verify
"""

from __future__ import annotations

HELP = "derive gradients and Jacobians in matrix form, with the steps (and verify them)"
DESCRIPTION = __doc__


def add_arguments(p):
    p.add_argument("expression", help="the expression, Python syntax: + - * / @ ** .T and functions like relu, norm2")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="a symbol's shape: X=m,n (matrix), w=n,1 or w=n (column), b=1 (scalar); repeat per symbol")
    p.add_argument("--wrt", action="append", default=[], metavar="NAME",
                   help="the variable to differentiate with respect to (repeatable)")
    p.add_argument("--steps", action="store_true", help="show every step of the derivation")
    p.add_argument("--layout", choices=("numerator", "denominator"), default=None,
                   help="layout of the result (default: denominator for gradients, numerator for Jacobians)")
    p.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")
    p.add_argument("--verify", action="store_true",
                   help="check each result against automatic differentiation and finite differences")
    p.add_argument("--seed", type=_int_at_least(0), default=0,
                   help="seed (an int ≥ 0) of the random data used by --verify")
    p.add_argument("--budget", type=_int_at_least(1), default=None, metavar="UNITS",
                   help="work budget of each derivation in counted operations (default 30000); past it the "
                        "derivation is refused with a message")
    p.add_argument("--sums-to-one", action="append", default=[], metavar="NAME",
                   help="a label vector whose entries sum to one (one-hot, probabilities): 1ᵀy = 1 (repeatable)")


def _int_at_least(low):
    """An argparse type: an int ≥ low; anything else stops the command with a usage error (exit status 2)."""
    import argparse

    def parse(text):
        try:
            value = int(str(text).strip(), 10)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an int ≥ {low}; got {text!r}")
        return value

    parse.__name__ = "int"
    return parse


def parse_shapes(items):
    from gradlab.core.errors import ShapeError

    shapes = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name.strip() or not dims.strip():
            raise ShapeError(f"--shape {item!r}: expected NAME=DIMS, e.g. X=m,n or b=1")
        shapes[name.strip()] = dims.strip()
    return shapes


def run(args) -> int:
    import json

    from gradlab.core.errors import DerivationError
    from gradlab.symbolic import derive, parse, verify

    if not args.wrt:
        raise DerivationError("derive: say which variable to differentiate with respect to, e.g. --wrt w")
    expr = parse(args.expression, parse_shapes(args.shape))
    results, ok = [], True
    for name in args.wrt:
        d = derive(expr, name, layout=args.layout, sums_to_one=tuple(args.sums_to_one), budget=args.budget)
        report = verify(expr, name, d, seed=args.seed) if args.verify else None
        ok = ok and (report is None or report.passed)
        results.append((d, report))
    if args.format == "json":
        out = []
        for d, report in results:
            item = d.to_json()
            if not args.steps:
                item.pop("steps")
            if report is not None:
                item["verify"] = report.to_json()
            out.append(item)
        print(json.dumps(out if len(out) > 1 else out[0], indent=2, ensure_ascii=False))
    else:
        for d, report in results:
            render = {"text": d.to_text, "markdown": d.to_markdown, "latex": d.to_latex}[args.format]
            print(render(steps=args.steps))
            if report is not None:
                print(("% " if args.format == "latex" else "") + str(report))
            print()
    return 0 if ok else 1
