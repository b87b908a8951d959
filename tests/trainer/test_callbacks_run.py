"""Callbacks from a config through train.py: names and args checked before the run folder
exists, resume restores their state exactly, TensorBoard serves their HPARAMS session
and images."""
import io
import json
import urllib.parse

import numpy as np
import pytest

from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import train_main

from trainer_helpers import run_dirs  # noqa: E402  (tests/trainer)


@pytest.mark.parametrize("callbacks, message", [
    (["grad_clipp"], "callbacks[0]: unknown name 'grad_clipp' in callbacks (did you mean "
                     "'grad_clip'?)"),
    ([{"type": "ema", "args": {"decai": 0.9}}], "callbacks[0]: callbacks 'ema' got an "
                                                "unexpected argument 'decai'"),
    ([{"type": "ema", "args": {"decay": 2}}], "callbacks[0]: building callback 'ema' with "
                                              "{'decay': 2} failed: decay: expected a number"),
    ("ema", "callbacks: expected a list"),
])
def test_bad_callbacks_fail_before_the_run_folder(write_config, tmp_path, capsys, callbacks,
                                                  message):
    assert train_main(["-c", str(write_config(callbacks=callbacks)), "-q"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert run_dirs(tmp_path / "saved") == []


def test_unknown_trainer_type_and_args_fail_before_the_run_folder(write_config, tmp_path,
                                                                  capsys):
    assert train_main(["-c", str(write_config(**{"trainer.type": "Trainr"})), "-q"]) == 2
    assert "trainer.type: unknown name 'Trainr' in trainers (did you mean 'Trainer'?)" in \
        capsys.readouterr().err
    assert train_main(["-c", str(write_config(**{"trainer.args": {"x": 1}})), "-q"]) == 2
    assert "trainer.args: trainer 'Trainer' takes no argument 'x'" in capsys.readouterr().err
    assert run_dirs(tmp_path / "saved") == []


def test_a_default_callback_named_in_the_config_replaces_it(write_config, tmp_path):
    path = write_config(callbacks=[{"type": "checkpoint", "args": {"save_period": 2}}])
    assert train_main(["-c", str(path), "-q", "--run-id", "r"]) == 0
    names = sorted(p.name for p in (tmp_path / "saved/models/tiny/r").glob("*.npz"))
    assert names == ["checkpoint-epoch2.npz", "checkpoint-epoch4.npz", "model_best.npz"]


def _history(ckpt):
    return [{k: v for k, v in h.items() if k != "seconds"} for h in ckpt.metadata["history"]]


def test_ema_resume_continues_exactly(write_config, tmp_path):
    path = str(write_config(callbacks=[{"type": "ema", "args": {"decay": 0.9}}, "grad_clip"],
                            **{"arch.args.dropout": 0.2}))
    assert train_main(["-c", path, "-q", "--run-id", "full"]) == 0
    ck2 = tmp_path / "saved/models/tiny/full/checkpoint-epoch2.npz"
    assert train_main(["-r", str(ck2), "-q", "--run-id", "resumed"]) == 0
    full = load_checkpoint(tmp_path / "saved/models/tiny/full/checkpoint-epoch4.npz")
    resumed = load_checkpoint(tmp_path / "saved/models/tiny/resumed/checkpoint-epoch4.npz")
    assert _history(resumed) == _history(full)
    shadow = full.callbacks_state["ema"]["shadow"]
    assert sorted(shadow) == sorted(full.model_state)  # every weight averaged
    for name, value in shadow.items():
        np.testing.assert_array_equal(resumed.callbacks_state["ema"]["shadow"][name], value)
        assert not np.array_equal(value, full.model_state[name])  # the average, not the weights
    assert load_checkpoint(ck2).callbacks_state["ema"]["updates"] == 2 * 21


@pytest.mark.slow
def test_tensorboard_serves_the_hparams_session_and_images(write_config, tmp_path,
                                                           tensorboard_server):
    from PIL import Image

    path = write_config(callbacks=["hparams", {"type": "images",
                                               "args": {"kinds": "confusion_matrix"}}],
                        **{"trainer.epochs": 2})
    assert train_main(["-c", str(path), "-q", "--run-id", "hp"]) == 0
    # an autoencoder's reconstructions, in a second run
    ae = write_config(name="ae.yaml", callbacks=[{"type": "images", "args": {
        "kinds": ["reconstructions"], "max_images": 4}}], **{
        "arch": {"type": "conv_autoencoder", "args": {"in_channels": 1, "width": 4,
                                                      "latent_channels": 4}},
        "data_loader.args.dataset": {"type": "digits", "args": {"target": "image"}},
        "loss": "mse", "metrics": [], "trainer.epochs": 1})
    assert train_main(["-c", str(ae), "-q", "--run-id", "ae"]) == 0
    server = tensorboard_server(tmp_path / "saved" / "log")
    server.poll("/data/runs", lambda r: sorted(r) == ["tiny/ae", "tiny/hp"])

    body = json.dumps({"experimentName": "", "allowedStatuses": [
        "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING", "STATUS_UNKNOWN"],
        "colParams": [], "startIndex": 0, "sliceSize": 10}).encode()
    groups = server.poll("/data/plugin/hparams/session_groups",
                         lambda r: bool(r.get("sessionGroups")), data=body)
    (group,) = groups["sessionGroups"]
    (session,) = group["sessions"]
    assert session["name"] == "tiny/hp" and session["status"] == "STATUS_SUCCESS"
    assert group["hparams"]["optimizer.args.lr"] == 0.01
    assert group["hparams"]["arch.type"] == "mlp"
    assert group["hparams"]["data_loader.args.batch_size"] == 64
    history = load_checkpoint(tmp_path / "saved/models/tiny/hp/checkpoint-epoch2.npz") \
        .metadata["history"]
    metrics = {m["name"]["tag"]: m["value"] for m in session["metricValues"]}
    assert metrics["hparams/val_loss"] == pytest.approx(history[-1]["val_loss"], rel=1e-6)
    assert metrics["hparams/best_val_loss"] == pytest.approx(
        min(h["val_loss"] for h in history), rel=1e-6)

    for run, tag in (("tiny/hp", "images/confusion_matrix"),
                     ("tiny/ae", "images/reconstructions")):
        query = urllib.parse.urlencode({"run": run, "tag": tag})
        entries = server.poll(f"/data/plugin/images/images?{query}", lambda r: len(r) >= 1)
        blob = server.get_bytes("/data/plugin/images/individualImage?" + entries[-1]["query"])
        image = np.asarray(Image.open(io.BytesIO(blob)))
        if tag == "images/confusion_matrix":
            assert image.shape == (10 * 16, 10 * 16, 3)
            # the diagonal of a classifier well past chance is darker than the rest
            diag = np.mean([image[i * 16 + 8, i * 16 + 8].sum() for i in range(10)])
            off = np.mean([image[i * 16 + 8, ((i + 1) % 10) * 16 + 8].sum() for i in range(10)])
            assert diag < off
        else:
            assert image.shape == (2 * 9 + 1, 4 * 9 + 1)  # inputs over outputs, 8x8 + gaps


def test_the_readme_callback_example_runs_from_a_config(write_config, tmp_path, monkeypatch):
    from trainer_helpers import REPO
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Callbacks"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    (tmp_path / "readme_callbacks.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = write_config(plugins=["readme_callbacks"], **{"trainer.epochs": 10},
                        callbacks=[{"type": "stop_at_accuracy", "args": {"target": 0.9}}])
    assert train_main(["-c", str(path), "-q", "--run-id", "readme"]) == 0
    run = tmp_path / "saved/models/tiny/readme"
    last = max(run.glob("checkpoint-epoch*.npz"), key=lambda p: int(p.stem.split("epoch")[1]))
    ckpt = load_checkpoint(last)
    assert ckpt.epoch < 10  # stopped early, and that epoch was saved
    history = ckpt.metadata["history"]
    assert history[-1]["val_accuracy"] >= 0.9 > max(h["val_accuracy"] for h in history[:-1])
    assert ckpt.callbacks_state == {"stop_at_accuracy": {"best": history[-1]["val_accuracy"]}}


def test_time_limit_a_one_file_option_stops_saves_and_resumes(write_config, tmp_path, capsys):
    path = write_config(callbacks=[{"type": "time_limit", "args": {"minutes": 1e-6}}],
                        **{"trainer.save_period": 3})
    assert train_main(["-c", str(path), "-q", "--run-id", "t"]) == 0
    run = tmp_path / "saved/models/tiny/t"
    assert sorted(p.name for p in run.glob("checkpoint-*.npz")) == ["checkpoint-epoch1.npz"]
    ckpt = load_checkpoint(run / "checkpoint-epoch1.npz")
    assert ckpt.callbacks_state["time_limit"]["used"] > 0
    capsys.readouterr()
    assert train_main(["-r", str(run / "checkpoint-epoch1.npz"), "-q"]) == 0
    assert "its time_limit of 1e-06 minutes is used up" in capsys.readouterr().out
    assert train_main(["-r", str(run / "checkpoint-epoch1.npz"), "-q", "--run-id", "more",
                       "--set", "callbacks.0.args.minutes=100"]) == 0
    assert (tmp_path / "saved/models/tiny/more/checkpoint-epoch4.npz").exists()


def test_test_py_evaluates_the_ema_averages(write_config, tmp_path, capsys, monkeypatch):
    from framework.trainer import cli
    from framework.trainer.cli import test_main

    path = write_config(callbacks=[{"type": "ema", "args": {"decay": 0.99}}],
                        **{"trainer.epochs": 2})
    assert train_main(["-c", str(path), "-q", "--run-id", "e"]) == 0
    best = str(tmp_path / "saved/models/tiny/e/model_best.npz")
    capsys.readouterr()
    assert test_main(["-r", best, "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"evaluating the ema callback's averaged weights from {best}\n")
    averaged = [line for line in out.splitlines() if line.startswith("test loss")]
    monkeypatch.setattr(cli, "use_averaged_weights", lambda model, checkpoint: False)
    assert test_main(["-r", best, "-q"]) == 0
    raw = [line for line in capsys.readouterr().out.splitlines()
           if line.startswith("test loss")]
    assert averaged != raw  # a slow average (0.99) after 42 steps is far from the weights
