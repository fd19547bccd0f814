import pytest

import gradlab as gl
from support.browser import find_chromium, inspect_page
from gradlab.app.tour import demo_tour


def test_demo_tour_writes_every_picture_and_a_report(tmp_path):
    files = demo_tour(tmp_path / "tour", epochs=5, verbose=0)
    for name in ("activations", "perceptron", "course_update", "graph", "learning_curve", "decision_boundary", "report"):
        assert files[name].is_file() and files[name].stat().st_size > 1000, name
    text = files["report"].read_text()
    assert text.count("<img") >= 9


def test_explanation_report_adds_the_update_diagram(tmp_path):
    explain = pytest.importorskip("gradlab.explainer")
    if not hasattr(explain, "example"):
        pytest.skip("gradlab.explainer has no built-in examples yet")
    path = gl.viz.explanation_report(explain.example("course"), tmp_path / "e.html")
    text = path.read_text()
    assert text.count("data:image/png;base64,") >= 1 and text.rstrip().endswith("</html>")
    if find_chromium() is None:
        pytest.skip("chromium is not installed: the report was written but not opened in a browser")
    page = inspect_page(path, tmp_path / "e.png")
    assert page.console_errors == []
    assert page.images and all(i["w"] > 0 for i in page.images)
