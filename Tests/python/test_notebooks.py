"""The committed notebooks of Notebooks-export/ were executed and show their results."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "Notebooks-export").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "Notebooks-export/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_without_errors(path):
    notebook = json.loads(path.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    for i, cell in enumerate(code):
        assert cell.get("execution_count") is not None, f"{path.name}: code cell {i} never ran"
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), \
            f"{path.name}: code cell {i} failed"
    assert any("image/png" in o.get("data", {}) for c in code for o in c["outputs"]), \
        f"{path.name} shows no figure"
    html = path.parent / "html" / (path.stem + ".html")
    assert html.exists(), f"{html} is missing: run make notebooks"
