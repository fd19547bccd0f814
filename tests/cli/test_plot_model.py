"""`gradlab plot network|boundary|graph --model FILE`: a saved model drawn as a new user would ask for it."""

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="gradlab plot needs matplotlib (gradlab[plot])")
pytest.importorskip("safetensors", reason="model files need safetensors (gradlab[io])")

import gradlab as gl  # noqa: E402
from gradlab.cli import main  # noqa: E402

from support.pixels import assert_real_picture  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A moons model trained with --standardize, an iris one, one saved without metadata, a small CNN."""
    d = tmp_path_factory.mktemp("models")
    files = {"moons": d / "moons.safetensors", "iris": d / "iris.safetensors", "bare": d / "bare.safetensors",
             "cnn": d / "cnn.safetensors"}
    assert main(["train", "--data", "moons", "--layers", "2,8,1", "--epochs", "20", "--quiet", "--standardize",
                 "--save", str(files["moons"])]) == 0
    assert main(["train", "--data", "iris", "--loss", "ce", "--layers", "4,6,3", "--epochs", "5", "--quiet",
                 "--save", str(files["iris"])]) == 0
    gl.save(gl.nn.MLP([2, 3, 1], activation="tanh", rng=0), files["bare"])
    gl.save(gl.nn.models.lenet(in_channels=1, image_size=8, classes=2, channels=(2, 2), kernel_size=3, rng=0),
            files["cnn"])
    return files


def _refused(capsys, argv, *phrases):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gradlab plot: error: ") and "\n" not in err and "Traceback" not in err, err
    for phrase in phrases:
        assert phrase in err, err
    return err


def test_plot_network_of_a_saved_model_draws_its_layers(models, tmp_path, capsys):
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    assert main(["plot", "network", "--model", str(models["iris"]), "-o", str(png)]) == 0
    assert_real_picture(png)
    assert main(["plot", "network", "--model", str(models["moons"]), "-o", str(svg)]) == 0
    assert "inputs standardized first" in svg.read_text()
    assert f"wrote {svg}" in capsys.readouterr().out


def test_plot_boundary_of_a_saved_model_over_raw_data(models, tmp_path):
    out = tmp_path / "boundary.png"
    assert main(["plot", "boundary", "--model", str(models["moons"]), "--data", "moons", "-o", str(out)]) == 0
    assert_real_picture(out)
    default = tmp_path / "default.png"  # no --data: the dataset the file records (moons)
    assert main(["plot", "boundary", "--model", str(models["moons"]), "-o", str(default)]) == 0
    assert_real_picture(default)


def test_plot_graph_of_a_saved_model_is_one_forward_and_backward_pass(models, tmp_path):
    out = tmp_path / "graph.png"
    assert main(["plot", "graph", "--model", str(models["iris"]), "--engine", "matplotlib", "-o", str(out)]) == 0
    assert_real_picture(out)


def test_plot_model_refusals_are_one_sentence_with_exit_2(models, tmp_path, capsys):
    out = str(tmp_path / "x.png")
    _refused(capsys, ["plot", "boundary", "--model", str(models["moons"]), "--data", "iris", "-o", out],
             "takes 2 input features but iris has 4")
    _refused(capsys, ["plot", "boundary", "--model", str(models["iris"]), "-o", out], "drawn over 2 input features")
    _refused(capsys, ["plot", "boundary", "-o", out], "--model FILE")
    _refused(capsys, ["plot", "boundary", "--model", str(models["moons"]), "--data", "no_such_set", "-o", out],
             "unknown dataset 'no_such_set'")
    _refused(capsys, ["plot", "boundary", "--model", str(models["bare"]), "-o", out], "records none", "--data")
    _refused(capsys, ["plot", "graph", "--model", str(models["bare"]), "--data", "moons", "-o", out],
             "needs the model's loss")
    _refused(capsys, ["plot", "network", "--model", str(models["cnn"]), "-o", out], "Conv2d")
    _refused(capsys, ["plot", "network", "--model", str(tmp_path / "absent.safetensors"), "-o", out], "no such file")
    _refused(capsys, ["plot", "network", "--model", str(models["iris"]), "-o", str(tmp_path / "x.txt")], ".png")
    _refused(capsys, ["plot", "network", "--model", str(models["iris"]), "--lr", "0.1", "-o", out], "--lr")
    _refused(capsys, ["plot", "activations", "--model", str(models["iris"]), "-o", out], "--model applies to")
    notes = tmp_path / "notes.safetensors"
    notes.write_bytes(b"not a model at all" * 4)
    _refused(capsys, ["plot", "network", "--model", str(notes), "-o", out], "load:")
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "x.txt").exists()


def test_the_boundary_a_saved_standardized_model_draws_matches_its_raw_predictions(models):
    from gradlab.viz.boundary import predict_scores

    X, y = gl.data.moons(400, noise=0.2, seed=0)
    model = gl.load(models["moons"])
    scores, _ = predict_scores(model, X, output="logit")
    assert np.mean((scores > 0.5) == y) > 0.85  # raw inputs, scaled by the file's first layer
