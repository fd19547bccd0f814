"""The bank of symbolic exercises: derive a gradient in matrix form, answered with one formula.

Each problem is a loss in the deriver's syntax with its shapes and the
variable to differentiate by; the answer key holds the derived gradient, and
a student's formula is graded by :func:`gradlab.symbolic.check` (equivalent,
transposed, scaled, sign, shape or different).
"""

from __future__ import annotations

from ..core.errors import ParameterError
from ..symbolic import derive, parse
from ..symbolic.render import where_lines

SEED_Q = "norm2(relu(X @ w + ones(m)*b) - y)**2/m"
SEED_SHAPES = {"X": "m,n", "w": "n,1", "b": "1", "y": "m,1"}
TWO_LAYER = "norm2(W2 @ relu(W1 @ x + b1) + b2 - y)**2"
TWO_SHAPES = {"W1": "h,n", "x": "n,1", "b1": "h,1", "W2": "k,h", "b2": "k,1", "y": "k,1"}

#: id -> (title, expression, shapes, variable, a right answer in the same syntax)
PROBLEMS = {
    "relu-mse-w": ("a ReLU neuron with mean squared error on a batch", SEED_Q, SEED_SHAPES, "w",
                   "2/m * X.T @ H @ (yhat - y)"),
    "relu-mse-b": ("a ReLU neuron with mean squared error on a batch", SEED_Q, SEED_SHAPES, "b",
                   "2/m * ones(m).T @ H @ (yhat - y)"),
    "relu-mse-X": ("a ReLU neuron with mean squared error on a batch", SEED_Q, SEED_SHAPES, "X",
                   "2/m * H @ (yhat - y) @ w.T"),
    "linear-regression": ("linear regression", "norm2(X @ w - y)**2/m", {"X": "m,n", "w": "n,1", "y": "m,1"}, "w",
                          "2/m * X.T @ (X @ w - y)"),
    "logistic-regression": ("logistic regression",
                            "-sum(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))/m",
                            {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", "1/m * X.T @ (yhat - y)"),
    "two-layer-W2": ("a two-layer ReLU network with squared error", TWO_LAYER, TWO_SHAPES, "W2",
                     "2 * (yhat - y) @ a1.T"),
    "two-layer-W1": ("a two-layer ReLU network with squared error", TWO_LAYER, TWO_SHAPES, "W1",
                     "2 * H1 @ W2.T @ (yhat - y) @ x.T"),
    "two-layer-b1": ("a two-layer ReLU network with squared error", TWO_LAYER, TWO_SHAPES, "b1",
                     "2 * H1 @ W2.T @ (yhat - y)"),
    "quadratic-form": ("a quadratic form", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "(A + A.T) @ x"),
    "trace": ("a trace", "tr(A @ X)", {"A": "n,m", "X": "m,n"}, "X", "A.T"),
}


def symbolic_problem(problem=None, seed=0):
    """The spec of symbolic exercise ``problem`` (an id of :data:`PROBLEMS`; None: drawn by ``seed``)."""
    ids = list(PROBLEMS)
    key = ids[int(seed) % len(ids)] if problem is None else str(problem)
    if key not in PROBLEMS:
        raise ParameterError(f"exercise: unknown symbolic problem {problem!r}; known: {', '.join(ids)}")
    title, expression, shapes, wrt, syntax = PROBLEMS[key]
    derivation = derive(parse(expression, shapes), wrt)
    return {"format": "gradlab-exercise", "version": 1, "kind": "symbolic", "seed": int(seed), "problem": key,
            "title": f"derive a gradient — {title}", "question": f"∂L/∂{wrt} for L = {expression}",
            "expression": expression, "shapes": dict(shapes), "wrt": wrt,
            "answer": str(derivation).splitlines()[0].split(" = ", 1)[1], "answer_syntax": syntax,
            "where": ", ".join(where_lines(derivation))}
