"""framework.logger.logging_setup: console + info.log, levels, idempotence, closing."""
import logging
import re
import sys

import pytest
from tqdm import tqdm

from framework.logger import (LOG_FILE, close_logging, get_logger, setup_logging,
                              verbosity_level)


def _emit_all(logger):
    logger.debug("a debug line")
    logger.info("an info line")
    logger.warning("a warning line")


def test_console_and_file(tmp_path, capsys):
    logger = setup_logging(tmp_path / "log", verbosity=2)
    assert logger.name == "zeronn" and logger is get_logger()
    get_logger("trainer").info("epoch 1: loss 0.5")
    close_logging()
    out = capsys.readouterr().out
    assert out == "epoch 1: loss 0.5\n"  # the console shows the bare message
    text = (tmp_path / "log" / LOG_FILE).read_text()
    assert "zeronn.trainer - INFO - epoch 1: loss 0.5" in text


@pytest.mark.parametrize("verbosity, shown", [
    (0, ["a warning line"]),
    (1, ["an info line", "a warning line"]),
    (2, ["a debug line", "an info line", "a warning line"]),
])
def test_verbosity_levels(tmp_path, capsys, verbosity, shown):
    _emit_all(setup_logging(tmp_path, verbosity=verbosity))
    close_logging()
    assert capsys.readouterr().out.splitlines() == shown
    file_lines = (tmp_path / LOG_FILE).read_text().splitlines()
    assert [line.rsplit(" - ", 1)[1] for line in file_lines] == shown


def test_quiet_console_keeps_full_file(tmp_path, capsys):
    _emit_all(setup_logging(tmp_path, verbosity=1, quiet=True))
    close_logging()
    assert capsys.readouterr().out.splitlines() == ["a warning line"]
    assert len((tmp_path / LOG_FILE).read_text().splitlines()) == 2


def test_setup_twice_does_not_duplicate(tmp_path, capsys):
    setup_logging(tmp_path / "one")
    logger = setup_logging(tmp_path / "two")
    ours = [h for h in logger.handlers if getattr(h, "_zeronn_handler", False)]
    assert len(ours) == 2
    logger.info("once")
    close_logging()
    assert capsys.readouterr().out == "once\n"
    assert "once" in (tmp_path / "two" / LOG_FILE).read_text()
    assert "once" not in (tmp_path / "one" / LOG_FILE).read_text()


def test_close_logging_closes_files_and_keeps_console(tmp_path, capsys):
    logger = setup_logging(tmp_path)
    file_handler = next(h for h in logger.handlers if isinstance(h, logging.FileHandler))
    close_logging()
    assert file_handler not in logger.handlers and file_handler.stream is None
    logger.info("still on the console")
    assert capsys.readouterr().out == "still on the console\n"
    assert "still on the console" not in (tmp_path / LOG_FILE).read_text()
    close_logging()  # twice is fine


def test_no_log_dir_means_console_only(capsys):
    logger = setup_logging(None, verbosity=1)
    assert not any(isinstance(h, logging.FileHandler) for h in logger.handlers)
    logger.info("hello")
    assert capsys.readouterr().out == "hello\n"


def test_does_not_propagate_while_configured(tmp_path, caplog):
    setup_logging(tmp_path)
    assert get_logger().propagate is False
    close_logging(all_handlers=True)
    assert get_logger().propagate is True and not get_logger().handlers
    with caplog.at_level(logging.INFO, logger="zeronn"):
        get_logger("x").info("to root")
    assert "to root" in caplog.text


def test_foreign_handlers_are_left_alone(tmp_path):
    foreign = logging.NullHandler()
    get_logger().addHandler(foreign)
    try:
        setup_logging(tmp_path)
        close_logging(all_handlers=True)
        assert foreign in get_logger().handlers
    finally:
        get_logger().removeHandler(foreign)


@pytest.mark.parametrize("bad", [3, -1, True, "2", None])
def test_bad_verbosity(bad):
    with pytest.raises(ValueError, match="verbosity must be 0"):
        setup_logging(None, verbosity=bad)
    with pytest.raises(ValueError, match=f"verbosity must be 0 .*got {re.escape(repr(bad))}$"):
        verbosity_level(bad)


def test_log_lines_do_not_tear_a_progress_bar(capsys):
    setup_logging(None)
    with tqdm(total=10, file=sys.stdout, leave=False) as bar:
        bar.update(3)
        get_logger().info("between updates")
        bar.update(3)
    before, after = capsys.readouterr().out.split("between updates\n")
    # the bar's line was blanked out before the message, and redrawn after it
    assert before.endswith("\r") and before.rstrip("\r").split("\r")[-1].strip() == ""
    assert "3/10" in after
