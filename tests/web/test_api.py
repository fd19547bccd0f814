"""The explorer's JSON API (docs/explore-contract.md), driven through Starlette's test client: every number is the
library's, every bad field is named, the guards hold."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the explorer needs starlette (pip install gradlab[explore])")
from starlette.testclient import TestClient  # noqa: E402

import gradlab as gl  # noqa: E402
from gradlab.explainer.examples import example  # noqa: E402
from gradlab.web.app import create_app  # noqa: E402
from gradlab.web.state import state_of  # noqa: E402

TOKEN = "test-token-123"
HEADERS = {"X-Gradlab-Token": TOKEN}


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(TOKEN), base_url="http://127.0.0.1:8765")


def post(client, name, body, **kw):
    r = client.post(f"/api/{name}", json=body, headers={**HEADERS, **kw.pop("headers", {})}, **kw)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def course_state():
    return state_of(example("course"))


def test_the_page_needs_its_token(client):
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    r = client.get(f"/?token={TOKEN}")
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_the_api_refuses_a_wrong_token_another_host_or_origin_and_big_bodies(client, course_state):
    assert client.post("/api/explain", json={"state": course_state}).status_code == 403
    assert client.post("/api/explain", json={}, headers={"X-Gradlab-Token": "nope"}).status_code == 403
    assert client.post("/api/explain", json={}, headers={**HEADERS, "Host": "evil.example"}).status_code == 400
    r = client.post("/api/explain", json={}, headers={**HEADERS, "Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/api/explain", content=b"{" + b" " * (2 << 20) + b"}", headers=HEADERS)
    assert r.status_code == 413


def test_explain_gives_the_library_numbers(client, course_state):
    d = post(client, "explain", {"state": course_state})
    exp = example("course")
    assert d["ok"] and d["network"]["sizes"] == [1, 2, 3, 1]
    assert np.allclose(d["values"]["a[2]"], exp["a[2]"]) and np.isclose(d["values"]["loss"], exp["loss"])
    assert [e["name"] for e in d["entries"]] == gl.grading.sheet_names(exp)
    assert {e["name"]: e["value"] for e in d["entries"]}["dW[2][1,2]"] == pytest.approx(exp["dW[2]"][1, 0])
    assert len(d["steps"]) == 17 and d["steps"][0]["title"] == "Forward pass · Layer 1"
    assert 'data-entry="z[1][1]"' in d["steps"][0]["scalar_html"]
    assert d["derivations"]["dW[2][1,2]"][:2] == ["delta[2][2]", "da[2][2]"]
    assert 'data-entry="W[2][1,2]"' in d["svg"] and 'data-entry="a[3][1]"' in d["svg"]


def test_an_edited_weight_changes_every_number_downstream_to_the_librarys(client, course_state):
    state = json.loads(json.dumps(course_state))
    state["layers"][1]["W"][0][0] = 0.7  # w₁₁⁽²⁾
    d = post(client, "explain", {"state": state})
    layers = [(np.array(L["W"]), np.array(L["b"]), L["activation"]) for L in state["layers"]]
    exp = gl.explain(layers, [2.0], [1.0], "bce", lr=0.1)
    assert np.isclose(d["values"]["y_hat"], exp["y_hat"]) and not np.isclose(exp["y_hat"], example("course")["y_hat"])
    for name in ("dW[1]", "dW[2]", "dW[3]", "db[1]", "W_new[2]"):
        assert np.allclose(d["values"][name], exp[name]), name


@pytest.mark.parametrize("path, value, field", [
    (("layers", 1, "W", 0, 0), "abc", "W[2][1,1]"),
    (("layers", 0, "b", 1), "1e999", "b[1][2]"),
    (("x", 0), None, "x[1]"),
    (("lr",), -1, "lr"),
    (("loss",), "hinge", "loss"),
])
def test_a_bad_field_is_named(client, course_state, path, value, field):
    state = json.loads(json.dumps(course_state))
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    d = post(client, "explain", {"state": state})
    assert not d["ok"] and d["errors"][0]["field"] == field, d


def test_a_million_neurons_is_refused_before_any_work(client, course_state):
    state = json.loads(json.dumps(course_state))
    state["layers"][0]["W"] = [[0.1]] * 1_000_000
    r = client.post("/api/explain", json={"state": state}, headers=HEADERS)
    assert r.status_code == 413 or (r.json()["ok"] is False and r.json()["errors"][0]["field"] == "W[1]")


def test_grade_marks_a_wrong_entry_with_its_mistake(client, course_state):
    d = post(client, "grade", {"state": course_state, "answers": {"delta[2][1]": "-0.0904", "z[1][1]": "0.3",
                                                                   "a[1][1]": "oops"}})
    by = {e["name"]: e for e in d["entries"]}
    assert by["delta[2][1]"]["status"] == "wrong" and by["delta[2][1]"]["mistake"] == "missing_derivative"
    assert by["z[1][1]"]["status"] == "correct"
    assert by["a[1][1]"]["status"] == "wrong" and "not a number" in by["a[1][1]"]["message"]


def test_live_training_and_the_explanation_of_a_past_step(client):
    d = post(client, "train/start", {"data": "moons", "layers": "2-8-1", "lr": 0.5, "batch": 16, "seed": 3})
    sid = d["session"]
    assert len(d["points"]) == 200 and len(d["extent"]) == 4
    losses = {}
    for _ in range(4):
        s = post(client, "train/step", {"session": sid, "steps": 5})
        losses.update({step: loss for step, loss in s["loss"]})
    assert s["step"] == 20 and len(s["boundary"]["p"]) == 40 and len(s["boundary"]["p"][0]) == 40
    state = post(client, "train/explain", {"session": sid, "step": 7})["state"]
    exp = post(client, "explain", {"state": state})
    assert exp["values"]["loss"] == pytest.approx(losses[7], rel=1e-12)  # the explanation is that exact step
    after = post(client, "train/explain", {"session": sid, "step": 8})["state"]
    for l, layer in enumerate(after["layers"], start=1):
        assert np.allclose(exp["values"][f"W_new[{l}]"], layer["W"], rtol=1e-12, atol=1e-14)
    bad = post(client, "train/start", {"data": "csv", "csv": "a,b,c\n1,2,x\n"})
    assert not bad["ok"] and bad["errors"][0]["field"] == "csv" and "not all numbers" in bad["errors"][0]["message"]


def test_exports_reproduce_the_step(client, course_state, tmp_path):
    html = post(client, "export", {"state": course_state, "format": "html"})
    assert html["filename"].endswith(".html") and "<html" in html["content"].lower()
    js = post(client, "export", {"state": course_state, "format": "json"})
    assert np.isclose(json.loads(js["content"])["values"]["loss"], example("course")["loss"])
    py = post(client, "export", {"state": course_state, "format": "py"})
    script = tmp_path / py["filename"]
    script.write_text(py["content"], encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ŷ = σ(1.2305) = 0.7739" in out.stdout and "L = " in out.stdout


def test_the_server_answers_every_request_even_nonsense(client):
    for body in ({}, {"state": []}, {"state": {"layers": "x"}}, {"session": "nope"}):
        for name in ("explain", "grade", "train/step", "train/explain", "export"):
            r = client.post(f"/api/{name}", json=body, headers=HEADERS)
            assert r.status_code == 200 and r.json()["ok"] is False, (name, body, r.text)
    assert client.post("/api/nothing", json={}, headers=HEADERS).status_code == 404
    r = client.post("/api/explain", content=b"not json", headers=HEADERS)
    assert r.json()["ok"] is False


def test_gl_explore_starts_a_server_that_shows_inline_in_jupyter():
    import urllib.request

    srv = gl.explore([(np.array([[0.5, -0.3]]), np.array([0.1]), "sigmoid")], [1.0, 2.0], [1.0], "bce", lr=0.1,
                     open_browser=False)
    try:
        assert srv.url.startswith("http://127.0.0.1:") and "token=" in srv.url
        assert f'src="{srv.url}"' in srv._repr_html_()
        page = urllib.request.urlopen(srv.url, timeout=10).read().decode()
        assert "gradlab explore" in page
        token = srv.url.split("token=")[1]
        req = urllib.request.Request(srv.url.split("/?")[0] + "/api/examples", data=b"{}",
                                     headers={"X-Gradlab-Token": token})
        start = json.loads(urllib.request.urlopen(req, timeout=10).read())["examples"]["start"]
        assert start["layers"][0]["W"] == [[0.5, -0.3]] and start["loss"] == "bce" and start["lr"] == 0.1
    finally:
        srv.stop()


def test_the_command_serves_until_interrupted(tmp_path):
    import signal
    import urllib.error
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "gradlab", "explore", "--no-browser", "--example", "relu-mse"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("gradlab explore: open http://127.0.0.1:"), line
        url = line.split("open ", 1)[1].split()[0]
        page = None
        for _ in range(100):
            try:
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                import time

                time.sleep(0.1)
        assert page and "gradlab explore" in page
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0] + "?token=bad", timeout=5)
        assert refused.value.code == 403
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_the_command_names_a_port_in_use(capsys):
    import socket

    from gradlab.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["explore", "--no-browser", "--port", str(port)]) == 2
    assert f"--port {port}: cannot listen" in capsys.readouterr().err
