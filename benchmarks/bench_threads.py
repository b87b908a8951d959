"""BLAS threads: the default ("auto") against 1 and 2 pinned threads, idle and busy.

Two conditions, one after the other:

* idle: nothing started by the benchmark (other programs on the machine still run;
  the load is printed);
* busy: the benchmark starts one process that spins on one core, and stops it by pid
  when the condition is done.

In each condition it times, interleaved repeat by repeat so that load changes hit all
settings alike:

* steps: an MLP (784-1000-1000-10, batch 100) and a small CNN (batch 32, 1x28x28, two
  3x3 convs with max-pooling), each an ``nn`` model with ``optim.SGD``, one training
  step at a time, in blocks with ``fw.set_num_threads(1)``, ``(2)`` and ``("auto")``;
* the default run: ``python train.py -c configs/default.yaml -q`` as a new process,
  with ``--threads 1``, ``--threads 2`` and no option (the config's ``threads: auto``).

Target: the default within 1.2x of the better of 1 and 2 threads (medians), in both
conditions. Exit status 1 when a target is missed.

Run: ``python benchmarks/bench_threads.py [--repeat 7] [--runs 3] [--only steps|run]``
from the repository root. Not part of the test suite.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The pools must be free to grow to every core: drop the user's ceiling before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "ZERONN_THREADS"):
    os.environ.pop(_var, None)
sys.path.insert(0, ROOT)

# framework before numpy, as a user's script: it sets OpenBLAS's idle spin first.
import framework as fw  # noqa: E402
import numpy as np  # noqa: E402
from framework import nn, optim, threads  # noqa: E402

SETTINGS = (1, 2, "auto")
TARGET = 1.2


def _parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7, help="timed blocks per setting (steps)")
    p.add_argument("--runs", type=int, default=3, help="default runs per setting")
    p.add_argument("--only", choices=["steps", "run"], help="only one of the two parts")
    p.add_argument("--run-limit", type=float, default=60.0,
                   help="stop a default run after this many seconds and count it as that "
                        "long (a lower bound, marked '>'): a collapsed 2-thread run can take "
                        "minutes")
    return p.parse_args()


# --------------------------------------------------------------------------- load
def _busy_cores():
    """Busy jiffies and total jiffies over all cores, from /proc/stat."""
    stat = threads._read_proc_stat(threads._cores())
    return None if stat is None else stat[:2]


class Condition:
    """Reports the machine's load over a condition; starts the busy process if asked."""

    def __init__(self, name, busy):
        self.name, self.busy, self.proc = name, busy, None

    def __enter__(self):
        if self.busy:
            self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(1.0)
        self.start = _busy_cores()
        print(f"\n=== {self.name}: load average {os.getloadavg()[0]:.2f}"
              + (f", busy process pid {self.proc.pid}" if self.proc else ""))
        return self

    def __exit__(self, *exc):
        end = _busy_cores()
        if self.start and end and end[1] > self.start[1]:
            cores = len(threads._cores()) * (end[0] - self.start[0]) / (end[1] - self.start[1])
            print(f"  ({self.name}: {cores:.2f} of {len(threads._cores())} cores busy on "
                  f"average, this benchmark included; load average {os.getloadavg()[0]:.2f})")
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait()


# --------------------------------------------------------------------------- steps
def mlp_step(rng):
    model = nn.Sequential(nn.Linear(784, 1000), nn.ReLU(), nn.Linear(1000, 1000), nn.ReLU(),
                          nn.Linear(1000, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = fw.Variable(rng.standard_normal((100, 784)).astype(np.float32))
    t = rng.integers(0, 10, 100)

    def step():
        loss = loss_fn(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def cnn_step(rng):
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = fw.Variable(rng.standard_normal((32, 1, 28, 28)).astype(np.float32))
    t = rng.integers(0, 10, 32)

    def step():
        loss = loss_fn(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def time_steps(step, repeat, number):
    """Median seconds per step for each setting, blocks interleaved; auto's choices.

    The order rotates every repeat: OpenBLAS's workers keep spinning for a while after
    a 2-thread block, and would otherwise always slow down the same next setting.
    """
    samples = {s: [] for s in SETTINGS}
    chosen = []
    for s in SETTINGS:  # warm-up, also gives auto a first interval
        fw.set_num_threads(s)
        for _ in range(number):
            step()
    for r in range(repeat):
        for s in SETTINGS[r % 3:] + SETTINGS[:r % 3]:
            fw.set_num_threads(s)
            t0 = time.perf_counter()
            for _ in range(number):
                step()
            samples[s].append((time.perf_counter() - t0) / number)
            if s == "auto":
                chosen.append(fw.get_num_threads())
    return {s: statistics.median(v) for s, v in samples.items()}, chosen


# --------------------------------------------------------------------------- default run
def default_run(setting, save_dir, limit):
    cmd = [sys.executable, os.path.join(ROOT, "train.py"), "-c",
           os.path.join(ROOT, "configs", "default.yaml"), "-q",
           "--set", f"trainer.save_dir={save_dir}", "--set", "trainer.tensorboard=false"]
    if setting != "auto":
        cmd += ["--threads", str(setting)]
    t0 = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return limit, True
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"train.py failed ({out.returncode}): {out.stderr.strip()}")
    return seconds, False


def time_runs(runs, limit):
    samples = {s: [] for s in SETTINGS}
    stopped = {s: 0 for s in SETTINGS}
    save_dir = tempfile.mkdtemp(prefix="zeronn-bench-threads-")
    try:
        for r in range(runs):
            for s in SETTINGS[r % 3:] + SETTINGS[:r % 3]:
                seconds, cut = default_run(s, save_dir, limit)
                samples[s].append(seconds)
                stopped[s] += cut
        chosen = []
        for dirpath, _, files in os.walk(save_dir):
            for f in files:
                if f == "info.log":
                    with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                        for line in fh:
                            if "BLAS threads auto (now " in line:
                                chosen.append(int(line.split("(now ")[1].split(")")[0]))
    finally:
        shutil.rmtree(save_dir, ignore_errors=True)
    print(f"  default runs (s): " + "; ".join(
        f"{s}: " + ", ".join(f"{v:.1f}" for v in samples[s])
        + (f" ({stopped[s]} stopped at {limit:.0f} s)" if stopped[s] else "")
        for s in SETTINGS), flush=True)
    return {s: statistics.median(v) for s, v in samples.items()}, samples, chosen


# --------------------------------------------------------------------------- report
def report(title, med, chosen, unit="ms", scale=1e3):
    best = min(med[1], med[2])
    ratio = med["auto"] / best
    print(f"  {title:<22} 1 thread {med[1] * scale:8.2f} {unit}   2 threads "
          f"{med[2] * scale:8.2f} {unit}   auto {med['auto'] * scale:8.2f} {unit}   "
          f"auto / better {ratio:4.2f}x {'met' if ratio <= TARGET else 'MISSED'}   "
          f"(2 / 1: {med[2] / med[1]:4.2f}x; auto chose {chosen})")
    return ratio <= TARGET


def main():
    args = _parse()
    # A plain SIGTERM would skip the conditions' cleanup and leave the busy process
    # spinning: turn it into SystemExit so that the busy process is stopped first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{len(threads._cores())} cores; medians; target: auto <= {TARGET}x the better of "
          f"1 and 2 threads")
    rng = np.random.default_rng(0)
    ok = True
    for name, busy in (("idle", False), ("busy", True)):
        with Condition(name, busy):
            if args.only in (None, "steps"):
                for title, make, number in (("MLP step", mlp_step, 5), ("CNN step", cnn_step, 5)):
                    med, chosen = time_steps(make(rng), args.repeat, number)
                    ok &= report(title, med, chosen)
            if args.only in (None, "run"):
                med, samples, chosen = time_runs(args.runs, args.run_limit)
                ok &= report("default run", med, chosen, unit="s", scale=1)
    fw.set_num_threads("auto")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
