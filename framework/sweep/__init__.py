"""Hyperparameter sweeps: grid, random and TPE search over dotted config keys.

``zeronn sweep -c config.yaml`` (or ``--grid key=v1,v2``) runs each trial as an ordinary
training run inside ``<save_dir>/sweeps/<name>/<sweep_id>/``, several at once, records
every trial in a journal so an interrupted sweep resumes where it stopped, writes
TensorBoard HPARAMS summaries and ends with a table sorted by the monitored metric.
"""
from framework.sweep.command import start_sweep
from framework.sweep.journal import Journal
from framework.sweep.runner import SweepInterrupted, create_sweep, run_sweep
from framework.sweep.space import SweepSpec, parse_grid_option, parse_sweep

__all__ = ["start_sweep", "create_sweep", "run_sweep", "SweepInterrupted", "Journal",
           "SweepSpec", "parse_sweep", "parse_grid_option"]
