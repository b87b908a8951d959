"""Checkpoints crafted field by field: train.py -r and test.py -r refuse each one with
exit 2 and one line naming the file, create no run folder and never run code."""
import io
import json
import zipfile

import numpy as np
import pytest

from adversarial_helpers import (check_fails, craft, eval_main, run_dirs, small_config,
                                 train_main, write_yaml)
from framework.serialization import METADATA_KEY

MAINS = {"train": train_main, "test": eval_main}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 2-epoch run: (checkpoint-epoch1.npz, save_dir)."""
    root = tmp_path_factory.mktemp("trained")
    saved = root / "saved"
    path = write_yaml(root / "c.yaml", small_config(saved))
    assert train_main(["-c", path, "-q", "--run-id", "base"]) == 0
    return saved / "models" / "adv" / "base" / "checkpoint-epoch1.npz", saved


def _walk_arrays(node, fn):
    """Call fn on every {"__array__": name} marker of a skeleton."""
    if isinstance(node, dict):
        if set(node) == {"__array__"}:
            fn(node)
        for value in node.values():
            _walk_arrays(value, fn)
    elif isinstance(node, list):
        for value in node:
            _walk_arrays(value, fn)


def _set(path, value):
    def edit(meta):
        node = meta
        *parents, last = path
        for key in parents:
            node = node[key]
        node[last] = value
    return edit


def _delete(path):
    def edit(meta):
        node = meta
        *parents, last = path
        for key in parents:
            node = node[key]
        del node[last]
    return edit


def _rename_optimizer_state(meta):
    # Adam's moments under SGD's name: same optimizer type, a state that cannot step
    groups = meta["state"]["optimizer"]["state"]["__dict__"]
    for _, values in groups:
        values["momentum_buffer"] = values.pop("exp_avg")


M = ("metadata",)
# name -> (meta edit, needles, which mains)
META_CASES = {
    "no_format": (_delete(("format",)), ["not a zeronn checkpoint"], "train test"),
    "format_version_str": (_set(("format_version",), "1"), ["format version"], "train test"),
    "format_version_bool": (_set(("format_version",), True), ["format version"], "train test"),
    "format_version_new": (_set(("format_version",), 99), ["newer"], "train test"),
    "no_state": (_delete(("state",)), ["lacks"], "train test"),
    "metadata_list": (_set(("metadata",), [1]), ["lacks"], "train test"),
    "epoch_true": (_set(M + ("epoch",), True), ["'epoch'", "True"], "train test"),
    "epoch_str": (_set(M + ("epoch",), "3"), ["'epoch'"], "train test"),
    "epoch_negative": (_set(M + ("epoch",), -1), ["'epoch'"], "train test"),
    "epoch_float": (_set(M + ("epoch",), 1.5), ["'epoch'"], "train test"),
    "epoch_missing": (_delete(M + ("epoch",)), ["epoch"], "train"),
    "step_str": (_set(M + ("step",), "x"), ["'step'"], "train test"),
    "step_bool": (_set(M + ("step",), False), ["'step'"], "train test"),
    "history_str": (_set(M + ("history",), "x"), ["'history'"], "train test"),
    "history_items": (_set(M + ("history",), [1, 2]), ["'history'"], "train test"),
    "config_list": (_set(M + ("config",), [1]), ["'config'"], "train test"),
    "config_missing": (_delete(M + ("config",)), ["holds no config"], "train test"),
    "monitor_best_str": (_set(M + ("monitor_best",), "best"), ["'monitor_best'"], "train test"),
    "not_improved_negative": (_set(M + ("not_improved_count",), -2),
                              ["'not_improved_count'"], "train test"),
    "best_epoch_str": (_set(M + ("best_epoch",), "x"), ["'best_epoch'"], "train test"),
    "versions_str": (_set(M + ("versions",), "x"), ["'versions'"], "train test"),
    "monitor_int": (_set(M + ("monitor",), 5), ["'monitor'"], "train test"),
    "stored_epochs_bad": (_set(M + ("config", "trainer", "epochs"), "ten"),
                          ["its stored config", "trainer.epochs"], "train test"),
    "stored_arch_unknown": (_set(M + ("config", "arch", "type"), "nope"),
                            ["arch", "nope"], "train test"),
    "stored_name_escape": (_set(M + ("config", "name"), "../../x"), ["name"], "train test"),
    "model_missing_entry": (_set(("state", "model"), {"__array__": "nothing"}),
                            ["missing from the archive"], "train test"),
    "model_skeleton_list_key": (_set(("state", "model"), {"__array__": [1]}),
                                ["skeleton is malformed"], "train test"),
    "model_not_dict": (_set(("state", "model"), "weights"), ["not a dict"], "train test"),
    "dict_marker_bad": (_set(("state", "optimizer"), {"__dict__": 5}),
                        ["skeleton is malformed"], "train test"),
    "optimizer_not_dict": (_set(("state", "optimizer"), "adam"),
                           ["optimizer state is malformed"], "train"),
    "optimizer_groups_str": (_set(("state", "optimizer", "param_groups"), "x"),
                             ["optimizer state is malformed"], "train"),
    "optimizer_lr_str": (_set(("state", "optimizer", "param_groups", 0, "lr"), "fast"),
                         ["'lr'", "fast"], "train"),
    "optimizer_betas_short": (_set(("state", "optimizer", "param_groups", 0, "betas"), [0.9]),
                              ["'betas'"], "train"),
    "optimizer_state_keys": (_rename_optimizer_state,
                             ["optimizer state does not work with Adam"], "train"),
    "scheduler_extra_field": (_set(("state", "scheduler", "optimizer"), 1),
                              ["'optimizer'", "scheduler"], "train"),
    "scheduler_step_field": (_set(("state", "scheduler", "step"), 1),
                             ["'step'", "scheduler"], "train"),
    "scheduler_gamma_str": (_set(("state", "scheduler", "gamma"), "half"),
                            ["'gamma'"], "train"),
    "scheduler_base_lrs_len": (_set(("state", "scheduler", "base_lrs"), [0.1, 0.2]),
                               ["'base_lrs'"], "train"),
    "scheduler_list": (_set(("state", "scheduler"), [1, 2]), ["scheduler state"], "train"),
    "rng_keys_short": (_set(("state", "rng", "numpy", "keys"), [1, 2, 3]),
                       ["rng state is malformed"], "train"),
    "rng_not_dict": (_set(("state", "rng"), 7), ["rng state"], "train"),
}

CASES = [(name, main) for name, (_, _, mains) in META_CASES.items() for main in mains.split()]


@pytest.mark.parametrize("name,main", CASES, ids=[f"{m}-{n}" for n, m in CASES])
def test_crafted_metadata(trained, tmp_path, capsys, name, main):
    source, saved = trained
    edit, needles, _ = META_CASES[name]
    bad = craft(source, tmp_path / f"{name}.npz", meta=edit)
    check_fails(capsys, ["-r", bad, "-q"], f"{name}.npz", *needles, main=MAINS[main],
                save_dir=saved)


def _array_edit(key, fn):
    def edit(arrays):
        arrays[key] = fn(arrays[key])
    return edit


W = "model/layers.1.weight"
ARRAY_CASES = {
    "weight_int8": (_array_edit(W, lambda a: a.astype(np.int8)), ["int8"], "train test"),
    "weight_bool": (_array_edit(W, lambda a: a > 0), ["bool"], "train test"),
    "weight_str": (_array_edit(W, lambda a: a.astype(str)), ["expected a numeric array"],
                   "train test"),
    "weight_nan": (_array_edit(W, lambda a: np.full_like(a, np.nan)), ["NaN"], "train test"),
    "weight_shape": (_array_edit(W, lambda a: a[:, :3]), ["shape"], "train test"),
    "weight_complex": (_array_edit(W, lambda a: a.astype(np.complex64)),
                       ["expected a numeric array"], "train test"),
    "moment_int": (None, ["floating point"], "train"),
    "moment_nan": (None, ["NaN"], "train"),
    "moment_shape": (None, ["shape"], "train"),
}


def _optimizer_edit(fn):
    def edit(arrays):
        key = next(k for k in arrays if k.startswith("optimizer/") and k.endswith("exp_avg"))
        arrays[key] = fn(arrays[key])
    return edit


ARRAY_CASES["moment_int"] = (_optimizer_edit(lambda a: a.astype(np.int32)),
                             *ARRAY_CASES["moment_int"][1:])
ARRAY_CASES["moment_nan"] = (_optimizer_edit(lambda a: a * np.nan), *ARRAY_CASES["moment_nan"][1:])
ARRAY_CASES["moment_shape"] = (_optimizer_edit(lambda a: a.reshape(-1)[:5]),
                               *ARRAY_CASES["moment_shape"][1:])
ACASES = [(name, main) for name, (_, _, mains) in ARRAY_CASES.items() for main in mains.split()]


@pytest.mark.parametrize("name,main", ACASES, ids=[f"{m}-{n}" for n, m in ACASES])
def test_crafted_arrays(trained, tmp_path, capsys, name, main):
    source, saved = trained
    edit, needles, _ = ARRAY_CASES[name]
    bad = craft(source, tmp_path / f"{name}.npz", arrays=edit)
    check_fails(capsys, ["-r", bad, "-q"], f"{name}.npz", *needles, main=MAINS[main],
                save_dir=saved)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def _meta_member(obj):
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return _npy_bytes(np.frombuffer(raw, dtype=np.uint8))


def _lying_header(path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10 ** 12,)})
    return _zip(path, {"model/w.npy": header.getvalue() + b"\0" * 64})


FILE_CASES = {
    "empty": (lambda p: p.write_bytes(b"") or str(p), ["empty"]),
    "random_bytes": (lambda p: p.write_bytes(bytes(range(256)) * 8) or str(p),
                     ["not an .npz archive"]),
    "single_npy": (lambda p: p.write_bytes(_npy_bytes(np.ones(3))) or str(p), ["single .npy"]),
    "zip_garbage": (lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 100) or str(p),
                    ["not a readable .npz"]),
    "foreign_npz": (lambda p: np.savez(p, w=np.ones(3)) or str(p), ["not a zeronn checkpoint"]),
    "pickle_object": (lambda p: _zip(p, {"w.npy": _npy_bytes(np.array([{"a": 1}], dtype=object))}),
                      ["pickle"]),
    "text_member": (lambda p: _zip(p, {"readme.txt": b"hello"}), ["not a numpy array"]),
    "metadata_not_json": (lambda p: _zip(p, {f"{METADATA_KEY}.npy": _meta_member(b"{nope")}),
                          ["not valid JSON"]),
    "metadata_not_utf8": (lambda p: _zip(p, {f"{METADATA_KEY}.npy": _meta_member(b"\xff\xfe")}),
                          ["UTF-8"]),
    "metadata_list": (lambda p: _zip(p, {f"{METADATA_KEY}.npy": _meta_member([1, 2])}),
                      ["JSON object"]),
    "metadata_deep": (lambda p: _zip(p, {f"{METADATA_KEY}.npy":
                                         _meta_member(b"[" * 100000 + b"]" * 100000)}),
                      ["metadata"]),
    "metadata_huge": (lambda p: _zip(p, {f"{METADATA_KEY}.npy": _meta_member(
        b'{"x": "' + b"a" * (17 << 20) + b'"}')}), ["metadata entry declares"]),
    "compression_bomb": (lambda p: _zip(p, {"model/w.npy": _npy_bytes(np.zeros(5 << 20))},
                                        zipfile.ZIP_DEFLATED), ["compression bomb"]),
    "lying_header": (_lying_header, ["declares shape"]),
    "truncated": (None, ["truncated.npz"]),
}


@pytest.mark.parametrize("main", sorted(MAINS))
@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_bad_checkpoint_file(trained, tmp_path, capsys, name, main):
    source, saved = trained
    path = tmp_path / f"{name}.npz"
    make, needles = FILE_CASES[name]
    if make is None:  # truncated: the first half of a real checkpoint
        data = source.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    else:
        make(path)
    check_fails(capsys, ["-r", str(path), "-q"], f"{name}.npz", *needles, main=MAINS[main],
                save_dir=saved)


@pytest.mark.parametrize("main", sorted(MAINS))
def test_missing_and_folder_checkpoints(trained, tmp_path, capsys, main):
    _, saved = trained
    check_fails(capsys, ["-r", str(tmp_path / "gone.npz")], "gone.npz", "not found",
                main=MAINS[main], save_dir=saved)
    check_fails(capsys, ["-r", str(tmp_path)], str(tmp_path), "folder", main=MAINS[main],
                save_dir=saved)


def test_checkpoint_for_another_model(trained, tmp_path, capsys):
    source, saved = trained
    other = write_yaml(tmp_path / "other.yaml",
                       small_config(saved, **{"arch.args.hidden": [8, 8]}))
    for main in MAINS.values():
        check_fails(capsys, ["-r", str(source), "-c", other, "-q"], "checkpoint-epoch1.npz",
                    main=main, save_dir=saved)
    assert [p.name for p in run_dirs(saved)] == ["base", "base"]
