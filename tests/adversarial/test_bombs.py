"""Resource bombs, each in a fresh process: refused with exit 2 and one line, in well
under 2 s of the command's own time and under 300 MB peak RSS (``resource``)."""
import gzip
import io
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from adversarial_helpers import RSS_WRAPPER, run_dirs, small_config, subprocess_env, write_yaml

TIMED_WRAPPER = RSS_WRAPPER.replace(
    "try:\n    rc = main(sys.argv[2:])\n",
    "import time\nstart = time.perf_counter()\ntry:\n    rc = main(sys.argv[2:])\n"
).replace("    print('maxrss'", "    print('seconds', time.perf_counter() - start, flush=True)\n"
                              "    print('maxrss'")
MAX_SECONDS = 2.0
MAX_RSS_MB = 300


# On Linux a process's ru_maxrss starts at its parent's size when it is forked, so the
# measured process is started from a small launcher, never straight from pytest.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def _run(tmp_path, args):
    out = subprocess.run([sys.executable, "-c", LAUNCHER,
                          sys.executable, "-c", TIMED_WRAPPER, *args], cwd=tmp_path,
                         env=subprocess_env(), capture_output=True, text=True, timeout=120)
    seconds = float(re.search(r"seconds ([0-9.e-]+)", out.stdout).group(1))
    rss_mb = int(re.search(r"maxrss (\d+)", out.stdout).group(1)) / 1024  # KiB on Linux
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    return out.returncode, lines, seconds, rss_mb


def _alias_bomb(levels=9):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _deflated_bomb_npz(path, mib):
    """A valid .npz whose one member (mib MiB of zeros) expands ~1000:1; written in
    pieces, so making it takes no memory."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (mib << 17,)})
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("model/w.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            for _ in range(mib):
                member.write(chunk)
    return str(path)


def _lying_npz(path):
    """A member whose zip entry claims a small size while the data inflates hugely."""
    member = io.BytesIO()
    np.lib.format.write_array(member, np.zeros(32 << 17))  # 32 MiB
    raw = member.getvalue()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model/w.npy", raw)
    data = bytearray(path.read_bytes())
    # shrink the declared uncompressed size (local header and central directory)
    size = len(raw).to_bytes(4, "little")
    small = (4096).to_bytes(4, "little")
    data = bytes(data).replace(size, small)
    path.write_bytes(data)
    return str(path)


def _check(rc, lines, seconds, rss_mb, *needles):
    assert rc == 2, lines
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert seconds < MAX_SECONDS, f"took {seconds:.2f} s"
    assert rss_mb < MAX_RSS_MB, f"peak RSS {rss_mb:.0f} MB"


@pytest.mark.parametrize("kind", ["alias", "merge", "deep"])
def test_yaml_bombs(tmp_path, kind):
    saved = tmp_path / "saved"
    if kind == "alias":
        text = _alias_bomb()
    elif kind == "merge":
        text = "m0: &m0 {k0: 1}\n" + "".join(
            f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 9) + f"], k{i}: 1}}\n"
            for i in range(1, 12))
    else:
        text = "name: x\narch: " + "[" * 200_000 + "]" * 200_000 + "\n"
    path = write_yaml(tmp_path / "bomb.yaml", text)
    _check(*_run(tmp_path, ["train", "-c", path]), "bomb.yaml")
    assert run_dirs(saved) == []


def test_alias_bomb_in_an_override(tmp_path):
    saved = tmp_path / "saved"
    path = write_yaml(tmp_path / "ok.yaml", small_config(saved))
    bomb = _alias_bomb().replace("\n", ", ").rstrip(", ")
    _check(*_run(tmp_path, ["train", "-c", path, "--set", f"arch.args.extra={{{bomb}}}"]),
           "--set")
    assert run_dirs(saved) == []


@pytest.mark.parametrize("script", ["train", "test"])
def test_compression_bomb_checkpoint(tmp_path, script):
    path = _deflated_bomb_npz(tmp_path / "bomb.npz", 48)
    _check(*_run(tmp_path, [script, "-r", path]), "bomb.npz", "compression bomb")


@pytest.mark.parametrize("script", ["train", "test"])
def test_lying_checkpoint_member(tmp_path, script):
    path = _lying_npz(tmp_path / "liar.npz")
    _check(*_run(tmp_path, [script, "-r", path]), "liar.npz")


def test_gzip_bomb_data_file(tmp_path):
    saved = tmp_path / "saved"
    data = tmp_path / "data"
    data.mkdir()
    stream = io.BytesIO()
    with gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=9) as gz:
        for _ in range(48):  # 48 MiB of zeros -> ~50 KB
            gz.write(bytes(1 << 20))
    bomb = stream.getvalue()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (data / f"{name}.gz").write_bytes(bomb)
    cfg = small_config(saved, **{"data_loader.args.dataset": {
        "type": "mnist", "args": {"data_dir": str(data)}}})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    _check(*_run(tmp_path, ["train", "-c", path]), "train-images-idx3-ubyte.gz")
    assert run_dirs(saved) == []


def test_huge_hidden_size_is_refused_before_allocating(tmp_path):
    saved = tmp_path / "saved"
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"arch.args.hidden": [10 ** 9]}))
    _check(*_run(tmp_path, ["train", "-c", path]), "arch.args.hidden[0]")
    assert run_dirs(saved) == []
