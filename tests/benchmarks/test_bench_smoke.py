"""Smoke test of the benchmark script: its correctness check and a very short run (no timing assertions)."""

import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_step  # noqa: E402


@pytest.mark.parametrize("batch,sizes", [(1, (1, 2, 3, 1)), (32, (2, 16, 16, 1)), (8, (20, 12, 5))])
def test_three_implementations_compute_the_same_gradients(batch, sizes):
    worst = bench_step.check_same_gradients(batch, sizes)
    assert worst < 1e-9


def test_quick_run_prints_a_table(capsys, tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text("old table\n\n" + bench_step.ANALYSIS_MARKER + "\nhand-written analysis\n")
    assert bench_step.main(["--quick", "--min-time", "0.02", "--dtype", "float32", "--write", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| tiny | 1 | 1-2-3-1 | float32 |" in text and "| small | 32 | 2-16-16-1 | float32 |" in text
    written = out.read_text()
    assert "old table" not in written and "hand-written analysis" in written  # the analysis survives
    assert "import gradlab" in written


def test_gradlab_step_trains():
    Ws, bs, X, Y = bench_step.make_problem(16, (3, 8, 2), np.float64)
    step = bench_step.GradlabStep(Ws, bs, X, Y)
    import gradlab as gl

    before = gl.nn.MSELoss()(step.model(step.X), step.Y).item()
    for _ in range(50):
        step()
    after = gl.nn.MSELoss()(step.model(step.X), step.Y).item()
    assert after < before


def test_end_to_end_rows_and_their_verdict():
    rows = bench_step.end_to_end(epochs=2, seeds=2, dtypes=(np.float32,))
    (row,) = rows
    assert row["dtype"] == "float32" and row["seeds"] == 2
    for key in ("gl", "sk", "np"):
        assert row[f"{key}_time"] > 0 and 0.5 < row[f"{key}_acc"] <= 1.0  # two epochs already learn digits
        assert row[f"{key}_acc_se"] >= 0
    fast = dict(row, gl_time=row["sk_time"] / 4)
    lines = bench_step.e2e_lines(rows + [dict(fast, gl_acc=1.0)]).splitlines()
    assert "MISSED" in lines[2] or "holds" in lines[2]
    assert lines[3].endswith("≥ 3× at equal or better accuracy: holds (accuracy better) |")
    assert " ± " in lines[2]


def test_end_to_end_verdict_counts_accuracy_within_two_standard_errors_as_equal():
    row = {"sk_time": 1.0, "gl_time": 0.25, "sk_acc": 0.975, "sk_acc_se": 0.001, "gl_acc": 0.974, "gl_acc_se": 0.001}
    assert bench_step.e2e_verdict(row) == "holds (accuracy equal within noise)"  # gap 0.001 ≤ 2·√2·0.001
    assert bench_step.e2e_verdict(dict(row, gl_acc=0.971)) == "MISSED (accuracy)"  # gap 0.004 > 0.0028
    assert bench_step.e2e_verdict(dict(row, gl_time=0.5)) == "MISSED (speed; accuracy equal within noise)"
    assert bench_step.e2e_verdict(dict(row, gl_acc=0.975)) == "holds (accuracy equal)"


def test_the_numpy_bound_learns_like_gradlab():
    import gradlab as gl

    X, y = gl.data.digits()
    P = bench_step.numpy_digits_fit(X / 16.0, y, epochs=3, seed=0, dtype=np.float64)
    logits = np.maximum(X / 16.0 @ P[0].T + P[1], 0) @ P[2].T + P[3]
    assert np.mean(np.argmax(logits, axis=1) == y) > 0.9
