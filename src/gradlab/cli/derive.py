"""``gradlab derive``: symbolic derivatives in matrix form, with the steps, verified on request.

    gradlab derive "norm2(relu(X @ w + ones(m)*b) - y)**2/m" \
        --shape X=m,n --shape w=n,1 --shape b=1 --shape y=m,1 --wrt w --wrt X --steps --verify

A scalar gives a gradient; a vector of a vector the Jacobian; a matrix of a scalar a matrix; a matrix of a matrix
the Jacobian in vec form ∂vec(F)/∂vec(X) with Kronecker products (vec stacks columns), with dF and the index form.
--order 2 gives second derivatives of a scalar: the Hessian for each --wrt, or the mixed ∂²L/∂x∂y for
--wrt x,y:

    gradlab derive "x.T @ A @ x" --shape x=n,1 --shape A=n,n --wrt x --order 2 --verify
    gradlab derive "norm2(X @ W - Y)**2" --shape X=m,n --shape W=n,k --shape Y=m,k --wrt W --order 2

-o FILE writes the result to a file (the format from its suffix: .html one self-contained page, .md, .tex,
.json, else text), as `gradlab explain -o` does:

    gradlab derive "sum(relu(X @ w))" --shape X=m,n --shape w=n,1 --wrt w --steps -o grad.html
"""

from __future__ import annotations

from . import _types as T

HELP = "derive gradients, Jacobians and Hessians in matrix form, with the steps (and verify them)"
DESCRIPTION = __doc__


def add_arguments(p):
    p.add_argument("expression", help="the expression, Python syntax: + - * / @ ** .T and functions like relu, norm2")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="a symbol's shape: X=m,n (matrix), w=n,1 or w=n (column), b=1 (scalar); repeat per symbol")
    p.add_argument("--wrt", action="append", default=[], metavar="NAME",
                   help="the variable to differentiate with respect to (repeatable); with --order 2, x,y gives "
                        "the mixed second derivative ∂²L/∂x∂y")
    p.add_argument("--order", type=int, choices=(1, 2), default=1,
                   help="1: first derivatives (default); 2: second derivatives (Hessians) of a scalar")
    p.add_argument("--steps", action="store_true", help="show every step of the derivation")
    p.add_argument("--layout", choices=("numerator", "denominator"), default=None,
                   help="layout of the result (default: denominator for gradients, numerator for Jacobians)")
    p.add_argument("--format", choices=("text", "markdown", "latex", "html", "json"), default=None,
                   help="text, markdown, latex, html (one self-contained page) or json (default: from the suffix "
                        "of --output, else text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to this file instead of standard output")
    p.add_argument("--verify", action="store_true",
                   help="check each result against automatic differentiation and finite differences")
    p.add_argument("--seed", type=T.int_in(0), default=0,
                   help="seed (an int ≥ 0) of the random data used by --verify")
    p.add_argument("--budget", type=T.int_in(1), default=None, metavar="UNITS",
                   help="work budget of each derivation in counted operations (default 30000); past it the "
                        "derivation is refused with a message")
    p.add_argument("--sums-to-one", action="append", default=[], metavar="NAME",
                   help="a label vector whose entries sum to one (one-hot, probabilities): 1ᵀy = 1 (repeatable)")


def run(args) -> int:
    # lazy: only the command that runs loads its job
    from gradlab.app.derive import output_format, parse_shapes, run_derive, write_output

    text, ok = run_derive(args.expression, parse_shapes(args.shape), args.wrt, steps=args.steps, layout=args.layout,
                          fmt=output_format(args.format, args.output), check=args.verify, seed=args.seed,
                          budget=args.budget, sums_to_one=args.sums_to_one, order=args.order)
    write_output(text + "\n", args.output)  # as print(text) wrote it
    return 0 if ok else 1
