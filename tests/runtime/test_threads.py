"""fw.set_num_threads / fw.get_num_threads and the "auto" thread policy."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import framework as fw
from framework import threads

REPO = Path(__file__).resolve().parents[2]


def _blas_counts():
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture(autouse=True)
def _restore_thread_state(monkeypatch):
    for var in threads.POOL_VARIABLES + threads.WORKER_VARIABLES + ("ZERONN_THREADS",):
        monkeypatch.delenv(var, raising=False)
    saved = (threads._mode, threads._current, threads._next_check, threads._sample)
    library = threads._library_threads()
    yield
    threads._mode, threads._current, threads._next_check, threads._sample = saved
    threads._switch(library, refresh=True)
    threads._current = saved[1]


class FakeStat:
    """/proc/stat as a sequence of readings: busy and total jiffies over the cores."""

    def __init__(self, monkeypatch, cores=2):
        self.busy = self.total = 0
        self.running = 1
        monkeypatch.setattr(threads, "_cores", lambda: list(range(cores)))
        monkeypatch.setattr(threads, "_read_proc_stat",
                            lambda cores: (self.busy, self.total, self.running))
        self.clock = 1000.0
        self.cpu = 0.0
        monkeypatch.setattr(threads.time, "monotonic", lambda: self.clock)
        monkeypatch.setattr(threads.time, "process_time", lambda: self.cpu)
        monkeypatch.setattr(threads, "_own_running", lambda: 1)
        monkeypatch.setattr(threads, "_sample", None)

    def advance(self, seconds, busy_cores, own_cores, cores=2):
        """``seconds`` pass with ``busy_cores`` busy in all, ``own_cores`` of them ours."""
        self.clock += seconds
        self.cpu += own_cores * seconds
        self.total += int(100 * cores * seconds)
        self.busy += int(100 * busy_cores * seconds)


def test_pinned_counts_reach_the_blas_library():
    fw.set_num_threads(1)
    assert fw.get_num_threads() == 1 and _blas_counts() == {1}
    assert threads.get_mode() == 1
    fw.set_num_threads(2)
    assert fw.get_num_threads() == 2 and _blas_counts() == {2}


@pytest.mark.parametrize("bad, kind", [(0, ValueError), (-3, ValueError), ("two", TypeError),
                                       (1.5, TypeError), (True, TypeError), (None, TypeError)])
def test_bad_thread_counts_name_the_value(bad, kind):
    with pytest.raises(kind, match="positive int or 'auto'") as info:
        fw.set_num_threads(bad)
    assert repr(bad) in str(info.value) or str(bad) in str(info.value)


def test_numpy_integers_are_accepted():
    fw.set_num_threads(np.int64(1))
    assert fw.get_num_threads() == 1


def test_auto_uses_every_core_on_a_free_machine_and_one_when_others_hold_them(monkeypatch):
    stat = FakeStat(monkeypatch)
    stat.running = 1  # only this process runs
    fw.set_num_threads("auto")
    assert fw.get_num_threads() == 2
    stat.advance(1.5, busy_cores=2.0, own_cores=1.0)  # another process holds a core
    threads.recheck()
    assert fw.get_num_threads() == 1 and _blas_counts() == {1}
    stat.advance(1.5, busy_cores=1.0, own_cores=1.0)  # it stopped
    threads.recheck()
    assert fw.get_num_threads() == 2 and _blas_counts() == {2}


def test_own_spinning_threads_do_not_count_as_load(monkeypatch):
    stat = FakeStat(monkeypatch)
    fw.set_num_threads("auto")
    stat.advance(2.0, busy_cores=1.9, own_cores=1.9)
    assert threads.recheck() == 2


def test_first_decision_counts_other_runnable_processes(monkeypatch):
    stat = FakeStat(monkeypatch)
    stat.running = 3  # this process and two others
    fw.set_num_threads("auto")
    assert fw.get_num_threads() == 1


def test_first_interval_starts_at_the_import_sample(monkeypatch):
    stat = FakeStat(monkeypatch)
    threads.others_busy()  # what importing framework does
    stat.running = 5  # a momentary spike that the interval's average does not show
    stat.advance(0.5, busy_cores=0.6, own_cores=0.5)
    fw.set_num_threads("auto")
    assert fw.get_num_threads() == 2


def test_own_running_threads_are_counted_from_proc():
    if not os.path.exists("/proc/self/task"):
        pytest.skip("no /proc/self/task on this system")
    assert threads._own_running() >= 1


def test_recheck_waits_a_second_unless_forced(monkeypatch):
    stat = FakeStat(monkeypatch)
    fw.set_num_threads("auto")
    stat.advance(threads.FIRST_RECHECK_SECONDS + 0.01, busy_cores=2.0, own_cores=1.0)
    assert threads.recheck() == 1
    stat.advance(0.3, busy_cores=1.0, own_cores=1.0)
    assert threads.recheck() == 1  # too soon: the last decision stands
    assert threads.recheck(force=True) == 2


def test_backward_rechecks_in_auto_mode(monkeypatch):
    stat = FakeStat(monkeypatch)
    fw.set_num_threads("auto")
    assert fw.get_num_threads() == 2
    stat.advance(2.0, busy_cores=2.0, own_cores=0.8)
    x = fw.Variable(np.ones(3))
    (x * 2.0).sum().backward()
    assert fw.get_num_threads() == 1


def test_a_pinned_count_ignores_the_load(monkeypatch):
    stat = FakeStat(monkeypatch)
    fw.set_num_threads(2)
    stat.advance(2.0, busy_cores=2.0, own_cores=0.2)
    x = fw.Variable(np.ones(3))
    (x * 2.0).sum().backward()
    assert threads.recheck() == 2 and fw.get_num_threads() == 2


@pytest.mark.parametrize("env, cap", [
    ({}, 8),
    ({"ZERONN_WORKERS": "4"}, 2),
    ({"OMPI_COMM_WORLD_LOCAL_SIZE": "3"}, 2),
    ({"MPI_LOCALNRANKS": "16"}, 1),
    ({"PMI_LOCAL_SIZE": "2"}, 4),
    ({"OPENBLAS_NUM_THREADS": "3"}, 3),
    ({"OMP_NUM_THREADS": "1", "ZERONN_WORKERS": "2"}, 1),
    ({"ZERONN_WORKERS": "junk"}, 8),
])
def test_cap_divides_the_cores_among_a_jobs_processes(monkeypatch, env, cap):
    monkeypatch.setattr(threads, "_cores", lambda: list(range(8)))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert threads.thread_cap() == cap


def test_auto_never_goes_over_the_cap(monkeypatch):
    stat = FakeStat(monkeypatch)
    monkeypatch.setenv("ZERONN_WORKERS", "2")
    fw.set_num_threads("auto")
    assert fw.get_num_threads() == 1
    stat.advance(2.0, busy_cores=0.0, own_cores=0.0)
    assert threads.recheck() == 1


def test_others_busy_without_proc_stat_uses_the_load_average(monkeypatch):
    monkeypatch.setattr(threads, "_read_proc_stat", lambda cores: None)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.7, 1.0, 1.0), raising=False)
    threads._sample = None
    assert threads.others_busy([0, 1]) == pytest.approx(1.7)


def test_real_proc_stat_is_read():
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc/stat on this system (the load-average path is tested above)")
    busy, total, running = threads._read_proc_stat(threads._cores())
    assert 0 <= busy <= total and total > 0 and running >= 1


def _run(code, **env):
    full = {k: v for k, v in os.environ.items()
            if k not in threads.POOL_VARIABLES + ("ZERONN_THREADS",)}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_environment_sets_the_starting_mode():
    code = "import framework as fw; print(fw.threads.get_mode(), fw.get_num_threads())"
    assert _run(code, ZERONN_THREADS="1") == "1 1"
    assert _run(code, ZERONN_THREADS="auto", OPENBLAS_NUM_THREADS="1") == "auto 1"


def test_bad_environment_value_is_named():
    code = "import framework as fw; fw.get_num_threads()"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                         env={**os.environ, "ZERONN_THREADS": "many"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "ZERONN_THREADS='many'" in out.stderr


def test_import_takes_no_decision_and_loads_no_threadpoolctl():
    code = ("import sys, framework; from framework import threads; "
            "print(threads._mode, 'threadpoolctl' in sys.modules)")
    assert _run(code) == "None False"
