"""Cost of ``nn.Sequential`` + ``optim`` over the same training step written with bare functions.

Two workloads from ``bench_core.py``, each one SGD training step (forward, backward,
update), written twice and timed in the same run, alternating repeat by repeat:

* ``nn``: the PyTorch way: an ``nn.Sequential`` model, ``nn.CrossEntropyLoss()``,
  ``optim.SGD(model.parameters(), lr=...)`` and ``opt.zero_grad(); loss.backward();
  opt.step()``;
* ``bare``: the same computation with ``F.*`` functions and a hand-kept list of
  parameter Variables (``cleargrad`` each, ``p.data -= lr * p.grad.data``).

(a) MLP 784-1000-1000-10 with ReLU, batch 100, float32;
(b) conv net, batch 32, 1x28x28: conv 1->16 3x3 pad 1, ReLU, max-pool 2, conv 16->32
    3x3 pad 1, ReLU, max-pool 2, flatten, linear to 10.

The bare version starts from a copy of the nn model's initial weights (``nn.Linear``'s
``weight`` is (out, in); ``F.linear`` takes W as (in, out), so it gets the transpose),
and one step of each must leave the same parameters before anything is timed.
Target: nn / bare <= 1.05 (median).

Run: ``python benchmarks/bench_nn.py [--threads 2] [--repeat 40] [--only mlp|conv]
[--profile]`` from the repository root (or with PYTHONPATH pointing at it). Not part
of the test suite. Exit status 1 when a target is missed.
"""
import argparse
import os
import sys
import time

TARGET = 1.05
LR = 0.01


def _parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    p.add_argument("--repeat", type=int, default=40, help="timed repeats per workload")
    p.add_argument("--only", choices=["mlp", "conv"], action="append",
                   help="run only these workloads (repeatable)")
    p.add_argument("--profile", action="store_true",
                   help="after timing, print a cProfile of 50 steps of each version")
    return p.parse_args(argv)


ARGS = _parse()
# BLAS reads these when it loads: set them before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from timing import blas_threads, timed  # noqa: E402  (benchmarks/timing.py)

import framework.functions as F  # noqa: E402
from framework import Variable, nn, optim  # noqa: E402


def report(title, times):
    """Print median and best time per step and the nn / bare ratios; True when on target."""
    (nn_med, nn_best), (bare_med, bare_best) = times["nn"], times["bare"]
    ratio = nn_med / bare_med
    print(f"\n{title}")
    print(f"  {'':<6} {'median':>10}   {'best':>10}")
    for name, (med, best) in times.items():
        print(f"  {name:<6} {med * 1e3:7.3f} ms   {best * 1e3:7.3f} ms")
    print(f"  nn / bare: median {ratio:.3f}x, best {nn_best / bare_best:.3f}x")
    print(f"  target: nn median <= {TARGET}x bare: {'met' if ratio <= TARGET else 'MISSED'}")
    return ratio <= TARGET


def nn_trainer(model, x, t):
    """The PyTorch-style training step for ``model`` on one fixed batch."""
    criterion = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=LR)

    def step():
        loss = criterion(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def bare_trainer(forward, params, x, t):
    """The same step with bare functions: ``forward(x, *params)`` returns the logits."""
    def step():
        loss = F.softmax_cross_entropy(forward(x, *params), t)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
    return step


def bare_copy(model):
    """Variables holding a copy of the model's parameters, Linear weights transposed."""
    out = []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            a = p.data.T if isinstance(module, nn.Linear) and name == "weight" else p.data
            out.append(Variable(np.array(a, copy=True, order="C")))
    return out


def as_model_layout(model, bare_params):
    """The bare parameters as arrays in the model's layout (for comparing)."""
    out, it = [], iter(bare_params)
    for module in model.modules():
        for name, _ in module.named_parameters(recurse=False):
            a = next(it).data
            out.append(a.T if isinstance(module, nn.Linear) and name == "weight" else a)
    return out


def check_same_work(model, nn_step, bare_step, bare_params):
    """One step of each from the same start must leave the same parameters."""
    nn_step()
    bare_step()
    for (name, p), b in zip(model.named_parameters(), as_model_layout(model, bare_params),
                            strict=True):
        if p.shape != b.shape or not np.allclose(p.data, b, rtol=1e-4, atol=1e-6):
            raise SystemExit(f"nn and bare steps disagree on {name}: max diff "
                             f"{np.abs(p.data - b).max():.3g}")


# --------------------------------------------------------------------------- workloads
def mlp_workload(rng):
    x = Variable(rng.standard_normal((100, 784)).astype(np.float32), requires_grad=False)
    t = rng.integers(0, 10, 100)
    model = nn.Sequential(nn.Linear(784, 1000), nn.ReLU(), nn.Linear(1000, 1000), nn.ReLU(),
                          nn.Linear(1000, 10))
    params = bare_copy(model)

    def forward(x, W1, b1, W2, b2, W3, b3):
        h = F.relu(F.linear(x, W1, b1))
        h = F.relu(F.linear(h, W2, b2))
        return F.linear(h, W3, b3)
    return model, nn_trainer(model, x, t), bare_trainer(forward, params, x, t), params


def conv_workload(rng):
    x = Variable(rng.standard_normal((32, 1, 28, 28)).astype(np.float32), requires_grad=False)
    t = rng.integers(0, 10, 32)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    params = bare_copy(model)

    def forward(x, W1, b1, W2, b2, W3, b3):
        h = F.pooling(F.relu(F.conv2d(x, W1, b1, pad=1)), 2, 2)
        h = F.pooling(F.relu(F.conv2d(h, W2, b2, pad=1)), 2, 2)
        return F.linear(h.reshape(len(x), -1), W3, b3)
    return model, nn_trainer(model, x, t), bare_trainer(forward, params, x, t), params


def profile(fns, steps=50):
    import cProfile
    import pstats
    for name, fn in fns.items():
        print(f"\n--- cProfile, {steps} steps of {name} (by own time)")
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(steps):
            fn()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def main():
    np.random.seed(0)  # nn layers draw their initial weights from numpy's global generator
    rng = np.random.default_rng(0)
    only = set(ARGS.only or ["mlp", "conv"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"BLAS: {blas_threads()}, load average {load:.2f}")
    print(f"median and best of {ARGS.repeat} repeats after warm-up, nn and bare interleaved")
    ok = True
    workloads = [("mlp", mlp_workload, 3, "(a) MLP 784-1000-1000-10, batch 100, one SGD step"),
                 ("conv", conv_workload, 5, "(b) conv net, batch 32, 1x28x28, one SGD step")]
    for key, build, number, title in workloads:
        if key not in only:
            continue
        model, nn_step, bare_step, params = build(rng)
        check_same_work(model, nn_step, bare_step, params)
        fns = {"nn": nn_step, "bare": bare_step}
        ok &= report(title, timed(fns, ARGS.repeat, number))
        if ARGS.profile:
            profile(fns)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
