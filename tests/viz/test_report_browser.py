import numpy as np
import pytest

import gradlab as gl
from support.browser import find_chromium, inspect_page
from gradlab.viz.report import Report, write_report

from support.pixels import assert_real_picture

needs_chromium = pytest.mark.skipif(find_chromium() is None,
                                    reason="chromium is not installed (Debian: apt-get install chromium)")


def _report(tmp_path):
    r = Report("A report <with> escapes")
    r.text("Text & more text.\n\nA second paragraph.")
    r.table(["epoch", "loss"], [[1, 0.6931], [10, 0.05]], caption="losses")
    r.math(r"\frac{\partial L}{\partial z^{[3]}} = \hat{y} - y")
    r.math(r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))")
    r.figure(gl.viz.plot_activations(names=("sigmoid", "tanh")), "activations")
    png = tmp_path / "hist.png"
    gl.viz.plot_history({"loss": [0.7, 0.4, 0.2]}, png)
    r.figure(png, "a learning curve from a file")
    return r.write(tmp_path / "report.html")


def test_report_is_one_self_contained_file(tmp_path):
    path = _report(tmp_path)
    text = path.read_text()
    assert text.count("data:image/png;base64,") == 2 and text.count("data:image/svg+xml;base64,") == 2
    assert "A report &lt;with&gt; escapes" in text and "<td>0.6931</td>" in text
    assert "http://" not in text and "https://" not in text and "<script" not in text
    assert not list(tmp_path.glob(".report*"))  # the temporary file was renamed


def test_write_report_blocks_and_errors(tmp_path):
    p = write_report(tmp_path / "r.html", "t", [("heading", "H"), ("text", "x"), ("table", (["a"], [[1]])), ("math", "x^2")])
    assert "<h2>H</h2>" in p.read_text()
    with pytest.raises(gl.ParameterError, match="unknown block"):
        write_report(tmp_path / "r.html", "t", [("video", "x")])
    with pytest.raises(gl.ParameterError, match=".html"):
        write_report(tmp_path / "r.txt", "t", [])
    with pytest.raises(gl.ParameterError, match="cells"):
        Report("t").table(["a", "b"], [[1]])


@needs_chromium
def test_report_in_headless_chromium(tmp_path):
    path = _report(tmp_path)
    shot = tmp_path / "screenshot.png"
    page = inspect_page(path, shot)
    assert page.console_errors == []
    assert page.title == "A report <with> escapes"
    assert len(page.images) == 4
    for img in page.images:
        assert img["complete"] and img["w"] > 0 and img["h"] > 0, img
    math_imgs = [m for m in page.math if m["tag"] == "IMG"]
    assert len(math_imgs) == 2 and all(m["w"] > 40 and m["h"] > 10 for m in math_imgs)  # math laid out
    img = assert_real_picture(shot, min_size=(1000, 900))
    assert img.shape[0] >= page.height - 1


@needs_chromium
def test_inspector_catches_console_errors(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><link rel='icon' href='data:,'><title>bad</title></head><body>"
                   "<img src='missing.png'><script>console.error('boom'); undefined_function();</script></body></html>")
    page = inspect_page(bad)
    assert any("boom" in e for e in page.console_errors)
    assert any("undefined_function" in e for e in page.console_errors)
    assert page.images[0]["w"] == 0
