"""DataLoader worker processes: bounded prefetch, ordered results, clean shutdown.

Each worker owns an index queue; batch ``b`` of a pass goes to worker
``b % num_workers``, and the main process puts the results back in batch order, so
``num_workers=k`` yields exactly the batches of ``num_workers=0``. At most
``prefetch_factor * num_workers`` batches are requested and not yet yielded.

Workers are daemon processes that ignore SIGINT (Ctrl-C reaches the main process,
which stops them), leave when their parent dies, and are stopped — sentinel, join,
terminate — when a pass ends, is abandoned (``break``), or raises; a finalizer does
the same when the pool is garbage-collected.
"""
import multiprocessing
import os
import pickle
import queue
import random
import signal
import time
import traceback
import weakref
from dataclasses import dataclass

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool"]

_POLL_S = 1.0  # how often a waiting side checks that the other side is still there

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker (PyTorch's fields)."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """The current worker's :class:`WorkerInfo`, or None in the main process."""
    return _worker_info


def worker_seed(loader_seed, epoch, worker_id):
    """The seed of worker ``worker_id`` for a pool started in ``epoch`` (63 bits)."""
    state = np.random.SeedSequence([int(loader_seed), int(epoch), int(worker_id)])
    return int(state.generate_state(1, np.uint64)[0] >> np.uint64(1))


class _Failure:
    """A worker's exception, carried to the main process as text."""

    def __init__(self, exc, where):
        self.type = type(exc)
        self.text = (f"{where}.\nOriginal traceback (most recent call last):\n"
                     + "".join(traceback.format_exception(exc)).rstrip())

    def reraise(self):
        try:
            exc = self.type(self.text)
        except Exception:  # noqa: BLE001 - a type whose constructor needs other arguments
            exc = RuntimeError(self.text)
        raise exc


def _worker_loop(worker_id, num_workers, seed, dataset, fetch, index_queue, result_queue,
                 worker_init_fn, parent_pid):
    global _worker_info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    result_queue.cancel_join_thread()  # never block exit on results nobody reads
    random.seed(seed)
    np.random.seed(seed % 2**32)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_failure = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as exc:  # noqa: BLE001 - reported with the first batch
            init_failure = _Failure(exc, f"Caught {type(exc).__name__} in worker_init_fn of "
                                         f"DataLoader worker process {worker_id}")
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent_pid:  # the main process is gone: do not linger
                return
            continue
        if task is None:
            return
        key, indices = task
        if init_failure is not None:
            result_queue.put((key, None, init_failure))
            continue
        try:
            payload = pickle.dumps(fetch(indices), protocol=pickle.HIGHEST_PROTOCOL)
            result_queue.put((key, payload, None))
        except Exception as exc:  # noqa: BLE001 - re-raised in the main process
            index = getattr(fetch, "current_index", None)
            where = (f"Caught {type(exc).__name__} in DataLoader worker process {worker_id} "
                     f"while loading sample index {index} (batch {key[1]})")
            result_queue.put((key, None, _Failure(exc, where)))


def _shutdown(workers, index_queues, result_queue):
    """Stop the workers: a sentinel each, a short join, then terminate what is left."""
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 2.0
    for w in workers:
        w.join(timeout=max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.is_alive():
            w.terminate()
            w.join(timeout=2.0)
    for q in (*index_queues, result_queue):
        q.cancel_join_thread()
        q.close()


class WorkerPool:
    """``num_workers`` processes that load batches for a DataLoader.

    Args:
        dataset: the dataset (passed to the workers; pickled under ``spawn``).
        fetch: ``fetch(indices) -> batch``, run in the workers; it sets
            ``fetch.current_index`` to the sample it is loading.
        num_workers: the number of processes (>= 1).
        seeds: one seed per worker.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker.
        context: a multiprocessing context or start-method name (default: ``fork``
            where available, else ``spawn``).
    """

    def __init__(self, dataset, fetch, num_workers, seeds, worker_init_fn=None, context=None):
        if context is None:
            methods = multiprocessing.get_all_start_methods()
            context = "fork" if "fork" in methods else "spawn"
        ctx = multiprocessing.get_context(context) if isinstance(context, str) else context
        self.num_workers = num_workers
        self.index_queues = [ctx.Queue() for _ in range(num_workers)]
        self.result_queue = ctx.Queue()
        self.workers = []
        self._finalizer = weakref.finalize(self, _shutdown, self.workers, self.index_queues,
                                           self.result_queue)
        for i in range(num_workers):
            w = ctx.Process(target=_worker_loop, name=f"zeronn-data-worker-{i}", daemon=True,
                            args=(i, num_workers, seeds[i], dataset, fetch,
                                  self.index_queues[i], self.result_queue, worker_init_fn,
                                  os.getpid()))
            w.start()
            self.workers.append(w)

    @property
    def pids(self):
        """The workers' process ids."""
        return [w.pid for w in self.workers]

    def shutdown(self):
        """Stop every worker now (idempotent)."""
        self._finalizer()

    def run(self, batches, start, pass_id, prefetch_factor, timeout):
        """Yield the loaded batches ``batches[start:]`` in order.

        Raises:
            the worker's exception type (or RuntimeError) naming the sample index;
            RuntimeError: a worker died, or no batch came within ``timeout`` seconds.
        """
        if not self._finalizer.alive:
            raise RuntimeError("this DataLoader's worker pool was shut down")
        total, sent, buffer = len(batches), start, {}
        limit = prefetch_factor * self.num_workers

        def send_next():
            nonlocal sent
            if sent < total:
                self.index_queues[sent % self.num_workers].put(((pass_id, sent), batches[sent]))
                sent += 1

        for _ in range(limit):
            send_next()
        for b in range(start, total):
            waited = time.monotonic()
            while b not in buffer:
                try:
                    (pid_, number), payload, failure = self.result_queue.get(
                        timeout=min(_POLL_S, timeout) if timeout else _POLL_S)
                except queue.Empty:
                    self._check_alive()
                    if timeout and time.monotonic() - waited >= timeout:
                        raise RuntimeError(f"DataLoader timed out after {timeout} seconds "
                                           f"waiting for batch {b}") from None
                    continue
                if pid_ == pass_id:  # results of an abandoned pass are dropped
                    buffer[number] = (payload, failure)
            payload, failure = buffer.pop(b)
            if failure is not None:
                failure.reraise()
            send_next()
            yield pickle.loads(payload)

    def _check_alive(self):
        for w in self.workers:
            if w.exitcode is not None:
                raise RuntimeError(f"DataLoader worker (pid {w.pid}) exited unexpectedly with "
                                   f"exit code {w.exitcode}")
