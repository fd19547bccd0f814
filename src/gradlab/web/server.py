"""Running the explorer: uvicorn on 127.0.0.1 with a random token, in the foreground or in a thread.

:func:`serve` blocks until Ctrl-C (``gradlab explore``); :func:`start` runs the
server in a background thread and returns an :class:`ExplorerServer`
(``gl.explore`` and the tests), which displays inline in Jupyter.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import webbrowser

from ..core.errors import ParameterError
from .app import create_app

HOST = "127.0.0.1"


def free_port(host=HOST):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _config(app, host, port):
    import uvicorn  # noqa: PLC0415 - the web server loads only when an explorer starts

    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


class ExplorerServer:
    """A running explorer: ``url`` (with its token), ``stop()``; shown as an inline frame in Jupyter."""

    def __init__(self, server, thread, url):
        self.server, self.thread, self.url = server, thread, url

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=5)

    def _repr_html_(self):
        return (f'<iframe src="{self.url}" width="100%" height="820" style="border:1px solid #ddd"></iframe>'
                f'<p><a href="{self.url}" target="_blank">open gradlab explore in its own tab</a></p>')

    def __repr__(self):
        return f"<gradlab explore at {self.url}>"


def _url(host, port, token):
    return f"http://{host}:{port}/?token={token}"


def start(initial=None, port=None, host=HOST, token=None, data=None):
    """Start an explorer in a background thread; returns an :class:`ExplorerServer` once it answers."""
    import uvicorn  # noqa: PLC0415 - see _config

    token = token or secrets.token_urlsafe(24)
    port = port or free_port(host)
    server = uvicorn.Server(_config(create_app(token, initial, data), host, port))
    thread = threading.Thread(target=server.run, name="gradlab-explore", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ParameterError(f"explore: the server could not start on {host}:{port} (is the port in use?)")
        time.sleep(0.02)
    return ExplorerServer(server, thread, _url(host, port, token))


def serve(initial=None, port=None, host=HOST, open_browser=True, say=print, data=None):
    """Run an explorer in the foreground until Ctrl-C; prints its address (with the token)."""
    import uvicorn  # noqa: PLC0415 - see _config

    token = secrets.token_urlsafe(24)
    port = port or free_port(host)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, port))
    except OSError as exc:
        raise ParameterError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror})") from None
    url = _url(host, port, token)
    say(f"gradlab explore: open {url}  (Ctrl-C stops it)")
    if open_browser:
        threading.Timer(0.8, lambda: webbrowser.open(url)).start()
    server = uvicorn.Server(_config(create_app(token, initial, data), host, port))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0
