"""gradlab explore: the network, every number of its step and live training, in the browser.

``gl.explore(model, x, y, loss)`` starts the explorer on a network (in
Jupyter it shows inline); ``gradlab explore`` does the same from the command
line. The page is served by Starlette and uvicorn on 127.0.0.1 with a random
token; every number on it is computed by the library (see
docs/explore.md and docs/explore-contract.md).
"""

from __future__ import annotations

from ..explainer import explain
from .server import ExplorerServer, serve, start
from .state import parse_state, state_of


def explore(model=None, x=None, y=None, loss=None, *, lr=None, port=None, open_browser=None, **conventions):
    """Start the explorer on ``model`` (as :func:`gradlab.explain` takes it) with input x, target y and ``loss``.

    Args:
        model, x, y, loss, lr, **conventions: as for ``gl.explain``; with no
            model the explorer opens on the course example.
        port: the port (default: a free one).
        open_browser: open a browser tab (default: yes outside Jupyter).

    Returns:
        An :class:`ExplorerServer` (``.url``, ``.stop()``), displayed inline in Jupyter.
    """
    initial = None
    if model is not None:
        initial = parse_state(state_of(explain(model, x, y, loss, lr=lr, **conventions)))  # refused here if the
        # page could not show it (more than 6 layers, 16 neurons, 64 samples)
    srv = start(initial, port=port)
    if open_browser is None:
        try:
            from IPython import get_ipython  # noqa: PLC0415 - only to tell a notebook from a script

            open_browser = get_ipython() is None
        except ImportError:
            open_browser = True
    if open_browser:
        import webbrowser  # noqa: PLC0415

        webbrowser.open(srv.url)
    return srv


__all__ = ["explore", "ExplorerServer", "serve", "start"]
