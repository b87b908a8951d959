"""SIGTERM stops a run like Ctrl-C: one line with the resume command, exit 143, every
checkpoint already written loadable, no temporary file left."""
import signal
import subprocess
import sys
import time

import pytest

from adversarial_helpers import REPO, small_config, subprocess_env, write_yaml
from framework.trainer.checkpoint import load_checkpoint

SLOW_PLUGIN = '''
import time
import framework as fw
from framework.plugin import hookimpl

class SlowMLP(fw.nn.Module):
    def __init__(self, delay=0.02):
        super().__init__()
        self.delay = delay
        self.fc = fw.nn.Linear(64, 10)

    def forward(self, x):
        time.sleep(self.delay)
        return self.fc(fw.functions.reshape(x, (x.shape[0], -1)))

@hookimpl
def register_models(register):
    register("slow_mlp", SlowMLP)
'''


def _start(tmp_path, epochs=200):
    (tmp_path / "slow_plugin_mod.py").write_text(SLOW_PLUGIN)
    saved = tmp_path / "saved"
    cfg = small_config(saved, plugins=["slow_plugin_mod"], **{
        "arch": {"type": "slow_mlp", "args": {"delay": 0.02}}, "trainer.epochs": epochs,
        "trainer.monitor": "off", "lr_scheduler": None})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    proc = subprocess.Popen([sys.executable, str(REPO / "train.py"), "-c", path, "-q",
                             "--run-id", "t"], cwd=tmp_path, env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, saved / "models" / "adv" / "t"


def _wait_for(path, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never saved its first checkpoint"
        time.sleep(0.05)


@pytest.mark.slow
def test_sigterm_mid_run(tmp_path):
    proc, run = _start(tmp_path)
    _wait_for(run / "checkpoint-epoch2.npz", proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    line = lines[0]
    assert line.startswith("terminated (SIGTERM): interrupted during epoch"), line
    named = line.split("the last checkpoint is ")[1].split(" ")[0]
    assert f"(resume with: python train.py -r {named} --plugins slow_plugin_mod)" in line
    assert load_checkpoint(named).epoch >= 2
    for ckpt in run.glob("*.npz"):
        load_checkpoint(ckpt)  # every file on disk is whole
    assert [p for p in run.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.slow
def test_sigterm_before_the_first_checkpoint(tmp_path):
    proc, run = _start(tmp_path)
    _wait_for(run / "config.yaml", proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "terminated (SIGTERM)" in lines[0]
    assert "no checkpoint was saved yet" in lines[0] or "the last checkpoint is" in lines[0]
    assert [p for p in run.iterdir() if p.name.endswith(".tmp")] == []
