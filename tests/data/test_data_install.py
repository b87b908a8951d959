"""digits and iris load from a non-editable install, far from the checkout."""
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import plugins.datasets as d
from plugins.datasets import Digits, Iris
assert d.__file__.startswith({target!r}), d.__file__
digits, iris = Digits(train=True), Iris(train=False)
print(len(digits), digits[0][0].shape, len(iris), iris.classes[0])
"""


def can_build_without_isolation():
    """setuptools>=77 is importable (the project's license field needs it)."""
    if importlib.util.find_spec("setuptools") is None:
        return False
    import setuptools
    version = tuple(int(p) for p in setuptools.__version__.split(".")[:2] if p.isdigit())
    return version >= (77,)


@pytest.mark.slow
def test_digits_and_iris_from_a_pip_install(tmp_path):
    # Build from a copy, so that the build's side files never land in the checkout.
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for package in ("framework", "plugins"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    target = tmp_path / "site"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile",
               "--disable-pip-version-check", "--target", str(target), str(source)]
    if can_build_without_isolation():  # else pip fetches the build requirements
        command.insert(4, "--no-build-isolation")
    build = subprocess.run(command, capture_output=True, text=True, timeout=600,
                           cwd=tmp_path)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    installed = target / "plugins" / "datasets" / "data"
    assert {"digits.csv.gz", "iris.csv"} <= {p.name for p in installed.iterdir()}

    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", CHECK.format(target=str(target))],
                            capture_output=True, text=True, cwd=run_dir, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["1437", "(1,", "8,", "8)", "38", "setosa"]
