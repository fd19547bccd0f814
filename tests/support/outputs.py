"""Checks of the explainer's outputs for real: the LaTeX compiles with pdflatex, the HTML renders in Chromium."""

import contextlib
import io
import json
import os
import subprocess

from gradlab.cli import main

from .browser import chromium_args as _chromium_args
from .browser import chromium_path as _chromium


def produce(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *args]) == 0
    return out.getvalue()


def assert_latex_compiles(args, tmp_path):
    """`gradlab explain ARGS --format latex --standalone` compiles with pdflatex."""
    (tmp_path / "doc.tex").write_text(produce(*args, "--format", "latex", "--standalone"), encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


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


def assert_html_renders(args, tmp_path):
    """`gradlab explain ARGS --format html` renders in headless Chromium: no console errors, math laid out."""
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
