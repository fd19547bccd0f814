import pytest

pytest.importorskip("matplotlib", reason="the pictures need matplotlib (gradlab[plot])")
