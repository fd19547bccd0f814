"""Model files of convolutional networks: every new layer saves and loads exactly, buffers included, and hostile
architectures using the new layers are refused field by field before anything large is allocated."""

import json
import re
import tracemalloc

import numpy as np
import pytest

import gradlab as gl
from support.cnn_layers import layer_cases, randomise_state
from gradlab.io import architecture, limits, model_file

st = pytest.importorskip("safetensors.numpy", reason="the io extra (safetensors) is not installed")

RNG = np.random.default_rng(20261130)
IMG = RNG.standard_normal((6, 2, 9, 8))
SEQ = RNG.standard_normal((4, 4, 11))
VEC = RNG.standard_normal((7, 5))


def _cnn():
    return gl.nn.Sequential(gl.nn.Conv2d(1, 4, 3, padding=1, rng=1), gl.nn.BatchNorm2d(4), gl.nn.ReLU(),
                            gl.nn.MaxPool2d(2), gl.nn.Dropout(0.25, rng=2), gl.nn.Flatten(),
                            gl.nn.Linear(4 * 4 * 4, 3, rng=3))


def test_trained_cnn_loads_with_its_running_statistics_and_predicts_bit_for_bit(tmp_path):
    model = _cnn()
    x = np.random.default_rng(0).standard_normal((10, 1, 8, 8))
    labels = np.arange(10) % 3
    opt = gl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = gl.nn.CrossEntropyLoss()
    for _ in range(4):
        opt.zero_grad()
        loss_fn(model(gl.Tensor(x)), labels).backward()
        opt.step()
    path = tmp_path / "cnn.safetensors"
    gl.save(model, path)
    loaded = gl.load(path)
    assert loaded.to_config() == model.to_config() and loaded.training
    saved, got = model.state_dict(), loaded.state_dict()
    assert list(got) == list(saved) and "1.num_batches_tracked" in got
    for name in saved:
        assert got[name].dtype == saved[name].dtype and got[name].shape == saved[name].shape, name
        np.testing.assert_array_equal(got[name], saved[name], err_msg=name)
    assert got["1.num_batches_tracked"].dtype == np.int64 and int(got["1.num_batches_tracked"]) == 4
    model.eval(), loaded.eval()
    test = np.random.default_rng(1).standard_normal((5, 1, 8, 8))
    np.testing.assert_array_equal(loaded.predict(test), model.predict(test))
    # the running statistics matter: without them the prediction differs
    loaded[1].reset_running_stats()
    assert not np.array_equal(loaded.predict(test), model.predict(test))




LAYERS = layer_cases(float32=("conv1d-stride", "conv2d-valid", "batchnorm1d-3d", "embedding"))


@pytest.mark.parametrize("name, make, x", LAYERS, ids=[c[0] for c in LAYERS])
def test_every_new_layer_round_trips_alone_and_in_a_sequential(tmp_path, name, make, x):
    rng = np.random.default_rng(len(name))
    for model in (make(), gl.nn.Sequential(gl.nn.Identity(), make())):
        randomise_state(model, rng)
        state = model.state_dict()
        plan = architecture.plan(model.to_config())
        assert plan.params == [(n, a.shape, a.dtype.name) for n, a in state.items()]
        path = tmp_path / f"{name}.safetensors"
        gl.save(model, path)
        loaded = gl.load(path)
        assert type(loaded) is type(model) and loaded.to_config() == model.to_config()
        got = loaded.state_dict()
        assert list(got) == list(state)
        for key in state:
            assert got[key].dtype == state[key].dtype, key
            np.testing.assert_array_equal(got[key], state[key], err_msg=key)
        model.eval(), loaded.eval()
        inp = x.astype(np.float32) if "f32" in name else x
        if "embedding" in name:  # an integer index: called directly (a Sequential makes its input a float Tensor)
            out, ref = (m[1] if isinstance(m, gl.nn.Sequential) else m for m in (loaded, model))
            out, ref = out(inp), ref(inp)
        else:
            out, ref = loaded(gl.Tensor(inp)), model(gl.Tensor(inp))
        assert out.data.dtype == ref.data.dtype
        np.testing.assert_array_equal(out.data, ref.data)


# ------------------------------------------------------------------ hostile files
def _forged(tmp_path, architecture_, tensors):
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": json.dumps(architecture_), "sha256": model_file.checksum(tensors), "metadata": "null"}
    path = tmp_path / "forged.safetensors"
    path.write_bytes(st.save(tensors, metadata=meta))
    return path


def _conv(**kw):
    return {"type": "Conv2d", "in_channels": 2, "out_channels": 4, "kernel_size": [3, 3], **kw}


def _seq(*layers):
    return {"type": "Sequential", "layers": list(layers)}


L0 = r"architecture\.layers\[0\]"
HOSTILE = [
    (_conv(kernel_size=[-3, 3]),
     L0 + r"\.kernel_size must be a JSON int in \[1, 1,024\] or a pair of them, got \[-3, 3\]"),
    (_conv(kernel_size=10 ** 9), L0 + r"\.kernel_size must be a JSON int in \[1, 1,024\].*1000000000"),
    (_conv(kernel_size=[3, 2.5]), L0 + r"\.kernel_size must be a JSON int"),
    (_conv(kernel_size=[3, 3, 3]), L0 + r"\.kernel_size .* or a pair of them"),
    (_conv(groups=3), L0 + r"\.groups \(3\) must divide in_channels \(2\) and out_channels \(4\)"),
    (_conv(groups=0), L0 + r"\.groups must be a JSON int ≥ 1, got 0"),
    (_conv(stride=0), L0 + r"\.stride must be a JSON int in \[1, 1,024\]"),
    (_conv(padding=-1), L0 + r"\.padding must be a JSON int in \[0, 1,024\]"),
    (_conv(padding=5000), L0 + r"\.padding must be a JSON int in \[0, 1,024\]"),
    (_conv(padding="full"), L0 + r"\.padding must be 'same' or 'valid', got 'full'"),
    (_conv(padding="same", stride=[2, 1]), L0 + r"\.padding 'same' needs stride 1"),
    (_conv(padding_mode="reflect"), L0 + r"\.padding_mode must be 'zeros', got 'reflect'"),
    (_conv(in_channels=True), L0 + r"\.in_channels must be a JSON int ≥ 1, got True"),
    (_conv(bias="true"), L0 + r"\.bias must be true or false"),
    (_conv(output_padding=[1, 1]), L0 + r" has the unexpected field 'output_padding'"),
    ({**_conv(), "type": "ConvTranspose2d", "stride": 2, "output_padding": 2},
     L0 + r"\.output_padding \[2, 2\] must be smaller than stride \[2, 2\] or dilation \[1, 1\]"),
    ({**_conv(), "type": "ConvTranspose2d", "padding": "same"}, L0 + r"\.padding must be a JSON int in \[0, 1,024\]"),
    ({"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": [2, 2]},
     L0 + r"\.kernel_size .* or a list of 1 of them"),
    ({"type": "MaxPool2d", "kernel_size": 2, "padding": 2}, L0 + r"\.padding \[2, 2\] must be at most half"),
    ({"type": "MaxPool2d", "kernel_size": 2, "ceil_mode": True}, L0 + r"\.ceil_mode must be false, got True"),
    ({"type": "MaxPool2d", "kernel_size": 2, "return_indices": 1}, L0 + r"\.return_indices must be false, got 1"),
    ({"type": "MaxPool2d"}, L0 + r" needs the field 'kernel_size'"),
    ({"type": "AvgPool2d", "kernel_size": 2, "divisor_override": 3}, L0 + r"\.divisor_override must be null, got 3"),
    ({"type": "AvgPool2d", "kernel_size": 2, "dtype": "float32"}, L0 + r" has the unexpected field 'dtype'"),
    ({"type": "AdaptiveAvgPool2d", "output_size": [0, 2]}, L0 + r"\.output_size must be a JSON int in \[1, 1,024\]"),
    ({"type": "AdaptiveAvgPool2d", "output_size": 10 ** 6}, L0 + r"\.output_size must be a JSON int in \[1, 1,024\]"),
    ({"type": "Flatten", "start_dim": 1.0}, L0 + r"\.start_dim must be a JSON int in \[-64, 63\], got 1\.0"),
    ({"type": "Unflatten", "dim": 1, "unflattened_size": [-1, -1]}, L0 + r"\.unflattened_size must be a list of 1 to"),
    ({"type": "Unflatten", "dim": 1, "unflattened_size": [2] * 9}, L0 + r"\.unflattened_size must be a list of 1 to 8"),
    ({"type": "Unflatten", "dim": 1, "unflattened_size": 4}, L0 + r"\.unflattened_size must be a list"),
    ({"type": "Dropout", "p": 1.5}, L0 + r"\.p must be a finite JSON number in \[0, 1\], got 1\.5"),
    ({"type": "Dropout", "p": "0.5"}, L0 + r"\.p must be a finite JSON number in \[0, 1\], got '0\.5'"),
    ({"type": "Dropout", "p": 0.5, "inplace": True}, L0 + r" has the unexpected field 'inplace'"),
    ({"type": "BatchNorm2d", "num_features": 3, "eps": 0}, L0 + r"\.eps must be a finite JSON number > 0, got 0"),
    ({"type": "BatchNorm2d", "num_features": 3, "momentum": 2}, L0 + r"\.momentum must be .* in \[0, 1\] or null"),
    ({"type": "BatchNorm1d", "num_features": 0}, L0 + r"\.num_features must be a JSON int ≥ 1, got 0"),
    ({"type": "BatchNorm1d", "num_features": 2, "affine": None}, L0 + r"\.affine must be true or false, got None"),
    ({"type": "LayerNorm", "normalized_shape": []},
     L0 + r"\.normalized_shape must be a JSON int ≥ 1 or a list of 1 to 8"),
    ({"type": "LayerNorm", "normalized_shape": [2, 0]}, L0 + r"\.normalized_shape must be"),
    ({"type": "LayerNorm", "normalized_shape": 3, "eps": -1e-5}, L0 + r"\.eps must be a finite JSON number > 0"),
    ({"type": "Embedding", "num_embeddings": 5, "embedding_dim": 2, "padding_idx": 5},
     L0 + r"\.padding_idx must be a JSON int in \[-5, 5\) \(num_embeddings 5\) or null, got 5"),
    ({"type": "Embedding", "num_embeddings": 5, "embedding_dim": 2, "padding_idx": True}, L0 + r"\.padding_idx"),
    ({"type": "Embedding", "num_embeddings": 5}, L0 + r" needs the field 'embedding_dim'"),
]


@pytest.mark.parametrize("layer, message", HOSTILE, ids=[f"{c[0]['type']}-{i}" for i, c in enumerate(HOSTILE)])
def test_hostile_layer_fields_are_refused_naming_the_field(tmp_path, layer, message):
    path = _forged(tmp_path, _seq(layer), {})
    with pytest.raises(gl.ModelFileError, match=message):
        gl.load(path)
    with pytest.raises(architecture.ArchitectureError, match=message):
        architecture.plan(_seq(layer))


def _peak_bytes(call):
    tracemalloc.start()
    try:
        call()
    except gl.ModelFileError as exc:
        error = exc
    else:
        error = None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


@pytest.mark.parametrize("layer, message", [
    (_conv(in_channels=100_000, out_channels=100_000, kernel_size=1024),
     r"declares 83,886,080,000,800,000 bytes of parameters but the file holds 16"),
    (_conv(kernel_size=10 ** 9), r"kernel_size must be a JSON int in \[1, 1,024\]"),
    ({"type": "Embedding", "num_embeddings": 10 ** 9, "embedding_dim": 10 ** 9}, r"declares .* bytes of parameters"),
    ({"type": "BatchNorm1d", "num_features": 10 ** 12},
     r"declares 32,000,000,000,008 bytes of parameters but the file holds 40 \(buffers count"),
], ids=["conv-channels-by-kernel", "conv-kernel-1e9", "embedding-1e18", "batchnorm-1e12"])
def test_huge_layers_are_refused_before_any_large_allocation(tmp_path, layer, message):
    # the file has every tensor the architecture names, each of one element: only the declared sizes are huge
    try:
        declared = architecture.plan(_seq(layer)).params
    except architecture.ArchitectureError:
        declared = []
    tensors = {name: np.zeros(1 if shape else (), dtype) for name, shape, dtype in declared}
    path = _forged(tmp_path, _seq(layer), tensors)
    peak, error = _peak_bytes(lambda: gl.load(path))
    assert error is not None and re.search(message, str(error)), error
    assert peak < 4 * 1024 ** 2, peak


def _bn_tensors(**change):
    tensors = {"0.weight": np.ones(3), "0.bias": np.zeros(3), "0.running_mean": np.zeros(3),
               "0.running_var": np.ones(3), "0.num_batches_tracked": np.array(7, dtype=np.int64)}
    tensors.update(change)
    return {k: v for k, v in tensors.items() if v is not None}


BN = _seq({"type": "BatchNorm2d", "num_features": 3})


def test_batchnorm_buffers_must_be_present_with_their_shapes_and_dtypes(tmp_path):
    loaded = gl.load(_forged(tmp_path, BN, _bn_tensors()))
    assert int(loaded[0].num_batches_tracked.data) == 7 and loaded[0].num_batches_tracked.data.dtype == np.int64
    cases = [
        (_bn_tensors(**{"0.running_var": None}), r"missing \['0\.running_var'\]"),
        (_bn_tensors(**{"0.num_batches_tracked": None}), r"missing \['0\.num_batches_tracked'\]"),
        (_bn_tensors(**{"0.num_batches_tracked": np.array(7.0)}),
         r"tensor '0\.num_batches_tracked' is F64 but the architecture declares int64 \(I64\)"),
        (_bn_tensors(**{"0.num_batches_tracked": np.array(7, dtype=np.int32)}),
         r"tensor '0\.num_batches_tracked' has dtype I32"),
        (_bn_tensors(**{"0.running_mean": np.zeros(3, dtype=np.int64)}),
         r"tensor '0\.running_mean' is I64 but the architecture declares float64 \(F64\)"),
        (_bn_tensors(**{"0.running_mean": np.zeros(3, dtype=np.float32)}),
         r"tensor '0\.running_mean' is F32 but the architecture declares float64"),
        (_bn_tensors(**{"0.num_batches_tracked": np.array([7], dtype=np.int64)}),
         r"tensor '0\.num_batches_tracked' must have shape \(\) as the architecture declares, but the file has \(1,\)"),
        (_bn_tensors(**{"0.running_var": np.ones(4)}), r"tensor '0\.running_var' must have shape \(3,\)"),
        (_bn_tensors(**{"0.extra": np.ones(1)}), r"unexpected \['0\.extra'\]"),
    ]
    for tensors, message in cases:
        with pytest.raises(gl.ModelFileError, match=message):
            gl.load(_forged(tmp_path, BN, tensors))
    no_stats = _seq({"type": "BatchNorm2d", "num_features": 3, "track_running_stats": False})
    with pytest.raises(gl.ModelFileError, match=r"unexpected \['0\.num_batches_tracked', '0\.running_mean'"):
        gl.load(_forged(tmp_path, no_stats, _bn_tensors()))


def test_a_layer_class_registered_under_a_new_layer_name_is_not_what_gets_built(tmp_path):
    path = tmp_path / "d.safetensors"
    gl.save(gl.nn.Sequential(gl.nn.Dropout(0.3)), path)
    original = gl.nn.MODULE_TYPES["Dropout"]
    try:
        gl.nn.MODULE_TYPES["Dropout"] = gl.nn.Identity  # a user's registration must not change what a file builds
        assert type(gl.load(path)[0]) is original
    finally:
        gl.nn.MODULE_TYPES["Dropout"] = original


def test_the_window_limit_is_the_documented_one():
    assert limits.MAX_WINDOW == 1024 and limits.MAX_NDIM == 8 and limits.MAX_DIM == 64
    ok = architecture.plan(_seq(_conv(kernel_size=1024, padding=1024, dilation=[1024, 1])))
    assert ok.params[0] == ("0.weight", (4, 2, 1024, 1024), "float64")
