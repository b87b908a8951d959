"""How many BLAS threads numpy uses: pinned by the user, or ``"auto"`` (the default).

OpenBLAS's worker threads spin while they wait for each other. When other processes
hold the cores, a GEMM split over two threads waits for a thread that is not running,
and small matrix products become 10-30x slower than on one thread. ``"auto"`` picks a
thread count that fits the machine as it is now:

* the cores this process may run on (its CPU affinity), divided among the processes
  of one job on this host (an MPI launcher's local size, or ``ZERONN_WORKERS`` which a
  sweep sets for its workers), and never more than an ``OPENBLAS_NUM_THREADS`` /
  ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` the user exported;
* minus the cores other processes keep busy: the machine's busy time from
  ``/proc/stat`` minus this process's own CPU time, over the interval since the last
  decision (the first interval starts when framework is imported; one shorter than
  0.1 s counts the other processes' runnable threads instead; systems without /proc
  use the load average);
* rounded to the nearest whole thread, at least one.

The decision is re-taken at most once a second (0.25 s after the first), from the
backward pass (one clock read per ``backward()`` call in between) and from
:func:`recheck`. Switching goes through threadpoolctl's controller (microseconds),
never through ``threadpool_limits()`` per operation. Importing framework reads
/proc/stat once and nothing more (threadpoolctl is not even imported): the first
decision is taken at the first ``backward()`` or :func:`get_num_threads` call.

``ZERONN_THREADS`` (``auto`` or a positive integer) sets the starting mode of a process.

The same count also splits a few large memory-bound numpy operations (im2col copies,
col2im adds, pooling, ReLU, optimizer updates) over Python threads: numpy releases the
GIL in its loops, so :func:`split` runs disjoint pieces of an array on the cores BLAS
uses for GEMMs (:func:`bounds` cuts the array). That only pays when OpenBLAS's idle
workers do not spin on those cores: they spin ``2**28`` cycles (about 0.1 s) after
each GEMM by default, so importing framework sets ``OPENBLAS_THREAD_TIMEOUT`` (read once,
when numpy loads) to :data:`BLAS_SPIN` (``2**16`` cycles, some 25 us) unless the user
set it. When numpy was imported before framework, the setting comes too late and
nothing is split. Measured (2 cores, 2 threads, the PyTorch MNIST example's step,
alternating fresh processes): 140 ms with OpenBLAS's default spin and no splitting,
126 ms at ``2**20`` cycles and 116 ms at ``2**4`` with splitting; the MLP step of
bench_core.py also got faster (13.1 -> 11.1-11.7 ms), the busy-waiting workers having
taken time from the main thread.
"""
import os
import threading
import time

__all__ = ["set_num_threads", "get_num_threads", "get_mode", "recheck", "tick", "thread_cap",
           "others_busy", "AUTO", "RECHECK_SECONDS", "parallel_parts", "bounds", "split",
           "split_work", "SPLIT_MIN", "BLAS_SPIN", "shorten_blas_spin"]

AUTO = "auto"
#: Minimum seconds between two automatic decisions.
RECHECK_SECONDS = 1.0
#: The first automatic interval is shorter, so a wrong first guess does not last.
FIRST_RECHECK_SECONDS = 0.25
#: The shortest interval whose /proc/stat difference is trusted (jiffies are 10 ms).
MIN_INTERVAL = 0.1
#: Variables that fix a thread pool's size when the library loads (the user's ceiling).
POOL_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "BLIS_NUM_THREADS")
#: Processes of one job sharing this host: a sweep's variable, then MPI launchers'.
WORKER_VARIABLES = ("ZERONN_WORKERS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                    "PMI_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE")

_mode = None          # AUTO or a pinned int; None until first needed
_current = None       # the thread count last set through the controller
_controller = None    # threadpoolctl's ThreadpoolController, made on first switch
_next_check = 0.0     # time.monotonic() of the next automatic decision
_sample = None        # (wall, own cpu seconds, busy jiffies, total jiffies) of the last look
_pool = None          # (pid, ThreadPoolExecutor) for split(); remade in a forked child


def _positive_int(text):
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if value >= 1 else None


def _cores():
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def _env_pins():
    pins = [_positive_int(os.environ[v]) for v in POOL_VARIABLES if os.environ.get(v)]
    return [p for p in pins if p is not None]


def _env_pin():
    """The smallest thread count the environment fixed for the pools, or None."""
    pins = _env_pins()
    return min(pins) if pins else None


def thread_cap():
    """The most threads ``"auto"`` uses: this process's share of its cores.

    Returns:
        ``max(1, cores // processes)``, where cores are those of the CPU affinity and
        processes the local size of an MPI job or ``ZERONN_WORKERS``; no more than an
        exported ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/``MKL_NUM_THREADS``.
    """
    cap = len(_cores())
    for var in WORKER_VARIABLES:
        workers = _positive_int(os.environ.get(var, ""))
        if workers is not None:
            cap = max(1, cap // workers)
            break
    pin = _env_pin()
    return min(cap, pin) if pin is not None else cap


# --------------------------------------------------------------------------- measuring
def _read_proc_stat(cores):
    """``(busy, total, procs_running)`` jiffies over ``cores`` from /proc/stat, or None."""
    try:
        with open("/proc/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    wanted = {f"cpu{c}" for c in cores}
    busy = total = 0
    running = None
    for line in text.splitlines():
        if line.startswith("cpu"):
            parts = line.split()
            if parts[0] not in wanted:
                continue
            values = [int(v) for v in parts[1:9]]  # user nice system idle iowait irq softirq steal
            total += sum(values)
            busy += sum(values) - values[3] - values[4]
        elif line.startswith("procs_running"):
            running = int(line.split()[1])
    if total == 0:
        return None
    return busy, total, running


def _own_running():
    """This process's threads that are running or runnable now (at least 1: this one)."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        count += state == b"R"
    return max(1, count)


def others_busy(cores=None):
    """Cores that other processes keep busy, as the automatic decision sees them.

    Over the interval since the previous call (the first one is taken when framework
    is imported): the machine's busy share from /proc/stat times the core count,
    minus this process's own CPU time (all its threads, spinning BLAS workers
    included) per second. When that interval is under 0.1 s: the runnable threads
    of other processes right now. Without /proc: the load average.

    Returns:
        A float >= 0 (cores), or None when the system offers nothing to measure.
    """
    global _sample
    cores = cores or _cores()
    now, own = time.monotonic(), time.process_time()
    stat = _read_proc_stat(cores)
    previous = _sample
    if stat is not None:
        busy, total, running = stat
        if previous is not None and total > previous[3] and now - previous[0] >= MIN_INTERVAL:
            _sample = (now, own, busy, total)
            share = (busy - previous[2]) / (total - previous[3])
            own_cores = (own - previous[1]) / (now - previous[0])
            return max(0.0, share * len(cores) - own_cores)
        if previous is None:
            _sample = (now, own, busy, total)
        if running is not None:
            return float(max(0, running - _own_running()))
        return None
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return None
    _sample = (now, own, 0, 0)
    own_cores = 0.0
    if previous is not None and now - previous[0] >= MIN_INTERVAL:
        own_cores = (own - previous[1]) / (now - previous[0])
    return max(0.0, load - own_cores)


def _auto_threads():
    cap = thread_cap()
    cores = _cores()
    others = others_busy(cores)
    if others is None:
        return cap
    return max(1, min(cap, int(len(cores) - others + 0.5)))


# --------------------------------------------------------------------------- switching
def _library_threads():
    from threadpoolctl import ThreadpoolController
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    counts = [lib.num_threads for lib in _controller.lib_controllers
              if lib.user_api == "blas"]
    return max(counts) if counts else 1


def _switch(n, refresh=False):
    """Set every BLAS/OpenMP pool of the process to ``n`` threads (µs when unchanged libs)."""
    global _controller, _current
    if n == _current and not refresh:
        return
    if _current is None and not refresh and set(_env_pins()) == {n}:
        _current = n  # the pools were created with this size: nothing to switch
        return
    from threadpoolctl import ThreadpoolController
    if _controller is None or refresh:
        _controller = ThreadpoolController()  # sees libraries loaded since the last look
    for lib in _controller.lib_controllers:
        lib.set_num_threads(n)
    _current = n


def _default_mode():
    value = os.environ.get("ZERONN_THREADS", "").strip().lower()
    if value in ("", AUTO):
        return AUTO
    n = _positive_int(value)
    if n is None:
        raise ValueError(f"ZERONN_THREADS={os.environ['ZERONN_THREADS']!r}: expected 'auto' "
                         f"or a positive integer")
    return n


def _decide(now, first=False):
    global _next_check
    first = first or _current is None
    _switch(_auto_threads())
    _next_check = now + (FIRST_RECHECK_SECONDS if first else RECHECK_SECONDS)


def tick():
    """Called once per ``backward()``: re-decide in ``"auto"`` mode when a second has passed."""
    if _mode is None:
        _start()
    if _mode == AUTO:
        now = time.monotonic()
        if now >= _next_check:
            _decide(now)


def _start():
    global _mode
    _mode = _default_mode()
    if _mode != AUTO:
        _switch(_mode)


def recheck(force=False):
    """Re-take the automatic decision now (the trainer calls this every epoch).

    Args:
        force: decide even when the last decision is less than a second old (the
            measurement interval is then short and coarser).

    Returns:
        The thread count in use afterwards.
    """
    if _mode is None:
        _start()
    if _mode == AUTO:
        now = time.monotonic()
        if force or now >= _next_check:
            _decide(now)
    return get_num_threads()


def set_num_threads(n):
    """Set the number of threads numpy's BLAS (and OpenMP pools) use, as PyTorch's name does.

    Args:
        n: a positive int pins the count until the next call; ``"auto"`` (the default
            mode) fits the count to the machine and re-checks it as it goes (see the
            module docstring).

    Raises:
        TypeError: ``n`` is neither an int nor ``"auto"``.
        ValueError: ``n`` is an int below 1.
    """
    global _mode, _next_check
    if isinstance(n, str) and n.strip().lower() == AUTO:
        _mode = AUTO
        _next_check = 0.0
        _decide(time.monotonic(), first=True)
        return
    if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__"):
        raise TypeError(f"set_num_threads: expected a positive int or 'auto', got {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive int or 'auto', got {n}")
    _mode = n
    _switch(n, refresh=True)


def get_num_threads():
    """The number of threads numpy's BLAS uses now.

    In ``"auto"`` mode the first call takes the first decision.

    Returns:
        An int >= 1.
    """
    if _mode is None:
        tick()
    if _current is not None:
        return _current
    return _library_threads()


def get_mode():
    """``"auto"`` or the pinned int (the value :func:`set_num_threads` last received)."""
    if _mode is None:
        _start()
    return _mode


# --------------------------------------------------------------------------- split work
#: Fewest elements an array operation needs before :func:`bounds` splits it.
SPLIT_MIN = 1 << 20
#: ``OPENBLAS_THREAD_TIMEOUT`` set when framework loads first (log2 of spin cycles).
BLAS_SPIN = 16
#: The longest user-set spin (log2 cycles) under which :func:`split` still splits.
MAX_SHORT_SPIN = 24
_short_spin = False   # whether OpenBLAS's workers sleep soon after a GEMM
_inside = threading.local()  # .piece: this thread runs a piece of split()


def shorten_blas_spin():
    """Set ``OPENBLAS_THREAD_TIMEOUT`` before numpy loads (see the module docstring).

    Returns:
        Whether OpenBLAS's idle workers stop spinning soon, so that :func:`split` may
        use the cores: numpy had not loaded yet and the variable (set here, or by the
        user) is at most :data:`MAX_SHORT_SPIN`.
    """
    global _short_spin
    import sys
    if "numpy" not in sys.modules:
        value = os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", str(BLAS_SPIN))
        _short_spin = (_positive_int(value) or 0) <= MAX_SHORT_SPIN
    return _short_spin


def parallel_parts():
    """How many parts :func:`split` runs side by side now: the BLAS thread count last
    decided or pinned (1 before the first decision, or when OpenBLAS's workers spin)."""
    return (_current or 1) if _short_spin else 1


def bounds(length, size=None):
    """Where to cut ``range(length)`` into :func:`parallel_parts` pieces (``parts + 1``
    increasing ints), or ``[0, length]`` when ``size`` (elements of work, default
    ``length``) is under :data:`SPLIT_MIN` or when called from inside a piece of
    :func:`split` (pieces never split again)."""
    big = (length if size is None else size) >= SPLIT_MIN
    parts = parallel_parts() if big and not getattr(_inside, "piece", False) else 1
    parts = max(1, min(parts, length))
    return [length * k // parts for k in range(parts + 1)]


def _run_piece(fn, start, stop):
    _inside.piece = True
    try:
        fn(start, stop)
    finally:
        _inside.piece = False


def split(fn, cuts, blas=False):
    """Run ``fn(cuts[k], cuts[k+1])`` for every piece of ``cuts`` (from :func:`bounds`)
    side by side on worker threads; the calling thread runs the first piece.

    numpy releases the GIL inside its loops, so array operations on disjoint pieces run
    on separate cores. The pieces must write disjoint memory. Pieces that call BLAS
    pass ``blas=True``: BLAS is then held to one thread while they run, each piece's
    GEMMs running on its own core (and a single piece runs with BLAS at one thread
    too: waking OpenBLAS's sleeping workers cost more than they gave on GEMMs too small
    to split). That needs OpenBLAS's idle workers asleep: with its default spin, 2
    threads x 20 GEMMs took as long as 40 in a row, the spinning workers holding the
    second core. Exceptions propagate after every piece ended.
    """
    global _pool
    pieces = len(cuts) - 1
    hold = (blas and _short_spin and _current not in (None, 1)
            and not getattr(_inside, "piece", False))
    restore = _current if hold else None
    if restore:
        _switch(1)
    futures = ()
    try:
        if pieces <= 1:
            fn(cuts[0], cuts[-1])
            return
        import concurrent.futures
        pid = os.getpid()
        if _pool is None or _pool[0] != pid or _pool[1]._max_workers < pieces - 1:
            _pool = (pid, concurrent.futures.ThreadPoolExecutor(
                max_workers=max(pieces - 1, len(_cores()) - 1), thread_name_prefix="framework"))
        futures = [_pool[1].submit(_run_piece, fn, cuts[k], cuts[k + 1])
                   for k in range(1, pieces)]
        try:
            _run_piece(fn, cuts[0], cuts[1])
        finally:
            concurrent.futures.wait(futures)  # no piece left running on shared buffers
    finally:
        if restore:
            _switch(restore)
    for f in futures:
        f.result()  # a piece's exception, raised here


def split_work(fn, length, size=None, blas=False, numpy=True):
    """``fn(a, b)`` over ``range(length)``: in pieces (:func:`bounds`, :func:`split`)
    when the arrays are numpy's, else in one call (cupy runs its own parallelism)."""
    if numpy:
        split(fn, bounds(length, size), blas=blas)
    else:
        fn(0, length)


def _before_fork():
    """Stop the idle worker threads before the process forks (a DataLoader's workers):
    the child would not have them anyway, and forking a process that runs threads is
    deprecated (Python 3.12 warns). The next split starts them again."""
    global _pool
    if _pool is not None and not getattr(_inside, "piece", False):
        pool, _pool = _pool, None
        pool[1].shutdown(wait=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork)


def _prime():
    """Take the first load sample when framework loads (one read of /proc/stat)."""
    try:
        others_busy()
    except (OSError, ValueError):  # an unreadable or unexpected /proc: decide later
        pass


_prime()
