"""The core workloads of bench_core.py for two commits, interleaved in one process.

The old commit is extracted with ``git archive`` and its package renamed
``framework_old`` (every ``framework`` name in its sources rewritten), so both versions
load side by side. bench_core.py's workload builders (MLP step, conv-net step, 200-op
chain) are then run once against each version, and ``timing.timed`` alternates the old
and the new step repeat by repeat: a change of machine load hits both alike. torch is
left out. Printed: median and best time per step of each version, and new/old ratios.

Run from the repository root:
    python benchmarks/bench_versions.py --old <commit> [--repeat 40] [--threads 1]
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
    p.add_argument("--only", choices=["mlp", "conv", "chain"], action="append")
    return p.parse_args()


def _old_package(commit, folder):
    """Extract ``commit``'s ``framework`` into ``folder/framework_old``, renamed."""
    archive = subprocess.run(["git", "archive", commit, "framework"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
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


def main():
    import numpy as np
    from timing import timed

    import framework
    import framework.functions  # noqa: F401
    with tempfile.TemporaryDirectory() as folder:
        _old_package(ARGS.old, folder)
        sys.path.insert(0, folder)
        import framework_old
        import framework_old.functions  # noqa: F401
        spaces = {"old": _bench_namespace(framework_old), "new": _bench_namespace(framework)}
        print(f"old = {ARGS.old} (as framework_old), new = this checkout; numpy "
              f"{np.__version__}, {ARGS.threads} BLAS thread(s), {ARGS.repeat} repeats "
              f"interleaved old/new; load average {os.getloadavg()[0]:.1f}")
        print(f"{'workload':<15} {'old median':>11} {'new median':>11} {'ratio':>6}   "
              f"{'old best':>9} {'new best':>9} {'ratio':>6}")
        work = [("mlp", "MLP step", "mlp_workload", 10), ("conv", "conv-net step",
                "conv_workload", 5), ("chain", "200-op chain", "chain_workload", 20)]
        for key, name, builder, number in work:
            if ARGS.only and key not in ARGS.only:
                continue
            fns = {}
            for version, ns in spaces.items():
                built = ns[builder](np.random.default_rng(0))
                fns[version] = (built[0] if isinstance(built, tuple) else built)["framework"]
            t = timed(fns, ARGS.repeat, number)
            (om, ob), (nm, nb) = t["old"], t["new"]
            print(f"{name:<15} {om * 1e3:8.3f} ms {nm * 1e3:8.3f} ms {nm / om:5.3f}x   "
                  f"{ob * 1e3:6.3f} ms {nb * 1e3:6.3f} ms {nb / ob:5.3f}x", flush=True)


if __name__ == "__main__":
    main()
