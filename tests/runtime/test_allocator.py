"""glibc's malloc thresholds: freed arrays stay mapped for the next step."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from framework import allocator

REPO = Path(__file__).resolve().parents[2]

# Two 2 MiB arrays a step: untuned glibc trims the freed top of its heap (or unmaps the
# blocks) after every step, and the next step faults the pages in again (about 1000).
FAULTS_PER_STEP = """
import resource, numpy as np
import framework
def step():
    a = np.ones(256 * 1024)
    b = a * 2.0
    return float(b[0])
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(framework.allocator.malloc_tuned(), (after - before) / 10)
"""

needs_glibc = pytest.mark.skipif(not allocator._is_glibc(),
                                 reason="mallopt tuning applies to glibc only")


def _faults(**env):
    full = {k: v for k, v in os.environ.items()
            if k not in allocator._USER_TUNING + ("ZERONN_MALLOC", "GLIBC_TUNABLES")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", FAULTS_PER_STEP], cwd=REPO, env=full,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    tuned, faults = out.stdout.split()
    return int(tuned), float(faults)


@needs_glibc
def test_tuned_malloc_stops_page_faults_per_step():
    tuned, faults = _faults()
    assert tuned == allocator.MMAP_THRESHOLD
    assert faults < 50


@needs_glibc
@pytest.mark.parametrize("env", [{"ZERONN_MALLOC": "system"}, {"ZERONN_MALLOC": "0"},
                                 {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_opt_out_and_user_tuning_leave_malloc_alone(env):
    tuned, faults = _faults(**env)
    assert tuned == 0
    if "ZERONN_MALLOC" in env:
        assert faults > 200  # the cost the tuning removes: every step maps afresh


def test_tuning_is_done_once_and_reported():
    first = allocator.tune_malloc()
    assert allocator.tune_malloc() == first == allocator.malloc_tuned()
    assert first in (0, allocator.MMAP_THRESHOLD, allocator._FALLBACK_MMAP_THRESHOLD)
