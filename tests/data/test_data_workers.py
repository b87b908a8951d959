"""DataLoader(num_workers > 0): the batches of num_workers=0 in the same order, exact
mid-epoch resume, worker seeds, exceptions naming the sample index, and no process left
behind after an exception, an early break, a crash or Ctrl-C."""
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from framework.data import (DataLoader, Dataset, RandomSampler, SplitDataLoader,
                            TensorDataset, WeightedRandomSampler, get_worker_info)

ROOT = Path(__file__).resolve().parents[2]


class Samples(Dataset):
    """Sample i is (a (2, 3) array of i's, the int i); optional failures at chosen indices."""

    def __init__(self, n=53, fail_at=None, exit_at=None, sleep=0.0):
        self.n, self.fail_at, self.exit_at, self.sleep = n, fail_at, exit_at, sleep

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.sleep:
            time.sleep(self.sleep)
        if i == self.fail_at:
            raise ValueError(f"cannot decode record {i}")
        if i == self.exit_at:
            os._exit(3)
        return np.full((2, 3), i, np.float32), i


def _same(batches_a, batches_b):
    assert len(batches_a) == len(batches_b)
    for k, (a, b) in enumerate(zip(batches_a, batches_b)):
        assert type(a) is type(b)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y, err_msg=f"batch {k}")
            assert np.asarray(x).dtype == np.asarray(y).dtype


def _epochs(loader, n=2):
    return [batch for _ in range(n) for batch in loader]


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("dataset", [Samples(), TensorDataset(np.arange(106.0).reshape(53, 2),
                                                              np.arange(53))],
                         ids=["samples", "tensors"])
@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (False, True)])
def test_two_workers_yield_exactly_the_batches_of_none(dataset, shuffle, drop_last):
    plain = _epochs(DataLoader(dataset, batch_size=7, shuffle=shuffle, drop_last=drop_last,
                               seed=3))
    loader = DataLoader(dataset, batch_size=7, shuffle=shuffle, drop_last=drop_last, seed=3,
                        num_workers=2)
    _same(_epochs(loader), plain)
    assert loader.epoch == 2 and len(plain) == 2 * len(loader)


def test_workers_with_a_sampler_and_persistent_workers():
    ds = Samples(40)
    weights = np.linspace(0.0, 1.0, 40)
    plain = _epochs(DataLoader(ds, batch_size=6, seed=1,
                               sampler=WeightedRandomSampler(weights, 30, seed=4)), 3)
    loader = DataLoader(ds, batch_size=6, num_workers=2, persistent_workers=True, seed=1,
                        sampler=WeightedRandomSampler(weights, 30, seed=4), prefetch_factor=1)
    _same(_epochs(loader, 3), plain)
    assert loader._pool is not None and len(multiprocessing.active_children()) == 2
    loader._pool.shutdown()


@pytest.mark.parametrize("workers_before,workers_after", [(2, 2), (0, 2), (2, 0)])
def test_mid_epoch_resume_is_exact(workers_before, workers_after):
    ds = Samples(50)
    straight = _epochs(DataLoader(ds, batch_size=4, shuffle=True, seed=11), 2)
    loader = DataLoader(ds, batch_size=4, shuffle=True, seed=11, num_workers=workers_before)
    first = list(loader)  # epoch 0
    it = iter(loader)
    first += [next(it) for _ in range(5)]
    state = loader.state_dict()
    del it
    assert state["epoch"] == 1 and state["position"] == 5
    resumed = DataLoader(ds, batch_size=4, shuffle=True, seed=999, num_workers=workers_after)
    resumed.load_state_dict(state)
    _same(first + list(resumed), straight)


def test_mid_epoch_resume_with_a_random_sampler():
    ds = Samples(30)
    straight = _epochs(DataLoader(ds, batch_size=4, sampler=RandomSampler(ds, seed=2)), 2)
    loader = DataLoader(ds, batch_size=4, sampler=RandomSampler(ds, seed=2), num_workers=2)
    first = list(loader)
    it = iter(loader)
    first += [next(it), next(it)]
    state = loader.state_dict()
    del it
    resumed = DataLoader(ds, batch_size=4, sampler=RandomSampler(ds, seed=77), num_workers=2)
    resumed.load_state_dict(state)
    _same(first + list(resumed), straight)


def test_a_worker_exception_names_the_sample_index_and_stops_the_workers():
    loader = DataLoader(Samples(40, fail_at=17), batch_size=5, num_workers=2)
    with pytest.raises(ValueError, match=r"(?s)DataLoader worker process 1 while loading "
                                         r"sample index 17 \(batch 3\).*cannot decode record 17"):
        list(loader)
    assert multiprocessing.active_children() == []


def test_the_main_process_names_the_index_too():
    with pytest.raises(ValueError, match="cannot decode record 4") as info:
        list(DataLoader(Samples(10, fail_at=4), batch_size=3))
    assert any("sample index 4" in note for note in info.value.__notes__)


def test_early_break_stops_the_workers():
    loader = DataLoader(Samples(60), batch_size=2, num_workers=2)
    for k, _ in enumerate(loader):
        assert len(multiprocessing.active_children()) == 2
        if k == 3:
            break
    assert multiprocessing.active_children() == []
    assert len(list(loader)) == 30  # a new pass starts the workers again


def test_a_crashed_worker_is_reported():
    loader = DataLoader(Samples(20, exit_at=5), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited unexpectedly "
                                           r"with exit code 3"):
        list(loader)


def test_timeout():
    loader = DataLoader(Samples(4, sleep=1.0), batch_size=2, num_workers=1, timeout=0.3)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(iter(loader))


class Seeds(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([info.id, info.seed % 1000, np.random.randint(1 << 30),
                         _INIT.get(info.id, -1)])


_INIT = {}


def _init(worker_id):
    _INIT[worker_id] = 100 + worker_id


def test_worker_seeds_come_from_the_loader_seed_and_init_fn_runs():
    def run(seed):
        loader = DataLoader(Seeds(), batch_size=2, num_workers=2, seed=seed, worker_init_fn=_init)
        return np.concatenate(list(loader))
    a, b, c = run(5), run(5), run(6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[:, 2], c[:, 2])
    np.testing.assert_array_equal(a[:, 0], [0, 0, 1, 1, 0, 0, 1, 1])  # batch b -> worker b % 2
    np.testing.assert_array_equal(a[:, 3], 100 + a[:, 0])
    assert len(set(a[a[:, 0] == 0, 2]) & set(a[a[:, 0] == 1, 2])) == 0
    assert get_worker_info() is None


def test_worker_init_fn_failure_is_reported():
    def bad_init(worker_id):
        raise OSError(f"no device for worker {worker_id}")
    with pytest.raises(OSError, match="worker_init_fn of DataLoader worker process 0"):
        list(DataLoader(Samples(4), batch_size=2, num_workers=1, worker_init_fn=bad_init))


@pytest.mark.parametrize("kwargs,message", [
    (dict(num_workers=-1), "num_workers=-1 is invalid"),
    (dict(prefetch_factor=2), "prefetch_factor needs num_workers > 0"),
    (dict(persistent_workers=True), "persistent_workers=True needs num_workers > 0"),
    (dict(timeout=-1, num_workers=1), "timeout=-1 is invalid"),
    (dict(worker_init_fn=3, num_workers=1), "worker_init_fn=3 is not callable"),
    (dict(shuffle=True, sampler=[0, 1]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_size=2, batch_sampler=[[0, 1]]), "batch_sampler option is mutually exclusive"),
])
def test_bad_worker_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Samples(4), **kwargs)


def test_pin_memory_is_accepted_and_changes_nothing():
    ds = Samples(9)
    _same(list(DataLoader(ds, batch_size=4, pin_memory=True)), list(DataLoader(ds, batch_size=4)))


def test_split_loader_passes_the_worker_settings_to_validation():
    ds = TensorDataset(np.arange(40.0), np.arange(40))
    loader = SplitDataLoader(ds, batch_size=4, validation_split=0.25, seed=0, num_workers=2,
                             pin_memory=True)
    valid = loader.split_validation()
    assert valid.num_workers == 2
    plain = SplitDataLoader(ds, batch_size=4, validation_split=0.25, seed=0)
    _same(list(loader), list(plain))
    _same(list(valid), list(plain.split_validation()))


CTRL_C_CHILD = textwrap.dedent('''
    import multiprocessing, sys, time
    import numpy as np
    from framework.data import DataLoader, Dataset

    class Slow(Dataset):
        def __len__(self):
            return 1000
        def __getitem__(self, i):
            time.sleep(0.05)
            return np.zeros(2)

    loader = DataLoader(Slow(), batch_size=2, num_workers=2)
    try:
        for k, _ in enumerate(loader):
            if k == 0:
                pids = [p.pid for p in multiprocessing.active_children()]
                print("PIDS", *pids, flush=True)
    except KeyboardInterrupt:
        print("INTERRUPTED", len(multiprocessing.active_children()), flush=True)
        sys.exit(0)
    print("NOT INTERRUPTED", flush=True)
''')


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not hasattr(os, "killpg") or not Path("/proc").exists(),
                    reason="needs POSIX process groups and /proc")
def test_ctrl_c_leaves_no_worker_process():
    # The whole process group gets SIGINT, as a terminal's Ctrl-C does.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CTRL_C_CHILD], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("PIDS"), line + child.stderr.read()
        pids = [int(p) for p in line.split()[1:]]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        os.killpg(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert "INTERRUPTED 0" in out, out + err
    assert child.returncode == 0
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)
    assert "Traceback" not in err, err  # the workers ignore SIGINT: no traceback from them


def test_exception_in_a_subprocess_leaves_no_children():
    script = textwrap.dedent('''
        import multiprocessing, os
        import numpy as np
        from framework.data import DataLoader, Dataset
        class Bad(Dataset):
            def __len__(self):
                return 30
            def __getitem__(self, i):
                if i == 21:
                    raise KeyError(i)
                return np.zeros(1)
        try:
            list(DataLoader(Bad(), batch_size=3, num_workers=3))
        except KeyError as exc:
            print("RAISED", "sample index 21" in str(exc), len(multiprocessing.active_children()))
    ''')
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.stdout.strip() == "RAISED True 0", result.stdout + result.stderr
