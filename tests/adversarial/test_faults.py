"""save_dir problems, write faults during a run, stale temporaries, NaN losses.

A save_dir that cannot hold the run is bad input (exit 2, no run folder).  A write that
fails during the run (disk full, read-only, the folder gone) is one line naming the
folder and the last good checkpoint (exit 74); every checkpoint written before stays
loadable and no temporary file is left.
"""
import errno
import os
import subprocess
import uuid

import pytest

import framework.serialization as serialization
from adversarial_helpers import (check_fails, run_dirs, small_config, train_main,
                                 write_yaml)
from framework.trainer.checkpoint import load_checkpoint


@pytest.fixture
def saved(tmp_path):
    return tmp_path / "saved"


def _tmp_files(root):
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_save_dir_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    path = write_yaml(tmp_path / "c.yaml", small_config(blocker))
    check_fails(capsys, ["-c", path], "trainer.save_dir", "is a file", save_dir=tmp_path)
    path = write_yaml(tmp_path / "d.yaml", small_config(blocker / "below"))
    check_fails(capsys, ["-c", path], "trainer.save_dir", "is a file", save_dir=tmp_path)
    assert blocker.read_text() == "x"


def test_save_dir_too_long(tmp_path, capsys):
    long_dir = tmp_path / ("d" * 300)
    path = write_yaml(tmp_path / "c.yaml", small_config(long_dir))
    check_fails(capsys, ["-c", path], "trainer.save_dir", "longer than", save_dir=tmp_path)
    deep = tmp_path.joinpath(*(["abcdefghij"] * 420))
    path = write_yaml(tmp_path / "d.yaml", small_config(deep))
    check_fails(capsys, ["-c", path], "trainer.save_dir", "too long", save_dir=tmp_path)


def test_save_dir_override_to_a_file(tmp_path, saved, capsys):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    check_fails(capsys, ["-c", path, "--set", f"trainer.save_dir={blocker}"],
                "trainer.save_dir", save_dir=saved)


def test_log_folder_blocked_leaves_nothing(tmp_path, saved, capsys):
    # models/ can be made, log/ cannot: the half-made run is taken back
    saved.mkdir()
    (saved / "log").write_text("not a folder")
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    check_fails(capsys, ["-c", path], "trainer.save_dir", "log")
    assert not (saved / "models").exists()


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOSPC])
def test_save_dir_refused_by_the_file_system(tmp_path, saved, capsys, monkeypatch, code):
    import framework.trainer.run_dir as run_dir
    real = run_dir.os.makedirs

    def makedirs(path, *args, **kwargs):
        if os.fspath(path).startswith(str(saved)):
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real(path, *args, **kwargs)
    monkeypatch.setattr(run_dir.os, "makedirs", makedirs)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    check_fails(capsys, ["-c", path], "trainer.save_dir", os.strerror(code), save_dir=saved)
    assert not saved.exists()


def _failing_write(monkeypatch, target, error):
    """atomic_write fails for files named ``target``, after writing part of the file."""
    import framework.config.resolved as resolved
    real = serialization.atomic_write

    def atomic_write(path, write):
        if os.path.basename(os.fspath(path)) != target:
            return real(path, write)

        def partial(f):
            f.write(b"PK\x03\x04 half a file")
            raise error(os.fspath(path))
        return real(path, partial)
    monkeypatch.setattr(serialization, "atomic_write", atomic_write)
    monkeypatch.setattr(resolved, "atomic_write", atomic_write)


FAULTS = {
    "ENOSPC": lambda p: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), p),
    "EROFS": lambda p: OSError(errno.EROFS, os.strerror(errno.EROFS), p),
    "EIO": lambda p: OSError(errno.EIO, os.strerror(errno.EIO), p),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_write_fault_during_the_run(tmp_path, saved, capsys, monkeypatch, fault):
    _failing_write(monkeypatch, "checkpoint-epoch2.npz", FAULTS[fault])
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"trainer.epochs": 3,
                                                                  "trainer.monitor": "off"}))
    run = saved / "models" / "adv" / "w"
    first = run / "checkpoint-epoch1.npz"
    line = check_fails(capsys, ["-c", path, "-q", "--run-id", "w"], f"cannot write in {run}",
                       os.strerror(FAULTS[fault]("x").errno),
                       f"the last good checkpoint is {first}", f"python train.py -r {first}",
                       status=74)
    assert line.startswith("error: ")
    assert load_checkpoint(first).epoch == 1          # the earlier checkpoint is whole
    assert not (run / "checkpoint-epoch2.npz").exists()
    assert _tmp_files(saved) == []


def test_write_fault_before_any_checkpoint(tmp_path, saved, capsys, monkeypatch):
    _failing_write(monkeypatch, "model_best.npz", FAULTS["ENOSPC"])
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    check_fails(capsys, ["-c", path, "-q", "--run-id", "n"], "cannot write in",
                "no checkpoint was saved", status=74)
    assert _tmp_files(saved) == []


def test_config_yaml_write_fault_leaves_no_run_folder(tmp_path, saved, capsys, monkeypatch):
    _failing_write(monkeypatch, "config.yaml", FAULTS["ENOSPC"])
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    check_fails(capsys, ["-c", path, "-q"], "cannot write in", "No space", status=74,
                save_dir=saved)
    assert _tmp_files(saved) == []


def test_run_folder_vanishes(tmp_path, saved, capsys, monkeypatch):
    import shutil
    real = serialization.atomic_write

    def atomic_write(path, write):
        if os.path.basename(os.fspath(path)) == "checkpoint-epoch2.npz":
            shutil.rmtree(os.path.dirname(os.fspath(path)))
        return real(path, write)
    monkeypatch.setattr(serialization, "atomic_write", atomic_write)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"trainer.epochs": 3}))
    check_fails(capsys, ["-c", path, "-q", "--run-id", "v"], "cannot write in",
                str(saved / "models" / "adv" / "v"), status=74)


def _mount_tmpfs(where, size):
    where.mkdir()
    try:
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(where)], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0


@pytest.fixture
def tmpfs(tmp_path):
    """A 1 MiB tmpfs, where the machine allows mounting (root in a container)."""
    where = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    if not _mount_tmpfs(where, "1m"):
        pytest.skip("cannot mount a tmpfs here; the mocked ENOSPC tests cover the write path")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=10)


def test_disk_full_on_a_real_tmpfs(tmp_path, capsys, tmpfs):
    # ~0.6 MB per checkpoint: the first epoch's files fit, a later one does not
    cfg = small_config(tmpfs, **{"trainer.epochs": 6, "arch.args.hidden": [512],
                                 "trainer.monitor": "off", "lr_scheduler": None})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    line = check_fails(capsys, ["-c", path, "-q", "--run-id", "full"], "cannot write in",
                       "No space left", "the last good checkpoint is", status=74)
    last = line.split("the last good checkpoint is ")[1].split(" ")[0]
    assert load_checkpoint(last).epoch >= 1
    assert _tmp_files(tmpfs) == []


def test_read_only_tmpfs_save_dir(tmp_path, capsys, tmpfs):
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True, timeout=10)
    path = write_yaml(tmp_path / "c.yaml", small_config(tmpfs / "saved"))
    check_fails(capsys, ["-c", path, "-q"], "trainer.save_dir", "read-only", save_dir=tmpfs)


def test_stale_temporaries_are_removed_when_a_run_starts(tmp_path, saved, capsys):
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "old"]) == 0
    old = saved / "models" / "adv" / "old"
    dead = old / ".checkpoint-epoch2.npz.99999999.0badf00d.tmp"  # no such process
    dead.write_bytes(b"half")
    alive = old / f".checkpoint-epoch3.npz.{os.getpid()}.0badf00d.tmp"  # a write under way
    alive.write_bytes(b"half")
    other = old / "notes.tmp"  # not ours: left alone
    other.write_text("mine")
    assert train_main(["-c", path, "-q", "--run-id", "new"]) == 0
    assert not dead.exists() and alive.exists() and other.exists()
    dead.write_bytes(b"half")  # resuming cleans the checkpoint's folder too
    assert train_main(["-r", str(old / "checkpoint-epoch1.npz"), "-q", "--epochs", "2",
                       "--run-id", "resumed"]) == 0
    assert not dead.exists()


NAN_PLUGIN = '''
import numpy as np
import framework as fw
from framework.plugin import hookimpl

class LateNaN(fw.data.Dataset):
    """Finite for the first epoch's batches, NaN from sample `start` on."""
    def __init__(self, start=10_000, train=True):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((256, 64)).astype(np.float32)
        self.t = rng.integers(0, 10, 256)
        self.x[start:] = np.nan
    def __len__(self):
        return 256
    def __getitem__(self, i):
        return self.x[i], self.t[i]

@hookimpl
def register_datasets(register):
    register("late_nan", LateNaN)
'''


@pytest.fixture
def nan_plugin(tmp_path, monkeypatch):
    import sys
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nan_plugin_mod.py").write_text(NAN_PLUGIN)
    yield "nan_plugin_mod"
    sys.modules.pop("nan_plugin_mod", None)


def test_nan_in_the_input_data_is_blamed_on_the_data(tmp_path, saved, capsys, nan_plugin):
    cfg = small_config(saved, plugins=[nan_plugin], **{
        "data_loader.args.dataset": {"type": "late_nan", "args": {"start": 200}},
        "data_loader.args.shuffle": False, "data_loader.args.validation_split": 0.0,
        "data_loader.args.batch_size": 64, "trainer.monitor": "min loss"})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    line = check_fails(capsys, ["-c", path, "-q", "--run-id", "nan"], "epoch 1, batch 4",
                       "input batch holds NaN", "not the learning rate",
                       "no checkpoint was saved yet", status=1)
    assert "good checkpoint" not in line


def test_diverging_model_names_the_checkpoint_that_exists(tmp_path, saved, capsys):
    cfg = small_config(saved, **{"optimizer": {"type": "SGD", "args": {"lr": 1e30}},
                                 "lr_scheduler": None, "trainer.epochs": 5,
                                 "data_loader.args.batch_size": 32})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    line = check_fails(capsys, ["-c", path, "-q", "--run-id", "div"], "the loss became",
                       "the model diverged", "optimizer.args.lr", status=1)
    if "the last good checkpoint is " in line:
        named = line.split("the last good checkpoint is ")[1].split(" ")[0]
        assert os.path.isfile(named)
    else:
        assert "no checkpoint was saved yet" in line
        assert not list((saved / "models" / "adv" / "div").glob("*.npz"))


def test_a_bug_in_zeronn_says_so_with_its_traceback(tmp_path, saved, capsys, monkeypatch):
    import framework.trainer.cli as cli

    def broken(*args, **kwargs):
        raise RuntimeError("an internal invariant broke")
    monkeypatch.setattr(cli, "config_to_dict", broken)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved))
    assert train_main(["-c", path, "-q"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: an internal invariant broke" in err
    assert err.strip().splitlines()[-1].startswith("error: this is a bug in zeronn")
    assert run_dirs(saved) == []
    with pytest.raises(RuntimeError):  # --debug lets it through
        train_main(["-c", path, "-q", "--debug"])
