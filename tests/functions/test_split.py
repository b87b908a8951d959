"""split_axis and separate: pieces as numpy splits them; gradients (unused pieces give
zeros) against central differences, and second order through create_graph."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable


def test_split_axis_values_sections_and_points(rng):
    x = rng.standard_normal((3, 6))
    for got, ref in zip(F.split_axis(x, 3, axis=1), np.split(x, 3, axis=1)):
        assert np.array_equal(got.data, ref)
    for got, ref in zip(F.split_axis(x, [1, 4], axis=-1), np.split(x, [1, 4], axis=1)):
        assert np.array_equal(got.data, ref)
    with pytest.raises(ValueError, match="do not divide"):
        F.split_axis(x, 4, axis=1)
    with pytest.raises(ValueError, match="out of range"):
        F.split_axis(x, 2, axis=2)


def test_split_axis_gradients_with_an_unused_piece(gcheck, rng):
    x = rng.standard_normal((2, 6))
    w = rng.standard_normal((2, 2))

    def f(v):
        a, _, c = F.split_axis(v, 3, axis=1)  # the middle piece gets no gradient
        return a * w + c * c

    gcheck(f, x)
    v = Variable(x.copy())
    f(v).sum().backward()
    assert np.array_equal(v.grad.data[:, 2:4], np.zeros((2, 2)))


def test_separate_values_and_gradients(gcheck, second_order_check, rng):
    x = rng.standard_normal((3, 2, 4))
    parts = F.separate(x, axis=1)
    assert len(parts) == 2 and np.array_equal(parts[1].data, x[:, 1])
    gcheck(lambda v: F.separate(v, axis=0)[0] * 2 + F.separate(v, axis=0)[2] ** 2, x)
    second_order_check(lambda v: F.separate(v, 0)[1] ** 3, rng.standard_normal((3, 4)))
    second_order_check(lambda v: F.split_axis(v, 2, axis=0)[0] ** 3, rng.standard_normal((4, 2)))
