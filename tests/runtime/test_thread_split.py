"""Large array operations split over threads: the same results as in one piece.

``framework.threads.split`` runs pieces of an array operation on worker threads when
the thread count is above one and OpenBLAS's workers do not spin. These tests force two
pieces (and no size minimum) and compare every split kernel bit for bit with the
one-piece run.
"""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import framework as fw
import framework.functions as F
from framework import threads


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _force(monkeypatch, parts):
    monkeypatch.setattr(threads, "_mode", parts)      # pinned: no automatic re-decision
    monkeypatch.setattr(threads, "_current", parts)
    monkeypatch.setattr(threads, "_short_spin", True)
    monkeypatch.setattr(threads, "SPLIT_MIN", 1)


def _both(monkeypatch, fn):
    out = []
    for parts in (1, 2):
        _force(monkeypatch, parts)
        out.append(fn())
    return out


def test_bounds_and_parts(monkeypatch):
    _force(monkeypatch, 2)
    assert threads.parallel_parts() == 2
    assert threads.bounds(5) == [0, 2, 5]
    assert threads.bounds(1) == [0, 1]
    monkeypatch.setattr(threads, "SPLIT_MIN", 100)
    assert threads.bounds(5) == [0, 5]                 # too small to split
    assert threads.bounds(5, size=100) == [0, 2, 5]
    monkeypatch.setattr(threads, "_short_spin", False)
    assert threads.parallel_parts() == 1               # spinning BLAS workers: no split


def test_split_runs_pieces_on_worker_threads_and_raises_their_errors(monkeypatch):
    _force(monkeypatch, 3)
    seen = {}

    def piece(a, b):
        seen[(a, b)] = threading.get_ident()
    threads.split(piece, [0, 3, 6, 9])
    assert sorted(seen) == [(0, 3), (3, 6), (6, 9)]
    assert seen[(0, 3)] == threading.get_ident()       # the caller runs the first piece
    assert len(set(seen.values())) >= 2
    done = []

    def failing(a, b):
        if a == 3:
            raise ValueError("piece 3..6 failed")
        done.append(a)
    with pytest.raises(ValueError, match="piece 3..6 failed"):
        threads.split(failing, [0, 3, 6, 9])
    assert sorted(done) == [0, 6]                      # the others still ran to the end


def test_relu_forward_and_backward_split_alike(monkeypatch, rng):
    x0 = rng.standard_normal((6, 5, 4)).astype(np.float32)
    gy = rng.standard_normal((6, 5, 4)).astype(np.float32)

    def run():
        x = fw.Variable(x0.copy())
        y = F.relu(x)
        y.backward(gradient=gy)
        return y.data, x.grad.data
    one, two = _both(monkeypatch, run)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
    assert np.array_equal(one[1], gy * (x0 > 0))


@pytest.mark.parametrize("channel_major", [False, True])
def test_max_pool_2x2_splits_alike(monkeypatch, rng, channel_major):
    x0 = rng.standard_normal((5, 3, 8, 6)).astype(np.float32)
    if channel_major:  # the layout a convolution's output has: (C, N, H, W) memory
        x0 = np.ascontiguousarray(x0.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    gy = rng.standard_normal((5, 3, 4, 3)).astype(np.float32)

    def run():
        x = fw.Variable(x0.copy() if not channel_major else x0)
        y = F.max_pooling(x, 2, 2)
        y.backward(gradient=gy)
        return y.data, x.grad.data
    (y1, g1), (y2, g2) = _both(monkeypatch, run)
    assert np.array_equal(y1, y2) and np.array_equal(g1, g2)
    expected = x0.reshape(5, 3, 4, 2, 3, 2).max(axis=(3, 5))
    assert np.array_equal(y1, expected)


def test_flat_convolution_splits_alike(monkeypatch, rng):
    from framework.functions import conv_flat
    monkeypatch.setattr(conv_flat, "MIN_BLOCK", 16)
    monkeypatch.setattr(conv_flat, "BLOCK_BYTES", 1)
    x0 = rng.standard_normal((3, 4, 9, 8)).astype(np.float32)
    W0 = rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((3, 5, 9, 8)).astype(np.float32)

    def run():
        x, W = fw.Variable(x0.copy()), fw.Variable(W0.copy())
        y = F.conv2d(x, W, None, 1, 1)
        y.backward(gradient=gy)
        return y.data, x.grad.data, W.grad.data
    one, two = _both(monkeypatch, run)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def test_adadelta_update_splits_alike(monkeypatch, rng):
    p0 = rng.standard_normal((7, 9)).astype(np.float32)
    grads = [rng.standard_normal((7, 9)).astype(np.float32) for _ in range(3)]

    def run():
        p = fw.nn.Parameter(p0.copy())
        opt = fw.optim.Adadelta([p], lr=1.0)
        for g in grads:
            p.grad = fw.Variable(g)
            opt.step()
        return p.data, opt.state[p]["square_avg"], opt.state[p]["acc_delta"]
    one, two = _both(monkeypatch, run)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def _spin_report(code, **env):
    full = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code + "\nimport framework, os\n"
                          "print(framework.threads._short_spin, "
                          "os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"],
                         capture_output=True, text=True, env=full, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    return out.stdout.split()


def test_blas_spin_is_set_only_before_numpy_loads_and_never_over_the_user():
    assert _spin_report("") == ["True", str(threads.BLAS_SPIN)]
    assert _spin_report("import numpy") == ["False", "None"]       # too late: no split
    assert _spin_report("", OPENBLAS_THREAD_TIMEOUT="8") == ["True", "8"]
    assert _spin_report("", OPENBLAS_THREAD_TIMEOUT="28") == ["False", "28"]


def test_dropout_splits_alike(monkeypatch, rng):
    x0 = rng.standard_normal((6, 50)).astype(np.float32)

    def run():
        np.random.seed(5)
        x = fw.Variable(x0.copy())
        y = F.dropout(x, 0.25)
        y.backward(gradient=np.ones_like(x0))
        return y.data, x.grad.data
    (y1, g1), (y2, g2) = _both(monkeypatch, run)
    assert np.array_equal(y1, y2) and np.array_equal(g1, g2)
    kept = y1 != 0
    assert np.allclose(y1[kept], x0[kept] / 0.75) and np.allclose(g1[kept], 1 / 0.75)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_update_splits_alike(monkeypatch, rng, momentum):
    p0 = rng.standard_normal((8, 5)).astype(np.float32)
    grads = [rng.standard_normal((8, 5)).astype(np.float32) for _ in range(3)]

    def run():
        p = fw.nn.Parameter(p0.copy())
        opt = fw.optim.SGD([p], lr=0.1, momentum=momentum)
        for g in grads:
            p.grad = fw.Variable(g)
            opt.step()
        return p.data
    one, two = _both(monkeypatch, run)
    assert np.array_equal(one, two)
    if momentum == 0.0:
        expected = p0.copy()
        for g in grads:
            expected -= np.float32(0.1) * g
        assert np.array_equal(one, expected)


def test_worker_threads_stop_before_a_fork_and_come_back(monkeypatch):
    import multiprocessing
    _force(monkeypatch, 2)
    threads.split(lambda a, b: None, [0, 1, 2])
    assert any(t.name.startswith("framework") for t in threading.enumerate())
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_child_splits)
    child.start()
    child.join(30)
    assert child.exitcode == 0
    # The fork stopped the pool's threads; the next split starts them again.
    assert not any(t.name.startswith("framework") for t in threading.enumerate())
    seen = set()
    threads.split(lambda a, b: seen.add(threading.get_ident()), [0, 1, 2])
    assert len(seen) == 2


def _child_splits():
    threads._current, threads._mode, threads._short_spin, threads.SPLIT_MIN = 2, 2, True, 1
    out = np.zeros(4)

    def piece(a, b):
        out[a:b] = 1
    threads.split(piece, [0, 2, 4])
    sys.exit(0 if out.sum() == 4 else 1)


@pytest.mark.parametrize("name,kwargs", [("Adam", {}), ("Adam", {"amsgrad": True}),
                                         ("AdamW", {"weight_decay": 0.1})])
def test_adam_update_splits_alike(monkeypatch, rng, name, kwargs):
    p0 = rng.standard_normal((9, 4)).astype(np.float32)
    grads = [rng.standard_normal((9, 4)).astype(np.float32) for _ in range(3)]

    def run():
        p = fw.nn.Parameter(p0.copy())
        opt = getattr(fw.optim, name)([p], lr=0.01, **kwargs)
        for g in grads:
            p.grad = fw.Variable(g)
            opt.step()
        return [p.data] + [v for v in opt.state[p].values() if isinstance(v, np.ndarray)]
    one, two = _both(monkeypatch, run)
    assert len(one) == len(two) >= 3
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
