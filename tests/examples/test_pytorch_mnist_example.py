"""examples/pytorch_mnist/main.py: PyTorch's MNIST example shape, zeronn only in its
import lines; it runs, and one epoch on MNIST reaches 0.97 test accuracy."""
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "pytorch_mnist" / "main.py"

TORCH_IMPORTS = {
    "import framework as torch": "import torch",
    "import framework.nn as nn": "import torch.nn as nn",
    "import framework.nn.functional as F": "import torch.nn.functional as F",
    "import framework.optim as optim": "import torch.optim as optim",
    "from framework.vision import datasets, transforms": "from torchvision import datasets, transforms",
    "from framework.optim.lr_scheduler import StepLR": "from torch.optim.lr_scheduler import StepLR",
}


def test_only_the_import_lines_name_zeronn():
    source = SCRIPT.read_text(encoding="utf-8")
    tree = ast.parse(source)
    code_lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            line = ast.get_source_segment(source, node)
            if "framework" in line:
                assert line in TORCH_IMPORTS, f"unexpected import line: {line}"
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring explains the swap
        segment = ast.get_source_segment(source, node)
        assert not re.search(r"\bframework\b|\bzeronn\b", segment), segment[:200]
    imported = [ast.get_source_segment(source, n) for n in tree.body
                if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert set(TORCH_IMPORTS) <= set(imported)
    assert len(code_lines) > 100


def _run(args, timeout):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("OPENBLAS_NUM_THREADS", "2")
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _accuracy(out):
    found = re.findall(r"Accuracy: (\d+)/(\d+)", out)
    assert found, out
    correct, total = map(int, found[-1])
    return correct / total


@pytest.mark.slow
def test_dry_run(shared_data):
    result = _run(["--data", str(shared_data), "--epochs", "1", "--dry-run",
                   "--num-workers", "2", "--test-batch-size", "2000"], timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Train Epoch: 1 [0/60000 (0%)]" in result.stdout
    assert 0.0 <= _accuracy(result.stdout) <= 1.0


@pytest.mark.slow
def test_one_epoch_reaches_097(shared_data):
    result = _run(["--data", str(shared_data), "--epochs", "1", "--num-workers", "2",
                   "--log-interval", "200"], timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _accuracy(result.stdout) >= 0.97, result.stdout[-2000:]
