"""The LaTeX --standalone output compiles; the HTML output renders in headless Chromium."""

import contextlib
import io
import json
import os
import shutil
import subprocess

import pytest

from gradlab.cli import main


def produce(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *args]) == 0
    return out.getvalue()


LATEX_CASES = [("course",), ("two-layer", "--view", "matrix", "--layout", "numerator"),
               ("relu-mse", "--view", "matrix"), ("course", "--view", "graph"), ("perceptron", "--variant", "xor")]


@pytest.mark.parametrize("args", LATEX_CASES, ids=[" ".join(a) for a in LATEX_CASES])
def test_latex_standalone_structure(args):
    tex = produce(*args, "--format", "latex", "--standalone")
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.isascii(), "pdflatex input must be ASCII"
    assert tex.count(r"\[") == tex.count(r"\]") and tex.count("{") == tex.count("}")
    assert tex.count(r"\begin{bmatrix}") == tex.count(r"\end{bmatrix}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
@pytest.mark.parametrize("args", LATEX_CASES[:3], ids=[" ".join(a) for a in LATEX_CASES[:3]])
def test_latex_standalone_compiles(args, tmp_path):
    (tmp_path / "doc.tex").write_text(produce(*args, "--format", "latex", "--standalone"), encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


PROBE = """
<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
window.addEventListener('load', function () {
  var maths = Array.prototype.slice.call(document.querySelectorAll('math'));
  var sizes = maths.map(function (m) { var r = m.getBoundingClientRect(); return [r.width, r.height]; });
  var tables = document.querySelectorAll('math mtable').length;
  var mtableRect = tables ? document.querySelector('math mtable').getBoundingClientRect() : {width: 0, height: 0};
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({count: maths.length, sizes: sizes, errors: window.__errors,
                                    tables: tables, mtable: [mtableRect.width, mtableRect.height]});
  document.body.appendChild(pre);
});
</script>
"""


def _chromium_args(profile):
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}"]


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("args", [("course",), ("two-layer", "--view", "matrix")], ids=["course", "two-layer"])
def test_html_renders_in_headless_chromium(args, tmp_path):
    html = produce(*args, "--format", "html")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/1998/Math/MathML", "")
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    exe = _chromium()
    env = dict(os.environ, HOME=str(tmp_path))
    shot = tmp_path / "shot.png"
    run = subprocess.run([exe, *_chromium_args(tmp_path / "p1"), f"--screenshot={shot}", "--window-size=1200,2000",
                          "--enable-logging=stderr", "--v=0", page.as_uri()],
                         capture_output=True, text=True, timeout=120, env=env)
    assert shot.exists() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    console_errors = [line for line in run.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]
    assert not console_errors, console_errors
    dom = subprocess.run([exe, *_chromium_args(tmp_path / "p2"), "--dump-dom", "--virtual-time-budget=5000",
                          probed.as_uri()], capture_output=True, text=True, timeout=120, env=env)
    start = dom.stdout.find('<pre id="probe">')
    assert start >= 0, dom.stderr[-2000:]
    report = json.loads(dom.stdout[start + len('<pre id="probe">'):dom.stdout.find("</pre>", start)]
                        .replace("&quot;", '"').replace("&amp;", "&"))
    assert report["errors"] == []
    assert report["count"] > 10
    assert all(w > 0 and h > 0 for w, h in report["sizes"]), report["sizes"][:5]
    if "matrix" in args:
        assert report["tables"] > 5 and report["mtable"][0] > 0 and report["mtable"][1] > 0
