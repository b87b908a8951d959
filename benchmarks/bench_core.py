"""Speed of the autograd core and functions against hand-written numpy (and PyTorch).

Three workloads, each one training step (forward, backward, SGD update) or one
forward+backward, timed as the median of many repeats after a warm-up, with the
framework and its references interleaved so that drift hits both alike:

(a) a 784-1000-1000-10 ReLU MLP, batch 100, float32, against hand-written numpy
    (target: <= 1.15x numpy);
(b) a small conv net, batch 32, 1x28x28: conv 1->16 3x3 pad 1, ReLU, max-pool 2,
    conv 16->32 3x3 pad 1, ReLU, max-pool 2, linear to 10, against a hand-written
    numpy im2col version of the same algorithms (target: <= 1.3x numpy);
(c) 200 chained elementwise ops on a 10-element vector, forward and backward,
    against numpy and PyTorch CPU when torch imports.

Targets against PyTorch CPU with the same thread count, measured in the same run: MLP
<= 1.0x, conv net <= 2.0x, chain <= 0.8x (medians). It also counts minor page faults
per framework step (getrusage) in a loop of its own; ``--malloc system`` runs with
glibc's malloc left as it is (``ZERONN_MALLOC=system``) for the "before" count.

Run: ``python benchmarks/bench_core.py [--threads 2] [--repeat 30]`` from the
repository root (or with PYTHONPATH pointing at it). Not part of the test suite.
"""
import argparse
import os
import sys
import time


def _parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2, help="BLAS / torch threads (default 2)")
    p.add_argument("--repeat", type=int, default=30, help="timed repeats per workload")
    p.add_argument("--only", choices=["mlp", "conv", "chain"], action="append",
                   help="run only these workloads (repeatable)")
    p.add_argument("--fw-threads", default=None,
                   help="framework BLAS threads: N or auto (default: --threads, pinned)")
    p.add_argument("--no-torch", action="store_true",
                   help="do not import torch (importing it changes glibc malloc's behaviour, "
                        "which hides the page faults --malloc system shows)")
    p.add_argument("--malloc", choices=["tuned", "system"], default="tuned",
                   help="system: leave glibc's malloc thresholds alone (the 'before')")
    return p.parse_args()


ARGS = _parse()
if ARGS.malloc == "system":
    os.environ["ZERONN_MALLOC"] = "system"
# Thread pools read these at import time: set them before numpy (and torch) load.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import resource  # noqa: E402

# framework first, as a user's script would: it sets OpenBLAS's idle spin before numpy
# loads OpenBLAS (framework.threads), so large array work may split over threads.
import framework  # noqa: E402
import framework.functions as F  # noqa: E402
import numpy as np  # noqa: E402
from framework import Variable  # noqa: E402
from timing import blas_threads  # noqa: E402  (benchmarks/timing.py)
from timing import timed as interleaved  # noqa: E402

# Pinned like torch's, unless asked for the default ("auto", which adapts to the load).
framework.set_num_threads(ARGS.fw_threads if ARGS.fw_threads == "auto"
                          else int(ARGS.fw_threads or ARGS.threads))

try:
    if ARGS.no_torch:
        raise ImportError("--no-torch")
    import torch  # noqa: E402
    torch.set_num_threads(ARGS.threads)
except ImportError:
    torch = None

LR = 0.01


def timed(fns, repeat, number, warmup=3):
    """Median and best seconds per call of each callable.

    The numpy-based callables run interleaved repeat by repeat; torch runs in a block
    of its own afterwards, because its OpenMP workers keep spinning for a while after
    each op and would steal the cores from whatever runs next.
    """
    out = interleaved({k: f for k, f in fns.items() if k != "torch"}, repeat, number, warmup)
    if "torch" in fns:
        out.update(interleaved({"torch": fns["torch"]}, repeat, number, warmup))
    return out


def page_faults(fn, other, steps=20):
    """Minor page faults per call of ``fn``: alone, and alternating with ``other``.

    Alternating is what the timing does (and what a training loop does with an
    evaluation or a data step between its steps): the other workload's frees are
    where glibc gives memory back and the next ``fn`` step pays to fault it in.
    """
    def count(calls):
        total = 0
        for _ in range(steps):
            calls()
            r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            fn()
            total += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0
        return total / steps
    fn()
    other()
    return count(lambda: None), count(other)


def print_faults(fns, base):
    alone, mixed = page_faults(fns["framework"], fns[base])
    print(f"  page faults per framework step: {alone:.1f} in a loop of its own, "
          f"{mixed:.1f} alternating with {base}")


def report(title, times, base, target=None):
    """Print median and best time per call, each as a ratio to ``base``."""
    print(f"\n{title}")
    print(f"  {'':<14} {'median':>10} {'ratio':>6}   {'best':>10} {'ratio':>6}")
    for name, (med, best) in times.items():
        print(f"  {name:<14} {med * 1e3:7.3f} ms {med / times[base][0]:5.2f}x   "
              f"{best * 1e3:7.3f} ms {best / times[base][1]:5.2f}x")
    if target is not None:
        name, limit = target
        ratio = times[name][0] / times[base][0]
        print(f"  target: {name} median <= {limit}x {base}: "
              f"{'met' if ratio <= limit else 'MISSED'} ({ratio:.2f}x)")
    if "torch" in times and base != "torch":
        ratio = times["framework"][0] / times["torch"][0]
        print(f"  framework / torch: median {ratio:.2f}x, best "
              f"{times['framework'][1] / times['torch'][1]:.2f}x")


def torch_target(times, limit):
    """Print the framework-against-torch target line (medians)."""
    if "torch" not in times:
        print("  (torch absent: no torch target)")
        return
    ratio = times["framework"][0] / times["torch"][0]
    print(f"  target: framework median <= {limit}x torch: "
          f"{'met' if ratio <= limit else 'MISSED'} ({ratio:.2f}x)")


# --------------------------------------------------------------------------- shared numpy
def np_softmax_ce(logits, t):
    """Mean cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    n = len(t)
    loss = -(z[np.arange(n), t] - np.log(s[:, 0])).mean()
    g = e / s
    g[np.arange(n), t] -= 1
    g /= n
    return loss, g


def sgd(params, grads):
    for p, g in zip(params, grads, strict=True):
        p -= LR * g


# --------------------------------------------------------------------------- (a) MLP
def mlp_workload(rng):
    sizes = [784, 1000, 1000, 10]
    x = rng.standard_normal((100, 784)).astype(np.float32)
    t = rng.integers(0, 10, 100)
    init = []
    for i, o in zip(sizes[:-1], sizes[1:], strict=True):
        init += [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(np.float32),
                 np.zeros(o, np.float32)]
    fw_params = [Variable(a.copy()) for a in init]
    np_params = [a.copy() for a in init]
    xv = Variable(x, requires_grad=False)

    def framework_step():
        W1, b1, W2, b2, W3, b3 = fw_params
        h = F.relu(F.linear(xv, W1, b1))
        h = F.relu(F.linear(h, W2, b2))
        loss = F.softmax_cross_entropy(F.linear(h, W3, b3), t)
        for p in fw_params:
            p.cleargrad()
        loss.backward()
        for p in fw_params:
            p.data -= LR * p.grad.data

    def numpy_step():
        W1, b1, W2, b2, W3, b3 = np_params
        h1 = x @ W1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W2 + b2
        a2 = np.maximum(h2, 0)
        _, g = np_softmax_ce(a2 @ W3 + b3, t)
        gW3, gb3 = a2.T @ g, g.sum(0)
        g = (g @ W3.T) * (h2 > 0)
        gW2, gb2 = a1.T @ g, g.sum(0)
        g = (g @ W2.T) * (h1 > 0)
        gW1, gb1 = x.T @ g, g.sum(0)
        sgd(np_params, [gW1, gb1, gW2, gb2, gW3, gb3])

    fns = {"framework": framework_step, "numpy": numpy_step}
    if torch is not None:
        tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
        tx, tt = torch.from_numpy(x), torch.from_numpy(t)

        def torch_step():
            W1, b1, W2, b2, W3, b3 = tp
            h = torch.relu(tx @ W1 + b1)
            h = torch.relu(h @ W2 + b2)
            loss = torch.nn.functional.cross_entropy(h @ W3 + b3, tt)
            for p in tp:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in tp:
                    p -= LR * p.grad
        fns["torch"] = torch_step
    return fns, (fw_params, np_params)


# --------------------------------------------------------------------------- (b) conv net
def np_im2col(x, k, pad):
    """``(C*k*k, N*OH*OW)`` windows of an (N, C, H, W) image, stride 1."""
    n, c, h, w = x.shape
    xp_ = np.zeros((n, c, h + 2 * pad, w + 2 * pad), x.dtype)
    xp_[:, :, pad:pad + h, pad:pad + w] = x
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    s = xp_.strides
    win = np.lib.stride_tricks.as_strided(xp_, (c, k, k, n, oh, ow),
                                          (s[1], s[2], s[3], s[0], s[2], s[3]))
    return np.ascontiguousarray(win).reshape(c * k * k, n * oh * ow)


def np_col2im(gcol, shape, k, pad):
    n, c, h, w = shape
    g = gcol.reshape(c, k, k, n, h, w)
    out = np.zeros((n, c, h + 2 * pad, w + 2 * pad), gcol.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + h, j:j + w] += g[:, i, j].transpose(1, 0, 2, 3)
    return out[:, :, pad:pad + h, pad:pad + w]


def np_conv(x, W, b):
    n, _, h, w = x.shape
    col = np_im2col(x, 3, 1)
    y = W.reshape(len(W), -1) @ col + b[:, None]
    return y.reshape(len(W), n, h, w).transpose(1, 0, 2, 3), col


def np_conv_back(gy, x_shape, W, col, need_gx):
    oc = len(W)
    gm = gy.transpose(1, 0, 2, 3).reshape(oc, -1)
    gW = (gm @ col.T).reshape(W.shape)
    gb = gm.sum(1)
    gx = np_col2im(W.reshape(oc, -1).T @ gm, x_shape, 3, 1) if need_gx else None
    return gx, gW, gb


def np_pool(x):
    """2x2 stride-2 max pool recording the winning offset (first on ties)."""
    y = x[:, :, 0::2, 0::2].copy()
    idx = np.zeros(y.shape, np.int8)
    for k, (i, j) in enumerate([(0, 1), (1, 0), (1, 1)], start=1):
        patch = x[:, :, i::2, j::2]
        np.copyto(idx, k, where=patch > y)
        np.maximum(y, patch, out=y)
    return y, idx


def np_pool_back(gy, idx, x_shape):
    gx = np.zeros(x_shape, gy.dtype)
    for k, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        gx[:, :, i::2, j::2] = np.where(idx == k, gy, 0)
    return gx


def conv_workload(rng):
    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    t = rng.integers(0, 10, 32)
    init = [(rng.standard_normal((16, 1, 3, 3)) * np.sqrt(2 / 9)).astype(np.float32),
            np.zeros(16, np.float32),
            (rng.standard_normal((32, 16, 3, 3)) * np.sqrt(2 / 144)).astype(np.float32),
            np.zeros(32, np.float32),
            (rng.standard_normal((32 * 7 * 7, 10)) * np.sqrt(1 / 1568)).astype(np.float32),
            np.zeros(10, np.float32)]
    fw_params = [Variable(a.copy()) for a in init]
    np_params = [a.copy() for a in init]
    xv = Variable(x, requires_grad=False)

    def framework_step():
        W1, b1, W2, b2, W3, b3 = fw_params
        h = F.pooling(F.relu(F.conv2d(xv, W1, b1, pad=1)), 2, 2)
        h = F.pooling(F.relu(F.conv2d(h, W2, b2, pad=1)), 2, 2)
        loss = F.softmax_cross_entropy(F.linear(h.reshape(len(x), -1), W3, b3), t)
        for p in fw_params:
            p.cleargrad()
        loss.backward()
        for p in fw_params:
            p.data -= LR * p.grad.data

    def numpy_step():
        W1, b1, W2, b2, W3, b3 = np_params
        h1, col1 = np_conv(x, W1, b1)
        a1 = np.maximum(h1, 0)
        p1, i1 = np_pool(a1)
        h2, col2 = np_conv(p1, W2, b2)
        a2 = np.maximum(h2, 0)
        p2, i2 = np_pool(a2)
        flat = p2.reshape(len(x), -1)
        _, g = np_softmax_ce(flat @ W3 + b3, t)
        gW3, gb3 = flat.T @ g, g.sum(0)
        g = np_pool_back((g @ W3.T).reshape(p2.shape), i2, a2.shape) * (h2 > 0)
        g, gW2, gb2 = np_conv_back(g, p1.shape, W2, col2, True)
        g = np_pool_back(g, i1, a1.shape) * (h1 > 0)
        _, gW1, gb1 = np_conv_back(g, x.shape, W1, col1, False)
        sgd(np_params, [gW1, gb1, gW2, gb2, gW3, gb3])

    fns = {"framework": framework_step, "numpy im2col": numpy_step}
    if torch is not None:
        tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
        tx, tt = torch.from_numpy(x), torch.from_numpy(t)
        nnf = torch.nn.functional

        def torch_step():
            W1, b1, W2, b2, W3, b3 = tp
            h = nnf.max_pool2d(torch.relu(nnf.conv2d(tx, W1, b1, padding=1)), 2)
            h = nnf.max_pool2d(torch.relu(nnf.conv2d(h, W2, b2, padding=1)), 2)
            loss = nnf.cross_entropy(h.reshape(len(x), -1) @ W3 + b3, tt)
            for p in tp:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in tp:
                    p -= LR * p.grad
        fns["torch"] = torch_step
    return fns, (fw_params, np_params)


# --------------------------------------------------------------------------- (c) op chain
def chain_workload(rng, length=200):
    x0 = rng.random(10).astype(np.float32)
    xv = Variable(x0.copy())

    def framework_chain():
        y = xv
        for _ in range(length // 2):
            y = y * 1.0001
            y = y + 0.0001
        xv.cleargrad()
        y.sum().backward()

    def numpy_chain():
        y = x0
        for _ in range(length // 2):
            y = y * np.float32(1.0001)
            y = y + np.float32(0.0001)
        g = np.ones_like(y)
        for _ in range(length // 2):
            g = g * np.float32(1.0001)  # add passes the gradient through unchanged
        return g

    fns = {"framework": framework_chain, "numpy": numpy_chain}
    if torch is not None:
        tx = torch.from_numpy(x0.copy()).requires_grad_(True)

        def torch_chain():
            y = tx
            for _ in range(length // 2):
                y = y * 1.0001
                y = y + 0.0001
            tx.grad = None
            y.sum().backward()
        fns["torch"] = torch_chain
    return fns


def same_work(fns, params, base):
    """One step each from the same start must leave the same parameters."""
    fns["framework"]()
    fns[base]()
    for a, b in zip(*params, strict=True):
        if not np.allclose(a.data, b, rtol=1e-3, atol=1e-5):
            raise SystemExit(f"the framework and {base} steps disagree: max diff "
                             f"{np.abs(a.data - b).max():.3g}")


def main():
    rng = np.random.default_rng(0)
    only = set(ARGS.only or ["mlp", "conv", "chain"])
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'absent'}, "
          f"{os.cpu_count()} CPUs, BLAS: {blas_threads()} "
          f"(framework threads: {framework.threads.get_mode()}), "
          f"torch threads: {torch.get_num_threads() if torch is not None else '-'}")
    print(f"median of {ARGS.repeat} repeats after warm-up; malloc: {ARGS.malloc} "
          f"(mmap threshold set: {framework.allocator.malloc_tuned()}); "
          f"load average {os.getloadavg()[0]:.2f}")
    if "mlp" in only:
        fns, params = mlp_workload(rng)
        same_work(fns, params, "numpy")
        med = timed(fns, ARGS.repeat, 10)
        report("(a) MLP 784-1000-1000-10, batch 100, one SGD step", med, "numpy")
        torch_target(med, 1.0)
        print_faults(fns, "numpy")
    if "conv" in only:
        fns, params = conv_workload(rng)
        same_work(fns, params, "numpy im2col")
        med = timed(fns, ARGS.repeat, 5)
        report("(b) conv net, batch 32, 1x28x28, one SGD step", med, "numpy im2col")
        torch_target(med, 2.0)
        print_faults(fns, "numpy im2col")
    if "chain" in only:
        fns = chain_workload(rng)
        med = timed(fns, ARGS.repeat, 20)
        base = "torch" if "torch" in med else "numpy"
        report("(c) 200 chained elementwise ops on 10 elements, forward + backward", med, base)
        torch_target(med, 0.8)
        print_faults(fns, "numpy")


if __name__ == "__main__":
    main()
