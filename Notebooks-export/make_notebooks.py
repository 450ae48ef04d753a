"""Writes the notebooks of Notebooks-export/ from their cells, executes them and exports HTML.

    python make_notebooks.py --bin PATH_TO_SCENGINE            write, execute, export all
    python make_notebooks.py --bin PATH_TO_SCENGINE --check    execute all, write nothing
    python make_notebooks.py --bin PATH_TO_SCENGINE --only 03-stress-testing

Each notebook is kept as source in notebook_cells/ (one module per notebook: cells as plain
text), written as .ipynb, executed in a fresh kernel from the repository root (so the outputs it
shows are this engine's), and exported to html/. The executed .ipynb files are committed so that
they render without running anything.

--check executes every notebook the same way and fails (exit 1) on any cell error, without
rewriting the committed .ipynb and HTML files; it also fails when a committed notebook's cells
differ from their source here (run without --check to regenerate). The engine runs still go to
out/notebooks/.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from notebook_cells import backtest, calibrate, columnar, quickstart, stress  # noqa: E402

NOTEBOOKS = {m.NAME: m.CELLS for m in (quickstart, backtest, stress, columnar, calibrate)}


def notebook_of(cells):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell(text) if kind == "markdown"
                      else nbformat.v4.new_code_cell(text) for kind, text in cells]
    return notebook


def execute(notebook, binary):
    os.environ["SCENGINE_BIN"] = str(binary)
    os.environ.setdefault("MPLBACKEND", "Agg")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()


def build(name, cells, binary):
    notebook = notebook_of(cells)
    execute(notebook, binary)
    nbformat.write(notebook, HERE / f"{name}.ipynb")
    html, _ = HTMLExporter().from_notebook_node(notebook)
    (HERE / "html").mkdir(exist_ok=True)
    (HERE / "html" / f"{name}.html").write_text(html)
    print(f"wrote Notebooks-export/{name}.ipynb and html/{name}.html")


def check(name, cells, binary):
    """Problems of one notebook: a cell error, or committed cells that differ from the source."""
    problems = []
    committed = HERE / f"{name}.ipynb"
    if not committed.exists():
        problems.append(f"{committed.name} is not committed (run make notebooks)")
    else:
        saved = [(c["cell_type"], c["source"]) for c in nbformat.read(committed, 4).cells]
        if saved != list(cells):
            problems.append(f"{committed.name} differs from notebook_cells/ (run make notebooks)")
    try:
        execute(notebook_of(cells), binary)
    except CellExecutionError as error:
        problems.append(f"{name}: a cell failed:\n{error}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, type=Path, help="the scengine executable")
    parser.add_argument("--check", action="store_true",
                        help="execute every notebook and fail on a cell error; write nothing")
    parser.add_argument("--only", action="append", choices=sorted(NOTEBOOKS), metavar="NAME",
                        help="only this notebook (repeatable)")
    args = parser.parse_args()
    binary = args.bin.resolve()
    if not os.access(binary, os.X_OK):
        parser.error(f"{binary} is not an executable")
    failures = []
    for name, cells in NOTEBOOKS.items():
        if args.only and name not in args.only:
            continue
        start = time.monotonic()
        if args.check:
            problems = check(name, cells, binary)
            failures += problems
            print(f"{'FAILED' if problems else 'ok'}  {name}  {time.monotonic() - start:.1f} s",
                  flush=True)
        else:
            build(name, cells, binary)
    for problem in failures:
        print(problem, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
