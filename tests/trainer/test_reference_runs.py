"""The default run and a small run print, log, write to TensorBoard and save exactly what
they did before the trainer's behaviour moved into callbacks (reference_run.py records).

The one difference allowed: the resolved config (config.yaml and the copy in every
checkpoint) names the keys added since, at their default values.
"""
import copy
import json

from reference_run import REFERENCE_DIR, REFERENCES  # noqa: E402  (tests/trainer)

#: Config keys added after the references were recorded, with their default values.
NEW_KEYS = {("callbacks",): [], ("trainer", "type"): "Trainer", ("trainer", "args"): {},
            ("lr_scheduler", "interval"): "epoch"}


def _without_new_keys(config):
    config = copy.deepcopy(config)
    for path, default in NEW_KEYS.items():
        *parents, last = path
        node = config
        for key in parents:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict) and last in node:
            assert node[last] == default, f"{'.'.join(path)} is {node[last]!r}, expected {default!r}"
            del node[last]
    return config


def _normalise(record):
    record = copy.deepcopy(record)
    yaml_part = record["config_yaml"]
    yaml_part["config"] = _without_new_keys(yaml_part["config"])
    for ckpt in record["checkpoints"].values():
        meta = ckpt["meta"]["metadata"]
        meta["config"] = _without_new_keys(meta["config"])
    return record


def _compare(name, tmp_path):
    expected = json.loads((REFERENCE_DIR / f"{name}.json").read_text())
    actual = json.loads(json.dumps(REFERENCES[name](tmp_path)))  # JSON types, as recorded
    actual, expected = _normalise(actual), _normalise(expected)
    for part in ("status", "stdout", "info_log", "log_files", "model_files", "config_yaml"):
        assert actual[part] == expected[part], part
    assert actual["tensorboard"].keys() == expected["tensorboard"].keys()
    for kind, tags in expected["tensorboard"].items():
        assert sorted(actual["tensorboard"][kind]) == sorted(tags), kind
        for tag, events in tags.items():
            assert actual["tensorboard"][kind][tag] == events, (kind, tag)
    assert sorted(actual["checkpoints"]) == sorted(expected["checkpoints"])
    for file, ckpt in expected["checkpoints"].items():
        got = actual["checkpoints"][file]
        assert got["meta"] == ckpt["meta"], file
        assert got["arrays"] == ckpt["arrays"], file  # dtype, shape and sha256 of every array


def test_small_run_is_unchanged(tmp_path):
    _compare("tiny_run", tmp_path)


def test_default_run_is_unchanged(tmp_path):
    _compare("default_run", tmp_path)
