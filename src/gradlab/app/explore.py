"""The explore job: ``gradlab explore`` as a typed function (the web app itself is :mod:`gradlab.explore`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import ParameterError
from ..web import serve
from ..web.state import parse_state, state_of
from ..web.training import DATASETS
from .explain import ExplainJob, build_explanation


@dataclass
class ExploreJob:
    """Every option of ``gradlab explore``."""

    example: str | None = None
    variant: str | None = None
    model: str | None = None
    input: str | None = None
    target: str | None = None
    loss: str | None = None
    lr: float | None = None
    data: str | None = None
    port: int | None = None
    no_browser: bool = False


def run_explore(job: ExploreJob, say=print):
    """Serve the explorer until Ctrl-C, starting from the example or the saved model's step."""
    initial = None
    if job.model or job.example:
        if job.example == "perceptron":
            raise ParameterError("the explorer shows layered networks; the perceptron rule is in `gradlab explain "
                                 "perceptron`")
        exp = build_explanation(ExplainJob(example=job.example, variant=job.variant, model=job.model,
                                           input=job.input, target=job.target, loss=job.loss, lr=job.lr))
        initial = parse_state(state_of(exp))  # refused before the server starts if the page could not show it
    if job.data is not None and job.data not in DATASETS:
        raise ParameterError(f"--data must be one of {', '.join(DATASETS)}; got {job.data!r}")
    return serve(initial, port=job.port, open_browser=not job.no_browser, say=say, data=job.data)
