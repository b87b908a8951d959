"""The core benchmark (bench_core.py) for two commits side by side, interleaved.

Extracts both commits with ``git archive`` into temporary folders (so editing the
checkout meanwhile changes nothing), then runs ``bench_core.py`` from each tree in
alternation (the order
flips every round, so a change of machine load hits both alike), torch left out. For
each workload it prints the framework's median and best time per version, taken over
all rounds, and new/old ratios.

Run from the repository root:
    python benchmarks/bench_versions.py --old <commit> [--new HEAD] [--rounds 6]
        [--repeat 15] [--threads 1]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# bench_core.py imports torch when it can; this leaves it out (each run only times zeronn
# against numpy, and torch's spinning OpenMP workers would disturb the next run).
RUNNER = ("import os, sys, runpy; sys.modules['torch'] = None; sys.argv = sys.argv[1:]; "
          "sys.path.insert(0, os.path.dirname(sys.argv[0])); "
          "runpy.run_path(sys.argv[0], run_name='__main__')")
SECTION = re.compile(r"^\((a|b|c)\)")
ROW = re.compile(r"^\s+framework\s+([\d.]+) ms\s+[\d.]+x\s+([\d.]+) ms")
NAMES = {"a": "MLP step", "b": "conv-net step", "c": "200-op chain"}


def _run(tree, args):
    cmd = [sys.executable, "-c", RUNNER, os.path.join(tree, "benchmarks", "bench_core.py"),
           "--repeat", str(args.repeat), "--threads", str(args.threads)]
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True)
    times, section = {}, None
    for line in out.stdout.splitlines():
        m = SECTION.match(line)
        if m:
            section = m.group(1)
        m = ROW.match(line)
        if m and section:
            times[section] = (float(m.group(1)), float(m.group(2)))
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", required=True, help="the commit to compare against")
    p.add_argument("--new", default="HEAD", help="the commit to measure (default HEAD)")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--repeat", type=int, default=15, help="bench_core.py --repeat")
    p.add_argument("--threads", type=int, default=1, help="bench_core.py --threads")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as old_tree, tempfile.TemporaryDirectory() as new_tree:
        trees = {"old": old_tree, "new": new_tree}
        for version, commit in (("old", args.old), ("new", args.new)):
            archive = subprocess.run(["git", "archive", commit], cwd=ROOT,
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", trees[version]], input=archive, check=True)
        samples = {v: {k: [] for k in NAMES} for v in trees}
        for r in range(args.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for version in order:
                for key, value in _run(trees[version], args).items():
                    samples[version][key].append(value)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    print(f"old = {args.old}, new = {args.new}; {args.rounds} rounds of bench_core.py "
          f"--repeat {args.repeat} --threads {args.threads}, interleaved, torch left out")
    print(f"{'workload':<15} {'old median':>11} {'new median':>11} {'ratio':>6}   "
          f"{'old best':>9} {'new best':>9} {'ratio':>6}")
    for key, name in NAMES.items():
        old, new = samples["old"][key], samples["new"][key]
        om = statistics.median(m for m, _ in old)
        nm = statistics.median(m for m, _ in new)
        ob = min(b for _, b in old)
        nb = min(b for _, b in new)
        print(f"{name:<15} {om:8.3f} ms {nm:8.3f} ms {nm / om:5.3f}x   {ob:6.3f} ms "
              f"{nb:6.3f} ms {nb / ob:5.3f}x")


if __name__ == "__main__":
    main()
