"""Progress output: silent, one line per epoch, rich bar on a terminal; rich stays unimported otherwise."""

import io
import subprocess
import sys

import gradlab as gl
from gradlab.train.history import History
from gradlab.train.progress import Bar, Lines, Silent, format_value, make_reporter

from support.training import make_binary


def test_verbose_0_prints_nothing(moons, capsys):
    X, y = moons
    model, loss_fn, opt = make_binary()
    gl.fit(model, loss_fn, opt, X, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_not_a_terminal_prints_one_line_per_epoch(moons, capsys):
    X, y = moons
    model, loss_fn, opt = make_binary()
    h = gl.fit(model, loss_fn, opt, X, y, epochs=3, validation_split=0.2, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Epoch 1/3 - ")
    assert f"loss: {h.history['loss'][0]:.4f}" in lines[0] and "val_accuracy: " in lines[2]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_reporter_choice():
    assert isinstance(make_reporter(0, 3, 5), Silent)
    assert type(make_reporter(1, 3, 5, stream=io.StringIO())) is Lines
    assert type(make_reporter(2, 3, 5, stream=FakeTerminal())) is Lines
    assert isinstance(make_reporter(1, 3, 5, stream=FakeTerminal()), Bar)


def test_rich_bar_draws_epochs_and_logs():
    stream = FakeTerminal()
    bar = make_reporter(1, 2, 40, stream=stream)
    assert bar.batch_every == 2  # about 20 updates per epoch, not one per batch
    bar.start()
    bar.batch(0, 20, 0.5)
    bar.epoch_end(0, {"loss": 0.25, "accuracy": 0.875}, 0.01)
    bar.epoch_end(1, {"loss": 0.125, "accuracy": 0.9375}, 0.01)
    bar.close(History())
    text = stream.getvalue()
    assert "Epoch 2/2" in text and "accuracy: 0.9375" in text and "80/80" in text


def test_large_values_use_scientific_notation():
    assert format_value(0.12345) == "0.1235"
    assert format_value(6.5e305) == "6.5000e+305"


def test_gradlab_does_not_import_rich_unless_a_bar_is_shown():
    code = (
        "import sys, gradlab as gl\n"
        "X, y = gl.data.xor()\n"
        "m = gl.nn.MLP([2, 2, 1], rng=0)\n"
        "gl.fit(m, gl.nn.MSELoss(), gl.optim.SGD(m.parameters(), lr=0.1), X, y, epochs=1, verbose=2)\n"
        "print('RICH' if 'rich' in sys.modules else 'NORICH')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "NORICH"
