"""The committed notebooks of Notebooks-export/ were executed and show their results."""

import ast
import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[2] / "Notebooks-export"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED = ["01-quickstart", "02-backtest-on-synthetic-paths", "03-stress-testing", "04-columnar",
            "05-calibrate-validate"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "Notebooks-export/ holds no notebook"


def test_the_committed_notebooks_are_those_of_the_sources():
    """Every notebook of notebook_cells/ (its NAME) is committed, and no other."""
    names = []
    for module in sorted((FOLDER / "notebook_cells").glob("*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["NAME"]:
                names.append(node.value.value)
    assert sorted(names) == EXPECTED
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_without_errors(path):
    notebook = json.loads(path.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# "), \
        f"{path.name} does not open with a markdown cell saying what it shows"
    for i, cell in enumerate(code):
        assert cell.get("execution_count") is not None, f"{path.name}: code cell {i} never ran"
        assert not any(o["output_type"] == "error" for o in cell["outputs"]), \
            f"{path.name}: code cell {i} failed"
    assert any("image/png" in o.get("data", {}) for c in code for o in c["outputs"]), \
        f"{path.name} shows no figure"
    html = path.parent / "html" / (path.stem + ".html")
    assert html.exists(), f"{html} is missing: run make notebooks"
