"""Smoke tests of the convolution benchmarks: a short run each, writing their section (no timing assertions)."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_cnn  # noqa: E402
import bench_conv  # noqa: E402

pytest.importorskip("torch")


def test_lenet_benchmark_runs_both_libraries_from_the_same_weights_and_writes_its_section(capsys, tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text("# Results\n")
    assert bench_cnn.main(["--steps", "30", "--rounds", "1", "--no-digits", "--write", str(out)]) == 0
    text = out.read_text()
    assert "## Convolutional networks" in text and "gradlab / PyTorch" in text
    assert "the first losses differ" not in capsys.readouterr().out  # both started from the same loss


def test_conv_benchmark_writes_its_section(tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text("# Results\n")
    assert bench_conv.main(["--repeats", "3", "--write", str(out)]) == 0
    assert "## Convolutions" in out.read_text()
