"""The scalar view tags the line that computes each number of the answer sheet with its entry name."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.explainer.document import Eq
from gradlab.explainer.examples import example
from gradlab.grading import sheet_names

CASES = {
    "course": lambda: example("course"),
    "relu-mse": lambda: example("relu-mse"),
    "two-layer": lambda: example("two-layer"),
    "softmax-ce-batch": lambda: gl.explain([(np.array([[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]]), np.zeros(3), "tanh"),
                                            (np.array([[0.3, -0.2, 0.1], [0.1, 0.1, -0.3], [0.2, 0.5, 0.4]]),
                                             np.array([0.1, 0.0, -0.1]), "identity")],
                                           [[1.0, 2.0], [0.5, -1.0]], [2, 0], "cross_entropy", lr=0.5),
    "softmax-layer-shared-bias": lambda: gl.explain([(np.array([[0.2, -0.1], [0.4, 0.3]]), 0.1, "softmax")],
                                                    [1.0, 2.0], [1.0, 0.0], "mse", lr=0.1, shared_bias=True),
    "logits-no-bias-frozen": lambda: gl.explain([(np.array([[0.5, -0.3]]), None, "identity")], [1.0, 2.0], [1.0],
                                                "bce_with_logits", lr=0.1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_sheet_entry_has_exactly_one_tagged_line(case):
    exp = CASES[case]()
    tags = [b.entry for b in exp.view("scalar").blocks if isinstance(b, Eq) and b.entry]
    assert sorted(tags) == sorted(sheet_names(exp))


def test_the_html_of_the_scalar_view_carries_the_entry_names():
    html = example("course").render("html", view="scalar")
    assert html.count('class="eq" data-entry="') == 60
    assert 'data-entry="dW[2][1,2]"' in html and 'data-entry="loss"' in html
