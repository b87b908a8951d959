"""The sweep section, --grid options, trial lists, the journal and the results table."""
import json
import math

import pytest

from framework.config import validate_config
from framework.errors import ConfigError
from framework.sweep.journal import Journal
from framework.sweep.results import sort_results, table_text
from framework.sweep.space import (Range, format_override, grid_trials, parse_grid_option,
                                   parse_sweep, random_trials)


def test_grid_is_every_combination_last_key_fastest():
    spec = parse_sweep({"parameters": {"optimizer.args.lr": [1e-3, 1e-2, 3e-2],
                                       "seed": [0, 1]}, "workers": 2})
    assert spec.method == "grid" and spec.trials == 6 and spec.workers == 2
    assert grid_trials(spec) == [
        {"optimizer.args.lr": lr, "seed": s} for lr in (1e-3, 1e-2, 3e-2) for s in (0, 1)]


def test_random_draws_are_repeatable_and_inside_the_ranges():
    section = {"method": "random", "trials": 50, "seed": 3, "parameters": {
        "optimizer.args.lr": {"min": 1e-4, "max": 1e-1, "log": True},
        "trainer.epochs": {"min": 2, "max": 5},
        "arch.args.hidden": [[16], [32, 16]]}}
    spec = parse_sweep(section)
    assert spec.parameters["trainer.epochs"] == Range(2.0, 5.0, False, True)
    first, again = random_trials(spec), random_trials(parse_sweep(section))
    assert first == again and len(first) == 50
    lrs = [t["optimizer.args.lr"] for t in first]
    assert all(1e-4 <= lr <= 1e-1 for lr in lrs)
    # log-uniform: about half the draws below the geometric middle 10^-2.5
    assert 15 <= sum(lr < 10 ** -2.5 for lr in lrs) <= 35
    assert {t["trainer.epochs"] for t in first} == {2, 3, 4, 5}
    assert all(isinstance(t["trainer.epochs"], int) for t in first)
    assert {tuple(t["arch.args.hidden"]) for t in first} == {(16,), (32, 16)}


@pytest.mark.parametrize("section, match", [
    ({"parameters": {"lr": {"min": 1, "max": 2}}}, "a grid takes a list"),
    ({"method": "bayes", "parameters": {"lr": [1]}}, "sweep.method: expected one of"),
    ({"parameters": {}}, "sweep.parameters"),
    ({"parameters": {"lr": []}}, "non-empty list"),
    ({"method": "random", "parameters": {"lr": [1]}}, "needs a number of trials"),
    ({"parameters": {"lr": [1]}, "workers": 0}, "sweep.workers: expected a positive"),
    ({"parameters": {"lr": [1]}, "trails": 3}, "sweep.trails: unknown key"),
    ({"method": "random", "trials": 2, "parameters": {"lr": {"min": 0, "max": 1, "log": True}}},
     "log range needs min > 0"),
    ({"method": "random", "trials": 2, "parameters": {"lr": {"min": 2, "max": 1}}}, "min < max"),
    ({"parameters": {"a": [1, 2]}, "trials": 5}, "a grid of 2 combinations"),
])
def test_bad_sweep_sections_name_the_key(section, match):
    with pytest.raises(ConfigError, match=match):
        parse_sweep(section)


def test_grid_option_parses_values_like_the_config():
    assert parse_grid_option("optimizer.args.lr=1e-3,3e-3") == ("optimizer.args.lr",
                                                                 [0.001, 0.003])
    assert parse_grid_option("arch.args.hidden=[64],[128, 64]") == ("arch.args.hidden",
                                                                    [[64], [128, 64]])
    assert parse_grid_option("arch.args.activation=relu,tanh")[1] == ["relu", "tanh"]
    for bad in ("optimizer.args.lr", "=1,2", "lr=1,,2"):
        with pytest.raises(ConfigError, match="--grid"):
            parse_grid_option(bad)


@pytest.mark.parametrize("value", [0.001, 1e-5, 3, True, None, "min val_loss", [64, 32],
                                   {"a": 1}])
def test_format_override_round_trips_through_the_config_parser(value):
    from framework.config import parse_value
    text = format_override("k", value)
    assert text.startswith("k=")
    assert parse_value(text[2:]) == value


def test_journal_keeps_whole_lines_and_ignores_a_torn_one(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append({"event": "start", "trial": "trial_000", "params": {"a": 1}})
    journal.append({"event": "end", "trial": "trial_000", "status": "done"})
    journal.append({"event": "start", "trial": "trial_001", "params": {"a": 2}})
    with open(journal.path, "a") as f:
        f.write('{"event": "end", "trial": "trial_0')  # a crash mid-write
    assert set(journal.finished()) == {"trial_000"}
    assert journal.started() == {"trial_000": 1, "trial_001": 1}
    assert all(json.loads(line)["time"] > 0 for line in open(journal.path).readlines()[:3])


def _cfg(monitor):
    return validate_config({
        "name": "t", "arch": {"type": "mlp"}, "loss": "mse", "optimizer": {"type": "SGD"},
        "data_loader": {"args": {"dataset": {"type": "digits"}}},
        "trainer": {"epochs": 1, "monitor": monitor}})


def test_results_sorted_by_the_monitored_metric_failed_last():
    spec = parse_sweep({"parameters": {"optimizer.args.lr": [1, 2, 3, 4]}})
    records = [
        {"trial": "trial_000", "status": "done", "params": {"optimizer.args.lr": 1},
         "val_accuracy": 0.5},
        {"trial": "trial_001", "status": "failed", "params": {"optimizer.args.lr": 2},
         "error": "boom"},
        {"trial": "trial_002", "status": "done", "params": {"optimizer.args.lr": 3},
         "val_accuracy": 0.9},
        {"trial": "trial_003", "status": "done", "params": {"optimizer.args.lr": 4},
         "val_accuracy": math.nan},
    ]
    ranked = [r["trial"] for r in sort_results(records, _cfg("max val_accuracy"))]
    assert ranked == ["trial_002", "trial_000", "trial_001", "trial_003"]
    ranked_min = [r["trial"] for r in sort_results(records, _cfg("min val_accuracy"))]
    assert ranked_min[:2] == ["trial_000", "trial_002"]
    text = table_text(sort_results(records, _cfg("max val_accuracy")), spec,
                      _cfg("max val_accuracy"))
    lines = text.splitlines()
    assert lines[1].split()[:5] == ["rank", "trial", "status", "optimizer.args.lr",
                                    "val_accuracy"]
    assert lines[3].split()[:5] == ["1", "trial_002", "done", "3", "0.9"]


def test_a_config_with_a_sweep_section_still_trains_and_the_section_must_be_a_mapping():
    raw = {"name": "t", "arch": {"type": "mlp"}, "loss": "mse", "optimizer": {"type": "SGD"},
           "data_loader": {"args": {"dataset": {"type": "digits"}}},
           "trainer": {"epochs": 1}, "sweep": {"parameters": {"seed": [0, 1]}}}
    assert validate_config(raw).name == "t"
    with pytest.raises(ConfigError, match="sweep: expected a mapping"):
        validate_config(dict(raw, sweep=3))


def test_each_worker_gets_its_share_of_the_cores_as_blas_threads(monkeypatch):
    from framework.sweep import runner
    monkeypatch.setattr(runner, "_cores", lambda: 8)
    spec = parse_sweep({"parameters": {"seed": [0, 1]}, "workers": 2})
    assert runner._threads(spec, 2) == 4 and runner._threads(spec, 16) == 1
    spec.threads = 3
    assert runner._threads(spec, 2) == 3
    env = runner._worker_env(4, workers=2)
    assert all(env[name] == "4" for name in runner.THREAD_VARIABLES)
    assert env["ZERONN_WORKERS"] == "2"
    assert runner._worker_env(3, workers=2, pinned=True)["ZERONN_THREADS"] == "3"
