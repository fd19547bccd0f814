"""Constraints as data (gradlab.core.constraints): the texts they generate, the values they refuse, and every
declared entry point refusing every invalid example of every declared parameter — with the generated message,
the declared error class, and before its body runs.

The walk covers whatever is declared: a new ``@declare`` is tested here without a new test, as long as its
required parameters have a valid value in :data:`VALID` (the failure says which one is missing).
"""

import importlib
import inspect
import pathlib
import pkgutil
import re
import types

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import constraints as C
from gradlab.core.constraints import DECLARED

for _info in pkgutil.walk_packages(gl.__path__, "gradlab."):  # every module, so every declaration is registered
    if not _info.name.endswith("__main__"):
        importlib.import_module(_info.name)


# ---------------------------------------------------------------- the constraints themselves

@pytest.mark.parametrize("constraint, text", [
    (C.POSITIVE_INT, "an int ≥ 1"),
    (C.NON_NEGATIVE_INT, "an int ≥ 0"),
    (C.INT, "an int"),
    (C.POSITIVE_FLOAT, "a finite number > 0"),
    (C.NON_NEGATIVE_FLOAT, "a finite number ≥ 0"),
    (C.FINITE, "a finite number"),
    (C.PROBABILITY, "a number in [0, 1]"),
    (C.FRACTION, "a number in [0, 1)"),
    (C.OPEN_FRACTION, "a number in (0, 1)"),
    (C.PRECISION, "an int in [0, 15]"),
    (C.Interval(high=0, high_open=True), "a finite number < 0"),
    (C.Interval(0.5, 2.5), "a number in [0.5, 2.5]"),
    (C.Interval(0, finite=False), "a number ≥ 0"),
    (C.REDUCTIONS, "one of 'mean', 'sum', 'none'"),
    (C.LAYOUTS, "'denominator' or 'numerator'"),
    (C.Options("only"), "'only'"),
    (C.BOOL, "True or False"),
    (C.CALLABLE, "a callable"),
    (C.STRING, "a string"),
    (C.SEED, "None, an int ≥ 0 or a numpy Generator"),
    (C.Optional(C.POSITIVE_FLOAT), "None or a finite number > 0"),
    (C.DIAGRAM_LABELS, "None, 'weights', 'gradients' or 'updates'"),
    (C.SequenceOf(C.FRACTION, length=2), "a pair of numbers in [0, 1)"),
    (C.SequenceOf(C.POSITIVE_INT, min_length=2), "a list of at least 2 ints ≥ 1"),
    (C.SequenceOf(C.REDUCTIONS, min_length=1), "a non-empty list of values, each one of 'mean', 'sum', 'none'"),
    (C.InstanceOf(int, float), "an instance of int or an instance of float"),
])
def test_the_text_is_generated_from_the_constraint(constraint, text):
    assert constraint.text == text


@pytest.mark.parametrize("constraint, good, bad", [
    (C.POSITIVE_FLOAT, [1, 0.5, np.float32(2), np.int64(3), 10**400],
     [True, np.True_, "1", float("nan"), float("inf"), 0, -1, None, np.array(1.0), 1 + 0j]),
    (C.POSITIVE_INT, [1, np.int64(5), 10**400], [1.0, True, 0, -3, "2", None, 2.5]),
    (C.FRACTION, [0, 0.0, 0.999], [1, 1.0, -0.1, float("nan")]),
    (C.BOOL, [True, False, np.bool_(False)], [1, 0, "True", None]),
    (C.REDUCTIONS, ["mean", np.str_("sum"), "none"], ["MEAN", ["mean"], 1, None, "mean ", b"mean"]),
    (C.Options(0, 1, 2), [0, 1, 2], [True, False, 1.0, "1"]),
    (C.SEED, [None, 0, 7, np.int64(3), np.random.default_rng(0)], [-1, 1.5, True, "0", np.random.RandomState(0)]),
    (C.SequenceOf(C.FRACTION, length=2), [(0.9, 0.999), [0, 0.5]], [(0.9,), (0.9, 1.0), "ab", (0.9, 0.9, 0.9)]),
    (C.CALLABLE, [len, lambda x: x, gl.nn.ReLU()], [None, 5, "f"]),
])
def test_accepts(constraint, good, bad):
    for v in good:
        assert constraint.accepts(v), (constraint, v)
    for v in bad:
        assert not constraint.accepts(v), (constraint, v)


def _every_constraint():
    named = {name: c for name, c in vars(C).items() if isinstance(c, C.Constraint)}
    for key, d in DECLARED.items():
        for param, c in d.constraints.items():
            named[f"{key}({param})"] = c
    return named


@pytest.mark.parametrize("name, constraint", sorted(_every_constraint().items(), key=lambda kv: kv[0]))
def test_every_constraint_has_invalid_examples_and_refuses_them(name, constraint):
    examples = constraint.invalid_examples()
    assert examples, f"{name} gives no invalid example"
    for v in examples:
        assert not constraint.accepts(v), (name, v)


def test_numbers_refuse_bools_and_nan_ints_refuse_floats():
    for c in (C.POSITIVE_FLOAT, C.FINITE, C.PROBABILITY, C.POSITIVE_INT, C.INT):
        examples = [repr(v) for v in c.invalid_examples()]
        assert "True" in examples and "nan" in examples and "'1'" in examples, (c, examples)
    assert "1.0" in [repr(v) for v in C.POSITIVE_INT.invalid_examples()]  # an int is asked: 1.0 is refused
    assert {"inf", "-inf"} <= {repr(v) for v in C.POSITIVE_FLOAT.invalid_examples()}
    assert {"0", "-1"} <= {repr(v) for v in C.POSITIVE_FLOAT.invalid_examples()}  # the open bound and below it
    assert "16" in [repr(v) for v in C.PRECISION.invalid_examples()]
    assert {"'MEAN'", "'mea'"} <= {repr(v) for v in C.REDUCTIONS.invalid_examples()}  # near misses


def test_the_one_template():
    assert str(C.refusal("SGD", "lr", -1, C.POSITIVE_FLOAT)) == \
        "The 'lr' parameter of SGD must be a finite number > 0. Got -1."
    e = C.refusal("f", "x", "a" * 1000, "a short string", note="Strings are cut.")
    assert isinstance(e, gl.ParameterError) and str(e).endswith("aaa'. Strings are cut.") and len(str(e)) < 300
    assert "aaa ... aaa" in str(e)
    with pytest.raises(gl.ParameterError, match=r"^The 'n' parameter of f must be an int ≥ 1\. Got 0\.$"):
        C.check("f", "n", 0, C.POSITIVE_INT)
    assert C.check("f", "n", 3, C.POSITIVE_INT) == 3


def test_messages_name_the_class_being_built_and_keep_their_explanations():
    with pytest.raises(gl.ParameterError, match=r"^The 'reduction' parameter of MSELoss must be one of 'mean', "
                                                r"'sum', 'none'\. Got 'avg'\.$"):
        gl.nn.MSELoss("avg")
    with pytest.raises(gl.ParameterError, match=r"^The 'lr' parameter of Adam must be a finite number > 0"):
        gl.optim.Adam([gl.tensor([1.0], requires_grad=True)], lr=float("nan"))
    with pytest.raises(gl.InputTypeError) as info:
        gl.check_grad(5, np.ones(2))
    assert str(info.value) == ("The 'f' parameter of check_grad must be a function of Tensors returning a Tensor "
                               "(such as lambda x: gl.sum(x * x)). Got int 5.")


def test_declaring_a_parameter_the_function_lacks_is_an_error():
    with pytest.raises(TypeError, match="no parameter 'lr'"):
        C.declare(lr=C.POSITIVE_FLOAT)(lambda rate: rate)


def test_a_declared_function_keeps_its_signature_and_name():
    assert list(inspect.signature(gl.data.moons).parameters) == ["n_samples", "noise", "seed"]
    assert gl.data.moons.__name__ == "moons" and "half circles" in gl.data.moons.__doc__


# ---------------------------------------------------------------- every declared entry point

def _tensor():
    return gl.tensor([1.0, 2.0], requires_grad=True)


# a valid value for each required parameter (by name; per entry point where the name means different things)
VALID = {
    "conv_layer_or_model": lambda: gl.nn.Conv2d(1, 2, 3),
    "in_features": 2, "out_features": 1, "sizes": lambda: [2, 3, 1],
    "params": lambda: [_tensor()],
    "lr": 0.1,
    "optimizer": lambda: gl.optim.SGD([_tensor()], lr=0.1),
    "step_size": 2, "gamma": 0.5, "T_max": 10,
    "f": lambda: (lambda x: gl.sum(x * x)),
    "seed": 0,
    "shape": (3, 2),
    "layout": "denominator", "precision": 4, "check": "raise",
    "model": lambda: gl.nn.Sequential(gl.nn.Linear(2, 1), gl.nn.Sigmoid()),
    "x": lambda: np.array([1.0, 2.0]),
    "y": lambda: np.array([0, 1, 1, 0]),
    "X": lambda: np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
    "loss_fn": "mse",
    "name": "relu",
    "root": lambda: _tensor() * 2.0,
    "graph_explanation": lambda: types.SimpleNamespace(nodes=[], output=None),
    "path": "picture.png",
    "before": lambda: [(np.ones((1, 2)), np.zeros(1))],
    "weights": lambda: [np.zeros(3)],
    "history": lambda: {"loss": [1.0, 0.5]},
    "text": "<p>hello</p>",
    "title": "A report",
    "blocks": lambda: [("text", "hello")],
    "explanation": None,
    # layers (issue 19)
    "in_channels": 2, "out_channels": 4, "kernel_size": 3, "output_size": 2, "num_features": 3,
    "normalized_shape": 3, "num_embeddings": 5, "embedding_dim": 2, "dim": 1, "unflattened_size": (2, 2),
    # optim part of issue 19
    "dataset": lambda: gl.data.TensorDataset(np.zeros((4, 2))),
    "parameters": lambda: [_tensor()], "max_norm": 1.0, "clip_value": 1.0, "max_lr": 0.1,
}
_FIT_MODEL = gl.nn.Sequential(gl.nn.Linear(2, 1, rng=0))
PER_ENTRY = {
    "gradlab.train.loop.fit": {"model": lambda: _FIT_MODEL, "loss_fn": lambda: gl.nn.MSELoss(),
                               "optimizer": lambda: gl.optim.SGD(_FIT_MODEL.parameters(), lr=0.1),
                               "y": lambda: np.array([0.0, 1.0, 1.0, 0.0]), "epochs": 1, "verbose": 0},
    "gradlab.explainer.api.explain": {"y": lambda: np.array([0.3]), "model": lambda: [(np.array([[0.5, -0.3]]),
                                                                                          np.array([0.1]), "sigmoid")]},
    "gradlab.io.model_file.load": {"path": "model.safetensors"},
    "gradlab.ops.api_creation.randint": {"low": 5},
    "gradlab.grading.api.grade": {"reference": lambda: gl.explain([(np.array([[0.5, -0.3]]), np.array([0.1]),
                                                                    "sigmoid")], [1.0, 2.0], [1.0], "bce"),
                                  "answers": lambda: {"loss": 0.1}},
    "gradlab.viz.report.Report.write": {"path": "report.html"},
    "gradlab.viz.report.write_html": {"path": "report.html"},
    "gradlab.viz.report.write_report": {"path": "report.html"},
    "gradlab.viz.report.explanation_report": {"path": "report.html"},
}
INSTANCES = {"gradlab.viz.report.Report.write": lambda: gl.viz.report.Report("A report")}  # for declared methods


def _resolve(key, function):
    """(what to call, its expected owner name) for each way users reach a declaration."""
    module = importlib.import_module(function.__module__)
    parts = function.__qualname__.split(".")
    if len(parts) == 1:
        return [(function, function.__name__)]
    cls = module
    for part in parts[:-1]:
        cls = getattr(cls, part)
    if parts[-1] == "__init__":
        classes, todo = [], [cls]
        while todo:  # the class and every gradlab subclass that inherits this __init__
            c = todo.pop()
            if c is cls or ("__init__" not in vars(c) and c.__module__.startswith("gradlab.")):
                classes.append(c)
                todo += c.__subclasses__()
        return [(c, c.__name__) for c in classes]
    instance = INSTANCES[key]()
    return [(getattr(instance, parts[-1]), f"{type(instance).__name__}.{parts[-1]}")]


def _value(table, name):
    v = table[name]
    return v() if callable(v) and isinstance(v, types.FunctionType) else v


def _valid_arguments(key, function):
    """{parameter: valid value} for every parameter without a default (the defaults stand for the rest)."""
    table = {**VALID, **PER_ENTRY.get(key, {})}
    args = {}
    for p in list(inspect.signature(function).parameters.values()):
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty:
            continue
        assert p.name in table, f"add a valid value for the required parameter {p.name!r} of {key} to VALID"
        args[p.name] = _value(table, p.name)
    return args


def _cases():
    for key, d in sorted(DECLARED.items()):
        for param, constraint in d.constraints.items():
            for k, bad in enumerate(constraint.invalid_examples()):
                yield pytest.param(key, param, k, id=f"{key}-{param}-{k}")


def _frames(tb):
    while tb is not None:
        yield tb.tb_frame.f_code
        tb = tb.tb_next


def _call(target, function, args, param, bad, by_position):
    names = [p.name for p in inspect.signature(function).parameters.values() if p.name != "self"]
    params = inspect.signature(function).parameters
    kwargs = {**args, param: bad}
    if by_position and params[param].kind == params[param].POSITIONAL_OR_KEYWORD:
        upto = names.index(param) + 1
        positional = []
        for name in names[:upto]:
            p = params[name]
            positional.append(kwargs.pop(name) if name in kwargs else p.default)
        return target(*positional, **kwargs)
    return target(**kwargs)


@pytest.mark.parametrize("key, param, k", list(_cases()))
def test_every_declared_entry_point_refuses_every_invalid_example_before_any_work(key, param, k):
    d = DECLARED[key]
    constraint = d.constraints[param]
    bad = constraint.invalid_examples()[k]
    args = _valid_arguments(key, d.function)
    body = d.function.__wrapped__.__code__
    for target, owner in _resolve(key, d.function):
        for by_position in (False, True):
            with pytest.raises(gl.GradlabError) as info:
                _call(target, d.function, args, param, bad, by_position)
            message = str(info.value)
            want = (f"The {param!r} parameter of {d.owner or owner} must be {constraint.text}. "
                    f"Got {constraint.show(bad)}.")
            assert message == want, (target, by_position)
            assert isinstance(info.value, constraint.error)
            assert body not in set(_frames(info.value.__traceback__)), f"{key} ran its body before refusing {bad!r}"


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_defaults_and_the_valid_values_used_here_are_accepted(key):
    d = DECLARED[key]
    values = {p.name: p.default for p in inspect.signature(d.function).parameters.values() if p.default is not p.empty}
    values.update(_valid_arguments(key, d.function))
    for param, constraint in d.constraints.items():
        assert constraint.accepts(values[param]), (key, param, values[param], constraint.text)


# ---------------------------------------------------------------- checks inside a body, from named tables

def test_the_explainer_conventions_refuse_what_their_table_refuses():
    from gradlab.explainer.trace import CONVENTIONS, Conventions

    for field, constraint in CONVENTIONS.items():
        for bad in constraint.invalid_examples():
            with pytest.raises(gl.ParameterError) as info:
                Conventions(**{field: bad})
            assert str(info.value) == f"The {field!r} parameter of explain must be {constraint.text}. " \
                                      f"Got {constraint.show(bad)}."


def test_the_training_command_refuses_what_its_table_refuses_before_loading_data():
    from gradlab.app.train import SPEC, TrainSpec, prepare

    for field, constraint in SPEC.items():
        for bad in constraint.invalid_examples():
            with pytest.raises(gl.ParameterError, match=re.escape(f"The {field!r} parameter of train must be "
                                                                  f"{constraint.text}. Got ")):
                prepare(TrainSpec(data="no-such-dataset", **{field: bad}))


CONVERTED = ["optim", "data", "io", "viz", "check", "nn/activations.py", "nn/losses.py", "nn/init.py",
             "nn/interop.py", "transforms.py", "explainer/api.py", "explainer/trace.py", "explainer/explanation.py",
             "app/train.py"]
NOT_THE_TEMPLATE = ("'half' parameter of explain applies",  # a condition on two parameters, said in its own words
                    "'view' parameter of Explanation.render")  # the views' registry: to be converted with the views


def _hand_written(line):
    return "check_param(" in line or (re.search(r"The .{1,30} parameter of ", line) is not None
                                      and not any(s in line for s in NOT_THE_TEMPLATE))


def test_converted_modules_have_no_hand_written_template():
    src = pathlib.Path(gl.__file__).parent
    files = [f for name in CONVERTED for f in ((src / name).glob("*.py") if (src / name).is_dir() else [src / name])]
    offenders = [f"{f.relative_to(src)}: {line.strip()[:80]}" for f in files
                 for line in f.read_text(encoding="utf-8").splitlines()
                 if _hand_written(line)]
    assert not offenders, "use gradlab.core.constraints (declare, check or refusal):\n" + "\n".join(offenders)
