"""Progress bars on a real terminal: width margin, Ctrl-C, file-only log records."""
import fcntl
import io
import logging
import os
import struct
import termios
import types

import numpy as np
import pytest

from framework.logger import LOG_FILE, close_logging, progress, setup_logging
from framework.trainer.trainer import Trainer


@pytest.fixture
def pty_stream():
    """A writable stream on a pseudo terminal 80 columns wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    stream = os.fdopen(slave, "w")
    yield stream
    stream.close()
    os.close(master)


def test_bar_leaves_room_for_the_echoed_ctrl_c(pty_stream):
    bar = progress(range(3), desc="epoch 1/2", stream=pty_stream)
    assert bar.ncols == 76  # a full-width bar would wrap when the terminal echoes ^C
    bar.close()


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_ctrl_c_keeps_the_bar_where_it_stopped(monkeypatch):
    term = FakeTerminal()
    monkeypatch.setattr("sys.stderr", term)
    batches = [(np.zeros((1, 2), np.float32), [0]) for _ in range(5)]
    config = types.SimpleNamespace(trainer=types.SimpleNamespace(
        epochs=2, save_period=1, early_stop=0, monitor="off", log_step=1, histograms=False))

    class Model:
        def train(self, mode=True):
            return self

        def __call__(self, x):
            return x

    seen = []

    def criterion(output, target):
        seen.append(output)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return types.SimpleNamespace(data=0.5, backward=lambda: None)

    optimizer = types.SimpleNamespace(zero_grad=lambda: None, step=lambda: None)
    writer = types.SimpleNamespace(add_scalar=lambda *a: None)
    trainer = Trainer(Model(), criterion, [], optimizer, config,
                      logger=logging.getLogger("zeronn.test"), writer=writer,
                      train_loader=batches)
    with pytest.raises(KeyboardInterrupt):
        trainer.train()
    out = term.getvalue()
    # the bar's last frame stays on its own line (before: erased to a blank line)
    assert out.endswith("\n")
    last_frame = out.rstrip("\n").split("\r")[-1]
    assert "epoch 1/2" in last_frame and "/5 [" in last_frame


def test_a_record_may_skip_the_console(tmp_path, capsys):
    logger = setup_logging(tmp_path, verbosity=1)
    logger.info("config summary", extra={"console": False})
    logger.info("epoch 1")
    close_logging()
    assert capsys.readouterr().out == "epoch 1\n"
    text = (tmp_path / LOG_FILE).read_text()
    assert "INFO - config summary" in text and "INFO - epoch 1" in text
