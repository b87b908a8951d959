"""trainer.threads (auto | N) and --threads N in the trainer."""
import pytest
from threadpoolctl import threadpool_info

import framework.trainer.trainer as trainer_module
from framework import threads
from framework.trainer.cli import train_main


@pytest.fixture
def seen_threads(monkeypatch):
    """BLAS thread counts seen at the start of every training epoch."""
    seen = []
    real = trainer_module.Trainer._train_epoch

    def spy(self, epoch):
        seen.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        return real(self, epoch)

    monkeypatch.setattr(trainer_module.Trainer, "_train_epoch", spy)
    saved = threads.get_mode()
    yield seen
    threads.set_num_threads(saved)


@pytest.mark.parametrize("n", [1, 2])
def test_config_threads_pins_the_count_for_the_run(write_config, seen_threads, n):
    before = threads.get_mode()
    path = write_config(**{"trainer.epochs": 2, "trainer.threads": n})
    assert train_main(["-c", str(path), "-q"]) == 0
    assert seen_threads == [{n}, {n}]
    assert threads.get_mode() == before  # the process's own setting comes back


def test_command_line_threads_wins_over_the_config(write_config, seen_threads):
    path = write_config(**{"trainer.epochs": 1, "trainer.threads": 2})
    assert train_main(["-c", str(path), "-q", "--threads", "1"]) == 0
    assert seen_threads == [{1}]


def test_auto_is_the_default_and_is_logged(write_config, tmp_path):
    assert train_main(["-c", str(write_config(**{"trainer.epochs": 1})), "-q"]) == 0
    log = next((tmp_path / "saved" / "log").rglob("info.log")).read_text()
    assert "BLAS threads auto (now " in log


@pytest.mark.parametrize("value", ["0", "many", "1.5"])
def test_bad_threads_value_is_one_line(write_config, capsys, value):
    status = train_main(["-c", str(write_config()), "--set", f"trainer.threads={value}"])
    err = capsys.readouterr().err
    assert status == 2 and "trainer.threads" in err and "'auto' or a positive integer" in err
