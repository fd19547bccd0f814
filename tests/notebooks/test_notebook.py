"""The notebook tour runs in a fresh Jupyter kernel and every result displays richly (issue 20's acceptance)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

TOUR = Path(__file__).with_name("tour.ipynb")

# tag of the cell -> the MIME types its result must carry (one of them at least)
EXPECTED = {
    "model": {"text/html"},
    "fit": {"text/html"},
    "curves": {"image/png", "image/svg+xml"},
    "boundary": {"image/png", "image/svg+xml"},
    "explain": {"text/html", "text/latex"},
    "graph_view": {"text/html", "text/latex"},
    "derive": {"text/html", "text/latex"},
    "grade": {"text/html", "text/latex"},
    "draw_graph": {"image/svg+xml"},
    "draw_after_backward": {"image/svg+xml"},
    "tensor": {"text/html"},
}
ADDRESS = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]+>")


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The executed tour: a kernelspec named python3 that runs this interpreter, first on JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    spec.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (gradlab tests)", "language": "python"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        mp.delenv("MPLBACKEND", raising=False)
        nb = nbformat.read(TOUR, as_version=4)
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(root)}}
                                ).execute()
    return {cell.metadata["tags"][0]: cell for cell in nb.cells}


def _mimes(cell):
    return [set(o.get("data", {})) for o in cell.outputs if o.output_type in ("execute_result", "display_data")]


@pytest.mark.parametrize("tag", sorted(EXPECTED))
def test_tour_result_carries_its_rich_mime_type(tour, tag):
    results = _mimes(tour[tag])
    assert results, f"cell {tag!r} shows no result"
    assert EXPECTED[tag] & results[-1], f"cell {tag!r} shows only {sorted(results[-1])}"


def test_tour_shows_no_object_addresses_and_no_errors(tour):
    for tag, cell in tour.items():
        for out in cell.outputs:
            assert out.output_type != "error", f"cell {tag!r} raised {out.get('ename')}: {out.get('evalue')}"
            texts = [out.get("text", "")] + [v for k, v in out.get("data", {}).items() if k.startswith("text/")]
            for text in texts:
                assert not ADDRESS.search(str(text)), f"cell {tag!r} shows {ADDRESS.search(str(text)).group()}"


def test_tour_figures_display_once_without_matplotlib_inline(tour):
    for tag in ("curves", "boundary"):
        assert len(tour[tag].outputs) == 1, [o.output_type for o in tour[tag].outputs]


def test_tour_fit_progress_is_one_display_updated_in_place(tour):
    outputs = tour["fit"].outputs
    bars = [o for o in outputs if o.output_type == "display_data"]
    assert len(bars) == 1 and "gradlab-progress" in bars[0].data["text/html"]
    assert "30/30" in bars[0].data["text/html"]  # the last update, in the same output
    assert not any(o.output_type == "stream" and "Epoch" in o.text for o in outputs)


def test_tour_summary_lists_layers_with_output_shapes(tour):
    text = "".join(o.text for o in tour["summary"].outputs if o.output_type == "stream")
    assert "(batch, 8)" in text and "(batch, 1)" in text and "Total parameters: 33" in text
