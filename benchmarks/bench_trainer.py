"""Wall-clock time of the default experiment, end to end (``python train.py -c configs/default.yaml``).

Run by hand: ``python benchmarks/bench_trainer.py [--repeat 3] [--device cpu]``. Prints each
run's seconds (process start to exit, imports included), the median, the per-epoch time
from the run's info.log, and the test accuracy of its best model; the target is under
60 s on 2 CPU cores with >= 0.95 test accuracy.
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_run(device, workdir):
    started = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "train.py"), "-c", str(REPO / "configs/default.yaml"),
                    "-q", "-d", device, "--run-id", "bench"], cwd=workdir, check=True)
    seconds = time.perf_counter() - started
    log = next(Path(workdir).glob("saved/log/digits_mlp/bench/info.log")).read_text()
    epochs = [float(s) for s in re.findall(r"\| ([0-9.]+)s$", log, flags=re.M)]
    best = Path(workdir) / "saved/models/digits_mlp/bench/model_best.npz"
    out = subprocess.run([sys.executable, str(REPO / "test.py"), "-r", str(best), "-q", "-d", device],
                         cwd=workdir, check=True, capture_output=True, text=True).stdout
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", out).group(1))
    return seconds, epochs, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    times = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as workdir:
            seconds, epochs, accuracy = one_run(args.device, workdir)
        times.append(seconds)
        print(f"run {i + 1}: {seconds:.2f} s total, {len(epochs)} epochs, "
              f"median epoch {statistics.median(epochs):.3f} s, test accuracy {accuracy:.4f}")
    median = statistics.median(times)
    print(f"default config on {args.device}: median {median:.2f} s over {args.repeat} runs "
          f"(target < 60 s): {'met' if median < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
