"""method: tpe through Optuna's journal-file storage (the `tune` extra)."""
import os

import pytest

from framework.config import validate_config
from framework.sweep.journal import Journal
from framework.sweep.runner import create_sweep, run_sweep
from framework.sweep.space import parse_sweep

optuna = pytest.importorskip("optuna", reason="needs the tune extra: pip install -e '.[tune]'")


def _raw(save_dir):
    return {
        "name": "tiny", "seed": 0,
        "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [16], "out_features": 10}},
        "data_loader": {"type": "DataLoader", "args": {
            "dataset": {"type": "digits", "args": {}}, "batch_size": 128, "shuffle": True,
            "validation_split": 0.1}},
        "loss": "cross_entropy", "metrics": ["accuracy"],
        "optimizer": {"type": "Adam", "args": {"lr": 0.01}},
        "trainer": {"epochs": 1, "save_dir": str(save_dir), "verbosity": 1,
                    "monitor": "max val_accuracy"}}


@pytest.mark.slow
def test_tpe_sweep_tells_optuna_and_resumes_past_a_cut_off_trial(tmp_path, monkeypatch):
    from framework.sweep.tpe import TPEProvider
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    spec = parse_sweep({"method": "tpe", "trials": 2, "seed": 1, "parameters": {
        "optimizer.args.lr": {"min": 1e-3, "max": 0.1, "log": True},
        "arch.args.hidden": [[8], [16, 8]]}})
    sweep_dir = create_sweep(_raw(tmp_path), spec, tmp_path / "sw")
    cfg = validate_config(_raw(tmp_path))
    # An earlier session asked for a trial and was killed before it ended.
    cut_off = TPEProvider(sweep_dir, spec, cfg, {})
    tid, params = cut_off.next()
    assert tid == "trial_000" and params["arch.args.hidden"] in ([8], [16, 8])
    Journal(sweep_dir / "journal.jsonl").append({"event": "start", "trial": tid,
                                                 "params": params})
    records = run_sweep(sweep_dir, out=open(os.devnull, "w"))
    assert sorted(r["trial"] for r in records) == ["trial_001", "trial_002"]
    accs = [r["val_accuracy"] for r in records]
    assert accs == sorted(accs, reverse=True)          # max val_accuracy first
    study = optuna.load_study(study_name="sweep", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(sweep_dir / "optuna.jsonl"))))
    states = {t.number: t.state.name for t in study.trials}
    assert states == {0: "FAIL", 1: "COMPLETE", 2: "COMPLETE"}
    by_id = {r["trial"]: r for r in records}
    for t in study.trials[1:]:
        assert t.value == pytest.approx(by_id[f"trial_{t.number:03d}"]["val_accuracy"])
    # nothing left to do: a second resume runs no trial
    assert len(run_sweep(sweep_dir, out=open(os.devnull, "w"))) == 2
    assert Journal(sweep_dir / "journal.jsonl").started() == {
        "trial_000": 1, "trial_001": 1, "trial_002": 1}
