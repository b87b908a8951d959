"""The checkout itself: no merge leftovers in the sources."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ("<" * 7 + " ", "=" * 7 + "\n", ">" * 7 + " ")


def _tracked():
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.splitlines()
            if p.endswith((".py", ".toml", ".md", ".yaml", ".yml", ".cfg", ".txt")) or
            p.startswith(".ci/")]


def test_no_merge_conflict_markers():
    bad = []
    for path in _tracked():
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace")
                                 .splitlines(keepends=True), 1):
            if line.startswith(MARKERS[0]) or line.startswith(MARKERS[2]) or line == MARKERS[1]:
                bad.append(f"{path.relative_to(ROOT)}:{n}")
    assert not bad, "merge conflict markers left in: " + ", ".join(bad)
