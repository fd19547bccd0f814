"""Real tables read from the files scikit-learn ships (nothing is downloaded).

Each loader returns ``(X, y)``: ``X`` float64 of shape (N, features), ``y``
int64 class labels of shape (N,). scikit-learn is an optional dependency
(``pip install 'gradlab[datasets]'``); it is imported only when a table is
loaded, and its absence raises :class:`~gradlab.MissingExtraError`.

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

import numpy as np

from ..core.errors import require


def _sklearn_datasets():
    require("sklearn", "datasets")
    import sklearn.datasets

    return sklearn.datasets


def _as_xy(bunch):
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y


def iris():
    """Fisher's iris flowers: X (150, 4) sepal/petal length and width in cm, y (150,) in 0..2."""
    return _as_xy(_sklearn_datasets().load_iris())


def digits():
    """Handwritten digits: X (1797, 64) 8×8 images flattened row by row, pixel values 0..16; y (1797,) in 0..9."""
    return _as_xy(_sklearn_datasets().load_digits())


def breast_cancer():
    """Wisconsin breast cancer: X (569, 30) cell-nucleus measurements, y (569,) 0 = malignant, 1 = benign."""
    return _as_xy(_sklearn_datasets().load_breast_cancer())


def wine():
    """Wine recognition: X (178, 13) chemical analyses, y (178,) cultivar in 0..2."""
    return _as_xy(_sklearn_datasets().load_wine())
