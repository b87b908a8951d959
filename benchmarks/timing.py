"""Timing shared by the benchmark scripts (imports nothing heavy: the scripts pin BLAS
threads before numpy loads)."""
import os
import statistics
import time

__all__ = ["timed", "blas_threads"]


def timed(fns, repeat, number, warmup=3):
    """Median and best seconds per call of each callable, interleaved repeat by repeat.

    Args:
        fns: ``{name: callable}``; every repeat calls each in turn, so a change of
            machine load hits all of them alike.
        repeat: how many samples to take.
        number: calls per sample (the sample is their mean).
        warmup: untimed calls of each first.

    Returns:
        ``{name: (median_seconds, best_seconds)}``.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: (statistics.median(s), min(s)) for name, s in samples.items()}


def blas_threads():
    """The BLAS library and its thread count as numpy sees them."""
    try:
        from threadpoolctl import threadpool_info
        info = [f"{d.get('internal_api')} {d.get('num_threads')} threads"
                for d in threadpool_info() if d.get("user_api") == "blas"]
        return ", ".join(info) or "unknown"
    except ImportError:
        return f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']} (threadpoolctl absent)"
