"""End to end: the README's step-48 script and chapter scripts in the book's style, each
run as its own process (``import framework as dezero``), output checked."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
SHARED = ROOT.parent / "shared" / "data"


def _run(args, tmp_path, timeout=900):
    env = dict(os.environ, PYTHONPATH=str(ROOT), ZERONN_DATA=str(SHARED),
               OPENBLAS_NUM_THREADS="1")
    env.pop("ZERONN_DOWNLOAD", None)
    done = subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _readme_step48():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Coming from the DeZero book"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_readme_step48_script_prints_the_books_losses(tmp_path):
    script = tmp_path / "step48.py"
    script.write_text(_readme_step48(), encoding="utf-8")
    lines = _run([str(script)], tmp_path).splitlines()
    assert len(lines) == 300
    # The book's first epochs (step 48's printed output).
    assert lines[:3] == ["epoch 1, loss 1.13", "epoch 2, loss 1.05", "epoch 3, loss 0.95"]
    assert float(lines[-1].split()[-1]) < 0.2


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason=f"no MNIST files in {SHARED}")
def test_step53_style_mnist_training_saves_and_loads(tmp_path):
    out = _run([str(SCRIPTS / "step53_save_weights.py"), str(tmp_path)], tmp_path)
    loss = float(re.search(r"epoch: 1, loss: ([0-9.]+)", out).group(1))
    acc, acc_loaded = map(float, re.search(r"test accuracy: ([0-9.]+) loaded: ([0-9.]+)",
                                           out).groups())
    assert loss < 2.0 and acc > 0.6  # SGD(lr=0.01), one epoch: the book's step 51 regime
    assert acc == acc_loaded


@pytest.mark.slow
def test_step60_style_lstm_learns_the_sin_curve(tmp_path):
    out = _run([str(SCRIPTS / "step60_lstm.py")], tmp_path)
    losses = [float(v) for v in re.findall(r"\| loss ([0-9.]+)", out)]
    assert len(losses) == 20 and losses[-1] < 0.5 * losses[0]
    error = float(re.search(r"prediction error ([0-9.]+)", out).group(1))
    assert np.isfinite(error) and error < 0.1
