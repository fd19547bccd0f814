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
