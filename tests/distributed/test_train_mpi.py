"""train.py on several processes: the same run as one process with the whole batch,
rank 0 alone writes, and a resumed 2-process run continues exactly."""
import json
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]

ARGS = ["-c", str(REPO / "configs" / "default.yaml"), "--epochs", "3",
        "--set", "arch.args.batch_norm=false", "--set", "trainer.save_period=1",
        "--set", "trainer.tensorboard=false", "--threads", "1"]


def _run_dir(save_dir):
    runs = sorted((save_dir / "models" / "digits_mlp").iterdir())
    assert len(runs) == 1, runs  # one run folder, whatever the number of processes
    return runs[0]


def _checkpoint(path):
    with np.load(path) as f:
        meta = json.loads(bytes(f["__metadata__"]).decode())
        weights = {k: f[k] for k in f.files if k.startswith("model/")}
    return weights, meta["metadata"]["history"]


def _same_history(a, b, rtol=1e-5):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert x[key] == pytest.approx(y[key], rel=rtol, abs=1e-7), (key, x, y)


@pytest.mark.slow  # about 7 s on 2 shared cores
def test_two_processes_train_as_one_with_twice_the_batch(mpirun, python_run, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    r = python_run(REPO / "train.py", *ARGS, "--bs", "64", "--set",
                   f"trainer.save_dir={one}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = mpirun(2, REPO / "train.py", *ARGS, "--bs", "32", "--set",
               f"trainer.save_dir={two}", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("epoch 3/3") == 1  # rank 0 alone prints
    w1, h1 = _checkpoint(_run_dir(one) / "checkpoint-epoch3.npz")
    w2, h2 = _checkpoint(_run_dir(two) / "checkpoint-epoch3.npz")
    assert w1.keys() == w2.keys()
    for k in w1:
        np.testing.assert_allclose(w1[k], w2[k], rtol=1e-4, atol=2e-6, err_msg=k)
    _same_history(h1, h2)
    assert h2[-1]["val_accuracy"] > 0.8  # it learned (0.85 after 3 epochs)


@pytest.mark.slow
def test_resumed_two_process_run_continues_exactly(mpirun, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    r = mpirun(2, REPO / "train.py", *ARGS, "--epochs", "4", "--set",
               f"trainer.save_dir={full}", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    r = mpirun(2, REPO / "train.py", *ARGS, "--epochs", "2", "--set",
               f"trainer.save_dir={part}", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    ck = _run_dir(part) / "checkpoint-epoch2.npz"
    r = mpirun(2, REPO / "train.py", "-r", ck, "--epochs", "4", "--threads", "1",
               cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    runs = sorted((part / "models" / "digits_mlp").iterdir())
    assert len(runs) == 2
    w_full, h_full = _checkpoint(_run_dir(full) / "checkpoint-epoch4.npz")
    w_res, h_res = _checkpoint(runs[1] / "checkpoint-epoch4.npz")
    for k in w_full:
        np.testing.assert_array_equal(w_full[k], w_res[k], err_msg=k)
    assert [{k: e[k] for k in ("loss", "val_loss", "accuracy")} for e in h_full] == \
        [{k: e[k] for k in ("loss", "val_loss", "accuracy")} for e in h_res]


@pytest.mark.slow
def test_nproc_runs_the_job_and_a_bad_config_is_one_line(python_run, mpirun, tmp_path):
    r = python_run(REPO / "train.py", *ARGS, "--epochs", "1", "--nproc", "2", "--set",
                   f"trainer.save_dir={tmp_path / 's'}", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "data-parallel on 2 processes (mpi)" in r.stdout
    r = python_run(REPO / "train.py", *ARGS, "--nproc", "2", "--set",
                   "trainer.monitor=sideways", cwd=tmp_path, timeout=120)
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "trainer.monitor" in lines[0], \
        r.stderr
    assert not (tmp_path / "saved").exists()


@pytest.mark.slow
def test_sync_batchnorm_two_processes_train_as_one(mpirun, python_run, tmp_path):
    # SGD: the bias of a Linear before BatchNorm has a gradient of zero up to rounding,
    # which Adam would turn into steps of size lr in either run alike
    bn = [a if a != "arch.args.batch_norm=false" else "arch.args.batch_norm=true"
          for a in ARGS] + ["--set", "optimizer={type: SGD, args: {lr: 0.05, momentum: 0.9}}"]
    one, two = tmp_path / "one", tmp_path / "two"
    r = python_run(REPO / "train.py", *bn, "--bs", "64", "--set", f"trainer.save_dir={one}",
                   cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = mpirun(2, REPO / "train.py", *bn, "--bs", "32", "--set", f"trainer.save_dir={two}",
               "--set", "distributed.sync_batchnorm=true", cwd=tmp_path,
               timeout=120)
    assert r.returncode == 0, r.stderr
    w1, h1 = _checkpoint(_run_dir(one) / "checkpoint-epoch3.npz")
    w2, h2 = _checkpoint(_run_dir(two) / "checkpoint-epoch3.npz")
    assert any("running_var" in k for k in w1)
    for k in w1:
        np.testing.assert_allclose(w1[k], w2[k], rtol=1e-4, atol=5e-6, err_msg=k)
    _same_history(h1, h2, rtol=1e-4)
