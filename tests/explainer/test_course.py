"""The slides' worked example (seed 001): every printed number, from `gradlab explain course --format json`.

Each number is compared at the number of decimals the slides print. Where the
slides are inconsistent, the computed value is pinned and the slides' typo is
named in a comment.
"""

import json

import pytest

from gradlab.cli import main


@pytest.fixture(scope="module")
def values():
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = main(["explain", "course", "--format", "json"])
    assert status == 0
    return json.loads(buf.getvalue())["values"]


def _decimals(printed):
    return len(printed.split(".")[1]) if "." in printed else 0


def same_as_printed(value, printed):
    """``value`` rounds to the slides' printed number (at the printed number of decimals)."""
    d = _decimals(printed)
    return round(value, d) == pytest.approx(float(printed), abs=1e-12)


def v(values, name, *index):
    x = values[name]
    for i in index:
        x = x[i]
    return x


FORWARD = [
    ("z[1]", (0,), "0.3"), ("a[1]", (0,), "0.5744"), ("z[1]", (1,), "0.4"), ("a[1]", (1,), "0.5987"),
    ("z[2]", (0,), "0.4748"), ("a[2]", (0,), "0.6165"), ("z[2]", (1,), "0.3921"), ("a[2]", (1,), "0.5968"),
    ("z[2]", (2,), "0.4371"), ("a[2]", (2,), "0.6076"),  # the slides later write 0.6075 for this value
    ("z[3]", (0,), "1.2305"), ("a[3]", (0,), "0.7739"), ("y_hat", (0,), "0.7739"),
    ("loss", (), "0.2563"),
]

BACKWARD = [
    ("dL/dy_hat", (0,), "-1.2921"),  # the slides also write -1.2922 (from 0.7740, a rounding of ŷ)
    ("dy_hat/dz", (0,), "0.1750"),
    ("delta[3]", (0,), "-0.2261"),
    ("db[3]", (0,), "-0.2261"),
    ("dW[3]", (0, 0), "-0.1394"),  # the update slide writes -0.1393
    ("dW[3]", (0, 1), "-0.1349"),
    ("dW[3]", (0, 2), "-0.1374"),  # the update slide writes -0.1373
    ("da[2]", (0,), "-0.0904"), ("da[2]", (1,), "-0.0452"),
    ("da[2]", (2,), "-0.1357"),  # the next slide writes -0.1356
    ("fprime[2]", (0,), "0.2364"), ("fprime[2]", (1,), "0.2406"), ("fprime[2]", (2,), "0.2384"),
    ("delta[2]", (0,), "-0.0214"), ("delta[2]", (1,), "-0.0109"), ("delta[2]", (2,), "-0.0323"),
    # slides' w_ij^[2] (input i, neuron j) is gradlab's W[2][j-1, i-1]; w_0j is the bias b_j
    ("db[2]", (0,), "-0.0214"), ("dW[2]", (0, 0), "-0.0123"), ("dW[2]", (0, 1), "-0.0128"),
    ("db[2]", (1,), "-0.0109"), ("dW[2]", (1, 0), "-0.0063"), ("dW[2]", (1, 1), "-0.0065"),
    ("db[2]", (2,), "-0.0323"), ("dW[2]", (2, 0), "-0.0186"), ("dW[2]", (2, 1), "-0.0194"),
    ("da[1]", (0,), "-0.01078"),
    ("da[1]", (1,), "-0.01402"),  # slides: -0.01401 (summed from the rounded deltas)
    ("fprime[1]", (0,), "0.2445"), ("fprime[1]", (1,), "0.2403"),
    ("delta[1]", (0,), "-0.00263"),  # slides: -0.00264 (from the rounded -0.01078 × 0.2445)
    ("delta[1]", (1,), "-0.00337"),
    ("db[1]", (0,), "-0.00263"), ("dW[1]", (0, 0), "-0.00527"),  # slides: -0.00264, -0.00528 (same rounding)
    ("db[1]", (1,), "-0.00337"), ("dW[1]", (1, 0), "-0.00674"),
]

UPDATES = [
    ("b_new[3]", (0,), "0.5226"), ("W_new[3]", (0, 0), "0.4139"), ("W_new[3]", (0, 1), "0.2135"),
    ("W_new[3]", (0, 2), "0.6137"),
    ("b_new[2]", (0,), "0.3021"), ("W_new[2]", (0, 0), "0.2012"), ("W_new[2]", (0, 1), "0.1013"),
    ("b_new[2]", (1,), "0.1011"), ("W_new[2]", (1, 0), "0.3006"), ("W_new[2]", (1, 1), "0.2007"),
    ("b_new[2]", (2,), "0.2032"), ("W_new[2]", (2, 0), "0.1019"), ("W_new[2]", (2, 1), "0.3019"),
    ("b_new[1]", (0,), "0.1003"), ("W_new[1]", (0, 0), "0.1005"),
    ("b_new[1]", (1,), "0.2003"), ("W_new[1]", (1, 0), "0.1007"),
]

VERIFICATION = [
    ("z_new[1]", (0,), "0.3013"), ("a_new[1]", (0,), "0.5748"), ("z_new[1]", (1,), "0.4017"),
    ("a_new[1]", (1,), "0.5991"),
    ("z_new[2]", (0,), "0.4785"), ("a_new[2]", (0,), "0.6174"),  # the slides' output line uses 0.6147
    ("z_new[2]", (1,), "0.3941"), ("a_new[2]", (1,), "0.5973"),
    ("z_new[2]", (2,), "0.4427"), ("a_new[2]", (2,), "0.6089"),
    ("z_new[3]", (0,), "1.2794"),
    ("y_hat_new", (0,), "0.7823"),  # the slides' summary says 0.7862; the computation gives 0.7823
    ("loss_new", (), "0.2455"),
    ("loss_reduction", (), "0.0108"),
    ("loss_reduction_pct", (), "4.23"),
]


@pytest.mark.parametrize("name,index,printed", FORWARD + BACKWARD + UPDATES + VERIFICATION,
                         ids=lambda p: str(p))
def test_slides_number(values, name, index, printed):
    got = v(values, name, *index)
    assert same_as_printed(got, printed), f"{name}{list(index)} = {got!r}, slides print {printed}"


def test_every_gradient_matches_autodiff():
    import gradlab as gl

    exp = gl.explainer.example("course")
    assert exp.check_ok
    assert max(exp.differences.values()) < 1e-12
    assert {"dW[1]", "db[1]", "delta[1]", "da[0]", "dW[3]"} <= set(exp.differences)


def test_sigmoid_bce_output_delta_is_prediction_error(values):
    assert v(values, "delta[3]", 0) == pytest.approx(v(values, "y_hat", 0) - 1.0, abs=1e-14)


def test_named_access_by_index():
    from gradlab.explainer import example

    exp = example("course")
    assert exp.value("dW", layer=2, i=0, j=1) == exp["dW[2]"][0, 1]
    assert exp.value("W_new", 2, 0, 1) == pytest.approx(0.1 - 0.1 * exp["dW[2]"][0, 1])
    assert exp["dL/dx"].shape == (1,)
    with pytest.raises(KeyError, match="no quantity named"):
        exp["dW[9]"]
