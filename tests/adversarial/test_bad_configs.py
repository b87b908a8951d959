"""Bad config files and overrides: exit 2, one line naming the input, no run folder."""
import pytest

from adversarial_helpers import check_fails, small_config, write_yaml


@pytest.fixture
def saved(tmp_path):
    return tmp_path / "saved"


def _bomb():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb():
    lines = ["m0: &m0 {k0: 1}"]
    for i in range(1, 12):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 9) + f"], k{i}: 1}}")
    return "\n".join(lines) + "\n"


# (text or None for a generated one, needles) of whole files
FILES = {
    "alias_bomb": (_bomb(), ["alias bomb"]),
    "merge_bomb": (_merge_bomb(), ["alias bomb"]),
    "deep_flow": ("name: x\narch: " + "[" * 5000 + "]" * 5000 + "\n", ["nested deeper"]),
    "deep_flow_map": ("name: x\narch: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
                      ["nesting deeper"]),
    "deep_block": ("".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v: 1\n",
                   ["nesting deeper"]),
    "deep_dashes": ("- " * 3000 + "1\n", ["nesting deeper"]),
    "recursive_alias": ("name: &a [1, *a]\n", ["recursive alias"]),
    "undefined_alias": ("name: *nothing\n", ["undefined alias"]),
    "duplicate_anchor": ("a: &x 1\nb: &x 2\nname: *x\n", ["duplicate anchor"]),
    "tabs": ("name: x\ntrainer:\n\tepochs: 2\n", ["tabs"]),
    "unclosed": ("name: x\narch: {type: mlp\n", ["line"]),
    "empty": ("", ["empty"]),
    "comment_only": ("# nothing\n", ["empty"]),
    "top_list": ("- a\n- b\n", ["mapping"]),
    "top_scalar": ("just words\n", ["mapping"]),
    "python_tag": ("name: !!python/object/apply:os.system ['true']\n", ["python/object"]),
    "two_documents": ("name: a\n---\nname: b\n", ["single document"]),
    "duplicate_key": ("name: a\nname: b\n", ["duplicate key"]),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_bad_yaml_file(tmp_path, saved, capsys, case):
    text, needles = FILES[case]
    path = write_yaml(tmp_path / f"{case}.yaml", text)
    check_fails(capsys, ["-c", path], f"{case}.yaml", *needles, save_dir=saved)


def test_huge_config_file(tmp_path, saved, capsys):
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\n" + "# padding\n" * 200_000)
    check_fails(capsys, ["-c", str(path)], "huge.yaml", "KiB", save_dir=saved)


def test_not_utf8(tmp_path, saved, capsys):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    check_fails(capsys, ["-c", str(path)], "latin.yaml", "UTF-8", save_dir=saved)


def test_binary_file(tmp_path, saved, capsys):
    path = tmp_path / "binary.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    check_fails(capsys, ["-c", str(path)], "binary.yaml", save_dir=saved)


def test_config_is_a_folder(tmp_path, saved, capsys):
    check_fails(capsys, ["-c", str(tmp_path)], str(tmp_path), "folder", save_dir=saved)


def test_config_missing(tmp_path, saved, capsys):
    check_fails(capsys, ["-c", str(tmp_path / "nope.yaml")], "nope.yaml", "not found",
                save_dir=saved)


# (dotted key, bad value, needles) of one value in an otherwise good config
VALUES = [
    ("name", "../escape", ["name", "safe folder name"]),
    ("name", "x" * 101, ["name"]),
    ("name", 7, ["name", "string"]),
    ("seed", -1, ["seed"]),
    ("seed", "zero", ["seed"]),
    ("seed", 2 ** 40, ["seed"]),
    ("device", "tpu", ["device", "tpu"]),
    ("plugins", "my_mod", ["plugins", "list"]),
    ("plugins", [1], ["plugins[0]"]),
    ("plugins", ["bad-name"], ["plugins[0]", "bad-name"]),
    ("arch", "mlp", ["arch", "type: mlp"]),
    ("arch", {"args": {}}, ["arch", "type"]),
    ("arch.args", [1, 2], ["arch.args", "mapping"]),
    ("arch.type", "mlpp", ["arch", "mlpp", "did you mean"]),
    ("arch.args.hiden", [8], ["hiden", "hidden"]),
    ("arch.args.activation", "swishy", ["arch", "swishy"]),
    ("metrics", "accuracy", ["metrics", "[accuracy]"]),
    ("metrics", ["acuracy"], ["metrics[0]", "acuracy"]),
    ("loss", "cross_entropi", ["loss", "cross_entropi"]),
    ("loss", {"type": "mse", "args": {"reductio": "sum"}}, ["loss", "reductio"]),
    ("data_loader.args.batch_size", 0, ["batch_size", "0"]),
    ("data_loader.args.batch_size", "64", ["batch_size", "'64'"]),
    ("data_loader.args.batch_size", True, ["batch_size", "True"]),
    ("data_loader.args.validation_split", 1.5, ["validation_split"]),
    ("data_loader.args.validation_split", -1, ["validation_split"]),
    ("data_loader.args.shuffle", "yes please", ["shuffle"]),
    ("data_loader.args.dataset", {"type": "digitz"}, ["dataset", "digitz"]),
    ("data_loader.args.dataset", "digits", ["dataset", "type: digits"]),
    ("data_loader.type", "Loader", ["data_loader", "Loader"]),
    ("optimizer.type", "Adamm", ["optimizer", "Adamm"]),
    ("optimizer.args.lr", 0, ["optimizer.args.lr"]),
    ("optimizer.args.lr", "fast", ["optimizer.args.lr", "fast"]),
    ("optimizer.args.weight_decay", -1, ["weight_decay"]),
    ("optimizer.args.betas", "wide", ["optimizer", "betas"]),
    ("lr_scheduler.type", "StepLRR", ["lr_scheduler", "StepLRR"]),
    ("lr_scheduler.args.step_siz", 2, ["lr_scheduler", "step_siz"]),
    ("trainer.epochs", 0, ["trainer.epochs"]),
    ("trainer.epochs", True, ["trainer.epochs"]),
    ("trainer.epochs", "ten", ["trainer.epochs", "ten"]),
    ("trainer.save_period", 0, ["save_period"]),
    ("trainer.verbosity", 5, ["verbosity"]),
    ("trainer.monitor", "avg loss", ["trainer.monitor"]),
    ("trainer.monitor", "max val_acc", ["trainer.monitor", "val_acc"]),
    ("trainer.early_stop", -1, ["early_stop"]),
    ("trainer.tensorboard", "no way", ["tensorboard"]),
    ("trainer.log_step", 0, ["log_step"]),
    ("trainer.epoch", 3, ["trainer.epoch", "epochs"]),
    ("trainr", {}, ["trainr"]),
]


@pytest.mark.parametrize("key,value,needles", VALUES, ids=[f"{k}={v!r}"[:40] for k, v, _ in VALUES])
def test_bad_value(tmp_path, saved, capsys, key, value, needles):
    path = write_yaml(tmp_path / "bad.yaml", small_config(saved, **{key: value}))
    check_fails(capsys, ["-c", path], *needles, save_dir=saved)


# command lines with a good config: (extra arguments, needles)
OVERRIDES = [
    (["--set", "trainer.epochs"], ["trainer.epochs", "key=value"]),
    (["--set", "trainer.epochz=3"], ["epochz", "epochs"]),
    (["--set", "=3"], ["--set"]),
    (["--set", "trainer..epochs=3"], ["trainer..epochs"]),
    (["--set", "trainer.epochs=[" + "[" * 400 + "]" * 401], ["--set", "deeper"]),
    (["--set", "arch.args.hidden=" + "[" * 60 + "]" * 60], ["--set", "deeper"]),
    (["--set", "arch.args.hidden=&a [1, *a]"], ["--set", "recursive alias"]),
    (["--set", "trainer.epochs={a: 1"], ["--set trainer.epochs"]),
    (["--set", "trainer.epochs.x=3"], ["trainer.epochs", "single value"]),
    (["--set", "metrics.5=accuracy"], ["metrics"]),
    (["--set", "metrics.x=accuracy"], ["metrics", "index"]),
    (["--set", "name=a/b"], ["name", "a/b"]),
    (["--lr", "-1"], ["--lr", "optimizer.args.lr"]),
    (["--lr", "nan"], ["--lr", "optimizer.args.lr"]),
    (["--lr", "fast"], ["--lr"]),
    (["--bs", "0"], ["--bs", "batch_size"]),
    (["--bs", "1.5"], ["--bs"]),
    (["--epochs", "0"], ["--epochs", "trainer.epochs"]),
    (["--epochs", "x"], ["--epochs"]),
    (["--threads", "0"], ["--threads"]),
    (["-d", "tpu"], ["tpu"]),
    (["-d", "gpu:x"], ["gpu:x"]),
    (["--run-id", "../up"], ["run_id", "../up"]),
    (["--run-id", "a" * 101], ["run_id"]),
    (["--frobnicate"], ["--frobnicate"]),
]


@pytest.mark.parametrize("extra,needles", OVERRIDES, ids=[" ".join(e)[:40] for e, _ in OVERRIDES])
def test_bad_override(tmp_path, saved, capsys, extra, needles):
    path = write_yaml(tmp_path / "good.yaml", small_config(saved))
    check_fails(capsys, ["-c", path, *extra], *needles, save_dir=saved)


def test_no_config_at_all(capsys):
    check_fails(capsys, [], "-c")


# values only a step of the optimizer or scheduler would trip over
STEP_VALUES = [
    ("lr_scheduler.args.gamma", None, ["lr_scheduler (StepLR)", "gamma"]),
    ("lr_scheduler.args.gamma", "x", ["lr_scheduler (StepLR)"]),
    ("lr_scheduler.args.gamma", [0.5], ["lr_scheduler (StepLR)"]),
]


@pytest.mark.parametrize("key,value,needles", STEP_VALUES,
                         ids=[f"{k}={v!r}" for k, v, _ in STEP_VALUES])
def test_value_a_trial_step_catches(tmp_path, saved, capsys, key, value, needles):
    cfg = small_config(saved, **{key: value, "lr_scheduler.args.step_size": 1})
    path = write_yaml(tmp_path / "bad.yaml", cfg)
    check_fails(capsys, ["-c", path], *needles, save_dir=saved)
