"""load_csv: values, target selection, and errors that point at the row and column."""

import numpy as np
import pytest

import gradlab as gl


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_numeric_table_with_header_last_column_is_target(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n3,4.5,1\n\n-1e2,0,1\n")
    X, y = gl.data.load_csv(path)
    assert np.array_equal(X, [[1, 2], [3, 4.5], [-100, 0]])
    assert np.array_equal(y, [0, 1, 1]) and y.dtype == np.float64


def test_target_by_name_and_index_and_none(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n")
    X, y = gl.data.load_csv(path, target="a")
    assert np.array_equal(X, [[2, 3], [5, 6]]) and np.array_equal(y, [1, 4])
    X, y = gl.data.load_csv(path, target=1)
    assert np.array_equal(y, [2, 5])
    assert np.array_equal(gl.data.load_csv(path, target=None), [[1, 2, 3], [4, 5, 6]])


def test_text_labels_become_sorted_class_indices(tmp_path):
    path = write(tmp_path, "x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n")
    X, y = gl.data.load_csv(path, target="species")
    assert np.array_equal(y, [2, 0, 1, 0]) and y.dtype == np.int64


def test_no_header(tmp_path):
    path = write(tmp_path, "1;2\n3;4\n")
    X, y = gl.data.load_csv(path, header=False, delimiter=";")
    assert np.array_equal(X, [[1], [3]]) and np.array_equal(y, [2, 4])


def test_ragged_row_names_the_row(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,6\n")
    with pytest.raises(gl.ShapeError, match=r"row 4 has 2 cells but the header has 3"):
        gl.data.load_csv(path)


def test_non_numeric_cell_names_row_and_column(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n3,oops,1\n")
    with pytest.raises(gl.InputTypeError, match=r"row 3, column 2 \('b'\): 'oops' is not a number"):
        gl.data.load_csv(path)


def test_empty_cell_names_row_and_column(tmp_path):
    path = write(tmp_path, "a,b,y\n1,,0\n")
    with pytest.raises(gl.InputTypeError, match=r"row 2, column 2 \('b'\) is empty"):
        gl.data.load_csv(path)


def test_unknown_target_column_lists_columns(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(gl.ParameterError, match=r"no column named 'z'.*\['a', 'b'\]"):
        gl.data.load_csv(path, target="z")


def test_missing_file(tmp_path):
    with pytest.raises(gl.ParameterError, match="no such file"):
        gl.data.load_csv(tmp_path / "nope.csv")
