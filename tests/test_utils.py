"""framework.utils: numerical gradients, gradient checks, comparisons, DOT graphs."""
import os
import stat

import numpy as np
import pytest

import framework as fw
from framework import utils


class WrongSquare(fw.Function):
    """x**2 with a deliberately wrong gradient (3x instead of 2x)."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        x, = self.inputs
        return gy * 3 * x


def test_numerical_grad_matches_the_analytic_gradient():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    num = utils.numerical_grad(lambda v: v ** 3, x)
    assert np.allclose(num, 3 * x ** 2, rtol=1e-6)


def test_gradient_check_passes_right_and_fails_wrong_backward():
    x = np.random.default_rng(0).normal(size=(3, 2))
    assert utils.gradient_check(lambda v: v ** 2, x)
    with pytest.raises(AssertionError, match="input 0"):
        utils.gradient_check(lambda v: WrongSquare()(v), x)


def test_gradient_check_with_an_upstream_gradient():
    x = np.array([1.0, 2.0, 3.0])
    assert utils.gradient_check(lambda v: v * v, x, gy=np.array([1.0, -2.0, 0.5]))


def test_array_comparisons_accept_variables_and_check_shapes():
    a = fw.Variable(np.array([1.0, 2.0]))
    assert utils.array_allclose(a, np.array([1.0, 2.0 + 1e-9]))
    assert not utils.array_allclose(a, np.array([[1.0, 2.0]]))  # shapes differ
    assert utils.array_equal(a, np.array([1.0, 2.0]))
    assert not utils.array_equal(a, np.array([1.0, 2.5]))


def _graph():
    x = fw.Variable(np.ones((2, 3)), name="x")
    y = fw.Variable(np.ones((2, 3)), name="y")
    z = x * y + x
    z.name = "z"
    return z


def test_dot_graph_names_variables_and_functions():
    text = utils.get_dot_graph(_graph(), verbose=True)
    assert text.startswith("digraph g {") and text.rstrip().endswith("}")
    assert "Mul" in text and "Add" in text
    assert 'label="x: (2, 3) float64"' in text and 'label="z: (2, 3) float64"' in text
    assert text.count("->") == 6  # Mul: 2 in + 1 out; Add: 2 in + 1 out


def test_plot_dot_graph_writes_dot_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(utils.graph.shutil, "which", lambda name: None)
    out = utils.plot_dot_graph(_graph(), to_file=str(tmp_path / "graph.png"))
    assert out == str(tmp_path / "graph.dot")
    assert (tmp_path / "graph.dot").read_text().startswith("digraph g {")
    assert not (tmp_path / "graph.png").exists()


def test_plot_dot_graph_renders_through_dot_where_installed(tmp_path, monkeypatch):
    # A stand-in `dot` that copies its input: the call and its arguments are what matter.
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n# dot IN -T FMT -o OUT\ncp "$1" "$5"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    out = utils.plot_dot_graph(_graph(), to_file=str(tmp_path / "graph.png"))
    assert out == str(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_text().startswith("digraph g {")


def test_plot_dot_graph_takes_the_file_as_second_argument(tmp_path, monkeypatch):
    monkeypatch.setattr(utils.graph.shutil, "which", lambda name: None)
    out = utils.plot_dot_graph(_graph(), tmp_path / "g.dot")
    assert out == str(tmp_path / "g.dot")
    assert "x: (2, 3) float64" in (tmp_path / "g.dot").read_text()  # verbose stays on


def test_utils_data_is_framework_data():
    import framework.data
    import framework.utils.data as udata
    from framework.utils.data import DataLoader, Dataset, TensorDataset  # noqa: F401
    assert set(framework.data.__all__) <= set(udata.__all__)
    for name in framework.data.__all__:
        assert getattr(udata, name) is getattr(framework.data, name), name
    assert fw.utils.data.DataLoader is framework.data.DataLoader
    assert udata.dataset is framework.data.dataset  # sub-modules by attribute
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        udata.nope
