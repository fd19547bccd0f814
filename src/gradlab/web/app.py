"""The explorer's web app: Starlette routes over the library, guarded as a notebook server is.

:func:`create_app` returns the ASGI app: ``GET /`` (the page, with the token in
its URL), ``/static/…`` (its script and style), ``/explainer.css`` (the
explainer's own stylesheet for the views it renders) and the JSON API of
docs/explore-contract.md under ``/api/``. Every number comes from the library
(``gl.explain``, ``gl.grade``, the nn modules and SGD for live training).

Guards: the Host header must name this machine (127.0.0.1, localhost or ::1;
no DNS rebinding); every API call carries the session's random token
(``X-Gradlab-Token``) and, when the browser sends an Origin, that Origin is
this server; bodies are at most :data:`MAX_BODY` bytes; every field is checked
(:mod:`gradlab.web.state`); nothing is evaluated. An error in a request is
answered as JSON naming the field; the server never dies of one and prints no
traceback.
"""

from __future__ import annotations

import hmac
import json
import threading
import logging
import os
from collections import OrderedDict

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..core.errors import GradlabError
from ..explainer.examples import example
from ..explainer.network import supported_losses
from ..explainer.notation import fmt
from ..explainer.render.html import CSS, body_html
from ..grading import grade
from ..grading.sheet import sheet_for
from ..grading.tolerance import parse_number
from ..ops import catalog
from .export import export
from .state import MAX_BATCH, MAX_LAYERS, MAX_WIDTH, FieldError, explanation_of, parse_state, state_of
from .training import DATASETS, Sessions
from .views import derivations_of, network_svg, steps_of

STATIC = os.path.join(os.path.dirname(__file__), "static")
MAX_BODY = 1 << 20
HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
log = logging.getLogger("gradlab.explore")


class Explorer:
    """The app's memory: the token, the starting state, recent explanations, live-training sessions."""

    def __init__(self, token, initial=None, data=None):
        self.token = token
        self.initial = initial
        self.data = data
        self.lock = threading.Lock()
        self.cache = OrderedDict()
        self.sessions = Sessions()

    def explanation(self, raw_state):
        state = parse_state(raw_state)
        key = json.dumps(state, sort_keys=True)
        with self.lock:
            if key in self.cache:
                self.cache.move_to_end(key)
                return state, self.cache[key]
        exp = explanation_of(state)
        with self.lock:
            self.cache[key] = exp
            while len(self.cache) > 16:
                self.cache.popitem(last=False)
        return state, exp

    # ------------------------------------------------------------ the API

    def examples(self, body):
        states = {name: state_of(example(name)) for name in ("course", "relu-mse", "two-layer")}
        if self.initial is not None:
            states = {"start": self.initial, **states}
        return {"examples": states, "datasets": list(DATASETS), "data": self.data,
                "limits": {"layers": MAX_LAYERS, "width": MAX_WIDTH, "batch": MAX_BATCH},
                "activations": sorted({k.name for k in catalog.ACTIVATION_KINDS.values()}),
                "losses": supported_losses()}

    def explain(self, body):
        state, exp = self.explanation(body.get("state"))
        cached = getattr(exp, "_explore_view", None)  # the same state again (a reload, a step back)
        if cached is not None:
            return cached
        exp._explore_view = self._view(state, exp)
        return exp._explore_view

    def _view(self, state, exp):
        sheet = sheet_for(exp)
        values = exp.to_dict().get("values", {})
        entries = [{"name": e.name, "label": e.label, "value": e.expected, "text": fmt(e.expected, exp.precision),
                    "kind": e.kind, "layer": e.layer, "index": list(e.index)} for e in sheet.entries]
        tr = exp.trace
        steps, matrix = steps_of(exp)
        for st in steps:  # the contract's matrix_html per step (the page may also read "matrix" once)
            st["matrix_html"] = "" if len(steps) > 40 else matrix.get(st["matrix"], "")
        return {"state": state, "values": values, "entries": entries, "steps": steps, "matrix": matrix,
                "graph_html": body_html(exp.view("graph"), exp.precision),
                "derivations": derivations_of(exp), "svg": network_svg(exp),
                "network": {"sizes": [tr.layer(1).n_in] + [tr.layer(l).n_out for l in range(1, tr.L + 1)],
                            "activations": [tr.act(l).name for l in range(1, tr.L + 1)],
                            "batch": None if tr.single else tr.m}}

    def grade(self, body):
        _, exp = self.explanation(body.get("state"))
        answers = body.get("answers") or {}
        if not isinstance(answers, dict) or len(answers) > 5000:
            raise FieldError("answers", "expected an object of entry names and numbers")
        answers = {str(k)[:120]: v for k, v in answers.items() if str(v).strip()}
        entries, bad = {}, []
        for name, text in list(answers.items()):  # a non-number is marked beside its cell, not refused as a sheet
            try:
                parse_number(text, where=name)
            except GradlabError as exc:
                bad.append({"name": name, "status": "wrong", "mistake": None, "message": str(exc)})
                answers.pop(name)
        report = grade(exp, answers)
        for e in report.entries:
            entries[e.name] = {"name": e.name, "status": e.status, "mistake": e.mistake, "message": e.message,
                               "alternatives": e.alternatives}
        return {"score": report.score, "max_score": report.max_score, "first_wrong": report.first_wrong,
                "entries": list(entries.values()) + bad}

    def train_start(self, body):
        sid, s = self.sessions.start(body)
        return {"session": sid, "points": [[float(a), float(b), int(c)] for (a, b), c in zip(s.X, s.y)],
                "extent": s.extent}

    def train_step(self, body):
        s = self.sessions.get(body.get("session"))
        n = body.get("steps", 5)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 200:
            raise FieldError("steps", "an integer from 1 to 200")
        points = s.steps(n)
        return {"step": s.step_no, "epoch": s.step_no * s.batch // len(s.X), "loss": points,
                "boundary": {"n": len(s.grid) and int(round(len(s.grid) ** 0.5)), "p": s.boundary()}}

    def train_explain(self, body):
        s = self.sessions.get(body.get("session"))
        step = body.get("step")
        if isinstance(step, bool) or not isinstance(step, int):
            raise FieldError("step", "an integer")
        return {"state": s.state_at(step)}

    def export(self, body):
        state, exp = self.explanation(body.get("state"))
        name, content = export(exp, state, body.get("format"))
        return {"filename": name, "content": content}


HANDLERS = {"examples": Explorer.examples, "explain": Explorer.explain, "grade": Explorer.grade,
            "train/start": Explorer.train_start, "train/step": Explorer.train_step,
            "train/explain": Explorer.train_explain, "export": Explorer.export}


def _forbidden(why):
    return PlainTextResponse(f"gradlab explore: {why}\n", status_code=403)


def create_app(token, initial=None, data=None):
    """The explorer's ASGI app; ``token`` guards it, ``initial`` is the state the page starts from (or None),
    ``data`` the dataset the page opens live training on (or None)."""
    ex = Explorer(token, initial, data)

    def token_ok(given):
        return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())

    async def page(request: Request):
        if not token_ok(request.query_params.get("token")):
            return _forbidden("open the address that `gradlab explore` printed (it holds the access token)")
        with open(os.path.join(STATIC, "explore.html"), encoding="utf-8") as f:
            return HTMLResponse(f.read(), headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def explainer_css(request: Request):
        return Response(CSS, media_type="text/css")

    async def api(request: Request):
        name = request.path_params["name"]
        if name not in HANDLERS:
            return JSONResponse({"ok": False, "errors": [{"field": "", "message": f"no API call {name!r}"}]},
                                status_code=404)
        if not token_ok(request.headers.get("x-gradlab-token")):
            return _forbidden("missing or wrong token")
        origin = request.headers.get("origin")
        if origin is not None and origin not in (f"http://{request.headers.get('host', '')}",):
            return _forbidden(f"requests from {origin[:60]!r} are not accepted")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return PlainTextResponse("gradlab explore: request body too large\n", status_code=413)
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return PlainTextResponse("gradlab explore: request body too large\n", status_code=413)
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            return JSONResponse({"ok": False, "errors": [{"field": "", "message": "the request is not JSON"}]})
        if not isinstance(body, dict):
            body = {}
        try:
            result = await run_in_threadpool(HANDLERS[name], ex, body)
            return JSONResponse({"ok": True, **result})  # inside the guard: a NaN cannot escape as a 500
        except FieldError as exc:
            return JSONResponse({"ok": False, "errors": [{"field": exc.field, "message": exc.message}]})
        except GradlabError as exc:
            field, _, message = str(exc).partition(": ")
            field = field if message and " " not in field else ""
            return JSONResponse({"ok": False, "errors": [{"field": field, "message": message or str(exc)}]})
        except Exception as exc:  # noqa: BLE001 - the server answers every request and keeps running
            log.error("gradlab explore: %s failed: %s: %s", name, type(exc).__name__, exc)
            return JSONResponse({"ok": False, "errors": [{"field": "", "message": f"internal error in {name}: "
                                                          f"{type(exc).__name__}"}]})

    routes = [Route("/", page), Route("/explainer.css", explainer_css),
              Route("/api/{name:path}", api, methods=["POST"]),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=HOSTS)])
    app.state.explorer = ex
    return app
