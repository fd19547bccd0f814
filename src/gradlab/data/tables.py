"""Real tables read from the files scikit-learn ships (nothing is downloaded).

Each loader returns ``(X, y)``: ``X`` float64 of shape (N, features), ``y``
int64 class labels of shape (N,). scikit-learn is an optional dependency
(``pip install 'gradlab[datasets]'``): its data files are located and read
with NumPy, without importing it (which takes seconds); its absence raises
:class:`~gradlab.MissingExtraError`.

========================  ======  ========  =======
table                     N       features  classes
========================  ======  ========  =======
iris                      150     4         3
digits (8×8 images, 0-16) 1797    64        10
breast_cancer             569     30        2
wine                      178     13        3
========================  ======  ========  =======
"""

from __future__ import annotations

import gzip
import importlib.util
import os

import numpy as np

from ..core.errors import require

# table -> (file in sklearn/datasets/data, whether its first line is a "N,features,class names" header)
FILES = {
    "iris": ("iris.csv", True),
    "digits": ("digits.csv.gz", False),
    "breast_cancer": ("breast_cancer.csv", True),
    "wine": ("wine_data.csv", True),
}


def _data_file(name):
    """Path of the file scikit-learn ships for table ``name``, found without importing scikit-learn.

    Importing scikit-learn takes seconds (it loads SciPy); its data files are
    plain CSV, so they are located through the package's import spec and
    read with NumPy. Without scikit-learn, ``require`` raises
    MissingExtraError naming ``gradlab[datasets]``.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        require("sklearn", "datasets")  # raises MissingExtraError naming the extra
    filename = FILES[name][0]
    for location in spec.submodule_search_locations:
        path = os.path.join(location, "datasets", "data", filename)
        if os.path.isfile(path):
            return path
    return None


def _read_table(name):
    """(X float64 (N, features), y int64 (N,)): every column but the last, and the last as labels."""
    path = _data_file(name)
    if path is None:  # a scikit-learn whose files moved: use its own loader
        return _from_sklearn_loader(name)
    has_header = FILES[name][1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", skiprows=1 if has_header else 0, dtype=np.float64)
    return np.ascontiguousarray(table[:, :-1]), table[:, -1].astype(np.int64)


def _from_sklearn_loader(name):
    require("sklearn", "datasets")
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, f"load_{name}")()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


def iris():
    """Fisher's iris flowers: X (150, 4) sepal/petal length and width in cm, y (150,) in 0..2."""
    return _read_table("iris")


def digits():
    """Handwritten digits: X (1797, 64) 8×8 images flattened row by row, pixel values 0..16; y (1797,) in 0..9."""
    return _read_table("digits")


def breast_cancer():
    """Wisconsin breast cancer: X (569, 30) cell-nucleus measurements, y (569,) 0 = malignant, 1 = benign."""
    return _read_table("breast_cancer")


def wine():
    """Wine recognition: X (178, 13) chemical analyses, y (178,) cultivar in 0..2."""
    return _read_table("wine")
