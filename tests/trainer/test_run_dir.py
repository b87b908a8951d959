"""framework.trainer.run_dir: run folders that never collide."""
import os
import threading
from datetime import datetime

import pytest

from framework.errors import ConfigError
from framework.trainer.run_dir import make_run_dirs

NOW = datetime(2024, 3, 7, 9, 5, 1)


def test_layout_and_default_run_id(tmp_path):
    models, log = make_run_dirs(tmp_path / "saved", "digits_mlp", now=NOW)
    assert models == os.path.join(tmp_path / "saved", "models", "digits_mlp", "0307_090501")
    assert log == os.path.join(tmp_path / "saved", "log", "digits_mlp", "0307_090501")
    assert os.path.isdir(models) and os.path.isdir(log)
    assert os.listdir(models) == [] and os.listdir(log) == []


def test_default_run_id_uses_the_clock(tmp_path):
    before = datetime.now().strftime("%m%d")
    models, _ = make_run_dirs(tmp_path, "exp")
    run_id = os.path.basename(models)
    assert len(run_id) == len("0307_090501") and run_id[4] == "_"
    assert run_id[:4] in (before, datetime.now().strftime("%m%d"))


def test_two_runs_in_the_same_second_get_suffixes(tmp_path):
    first = make_run_dirs(tmp_path, "exp", now=NOW)
    second = make_run_dirs(tmp_path, "exp", now=NOW)
    third = make_run_dirs(tmp_path, "exp", now=NOW)
    assert [os.path.basename(p[0]) for p in (first, second, third)] == \
        ["0307_090501", "0307_090501_1", "0307_090501_2"]
    assert [os.path.basename(p[1]) for p in (first, second, third)] == \
        ["0307_090501", "0307_090501_1", "0307_090501_2"]


def test_existing_folders_are_skipped(tmp_path):
    os.makedirs(tmp_path / "models" / "exp" / "run")
    os.makedirs(tmp_path / "models" / "exp" / "run_1")
    (tmp_path / "models" / "exp" / "run" / "config.yaml").write_text("keep me")
    models, log = make_run_dirs(tmp_path, "exp", run_id="run")
    assert os.path.basename(models) == "run_2" and os.path.basename(log) == "run_2"
    assert (tmp_path / "models" / "exp" / "run" / "config.yaml").read_text() == "keep me"


def test_stray_log_folder_is_skipped_and_claim_released(tmp_path):
    os.makedirs(tmp_path / "log" / "exp" / "run")
    models, log = make_run_dirs(tmp_path, "exp", run_id="run")
    assert os.path.basename(models) == "run_1" == os.path.basename(log)
    assert not os.path.exists(tmp_path / "models" / "exp" / "run")


def test_concurrent_claims_get_distinct_folders(tmp_path):
    results, errors = [], []
    barrier = threading.Barrier(8)

    def claim():
        barrier.wait()
        try:
            results.append(make_run_dirs(tmp_path, "exp", now=NOW))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({m for m, _ in results}) == 8 and len({lg for _, lg in results}) == 8


@pytest.mark.parametrize("name", ["", "../escape", "a/b", "with space", ".hidden", "x" * 101,
                                  "-dash", 5, None])
def test_unsafe_names_are_config_errors(tmp_path, name):
    with pytest.raises(ConfigError, match="name"):
        make_run_dirs(tmp_path, name)
    assert not os.path.exists(tmp_path / "models")


def test_unsafe_run_id(tmp_path):
    with pytest.raises(ConfigError, match="run_id"):
        make_run_dirs(tmp_path, "exp", run_id="../../etc")


def test_safe_names_allowed(tmp_path):
    for name in ("digits_mlp", "MNIST-cnn.v2", "0"):
        models, log = make_run_dirs(tmp_path, name, now=NOW)
        assert models == os.path.join(tmp_path, "models", name, "0307_090501")
        assert log == os.path.join(tmp_path, "log", name, "0307_090501")
        assert os.path.isdir(models) and os.path.isdir(log)
