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


@pytest.mark.skipif(native.TRAINLOOP is None, reason="compiled training loop not built (gradlab._trainloop)")
def test_floor_run_measures_the_budget_and_the_divider_and_writes_its_own_section(tmp_path):
    f = bench_compiled.floor(seeds=1)
    assert f["steps"] == 20 * 43 and f["weights"] == 9610
    assert 0 < f["sgd"] and 0 < f["adam"] and 0 < f["sk"] and 0 < f["divider_per_weight"] < 1e-6
    out = tmp_path / "RESULTS.md"
    out.write_text("# Results\n\n## The compiled loop's float64 floor\n\nold\n\n## Later section\n\nkept\n")
    bench_compiled.replace_section(str(out), bench_compiled.FLOOR_HEADING, bench_compiled.floor_report(f))
    text = out.read_text()
    assert "\nold\n" not in text and "## Later section\n\nkept" in text
    assert "| the 8× target's budget: MLPClassifier / 8 |" in text and "9,610 weights ×" in text
