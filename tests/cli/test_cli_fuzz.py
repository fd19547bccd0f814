"""A fuzz of the command line: hundreds of generated invocations of every subcommand, valid and not.

Each must end with exit status 0 (or 1 where a check reports a failure), or 2 with a one-line
``error:`` sentence for a usage error — never a Python traceback, never a warning with a file path and
source line, and never a special file (pipe, device, symlink) replaced by a regular file.
"""

import contextlib
import io
import os
import re
import stat

import numpy as np
import pytest

from gradlab.cli import main

N_INVOCATIONS = 320
SEED = 20261130

# per command: options with values to draw from (valid ones and hostile ones), and positional choices
JUNK = ["", "-1", "0", "nan", "inf", "-inf", "1e309", "abc", "1,2", "10**11", "2.5", "9" * 30, "☃", "--"]
OPTIONS = {
    "explain": {
        "_pos": ["course", "relu-mse", "two-layer", "perceptron", "nope", None],
        "--view": ["scalar", "matrix", "graph", "tree"], "--layout": ["numerator", "denominator", "x"],
        "--format": ["text", "markdown", "latex", "html", "json", "pdf"], "--precision": ["0", "4", "15", "16", "-2", "x"],
        "--lr": ["0.1", "1", "-1", "0", "inf", "nan", "x"], "--variant": ["mse", "sigmoid-bce", "xor", "or", "nope"],
        "--input": ["1,2", "x", ""], "--target": ["1", "0.5", "x"], "--loss": ["mse", "bce", "cross_entropy", "x"],
        "--reduction": ["mean", "sum", "none"], "--update-order": ["sequential", "simultaneous", "later"],
        "--half": None, "--shared-bias": None, "--frozen-bias": None, "--standalone": None, "--no-color": None,
        "--model": ["missing.safetensors", "pipe", "link", "dev"],
        "--output": ["out.txt", "pipe", "link", "dev", "sub/dir/out.txt", "file.txt/out.txt", "x" * 300],
    },
    "derive": {
        "_pos": ["sum(X @ w)", "sum(relu(X @ w) ** 2)", "sum(softmax(z))", "x +", "__import__('os')", "sum(X)*0",
                 "log(0)", "9" * 400, "sum(exp(exp(exp(z))))"],
        "--shape": ["X=4,3", "w=3", "z=n", "X=m,n", "X=0,3", "X=-1", "X=a,b,c,d", "X=1000000,1000000"],
        "--wrt": ["X", "w", "z", "q"], "--steps": None, "--verify": None, "--seed": ["0", "-1", "x", "7"],
        "--layout": ["numerator", "denominator", "diagonal"], "--format": ["text", "markdown", "latex", "json", "x"],
    },
    "train": {
        "--data": ["moons", "xor", "iris", "nope", "missing.csv", "table.csv"], "--layers": ["2,3,1", "2,0,1", "x", "2",
                                                                                            "2,100000,100000,1"],
        "--epochs": ["1", "2", "0", "-1", "100000000", "x"], "--samples": ["20", "50", "1", "-5", "100000000000"],
        "--lr": ["0.1", "0", "-1", "nan"], "--batch-size": ["8", "0", "x"], "--seed": ["0", "-1", "3"],
        "--loss": ["mse", "bce", "ce", "cross_entropy", "hinge"], "--activation": ["relu", "tanh", "softmax", "x"],
        "--optimizer": ["adam", "sgd", "lbfgs"], "--validation-split": ["0.2", "0", "1", "-0.5"],
        "--noise": ["0.1", "-1", "x"], "--target": ["0", "y", "missing"], "--quiet": None, "--standardize": None,
        "--save": ["m.safetensors", "pipe", "link", "dev", "file.txt/m.safetensors"],
        "--report": ["r.html", "r.txt", "pipe"],
    },
    "plot": {
        "_pos": ["activations", "perceptron", "network", "graph", "nope"],
        "--output": ["p.png", "p.svg", "p.txt", "pipe", "link", "dev", "file.txt/p.png"],
        "--gate": ["and", "xor", "nor"], "--epochs": ["1", "3", "0", "100000000"], "--lr": ["0.5", "0", "nan"],
        "--engine": ["auto", "matplotlib", "dot", "x"],
    },
    "check": {"--x": ["2.0", "0", "nan", "inf", "-3", "x"], "--seed": ["0", "-1", "5", "x"]},
    "demo": {"--epochs": ["0", "-1", "x", "100000000"], "--out-dir": ["file.txt", "pipe"]},
}
EXPENSIVE = {("plot", "_pos"), ("train", "--epochs")}  # drawn so that few invocations do real work


def _special_files(folder):
    """A pipe, a symlink to a regular file and (as root) a character device, made inside ``folder``."""
    (folder / "file.txt").write_text("a file, not a folder\n")
    (folder / "table.csv").write_text("a,b,y\n0,1,0\n1,0,1\n1,1,0\n0,0,1\n0.5,0.5,1\n0.2,0.9,0\n")
    (folder / "target.txt").write_text("the symlink's target\n")
    os.mkfifo(folder / "pipe")
    os.symlink(folder / "target.txt", folder / "link")
    made = {"pipe": stat.S_ISFIFO, "link": stat.S_ISLNK}
    try:
        os.mknod(folder / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a null device of our own
        made["dev"] = stat.S_ISCHR
    except (PermissionError, OSError):
        pass
    return made


def _argv(rng, command):
    pool = OPTIONS[command]
    argv = [command]
    if "_pos" in pool:
        pos = pool["_pos"][rng.integers(len(pool["_pos"]))]
        if pos is not None and not (command == "plot" and pos != "nope" and rng.random() < 0.6):
            argv.append(pos)
        elif command == "plot":
            argv.append("nope" if rng.random() < 0.5 else "activations")
    names = [k for k in pool if k != "_pos"]
    for name in rng.choice(names, size=min(len(names), rng.integers(0, 5)), replace=False):
        values = pool[name]
        if values is None:
            argv.append(str(name))
            continue
        choices = values + JUNK if rng.random() < 0.3 else values
        argv += [str(name), str(choices[rng.integers(len(choices))])]
    if command == "train":
        argv += ["--epochs", "1", "--samples", "30", "--quiet"] if rng.random() < 0.7 else ["--epochs", "-1"]
    if command == "demo":
        argv += ["--epochs", str(["0", "-3", "x"][rng.integers(3)])]
    if command == "derive" and rng.random() < 0.5:
        argv += ["--shape", "X=4,3", "--shape", "w=3", "--wrt", "w"]
    return argv


def _run(argv, stdin_text=""):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception as exc:  # noqa: BLE001 - what `gradlab` would print as a traceback
            code = -1
            print(f"Traceback: {type(exc).__name__}: {exc}", file=err)
    return code, out.getvalue(), err.getvalue()


def test_generated_invocations_never_trace_back_nor_replace_special_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    made = _special_files(tmp_path)
    rng = np.random.default_rng(SEED)
    commands = list(OPTIONS)
    weights = np.array([4, 3, 2, 2, 1, 0.5])
    failures = []
    for _ in range(N_INVOCATIONS):
        argv = _argv(rng, commands[rng.choice(len(commands), p=weights / weights.sum())])
        code, out, err = _run(argv)
        problems = []
        if "Traceback" in err or "Traceback" in out:
            problems.append("a traceback")
        if re.search(r"\.py:\d+", err):
            problems.append("a file path and line in a message")
        if code not in (0, 1, 2):
            problems.append(f"exit status {code}")
        if code == 2 and "error:" not in err:
            problems.append("exit status 2 without an 'error:' sentence")
        for name, is_kind in made.items():
            mode = os.lstat(tmp_path / name).st_mode
            if not is_kind(mode):
                problems.append(f"{name} was replaced by a regular file")
        if problems:
            failures.append((argv, problems, err[-400:]))
            for name in made:  # put the special files back so later invocations test them again
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_path / name)
            made = _special_files_again(tmp_path, made)
    assert not failures, "\n".join(f"{a}: {p}\n{e}" for a, p, e in failures[:10])


def _special_files_again(folder, made):
    for name in ("file.txt", "table.csv", "target.txt"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / name)
    return _special_files(folder)


def test_usage_errors_name_the_flag_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv, flag in [(["check", "--seed", "-1"], "--seed"), (["train", "--seed", "-1"], "--seed"),
                       (["check", "--x", "nan"], "--x"), (["plot", "network", "--lr", "0", "-o", "n.png"], "--lr"),
                       (["plot", "network", "--lr", "nan", "-o", "n.png"], "--lr"),
                       (["plot", "perceptron", "--epochs", "100000000", "-o", "p.png"], "--epochs"),
                       (["train", "--samples", str(10 ** 11)], "--samples"), (["explain", "course", "--lr", "inf"], "--lr"),
                       (["explain", "course", "--input", "1"], "--input"), (["train", "--loss", "hinge"], "--loss"),
                       (["plot", "activations", "--gate", "xor", "-o", "a.png"], "--gate"),
                       (["train", "--layers", "2,100000,100000,1"], "--layers")]:
        code, out, err = _run(argv)
        assert code == 2 and flag in err and "Traceback" not in err, (argv, err)


def test_warnings_are_one_sentence_without_source(tmp_path, monkeypatch):
    import warnings

    from gradlab import cli

    monkeypatch.chdir(tmp_path)
    seen = io.StringIO()
    cli._one_sentence_warnings("train")
    try:
        with contextlib.redirect_stderr(seen):
            warnings.warn_explicit("overflow encountered in exp", RuntimeWarning, "/x/y/numpy/core.py", 12)
    finally:
        warnings.showwarning = warnings._showwarning_orig if hasattr(warnings, "_showwarning_orig") else \
            warnings.showwarning
    assert seen.getvalue() == "gradlab train: warning: overflow encountered in exp\n"


def test_options_of_layered_networks_are_refused_for_the_perceptron(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for flag in (["--half"], ["--layout", "numerator"], ["--reduction", "sum"], ["--update-order", "sequential"],
                 ["--shared-bias"], ["--frozen-bias"]):
        code, out, err = _run(["explain", "perceptron", *flag])
        assert code == 2 and flag[0] in err and "perceptron" in err, (flag, err)
    code, out, err = _run(["explain", "perceptron", "--lr", "0.5"])
    assert code == 0 and "0.5" in out
