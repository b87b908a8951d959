"""accuracy, argmax and one_hot: values, types, errors; no graph."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable


def test_accuracy_value_type_and_no_graph(to_xp):
    y = Variable(to_xp(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])))
    t = to_xp(np.array([1, 0, 0, 1]))
    acc = F.accuracy(y, t)
    assert isinstance(acc, Variable) and acc.creator is None and not acc.requires_grad
    assert acc.shape == () and float(acc.data) == 0.5
    assert acc.dtype == np.float64
    acc32 = F.accuracy(y.data.astype(np.float32), Variable(t))
    assert acc32.dtype == np.float32 and float(acc32.data) == 0.5


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(2,\)"):
        F.accuracy(np.zeros((3, 2)), np.zeros(2, dtype=int))


def test_argmax(to_xp):
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert F.argmax(Variable(to_xp(x)), axis=1).tolist() == [1, 0]
    assert F.argmax(to_xp(x), axis=0).tolist() == [1, 0, 1]
    assert int(F.argmax(to_xp(x))) == 3


def test_one_hot(to_xp):
    t = to_xp(np.array([[0, 2], [1, 1]]))
    out = F.one_hot(t)
    assert out.shape == (2, 2, 3) and out.dtype == np.int64
    assert out.tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]]
    out = F.one_hot(Variable(to_xp(np.array([1]))), num_classes=4, dtype=np.float32)
    assert out.tolist() == [[0.0, 1.0, 0.0, 0.0]] and out.dtype == np.float32


@pytest.mark.parametrize("t, k, match", [
    (np.array([0, 3]), 3, r"\[0, 3\), got values from 0 to 3"),
    (np.array([-1, 0]), -1, "from -1 to 0"),
    (np.array([0.5]), -1, "integers"),
])
def test_one_hot_errors(t, k, match):
    with pytest.raises(ValueError, match=match):
        F.one_hot(t, k)
