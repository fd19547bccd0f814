"""The golden outputs: (file name, CLI arguments). Regenerate with `python tests/support/golden.py`."""

CASES = [
    ("course_scalar.txt", ["course", "--no-color"]),
    ("course_scalar.md", ["course", "--format", "markdown"]),
    ("course_scalar.tex", ["course", "--format", "latex"]),
    ("two_layer_matrix_numerator.txt", ["two-layer", "--view", "matrix", "--layout", "numerator", "--no-color"]),
    ("two_layer_matrix_numerator.md", ["two-layer", "--view", "matrix", "--layout", "numerator", "--format",
                                       "markdown"]),
    ("two_layer_matrix_numerator.tex", ["two-layer", "--view", "matrix", "--layout", "numerator", "--format",
                                        "latex"]),
    ("relu_mse_matrix.txt", ["relu-mse", "--view", "matrix", "--no-color"]),
    ("perceptron_or.txt", ["perceptron", "--no-color"]),
]


def produce(args):
    import contextlib
    import io

    from gradlab.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(["explain", *args])
    if status != 0:
        raise RuntimeError(f"gradlab explain {' '.join(args)} exited with {status}")
    return buf.getvalue()


if __name__ == "__main__":
    import pathlib

    folder = pathlib.Path(__file__).resolve().parents[1] / "golden" / "explain"
    folder.mkdir(parents=True, exist_ok=True)
    for name, args in CASES:
        (folder / name).write_text(produce(args), encoding="utf-8")
        print("wrote", folder / name)
