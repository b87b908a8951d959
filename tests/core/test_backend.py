import subprocess
import sys

import numpy as np
import pytest

import framework as fw
from framework import backend
from framework.errors import DeviceError


def test_get_array_module_numpy_and_variables():
    a = np.ones(2)
    assert backend.get_array_module(a) is np
    assert backend.get_array_module(fw.Variable(a)) is np
    assert backend.get_array_module(3.0) is np
    assert fw.cuda.get_array_module(a) is np


def test_get_array_module_works_with_cupy_absent(tmp_path):
    # A 'cupy' that cannot be imported (as on a machine without it) must not matter.
    (tmp_path / "cupy").mkdir()
    (tmp_path / "cupy" / "__init__.py").write_text("raise ImportError('no cupy here')\n")
    code = (
        "import numpy as np, framework as fw\n"
        "assert fw.cuda.get_array_module(np.ones(1)) is np\n"
        "ok, reason = fw.backend.gpu_status()\n"
        "assert not ok and 'cupy' in reason, reason\n"
        "assert fw.cuda.gpu_enable is False\n"
        "print('fine')\n")
    env = {"PYTHONPATH": f"{tmp_path}:{backend.__file__.rsplit('/framework/', 1)[0]}",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "fine" in out.stdout


FAKE_CUPY = {
    # cupy importable but every device call raising, as cupy does with no driver
    "no driver": ("raise RuntimeError('cudaErrorInsufficientDriver')", "", "driver"),
    # a driver but no device visible (CUDA_VISIBLE_DEVICES="")
    "zero devices": ("return 0", "", "no CUDA device"),
    # a device, but kernels cannot be compiled (the runtime compiler NVRTC is missing)
    "no compiler": ("return 1",
                    "def arange(*a, **k):\n    raise RuntimeError('libnvrtc.so not found')\n"
                    "float32 = 'float32'\n", "cannot run kernels"),
}


@pytest.mark.parametrize("case", sorted(FAKE_CUPY))
def test_gpu_probe_reports_each_broken_cupy(tmp_path, case):
    count_body, extra, expected = FAKE_CUPY[case]
    pkg = tmp_path / "cupy"
    (pkg / "cuda").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import cuda\n" + extra)
    (pkg / "cuda" / "__init__.py").write_text(
        "class _R:\n"
        "    @staticmethod\n"
        "    def getDeviceCount():\n"
        f"        {count_body}\n"
        "runtime = _R()\n")
    code = ("import framework as fw\nok, r = fw.backend.gpu_status()\n"
            f"assert not ok and {expected!r} in r, r\n"
            "assert fw.cuda.gpu_enable is False\nprint('fine')\n")
    env = {"PYTHONPATH": f"{tmp_path}:{backend.__file__.rsplit('/framework/', 1)[0]}",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "fine" in out.stdout


def test_import_does_not_import_cupy():
    code = "import sys, framework, framework.functions, framework.cuda; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=backend.__file__.rsplit("/framework/", 1)[0])
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("text,expected", [
    ("cpu", ("cpu", None)), ("gpu", ("gpu", 0)), ("gpu:1", ("gpu", 1)),
    ("cuda", ("gpu", 0)), ("CUDA:2", ("gpu", 2)), (None, ("cpu", None)),
])
def test_parse_device(text, expected):
    assert backend.parse_device(text) == expected


@pytest.mark.parametrize("bad", ["tpu", "gpu:x", "cpu:0", "", "gpu:-1"])
def test_parse_device_rejects_naming_value(bad):
    with pytest.raises(DeviceError, match="expected 'cpu'"):
        backend.parse_device(bad)


def test_as_numpy_and_to_device_cpu():
    a = np.arange(3)
    assert backend.as_numpy(a) is a
    assert backend.to_device(a, "cpu") is a
    assert backend.device_of(a) == "cpu"


def test_gpu_request_without_gpu_is_a_device_error(monkeypatch):
    # the probe's answer is replaced, so the no-GPU path runs on GPU machines too
    monkeypatch.setattr(backend, "_gpu_status", (False, "no CUDA device is visible"))
    with pytest.raises(DeviceError, match="no GPU is usable"):
        backend.to_device(np.ones(2), "gpu")


@pytest.mark.gpu
def test_round_trip_to_gpu():
    import cupy
    x = fw.Variable(np.arange(4.0))
    x.to_gpu()
    assert isinstance(x.data, cupy.ndarray) and x.device == "gpu:0"
    y = (x * x).sum()
    y.backward()
    x.to_cpu()
    assert np.allclose(x.grad.data, 2 * np.arange(4.0))


def test_gpu_error_repeats_the_device_asked_for(monkeypatch):
    monkeypatch.setattr(backend, "_gpu_status", (False, "no CUDA device is visible"))
    for device in ("cuda:0", "gpu:1"):
        with pytest.raises(DeviceError, match=f"device '{device}' was asked for"):
            backend.check_device(device)
