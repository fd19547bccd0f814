"""A fuzz of the model-file loader: every file is a valid load or a ModelFileError, within 1 s and 100 MB.

The files: every truncation of a small valid model file, bit flips (every bit of
the length field, a seeded sample elsewhere), random bytes, and crafted headers
of every kind users reported (deep nesting, huge declared layers, too many
layers, wrong dtypes, wrong field types, bad metadata, bad offsets...). They are
loaded in a child process whose address space is capped at 100 MB above what
it uses once gradlab is imported, so a file that makes the loader allocate
more fails the test instead of the machine. pyproject.toml defines no ``slow``
marker, so there is only this CI-sized run (about 3,500 files, each loaded and read for its metadata).
"""

import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from support.model_files import container as _container

import gradlab as gl
from gradlab.io import limits, model_file

pytest.importorskip("safetensors.numpy", reason="the io extra (safetensors) is not installed")

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261130
N_FLIPS = 2500
LIMIT_S = 1.0
LIMIT_BYTES = 100 * 1024 ** 2
CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "int8": "I8", "bool": "BOOL", "int64": "I64",
         "int32": "I32"}

CHILD = r"""
import json, os, resource, sys, time
import gradlab as gl

def vm_bytes():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))

folder, valid, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
gl.load(valid), gl.io.read_metadata(valid)  # every import done before the baseline
cap = vm_bytes() + extra
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
results = []
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    for op, call in (("load", gl.load), ("read_metadata", gl.io.read_metadata)):
        started = time.perf_counter()
        try:
            call(path)
            outcome = "ok"
        except gl.ModelFileError:
            outcome = "refused"
        except BaseException as exc:  # anything else is a finding
            outcome = f"{type(exc).__name__}: {str(exc)[:200]}"
        results.append([name, op, outcome, time.perf_counter() - started])
json.dump(results, sys.stdout)
"""


# ----------------------------------------------------------------- crafting


def _meta(arch, arrays, metadata="null", **override):
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": arch if isinstance(arch, str) else json.dumps(arch),
            "sha256": model_file.checksum(arrays), "metadata": metadata}
    meta.update(override)
    return {k: v for k, v in meta.items() if v is not None}


def _model(arch, arrays=None, metadata="null", **override):
    arrays = arrays or {}
    tensors = {n: (CODES[a.dtype.name], a.shape, a.tobytes()) for n, a in arrays.items()}
    return _container(tensors, _meta(arch, arrays, metadata, **override))


def _lin(n_in, n_out, **extra):
    return {"type": "Linear", "in_features": n_in, "out_features": n_out, **extra}


def _conv(**extra):
    return {"type": "Conv2d", "in_channels": 2, "out_channels": 4, "kernel_size": 3, **extra}


def _bn(**extra):
    return {"type": "BatchNorm2d", "num_features": 3, **extra}


def _seq(*layers):
    return {"type": "Sequential", "layers": list(layers)}


def _nest(inner, levels):
    for _ in range(levels):
        inner = _seq(inner)
    return inner


W = {"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3)}
ONE = _seq(_lin(2, 3))


def _raw_header(text, data=b""):
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw + data


def _entry(dtype="F64", shape=(3,), offsets=(0, 24)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def _crafted_headers():
    meta = _meta(ONE, W)
    bad_entries = {
        "negative-offset": _entry(offsets=(-8, 16)), "reversed-offsets": _entry(offsets=(24, 0)),
        "shape-negative": _entry(shape=(-3,)), "shape-9-dims": _entry(shape=(1,) * 9),
        "shape-huge": _entry(shape=(2 ** 62, 2 ** 62)), "shape-float": _entry(shape=(3.0,)),
        "dtype-unknown": _entry(dtype="F128"), "dtype-number": _entry(dtype=7), "missing-key": {"dtype": "F64"},
        "offsets-strings": _entry(offsets=("0", "24")), "extra-key": {**_entry(), "x": 1}, "entry-list": [1, 2],
    }
    out = {f"entry-{k}": _raw_header(json.dumps({"t": v, "__metadata__": meta}), bytes(24))
           for k, v in bad_entries.items()}
    overlap = {"a": _entry(offsets=(0, 24)), "b": _entry(offsets=(16, 40)), "__metadata__": meta}
    out["overlap"] = _raw_header(json.dumps(overlap), bytes(40))
    gap = {"a": _entry(offsets=(0, 24)), "b": _entry(offsets=(32, 56)), "__metadata__": meta}
    out["gap"] = _raw_header(json.dumps(gap), bytes(56))
    out.update({
        "brackets-1e5": _raw_header("[" * 100_000 + "]" * 100_000),
        "objects-deep": _raw_header('{"a":' * 5000 + "1" + "}" * 5000),
        "items-400k": _raw_header('{"a":[' + ",".join(["0"] * 400_000) + "]}"),
        "length-max": b"\xff" * 8 + b"{}",
        "length-past-end": struct.pack("<Q", 1000) + b"{}",
        "length-zero": struct.pack("<Q", 0),
        "header-null": _raw_header("null"), "header-list": _raw_header("[]"), "header-string": _raw_header('"x"'),
        "scan-escaped-quotes": _raw_header(b'["' + b'\\"' * 499_990 + b'"]'),
        "scan-brackets-1e6": _raw_header("[" * 999_999), "scan-strings": _raw_header('["a",' + '"a",' * 330_000 + "1]"),
        "scan-big-string": _raw_header('{"__metadata__": {"metadata": "' + "[" * 8_000_000 + '"}}'),
        "header-not-utf8": _raw_header(b"\xff\xfe{}"), "header-nan": _raw_header('{"a": NaN}'),
        "header-dup-key": _raw_header('{"__metadata__": {}, "__metadata__": {}}'),
        "header-big-int": _raw_header('{"a": ' + "9" * 5000 + "}"),
        "metadata-not-object": _raw_header(json.dumps({"__metadata__": [1]})),
        "metadata-not-strings": _raw_header(json.dumps({"__metadata__": {"format": 1}})),
        "not-gradlab": _raw_header(json.dumps({"__metadata__": {"format": "pt"}})),
    })
    return out


def _crafted_architectures():
    bad = {
        "seq-400-deep": _nest({"type": "ReLU"}, 400), "seq-17-deep": _nest({"type": "ReLU"}, 17),
        "linear-8000": _seq(_lin(8000, 8000)), "linear-1e7": _seq(_lin(10 ** 7, 10 ** 7)),
        "linear-1e300": _seq(_lin(10 ** 300, 3)), "relu-10001": _seq(*[{"type": "ReLU"}] * 10_001),
        "mlp-6000": {"type": "MLP", "sizes": [1] * 6000, "activation": {"type": "ReLU"}},
        "sizes-float": {"type": "MLP", "sizes": [2, 3.7, 1], "activation": {"type": "ReLU"}},
        "sizes-bool": {"type": "MLP", "sizes": [2, True], "activation": "relu"},
        "sizes-one": {"type": "MLP", "sizes": [2], "activation": "relu"},
        "mlp-act-unknown": {"type": "MLP", "sizes": [2, 3], "activation": "frobnicate"},
        "mlp-act-linear": {"type": "MLP", "sizes": [2, 3], "activation": _lin(1, 1)},
        "mlp-no-act": {"type": "MLP", "sizes": [2, 3]},
        "bias-string": _seq(_lin(2, 3, bias="false")), "bias-int": _seq(_lin(2, 3, bias=0)),
        "dtype-f16": _seq(_lin(2, 3, dtype="float16")), "in-zero": _seq(_lin(0, 3)), "in-neg": _seq(_lin(-2, 3)),
        "in-string": _seq(_lin("2", 3)), "missing-in": _seq({"type": "Linear", "out_features": 3}),
        "extra-field": _seq(_lin(2, 3, init="xavier_uniform")), "type-eval": {"type": "builtins.eval"},
        "type-module": {"type": "Module"}, "type-number": {"type": 3}, "arch-list": [ONE],
        "layers-dict": {"type": "Sequential", "layers": {"0": _lin(2, 3)}},
        "leaky-string": _seq({"type": "LeakyReLU", "negative_slope": "0.1"}),
        "leaky-bool": _seq({"type": "LeakyReLU", "negative_slope": True}),
        "softmax-float-dim": _seq({"type": "Softmax", "dim": 1.5}), "relu-kwarg": _seq({"type": "ReLU", "x": 1}),
        # the layers of convolutional networks
        "conv-kernel-1e9": _seq(_conv(kernel_size=10 ** 9)), "conv-kernel-neg": _seq(_conv(kernel_size=[-1, 3])),
        "conv-1e5-channels": _seq(_conv(in_channels=10 ** 5, out_channels=10 ** 5, kernel_size=1024)),
        "conv-groups": _seq(_conv(groups=3)), "conv-pad-word": _seq(_conv(padding="full")),
        "conv-pad-huge": _seq(_conv(padding=10 ** 6)), "conv-mode": _seq(_conv(padding_mode="circular")),
        "convT-outpad": _seq(_conv(type="ConvTranspose2d", output_padding=5)),
        "pool-pad": _seq({"type": "MaxPool2d", "kernel_size": 2, "padding": 3}),
        "pool-stride-1e9": _seq({"type": "AvgPool2d", "kernel_size": 2, "stride": 10 ** 9}),
        "adaptive-1e9": _seq({"type": "AdaptiveAvgPool2d", "output_size": [10 ** 9, 10 ** 9]}),
        "unflatten-1e6": _seq({"type": "Unflatten", "dim": 1, "unflattened_size": [1] * 100_000}),
        "layernorm-deep": _seq({"type": "LayerNorm", "normalized_shape": [1] * 100_000, "elementwise_affine": False}),
        "dropout-p": _seq({"type": "Dropout", "p": 1.5}), "bn-momentum": _seq(_bn(momentum=-0.1)),
        "bn-eps-zero": _seq(_bn(eps=0.0)), "bn-1e12": _seq(_bn(num_features=10 ** 12)),
        "embedding-pad": _seq({"type": "Embedding", "num_embeddings": 3, "embedding_dim": 2, "padding_idx": 3}),
        "embedding-1e18": _seq({"type": "Embedding", "num_embeddings": 10 ** 9, "embedding_dim": 10 ** 9}),
    }
    out = {f"arch-{k}": _model(v, W) for k, v in bad.items()}
    out.update({
        "arch-nan-slope": _model('{"type": "Sequential", "layers": [{"type": "LeakyReLU", "negative_slope": NaN}]}'),
        "arch-inf-step": _model('{"type": "Step", "threshold": Infinity}'),
        "arch-big-int": _model('{"type": "Softmax", "dim": ' + "9" * 5000 + "}"),
        "arch-not-json": _model("{'type': 'ReLU'}"), "arch-empty": _model(""),
        "arch-missing": _model(ONE, W, architecture=None), "sha-missing": _model(ONE, W, sha256=None),
        "version-2": _model(ONE, W, format_version="2"),
        "meta-deep": _model(ONE, W, metadata="[" * 100_000 + "]" * 100_000),
        "meta-bad": _model(ONE, W, metadata="{not json"), "meta-dup": _model(ONE, W, metadata='{"a":1,"a":2}'),
    })
    return out


def _crafted_tensors():
    out = {}
    for dtype in (np.int8, np.bool_, np.float16, np.float32):
        out[f"dtype-{np.dtype(dtype).name}"] = _model(ONE, {"0.weight": np.zeros((3, 2), dtype), "0.bias": np.zeros(3)})
    out["wrong-shape"] = _model(ONE, {"0.weight": np.zeros((2, 3)), "0.bias": np.zeros(3)})
    out["missing-bias"] = _model(ONE, {"0.weight": np.zeros((3, 2))})
    out["extra-tensor"] = _model(ONE, {**W, "9.weight": np.zeros(1)})
    out["forged-values"] = _model(ONE, {"0.weight": np.full((3, 2), 1e308), "0.bias": np.full(3, np.nan)})
    wide = _seq(*[_lin(1, 1, bias=False)] * 50_000)
    out["many-linear"] = _model(wide, {f"{i}.weight": np.zeros((1, 1)) for i in range(50_000)})
    deep_ok = _nest(_seq(_lin(2, 3)), 15)
    prefix = "0." * 15
    out["valid-nested-15"] = _model(deep_ok, {f"{prefix}0.weight": np.zeros((3, 2)), f"{prefix}0.bias": np.zeros(3)})
    out["valid-empty"] = _model(_seq())
    out["valid-activation-only"] = _model({"type": "LeakyReLU", "negative_slope": 0.3})
    bn = {"0.weight": np.ones(3), "0.bias": np.zeros(3), "0.running_mean": np.zeros(3), "0.running_var": np.ones(3),
          "0.num_batches_tracked": np.array(2, dtype=np.int64)}
    out["valid-batchnorm"] = _model(_seq(_bn()), bn)
    out["dtype-bn-count-f64"] = _model(_seq(_bn()), {**bn, "0.num_batches_tracked": np.array(2.0)})
    out["dtype-bn-count-i32"] = _model(_seq(_bn()), {**bn, "0.num_batches_tracked": np.array(2, dtype=np.int32)})
    out["dtype-bn-mean-i64"] = _model(_seq(_bn()), {**bn, "0.running_mean": np.zeros(3, dtype=np.int64)})
    out["dtype-bn-missing-var"] = _model(_seq(_bn()), {k: v for k, v in bn.items() if k != "0.running_var"})
    out["dtype-bn-count-shape"] = _model(_seq(_bn()), {**bn, "0.num_batches_tracked": np.zeros(10 ** 5, np.int64)})
    conv = {"0.weight": np.zeros((4, 2, 3, 3)), "0.bias": np.zeros(4)}
    out["valid-conv"] = _model(_seq(_conv(), {"type": "MaxPool2d", "kernel_size": 2}, {"type": "Flatten"}), conv)
    return out


def _mutations(blob, rng):
    out = {f"cut-{n:05d}": blob[:n] for n in range(len(blob))}
    for bit in range(64):
        b = bytearray(blob)
        b[bit // 8] ^= 1 << (bit % 8)
        out[f"flip-length-{bit:02d}"] = bytes(b)
    for i in range(N_FLIPS):
        b = bytearray(blob)
        pos = int(rng.integers(8, len(blob)))
        b[pos] ^= 1 << int(rng.integers(8))
        out[f"flip-{i:05d}-at-{pos}"] = bytes(b)
    for i, size in enumerate(rng.integers(0, 3000, size=50)):
        out[f"random-{i:03d}"] = rng.bytes(int(size))
    return out


def test_every_file_is_a_valid_load_or_a_model_file_error(tmp_path):
    model = gl.nn.MLP([3, 4, 2], activation="tanh", output_activation="softmax", rng=1)
    valid = tmp_path / "valid.safetensors"
    gl.save(model, valid, metadata={"epochs": 3, "note": "moons"})
    blob = valid.read_bytes()
    assert len(blob) < 2500  # every truncation below is of a small file
    cases = {"valid": blob, **_mutations(blob, np.random.default_rng(SEED)),
             **_crafted_headers(), **_crafted_architectures(), **_crafted_tensors()}
    folder = tmp_path / "cases"
    folder.mkdir()
    for name, data in cases.items():
        (folder / f"{name}.safetensors").write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), str(folder), str(valid), str(LIMIT_BYTES)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == 2 * len(cases)
    bad = [r for r in results if r[2] not in ("ok", "refused")]
    slow = [r for r in results if r[3] > LIMIT_S]
    assert not bad, bad[:10]
    assert not slow, slow[:10]
    outcome = {(name[: -len(".safetensors")], op): o for name, op, o, _ in results}
    for name in ("valid", "valid-nested-15", "valid-empty", "valid-activation-only", "forged-values",
                 "valid-batchnorm", "valid-conv"):
        assert outcome[(name, "load")] == "ok", name
    for name in cases:
        if name.startswith(("arch-", "entry-", "header-", "dtype-", "cut-")) or name in ("overlap", "gap"):
            assert outcome[(name, "load")] == "refused", name
    assert limits.MAX_MODULES == 10_000
