"""The core workloads of bench_core.py for two commits, interleaved in one process.

The old commit is extracted with ``git archive`` and its package renamed
``framework_old`` (every ``framework`` name in its sources rewritten), so both versions
load side by side. bench_core.py's workload builders (MLP step, conv-net step, 200-op
chain) are then run once against each version, and ``timing.timed`` alternates the old
and the new step repeat by repeat: a change of machine load hits both alike. torch is
left out. Printed: median and best time per step of each version, and new/old ratios.

``--overlay PATH`` copies a file of this checkout's HEAD into the old tree first, to
leave out of the comparison changes that others made to those files meanwhile (e.g.
a faster conv), so that only the change under test differs.

Run from the repository root:
    python benchmarks/bench_versions.py --old <commit> [--overlay framework/functions/conv.py]
        [--repeat 40] [--threads 1]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", required=True, help="the commit to compare against")
    p.add_argument("--repeat", type=int, default=40, help="timed repeats per workload")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (both versions)")
    p.add_argument("--only", choices=["mlp", "conv", "chain", "example"], action="append")
    p.add_argument("--clock", choices=["wall", "cpu"], default="cpu",
                   help="cpu (default): process CPU time, which the time spent waiting "
                        "for a core on a loaded machine does not inflate; wall: "
                        "perf_counter, as bench_core.py")
    p.add_argument("--overlay", action="append", default=[],
                   help="a framework/... file to take from HEAD into the old tree")
    return p.parse_args()


def _old_package(commit, folder):
    """Extract ``commit``'s ``framework`` into ``folder/framework_old``, renamed."""
    archive = subprocess.run(["git", "archive", commit, "framework"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    for rel in ARGS.overlay:
        if not rel.startswith("framework/"):
            raise SystemExit(f"--overlay {rel}: expected a path under framework/")
        text = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=ROOT, capture_output=True,
                              check=True).stdout
        with open(os.path.join(folder, rel), "wb") as f:
            f.write(text)
    os.rename(os.path.join(folder, "framework"), os.path.join(folder, "framework_old"))
    word = re.compile(r"\bframework\b")
    for base, _, files in os.walk(os.path.join(folder, "framework_old")):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(word.sub("framework_old", text))


def _bench_namespace(package):
    """bench_core.py executed with ``framework`` meaning ``package`` (not its main)."""
    path = os.path.join(ROOT, "benchmarks", "bench_core.py")
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    saved = {k: sys.modules.get(k) for k in ("framework", "framework.functions")}
    sys.modules["framework"] = package
    sys.modules["framework.functions"] = package.functions
    argv = sys.argv
    sys.argv = [path, "--threads", str(ARGS.threads)]
    try:
        ns = {"__name__": "bench_core_" + package.__name__, "__file__": path}
        exec(code, ns)
    finally:
        sys.argv = argv
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return ns


ARGS = _parse()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)
sys.modules["torch"] = None  # bench_core.py then leaves torch out
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))


def _example_workload(package, rng):
    """One training step of PyTorch's MNIST example network (bench_mnist_example.py's
    model: conv 32, conv 64, max-pool, dropout, fc 128, nll_loss, Adadelta), batch 64
    of random images, built from ``package``'s nn, functional and optim."""
    import importlib
    nn = importlib.import_module(package.__name__ + ".nn")
    F = importlib.import_module(package.__name__ + ".nn.functional")
    package.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128),
                          nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10), nn.LogSoftmax(dim=1))
    opt = package.optim.Adadelta(model.parameters(), lr=1.0)
    x = package.tensor(rng.standard_normal((64, 1, 28, 28)).astype("float32"))
    t = package.tensor(rng.integers(0, 10, 64))

    def step():
        opt.zero_grad()
        F.nll_loss(model(x), t).backward()
        opt.step()
    return step


def _timed(fns, repeat, number, warmup=3):
    """Median and best seconds per call, the callables alternating repeat by repeat."""
    import statistics
    import time
    clock = time.process_time if ARGS.clock == "cpu" else time.perf_counter
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in fns}
    for r in range(repeat):
        names = list(fns) if r % 2 == 0 else list(fns)[::-1]  # neither always goes first
        for name in names:
            fn = fns[name]
            t0 = clock()
            for _ in range(number):
                fn()
            samples[name].append((clock() - t0) / number)
    return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def main():
    import numpy as np

    import framework
    import framework.functions  # noqa: F401
    with tempfile.TemporaryDirectory() as folder:
        _old_package(ARGS.old, folder)
        sys.path.insert(0, folder)
        import framework_old
        import framework_old.functions  # noqa: F401
        spaces = {"old": _bench_namespace(framework_old), "new": _bench_namespace(framework)}
        extra = f" + HEAD's {', '.join(ARGS.overlay)}" if ARGS.overlay else ""
        print(f"old = {ARGS.old}{extra} (as framework_old), new = this checkout; numpy "
              f"{np.__version__}, {ARGS.threads} BLAS thread(s), {ARGS.repeat} repeats "
              f"interleaved old/new, {ARGS.clock} clock; load average "
              f"{os.getloadavg()[0]:.1f}")
        print(f"{'workload':<15} {'old median':>11} {'new median':>11} {'ratio':>6}   "
              f"{'old best':>9} {'new best':>9} {'ratio':>6}")
        work = [("mlp", "MLP step", "mlp_workload", 10), ("conv", "conv-net step",
                "conv_workload", 5), ("chain", "200-op chain", "chain_workload", 20),
                ("example", "MNIST example", None, 1)]
        packages = {"old": framework_old, "new": framework}
        for key, name, builder, number in work:
            if ARGS.only and key not in ARGS.only:
                continue
            fns = {}
            for version, ns in spaces.items():
                if builder is None:
                    fns[version] = _example_workload(packages[version], np.random.default_rng(0))
                    continue
                built = ns[builder](np.random.default_rng(0))
                fns[version] = (built[0] if isinstance(built, tuple) else built)["framework"]
            t = _timed(fns, ARGS.repeat, number)
            (om, ob), (nm, nb) = t["old"], t["new"]
            print(f"{name:<15} {om * 1e3:8.3f} ms {nm * 1e3:8.3f} ms {nm / om:5.3f}x   "
                  f"{ob * 1e3:6.3f} ms {nb * 1e3:6.3f} ms {nb / ob:5.3f}x", flush=True)


if __name__ == "__main__":
    main()
