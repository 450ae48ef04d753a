"""The cells of each notebook of Notebooks-export/, one module per notebook (see make_notebooks.py).

Each module has NAME (the notebook's file name without .ipynb) and CELLS, a list of
("markdown" | "code", source) pairs.
"""
