"""Data loss and hostile model files: one test per problem users found.

Special files are always ones the test makes in its own tmp_path (a named pipe,
a symlink, a socket, a character device made with mknod): never the machine's
real /dev/null or /dev/stdout.
"""

import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from support.model_files import container as _container

import gradlab as gl
from gradlab.core import files
from gradlab.io import limits, model_file

st = pytest.importorskip("safetensors.numpy", reason="the io extra (safetensors) is not installed")

ROOT = Path(__file__).resolve().parents[2]
CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "int8": "I8", "bool": "BOOL"}


# ------------------------------------------------------------------ helpers
def _device(path, minor):
    """A character device of our own (1, minor) in tmp_path: 3 is a null device, 5 a zero device."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod is not permitted here ({exc}), so no device node of our own can be made")
    return path




def _model_bytes(arch, arrays, metadata="null", arch_text=None):
    """A model file whose checksum matches ``arrays`` (as a forger would make it), any dtypes allowed."""
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": json.dumps(arch) if arch_text is None else arch_text,
            "sha256": model_file.checksum(arrays), "metadata": metadata}
    tensors = {n: (CODES[a.dtype.name], a.shape, a.tobytes()) for n, a in arrays.items()}
    return _container(tensors, meta)


def _write(tmp_path, blob, name="crafted.safetensors"):
    path = tmp_path / name
    path.write_bytes(blob)
    return path


def _linear(n_in, n_out, **extra):
    return {"type": "Linear", "in_features": n_in, "out_features": n_out, **extra}


def _seq(*layers):
    return {"type": "Sequential", "layers": list(layers)}


def _run_child(code, timeout=60):
    """Run ``code`` in a fresh Python with gradlab importable; return the CompletedProcess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def _small():
    return gl.nn.MLP([3, 4, 2], rng=0)


# ============================================================ the file system
def test_a_device_node_is_written_into_never_replaced(tmp_path):
    dev = _device(tmp_path / "null", 3)
    gl.save(_small(), dev)
    files.write_atomic(dev, "text\n")
    with files.atomic_path(dev, suffix=".png") as tmp:  # how pictures are written
        Path(tmp).write_bytes(b"\x89PNG")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]  # no temporary file beside it


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    target = tmp_path / "real.safetensors"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.safetensors"
    link.symlink_to(target)
    gl.save(_small(), link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640  # the replaced file keeps its permissions
    np.testing.assert_array_equal(gl.load(target).predict(np.ones((1, 3))), _small().predict(np.ones((1, 3))))
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "made-through-link.txt")
    files.write_atomic(dangling, "hello")
    assert dangling.is_symlink() and (tmp_path / "made-through-link.txt").read_text() == "hello"


def test_a_named_pipe_is_written_into_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader must be there first
    try:
        files.write_atomic(fifo, "through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    started = time.monotonic()
    with pytest.raises(gl.ParameterError, match=r"cannot write .*pipe: it is a named pipe that no process is reading"):
        files.write_atomic(fifo, "nobody reads")  # refused at once, never blocks
    assert time.monotonic() - started < 5 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_open_descriptor_path_is_written_to_that_descriptor(tmp_path):
    """What ``-o /dev/stdout`` does, shown with descriptors of our own (never the real stdout)."""
    r, w = os.pipe()
    try:
        files.write_atomic(f"/proc/self/fd/{w}", "piped")
        assert os.read(r, 100) == b"piped"
    finally:
        os.close(r)
        os.close(w)
    log = tmp_path / "log.txt"
    with open(log, "a") as f:  # as a shell's `>> log.txt`: appended, not replaced
        f.write("first\n")
        f.flush()
        files.write_atomic(f"/dev/fd/{f.fileno()}", "second\n")
    assert log.read_text() == "first\nsecond\n"


def test_a_socket_and_a_directory_are_refused(tmp_path):
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(gl.ParameterError, match=r"sock: it is a socket"):
            gl.save(_small(), tmp_path / "sock")
    finally:
        sock.close()
    assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    (tmp_path / "folder").mkdir()
    with pytest.raises(gl.ParameterError, match=r"save: cannot write .*folder: it is a directory"):
        gl.save(_small(), tmp_path / "folder")


def _temp_name(target, pid, letters="abcd1234", suffix=".tmp"):
    tag = files._writer_tag()[2:6]
    return f".{target}.gl{tag}-{pid}-{letters}{suffix}"


def test_stale_temporary_files_are_removed_by_the_next_save(tmp_path):
    an_hour_ago = time.time() - 3600
    legacy = tmp_path / ".net.safetensors.k3j4h5g6.tmp"  # gradlab 0.1's name, left by an interrupted save
    user_file = tmp_path / ".net.safetensors.notes"
    for p in (legacy, user_file):
        p.write_text("x")
        os.utime(p, (an_hour_ago, an_hour_ago))
    gl.save(_small(), tmp_path / "net.safetensors")
    assert sorted(os.listdir(tmp_path)) == [user_file.name, "net.safetensors"]
    stale_old = tmp_path / _temp_name("net.safetensors", 1, "oldoldol")
    fresh_live = tmp_path / _temp_name("net.safetensors", 1)  # pid 1 runs: a save in progress elsewhere
    other_target = tmp_path / _temp_name("other.safetensors", 999_999_999)
    for p in (stale_old, fresh_live, other_target):
        p.write_text("x")
    os.utime(stale_old, (an_hour_ago, an_hour_ago))
    files.write_atomic(tmp_path / "net.safetensors", b"new")
    left = set(os.listdir(tmp_path))
    assert stale_old.name not in left
    assert {fresh_live.name, other_target.name, user_file.name, "net.safetensors"} <= left


def test_a_save_killed_with_sigkill_is_cleaned_up_next_time(tmp_path):
    target = tmp_path / "out.txt"
    done = _run_child(f"""
        import os, signal
        from gradlab.core.files import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            open(tmp, "w").write("half a file")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert done.returncode == -signal.SIGKILL
    leftovers = [n for n in os.listdir(tmp_path) if n.startswith(".out.txt.")]
    assert len(leftovers) == 1  # what SIGKILL leaves (nothing can run then)
    files.write_atomic(target, "whole")
    assert os.listdir(tmp_path) == ["out.txt"] and target.read_text() == "whole"


def test_sigterm_during_a_save_removes_the_temporary_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("previous")
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from gradlab.core.files import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            open(tmp, "w").write("half")
            print("writing", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM  # it still ends as SIGTERM asks
    finally:
        proc.kill()
        proc.stdout.close()
    assert os.listdir(tmp_path) == ["out.txt"] and target.read_text() == "previous"


def test_unwritable_paths_raise_one_gradlab_error_naming_the_path(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("a file, not a folder")
    cases = [(tmp_path / "file.txt" / "out.png", r"file.txt is a file, not a folder"),
             (tmp_path / ("x" * 300 + ".safetensors"), r"is 312 bytes long and this file system allows at most 255")]
    for path, reason in cases:
        for write in (lambda p: gl.save(_small(), p), lambda p: files.write_atomic(p, "x")):
            with pytest.raises(gl.ParameterError, match=reason) as info:
                write(path)
            assert str(path) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(gl.ParameterError, match="file.txt is a file, not a folder"):
        with files.atomic_path(tmp_path / "file.txt" / "sub" / "p.png", suffix=".png"):
            pass

    def denied(*args, prefix="", suffix="", dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", os.path.join(dir, f"{prefix}zzzz{suffix}"))

    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(files.tempfile, "mkstemp", denied)
    with pytest.raises(gl.ParameterError) as info:
        gl.save(_small(), locked / "x.safetensors")
    message = str(info.value)
    assert message == f"save: cannot write {locked / 'x.safetensors'}: permission to write in {locked} is denied"
    assert ".tmp" not in message and "zzzz" not in message


def test_a_failed_rename_names_the_path_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    def read_only(src, dst):
        raise OSError(errno.EROFS, "Read-only file system", src, dst)

    monkeypatch.setattr(files.os, "replace", read_only)
    with pytest.raises(gl.ParameterError, match=r"cannot write .*m.safetensors: .* is on a read-only file system"):
        gl.save(_small(), tmp_path / "m.safetensors")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_the_cli_reports_an_unwritable_output_in_one_line(tmp_path, monkeypatch, capsys):
    from gradlab.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    code = main(["explain", "course", "-o", "file.txt/out.txt"])
    err = capsys.readouterr().err
    assert code == 2 and "file.txt is a file, not a folder" in err and "Traceback" not in err
    assert err.count("\n") == 1


# ============================================================== model files
def test_deep_nesting_is_refused_before_parsing(tmp_path):
    brackets = _write(tmp_path, _container({}, {}, header_text="[" * 100_000 + "]" * 100_000))
    with pytest.raises(gl.ModelFileError, match="header is nested 100000 levels deep, more than the limit of 64"):
        gl.load(brackets)
    deep = {"type": "ReLU"}
    for _ in range(400):
        deep = _seq(deep)
    nested = _write(tmp_path, _model_bytes(deep, {}), "nested.safetensors")
    assert nested.stat().st_size < 20_000
    with pytest.raises(gl.ModelFileError, match=r"field 'architecture'\) is nested 801 levels deep"):
        gl.load(nested)
    W = {"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3)}
    meta = _write(tmp_path, _model_bytes(_seq(_linear(2, 3)), W, metadata="[" * 50_000 + "]" * 50_000), "m.st")
    for read in (gl.io.read_metadata, lambda p: gl.load(p, return_metadata=True), gl.load):
        with pytest.raises(gl.ModelFileError, match=r"user metadata \(field 'metadata'\) is nested 50000 levels"):
            read(meta)
    shallow = _seq(*[_seq(_seq({"type": "ReLU"}))] * 3)
    assert isinstance(gl.load(_write(tmp_path, _model_bytes(shallow, {}), "ok.st")), gl.nn.Sequential)


def test_save_refuses_metadata_the_loader_would_refuse(tmp_path):
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(gl.ParameterError, match="metadata is nested 102 levels deep, more than the limit of 64"):
        gl.save(_small(), tmp_path / "m.safetensors", metadata={"x": deep})
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(gl.InputTypeError, match="JSON"):
        gl.save(_small(), tmp_path / "m.safetensors", metadata=deep)
    assert not (tmp_path / "m.safetensors").exists()


def test_declared_shapes_are_checked_before_anything_is_allocated(tmp_path):
    W = {"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3)}
    small = _write(tmp_path, _model_bytes(_seq(_linear(8000, 8000)), W))
    assert small.stat().st_size < 1000
    tracemalloc.start()
    try:
        with pytest.raises(gl.ModelFileError, match=r"declares 512,064,000 bytes of parameters but the file holds 72"):
            gl.load(small)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000
    huge = _write(tmp_path, _model_bytes(_seq(_linear(10 ** 7, 10 ** 7)), W), "huge.safetensors")
    with pytest.raises(gl.ModelFileError, match="declares 800,000,080,000,000 bytes"):
        gl.load(huge)


def test_non_regular_files_are_refused_before_opening(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    link = tmp_path / "link.safetensors"
    link.symlink_to(fifo)
    targets = [fifo, link]
    try:
        os.mknod(tmp_path / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # an endless zero device of our own
        (tmp_path / "zero.safetensors").symlink_to(tmp_path / "zero")
        targets.append(tmp_path / "zero.safetensors")
    except (PermissionError, OSError):
        pass  # the pipe cases still run
    done = _run_child(f"""
        import resource, gradlab as gl
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
        for path in {[str(t) for t in targets]!r}:
            try:
                gl.load(path)
                print("LOADED", path)
            except gl.ModelFileError as exc:
                print(exc)
    """, timeout=60)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and len(lines) == len(targets), done.stderr[-2000:]
    assert all("not a regular file; only regular files are read" in line for line in lines), lines
    assert "named pipe" in lines[0] and "named pipe" in lines[1]


def test_the_file_size_is_capped_and_the_cap_can_be_raised(tmp_path):
    path = tmp_path / "net.safetensors"
    gl.save(_small(), path)
    size = path.stat().st_size
    with pytest.raises(gl.ModelFileError, match=rf"the file is {size:,} bytes, more than the limit of 100 "):
        gl.load(path, max_bytes=100)
    assert isinstance(gl.load(path, max_bytes=size), gl.nn.MLP)
    sparse = tmp_path / "sparse.safetensors"
    with open(sparse, "wb") as f:
        f.truncate(limits.DEFAULT_MAX_BYTES + 1)  # sparse: no disk used, and never read
    started = time.monotonic()
    with pytest.raises(gl.ModelFileError, match="more than the limit of 2,147,483,648"):
        gl.load(sparse)
    assert time.monotonic() - started < 1
    with pytest.raises(gl.ParameterError, match="max_bytes"):
        gl.load(path, max_bytes=0)


def test_the_number_of_modules_is_capped(tmp_path):
    many = _write(tmp_path, _model_bytes(_seq(*[{"type": "ReLU"}] * (limits.MAX_MODULES + 1)), {}))
    started = time.monotonic()
    with pytest.raises(gl.ModelFileError, match=r"more than 10,000 modules \(the limit\)"):
        gl.load(many)
    assert time.monotonic() - started < 5
    wide = _write(tmp_path, _model_bytes(_seq(*[_linear(1, 1, bias=False)] * 200_000), {}), "wide.st")
    started = time.monotonic()
    with pytest.raises(gl.ModelFileError):
        gl.load(wide)
    assert time.monotonic() - started < 5
    mlp = {"type": "MLP", "sizes": [1] * 6000, "activation": {"type": "ReLU"}}
    with pytest.raises(gl.ModelFileError, match="more than 10,000 modules"):
        gl.load(_write(tmp_path, _model_bytes(mlp, {}), "mlp.st"))


def _load_time(tmp_path, n):
    path = _write(tmp_path, _model_bytes(_seq(*[{"type": "ReLU"}] * n), {}), f"relu{n}.st")
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        model = gl.load(path)
        best = min(best, time.perf_counter() - started)
    assert len(model) == n
    return best


def test_building_is_linear_in_the_number_of_layers(tmp_path):
    small, big = _load_time(tmp_path, 2000), _load_time(tmp_path, 8000)
    assert big / small < 8, (small, big)  # linear: about 4; Sequential.append one by one: about 16
    mlp = {"type": "MLP", "sizes": [2] * 3000, "activation": "tanh", "output_activation": {"type": "Sigmoid"},
           "bias": False}
    arrays = {f"{2 * i}.weight": np.full((2, 2), i, float) for i in range(2999)}
    loaded = gl.load(_write(tmp_path, _model_bytes(mlp, arrays), "mlp.st"))
    assert type(loaded) is gl.nn.MLP and len(loaded) == 2 * 2999
    assert loaded.to_config() == {**mlp, "activation": {"type": "Tanh"}}
    np.testing.assert_array_equal(loaded[2 * 17].weight.data, np.full((2, 2), 17.0))


def test_wrong_dtypes_are_refused_never_cast(tmp_path):
    arch = _seq(_linear(2, 3))
    for dtype in (np.int8, np.bool_, np.float16):
        bad = _write(tmp_path, _model_bytes(arch, {"0.weight": np.zeros((3, 2), dtype), "0.bias": np.zeros(3)}))
        code = CODES[np.dtype(dtype).name]
        with pytest.raises(gl.ModelFileError, match=rf"tensor '0.weight' has dtype {code}; a gradlab model stores F64"):
            gl.load(bad)
    f32 = _write(tmp_path, _model_bytes(arch, {"0.weight": np.zeros((3, 2), np.float32),
                                                "0.bias": np.zeros(3, np.float32)}))
    with pytest.raises(gl.ModelFileError, match="tensor '0.weight' is F32 but the architecture declares float64"):
        gl.load(f32)


def test_fields_of_the_wrong_type_are_refused_by_name(tmp_path):
    cases = [
        ({"type": "MLP", "sizes": [2, 3.7, 1], "activation": {"type": "ReLU"}}, r"architecture.sizes\[1\] must be a "
                                                                                 r"JSON int ≥ 1, got 3.7"),
        (_seq(_linear(2, 3, bias="false")), r"architecture.layers\[0\].bias must be true or false, got 'false'"),
        (_seq(_linear(2, 3, dtype="float16")), r"architecture.layers\[0\].dtype must be 'float64' or 'float32'"),
        (_seq(_linear(2, True)), r"architecture.layers\[0\].out_features must be a JSON int ≥ 1, got True"),
        (_seq({"type": "LeakyReLU", "negative_slope": "0.1"}), r"layers\[0\].negative_slope must be a finite"),
        (_seq({"type": "ReLU", "inplace": True}), r"layers\[0\] has the unexpected field 'inplace'"),
        ({"type": "builtins.eval"}, r"architecture.type 'builtins.eval' is not a module type a model file may hold"),
    ]
    for arch, message in cases:
        with pytest.raises(gl.ModelFileError, match=message):
            gl.load(_write(tmp_path, _model_bytes(arch, {})))


def test_malformed_user_metadata_is_a_model_file_error(tmp_path):
    W = {"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(3)}
    bad = _write(tmp_path, _model_bytes(_seq(_linear(2, 3)), W, metadata="{not json"))
    for read in (gl.io.read_metadata, lambda p: gl.load(p, return_metadata=True)):
        with pytest.raises(gl.ModelFileError, match=r"user metadata \(field 'metadata'\) is not valid JSON"):
            read(bad)
    repeated = _write(tmp_path, _model_bytes(_seq(_linear(2, 3)), W, metadata='{"a": 1, "a": 2}'))
    with pytest.raises(gl.ModelFileError, match="has the key 'a' twice"):
        gl.io.read_metadata(repeated)


def test_the_checksum_catches_accidents_not_forgery_and_the_docs_say_so(tmp_path):
    """A forger recomputes the checksum, and the file loads: documented, not hidden."""
    arch = _seq(_linear(2, 3))
    forged = _write(tmp_path, _model_bytes(arch, {"0.weight": np.full((3, 2), 66.0), "0.bias": np.zeros(3)}))
    assert gl.load(forged)[0].weight.data[0, 0] == 66.0
    safety = (ROOT / "docs" / "safety.md").read_text()
    assert "not a signature" in safety and "detects accidental damage" in safety
    assert "not forgery" in model_file.__doc__
