"""Data pipeline speed: loading MNIST, and the DataLoader's cost per batch.

Run by hand (not part of the test suite)::

    python benchmarks/bench_data.py [--data-dir ../shared/data] [--repeats 5]

Targets: the MNIST training set loads into float32 arrays in <= 2 s, and iterating a
shuffled DataLoader with batch 128 costs <= 0.2 ms per batch more than the bare
fancy-index copy of the same batches. Exit status 1 when a target is missed.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from framework.data import DataLoader  # noqa: E402
from plugins.datasets import MNIST  # noqa: E402

LOAD_TARGET_S = 2.0
OVERHEAD_TARGET_MS = 0.2


def time_load(data_dir, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ds = MNIST(data_dir=data_dir, train=True)
        times.append(time.perf_counter() - start)
    return ds, times


def time_epochs(ds, batch_size, repeats):
    """Per-batch seconds of the loader and of the bare copy, interleaved per epoch."""
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, seed=0)
    x, t = ds.arrays
    n_batches = len(loader)
    loader_s, bare_s = [], []
    for _ in range(repeats):
        order = loader.epoch_order()  # the batches the loader is about to yield
        start = time.perf_counter()
        for xb, tb in loader:
            pass
        loader_s.append((time.perf_counter() - start) / n_batches)
        start = time.perf_counter()
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]
            xb, tb = x[idx], t[idx]
        bare_s.append((time.perf_counter() - start) / n_batches)
    return n_batches, loader_s, bare_s


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)

    ds, load_times = time_load(args.data_dir, args.repeats)
    print(f"MNIST train load ({len(ds)} x {ds.data.shape[1:]} {ds.data.dtype}): "
          f"first {load_times[0]:.3f} s, best {min(load_times):.3f} s, "
          f"median {statistics.median(load_times):.3f} s  (target <= {LOAD_TARGET_S} s)")

    n_batches, loader_s, bare_s = time_epochs(ds, args.batch_size, args.repeats)
    loader_ms = statistics.median(loader_s) * 1e3
    bare_ms = statistics.median(bare_s) * 1e3
    overhead_ms = loader_ms - bare_ms
    print(f"DataLoader batch {args.batch_size}, shuffled, {n_batches} batches/epoch, "
          f"median of {args.repeats} epochs:")
    print(f"  loader     {loader_ms:.4f} ms/batch")
    print(f"  bare copy  {bare_ms:.4f} ms/batch")
    print(f"  overhead   {overhead_ms * 1e3:.1f} us/batch, ratio {loader_ms / bare_ms:.3f}  "
          f"(target <= {OVERHEAD_TARGET_MS * 1e3:.0f} us)")

    ok = max(min(load_times), load_times[0]) <= LOAD_TARGET_S and \
        overhead_ms <= OVERHEAD_TARGET_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
