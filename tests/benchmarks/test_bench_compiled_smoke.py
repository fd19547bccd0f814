"""Smoke test of the compiled-loop benchmark: a very short run writes its section (no timing assertions)."""

import pathlib
import sys

import pytest

from gradlab.core import native

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_compiled  # noqa: E402


@pytest.mark.skipif(native.TRAINLOOP is None, reason="compiled training loop not built (gradlab._trainloop)")
def test_quick_run_times_fit_both_ways_and_writes_its_section(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_compiled, "EPOCHS", 1)
    out = tmp_path / "RESULTS.md"
    out.write_text("# Results\n\n## Compiled small-network training\n\nold\n\n## Later section\n\nkept\n")
    assert bench_compiled.main(["--quick", "--no-peers", "--min-time", "0.01"]) == 0
    assert bench_compiled.main(["--quick", "--no-peers", "--min-time", "0.01", "--write", str(out)]) == 0
    text = out.read_text()
    assert "\nold\n" not in text and "## Later section\n\nkept" in text
    assert "| tiny 1-2-3-1, batch 1 | float64 |" in text and "| small 2-16-16-1, batch 32 | float32 |" in text
    assert "(general path)" not in text  # both ran through the compiled loop
    assert "steps per second** through the compiled loop" in text
