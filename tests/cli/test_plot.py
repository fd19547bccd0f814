import pytest

pytest.importorskip("matplotlib", reason="gradlab plot needs matplotlib (gradlab[plot])")

from gradlab.cli import main  # noqa: E402

from support.pixels import assert_real_picture  # noqa: E402


def test_plot_activations_png(tmp_path, capsys):
    out = tmp_path / "a.png"
    assert main(["plot", "activations", "--output", str(out)]) == 0
    assert_real_picture(out, min_size=(1200, 700))
    assert str(out) in capsys.readouterr().out


def test_plot_perceptron_xor_svg(tmp_path):
    out = tmp_path / "xor.svg"
    assert main(["plot", "perceptron", "--gate", "xor", "--output", str(out)]) == 0
    text = out.read_text()
    assert "<svg" in text and "XOR: never separated" in text


def test_plot_graph(tmp_path):
    out = tmp_path / "graph.png"
    assert main(["plot", "graph", "-o", str(out)]) == 0
    assert_real_picture(out, min_size=(600, 150))


def test_plot_network_svg_has_the_slides_gradients(tmp_path):
    out = tmp_path / "course.svg"
    assert main(["plot", "network", "-o", str(out)]) == 0
    assert "-0.1394" in out.read_text()


def test_plot_bad_arguments(tmp_path, capsys):
    assert main(["plot", "perceptron", "--gate", "xnor", "-o", str(tmp_path / "p.png")]) == 2
    assert "gate" in capsys.readouterr().err
    assert main(["plot", "activations", "-o", str(tmp_path / "p.txt")]) == 2
    assert ".png" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
